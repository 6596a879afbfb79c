"""Raft membership changes (F08): configurations in the log, the leader's rules, joint consensus, the campaign.

Each rule of :mod:`dsworkbook.consensus.raft.membership` is driven by hand on one server (the
harness) or on a small seeded cluster; the campaign runs with servers added and removed while
faults run, and the broken ``change_before_term_commit`` variant is caught where correct Raft,
on the same schedule, is not.
"""

from __future__ import annotations

import random

import pytest

from dsworkbook.consensus.fuzzing import campaign_run, campaign_schedule, family_of, fuzz_raft, raft_problem
from dsworkbook.consensus.raft import Entry, RaftConfig, RaftNode
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft.membership import (ChangeMembership, Configuration, MembershipRefused, change_problem,
                                                  quorum_index)
from dsworkbook.consensus.raft.membership_run import (admins_of, membership_plan, membership_sim, membership_table,
                                                      race_plans)
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import kv_violation
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Response

FAST = RaftConfig(election_timeout=(50.0, 100.0), heartbeat=20.0, prevote=True, max_batch=8)
HAND = RaftConfig(election_timeout=(50.0, 100.0), heartbeat=20.0)  # an election timer starts an election


def cfg(voters: str, learners: str = "", old: str | None = None) -> Configuration:
    ids = lambda text: frozenset(text.split())  # noqa: E731
    return Configuration(ids(voters), ids(learners), None if old is None else ids(old))


# -- configurations -------------------------------------------------------------------------------


@pytest.mark.parametrize("config, acks, quorum", [
    (cfg("a b c"), "a b", True),
    (cfg("a b c"), "a", False),
    (cfg("a b c d"), "a b", False),            # half of an even configuration is not a majority
    (cfg("a b c d"), "a b c", True),
    (cfg("a b c", "x y"), "a x y", False),      # learners count for nothing
    (cfg("a b c", old="a d e"), "a b", False),  # joint: a majority of the new voters, none of the old
    (cfg("a b c", old="a d e"), "a b d", True),
    (cfg(""), "a", False),
])
def test_a_quorum_is_a_majority_of_the_voters_and_of_the_old_voters_while_joint(config, acks, quorum):
    assert config.is_quorum(acks.split()) is quorum


def test_agreed_is_the_index_a_quorum_holds_and_the_lower_of_two_majorities_while_joint():
    match = {"a": 9, "b": 7, "c": 3, "d": 8, "e": 1, "x": 100}
    assert cfg("a b c").agreed(match) == 7
    assert cfg("a b c d").agreed(match) == 7             # 3 of 4 hold 7
    assert cfg("a b c", "x").agreed(match) == 7           # the learner's 100 does not count
    assert cfg("a b c", old="c d e").agreed(match) == 3   # old voters c d e: only 3 on two of them
    assert cfg("a b z").agreed(match) == 7                # z holds nothing: 0
    assert cfg("").agreed(match) == 0


def test_agreed_matches_a_brute_force_definition_on_random_configurations():
    rng = random.Random(7)
    ids = [f"s{i}" for i in range(9)]
    for _ in range(400):
        voters = frozenset(rng.sample(ids, rng.randint(1, 7)))
        old = frozenset(rng.sample(ids, rng.randint(1, 7))) if rng.random() < 0.5 else None
        config = Configuration(voters, frozenset(rng.sample([i for i in ids if i not in voters], 1)), old)
        match = {s: rng.randint(0, 12) for s in rng.sample(ids, rng.randint(0, 9))}
        brute = max([n for n in range(0, 13) if config.is_quorum({s for s, m in match.items() if m >= n})],
                    default=0)
        assert config.agreed(match) == brute
        assert quorum_index(voters, match) == config.agreed(match) or old is not None


def test_bad_configurations_and_requests_say_what_is_wrong():
    with pytest.raises(ConfigError, match="voter or a learner"):
        Configuration(frozenset({"a"}), frozenset({"a"}))
    with pytest.raises(ConfigError, match="collection of server ids"):
        Configuration("abc")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="unknown membership op"):
        ChangeMembership("join", "n6")
    with pytest.raises(ConfigError, match="needs server="):
        ChangeMembership("add")
    with pytest.raises(ConfigError, match="joining=True"):
        RaftNode("n6", members=("n1", "n2"))


def test_a_request_is_relative_to_the_current_configuration_and_retries_are_no_ops():
    now = cfg("a b c", "d")
    assert ChangeMembership("promote", "d").target(now) == cfg("a b c d")
    assert ChangeMembership("add_learner", "a").target(now) == now   # already a voter: nothing to do
    assert ChangeMembership("remove", "z").target(now) == now
    assert ChangeMembership("remove", "d").target(now) == cfg("a b c")
    with pytest.raises(ConfigError, match="not a learner"):
        ChangeMembership("promote", "e").target(now)
    assert change_problem(cfg("a b c"), cfg("a d e"), joint=False) is not None   # two voters at once
    assert change_problem(cfg("a b c"), cfg("a d e"), joint=True) is None
    assert "no voter" in change_problem(cfg("a"), cfg(""), joint=True)


