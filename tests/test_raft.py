"""Raft's building blocks and options: the log, the configuration, clusters, batching and pipelining,
the key-value store with sessions, the timeline of frames, and errors that say how to fix them."""

from __future__ import annotations

import pytest

from dsworkbook.consensus.fuzzing import raft_config, raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import (Command, Entry, RaftConfig, RaftLog, RaftNode, cluster_table,
                                       committed_commands, leaders, raft_sim)
from dsworkbook.consensus.raft.perf import replication_table
from dsworkbook.consensus.raft.scenarios import SCENARIOS, scenario_sim
from dsworkbook.consensus.raft.timeline import frames
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import KVStore, KVStoreNoSessions, kv_sim, kv_verdict, kv_workload
from dsworkbook.errors import ConfigError


# -- the log --------------------------------------------------------------------------------------


def log_of(*terms):
    return RaftLog(Entry(t, f"v{i}") for i, t in enumerate(terms, 1))


@pytest.mark.parametrize("terms, prev, new, changed, result", [
    ((1, 1), 2, (2,), 3, (1, 1, 2)),          # append at the end
    ((1, 1, 1), 1, (2,), 2, (1, 2)),          # a conflict truncates
    ((1, 1, 1), 1, (1,), None, (1, 1, 1)),    # agreement changes nothing, even when shorter
    ((), 0, (1, 1), 1, (1, 1)),               # into an empty log
])
def test_merge_keeps_agreeing_entries_and_truncates_at_the_first_conflict(terms, prev, new, changed, result):
    log = log_of(*terms)
    entries = tuple(Entry(t, f"v{prev + 1 + k}") for k, t in enumerate(new))
    assert log.merge(prev, entries) == changed
    assert tuple(e.term for e in log.entries) == result


def test_the_first_index_of_a_term_is_where_its_run_of_entries_starts():
    log = log_of(1, 1, 2, 2, 2, 3)
    assert [log.first_index_of_term(i) for i in range(1, 7)] == [1, 1, 3, 3, 3, 6]
    with pytest.raises(IndexError):
        log.first_index_of_term(7)
    with pytest.raises(IndexError):
        log.first_index_of_term(0)


def test_term_at_is_zero_before_the_log_and_none_past_it():
    log = log_of(1, 3)
    assert (log.term_at(0), log.term_at(2), log.term_at(3)) == (0, 3, None)
    assert (log.last_index, log.last_term) == (2, 3) and log.matches(2, 3) and not log.matches(2, 1)
    with pytest.raises(IndexError):
        log[3]


