"""H04: jump hash (Lamping & Veach 2014), rendezvous hashing, bounded loads (Mirrokni et al. 2018)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import (HashRing, bounded_load_assign, bounded_load_table, jump_hash, key64,
                                     keys_for_seed, rendezvous_owner, rendezvous_ranking)


def paper_jump(key: int, num_buckets: int) -> int:
    """Figure 1 of the paper, transcribed with numpy's wrapping uint64 and C doubles."""
    key_u = np.uint64(key)
    b, j = -1, 0
    with np.errstate(over="ignore"):
        while j < num_buckets:
            b = j
            key_u = key_u * np.uint64(2862933555777941757) + np.uint64(1)
            j = int(np.float64(b + 1) * (np.float64(1 << 31) / np.float64(int(key_u >> np.uint64(33)) + 1)))
    return b


@settings(derandomize=True, max_examples=300)
@given(st.integers(0, 2**64 - 1), st.integers(1, 5000))
def test_jump_hash_equals_the_papers_code(key, buckets):
    assert jump_hash(key, buckets) == paper_jump(key, buckets)


def test_jump_hash_known_values():
    # computed with paper_jump above (an independent transcription): pinned so a change shows
    assert [jump_hash(k, 10) for k in range(10)] == [paper_jump(k, 10) for k in range(10)] == [
        0, 6, 6, 8, 1, 4, 9, 0, 4, 7]
    assert jump_hash(0, 1) == 0 and jump_hash(2**64 - 1, 1000) == paper_jump(2**64 - 1, 1000)


@settings(derandomize=True, max_examples=200)
@given(st.integers(0, 2**64 - 1), st.integers(1, 300))
def test_jump_hash_keys_move_only_to_the_new_bucket(key, n):
    before, after = jump_hash(key, n), jump_hash(key, n + 1)
    assert after == before or after == n


def test_jump_hash_moves_about_one_in_n_plus_one_and_spreads_evenly():
    keys = [key64(k) for k in keys_for_seed(0, 20_000)]
    moved = np.mean([jump_hash(k, 10) != jump_hash(k, 11) for k in keys])
    assert moved == pytest.approx(1 / 11, abs=0.01)  # sampling sd 0.002
    counts = np.bincount([jump_hash(k, 10) for k in keys], minlength=10)
    assert counts.max() / counts.mean() < 1.06


def test_rendezvous_removing_a_node_moves_only_its_keys_to_their_second_choice():
    nodes = [f"node{i}" for i in range(7)]
    for key in keys_for_seed(1, 500):
        ranking = rendezvous_ranking(key, nodes)
        after = rendezvous_owner(key, [n for n in nodes if n != "node4"])
        assert after == (ranking[1] if ranking[0] == "node4" else ranking[0])


def test_rendezvous_spreads_keys_evenly():
    nodes = [f"node{i}" for i in range(5)]
    owners = [rendezvous_owner(k, nodes) for k in keys_for_seed(2, 10_000)]
    counts = np.array([owners.count(n) for n in nodes])
    assert counts.max() / counts.mean() < 1.08


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.5, 1.0])
def test_bounded_loads_never_exceed_the_capacity(eps):
    ring, keys = HashRing([f"n{i}" for i in range(8)], vnodes=5), keys_for_seed(3, 4000)
    a = bounded_load_assign(ring, keys, eps)
    assert a.capacity == math.ceil((1 + eps) * 4000 / 8)
    assert max(a.loads.values()) <= a.capacity and sum(a.loads.values()) == 4000


def test_keys_under_capacity_stay_with_their_ring_owner_and_overflow_goes_clockwise():
    ring, keys = HashRing([f"n{i}" for i in range(8)], vnodes=5), keys_for_seed(4, 4000)
    a = bounded_load_assign(ring, keys, 0.25)
    for k in keys:
        if a.owner[k] != ring.lookup(k):
            assert ring.lookup(k) in {n for n, load in a.loads.items() if load == a.capacity}


def test_bounded_load_table_tracks_eps():
    table = bounded_load_table((0.1, 0.5), keys=5000)
    assert table.loc[0.1, "max load / mean"] <= 1.1 + 1e-9
    assert table.loc[math.inf, "max load / mean"] > table.loc[0.1, "max load / mean"]


@pytest.mark.parametrize("call, words", [
    (lambda: jump_hash(1, 0), "bucket count"),
    (lambda: jump_hash(-1, 3), "unsigned 64-bit"),
    (lambda: bounded_load_assign(HashRing(["a"]), ["k"], -0.1), "eps must be >= 0"),
    (lambda: bounded_load_assign(HashRing(), ["k"], 0.1), "ring is empty"),
    (lambda: rendezvous_owner("k", []), "at least one node"),
])
def test_bad_input(call, words):
    with pytest.raises(ConfigError, match=words):
        call()
