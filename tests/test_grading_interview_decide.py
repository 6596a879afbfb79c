"""The 15-decide check discriminates: registered with its kind, a stub is not attempted, every wrong
answer is rejected with a hint that names only what the statement shows, right ones pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from tests.wrong_answers import submit
from tests.wrong_answers.interview_decide import ALSO_RIGHT, RIGHT, WRONG

STATEMENT = Path("/work/briefs/out/i01.md")


def test_registered_as_a_design_exercise_of_i01_with_its_reference():
    ex = grading.get("15-decide")
    assert (ex.kind, ex.theme, ex.concepts, ex.reference) == (
        "design", "T15", ("I01",), "dsworkbook.interview.decisions.decide")


def test_a_stub_is_not_attempted():
    def decide(facts):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("15-decide", decide)


def test_right_answers_pass(capsys):
    for answer in [RIGHT["15-decide"], *ALSO_RIGHT["15-decide"]]:
        assert submit("15-decide", answer).startswith("✔ 15-decide: 22 catalog requirements")


def test_there_are_at_least_ten_wrong_answers():
    assert len(WRONG["15-decide"]) >= 10


@pytest.mark.parametrize("n", range(len(WRONG["15-decide"])))
def test_every_wrong_answer_is_rejected(n):
    with pytest.raises(grading.WrongAnswer) as info:
        submit("15-decide", WRONG["15-decide"][n])
    if STATEMENT.is_file():  # the hint names only words of the statement
        from tests.test_exercises import names_missing_from

        statement = STATEMENT.read_text().split("=== notebook ===")[0]
        assert not names_missing_from(info.value.hint, statement), info.value.hint
