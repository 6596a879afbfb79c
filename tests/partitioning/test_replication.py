"""H03: preference lists hold N distinct physical nodes (Dynamo sec. 4.3), spread over zones when possible."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import HashRing, keys_for_seed, preference_list, replicas_after_leave

NODES = [f"node{i}" for i in range(8)]
ZONES = {n: f"z{i % 3}" for i, n in enumerate(NODES)}  # 3 zones: z0 has 3 nodes, z1 3, z2 2


@settings(derandomize=True, max_examples=60)
@given(st.text(max_size=12), st.integers(1, 8), st.sampled_from([1, 4, 160]))
def test_the_list_is_n_distinct_nodes_starting_at_the_owner(key, n, vnodes):
    ring = HashRing(NODES, vnodes=vnodes)
    prefs = preference_list(ring, key, n)
    assert len(prefs) == n == len(set(prefs)) and prefs[0] == ring.lookup(key)


def test_the_walk_skips_virtual_nodes_of_nodes_already_chosen():
    ring = HashRing(NODES, vnodes=50)
    key = keys_for_seed(0, 1)[0]
    start = ring.point_index(key)
    walk = [ring._owners[(start + k) % len(ring._owners)] for k in range(len(ring._owners))]
    first_seen = list(dict.fromkeys(walk))  # each node at its first clockwise appearance
    assert preference_list(ring, key, 3) == first_seen[:3]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_with_enough_zones_every_replica_is_in_a_different_zone(n):
    ring = HashRing(NODES, vnodes=20)
    for key in keys_for_seed(1, 300):
        prefs = preference_list(ring, key, n, zones=ZONES)
        assert len({ZONES[p] for p in prefs}) == n and len(set(prefs)) == n


def test_with_fewer_zones_than_n_every_zone_gets_one_and_the_rest_are_the_next_distinct_nodes():
    ring = HashRing(NODES, vnodes=20)
    for key in keys_for_seed(2, 200):
        prefs = preference_list(ring, key, 5, zones=ZONES)
        assert len(set(prefs)) == 5 and {ZONES[p] for p in prefs[:3]} == {"z0", "z1", "z2"}
        rest = [p for p in preference_list(ring, key, 8) if p not in prefs[:3]]
        assert prefs[3:] == rest[:2]


def test_when_a_node_leaves_only_its_replica_is_replaced_by_the_next_node():
    ring = HashRing(NODES, vnodes=20)
    changed = 0
    for key in keys_for_seed(3, 120):
        ch = replicas_after_leave(ring, key, 3, "node2")
        if "node2" in ch.before:
            changed += 1
            assert ch.dropped == ["node2"] and len(ch.added) == 1
            assert [x for x in ch.before if x != "node2"] == [x for x in ch.after if x in ch.before]
        else:
            assert ch.after == ch.before
    assert changed > 0 and "node2" in ring  # the ring itself is unchanged


@pytest.mark.parametrize("call, words", [
    (lambda r: preference_list(r, "k", 9), "replication factor 9 is above the node count 8"),
    (lambda r: preference_list(r, "k", 0), "integer >= 1"),
    (lambda r: preference_list(r, "k", 2, zones={"node0": "a"}), "have no zone"),
    (lambda r: preference_list(HashRing(), "k", 1), "ring is empty"),
    (lambda r: replicas_after_leave(r, "k", 2, "nodeX"), "is not on the ring"),
])
def test_bad_input(call, words):
    with pytest.raises(ConfigError, match=words):
        call(HashRing(NODES, vnodes=4))
