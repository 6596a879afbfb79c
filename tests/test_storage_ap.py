"""Q02 · The AP (Dynamo-style) store and its repair mechanisms; Merkle trees."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, Simulation
from dsworkbook.storage import (APReplica, KVClient, MerkleTree, Stamp, Versioned, anti_entropy_run, bucket_of,
                                exchange_cost, merkle_diff, preference_list, replica_ids, resolve_lww)
from dsworkbook.storage.antientropy import BucketSync, TreeLevel

R3 = replica_ids(3)


def _cluster(seed=1, reps=R3, latency=(2, 8), **options) -> Simulation:
    sim = Simulation(seed=seed, latency=latency)
    for r in reps:
        sim.add_node(r, APReplica, replicas=reps, **options)
    return sim


def _values(sim, key):
    return {r: (sim.node(r).data[key].value if key in sim.node(r).data else None) for r in R3}


# -- accepting anywhere, last write wins ------------------------------------------------------------------


def test_any_replica_accepts_a_write_even_alone_on_its_side_of_a_partition():
    sim = _cluster()
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1), ("read", "x", None)])
    sim.net.partition(["n1", "c1"])
    sim.run(until=300)
    assert [(op.outcome, op.output) for op in sim.history] == [("ok", None), ("ok", 1)]


def test_the_highest_stamp_wins_even_when_it_was_written_earlier_in_real_time():
    sim = _cluster(latency=Constant(5), hinted_handoff=False)
    sim.set_clock_offset("n1", 1000)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", "early")])
    sim.add_node("c2", KVClient, servers=["n2"], ops=[("write", "x", "late")], start_at=100)
    sim.run(until=500)
    assert set(_values(sim, "x").values()) == {"early"}  # the later write lost: LWW under skew


def test_resolve_lww_returns_the_newest_and_the_replicas_that_lack_it():
    old, new = Versioned(Stamp(1, "n1", 1), "a"), Versioned(Stamp(2, "n2", 1), "b")
    assert resolve_lww({"n1": old, "n2": new, "n3": None}) == (new, ["n1", "n3"])
    assert resolve_lww({"n1": None}) == (None, [])


def test_a_write_short_of_w_acknowledgements_is_refused_as_maybe_applied():
    sim = _cluster(w=2, hinted_handoff=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.net.partition(["n1", "c1"])
    sim.run(until=500)
    assert sim.history[0].outcome == "unknown" and sim.node("n1").data["x"].value == 1


def test_a_read_short_of_r_replies_fails():
    sim = _cluster(r=2)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("read", "x", None)])
    sim.net.partition(["n1", "c1"])
    sim.run(until=500)
    assert sim.history[0].outcome == "fail"


def test_a_key_lives_on_n_consecutive_replicas_of_the_ring():
    reps = replica_ids(5)
    owners = preference_list("user:42", reps, 3)
    i = reps.index(owners[0])
    assert owners == tuple(reps[(i + k) % 5] for k in range(3))
    assert preference_list("user:42", reps, 3) == owners  # stable across calls and processes
    with pytest.raises(ConfigError, match="between 1 and"):
        preference_list("k", reps, 6)


def test_with_n_below_the_cluster_size_only_the_preference_list_stores_a_key():
    reps = replica_ids(5)
    sim = _cluster(reps=reps, n=3)
    owners = preference_list("x", reps, 3)
    outsider = next(r for r in reps if r not in owners)
    sim.add_node("c1", KVClient, servers=[outsider], ops=[("write", "x", 1)])
    sim.run(until=300)
    assert sim.history[0].outcome == "ok"
    assert {r for r in reps if "x" in sim.node(r).data} == set(owners)


# -- the three repair mechanisms -------------------------------------------------------------------------


def test_hinted_handoff_delivers_a_missed_write_once_the_replica_is_back():
    sim = _cluster(read_repair=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.net.isolate("n3")
    sim.at(300, sim.net.heal)
    sim.run(until=250)
    assert _values(sim, "x")["n3"] is None and sim.node("n1").hints
    sim.run(until=600)
    assert _values(sim, "x")["n3"] == 1 and not sim.node("n1").hints
    assert sim.trace.notes("n1", "handed_off")


def test_hints_are_durable_so_a_coordinator_crash_does_not_lose_them():
    sim = _cluster(read_repair=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.net.isolate("n3")
    sim.at(250, sim.crash, "n1")
    sim.at(300, sim.net.heal)
    sim.at(350, sim.restart, "n1")
    sim.run(until=800)
    assert _values(sim, "x")["n3"] == 1


def test_read_repair_sends_the_newest_version_to_replicas_that_answered_older():
    sim = _cluster(hinted_handoff=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.add_node("c2", KVClient, servers=["n2"], ops=[("read", "x", None)], start_at=400)
    sim.net.isolate("n3")
    sim.at(300, sim.net.heal)
    sim.run(until=1000)
    assert _values(sim, "x")["n3"] == 1 and sim.trace.notes("n2", "read_repair")


def test_without_any_repair_a_replica_that_missed_a_write_stays_behind():
    sim = _cluster(hinted_handoff=False, read_repair=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)])
    sim.add_node("c2", KVClient, servers=["n2"], ops=[("read", "x", None)], start_at=400)
    sim.net.isolate("n3")
    sim.at(300, sim.net.heal)
    sim.run(until=1000)
    assert _values(sim, "x")["n3"] is None


def test_anti_entropy_alone_makes_diverged_replicas_identical_exchanging_far_less_than_everything():
    r = anti_entropy_run(seed=1, keys=400, buckets=128, missed_window=(100.0, 130.0))
    assert r["missed"] > 0 and r["identical"]
    assert r["walks"] > 0 and r["hashes"] + r["entries"] < r["full_entries"] / 10


def test_an_anti_entropy_walk_stops_at_the_root_when_replicas_agree():
    sim = _cluster(anti_entropy_every=50.0, hinted_handoff=False, read_repair=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", f"k{i}", i) for i in range(20)])
    sim.run(until=2000)
    late = [r.detail for r in sim.trace.of_kind("send") if r.time > 1500 and type(r.detail) in (TreeLevel, BucketSync)]
    assert late and all(type(m) is TreeLevel and m.level == 0 for m in late)


# -- Merkle trees -----------------------------------------------------------------------------------------


def test_a_tree_has_one_root_and_buckets_leaves():
    t = MerkleTree({"a": 1, "b": 2}, buckets=8)
    assert [len(level) for level in t.levels] == [1, 2, 4, 8] and t.depth == 3
    assert MerkleTree({"b": 2, "a": 1}, 8).root == t.root  # the order of insertion does not matter
    with pytest.raises(ConfigError, match="power of two"):
        MerkleTree({}, buckets=12)


def test_equal_data_compares_one_hash():
    data = {f"k{i}": i for i in range(100)}
    assert merkle_diff(MerkleTree(data, 64), MerkleTree(dict(data), 64)).compared == 1


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(0, 300), st.integers(0, 5), max_size=60),
       st.dictionaries(st.integers(0, 300), st.integers(0, 5), max_size=60),
       st.sampled_from([1, 2, 8, 32]))
def test_the_walk_finds_exactly_the_buckets_holding_a_differing_key(a, b, buckets):
    diff = merkle_diff(MerkleTree(a, buckets), MerkleTree(b, buckets))
    truth = {bucket_of(k, buckets) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    assert set(diff.buckets) == truth
    assert diff.compared <= 2 * buckets - 1


def test_a_merkle_exchange_costs_a_fraction_of_a_full_one_when_few_keys_differ():
    rng = random.Random(3)
    a = {f"k{i}": rng.random() for i in range(1000)}
    b = dict(a, k5=-1.0, k500=-1.0)
    cost = exchange_cost(a, b, 256)
    assert cost["differing_keys"] == 2 and cost["differing_buckets"] <= 2
    assert cost["merkle_hashes"] + cost["merkle_entries"] < cost["full_entries"] / 20


def test_store_settings_are_checked():
    with pytest.raises(ConfigError, match="R=4 and W=1 must each be <= N=3"):
        APReplica("n1", replicas=R3, r=4)
    with pytest.raises(ConfigError, match="anti_entropy_every"):
        APReplica("n1", replicas=R3, anti_entropy_every=-1)
