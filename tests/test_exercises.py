"""Every exercise is honest: generated from its solution, its check rejects plausible wrong answers
while every right one passes, and a hint names only what the statement shows (that the unsolved
notebook fails exactly at its check cells is tests/test_exercise_notebooks.py).

The solved notebooks themselves run under nbval with the rest of the suite (solutions/ is a
test path), which proves that each right answer passes inside a real kernel.
"""

from __future__ import annotations

import builtins
import importlib
import keyword
import pkgutil
import re
from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.grading.build import check_cells, exercise_sections, stale_exercises
from tests.fixtures.servers import require
from tests.wrong_answers import submit

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def _answer_tables() -> tuple[dict, dict, dict]:
    import tests.wrong_answers as pkg

    right, wrong, also = {}, {}, {}
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"tests.wrong_answers.{info.name}")
        right.update(module.RIGHT)
        wrong.update(module.WRONG)
        also.update(getattr(module, "ALSO_RIGHT", {}))
    return right, wrong, also


RIGHT, WRONG, ALSO_RIGHT = _answer_tables()
SECTIONS = {ex: text for nb in sorted((ROOT / "exercises").glob("*.ipynb")) for ex, text in exercise_sections(nb).items()}


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


def _servers_for(exercise_id: str) -> None:
    """Skip (or under CI=true fail) when the exercise's real servers are not installed."""
    for server in grading.get(exercise_id).servers:
        require(server)


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_a_right_answer_passes(exercise_id, capsys):
    _servers_for(exercise_id)
    line = submit(exercise_id, RIGHT[exercise_id])
    assert capsys.readouterr().out == line + "\n" and line.startswith(f"✔ {exercise_id}: ")


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{n}") for i, answers in sorted(WRONG.items()) for n, a in enumerate(answers)])
def test_a_plausible_wrong_answer_is_rejected_with_input_expected_got_and_hint(exercise_id, answer):
    _servers_for(exercise_id)
    with pytest.raises(grading.WrongAnswer) as info:
        submit(exercise_id, answer)
    text = str(info.value)
    assert text.startswith(f"{exercise_id}: wrong answer on ")
    assert all(part in text for part in ("input:", "expected:", "got:", "hint:"))
    unknown = names_missing_from(info.value.hint, SECTIONS[exercise_id])
    assert not unknown, (f"the hint names {unknown}, which the exercise's statement never mentions: "
                         f"{info.value.hint}")


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{n}") for i, answers in sorted(ALSO_RIGHT.items()) for n, a in enumerate(answers)])
def test_another_right_answer_passes_too(exercise_id, answer):
    _servers_for(exercise_id)
    submit(exercise_id, answer)


_TOKEN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\(?")
_CAMEL = re.compile(r"[a-z][A-Z]|^[A-Z][a-z]+[A-Z]")
_COMMON = set(dir(builtins)) | set(keyword.kwlist) | {"self", "cls", "dw"}


def _code_names(text: str) -> set[str]:
    """The identifiers a text uses as code: dotted names, calls, snake_case and CamelCase words."""
    names = set()
    for token in _TOKEN.findall(text or ""):
        bare = token.rstrip("(")
        if "." in bare or "_" in bare or token.endswith("(") or _CAMEL.search(bare):
            names.update(part for part in bare.split(".") if len(part) > 2)
    return names - _COMMON


def names_missing_from(hint: str, statement: str) -> list[str]:
    """Identifiers the hint uses as code that the exercise's statement never mentions."""
    words = set(re.findall(r"\w+", statement))
    return sorted(n for n in _code_names(hint) if n not in words)