# -- configuration and usage errors ---------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"election_timeout": (300, 150)}, "low <= high"),
    ({"election_timeout": 5}, "(low, high)"),
    ({"heartbeat": 200}, "shorter than the lowest election timeout"),
    ({"max_batch": 0}, "max_batch"),
    ({"variant": "sloppy"}, "unknown variant"),
    ({"backoff": "binary"}, "unknown backoff"),
])
def test_a_bad_configuration_says_what_to_fix(kwargs, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        RaftConfig(**kwargs)


def test_cluster_errors_name_the_problem():
    with pytest.raises(ConfigError, match="members"):
        RaftNode("n9", members=["n1", "n2"])
    with pytest.raises(ConfigError, match="servers"):
        raft_sim(1, servers=0)
    with pytest.raises(ConfigError, match="unknown servers"):
        raft_sim(1, initial={"n7": {"term": 1}})
    with pytest.raises(ConfigError, match="initial state"):
        RaftNode("n1", members=["n1"], initial={"votes": 3})
    with pytest.raises(ConfigError, match="unknown scenario"):
        scenario_sim("meteor", 1)


def test_a_client_request_without_a_command_is_refused_with_a_reason():
    sim = raft_sim(2, servers=1)
    sim.run(until=400)
    node = sim.node("n1")
    from dsworkbook.sim import Request, Response

    node.on_client_request("c9", Request(1, "put", "not a command"))
    (effect,) = node.take_effects()
    assert type(effect.msg) is Response and not effect.msg.ok and "Command" in effect.msg.value


# -- clusters -----------------------------------------------------------------------------------------


def test_a_single_server_cluster_elects_itself_and_commits_alone():
    sim = raft_sim(1, servers=1, workloads=[[("put", "x", 1), ("put", "x", 2)]])
    sim.run(until=1000)
    assert leaders(sim) == {1: "n1"} and sim.history.counts()["ok"] == 2
    assert committed_commands(sim.node("n1"))[-1] == Command("c1", 2, "put", "x", 2)


@pytest.mark.parametrize("config", [dict(pipeline=True), dict(max_batch=8), dict(pipeline=True, max_batch=8),
                                    dict(noop_on_election=False)])
def test_every_replication_mode_is_safe_and_live_under_heavy_faults(config):
    for seed in (40, 41, 42):
        sim = raft_run(seed, raft_schedule(seed), config=raft_config(**config))
        assert check_safety(sim).ok and raft_progress(sim), (config, seed)


def test_batching_and_pipelining_raise_throughput_and_batching_saves_messages():
    table = replication_table(1, clients=20, duration=1200)
    rate, msgs = table["commands/s"], table["messages/command"]
    assert rate["batching"] > 5 * rate["stop-and-wait"] and rate["pipelining"] > 3 * rate["stop-and-wait"]
    assert rate["batching + pipelining"] >= rate["pipelining"]
    assert msgs["batching"] < msgs["pipelining"] / 3
    assert table.loc["batching", "entries/AppendEntries"] > 2


def test_cluster_table_shows_a_crashed_server_from_its_storage():
    sim = raft_sim(3, workloads=[[("put", "x", 1)]])
    sim.run(until=800)
    sim.crash("n2")
    table = cluster_table(sim).set_index("node")
    assert table.loc["n2", "status"] == "down" and table.loc["n2", "entries"] == table.loc["n1", "entries"]


# -- the key-value store ------------------------------------------------------------------------------------


def test_the_store_executes_each_command_once_and_answers_repeats():
    kv = KVStore()
    assert kv.apply(Command("c1", 1, "cas", "k", (None, "a"))) is True
    assert kv.apply(Command("c1", 1, "cas", "k", (None, "a"))) is True  # the retry: same answer
    assert kv.apply(Command("c2", 1, "cas", "k", (None, "b"))) is False
    assert kv.apply(Command("c1", 2, "get", "k")) == "a"
    assert kv.executed == 3
    with pytest.raises(ConfigError, match="unknown key-value operation"):
        kv.apply(Command("c1", 3, "delete", "k"))


def test_workloads_are_seeded_and_write_unique_values():
    import random

    a, b = kv_workload(random.Random(1), 30, client="c1"), kv_workload(random.Random(1), 30, client="c1")
    puts = [v for op, _, v in a if op == "put"]
    assert a == b and len(puts) == len(set(puts)) > 5


@pytest.mark.parametrize("seed", [13, 25])
def test_sessions_keep_the_store_linearizable_under_faults_and_without_them_it_is_not(seed):
    good = raft_run(seed, raft_schedule(seed))
    bad = raft_run(seed, raft_schedule(seed), store=KVStoreNoSessions)
    assert kv_verdict(good) == "linearizable" and raft_progress(good)
    assert kv_verdict(bad) == "not linearizable"
    assert bad.node("n1").state_machine.executed > bad.history.counts()["ok"]


def test_a_calm_kv_cluster_answers_every_operation_linearizably():
    sim = kv_sim(4, clients=3, ops=15, loss=0.05, duplicate=0.05)
    sim.run(until=4000)
    assert sim.history.counts() == {"ok": 45, "fail": 0, "unknown": 0} and kv_verdict(sim) == "linearizable"


# -- scenarios and frames ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [s for s in SCENARIOS if s != "figure 8"])
def test_every_scenario_is_safe_with_correct_raft(name):
    assert check_safety(scenario_sim(name, 3)).ok


def test_frames_rebuild_the_cluster_from_the_trace_alone():
    sim = scenario_sim("leader crash", 3)
    fr = frames(sim, step=10)
    assert len(fr) == 201 and fr[0].time == 0 and fr[-1].time == 2000
    crashed = next(f for f in fr if any(v.status == "down" for v in f.servers.values()))
    assert 600 <= crashed.time < 610
    last = fr[-1]
    for n, view in last.servers.items():
        node = sim.node(n)
        assert (view.role, view.term, view.commit) == (node.role.name, node.current_term, node.commit_index)
        assert view.log == tuple(e.term for e in node.log.entries)
    assert any(f.messages for f in fr) and all(0 <= m.progress <= 1 for f in fr for m in f.messages)
    with pytest.raises(ConfigError):
        frames(sim, step=0)


@pytest.mark.parametrize("name, step", [("leader crash", 5.0), ("figure 8", 0.7), ("random faults", 12.5)])
def test_frames_made_on_demand_are_the_frames_made_at_once(name, step):
    from dsworkbook.consensus.raft.timeline import Frames

    sim = scenario_sim(name, 4)
    eager, lazy = frames(sim, step=step), Frames(sim, step=step)
    assert len(lazy) == len(eager) and lazy.end == eager[-1].time
    assert repr(lazy[len(lazy) // 2]) == repr(eager[len(eager) // 2])  # a jump ahead, then everything
    assert [repr(f) for f in lazy] == [repr(f) for f in eager] and repr(lazy[-1]) == repr(eager[-1])
    assert [repr(f) for f in lazy[2:5]] == [repr(f) for f in eager[2:5]]
    with pytest.raises(IndexError):
        lazy[len(eager)]
    with pytest.raises(ConfigError):
        Frames(sim, step=0)


def test_frames_show_the_network_state():
    sim = scenario_sim("leader isolated", 3)
    fr = frames(sim, step=50)
    assert fr[10].network == "connected"
    assert fr[14].network.startswith("partition") and fr[-1].network == "connected"


# -- scenarios for the commit rule and the back-off ---------------------------------------------------------


def test_figure8_with_no_ops_is_safe_with_raft_and_broken_by_counting_replicas():
    from dsworkbook.consensus.raft.scenarios import FIGURE8_NOOP_STEPS, figure8

    good, bad = figure8(noop=True), figure8("commit_old_term_by_count", noop=True)
    assert check_safety(good).ok and len(FIGURE8_NOOP_STEPS) == 4
    broken = check_safety(bad).violations[0]
    assert broken.property == "leader completeness" and "index 2" in broken.message
    # every new leader appended its no-op: the last leader's log starts with term 1, 2 (n5's no-op), 4
    assert [e.term for e in good.node("n5").log.entries][:3] == [1, 2, 4]


def test_figure7_refuses_an_unknown_follower():
    from dsworkbook.consensus.raft.scenarios import figure7

    with pytest.raises(ConfigError, match="a-f"):
        figure7("g")


def test_messages_have_a_kind_and_a_short_label_for_diagrams():
    from dsworkbook.consensus.raft import (AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply,
                                           message_kind, message_label)

    assert message_label(RequestVote(2, "n1", 0, 0)) == ("RequestVote", "RV t2")
    assert message_label(RequestVoteReply(2, False)) == ("RequestVote reply", "vote no")
    assert message_label(AppendEntries(3, "n1", 4, 2, (Entry(3, None),) * 2, 1)) == ("AppendEntries", "AE t3 +2")
    assert message_label(AppendEntries(3, "n1", 4, 2, (), 1)) == ("AppendEntries (heartbeat)", "beat t3")
    assert message_label(AppendEntriesReply(3, True, 6, 6)) == ("AppendEntries reply", "ok 6")
    assert message_kind("other") == "str"
