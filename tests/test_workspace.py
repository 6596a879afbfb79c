"""The learner's workflow: start never overwrites, check builds an honest score card, progress sums it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from dsworkbook.errors import ConfigError
from dsworkbook.grading.build import build_exercises
from dsworkbook.grading.workspace import (PROGRESS_FILE, check, first_error_line, format_table, normalize_theme,
                                          progress, run_nbval, start, theme_of)
from tests.fixtures.notebooks import make_repo, mixed_notebook, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", "01_fixture.ipynb")
    build_exercises(root)
    return root


# --------------------------------------------------------------------------- start

def test_start_copies_the_exercises_and_never_overwrites_the_learners_files(repo, capsys):
    report = start(repo)
    assert report.copied == ["01_fixture.ipynb"] and report.kept == []
    mine = repo / "workspace" / "01_fixture.ipynb"
    assert mine.read_bytes() == (repo / "exercises" / "01_fixture.ipynb").read_bytes()
    mine.write_text("my answers")

    shutil.copy(repo / "solutions" / "01_fixture.ipynb", repo / "solutions" / "02_later.ipynb")
    build_exercises(repo)                                   # an update adds a theme
    capsys.readouterr()
    report = start(repo)
    assert report.copied == ["02_later.ipynb"] and report.kept == ["01_fixture.ipynb"]
    assert mine.read_text() == "my answers"
    out = capsys.readouterr().out
    assert "copied  02_later.ipynb" in out and "kept    01_fixture.ipynb" in out


def test_start_into_another_folder(repo, tmp_path):
    report = start(repo, tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "01_fixture.ipynb").exists()
    assert report.workspace == tmp_path / "elsewhere"


def test_start_without_exercises_says_how_to_build_them(tmp_path):
    with pytest.raises(ConfigError, match="make exercises"):
        start(tmp_path)


# --------------------------------------------------------------------------- clear errors

def test_check_without_a_workspace_says_to_run_start(repo):
    with pytest.raises(ConfigError, match="dsworkbook start"):
        check(repo)


def test_progress_without_a_workspace_says_to_run_start(repo):
    with pytest.raises(ConfigError, match="dsworkbook start"):
        progress(repo / "workspace")


def test_an_unknown_theme_lists_the_themes_there(repo):
    start(repo)
    with pytest.raises(ConfigError, match=r"no notebook of theme T07 .* themes there: T01"):
        check(repo, theme="T07")
    with pytest.raises(ConfigError, match="not a theme number"):
        check(repo, theme="raft")


def test_progress_with_nothing_saved_hints_at_check(repo, capsys):
    start(repo)
    assert progress(repo / "workspace") == {}
    assert "dsworkbook check" in capsys.readouterr().out


@pytest.mark.parametrize("given, theme", [("T01", "T01"), ("t1", "T01"), ("01", "T01"), ("1", "T01"), ("12", "T12")])
def test_theme_spellings(given, theme):
    assert normalize_theme(given) == theme


def test_theme_of_a_file_name():
    assert theme_of("03_consistency.ipynb") == "T03"
    assert theme_of("06b_raft_in_production.ipynb") == "T06"  # a theme's second notebook
    assert theme_of("notes.ipynb") is None
    assert theme_of("06bb_x.ipynb") is None


# --------------------------------------------------------------------------- error lines from nbval reports

@pytest.mark.parametrize("text, line", [
    # %xmode Minimal, a multi-line grading message: its first line
    ("Notebook cell execution failed\nCell 2: Cell execution caused an exception\n\nInput:\nf()\n\n"
     "#x1B[94mTraceback:#x1B[0m\n\n#x1B[31mWrongAnswer#x1B[39m#x1B[31m:#x1B[39m 01-x: wrong answer on x=3\n"
     "  input:    3\n", "WrongAnswer: 01-x: wrong answer on x=3"),
    # a verbose IPython traceback
    ("Cell 5: Cell execution caused an exception\n\nInput:\ny = z\n\nTraceback:\n"
     "\x1b[31m-----\x1b[0m\n\x1b[31mNameError\x1b[0m                 Traceback (most recent call last)\n"
     "Cell In[5], line 1\n----> 1 y = z\n\nNameError: name 'z' is not defined\n", "NameError: name 'z' is not defined"),
    # an exception without a message
    ("Traceback:\n\nNotImplementedError\n", "NotImplementedError"),
    # a dead kernel: nbval's own message
    ("Notebook cell execution failed\nCell 1: Timeout of 10 seconds exceeded while executing cell.\n\nInput:\nx\n",
     "Timeout of 10 seconds exceeded while executing cell."),
    # a collection error
    ("/x/nbformat/reader.py:25: in parse_json\n    raise NotJSONError(message) from e\n"
     "E   nbformat.reader.NotJSONError: Notebook does not appear to be JSON\n",
     "nbformat.reader.NotJSONError: Notebook does not appear to be JSON"),
])
def test_first_error_line(text, line):
    assert first_error_line(text) == line


def test_format_table_aligns_columns():
    table = format_table([{"a": "x", "b": ["p", "q"]}, {"a": "long value", "b": ""}], ("a", "b"))
    assert table.splitlines() == ["A           B", "x           p, q", "long value"]


# --------------------------------------------------------------------------- check, end to end

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A workspace with a solved, an unsolved and a mixed notebook, checked once."""
    root = make_repo(tmp_path_factory.mktemp("graded"), "02_unsolved.ipynb")
    build_exercises(root)
    start(root)
    workspace = root / "workspace"
    shutil.copy(root / "solutions" / "02_unsolved.ipynb", workspace / "01_solved.ipynb")
    write(mixed_notebook(), workspace / "03_mixed.ipynb")
    write(new_notebook(cells=[new_code_cell("print('no checks here')")]), workspace / "04_plain.ipynb")
    card = check(root)
    return root, card


