"""The Raft fuzz campaign: correct Raft survives 200 seeded fault schedules and makes progress (with each
back-off rule of §5.3 too); each known-broken variant is caught within 200 seeds with the property it
breaks, and its first violation shrinks to at most 10 faults that replay to the same property; the
command line works.

This is the CI run of ``dsworkbook fuzz raft --seeds 200``; the 1000-seed campaign is bench/raft.py.
"""

from __future__ import annotations

import pytest

from dsworkbook.cli import main
from dsworkbook.consensus.fuzzing import (campaign_run, campaign_schedule, default_processes, explain, family_of,
                                          fuzz_raft, raft_problem, raft_run, raft_schedule, shrink_violation)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule

#: variant -> the properties its first violation may name
EXPECTED = {
    "forget_voted_for": {"election safety"},
    "vote_without_log_check": {"leader completeness", "state machine safety", "log matching"},
    "commit_old_term_by_count": {"leader completeness", "state machine safety"},
    "stale_read_leader": {"linearizability"},
    "reply_before_persist": {"election safety", "leader completeness", "state machine safety", "log matching"},
    "commit_to_own_last_index": {"state machine safety", "leader completeness"},
    "lease_read_clock_drift": {"linearizability"},
    "snapshot_without_sessions": {"linearizability"},
    "change_before_term_commit": {"leader completeness", "state machine safety", "log matching"},
}
#: variant -> its first failing seed (seed % 4 == 3 is a stale-tail scenario, which commit_to_own_last_index needs)
FIRST_FAILING = {"forget_voted_for": 0, "vote_without_log_check": 0, "commit_old_term_by_count": 13,
                 "stale_read_leader": 0, "reply_before_persist": 0, "commit_to_own_last_index": 3,
                 "lease_read_clock_drift": 13, "snapshot_without_sessions": 3,
                 "change_before_term_commit": 10}


@pytest.mark.slow
def test_correct_raft_has_no_violation_in_200_seeds_and_almost_always_makes_progress():
    report = fuzz_raft(200, processes=default_processes())
    assert report.violations == [], report.first.describe()
    assert report.seeds == 200 and report.progress >= 180, report.summary()


@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_each_broken_variant_is_caught_within_200_seeds_and_explained(variant):
    report = fuzz_raft(200, variant=variant, stop_after=1, shrink_first=False)
    first = report.first
    assert first is not None, f"{variant} survived 200 seeds"
    assert report.seeds <= 200
    assert first.message.split(" broken")[0] in EXPECTED[variant]
    assert first.seed == FIRST_FAILING[variant]
    if variant in ("stale_read_leader", "lease_read_clock_drift", "snapshot_without_sessions"):  # which read, when
        assert "t=" in first.message and "'s get " in first.message
    else:
        assert "t=" in first.message and "term" in first.message  # when, and which terms
        assert any(n in first.message for n in ("n1", "n2", "n3", "n4", "n5"))  # which servers


def test_every_variant_has_a_first_failing_seed_listed():
    from dsworkbook.consensus.raft import VARIANTS

    assert set(FIRST_FAILING) == set(EXPECTED) == set(VARIANTS) - {"correct"}


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_each_variant_shrinks_to_at_most_ten_faults_that_replay_to_the_same_property(variant):
    seed = FIRST_FAILING[variant]
    schedule = campaign_schedule(seed, variant=variant)
    shrunk, replayed = shrink_violation(seed, schedule, variant=variant, max_runs=300)
    first = raft_problem(campaign_run(seed, schedule, variant=variant))
    assert len(shrunk.schedule) <= 10 < len(schedule), (variant, len(shrunk.schedule))
    assert replayed.property == first.property
    again = raft_problem(campaign_run(seed, shrunk.schedule, variant=variant))
    assert again == replayed  # the same violation, message and time, every replay
    assert raft_problem(campaign_run(seed, shrunk.schedule)) is None  # correct Raft is fine there


def test_the_stale_tail_family_is_one_seed_in_four_and_cuts_off_a_pair_with_two_clients():
    from dsworkbook.sim import Partition

    assert [family_of(s) for s in range(8)].count("stale tail") == 2 and family_of(3) == "stale tail"
    parts = [f for f in campaign_schedule(3) if isinstance(f, Partition)]
    assert parts and all(len(p.groups[0]) == 4 and sum(m.startswith("c") for m in p.groups[0]) == 2 for p in parts)


