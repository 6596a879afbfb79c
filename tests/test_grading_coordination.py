"""The T10 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.coordination.design_heartbeat import detection_times, false_suspicions
from dsworkbook.grading.coordination.watch_predecessor import HAND, reference
from tests.wrong_answers import submit
from tests.wrong_answers.coordination import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "10-watch-predecessor": ("implement", ("Z02",)),
    "10-design-heartbeat": ("design", ("Z04",)),
    "10-phi": ("implement", ("Z04",)),
    "10-predict-bully": ("predict", ("Z03",)),
    "10-predict-suspicions": ("predict", ("Z04",)),
    "10-drill-lease-drift": ("drill", ("Z03",)),
    "10-drill-seed-timers": ("drill", ("Z03", "Z04")),
    "10-sequential-create": ("implement", ("Z01",)),
}


def test_every_t10_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, reg[i].concepts) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T10" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


def _stub(*args, **kwargs):
    raise NotImplementedError


def test_a_stub_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("10-watch-predecessor", _stub)
    with pytest.raises(NotAttempted):
        grading.check("10-design-heartbeat", ...)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_right_answers_pass_and_wrong_ones_fail(exercise_id, capsys):
    for answer in [RIGHT[exercise_id], *ALSO_RIGHT.get(exercise_id, [])]:
        assert submit(exercise_id, answer).startswith(f"✔ {exercise_id}")
    for answer in WRONG[exercise_id]:
        with pytest.raises(grading.WrongAnswer):
            submit(exercise_id, answer)


def test_the_predecessor_rule_on_its_hand_cases():
    assert reference(["n_0000000001", "n_0000000000"], "n_0000000001") == "n_0000000000"
    assert reference(["x-f-n_0000000001", "x-0-n_0000000002"], "x-0-n_0000000002") == "x-f-n_0000000001"
    assert reference(["owner", "n_0000000008"], "n_0000000008") is None
    assert all(reference(children, mine) in (None, *children) for children, mine, _ in HAND)


def test_the_design_goals_can_be_met_and_bind_on_both_sides():
    assert max(false_suspicions(100, 250)) <= 1 and max(d for *_, d in detection_times(100, 250)) <= 350
    assert max(false_suspicions(100, 200)) > 1                          # too short: false suspicions
    assert max(d for *_, d in detection_times(100, 400)) > 350          # too long: slow detection


def test_every_concept_of_the_theme_has_an_exercise():
    covered = {c for _, concepts in EXERCISES.values() for c in concepts}
    assert covered == {"Z01", "Z02", "Z03", "Z04"}


def test_the_phi_reference_is_the_library_detector():
    from dsworkbook.grading.coordination.phi import reference
    from tests.wrong_answers.coordination import phi_right

    assert reference([100.0] * 4, 120.0, 10.0) == pytest.approx(1.6430160801409368)
    assert reference([100.0] * 4, 100.0, 10.0) == pytest.approx(0.30103, abs=1e-5)
    assert reference([90.0, 110.0], 400.0, 1.0) == pytest.approx(197.309, rel=1e-5)
    assert reference([90.0, 110.0], 520.0, 1.0) == float("inf")
    assert phi_right([90.0, 110.0], 190.0, 1.0) == pytest.approx(reference([90.0, 110.0], 190.0, 1.0), rel=1e-9)


def test_the_predictions_come_from_their_runs_and_one_reason_fits_each():
    from dsworkbook.grading.coordination import predict_bully, predict_suspicions

    sets, reason, _ = predict_bully.truth()
    assert reason == "a" and sets["split"] == {"b10", "b8"} and sets["b10 back"] == {"b10"}
    buckets, why, counts = predict_suspicions.truth()
    assert why == "b" and all(counts[f"calm/{t}"] == 0 for t in (150, 200, 300)) and counts["tail/150"] >= 10


def test_the_lease_run_tells_a_drifting_holder_from_a_safe_one():
    from dsworkbook.grading.coordination.drill_lease import run

    assert all(run(lambda s, r, lease, d: s + lease * (1 - d), seed).overlap == 0 for seed in (1, 2, 3, 4, 5, 6))
    assert any(run(lambda s, r, lease, d: s + lease, seed).overlap > 0 for seed in (1, 2, 3, 4, 5, 6))
