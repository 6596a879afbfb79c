"""Paxos, Multi-Paxos, Fast Paxos quorums and the Raft comparison: safety always, termination when
stable, broken variants caught, duelling proposers that never agree, and quorum arithmetic."""

from __future__ import annotations

import pytest

from dsworkbook.consensus.compare import raft_vs_multipaxos
from dsworkbook.consensus.fuzzing import fuzz_paxos, paxos_run, paxos_schedule, repair
from dsworkbook.consensus.multipaxos import (MultiPaxosNode, check_multipaxos, fast_paxos_table, fast_quorums,
                                             multipaxos_sim, quorums_intersect)
from dsworkbook.consensus.paxos import (Ballot, NaiveBallots, PaxosNode, Promise, assert_consensus, check_consensus,
                                        choose_value, decided_values, duel, paxos_sim)
from dsworkbook.consensus.raft_kv import kv_verdict
from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.sim import FaultSchedule, Trace

B = Ballot


def test_ballots_order_by_round_then_proposer():
    assert B(2, "a1") > B(1, "a9") and B(2, "a2") > B(2, "a1") and str(B(3, "a2")) == "3.a2"


@pytest.mark.parametrize("promises, own, want", [
    ([Promise(B(5, "a1"), None, None)] * 2, "mine", "mine"),
    ([Promise(B(5, "a1"), B(1, "a2"), "x"), Promise(B(5, "a1"), B(3, "a3"), "y")], "mine", "y"),
    ([Promise(B(5, "a1"), B(3, "a2"), "x"), Promise(B(5, "a1"), B(3, "a4"), "y")], "mine", "y"),
])
def test_phase_two_proposes_the_highest_ballot_value_else_its_own(promises, own, want):
    """Paxos Made Simple §2.2: v is the value of the highest-numbered proposal among the responses."""
    assert choose_value(promises, own) == want


@pytest.mark.parametrize("seed", range(5))
def test_three_proposers_on_a_lossy_network_agree_and_all_learn(seed):
    sim = paxos_sim(seed, acceptors=5, proposals=("A", "B", "C"), loss=0.2, duplicate=0.1, reorder=0.1)
    sim.run(until=4000)
    report = assert_consensus(sim)
    assert report.terminated and len(set(decided_values(sim).values())) == 1


def test_the_paxos_campaign_is_safe_and_every_node_decides():
    report = fuzz_paxos(300, shrink_first=False)
    assert report.violations == [] and report.progress == 300, report.summary()


@pytest.mark.parametrize("variant", ["own_value", "forget_promises", "naive_ballots"])
def test_each_broken_paxos_is_caught_within_200_seeds(variant):
    report = fuzz_paxos(200, variant=variant, stop_after=1, shrink_first=False)
    assert report.first is not None and report.first.message.startswith("agreement broken")


def test_a_broken_paxos_is_shrunk_to_a_few_faults():
    report = fuzz_paxos(200, variant="own_value", stop_after=1)
    assert len(report.first.shrunk.schedule) <= 3 < len(report.first.schedule)


def test_check_consensus_reports_each_property():
    t = Trace()
    for node, d in [("a1", {"propose": "A", "ballot": B(1, "a1")}), ("a1", {"decided": "A"}), ("a2", {"decided": "B"}),
                    ("a2", {"decided": "B"}), ("a3", {"decided": "Z"})]:
        t.add(1.0, "note", node, None, None, d)
    report = check_consensus(t)
    assert [v.split(" broken")[0] for v in report.violations] == ["agreement", "validity", "validity", "integrity"]


def test_assert_consensus_names_the_seed():
    sim = paxos_run(6, paxos_schedule(6), variant="own_value")
    with pytest.raises(InvariantViolation, match="seed=6"):
        assert_consensus(sim)


def test_duelling_proposers_with_fixed_retries_never_decide_and_random_backoff_ends_it():
    """FLP in one experiment: a schedule of delays under which no value is ever chosen."""
    stuck = check_consensus(duel(7, backoff="fixed", until=3000))
    free = check_consensus(duel(7, backoff="random", until=3000))
    assert stuck.ok and not stuck.decided and stuck.ballots > 100
    assert free.ok and free.terminated and free.ballots < 20