def _statuses(card, notebook):
    return {row["exercise"]: (row["status"], row["message"]) for row in card if row["notebook"] == notebook}


@pytest.mark.slow
def test_a_solved_notebook_passes_every_check(graded):
    _, card = graded
    assert _statuses(card, "01_solved.ipynb") == {
        "99-double": ("pass", "✔ 99-double: doubles ten numbers"),
        "99-predict": ("pass", "✔ 99-predict: right")}


@pytest.mark.slow
def test_an_unsolved_exercise_is_not_attempted_at_every_check(graded):
    _, card = graded
    got = _statuses(card, "02_unsolved.ipynb")
    assert {ex: status for ex, (status, _) in got.items()} == {"99-double": "not attempted",
                                                               "99-predict": "not attempted"}
    assert "not attempted yet" in got["99-predict"][1]


@pytest.mark.slow
def test_a_mixed_notebook_gets_fail_pass_and_not_run_with_the_first_error_line(graded):
    _, card = graded
    got = _statuses(card, "03_mixed.ipynb")
    assert got["99-double"] == ("fail", "99-double: wrong answer on x=0")
    assert got["99-predict"] == ("pass", "✔ 99-predict: right")
    assert got["99-square"] == ("not run", "cell 4 failed: NameError: name 'undefined_helper' is not defined")


@pytest.mark.slow
def test_the_card_has_one_row_per_check_cell_in_notebook_order(graded):
    _, card = graded
    assert [(r["notebook"], r["cell"], r["exercise"]) for r in card] == [
        ("01_solved.ipynb", 2, "99-double"), ("01_solved.ipynb", 5, "99-predict"),
        ("02_unsolved.ipynb", 2, "99-double"), ("02_unsolved.ipynb", 4, "99-predict"),
        ("03_mixed.ipynb", 2, "99-double"), ("03_mixed.ipynb", 3, "99-predict"), ("03_mixed.ipynb", 5, "99-square")]
    assert {r["theme"] for r in card} == {"T01", "T02", "T03"}


@pytest.mark.slow
def test_results_are_saved_and_progress_sums_them_per_theme_and_overall(graded, capsys):
    root, _ = graded
    saved = json.loads((root / "workspace" / PROGRESS_FILE).read_text())
    assert sorted(saved["notebooks"]) == ["01_solved.ipynb", "02_unsolved.ipynb", "03_mixed.ipynb"]
    capsys.readouterr()
    sums = progress(root / "workspace")
    assert sums["T01"] == {"pass": 2, "fail": 0, "not attempted": 0, "not run": 0, "skipped": 0, "total": 2}
    assert sums["T03"] == {"pass": 1, "fail": 1, "not attempted": 0, "not run": 1, "skipped": 0, "total": 3}
    assert sums["overall"] == {"pass": 3, "fail": 1, "not attempted": 2, "not run": 1, "skipped": 0, "total": 7}
    out = capsys.readouterr().out.splitlines()
    assert out == ["T01: 2/2 passed", "T02: 0/2 passed (2 not attempted)",
                   "T03: 1/3 passed (1 fail, 1 not run)", "overall: 3/7 passed (1 fail, 2 not attempted, 1 not run)"]


@pytest.mark.slow
def test_checking_one_theme_replaces_only_its_saved_results(graded):
    root, _ = graded
    workspace = root / "workspace"
    shutil.copy(root / "solutions" / "02_unsolved.ipynb", workspace / "02_unsolved.ipynb")   # the learner solves T02
    card = check(root, theme="02")
    assert {r["status"] for r in card} == {"pass"} and len(card) == 2
    sums = progress(workspace)
    assert sums["T02"]["pass"] == 2 and sums["T03"]["fail"] == 1 and sums["overall"]["pass"] == 5


# --------------------------------------------------------------------------- failures of the run itself

@pytest.mark.slow
def test_a_dead_kernel_marks_the_later_checks_not_run_with_the_reason(tmp_path):
    nb = write(new_notebook(cells=[new_code_cell("import os"),
                                   new_code_cell("os._exit(1)"),
                                   new_code_cell("from dsworkbook import grading\n"
                                                 "grading.check('00-majority', lambda n: n // 2 + 1)")]),
               tmp_path / "ws" / "00_dies.ipynb")
    # a dead kernel shows as a timeout of its cell; no cell before it imports anything slow, so 4 s is room enough
    run = run_nbval(nb, cell_timeout=4)
    assert run.cells[0].passed and run.cells[1].outcome == "failed" and not run.cells[2].passed
    assert "Timeout" in run.cells[1].error
    from dsworkbook.grading.workspace import score_card
    [row] = score_card(nb, run)
    assert row["status"] == "not run" and row["message"].startswith("cell 1 failed: Timeout")


def test_an_unreadable_notebook_is_a_row_not_a_crash(repo, capsys):
    start(repo)
    (repo / "workspace" / "05_broken.ipynb").write_text("{not json")
    card = check(repo, theme="05")
    assert [(r["exercise"], r["status"]) for r in card] == [("?", "not run")]
    assert "cannot read notebook" in card[0]["message"]
