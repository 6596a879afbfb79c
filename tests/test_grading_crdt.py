"""The T05 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import sys

import pytest

from dsworkbook import grading
from dsworkbook.crdt.pitfalls import NaiveCompactORSet
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.crdt import predict_cart
from tests.wrong_answers.crdt import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "05-gcounter-merge": "implement",
    "05-drill-lww": "drill",
    "05-mv-register": "implement",
    "05-predict-cart": "predict",
    "05-drill-orset": "drill",
    "05-laws": "implement",
    "05-rga-order": "implement",
}


def test_every_t05_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: reg[i].kind for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T05" and reg[i].concepts for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    covered = {c for i in EXERCISES for c in reg[i].concepts}
    assert covered == {"R01", "R02", "R03", "R04", "R05", "R06"}


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


def _stub(*args, **kwargs):
    raise NotImplementedError


class StubORSet(NaiveCompactORSet):
    def remove(self, element):
        raise NotImplementedError

    def merge(self, other):
        raise NotImplementedError


@pytest.mark.parametrize("exercise_id, stub", [
    ("05-gcounter-merge", _stub), ("05-drill-lww", _stub), ("05-mv-register", _stub), ("05-laws", _stub),
    ("05-rga-order", _stub), ("05-drill-orset", StubORSet), ("05-predict-cart", ...),
])
def test_a_stub_is_not_attempted(exercise_id, stub):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, stub)


def test_a_stub_that_raises_only_inside_a_simulated_replica_is_not_attempted_either():
    def merge_then_stub(a, b):  # right on the hand-written pairs and the laws, a stub inside a replica
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "on_message":
                raise NotImplementedError
            frame = frame.f_back
        return RIGHT["05-gcounter-merge"](a, b)

    with pytest.raises(NotAttempted):
        grading.check("05-gcounter-merge", merge_then_stub)


def test_the_summaries_name_the_seeds_of_the_simulated_runs(capsys):
    line = grading.check("05-gcounter-merge", RIGHT["05-gcounter-merge"])
    assert "seeds 501-508" in line and "3 replicas under faults" in line


def test_the_prediction_is_graded_against_the_run_not_a_constant(monkeypatch):
    real = predict_cart.shopping_cart

    def run_with_b_behind(seed):
        return real(seed=seed, skew=-100)  # B's clock behind: LWW now keeps A's cart

    monkeypatch.setattr(predict_cart, "shopping_cart", run_with_b_behind)
    with pytest.raises(WrongAnswer, match="the LWW cart"):
        grading.check("05-predict-cart", RIGHT["05-predict-cart"])
    answer = dict(RIGHT["05-predict-cart"], LWW={"coffee", "eggs", "milk"})
    grading.check("05-predict-cart", answer)


def test_a_wrong_lww_tie_break_is_explained(capsys):
    with pytest.raises(WrongAnswer, match="kept the first argument"):
        grading.check("05-drill-lww", WRONG["05-drill-lww"][1])
