"""Z03: the bully algorithm, lease-based election, Raft's election reused, and the election campaign."""

import pytest

from dsworkbook.coordination import election as e
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule


# -- bully (Garcia-Molina 1982) ---------------------------------------------------------------------


def test_the_highest_member_becomes_coordinator_of_everyone():
    sim = e.bully_sim(3)
    sim.run(until=500)
    assert set(e.coordinators(sim).values()) == {"b5"}
    assert e.bully_problem(sim) is None


def test_a_member_that_hears_no_answer_declares_itself():
    node = e.BullyNode("b3", members=["b1", "b2", "b3"])
    node.on_start()
    assert [type(x.msg).__name__ for x in node.take_effects() if hasattr(x, "msg")] == ["Coordinator"] * 2
    assert node.coordinator == "b3"


def test_a_higher_member_answers_an_election_and_a_lower_one_stays_silent():
    high, low = (e.BullyNode(n, members=["b1", "b2", "b3"]) for n in ("b3", "b1"))
    high.on_message("b2", e.Election("b2"))
    low.on_message("b2", e.Election("b2"))
    assert any(getattr(x, "msg", None) == e.Answer("b3") for x in high.take_effects())
    assert not any(isinstance(getattr(x, "msg", None), e.Answer) for x in low.take_effects())


def test_a_lower_coordinator_is_bullied_not_adopted():
    node = e.BullyNode("b2", members=["b1", "b2", "b3"])
    node.on_message("b1", e.Coordinator("b1"))
    assert node.coordinator is None and node.electing


def test_a_partition_gives_two_coordinators_until_it_heals():
    table = e.bully_scenario("partition", seed=2)
    assert set(table.loc["partitioned"]) == {"b3", "b5"}  # one per side
    assert set(table.loc["healed"]) == {"b5"}


def test_a_recovered_higher_member_takes_over():
    table = e.bully_scenario("recovery", seed=2)
    assert set(table.loc["b5 down"].drop("b5")) == {"b4"}
    assert set(table.loc["b5 back"]) == {"b5"}


def test_broken_bully_where_lower_members_answer_never_elects_anyone():
    table = e.bully_scenario("recovery", variant="lower_answers")
    assert table.loc["b5 back"].isna().all() or set(table.loc["b5 back"]) == {None}


# -- leases (Gray & Cheriton 1989) ------------------------------------------------------------------


def test_one_candidate_holds_the_lease_and_keeps_renewing_it():
    sim, watch = e.lease_sim(1, renew_fraction=0.5)
    sim.run(until=5000)
    assert watch.max_leaders == 1 and watch.led > 4800  # sometimes: someone led nearly all the time
    holders = [r.detail["holder"] for r in sim.trace.of_kind("note") if r.node == "s"]
    assert len(holders) == 1  # renewals kept it: no failover without faults


def test_a_restarted_store_grants_nothing_for_one_lease_term():
    sim, watch = e.lease_sim(1, renew_fraction=0.5, lease=1000.0)
    sim.at(2000, sim.crash, "s")
    sim.at(2100, sim.restart, "s")
    sim.run(until=6000)
    grants_after = [r.time for r in sim.trace.of_kind("note") if r.node == "s" and r.time > 2100]
    assert all(t >= 3100 for t in grants_after)
    assert watch.max_leaders == 1


def test_late_renewal_under_drift_gives_two_leaders_and_the_safe_rule_removes_them():
    naive = e.lease_overlap(1, renew_fraction=0.9, drift=0.1, variant="ignore_drift")
    safe = e.lease_overlap(1, renew_fraction=0.9, drift=0.1, drift_bound=0.1)
    assert naive["max_leaders"] == 2 and naive["overlap_ms"] > 0
    assert safe["overlap_ms"] == 0 and safe["max_leaders"] == 1 and safe["led_ms"] > 15_000


def test_without_drift_the_naive_holder_is_safe_because_it_times_from_the_request():
    assert e.lease_overlap(1, renew_fraction=0.9, drift=0.0, variant="ignore_drift")["overlap_ms"] == 0


def test_overlap_table_safe_column_is_zero_everywhere():
    table = e.lease_overlap_table(fractions=(0.5, 0.9), drifts=(0.0, 0.1), seeds=(1,))
    assert (table["overlap_ms_safe"] == 0).all()
    late = table[(table.renew_fraction == 0.9) & (table.drift == 0.1)]
    assert late["overlap_ms_naive"].item() > 0


@pytest.mark.parametrize("kwargs, words", [
    ({"lease": 0}, "lease"),
    ({"lease": -5}, "lease"),
    ({"renew_fraction": 0}, "renew_fraction"),
    ({"renew_fraction": 1}, "renew_fraction"),
    ({"renew_fraction": 1.5}, "renew_fraction"),
    ({"drift_bound": 1.0}, "drift_bound"),
    ({"candidates": 0}, "candidates"),
    ({"variant": "nope"}, "variant"),
])
def test_bad_lease_input_is_refused(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        e.lease_sim(1, **kwargs)


@pytest.mark.parametrize("make, words", [
    (lambda: e.BullyConfig(answer_timeout=0), "answer_timeout"),
    (lambda: e.BullyConfig(heartbeat=100, failure_timeout=50), "failure_timeout"),
    (lambda: e.bully_sim(1, n=1), "n >= 2"),
    (lambda: e.bully_scenario("split"), "scenario"),
])
def test_bad_bully_input_is_refused(make, words):
    with pytest.raises(ConfigError, match=words):
        make()


# -- Raft's election, reused ----------------------------------------------------------------------------


def test_raft_reports_at_most_one_leader_per_term_and_a_new_one_after_a_crash():
    from dsworkbook.sim import Crash

    quiet = e.raft_leaders(1, until=1000)
    first = quiet["leader"].iloc[0]
    table = e.raft_leaders(1, until=3000, schedule=FaultSchedule([Crash(1000.0, first)]))
    assert not table["term"].duplicated().any()  # election safety (Raft §5.2)
    assert table["term"].nunique() >= 2 and table["leader"].iloc[-1] != first


# -- determinism and the campaign ---------------------------------------------------------------------


def test_same_seed_same_trace():
    a, b = (e.election_run(5, e._schedule(5)) for _ in range(2))
    assert a.trace.digest() == b.trace.digest()


def test_campaign_correct_is_clean_and_makes_progress():
    report = e.election_campaign(range(10))
    assert not report.violations and report.progress == 10
    assert report.line("election").startswith("election: 10 seeds, 0 violations, 10/10 made progress")


@pytest.mark.parametrize("variant, seeds", [
    ("lower_answers", range(3)),
    ("accept_lower", range(6)),
    ("ignore_drift", range(15, 20)),
])
def test_campaign_catches_each_broken_variant_and_shrinks_it(variant, seeds):
    report = e.election_campaign(seeds, variant=variant, max_shrink_runs=60)
    assert report.violations
    assert report.first.shrunk is not None and len(report.first.shrunk.schedule) <= 10
    replay = e.election_run(report.first.seed, report.first.shrunk.schedule, variant)
    assert e.election_problem(replay) is not None


def test_campaign_is_registered():
    from dsworkbook.sim.fuzz import campaigns

    assert campaigns()["election"].variants[0] == "correct"
