"""The T12 checks discriminate, and the runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that each prediction's
truth (and its reason) is computed from a run and unique, that the references agree with the
library, that the random cases alone (without the hand-made ones) catch every wrong answer of
the drills and the assignor, and that the design's goals are each needed.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.core import _Current, random_cases
from dsworkbook.grading.queues import (design_delivery, drill_dedup, drill_offsets, drill_partitioner,
                                       predict_delivery, predict_sqs, sticky_assign)
from dsworkbook.messaging.log import ConsumerGroup, murmur2, partition_for
from tests.wrong_answers.queues import RIGHT, WRONG

EXERCISES = {
    "12-drill-partitioner": ("drill", {"Q11"}),
    "12-drill-offsets": ("drill", {"Q11"}),
    "12-drill-dedup": ("drill", {"Q13"}),
    "12-sticky-assign": ("implement", {"Q11"}),
    "12-predict-delivery": ("predict", {"Q13"}),
    "12-predict-sqs": ("predict", {"Q12"}),
    "12-design-delivery": ("design", {"Q11", "Q13"}),
}


def test_every_t12_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert {i for i, ex in reg.items() if ex.theme == "T12"} == set(EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


def test_predictions_ask_why_and_code_exercises_name_a_narrow_reference():
    reg = grading.registry()
    assert all(reg[i].parts == ("why",) for i, (kind, _) in EXERCISES.items() if kind == "predict")
    for i, (kind, _) in EXERCISES.items():
        if kind in ("implement", "drill"):
            ref = reg[i].reference
            assert ref
            for dotted in (ref,) if isinstance(ref, str) else ref:
                assert dotted.split(".")[-1].lstrip("_")[0].islower(), dotted


@pytest.mark.parametrize("exercise_id", ["12-drill-partitioner", "12-sticky-assign"])
def test_a_stub_function_is_not_attempted(exercise_id):
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check(exercise_id, stub)


@pytest.mark.parametrize("exercise_id", ["12-drill-offsets", "12-drill-dedup"])
def test_a_stub_class_is_not_attempted(exercise_id):
    class Stub:
        def __init__(self, *args):
            raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check(exercise_id, Stub)


def test_predictions_left_at_ellipsis_are_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("12-predict-delivery", ..., why=...)
    with pytest.raises(NotAttempted):
        grading.check("12-predict-sqs", {}, why=...)


# -- the references agree with the library ---------------------------------------------------------------


def test_the_partitioner_reference_is_kafkas_partition_for_on_real_keys():
    for key in ("alice", "sensor-3", "k9", "", "order-17", "x" * 33):
        for p in (1, 2, 3, 6, 10, 4096):
            assert drill_partitioner.reference(murmur2(key.encode()), p) == partition_for(key, p)
    assert drill_partitioner.reference(-(2**31), 6) == 0


def test_the_offsets_reference_agrees_with_the_library_group_when_commits_only_move_forward():
    for _, ops in random_cases(5, 200, drill_offsets._draw):
        c1, c2 = drill_offsets._cluster(), drill_offsets._cluster()
        ref, lib = drill_offsets.Reference(c1), ConsumerGroup(c2, "g")
        n1, n2 = [0], [0]
        for op in ops:
            if op[0] == "commit" and op[3] <= lib.committed.get(op[1:3], -1):
                continue  # the library accepts any commit (as Kafka does); the exercise's rule drops it
            a = drill_offsets._apply(ref, c1, op, n1)
            if op[0] == "committed":
                b = lib.committed.get(op[1:3])
            else:
                b = drill_offsets._apply(lib, c2, op, n2)
            if op[0] == "poll":
                a, b = [r.offset for r in a], [r.offset for r in b]
            assert a == b, (ops, op)


def test_the_sticky_judge_accepts_the_library_assignor_everywhere():
    for _, (parts, consumers, previous) in random_cases(9, 300, sticky_assign._draw):
        got = sticky_assign.sticky_assign(parts, consumers, previous)
        assert sticky_assign.judge(got, parts, consumers, previous) is None


# -- predictions: the truth comes from runs and is unique ------------------------------------------------


def test_the_delivery_prediction_has_one_outcome_per_run_and_one_reason():
    outcomes, reason = predict_delivery.truth()
    assert set(outcomes) == set(predict_delivery.RUNS)
    assert set(outcomes.values()) == {"lost", "duplicated", "exactly once"}
    assert reason == "a"


def test_the_delivery_reason_is_read_off_the_run():
    sim = predict_delivery.run(predict_delivery.WHY_RUN)
    assert predict_delivery.reasons_that_hold(sim) == ["a"]
    # in the acks=all run of the same schedule nothing is lost, so (e) holds there instead
    other = predict_delivery.run("acks=all, leader crash")
    assert "a" not in predict_delivery.reasons_that_hold(other)


def test_the_fifo_prediction_is_measured_and_its_reason_unique():
    observed, _ = predict_sqs.scenario()
    assert observed == RIGHT["12-predict-sqs"].value
    assert predict_sqs.reasons_that_hold() == ["a"]


# -- the random cases alone catch every wrong answer -----------------------------------------------------


def _random_only(exercise_id, check_one, cases, answer):
    _Current.exercise = exercise_id
    try:
        for case, args in cases:
            check_one(answer, case, args)
    finally:
        _Current.exercise = ""


@pytest.mark.parametrize("answer", WRONG["12-drill-offsets"], ids=lambda a: a.__name__)
def test_the_offsets_random_sequences_alone_catch_each_wrong_group(answer):
    cases = list(random_cases(drill_offsets.RANDOM_SEED, 400, drill_offsets._draw))
    with pytest.raises(WrongAnswer):
        _random_only("12-drill-offsets", lambda a, c, ops: drill_offsets.run_ops(a, ops, c), cases, answer)


@pytest.mark.parametrize("answer", WRONG["12-drill-dedup"], ids=lambda a: a.__name__)
def test_the_dedup_random_logs_alone_catch_each_wrong_consumer(answer):
    cases = list(random_cases(drill_dedup.RANDOM_SEED, 300, drill_dedup._draw))
    with pytest.raises(WrongAnswer):
        _random_only("12-drill-dedup", lambda a, c, x: drill_dedup._compare(a, x[0], x[1], c), cases, answer)


@pytest.mark.parametrize("answer", [a for a in WRONG["12-sticky-assign"]
                                    if a.__name__ not in ("sticky_hash_ties", "sticky_random")],
                         ids=lambda a: a.__name__)
def test_the_sticky_random_cases_alone_catch_each_wrong_assignor(answer):
    cases = list(random_cases(sticky_assign.RANDOM_SEED, 500, sticky_assign._draw))
    with pytest.raises(WrongAnswer):
        _random_only("12-sticky-assign", lambda a, c, x: sticky_assign._check(a, *x, c), cases, answer)


@pytest.mark.parametrize("answer", WRONG["12-drill-partitioner"], ids=lambda a: a.__name__)
def test_the_random_hashes_alone_catch_each_wrong_partitioner(answer):
    def one(a, case, hp):
        got = a(*hp)
        if not drill_partitioner._same(got, drill_partitioner.reference(*hp)):
            grading.fail(case=case, input=hp, expected=drill_partitioner.reference(*hp), got=got, hint="")

    cases = list(random_cases(drill_partitioner.RANDOM_SEED, 2000, drill_partitioner._draw))
    with pytest.raises(WrongAnswer):
        _random_only("12-drill-partitioner", one, cases, answer)


# -- the design: each goal is needed ---------------------------------------------------------------------

GOOD = (3, 2, "all", "effectively-once", True)


@pytest.mark.parametrize("design, goal", [
    ((3, 2, "all", "at-least-once", True), "goal 1"),
    ((3, 2, 1, "effectively-once", True), "goal 2"),
    ((3, 1, "all", "effectively-once", True), "goal 2"),
    ((3, 3, "all", "effectively-once", True), "goal 3"),
])
def test_each_design_goal_rejects_its_bug(design, goal):
    wrong = design_delivery.goal_failure(design)
    assert wrong is not None and wrong[0].startswith(goal)


def test_the_right_design_meets_every_goal_and_nothing_cheaper_does():
    assert design_delivery.goal_failure(GOOD) is None
    assert design_delivery.cheaper(GOOD) is None
    assert design_delivery.cheaper((4, 2, "all", "effectively-once", True)) == GOOD
