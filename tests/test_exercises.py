"""Every exercise is honest: generated from its solution, unsolved fails exactly at its check
cells, and its check rejects plausible wrong answers while a right one passes.

The solved notebooks themselves run under nbval with the rest of the suite (solutions/ is a
test path), which proves that each right answer passes inside a real kernel.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.grading.build import check_cells, stale_exercises
from dsworkbook.grading.workspace import run_nbval

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def _answer_tables() -> tuple[dict, dict]:
    import tests.wrong_answers as pkg

    right, wrong = {}, {}
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"tests.wrong_answers.{info.name}")
        right.update(module.RIGHT)
        wrong.update(module.WRONG)
    return right, wrong


RIGHT, WRONG = _answer_tables()


def test_there_are_solutions_notebooks():
    assert [p.name for p in SOLUTIONS][:2] == ["00_start_here.ipynb", "01_network_and_fallacies.ipynb"]


def test_exercises_are_up_to_date_with_solutions():
    stale = stale_exercises(ROOT)
    assert stale == [], f"exercises/ is out of date; run `make exercises`: {stale}"


def test_every_registered_exercise_is_checked_in_exactly_one_solutions_notebook():
    checked = [ex for nb in SOLUTIONS for _, ex in check_cells(nb)]
    assert sorted(checked) == sorted(set(checked)), "an exercise is checked twice"
    assert set(checked) == set(grading.registry())


def test_every_exercise_has_a_right_answer_and_at_least_one_wrong_one():
    ids = set(grading.registry())
    assert set(RIGHT) == ids
    assert {i for i, answers in WRONG.items() if answers} == ids


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_a_right_answer_passes(exercise_id, capsys):
    line = grading.check(exercise_id, RIGHT[exercise_id])
    assert capsys.readouterr().out == line + "\n" and line.startswith(f"✔ {exercise_id}: ")


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{n}") for i, answers in sorted(WRONG.items()) for n, a in enumerate(answers)])
def test_a_plausible_wrong_answer_is_rejected_with_input_expected_got_and_hint(exercise_id, answer):
    with pytest.raises(grading.WrongAnswer) as info:
        grading.check(exercise_id, answer)
    text = str(info.value)
    assert text.startswith(f"{exercise_id}: wrong answer on ")
    assert all(part in text for part in ("input:", "expected:", "got:", "hint:"))


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in SOLUTIONS])
def test_the_unsolved_exercise_fails_exactly_at_its_check_cells(name):
    notebook = ROOT / "exercises" / name
    checks = check_cells(notebook)
    run = run_nbval(notebook)
    assert not run.problem, run.problem
    assert run.failed_cells == [cell for cell, _ in checks], {n: c.error for n, c in run.cells.items() if not c.passed}
    assert {r["exercise"]: r["status"] for r in run.records} == {ex: "not attempted" for _, ex in checks}
