"""The T14 single-leader checks discriminate, and the runs inside them judge by measuring.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails once
the exercise notebook holds the statements; here the same tables run against the checks directly,
plus: kinds and concepts, stubs reported as not attempted, the read router's simulation step
catching the anomalies on its own, and the design's goals measured by running.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.regions import design_placement, read_router
from dsworkbook.regions.leader_reads import nearest_router, random_router
from tests.wrong_answers import submit
from tests.wrong_answers.regions_leader import ALSO_RIGHT, PLACEMENT, RIGHT, WRONG

EXERCISES = {
    "14-read-router": ("implement", {"G04"}),
    "14-design-placement": ("design", {"G04", "G01"}),
}


def test_both_exercises_are_registered_with_their_kinds_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T14" for i in EXERCISES)


def test_a_stub_is_not_attempted():
    def stub(session, replicas, client_region):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("14-read-router", stub)
    with pytest.raises(NotAttempted):
        grading.check("14-design-placement", ...)


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_the_right_answers_pass(exercise_id, capsys):
    for answer in [RIGHT[exercise_id]] + ALSO_RIGHT.get(exercise_id, []):
        line = submit(exercise_id, answer)
        assert line.startswith(f"✔ {exercise_id}: ")


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{n}") for i, answers in sorted(WRONG.items()) for n, a in enumerate(answers)])
def test_every_wrong_answer_is_rejected_with_a_hint(exercise_id, answer):
    with pytest.raises(grading.WrongAnswer) as info:
        submit(exercise_id, answer)
    assert info.value.hint and str(info.value).startswith(f"{exercise_id}: wrong answer on ")


def test_there_are_at_least_ten_wrong_answers_each():
    assert all(len(WRONG[i]) >= 10 for i in EXERCISES)


@pytest.mark.parametrize("router", [nearest_router, random_router(1)])
def test_the_simulation_step_alone_catches_a_router_that_ignores_positions(router):
    with pytest.raises(grading.WrongAnswer, match="violation"):
        read_router._scenario(router)


def test_the_simulation_step_passes_the_reference():
    assert "no read-your-writes or monotonic-read violation" in read_router._scenario(RIGHT["14-read-router"])


def test_the_design_goals_are_measured_by_running():
    quiet = design_placement._quiet_run(design_placement._topology("us-east-1", [("eu-west-1", "sync"),
                                                                                  ("ap-northeast-1", "async")]),
                                        "nearest", 300.0)
    assert 81 <= quiet["p99"] <= design_placement.P99_MS and quiet["failovers"] == 0
    assert all(set(regions) == {design_placement.CITIES[c]} for c, regions in quiet["served"].items())
    far = design_placement._quiet_run(design_placement._topology("us-east-1", [("ap-northeast-1", "sync")]),
                                      "nearest", 300.0)
    assert far["p99"] > design_placement.P99_MS  # the trade-off: Tokyo's round trip on every write
    acked, lost, resumed = design_placement._crash_region(
        design_placement._topology("us-east-1", [("eu-west-1", "async"), ("ap-northeast-1", "async")]),
        "us-east-1", 300.0)
    assert acked and lost > 0 and resumed < design_placement.RESUME_MS


def test_a_malformed_placement_fails_with_the_form_hint():
    for bad in ({**PLACEMENT, "reads": "closest"}, {**PLACEMENT, "followers": []}, [PLACEMENT],
                {**PLACEMENT, "followers": [("eu-west-1", "quorum")]}, {**PLACEMENT, "timeout": True}):
        with pytest.raises(grading.WrongAnswer, match="the form of the answer"):
            grading.check("14-design-placement", bad)
