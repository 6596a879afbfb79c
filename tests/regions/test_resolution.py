"""The stores a region resolves writes with: LWW's total order, the seed's rule, siblings, CRDTs."""

from __future__ import annotations

import itertools
import random

import pytest

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.regions.resolution import (CounterStore, LwwStore, ORSetStore, SiblingStore, Version, WriteInfo,
                                           lww_resolve, make_store, seed_resolve)

V = Version
REGIONS = ("eu-west-1", "us-east-1", "r9", "r10", "Z", "a")


@pytest.mark.parametrize("existing, incoming, kept", [
    # nothing stored: keep what arrives
    (None, V(3, "eu-west-1", "x"), "incoming"),
    # the larger timestamp wins, whichever region and value
    (V(3, "us-east-1", "old"), V(7, "eu-west-1", "new"), "incoming"),
    (V(9, "eu-west-1", "kept"), V(8, "us-east-1", "late"), "existing"),
    (V(9, "eu-west-1", "a"), V(10, "eu-west-1", "b"), "incoming"),
    # equal timestamps: the larger region name, as strings, whatever the values
    (V(5, "eu-west-1", "zebra"), V(5, "us-east-1", "apple"), "incoming"),
    (V(5, "us-east-1", 1), V(5.0, "eu-west-1", 99), "existing"),
    (V(4, "r10", "x"), V(4, "r9", "y"), "incoming"),
    (V(4, "a", "x"), V(4, "Z", "y"), "existing"),
    # the same version twice (a duplicate) is kept
    (V(4, "us-east-1", None), V(4, "us-east-1", None), "existing"),
])
def test_lww_resolve_keeps_the_larger_timestamp_then_the_larger_region(existing, incoming, kept):
    got = lww_resolve(existing, incoming)
    assert got is (incoming if kept == "incoming" else existing)


def _versions(rng: random.Random, n: int) -> list[Version]:
    out: dict[tuple, Version] = {}
    while len(out) < n:
        v = V(rng.randint(0, 2), rng.choice(REGIONS), rng.choice([1, "1", None, 0, "x"]))
        out.setdefault((v.timestamp, v.region), v)
    return list(out.values())


def test_lww_resolve_ends_on_one_version_in_every_delivery_order_with_duplicates():
    rng = random.Random(3)
    for _ in range(60):
        vs = _versions(rng, rng.randint(2, 4))
        ends = set()
        for order in itertools.permutations(vs + vs[:1]):
            kept = None
            for v in order:
                kept = lww_resolve(kept, v)
            ends.add(kept)
        assert ends == {max(vs, key=lambda v: (v.timestamp, v.region))}


def test_the_seed_rule_depends_on_arrival_order_when_timestamps_tie():
    a, b = V(1000, "eu-west-1", "x"), V(1000, "us-east-1", "y")
    assert seed_resolve(a, b) is a and seed_resolve(b, a) is b  # each side keeps its own
    assert lww_resolve(a, b) is lww_resolve(b, a) is b
    assert seed_resolve(V(1, "a", 1), V(2, "a", 2)).value == 2  # away from ties it is LWW


def _w(i: str, key: str, region: str, ts: float, vv: dict, value: object) -> WriteInfo:
    return WriteInfo(i, key, region, ts, VectorTimestamp(vv), value)


def test_an_lww_store_names_the_loser_and_the_winner_of_each_discard():
    store = LwwStore(("A", "B"))
    store.write(_w("A#1", "k", "A", 10, {"A": 1}, "a"))
    out = store.apply("k", (V(5, "B", "b"), "B#1"))
    assert out.discarded == (("B#1", "A#1"),) and store.read("k") == "a"
    assert store.apply("k", (V(5, "B", "b"), "B#1")).discarded == (("B#1", "A#1"),)  # again: same verdict


def test_an_lww_store_refuses_a_resolve_that_invents_a_third_version():
    store = LwwStore(("A", "B"), resolve=lambda e, i: V(0, "A", "made up"))
    with pytest.raises(ConfigError, match="must return one of the two versions"):
        store.write(_w("A#1", "k", "A", 10, {"A": 1}, "a"))


def test_concurrent_writes_become_siblings_and_a_later_write_replaces_what_it_saw():
    store = SiblingStore(("A", "B"))
    store.write(_w("A#1", "k", "A", 1, {"A": 1}, "a"))
    store.apply("k", SiblingStore(("A", "B")).write(_w("B#1", "k", "B", 1, {"B": 1}, "b"))[0])
    assert store.read("k") == ("a", "b")
    store.write(_w("A#2", "k", "A", 2, {"A": 2, "B": 1}, "c"))  # dominates both
    assert store.read("k") == ("c",)


@pytest.mark.parametrize("cls, expect", [(ORSetStore, frozenset({"A#1", "B#1"})), (CounterStore, 2)])
def test_crdt_stores_keep_every_concurrent_write(cls, expect):
    a, b = cls(("A", "B")), cls(("A", "B"))
    pa, _ = a.write(_w("A#1", "k", "A", 1, {"A": 1}, 5))
    pb, _ = b.write(_w("B#1", "k", "B", 1, {"B": 1}, 6))
    a.apply("k", pb)
    b.apply("k", pa)
    b.apply("k", pa)  # a duplicate changes nothing
    assert a.read("k") == b.read("k") == expect


@pytest.mark.parametrize("args, match", [
    (("quorum", ("A",)), "resolution must be one of"),
    (("siblings", ("A",), lww_resolve), "only applies to resolution 'lww'"),
])
def test_bad_store_arguments_are_clear_errors(args, match):
    with pytest.raises(ConfigError, match=match):
        make_store(*args)