@pytest.mark.parametrize("offset, duels", [(10, False), (20, True), (28, True), (40, False)])
def test_the_duel_needs_the_other_prepare_to_overtake_the_slow_accept(offset, duels):
    report = check_consensus(duel(7, offset=offset, until=1500))
    assert (not report.decided) == duels


def test_paxos_errors_say_how_to_fix_them():
    with pytest.raises(ConfigError, match="backoff"):
        PaxosNode("a1", acceptors=["a1"], backoff="sometimes")
    with pytest.raises(ConfigError, match="proposals"):
        paxos_sim(1, acceptors=1, proposals=("A", "B"))
    with pytest.raises(ConfigError, match="unknown Paxos variant"):
        paxos_run(1, FaultSchedule(), variant="nope")


def test_naive_ballots_share_numbers_between_proposers():
    sim = paxos_sim(1, acceptors=3, proposals=("A", "B"), node_class=NaiveBallots)
    sim.run(until=5)
    ballots = [r.detail["ballot"] for r in sim.trace.notes(key="propose")]
    assert ballots[0] == ballots[1] == B(1, "")


# -- Multi-Paxos ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 4])
def test_multipaxos_keeps_one_value_per_slot_under_leader_changes(seed):
    servers = [f"n{i}" for i in range(1, 6)]
    sim = multipaxos_sim(seed, clients=3, ops=15, loss=0.05)
    FaultSchedule.random(seed, servers, duration=2500, faults=5, kinds=("crash", "partition", "pause")).apply_to(sim)
    sim.run(until=2500)
    repair(sim, servers)
    sim.run(until=5000)
    leaders = [r for r in sim.trace.notes(key="role") if r.detail["role"] == "leader"]
    assert len(leaders) >= 2 and not check_multipaxos(sim)
    assert sim.history.counts()["ok"] == 45 and kv_verdict(sim) == "linearizable"


def test_a_new_leader_recovers_the_highest_ballot_value_per_slot_and_fills_holes():
    promises = [type("P", (), {"accepted": ((1, B(1, "n2"), "a"), (3, B(2, "n3"), "c"))})(),
                type("P", (), {"accepted": ((1, B(4, "n4"), "A"),)})()]
    assert MultiPaxosNode.recover(promises, 1) == {1: "A", 2: None, 3: "c"}
    assert MultiPaxosNode.recover(promises, 4) == {}


# -- Fast Paxos -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 10))
def test_fast_quorums_are_the_smallest_that_intersect(n):
    classic, fast = fast_quorums(n)
    assert classic == n // 2 + 1
    assert quorums_intersect(n, classic, fast)
    assert fast == classic or not quorums_intersect(n, classic, fast - 1)


def test_the_fast_paxos_table_matches_three_quarters():
    import math

    table = fast_paxos_table()
    assert all(table["fast quorum"] == [math.ceil(3 * n / 4) for n in table["n"]])
    assert table["intersect"].all() and not table["one smaller fast quorum intersects"].any()


def test_quorum_checks_refuse_impossible_sizes():
    with pytest.raises(ConfigError):
        quorums_intersect(5, 6, 3)
    with pytest.raises(ConfigError):
        quorums_intersect(12, 7, 9)
    with pytest.raises(ConfigError):
        fast_quorums(0)


# -- Raft and Multi-Paxos side by side ----------------------------------------------------------------------


def test_raft_and_multipaxos_on_the_same_seed_and_faults_are_both_safe_and_linearizable():
    servers = [f"n{i}" for i in range(1, 6)]
    table = raft_vs_multipaxos(7, FaultSchedule.random(7, servers, duration=3000, faults=4))
    assert list(table.index) == ["raft", "multi-paxos"]
    assert table["safe"].all() and (table["linearizable"] == "linearizable").all()
    assert (table["commands ok"] == 60).all() and (table["messages per command"] > 0).all()
