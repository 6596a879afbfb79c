"""The timing design exercise of T06 (``06-design-timing``): registered, graded by runs, discriminating.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kind and concepts, an untouched answer is not attempted, the broadcast times the statement
quotes are what the check measures, the deployments leave no one choice that fits all three (so a
copied answer fails by running), and the hints follow from the runs.
"""

from __future__ import annotations

import pytest

import dsworkbook.grading.raft.design_timing as design_timing  # noqa: F401  (registers the exercise)
from dsworkbook import grading
from dsworkbook.consensus.raft import RaftConfig
from dsworkbook.consensus.raft.timing import broadcast_time, timing_run
from dsworkbook.grading import NotAttempted, WrongAnswer
from tests.wrong_answers.raft_timing import ALSO_RIGHT, REGIONS, RIGHT, WRONG, ZONE

ID = "06-design-timing"


def test_the_exercise_is_registered_as_a_design_of_the_raft_theme():
    ex = grading.core.get(ID)
    assert (ex.kind, ex.theme, set(ex.concepts)) == ("design", "T06", {"F01"})
    assert len(WRONG[ID]) >= 10 and ID in RIGHT and len(ALSO_RIGHT[ID]) >= 2


def test_an_untouched_answer_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check(ID, ...)


def test_the_broadcast_times_the_statement_quotes_are_the_ones_the_check_measures():
    measured = {name: broadcast_time(d["latency"], 1) for name, d in design_timing.DEPLOYMENTS.items()}
    assert measured == {"one-zone": 6.9, "three-zones": 28.2, "three-regions": 89.5}


def test_a_graded_run_is_exactly_a_timing_run_of_the_deployment():
    dep = design_timing.DEPLOYMENTS["three-zones"]
    config = RaftConfig(heartbeat=10.0, election_timeout=(40.0, 80.0))
    assert design_timing.measure_choice(config, dep, 11) == timing_run(
        11, latency=dep["latency"], election_timeout=(40.0, 80.0), heartbeat=10.0, mtbf=dep["mtbf"],
        downtime=design_timing.DOWNTIME, duration=design_timing.MTBFS * dep["mtbf"])


def test_no_one_choice_fits_all_three_the_regions_choice_fails_one_zone_by_running():
    dep = design_timing.DEPLOYMENTS["one-zone"]
    config = RaftConfig(heartbeat=REGIONS["heartbeat"], election_timeout=REGIONS["election_timeout"])
    rows = [design_timing.measure_choice(config, dep, s) for s in design_timing.SEEDS]
    assert any(r["availability"] < dep["availability"] or r["failover (ms)"] > dep["failover"] for r in rows)
    # ... and the one-zone choice is below the broadcast time of the other two
    assert ZONE["election_timeout"][0] <= broadcast_time(design_timing.DEPLOYMENTS["three-zones"]["latency"], 1)


def test_the_right_answer_passes_with_the_seeds_named():
    line = grading.check(ID, RIGHT[ID])
    assert "seeds 11, 12, 13" in line and "three-regions: availability >=" in line


@pytest.mark.parametrize("answer, words", [
    (WRONG[ID][3], "no spread"),  # 20-20 ms in one zone: the hint names the split votes
    (WRONG[ID][0], "broadcastTime << electionTimeout"),  # below the regions' broadcast time
    (WRONG[ID][6], "too long for a 150 ms budget"),  # the textbook 150-300 ms in one zone
])
def test_the_hint_follows_from_what_the_run_showed(answer, words):
    with pytest.raises(WrongAnswer) as info:
        grading.check(ID, answer)
    assert words in str(info.value)