@pytest.mark.slow
def test_the_first_violation_is_shrunk_to_a_small_schedule_that_still_fails():
    report = fuzz_raft(200, variant="vote_without_log_check", stop_after=1, max_shrink_runs=60)
    first = report.first
    assert first.shrunk is not None and len(first.shrunk.schedule) < len(first.schedule) / 4
    assert "broken" in explain(first.seed, first.shrunk.schedule, variant="vote_without_log_check")


@pytest.mark.slow
@pytest.mark.parametrize("backoff", ["term", "one"])
def test_every_back_off_rule_keeps_every_safety_property_under_the_fuzzer(backoff):
    """§5.3: the back-off only decides how fast a follower is repaired; the consistency check keeps it safe."""
    report = fuzz_raft(100, processes=default_processes(), options={"backoff": backoff})
    assert report.violations == [], report.first.describe()
    if backoff == "term":  # the optimisation repairs at least as fast as the default: progress as often
        assert report.progress >= 90, report.summary()


def test_the_term_back_off_is_safe_and_live_on_a_few_seeds():
    report = fuzz_raft(range(8), options={"backoff": "term"}, shrink_first=False)
    assert (report.seeds, report.progress, len(report.violations)) == (8, 8, 0)


def test_options_reach_every_server_of_a_run():
    sim = raft_run(3, raft_schedule(3), options={"backoff": "term"})
    assert {sim.node(n).config.backoff for n in sim.node_ids if n.startswith("n")} == {"term"}


def test_a_run_is_a_function_of_its_seed_and_schedule():
    digest = lambda s: raft_run(s, raft_schedule(s)).trace.digest()  # noqa: E731
    assert digest(5) == digest(5) != digest(6)
    assert raft_schedule(5) == raft_schedule(5) != raft_schedule(6)


def test_without_faults_explain_says_nothing_broke():
    assert "no safety property broke" in explain(1, FaultSchedule())


def test_two_processes_give_the_same_counts_as_one():
    one = fuzz_raft(range(6), processes=1, shrink_first=False)
    two = fuzz_raft(range(6), processes=2, shrink_first=False)
    assert (one.seeds, one.progress, len(one.violations)) == (two.seeds, two.progress, len(two.violations)) == (6, 6, 0)


def test_bad_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="unknown variant"):
        fuzz_raft(3, variant="nope")
    with pytest.raises(ConfigError, match="processes"):
        fuzz_raft(3, processes=0)
    with pytest.raises(ConfigError, match="unknown backoff"):
        fuzz_raft(3, options={"backoff": "binary"})
    with pytest.raises(ConfigError, match="RaftConfig fields"):
        fuzz_raft(3, options={"speed": "fast"})
    with pytest.raises(ConfigError, match="variant"):
        fuzz_raft(3, options={"variant": "correct"})


def test_the_command_prints_a_progress_bar_and_the_summary_line(capsys):
    assert main(["fuzz", "raft", "--seeds", "5", "--processes", "1"]) == 0
    out = capsys.readouterr().out
    assert "[" in out and "5/5 seeds" in out
    assert out.splitlines()[-1] == "raft: 5 seeds, 0 violations, 5/5 made progress, first failing seed -, shrunk to - faults"


def test_the_command_fuzzes_each_back_off_rule(capsys):
    assert main(["fuzz", "raft", "--seeds", "3", "--processes", "1", "--backoff", "term"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("raft --backoff term: 3 seeds, 0 violations, ")
    with pytest.raises(SystemExit):
        main(["fuzz", "raft", "--seeds", "3", "--backoff", "half"])


def test_the_command_reports_the_first_violation_with_its_shrunk_schedule(capsys):
    assert main(["fuzz", "paxos", "--seeds", "40", "--variant", "own_value"]) == 1
    out = capsys.readouterr().out
    assert "first violation: seed" in out and "agreement broken" in out and "smallest failing schedule" in out


def test_the_command_refuses_an_unknown_variant(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fuzz", "raft", "--seeds", "2", "--variant", "nope", "--processes", "1"])
    assert info.value.code == 2 and "invalid choice: 'nope'" in capsys.readouterr().err
