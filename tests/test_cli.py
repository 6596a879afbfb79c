"""The `dsworkbook` command: list, start, check, progress, build-exercises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from dsworkbook import catalog, cli
from dsworkbook.grading.build import build_exercises
from tests.fixtures.notebooks import make_repo, solution_notebook, write


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    root = make_repo(tmp_path / "repo", "01_fixture.ipynb")
    monkeypatch.setenv("DSWORKBOOK_ROOT", str(root))
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- the entry point

def test_the_console_script_is_declared_and_lists_json():
    [script] = [ep for ep in entry_points(group="console_scripts") if ep.name == "dsworkbook"]
    assert script.value == "dsworkbook.cli:main"
    # The installed script, run from elsewhere: it finds the repository from the package's location.
    exe = Path(sys.executable).with_name("dsworkbook")
    env = {k: v for k, v in os.environ.items() if k not in ("DSWORKBOOK_ROOT", "PYTHONPATH")}
    proc = subprocess.run([str(exe), "list", "--format", "json"], capture_output=True, text=True, env=env,
                          cwd=Path(sys.executable).parent, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["id"] for r in rows] == catalog.concept_ids()
    for row in rows:
        assert {"id", "title", "module", "notebook", "exercises", "status"} <= set(row)


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out


def test_every_command_is_registered_in_the_one_table():
    assert set(cli.COMMANDS) == {"list", "start", "check", "progress", "build-exercises"}
    assert all(callable(c.configure) and callable(c.run) for c in cli.COMMANDS.values())


# --------------------------------------------------------------------------- list

def test_list_prints_an_aligned_table_of_every_concept(capsys, monkeypatch):
    monkeypatch.delenv("DSWORKBOOK_ROOT", raising=False)
    code, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ID", "THEME", "STATUS", "TITLE", "MODULE", "EXERCISES"]
    assert len(lines) == 1 + 75 + 1 and lines[-1].startswith("75 concepts: ")
    status_column = lines[0].index("STATUS")
    assert all(line[status_column - 2: status_column] == "  " for line in lines[1:-1])


def test_list_json_for_one_theme(capsys, monkeypatch):
    monkeypatch.delenv("DSWORKBOOK_ROOT", raising=False)
    code, out, _ = run(capsys, "list", "--format", "json", "--theme", "T01")
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["N01", "N02", "N03", "N04", "N05"]


def test_an_unknown_theme_is_a_clear_error_with_exit_code_2(capsys):
    code, _, err = run(capsys, "list", "--theme", "T42")
    assert code == 2 and err.startswith("dsworkbook: error: unknown theme 'T42'; themes: T01")


# --------------------------------------------------------------------------- build-exercises

def test_build_exercises_check_then_build_then_check(repo, capsys):
    code, out, _ = run(capsys, "build-exercises", "--check")
    assert code == 1 and "stale: exercises/01_fixture.ipynb (missing)" in out
    code, out, _ = run(capsys, "build-exercises")
    assert code == 0 and "updated: exercises/01_fixture.ipynb (missing)" in out
    assert (repo / "exercises" / "01_fixture.ipynb").exists()
    code, out, _ = run(capsys, "build-exercises", "--check")
    assert code == 0 and "up to date" in out


def test_build_exercises_of_one_notebook_leaves_the_others_alone(repo, capsys):
    write(solution_notebook(), repo / "solutions" / "02_other.ipynb")
    (repo / "exercises").mkdir()
    code, out, err = run(capsys, "build-exercises", "01")
    assert code == 0 and not err and out == "updated: exercises/01_fixture.ipynb\n"
    assert sorted(p.name for p in (repo / "exercises").iterdir()) == ["01_fixture.ipynb"]
    code, out, _ = run(capsys, "build-exercises", "01_fixture.ipynb")
    assert code == 0 and out == "unchanged: exercises/01_fixture.ipynb\n"
    code, _, err = run(capsys, "build-exercises", "0")
    assert code == 2 and "'0' names 2 solutions notebooks" in err


def test_build_exercises_reports_a_marker_error(repo, capsys):
    nb = solution_notebook()
    nb.cells[3].source += "\n# BEGIN SOLUTION"
    write(nb, repo / "solutions" / "01_fixture.ipynb")
    code, _, err = run(capsys, "build-exercises")
    assert code == 2 and "solutions/01_fixture.ipynb, cell 3" in err and "never closed" in err


# --------------------------------------------------------------------------- start, check, progress

def test_start_check_progress_without_a_workspace(repo, capsys):
    code, _, err = run(capsys, "check")
    assert code == 2 and "dsworkbook start" in err
    code, _, err = run(capsys, "progress")
    assert code == 2 and "dsworkbook start" in err


@pytest.mark.slow
def test_check_exit_code_is_1_until_every_exercise_passes(repo, capsys, tmp_path):
    build_exercises(repo)
    workspace = tmp_path / "ws"
    code, out, _ = run(capsys, "start", "--workspace", str(workspace))
    assert code == 0 and "copied  01_fixture.ipynb" in out

    code, out, _ = run(capsys, "check", "--workspace", str(workspace))
    assert code == 1
    assert "0/2 passed (2 not attempted)" in out
    header = next(line for line in out.splitlines() if line.startswith("THEME"))
    assert header.split() == ["THEME", "EXERCISE", "STATUS", "MESSAGE"]

    write(solution_notebook(), workspace / "01_fixture.ipynb")            # the learner solves it
    code, out, _ = run(capsys, "check", "T01", "--workspace", str(workspace))
    assert code == 0 and "2/2 passed" in out
    code, out, _ = run(capsys, "progress", "--workspace", str(workspace))
    assert code == 0 and out.splitlines() == ["T01: 2/2 passed", "overall: 2/2 passed"]
