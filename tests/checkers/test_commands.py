"""`dsworkbook history check|classify FILE`: verdicts as exit codes, unreadable input named by line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsworkbook import cli
from dsworkbook.checkers import parse_timeline, to_edn, to_jsonl
from dsworkbook.checkers.workloads import random_history

LINEARIZABLE = "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n" \
               "{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 1}\n"
STALE = to_edn(parse_timeline("A: [w 1]  [w 2]\nB:             [r 1]"))


@pytest.fixture(autouse=True)
def only_this_theme(monkeypatch):
    """Test this command alone, whatever other themes' command modules are doing."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("dsworkbook.checkers.commands",))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_linearizable_history_exits_0(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "ok.edn", LINEARIZABLE))
    assert code == 0 and "linearizable (fast path" in out and "witness (a legal order): w 1 -> r 1" in out


def test_a_stale_read_exits_1_and_prints_the_counterexample(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "stale.edn", STALE))
    assert code == 1 and "not linearizable" in out and "smallest violating sub-history found (3 ops)" in out


def test_json_lines_and_the_kv_model(tmp_path, capsys):
    h = random_history(3, ops=300, clients=5, model="kv", keys=4, values=3)
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "kv.jsonl", to_jsonl(h)), "--model", "kv")
    assert code == 0 and "model kv" in out and "search" in out


def test_a_budget_that_runs_out_exits_2(tmp_path, capsys):
    h = random_history(7, ops=1500, clients=30, model="cas-register", values=2, unknown=0.2)
    path = write(tmp_path, "hard.edn", to_edn(h))
    code, out, _ = run(capsys, "history", "check", path, "--model", "cas-register", "--memory-limit", "0.5")
    assert code == 2 and "unknown" in out and "memory limit" in out


@pytest.mark.parametrize("text, fragment", [
    ("{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0 :type :ok :f :write :value [1}\n",
     "line 2: '}' closes '['"),
    ("{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :read}\n",
     "line 2: process 0 completes :read but invoked :write on line 1"),
    ("{:process 0, :type :invoke, :f :push, :value 1}\n", "has no function 'push'"),
])
def test_unreadable_input_exits_3_naming_the_line(tmp_path, capsys, text, fragment):
    code, _, err = run(capsys, "history", "check", write(tmp_path, "bad.edn", text))
    assert code == 3 and fragment in err, err


def test_a_missing_file_exits_3(tmp_path, capsys):
    code, _, err = run(capsys, "history", "check", str(tmp_path / "nope.edn"))
    assert code == 3 and "cannot read the file" in err


def test_classify_prints_every_level(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "classify", write(tmp_path, "stale.edn", STALE))
    assert code == 0 and "strongest model satisfied: sequential" in out
    assert all(level in out for level in ("linearizable", "causal", "monotonic reads", "convergent"))


def test_the_history_command_needs_a_subcommand(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["history"])
    assert info.value.code == 2


def test_the_installed_console_script_checks_a_file(tmp_path):
    exe = Path(sys.executable).with_name("dsworkbook")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(exe), "history", "check", write(tmp_path, "stale.edn", STALE)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "not linearizable" in proc.stdout
