"""The T02 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.quorums import predict_pacelc, predict_stale
from dsworkbook.storage import NaiveQuorumReplica
from dsworkbook.storage.design import Design, cheapest
from tests.wrong_answers.quorums import RIGHT, WRONG

EXERCISES = {
    "02-cp-outcome": ("implement", ("Q01",)),
    "02-drill-quorum": ("drill", ("Q01",)),
    "02-read-repair": ("implement", ("Q02",)),
    "02-merkle-diff": ("implement", ("Q02",)),
    "02-predict-stale": ("predict", ("Q03",)),
    "02-stale-reads": ("implement", ("Q03",)),
    "02-predict-pacelc": ("predict", ("Q04",)),
    "02-design-quorum": ("design", ("Q02", "Q03")),
}


def test_every_t02_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, reg[i].concepts) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T02" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


def test_every_concept_of_the_assignment_has_an_exercise():
    covered = {c for _, concepts in EXERCISES.values() for c in concepts}
    assert covered == {"Q01", "Q02", "Q03", "Q04"}


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
        grading.check(exercise_id, ..., why="a")
    with pytest.raises(NotAttempted, match="give `why` an answer"):
        grading.check(exercise_id, RIGHT[exercise_id].value, why=...)


def test_an_unanswered_design_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("02-design-quorum", ...)


# -- the truths of the predictions come from runs, and exactly one reason holds in each ------------------


def test_exactly_one_reason_holds_in_the_fast_clock_run_and_it_is_the_clock():
    stale, reason, sims = predict_stale.truth()
    assert reason == "b" and stale[predict_stale.WHY_RUN] is True
    assert [stale[q] for q in predict_stale.RUNS][:4] == [False, True, False, False]


def test_exactly_one_reason_explains_the_far_replica_latencies():
    measured = predict_pacelc.measured()
    assert predict_pacelc.reasons_that_hold(measured) == ["a"]
    p50 = {k: v["write p50"] for k, v in measured.items()}
    assert p50["W=1"] < p50["W=4"] < p50["CP"] < p50["W=5"]


def test_the_design_grader_finds_five_replicas_the_cheapest():
    found = cheapest()
    assert found is not None and (found.n, found.r, found.w) == (5, 3, 3)
    assert cheapest(below=5) is None
    assert isinstance(found, Design)


# -- the classes of wrong answer each grader must close --------------------------------------------------


def _world_dependent_outcome(f, reply):
    import random as _random

    right = RIGHT["02-cp-outcome"](f, reply)
    return ("unknown", None) if right[0] == "fail" and _random.random() < 0.02 else right


def test_an_answer_that_leans_on_the_global_random_module_is_rejected():
    with pytest.raises(grading.WrongAnswer):
        grading.check("02-cp-outcome", _world_dependent_outcome)


def test_a_hint_points_at_the_rule_that_is_wrong():
    from tests.wrong_answers.quorums import stale_lenient_boundaries

    with pytest.raises(grading.WrongAnswer, match="strictly") as info:
        grading.check("02-stale-reads", stale_lenient_boundaries)
    assert "exactly when the read was invoked" in info.value.case


def test_a_drill_answer_that_is_not_a_class_is_rejected_clearly():
    with pytest.raises(grading.WrongAnswer, match="a subclass of CPReplica"):
        grading.check("02-drill-quorum", lambda n: n)