# -- the leader's rules, by hand -------------------------------------------------------------------


def leader_of_term(term: int, *, committed_own: bool) -> RaftHarness:
    """n1 leading ('n1','n2','n3') in ``term``; its log ends with an entry of that term, committed or not."""
    h = RaftHarness("n1", ("n1", "n2", "n3"), term=term - 1, log=(Entry(1, "x"),), config=HAND)
    h.fire("election")
    from dsworkbook.consensus.raft import RequestVoteReply

    h.deliver("n2", RequestVoteReply(term, True))
    assert h.node.is_leader
    if committed_own:
        from dsworkbook.consensus.raft import AppendEntriesReply

        h.deliver("n2", AppendEntriesReply(term, True, h.node.log.last_index, h.node.log.last_index))
        assert h.node.log.term_at(h.node.commit_index) == term
    return h


def answers(effects: list, kind: type = Response) -> list:
    return [msg for _dst, msg in RaftHarness.sent(effects, kind)]


def test_a_leader_refuses_a_change_until_it_has_committed_an_entry_of_its_own_term():
    h = leader_of_term(2, committed_own=False)
    reply = answers(h.client("admin", Request(1, "membership", ChangeMembership("add_learner", "n4"))))[0]
    assert not reply.ok and isinstance(reply.value, MembershipRefused) and reply.value.retry
    assert "own term" in reply.value.reason
    h = leader_of_term(2, committed_own=True)
    effects = h.client("admin", Request(2, "membership", ChangeMembership("add_learner", "n4")))
    assert h.node.configuration == cfg("n1 n2 n3", "n4") and "n4" in h.node.peers
    assert any(dst == "n4" for dst, _ in RaftHarness.sent(effects))   # the learner gets the log at once
    assert not answers(effects)                                        # answered only once committed


def test_the_broken_variant_starts_a_change_without_its_own_entry_committed():
    h = RaftHarness("n1", ("n1", "n2", "n3"), term=1, log=(Entry(1, "x"),),
                    config=RaftConfig(variant="change_before_term_commit"))
    h.fire("election")
    from dsworkbook.consensus.raft import RequestVoteReply

    h.deliver("n2", RequestVoteReply(2, True))
    h.client("admin", Request(1, "membership", ChangeMembership("add_learner", "n4")))
    assert h.node.configuration == cfg("n1 n2 n3", "n4")


def test_one_change_at_a_time_and_a_single_server_change_moves_one_voter():
    h = leader_of_term(2, committed_own=True)
    h.client("admin", Request(1, "membership", ChangeMembership("add_learner", "n4")))
    second = answers(h.client("admin2", Request(1, "membership", ChangeMembership("remove", "n3"))))[0]
    assert not second.ok and "not committed" in second.value.reason and second.value.retry
    h = leader_of_term(2, committed_own=True)
    wrong = answers(h.client("admin", Request(1, "membership", ChangeMembership("set", voters=("n1", "n4", "n5")))))[0]
    assert not wrong.ok and not wrong.value.retry and "joint" in wrong.value.reason


def test_the_configuration_is_the_latest_in_the_log_committed_or_not_and_reverts_when_cut():
    from dsworkbook.consensus.raft import AppendEntries

    h = RaftHarness("n2", ("n1", "n2", "n3"), term=1, log=(Entry(1, "x"),), config=FAST)
    new = cfg("n1 n2 n3 n4")
    h.deliver("n1", AppendEntries(1, "n1", 1, 1, (Entry(1, new),), 1))
    assert h.node.configuration == new and h.node.dynamic and "n4" in h.node.peers   # used before commit
    h.deliver("n5", AppendEntries(2, "n5", 1, 1, (Entry(2, "y"),), 1))               # a leader of term 2 cuts it
    assert h.node.configuration == cfg("n1 n2 n3") and "n4" not in h.node.peers
    assert h.restart().configuration == cfg("n1 n2 n3")                               # rebuilt from the log


def test_a_server_that_is_not_a_voter_never_campaigns():
    h = RaftHarness("n6", (), term=0, config=FAST, node_class=lambda i, **k: RaftNode(i, joining=True, **k))
    effects = h.fire("election")
    assert h.node.role.name == "follower" and h.node.current_term == 0 and not RaftHarness.sent(effects)


# -- clusters ----------------------------------------------------------------------------------------


