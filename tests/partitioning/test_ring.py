"""H02: the consistent-hashing ring - placement equals a hand-built MD5 ring, determinism, moves, bad input."""

from __future__ import annotations

import hashlib
from bisect import bisect_right

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import HashRing, balance_table, keys_for_seed, md5_words, weighted_table
from dsworkbook.partitioning.keyhash import digest_words

NODES = [f"node{i}" for i in range(10)]


def naive_ring(nodes, vnodes):
    """The textbook ring, written out by hand: 128-bit MD5 points, first point strictly after the key."""
    points = sorted((int(hashlib.md5(f"{n}-{i}".encode()).hexdigest(), 16), n) for n in nodes for i in range(vnodes))
    positions = [p for p, _ in points]

    def lookup(key):
        i = bisect_right(positions, int(hashlib.md5(str(key).encode()).hexdigest(), 16))
        return points[i % len(points)][1]
    return lookup


# -- batch MD5 is MD5 ----------------------------------------------------------------------

@settings(derandomize=True, max_examples=200)
@given(st.lists(st.text(max_size=70), min_size=1, max_size=20))
def test_vectorised_md5_equals_hashlib_on_any_text(keys):
    expected = np.array([digest_words(hashlib.md5(k.encode()).digest()) for k in keys], np.uint32)
    assert (md5_words(keys) == expected).all()


@pytest.mark.parametrize("keys", [
    ["", "a" * 55, "b" * 56, "c" * 64],          # block boundaries: 55 bytes fit one block, 56 do not
    ["x\0", "\0\0", "é", "日本"],                 # trailing NULs, non-ASCII (UTF-8 differs from code points)
    [f"k{i:04d}" for i in range(50)],            # equal lengths: the joined-text fast path
    [1, 2.5, None, ("t", 1)],                    # non-strings are hashed as str(key)
])
def test_vectorised_md5_boundaries(keys):
    expected = np.array([digest_words(hashlib.md5(str(k).encode()).digest()) for k in keys], np.uint32)
    assert (md5_words(keys) == expected).all()


# -- placement -----------------------------------------------------------------------------

@pytest.mark.parametrize("vnodes", [1, 7, 160])
def test_placement_equals_a_hand_built_md5_ring(vnodes):
    keys = keys_for_seed(1, 5000) + list(range(200))
    ring, naive = HashRing(NODES, vnodes=vnodes), naive_ring(NODES, vnodes)
    want = [naive(k) for k in keys]
    assert [ring.lookup(k) for k in keys] == want
    assert list(ring.lookup_many(keys)) == want


def test_placement_equals_uhashring_default_and_ketama_layouts():
    uhashring = pytest.importorskip("uhashring")
    keys = keys_for_seed(2, 20_000)
    theirs = uhashring.HashRing(nodes=NODES, vnodes=160)
    ours = HashRing(NODES)
    assert [ours.lookup(k) for k in keys] == [theirs.get_node(k) for k in keys]
    ketama = HashRing(NODES, vnodes=160, scheme="ketama")
    assert len(ketama._ints) == 1600, "no 32-bit point collision here, so uhashring's last-writer rule does not matter"
    theirs_k = uhashring.HashRing(nodes=NODES, vnodes=40, hash_fn="ketama")
    assert [ketama.lookup(k) for k in keys] == [theirs_k.get_node(k) for k in keys]
    assert list(ketama.lookup_many(keys)) == [ketama.lookup(k) for k in keys]


def test_placement_depends_on_the_node_set_not_on_join_order():
    keys = keys_for_seed(3, 3000)
    a = HashRing(NODES, vnodes=20)
    b = HashRing(list(reversed(NODES)), vnodes=20)
    c = HashRing(vnodes=20)
    for n in NODES[::3] + NODES[1::3] + NODES[2::3]:
        c.add_node(n)
    assert list(a.lookup_many(keys)) == list(b.lookup_many(keys)) == list(c.lookup_many(keys))


def test_removing_then_re_adding_a_node_restores_placement():
    ring, keys = HashRing(NODES, vnodes=50), keys_for_seed(4, 5000)
    before = list(ring.lookup_many(keys))
    ring.remove_node("node3")
    assert "node3" not in set(ring.lookup_many(keys))
    ring.add_node("node3")
    assert list(ring.lookup_many(keys)) == before


def test_the_moved_arcs_are_exactly_where_keys_changed_owner():
    ring, keys = HashRing(NODES, vnodes=20), keys_for_seed(5, 5000)
    before = {k: ring.lookup(k) for k in keys}
    arcs = ring.add_node("node10")
    assert all(a.to_node == "node10" and a.from_node != "node10" for a in arcs)
    for k in keys:
        inside = [a for a in arcs if a.contains(ring.position(k))]
        moved = ring.lookup(k) != before[k]
        assert moved == bool(inside)
        if moved:
            assert (inside[0].from_node, inside[0].to_node) == (before[k], ring.lookup(k))
    share = sum(a.fraction(ring.bits) for a in arcs)
    assert share == pytest.approx(ring.shares()["node10"])
    gone = ring.remove_node("node10")
    assert sorted((a.start, a.end) for a in gone) == sorted((a.start, a.end) for a in arcs)
    assert all(a.from_node == "node10" for a in gone)


def test_shares_add_up_to_the_whole_circle():
    assert sum(HashRing(NODES, vnodes=3).shares().values()) == pytest.approx(1.0)


def test_more_virtual_nodes_spread_keys_more_evenly():
    table = balance_table(10, (1, 10, 100, 500), keys=20_000, seed=0)
    # one point per node: the largest node holds well above its share; 500 points: within ~10 %
    assert table.loc[1, "keys max/mean"] > 1.8 and table.loc[500, "keys max/mean"] < 1.1
    assert table.loc[1, "keys cv"] > table.loc[10, "keys cv"] > table.loc[500, "keys cv"]


def test_weights_give_proportional_points_and_shares():
    table = weighted_table({"a": 1, "b": 2, "c": 1}, keys=20_000)
    assert table.loc["b", "points"] == 2 * table.loc["a", "points"] == 320
    # 160 points per unit of weight: shares land within a few points of weight / total
    assert abs(table.loc["b", "measured share"] - 0.5) < 0.05


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize("make, words", [
    (lambda: HashRing(NODES, vnodes=0), "vnodes must be an integer >= 1"),
    (lambda: HashRing(NODES, scheme="sha1"), "unknown scheme"),
    (lambda: HashRing(NODES, vnodes=10, scheme="ketama"), "multiple of 4"),
    (lambda: HashRing(["a", "a"]), "already on the ring"),
    (lambda: HashRing({"a": 0}), "must be > 0"),
    (lambda: HashRing(NODES).remove_node("nodeX"), "is not on the ring"),
    (lambda: HashRing().lookup("k"), "the ring is empty"),
    (lambda: HashRing().lookup_many(["k"]), "the ring is empty"),
])
def test_bad_input_raises_a_config_error_saying_what_to_do(make, words):
    with pytest.raises(ConfigError, match=words):
        make()
