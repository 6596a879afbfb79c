"""The T04 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted, WrongAnswer
from tests.wrong_answers.clocks import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "04-ntp-offset": ("implement", {"C01"}),
    "04-lamport-receive": ("implement", {"C02"}),
    "04-drill-vc-compare": ("drill", {"C03"}),
    "04-predict-concurrent": ("predict", {"C02", "C03"}),
    "04-siblings": ("implement", {"C04"}),
    "04-drill-pruning": ("drill", {"C04"}),
    "04-hlc-update": ("implement", {"C05"}),
    "04-commit-wait": ("implement", {"C06"}),
}


def test_every_t04_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T04" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert {c for _, cs in EXERCISES.values() for c in cs} == {"C01", "C02", "C03", "C04", "C05", "C06"}


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


def test_summaries_name_their_seeds():
    for exercise_id in ("04-ntp-offset", "04-lamport-receive", "04-hlc-update", "04-commit-wait", "04-siblings"):
        assert "seed" in grading.check(exercise_id, RIGHT[exercise_id])


def _stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id", [i for i in EXERCISES if i != "04-predict-concurrent"])
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, _stub)


def test_an_unanswered_prediction_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("04-predict-concurrent", ...)


def _stub_inside_nodes(state, pt, msg):
    if msg is not None:  # right for sends, a stub for receives: it first raises inside a simulated node
        raise NotImplementedError
    return RIGHT["04-hlc-update"](state, pt, msg)


def test_a_stub_raised_inside_a_simulated_node_is_still_not_attempted():
    from dsworkbook.grading.clocks._common import guarded
    from dsworkbook.clocks import clock_run

    with pytest.raises(NotAttempted, match="not attempted yet"):
        guarded(lambda: clock_run(1, hlc_rule=_stub_inside_nodes), case="a run", input="seed=1")


def _crashes_in_a_node(local, received):
    if received > 3:
        raise KeyError("oops")
    return max(local, received) + 1


def test_a_crash_inside_a_node_is_a_wrong_answer_that_names_the_seed():
    from dsworkbook.grading.clocks.lamport import _check_runs

    grading.core._Current.exercise = "04-lamport-receive"
    try:
        with pytest.raises(WrongAnswer, match="seed=51"):
            _check_runs(_crashes_in_a_node)
    finally:
        grading.core._Current.exercise = ""


def lamport_almost(local, received):
    return max(local, received) + (1 if local or received else 2)  # right except at (0, 0): a unit case


def compare_right_but_slow_to_say_equal(a, b):
    nodes = set(a) | set(b)
    if all(a.get(n, 0) == b.get(n, 0) for n in nodes):
        return "EQUAL"  # not one of the four words
    return RIGHT["04-drill-vc-compare"](a, b)


@pytest.mark.parametrize("exercise_id, answer, where", [
    ("04-lamport-receive", lamport_almost, "local=0, received=0"),
    ("04-drill-vc-compare", compare_right_but_slow_to_say_equal, "a={'A': 1, 'B': 2}"),
    ("04-predict-concurrent", "concurrent, before, after, concurrent", "the form of the answer"),
    ("04-ntp-offset", 42, "the answer itself"),
])
def test_wrong_answers_name_the_case(exercise_id, answer, where):
    with pytest.raises(WrongAnswer, match=f"wrong answer on {where}"):
        grading.check(exercise_id, answer)


def test_the_commit_wait_check_runs_the_experiment_before_the_rules():
    # a rule that is safe in the experiment (it waits long enough) but claims a timestamp below latest
    def early_but_waiting(now):
        s = now.latest - 0.5
        return s, now.latest - now.earliest

    with pytest.raises(WrongAnswer, match=r"wrong answer on TT.now\(\) = \[95.000, 105.000\]"):
        grading.check("04-commit-wait", early_but_waiting)