def test_a_learner_is_added_caught_up_promoted_and_the_old_leader_removed():
    sim = membership_sim(3, mode="single", admins=1, changes=0, config=FAST, clients=2, ops=15)
    from dsworkbook.consensus.raft.membership_run import MembershipAdmin

    sim.run(until=400)
    leader = next(sim.node(n) for n in sim.node_ids if n.startswith("n") and sim.node(n).is_leader)
    plan = [ChangeMembership("add_learner", "n6"), ChangeMembership("promote", "n6"),
            ChangeMembership("remove", leader.id)]
    sim.add_node("admin9", MembershipAdmin, servers=["n1", "n2", "n3"], changes=plan, gap=50.0)
    sim.run(until=2500)
    admin = sim.node("admin9")
    assert admin.done and [r["outcome"] for r in admin.log] == ["committed"] * 3
    final = sim.node("n6").configuration
    assert final.voters == frozenset({"n1", "n2", "n3", "n4", "n5", "n6"} - {leader.id})
    assert not sim.node(leader.id).is_leader if sim.status(leader.id) != "down" else True
    new_leaders = [n for n in final.voters if sim.status(n) != "down" and sim.node(n).is_leader]
    assert len(new_leaders) == 1                                    # thesis §4.2.2: the others elect one
    assert check_safety(sim).ok and kv_violation(sim.history) is None
    assert all(sim.node(c).done for c in ("c1", "c2"))


def test_joint_consensus_replaces_every_voter_through_c_old_new():
    sim = membership_sim(5, mode="joint", admins=0, config=FAST, clients=2, ops=15)
    from dsworkbook.consensus.raft.membership_run import MembershipAdmin

    sim.add_node("admin1", MembershipAdmin, servers=["n1", "n2", "n3", "n4", "n5"],
                 changes=[ChangeMembership("set", voters=("n3", "n6", "n7"), joint=True)], start_at=300.0)
    sim.run(until=2500)
    assert sim.node("admin1").done and sim.node("admin1").log[0]["outcome"] == "committed"
    seen = [e.command for e in sim.node("n6").log.entries if isinstance(e.command, Configuration)]
    assert seen[0].joint and seen[0].old_voters == frozenset(f"n{i}" for i in range(1, 6))   # C_old,new first
    assert seen[-1] == cfg("n3 n6 n7")                                                       # then C_new
    assert check_safety(sim).ok and kv_violation(sim.history) is None
    assert all(sim.node(c).done for c in ("c1", "c2"))


def test_plans_are_seeded_and_keep_between_three_and_six_voters():
    servers, spares = [f"n{i}" for i in range(1, 6)], ["n6", "n7"]
    assert membership_plan(4, "single", servers, spares) == membership_plan(4, "single", servers, spares)
    for seed in range(20):
        config = Configuration(frozenset(servers))
        for change in membership_plan(seed, "single", servers, spares, changes=12):
            config = change.target(config)  # a plan never asks for what cannot be done
            assert 3 <= len(config.voters) <= 6
    grow, shrink = race_plans(1, servers[:4], ["n5", "n6", "n7"])
    assert {c.op for c in grow} == {"add", "remove"} and {c.server for c in grow} <= {"n5", "n6", "n7"}
    assert shrink[0].op == "remove" and shrink[0].server in servers[:4]
    with pytest.raises(ConfigError, match="membership mode"):
        membership_plan(1, "random", servers, spares)


def test_membership_table_lists_each_change_with_its_latency():
    sim = membership_sim(2, config=FAST)
    sim.run(until=2500)
    table = membership_table(sim)
    assert len(table) == sum(len(a.log) for a in admins_of(sim)) > 0
    assert (table["latency (ms)"] >= 0).all() and set(table["outcome"]) <= {"committed"} | {
        o for o in table["outcome"] if o.startswith("refused")}


# -- the campaign ---------------------------------------------------------------------------------------


def test_the_membership_race_family_is_one_seed_in_four_of_membership_campaigns_only():
    assert [family_of(s, options={"membership": "single"}) for s in range(4)] == [
        "random", "random", "membership race", "stale tail"]
    assert family_of(2) == "random"
    assert family_of(2, variant="change_before_term_commit") == "membership race"


@pytest.mark.parametrize("mode", ["single", "joint"])
def test_correct_raft_keeps_every_property_while_servers_come_and_go(mode):
    report = fuzz_raft(12, options={"membership": mode}, shrink_first=False)
    assert report.violations == [], report.first.describe()
    assert report.progress >= 10, report.summary()


def test_the_single_server_bug_is_caught_and_correct_raft_survives_the_same_race():
    variant = "change_before_term_commit"
    schedule = campaign_schedule(10, variant=variant)
    broken = raft_problem(campaign_run(10, schedule, variant=variant))
    assert broken is not None and broken.property == "leader completeness"
    correct = campaign_run(10, schedule, options={"membership": "single"})
    assert raft_problem(correct) is None
    assert any(r[1] == "fault" and "partition" in str(r[5]) for r in correct.trace.records)  # the race happened


def test_membership_options_are_checked_before_any_work():
    with pytest.raises(ConfigError, match="membership must be"):
        fuzz_raft(1, options={"membership": "sometimes"})
