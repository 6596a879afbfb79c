"""The T14 multi-leader checks discriminate, and the runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails
(once the exercise notebook exists); here the same, directly, plus: kinds and concepts, stubs
reported as not attempted, that the prediction's truth (and its reason) comes from runs, and
that the drill's simulated runs alone catch the seed notes' rule and its near misses.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.regions import drill_lww_merge, predict_conflicts
from dsworkbook.regions.activeactive_run import active_active_run
from dsworkbook.regions.conflicts import acked_writes_lost
from dsworkbook.regions.resolution import lww_resolve, seed_resolve
from tests.wrong_answers import submit
from tests.wrong_answers.regions_multileader import ALSO_RIGHT, RIGHT, WRONG, resolve_ge, resolve_smaller_region

EXERCISES = {
    "14-drill-lww-merge": ("drill", {"G02"}),
    "14-predict-conflicts": ("predict", {"G02", "G05"}),
}


def test_each_exercise_is_registered_with_its_kind_concepts_and_theme():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T14" for i in EXERCISES)
    assert reg["14-drill-lww-merge"].reference == "dsworkbook.regions.resolution.lww_resolve"
    assert reg["14-predict-conflicts"].parts == ("why",)


def test_a_stub_is_not_attempted():
    def resolve(existing, incoming):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("14-drill-lww-merge", resolve)
    with pytest.raises(NotAttempted):
        grading.check("14-predict-conflicts", ..., why="a")
    with pytest.raises(NotAttempted):
        grading.check("14-predict-conflicts", RIGHT["14-predict-conflicts"].value, why=...)


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_the_right_answers_pass(exercise_id, capsys):
    for answer in [RIGHT[exercise_id], *ALSO_RIGHT.get(exercise_id, [])]:
        line = submit(exercise_id, answer)
        assert line.startswith(f"✔ {exercise_id}: ")


@pytest.mark.parametrize("exercise_id, answer", [
    pytest.param(i, a, id=f"{i}-{n}") for i, answers in sorted(WRONG.items()) for n, a in enumerate(answers)])
def test_every_wrong_answer_is_rejected_with_a_hint(exercise_id, answer):
    with pytest.raises(grading.WrongAnswer) as info:
        submit(exercise_id, answer)
    assert info.value.hint


def test_there_are_at_least_ten_wrong_answers_each():
    assert all(len(WRONG[i]) >= 10 for i in EXERCISES)


def test_the_library_resolve_passes_the_drill():
    assert grading.check("14-drill-lww-merge", lww_resolve).startswith("✔")


@pytest.mark.parametrize("resolve", [seed_resolve, resolve_ge, resolve_smaller_region])
def test_the_drills_simulated_runs_alone_catch_wrong_tie_breaks(resolve):
    with pytest.raises(grading.WrongAnswer):
        drill_lww_merge.check_in_simulation(resolve)
    assert drill_lww_merge.check_in_simulation(lww_resolve) == 5


def test_the_drills_runs_are_full_of_ties():
    for seed in drill_lww_merge.SIM_SEEDS:
        run = active_active_run(seed, **drill_lww_merge.SIM)
        ties = sum(1 for i, a in enumerate(run.writes) for b in run.writes[i + 1:]
                   if a.key == b.key and a.timestamp == b.timestamp and a.region != b.region)
        assert ties >= 5 and run.converged


def test_the_prediction_is_measured_by_running_the_script():
    runs = predict_conflicts.runs()
    assert {n: o.survived for n, o in runs.items()} == RIGHT["14-predict-conflicts"].value
    assert predict_conflicts.reasons_that_hold(runs) == ["a"]
    skewed = active_active_run(predict_conflicts.SEED, script=predict_conflicts.SCRIPT, skew=500.0)
    assert len(skewed.writes) - acked_writes_lost(skewed) == runs["LWW, Tokyo 500 ms behind"].survived
    assert runs["LWW, Tokyo 500 ms behind"].violated == [("C", "B")]  # C had seen B, and lost to it


def test_the_prediction_holds_on_other_seeds_too():
    """The jitter of the links (5%) never changes the answer: the script's gaps are wider."""
    for seed in range(1, 12):
        runs = predict_conflicts.runs(seed)
        assert [o.survived for o in runs.values()] == [4, 2, 5, 5]
        assert predict_conflicts.reasons_that_hold(runs) == ["a"]
