"""Single-leader replication (G04): the log, the modes, lag, and reading from followers.

Each test is one sentence of the module docstrings (dsworkbook/regions/leader.py, leader_reads.py,
leader_lag.py), in arrange / act / check form.
"""

from __future__ import annotations

import time

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions.leader import Append, AppendAck, Entry, Replica, Topology, Write, WriteAck, topology
from dsworkbook.regions.leader_lag import consistent_prefix, follower_reads, replication_lag, write_latency
from dsworkbook.regions.leader_reads import (ReplicaView, Session, nearest_router, random_router, route_read,
                                             sticky_router)
from dsworkbook.regions.leader_sim import Orchestrator, leader_sim
from dsworkbook.regions.world import world


def _detached(name: str, topo: Topology, **kw) -> Replica:
    r = Replica(name, topology=topo, **kw)
    r.on_start()
    r.take_effects()
    return r


TOPO = topology("us-east-1", ("eu-west-1", "sync"), ("ap-northeast-1", "async"))


# -- configuration ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, words", [
    (lambda: topology("us-east-1", ("eu-west-1", "fast")), "mode must be one of"),
    (lambda: topology("us-east-1", ("eu-west-1",)), "pair (region, mode)"),
    (lambda: topology("us-east-1", semi_sync_wait=0), "semi_sync_wait"),
    (lambda: topology("mars-1", world=world("us-east-1")), "unknown region"),
    (lambda: Topology({"a": "us-east-1"}, "b", {"a": "async"}), "is not one of the replicas"),
    (lambda: Topology({"a": "us-east-1"}, "a", {}), "give every replica a mode"),
    (lambda: Replica("r", topology=TOPO, apply_ms=-1), "apply_ms"),
    (lambda: Orchestrator("o", replicas=("a",), clients=(), leader="a", quorum=2), "quorum"),
    (lambda: Orchestrator("o", replicas=("a",), clients=(), leader="a", promote="best"), "promote"),
    (lambda: Orchestrator("o", replicas=("a",), clients=(), leader="a", timeout=0), "timeout"),
    (lambda: replication_lag(every=0), "every must be > 0"),
    (lambda: follower_reads(slow={"nowhere": 5.0}), "is no replica"),
    (lambda: write_latency(modes=("fast",)), "mode must be one of"),
])
def test_bad_configuration_is_a_clear_error(build, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        build()


def test_replicas_are_named_after_their_regions_and_repeats_get_a_letter():
    topo = topology("us-east-1", ("us-east-1", "async"), ("eu-west-1", "sync"))
    assert topo.names == ("us-east-1", "us-east-1b", "eu-west-1")
    assert topo.needs("us-east-1") == (("eu-west-1",), (), 0)


# -- the log: appends in the leader's order ----------------------------------------------------------------

def test_a_follower_takes_an_append_only_after_the_entry_it_names():
    f = _detached("eu-west-1", TOPO)
    f.on_message("us-east-1", Append(1, 2, 1, (Entry(1, "x", "v3", 0.0),)))  # a gap: it has nothing yet
    assert f.take_effects()[0].msg == AppendAck(1, 0, False)
    f.on_message("us-east-1", Append(1, 0, 0, (Entry(1, "x", "v1", 0.0), Entry(1, "x", "v2", 0.0))))
    acks = [e.msg for e in f.take_effects() if hasattr(e, "msg")]
    assert acks == [AppendAck(1, 2, True)] and [e.value for e in f.log] == ["v1", "v2"]


def test_a_follower_drops_a_conflicting_suffix_from_an_older_epoch():
    f = _detached("eu-west-1", TOPO)
    f.on_message("us-east-1", Append(1, 0, 0, (Entry(1, "x", "a", 0.0), Entry(1, "x", "old", 0.0))))
    f.on_message("us-west-1", Append(2, 1, 1, (Entry(2, "x", "new", 0.0),)))
    assert [(e.epoch, e.value) for e in f.log] == [(1, "a"), (2, "new")]


def test_with_fencing_a_replica_rejects_a_lower_epoch_and_says_which_it_has():
    f = _detached("eu-west-1", TOPO)
    f.on_message("us-west-1", Append(3, 0, 0, ()))
    f.take_effects()
    f.on_message("us-east-1", Append(1, 0, 0, (Entry(1, "x", "stale", 0.0),)))
    assert [e.msg for e in f.take_effects() if hasattr(e, "msg")] == [AppendAck(3, 0, False)] and f.log == []


def test_without_fencing_a_replica_takes_appends_from_any_epoch():
    f = _detached("eu-west-1", TOPO, fencing=False)
    f.on_message("us-west-1", Append(3, 0, 0, ()))
    f.on_message("us-east-1", Append(1, 0, 0, (Entry(1, "x", "stale", 0.0),)))
    assert [e.value for e in f.log] == ["stale"]


def test_a_leader_that_hears_of_a_higher_epoch_steps_down():
    lead = _detached("us-east-1", TOPO)
    assert lead.leading
    lead.on_message("eu-west-1", AppendAck(2, 0, False))
    assert not lead.leading and lead.epoch == 2
    lead.on_message("c", Write(1, "x", "v"))
    assert [e.msg for e in lead.take_effects() if hasattr(e, "msg")][-1] == WriteAck(1, False, leader=None)


def test_followers_logs_are_prefixes_of_the_leaders_in_any_delivery_order():
    topo = topology("us-east-1", ("us-east-1", "async"), ("eu-west-1", "semi-sync"), ("ap-northeast-1", "async"))
    sim = leader_sim(5, topo, think=0.5, stop=400.0)
    for t in range(50, 1400, 50):  # always: at every sample, each follower's log is a prefix of the leader's
        sim.run(until=float(t))
        lead = sim.node("us-east-1").log
        for f in topo.followers_of("us-east-1"):
            log = sim.node(f).log
            assert log == lead[:len(log)]
    assert all(sim.node(f).log == sim.node("us-east-1").log for f in topo.names)  # sometimes: all caught up


# -- modes: when is a write acknowledged? ------------------------------------------------------------------

def test_sync_waits_for_the_slowest_semi_sync_for_the_nearest_async_for_nobody():
    df = write_latency(1).set_index(["mode", "client region"])
    p50 = {m: df.loc[(m, "us-east-1"), "p50 ms"] for m in ("sync", "semi-sync", "async")}
    rtt = world().rtt
    assert rtt("us-east-1", "ap-northeast-1") <= p50["sync"] < rtt("us-east-1", "ap-northeast-1") + 15
    assert rtt("us-east-1", "eu-west-1") <= p50["semi-sync"] < rtt("us-east-1", "eu-west-1") + 15
    assert p50["async"] < 10


def test_semi_sync_wait_count_two_waits_for_both_followers():
    topo = topology("us-east-1", ("eu-west-1", "semi-sync"), ("ap-northeast-1", "semi-sync"), semi_sync_wait=2)
    sim = leader_sim(1, topo, clients=["us-east-1"], stop=600.0)
    sim.run(until=1200.0)
    lat = [op.complete_time - op.invoke_time for op in sim.history if op.outcome == "ok"]
    assert lat and min(lat) >= world().rtt("us-east-1", "ap-northeast-1")


def test_the_same_seed_gives_the_same_history():
    a, b = (leader_sim(9, TOPO, stop=300.0) for _ in range(2))
    a.run(until=800.0), b.run(until=800.0)
    assert a.history.to_dataframe().equals(b.history.to_dataframe())


# -- lag --------------------------------------------------------------------------------------------------

def test_lag_is_measured_in_positions_and_ms_and_the_far_follower_lags_more():
    df = replication_lag(1)
    assert (df["positions behind"] >= 0).all() and (df["ms behind"] >= 0).all()
    mean = df.groupby("follower")["ms behind"].mean()
    assert mean["ap-northeast-1"] > mean["eu-west-1"] > 0


def test_a_follower_whose_applier_is_slower_than_the_write_rate_falls_ever_further_behind():
    df = replication_lag(1, apply_ms=6.0, think=1.0, followers=("eu-west-1",))
    behind = df["positions behind"].tolist()
    assert behind[-1] > 3 * behind[len(behind) // 4] > 0


# -- reading from followers --------------------------------------------------------------------------------

V = ReplicaView
REPLICAS = (V("lead", "us-east-1", 9, True, True), V("eu-a", "eu-west-1", 5, True), V("eu-b", "eu-west-1", 7, True),
            V("tokyo", "ap-northeast-1", 9, True), V("sick", "eu-west-1", 9, False))


@pytest.mark.parametrize("session, region, expected", [
    (Session(0, 0), "eu-west-1", "eu-a"),        # no position to honour: the nearest follower, ties by name
    (Session(5, 0), "eu-west-1", "eu-a"),        # equal is fresh enough
    (Session(6, 0), "eu-west-1", "eu-b"),        # eu-a is behind the session's write
    (Session(0, 7), "eu-west-1", "eu-b"),        # ... or behind what the session already read
    (Session(8, 3), "eu-west-1", "tokyo"),       # the only fresh healthy follower; the sick one is skipped
    (Session(9, 9), "us-east-1", "tokyo"),       # a fresh follower is preferred even to a nearer leader
    (Session(10, 0), "eu-west-1", "lead"),       # nobody is fresh enough: the leader
])
def test_route_read_takes_the_nearest_fresh_enough_follower_else_the_leader(session, region, expected):
    assert route_read(session, REPLICAS, region) == expected


def test_route_read_gives_none_when_no_follower_is_fresh_and_the_leader_is_down():
    down = tuple(r._replace(healthy=False) if r.leader else r for r in REPLICAS)
    assert route_read(Session(10, 0), down, "eu-west-1") is None


@pytest.mark.parametrize("router, ryw, mr", [
    (None, False, False),                # reads at the leader: nothing stale
    (nearest_router, True, False),       # the local (lagging) follower: a client misses its own writes
    (random_router(3), True, True),      # local followers at random: also goes back in time
    (sticky_router(3), None, False),     # stickiness gives monotonic reads, not read-your-writes
    (route_read, False, False),          # the position token: both guarantees
])
def test_the_anomalies_of_reading_from_lagging_followers_and_their_fixes(router, ryw, mr):
    _, found = follower_reads(1, router=router)
    assert found.reads > 50
    if ryw is not None:
        assert (found.read_your_writes > 0) is ryw and found.ryw.ok is (not ryw)
    assert (found.monotonic_reads > 0) is mr and found.mr.ok is (not mr)


@pytest.mark.parametrize("partitioned, anomaly", [(True, True), (False, False)])
def test_an_observer_sees_the_answer_before_the_question_only_across_partitions(partitioned, anomaly):
    run = consistent_prefix(1, partitioned=partitioned)
    assert run.anomaly is anomaly
    answers = [op for op in run.sim.history if op.process == "observer" and op.key == "answer" and op.output]
    assert answers, "the observer did read the answer (sometimes)"


def test_the_default_experiments_are_fast():
    for fn in (lambda: write_latency(1), lambda: replication_lag(1), lambda: follower_reads(1, router=route_read),
               lambda: consistent_prefix(1)):
        start = time.perf_counter()
        fn()
        assert time.perf_counter() - start < 0.5
