"""Paxos, Multi-Paxos, Fast and Flexible Paxos quorums and the Raft comparison: safety always,
termination when stable, broken variants caught, duelling proposers that never agree, and quorum
arithmetic checked by brute force."""

from __future__ import annotations

import pytest

from dsworkbook.consensus.compare import raft_vs_multipaxos
from dsworkbook.consensus.fuzzing import fuzz_paxos, paxos_run, paxos_schedule, repair
from dsworkbook.consensus.multipaxos import (MultiPaxosNode, check_multipaxos, fast_paxos_table, fast_quorums,
                                             multipaxos_sim, quorums_intersect)
from dsworkbook.consensus.paxos import (Accept, Ballot, NaiveBallots, PaxosNode, Prepare, Promise, assert_consensus,
                                        check_consensus, choose_value, consensus_violations, decided_values, duel,
                                        paxos_sim)
from dsworkbook.consensus.paxos.flexible import (DEPLOYMENTS, commit_latency, committed, deployment_sim,
                                                 flexible_campaign, leader_elected, split_brain, valid_quorums)
from dsworkbook.consensus.paxos.quorums import (can_miss, fast_paxos_safe, fast_quorum, flexible_safe,
                                                missing_quorums)
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
    seed = fuzz_paxos(200, variant="own_value", stop_after=1, shrink_first=False).first.seed
    sim = paxos_run(seed, paxos_schedule(seed), variant="own_value")
    with pytest.raises(InvariantViolation, match=f"seed={seed}\\)"):
        assert_consensus(sim)


def test_duelling_proposers_with_fixed_retries_never_decide_and_random_backoff_ends_it():
    """FLP in one experiment: a schedule of delays under which no value is ever chosen."""
    stuck = check_consensus(duel(7, backoff="fixed", until=3000))
    free = check_consensus(duel(7, backoff="random", until=3000))
    assert stuck.ok and not stuck.decided and stuck.ballots > 100
    assert free.ok and free.terminated and free.ballots < 20


@pytest.mark.parametrize("offset, duels", [(10, False), (16, False), (20, True), (28, True), (31, True), (32, False),
                                           (40, False)])
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


# -- the acceptor's promise rule ------------------------------------------------------------------------------


def _acceptor() -> PaxosNode:
    node = PaxosNode("a2", acceptors=["a1", "a2", "a3"])
    node.on_start()
    node.take_effects()
    return node


def test_a_repeat_of_the_promised_ballot_gets_the_same_promise_and_a_lower_one_a_nack():
    """Paxos Made Simple §2.2: a duplicated prepare request is the request already answered."""
    node = _acceptor()
    replies = []
    for msg in (Prepare(B(3, "a1")), Prepare(B(3, "a1")), Prepare(B(3, "a0")), Accept(B(3, "a1"), "X"),
                Prepare(B(3, "a1"))):
        node.on_message(msg.ballot.proposer, msg)
        replies.append([e.msg for e in node.take_effects() if type(e).__name__ == "Send"])
    assert replies[0] == replies[1] == [Promise(B(3, "a1"), None, None)]
    assert type(replies[2][0]).__name__ == "Nack" and replies[4] == [Promise(B(3, "a1"), B(3, "a1"), "X")]


def test_duplicated_prepares_do_not_stall_proposers():
    """Liveness: with half of all messages duplicated, every node still decides, quickly."""
    for seed in range(5):
        sim = paxos_sim(seed, acceptors=5, proposals=("A", "B"), duplicate=0.5)
        sim.run(until=1500)
        report = assert_consensus(sim)
        assert report.terminated and report.ballots <= 6


def test_naive_promises_ignore_the_proposer_id():
    node = NaiveBallots("a2", acceptors=["a1", "a2", "a3"])
    node.on_start()
    node.promised = B(3, "a3")
    assert node.promise_ok(B(3, "a1")) and not PaxosNode.promise_ok(node, B(3, "a1"))


def test_quorum_sizes_must_fit_the_acceptors():
    with pytest.raises(ConfigError, match="phase2_quorum"):
        PaxosNode("a1", acceptors=["a1", "a2", "a3"], phase2_quorum=4)
    with pytest.raises(ConfigError, match="phase1_quorum"):
        PaxosNode("a1", acceptors=["a1", "a2", "a3"], phase1_quorum=0)


