"""Q01 · The CP (majority ABD) store: one test per rule of the module docstring."""

from __future__ import annotations

import pytest

from dsworkbook.checkers import check_linearizable, from_sim_history
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, FaultSchedule, Heal, Partition, Request, Response, Simulation
from dsworkbook.storage import CP, CPReplica, KVClient, Refused, Tag, ZERO, majority, replica_ids, run_setting
from dsworkbook.storage.cp import Propagate, Query

R3, R5 = replica_ids(3), replica_ids(5)


def _cluster(reps=R3, seed=1, latency=(2, 8), **options) -> Simulation:
    sim = Simulation(seed=seed, latency=latency)
    for r in reps:
        sim.add_node(r, CPReplica, replicas=reps, **options)
    return sim


def _replies(sim, client):
    return [r.detail for r in sim.trace.of_kind("deliver") if r.node == client and type(r.detail) is Response]


# -- quorums -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, q", [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (51, 26), (100, 51), (200, 101)])
def test_a_quorum_is_a_majority_so_any_two_quorums_share_a_replica(n, q):
    assert majority(n) == q and 2 * q > n and 2 * (q - 1) <= n


def test_tags_order_writes_by_counter_then_writer():
    assert ZERO < Tag(1, "n1") < Tag(1, "n2") < Tag(2, "n1")
    assert str(Tag(3, "n2")) == "3.n2" and str(ZERO) == "0"


# -- the two phases --------------------------------------------------------------------------------------


def test_a_write_queries_a_majority_then_propagates_with_a_higher_tag():
    sim = _cluster()
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1), ("write", "x", 2)])
    sim.run(until=500)
    assert [op.outcome for op in sim.history] == ["ok", "ok"]
    sent = [r.detail for r in sim.trace.of_kind("send") if r.node == "n1"]
    queries = [m for m in sent if type(m) is Query]
    props = [m for m in sent if type(m) is Propagate]
    assert len(queries) == 2 * 2 and len(props) == 2 * 2  # to the two other replicas, per write
    assert [p.tag for p in props[::2]] == [Tag(1, "n1"), Tag(2, "n1")]
    assert all(sim.node(r).registers["x"] == (Tag(2, "n1"), 2) for r in R3 if "x" in sim.node(r).registers)


def test_a_read_returns_the_highest_tag_among_a_majority_and_writes_it_back_when_replicas_disagree():
    sim = _cluster(latency=Constant(5))
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 7)])
    sim.add_node("c2", KVClient, servers=["n3"], ops=[("read", "x", None)], start_at=100)
    sim.net.cut("n1", "n3")  # n3 never gets the write from n1
    sim.run(until=400)
    read = sim.history[1]
    assert read.outcome == "ok" and read.output == 7
    assert sim.node("n3").registers["x"] == (Tag(1, "n1"), 7)  # written back by its own read


def test_without_write_back_the_read_answers_after_one_phase():
    sim = _cluster(latency=Constant(5), write_back=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 7)])
    sim.add_node("c2", KVClient, servers=["n3"], ops=[("read", "x", None)], start_at=100)
    sim.net.cut("n1", "n3")
    sim.run(until=400)
    assert sim.history[1].output == 7 and "x" not in sim.node("n3").registers


# -- refusing without a quorum ---------------------------------------------------------------------------


def test_a_coordinator_that_cannot_reach_a_majority_refuses_and_the_client_records_fail():
    sim = _cluster(R5)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1), ("read", "x", None)])
    sim.net.partition(["n1", "n2", "c1"])
    sim.run(until=1000)
    assert [op.outcome for op in sim.history] == ["fail", "fail"]
    refusal = _replies(sim, "c1")[0].value
    assert isinstance(refusal, Refused) and not refusal.maybe_applied and "no quorum" in refusal.reason
    assert all("x" not in sim.node(r).registers for r in R5)


def test_a_write_refused_in_its_propagate_phase_may_have_been_applied_so_it_is_unknown():
    sim = _cluster(latency=Constant(5))
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.at(16, sim.net.partition, ["n1", "c1"])  # after the query replies arrived at t=15
    sim.run(until=600)
    assert sim.history[0].outcome == "unknown"
    assert _replies(sim, "c1")[0].value.maybe_applied
    assert sim.node("n1").registers["x"][1] == 1  # it did take effect on n1


def test_a_client_timeout_is_unknown_never_fail():
    sim = _cluster()
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)], timeout=50)
    sim.at(0, sim.crash, "n1")
    sim.run(until=500)
    assert sim.history[0].outcome == "unknown"


def test_a_malformed_request_is_refused_not_a_crash():
    sim = _cluster()

    class Odd(KVClient):
        def on_start(self):
            self.send("n1", Request(1, "increment", ("x", 1)))

        def on_message(self, src, msg):
            self.got = msg

    sim.add_node("c1", Odd, servers=["n1"])
    sim.run(until=100)
    assert not sim.node("c1").got.ok and "unknown request" in sim.node("c1").got.value.reason


def test_a_duplicated_request_runs_once():
    sim = _cluster(latency=Constant(5))
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.net.configure(duplicate=1.0)
    sim.run(until=300)
    assert len(sim.trace.notes("n1", "duplicate_request")) >= 1
    assert sim.node("n1").registers["x"][0] == Tag(1, "n1")  # one write, one tag


# -- durability ------------------------------------------------------------------------------------------


def test_a_restarted_coordinator_issues_tags_above_those_it_issued_before_the_crash():
    sim = _cluster(latency=Constant(5))
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.add_node("c2", KVClient, servers=["n1"], ops=[("write", "y", 2), ("write", "x", 3), ("read", "x", None)],
                 start_at=300, timeout=500)
    sim.at(16, sim.net.partition, ["n1", "c1"])  # n1 alone holds x = (1, n1)
    sim.at(100, sim.crash, "n1")
    sim.at(150, sim.net.heal)
    sim.at(200, sim.restart, "n1")
    sim.run(until=2000)
    tags = {}
    for r in sim.trace.of_kind("send"):
        if r.node == "n1" and type(r.detail) is Propagate:
            tags.setdefault(r.detail.op, r.detail.tag)
    issued = list(tags.values())
    assert issued == sorted(issued) and len(set(issued)) == len(issued) == 3
    assert sim.storage("n1")["counter"] == 3 and sim.history[-1].output == 3


def test_replica_settings_are_checked():
    with pytest.raises(ConfigError, match="not in its own replica list"):
        CPReplica("n9", replicas=R3)
    with pytest.raises(ConfigError, match="timeout"):
        CPReplica("n1", replicas=R3, timeout=0)


# -- always / sometimes -----------------------------------------------------------------------------------


def test_always_linearizable_and_sometimes_refusing_under_one_partition_per_side():
    refused = 0
    for seed in range(5):
        for side in (("n1", "c1"), ("n1", "n2", "c1", "c2")):
            sched = FaultSchedule([Partition(50, (side,)), Heal(700)])
            sim = run_setting(CP(5), seed, schedule=sched)
            assert check_linearizable(from_sim_history(sim.history), model="kv").ok, (seed, side)
            refused += sim.history.counts()["fail"] > 0
    assert refused >= 5
