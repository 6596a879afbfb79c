"""The T02 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.storage import NaiveQuorumReplica
from tests.wrong_answers.quorums import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "02-cp-outcome": ("implement", ("Q01",)),
    "02-drill-quorum": ("drill", ("Q01",)),
    "02-read-repair": ("implement", ("Q02",)),
    "02-merkle-diff": ("implement", ("Q02",)),
    "02-predict-stale": ("predict", ("Q03",)),
    "02-stale-reads": ("implement", ("Q03",)),
    "02-predict-pacelc": ("predict", ("Q04",)),
}


def test_every_t02_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, reg[i].concepts) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T02" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


def test_every_concept_of_the_assignment_has_an_exercise():
    covered = {c for _, concepts in EXERCISES.values() for c in concepts}
    assert covered == {"Q01", "Q02", "Q03", "Q04"}


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


def _stub(*args, **kwargs):
    raise NotImplementedError


class _StubReplica(NaiveQuorumReplica):
    def quorum_size(self, n):
        raise NotImplementedError


class _StubInsideTheNode(NaiveQuorumReplica):
    def quorum_size(self, n):
        return n // 2 + 1

    def latest(self, replies):
        raise NotImplementedError  # only ever called inside a simulated node


STUBS = {"02-cp-outcome": _stub, "02-drill-quorum": _StubReplica, "02-read-repair": _stub, "02-merkle-diff": _stub,
         "02-stale-reads": _stub}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, STUBS[exercise_id])


def test_a_stub_raised_inside_a_simulated_node_is_not_attempted_either():
    with pytest.raises(NotAttempted):
        grading.check("02-drill-quorum", _StubInsideTheNode)


@pytest.mark.parametrize("exercise_id", ["02-predict-stale", "02-predict-pacelc"])
def test_an_unanswered_prediction_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted):
        grading.check(exercise_id, ...)


def test_a_drill_answer_that_is_not_a_class_is_rejected_clearly():
    with pytest.raises(grading.WrongAnswer, match="a subclass of CPReplica"):
        grading.check("02-drill-quorum", lambda n: n)
