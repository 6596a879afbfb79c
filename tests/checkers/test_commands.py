"""`dsworkbook history check FILE... | classify FILE`: verdicts as exit codes, unreadable input named by
line, several files in one run, and the initial value of histories from other tools."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dsworkbook import cli
from dsworkbook.checkers import parse_timeline, to_edn, to_jsonl
from dsworkbook.checkers.commands import EXIT_CODES, WORST_FIRST, parse_initial, worst
from dsworkbook.checkers.workloads import random_history
from dsworkbook.errors import ConfigError
from tests.checkers.reference import hard_history

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
    path = write(tmp_path, "hard.edn", to_edn(hard_history()))
    code, out, _ = run(capsys, "history", "check", path, "--model", "kv", "--memory-limit", "0.5")
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


# -- 6.824/6.5840 and Porcupine kv histories: a missing key reads as "" ---------------------------------------

# Get/Put/Append on two keys, in Porcupine's kv file format. Client 0's Get of key "1" sees the key
# still missing (""); client 1's append lands, then client 0's; key "2" is read missing, then Put.
KV_824_OK = """\
{:process 0, :type :invoke, :f :get, :key "1", :value nil}
{:process 1, :type :invoke, :f :append, :key "1", :value "x 1 0 y"}
{:process 0, :type :ok, :f :get, :key "1", :value ""}
{:process 1, :type :ok, :f :append, :key "1", :value "x 1 0 y"}
{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 1 y"}
{:process 0, :type :ok, :f :append, :key "1", :value "x 0 1 y"}
{:process 1, :type :invoke, :f :get, :key "1", :value nil}
{:process 1, :type :ok, :f :get, :key "1", :value "x 1 0 yx 0 1 y"}
{:process 2, :type :invoke, :f :get, :key "2", :value nil}
{:process 2, :type :ok, :f :get, :key "2", :value ""}
{:process 2, :type :invoke, :f :put, :key "2", :value "x 2 0 y"}
{:process 2, :type :ok, :f :put, :key "2", :value "x 2 0 y"}
"""
# ... and a lost append: both appends to key "1" completed before the last Get began, which saw one.
KV_824_LOST = KV_824_OK.replace(':value "x 1 0 yx 0 1 y"', ':value "x 0 1 y"')


def test_a_6824_history_passes_with_the_empty_string_as_initial_value_and_is_explained(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "kv.edn", KV_824_OK), "--model", "kv",
                       "--initial", "")
    assert code == 0 and "initial value ''" in out and "linearizable" in out
    assert 'witness (a legal order): r 1="" -> append 1=x 1 0 y -> append 1=x 0 1 y' in out


def test_with_the_default_nil_the_same_history_fails_and_the_message_names_the_fix(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "kv.edn", KV_824_OK), "--model", "kv")
    assert code == 1 and "not linearizable" in out and "--initial ''" in out


def test_a_lost_append_fails_with_the_empty_string_as_initial_value(tmp_path, capsys):
    code, out, _ = run(capsys, "history", "check", write(tmp_path, "lost.edn", KV_824_LOST), "--model", "kv",
                       "--initial", "")
    assert code == 1 and "key '1'" in out and "smallest violating sub-history found" in out
    assert "append 1=x 1 0 y" in out and 'r 1=x 0 1 y' in out


@pytest.mark.parametrize("text, value", [
    ("", ""), ("nil", None), ("0", 0), ("-2.5", -2.5), ('"x 0 0 y"', "x 0 0 y"), ("abc", "abc"),
])
def test_initial_values_are_read_as_edn(text, value):
    assert parse_initial(text) == value


@pytest.mark.parametrize("text", ["[1", '"unterminated', "1 2"])
def test_a_bad_initial_value_is_refused_with_what_to_write_instead(text, capsys):
    with pytest.raises(ConfigError, match="--initial must be one value - nil, '' .*, a number"):
        parse_initial(text)
    with pytest.raises(SystemExit) as info:
        cli.main(["history", "check", "x.edn", "--initial", text])
    assert info.value.code == 2 and "argument --initial" in capsys.readouterr().err


# -- several files in one run --------------------------------------------------------------------------------

def test_several_files_print_one_line_each_and_a_total(tmp_path, capsys):
    files = [write(tmp_path, "ok.edn", LINEARIZABLE), write(tmp_path, "stale.edn", STALE),
             write(tmp_path, "hard.edn", to_edn(hard_history())), str(tmp_path / "missing.edn")]
    code, out, _ = run(capsys, "history", "check", *files, "--model", "kv", "--time-limit", "0.2")
    lines = out.splitlines()
    assert len(lines) == 5 and code == EXIT_CODES["not linearizable"]
    assert lines[0].startswith(f"{files[0]}: linearizable (") and lines[1].startswith(f"{files[1]}: not linearizable")
    assert lines[2].startswith(f"{files[2]}: unknown") and lines[3].startswith(f"{files[3]}: unreadable: cannot read")
    assert lines[4].startswith("4 files: 1 linearizable, 1 not linearizable, 1 unknown, 1 unreadable in ")
    assert lines[4].endswith("exit 1 (not linearizable)")


def test_explain_prints_each_files_evidence_under_its_line(tmp_path, capsys):
    files = [write(tmp_path, "ok.edn", LINEARIZABLE), write(tmp_path, "stale.edn", STALE)]
    code, out, _ = run(capsys, "history", "check", *files, "--explain")
    assert code == 1 and "    witness (a legal order): w 1 -> r 1" in out
    assert "    smallest violating sub-history found (3 ops):" in out


@pytest.mark.parametrize("verdicts, expected", [
    # a proven violation answers "are these linearizable?" whatever else is in the batch
    (["linearizable", "not linearizable", "unknown", "unreadable"], "not linearizable"),
    (["unknown", "not linearizable"], "not linearizable"),
    # undecided: input to fix before a budget that ran out
    (["unknown", "unreadable", "linearizable"], "unreadable"),
    (["linearizable", "unknown"], "unknown"),
    # all good
    (["linearizable", "linearizable"], "linearizable"),
    ([], "linearizable"),
])
def test_the_worst_verdict_sets_the_exit_code(verdicts, expected):
    assert worst(verdicts) == expected and set(WORST_FIRST) == set(EXIT_CODES)


def test_one_process_checks_many_files_faster_than_one_process_per_file(tmp_path):
    """Interpreter start-up is paid once: 20 small files take well under 20 start-ups."""
    files = [write(tmp_path, f"h{i}.edn", to_edn(random_history(i, ops=50, clients=3))) for i in range(20)]
    exe = Path(sys.executable).with_name("dsworkbook")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    start = time.perf_counter()
    proc = subprocess.run([str(exe), "history", "check", *files], capture_output=True, text=True, env=env,
                          timeout=120)
    together = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run([str(exe), "history", "check", files[0]], capture_output=True, text=True, env=env, timeout=120)
    one = time.perf_counter() - start
    assert proc.returncode == 0 and proc.stdout.count(": linearizable (") == 20, proc.stdout + proc.stderr
    assert together < 5 * one
