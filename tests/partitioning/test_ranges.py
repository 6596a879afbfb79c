"""H05: range partitions tile the keyspace through splits and merges; hot keys and their remedies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import RangePartitioner, hot_key_table, zipf_ranks


@settings(derandomize=True, max_examples=80)
@given(st.lists(st.tuples(st.booleans(), st.text(max_size=4)), max_size=300))
def test_ranges_tile_the_keyspace_through_any_puts_and_deletes(ops):
    rp, stored = RangePartitioner(max_keys=8, min_keys=3), set()
    for put, key in ops:
        if put:
            rp.put(key)
            stored.add(key)
        elif key in stored:
            rp.delete(key)
            stored.discard(key)
        rp.check()
    assert sorted(k for r in rp.ranges for k in r.keys) == sorted(stored)
    assert all(len(r.keys) <= 8 for r in rp.ranges)


def test_a_full_range_splits_at_its_median_key():
    rp = RangePartitioner(max_keys=4, min_keys=1)
    for k in "abcde":
        rp.put(k)
    assert [(r.start, r.end, r.keys) for r in rp.ranges] == [("", "c", ["a", "b"]), ("c", None, ["c", "d", "e"])]
    assert rp.splits == 1


def test_adjacent_small_ranges_merge():
    rp = RangePartitioner(max_keys=4, min_keys=2)
    for k in "abcde":
        rp.put(k)
    for k in "cde":
        rp.delete(k)
    assert len(rp.ranges) == 1 and rp.ranges[0].keys == ["a", "b"] and rp.merges == 1
    rp.check()


def test_zipf_sampler_is_seeded_and_skewed():
    a = zipf_ranks(np.random.default_rng(1), 1000, 1.2, 20_000)
    assert (a == zipf_ranks(np.random.default_rng(1), 1000, 1.2, 20_000)).all()
    p1 = 1 / np.sum(1.0 / np.arange(1, 1001) ** 1.2)
    assert np.mean(a == 0) == pytest.approx(p1, abs=0.01)


def test_hot_key_remedies_each_help_their_own_workload_only():
    t = hot_key_table(seed=0, requests=20_000, salts=(8,), replicas=(3,))
    ideal = t.attrs["ideal_share"]
    for wf in (0.1, 0.9):
        assert t.loc[(wf, "none"), "hottest node share"] > 2.5 * ideal      # one node carries the hot key
    # write-heavy: salting spreads the writes; read replicas must apply every write on r nodes
    assert t.loc[(0.9, "salt x8"), "hottest node share"] < 0.7 * t.loc[(0.9, "none"), "hottest node share"]
    # read-heavy: reads spread over 3 replicas; salting makes every read fan in to 8 sub-keys
    assert t.loc[(0.1, "read replicas x3"), "hottest node share"] < 0.7 * t.loc[(0.1, "none"), "hottest node share"]
    assert t.loc[(0.1, "salt x8"), "node requests per request"] > 1.5


@pytest.mark.parametrize("call, words", [
    (lambda: RangePartitioner(max_keys=1), "max_keys must be"),
    (lambda: RangePartitioner(max_keys=4, min_keys=4), "min_keys must be"),
    (lambda: RangePartitioner().delete("zz"), "not stored"),
    (lambda: RangePartitioner().put(5), "range keys are strings"),
    (lambda: zipf_ranks(np.random.default_rng(0), 0, 1.0, 5), "items >= 1"),
])
def test_bad_input(call, words):
    with pytest.raises(ConfigError, match=words):
        call()