# -- the consensus properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("proposed, decisions, broken", [
    ({"A"}, {"a1": ["A"], "a2": []}, set()),
    ({"A", "B"}, {"a1": [], "a2": ["A"], "a3": ["B"]}, {"agreement"}),
    ({"A"}, {"a1": ["A", "A"]}, {"integrity"}),
    ({"A"}, {"a1": ["Z"]}, {"validity"}),
    ({0, ""}, {"a1": [0], "a2": [""]}, {"agreement"}),
    ({"A", "B"}, {"a1": ["A", "C"]}, {"agreement", "validity", "integrity"}),
])
def test_consensus_violations_names_each_broken_property(proposed, decisions, broken):
    assert consensus_violations(proposed, decisions) == broken


# -- quorum arithmetic ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_counting_the_left_out_acceptors_agrees_with_brute_force(n):
    for a in range(1, n + 1):
        for b in range(1, n + 1):
            assert can_miss(n, a, b) == (missing_quorums(n, a, b) is not None)
            for c in range(1, n + 1):
                assert can_miss(n, a, b, c) == (missing_quorums(n, a, b, c) is not None)


def test_a_brute_force_witness_really_misses():
    q1, q2, q3 = missing_quorums(7, 5, 5, 4)
    assert (len(q1), len(q2), len(q3)) == (5, 5, 4) and not (q1 & q2 & q3)


@pytest.mark.parametrize("n", range(1, 41))
def test_the_fast_quorum_is_the_smallest_safe_one(n):
    for classic in range(n // 2 + 1, n + 1):
        f = fast_quorum(n, classic)
        assert fast_paxos_safe(n, classic, f) and (f == 1 or not fast_paxos_safe(n, classic, f - 1))


def test_three_fast_quorums_bind_when_classic_quorums_are_large():
    """Fast Paxos's Quorum Requirement (b) with a fast round after a fast round: 3f > 2n."""
    assert fast_quorum(6, 6) == 5 and missing_quorums(6, 4, 4, 4) is not None
    assert fast_quorum(1000, 501) == 750 and fast_quorum(9999, 9999) == 6667


def test_fast_quorum_errors_say_what_to_fix():
    with pytest.raises(ConfigError, match="more than n/2"):
        fast_quorum(6, 3)
    with pytest.raises(ConfigError, match="keep n <="):
        missing_quorums(12, 6, 7)


# -- Flexible Paxos -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(2, 7))
def test_two_leaders_decide_two_values_exactly_when_the_quorums_can_miss(n):
    """Flexible Paxos (Howard et al. 2016): safe iff every phase-1 quorum meets every phase-2 quorum."""
    for q1 in range(1, n + 1):
        for q2 in range(1, n + 1):
            report = check_consensus(split_brain(n, q1, q2))
            assert report.ok == flexible_safe(n, q1, q2), (n, q1, q2, report.summary())


def test_a_commit_waits_for_the_q2th_fastest_acceptor():
    d = DEPLOYMENTS["three-regions"]
    assert commit_latency(deployment_sim(d, 4, 2)) == 2.0
    assert commit_latency(deployment_sim(d, 3, 3)) == 70.0


def test_quorums_that_do_not_fit_the_live_acceptors_stall():
    d = DEPLOYMENTS["one-region"]
    assert leader_elected(deployment_sim(d, 3, 3, down=d.nearest(2)))
    assert not leader_elected(deployment_sim(d, 4, 2, down=d.nearest(2)))
    assert committed(deployment_sim(d, 2, 4, down_after_phase1=d.nearest(1)))
    assert not committed(deployment_sim(d, 1, 5, down_after_phase1=d.nearest(1)))


def test_the_deployments_have_the_answers_the_exercise_expects():
    assert {name: valid_quorums(d) for name, d in DEPLOYMENTS.items()} == {
        "one-region": [(2, 4), (3, 3), (3, 4)], "three-regions": [(4, 2)], "seven-replicas": [(5, 3)],
        "four-nodes": []}


def test_flexible_quorums_stay_safe_and_finish_under_faults():
    for n, q1, q2 in ((5, 4, 2), (7, 5, 3)):
        for seed, report in flexible_campaign(n, q1, q2, range(1, 9)):
            assert report.ok and report.terminated, (n, q1, q2, seed, report.summary())


def test_multipaxos_fast_quorums_match_the_general_rule_for_majority_classic_quorums():
    """With majority classic quorums, three fast quorums always meet: the two rules agree."""
    assert all(fast_quorums(n) == (n // 2 + 1, fast_quorum(n, n // 2 + 1)) for n in range(1, 200))
