"""H01: modulo hashing moves n/(n+1) of the keys on a join; a ring moves about 1/(n+1), only to the new node."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning import HashRing, keys_for_seed, modulo_owners, remap_fraction, remap_table

KEYS = 20_000


# Tolerances: for modulo hashing the only noise is sampling, sd = sqrt(p(1-p)/KEYS) <= 0.0036, so
# 0.015 is > 4 sd. On a ring the moved share is the joining node's share of the circle, itself a
# sum of 160 random arcs: sd about (1/(n+1)) / sqrt(160) = 0.0072 for n = 10, so 0.03 is 4 sd.
@pytest.mark.parametrize("method, change, theory, tol", [
    ("modulo", "join", 10 / 11, 0.015),
    ("modulo", "leave", 9 / 10, 0.015),
    ("ring", "join", 1 / 11, 0.03),
    ("ring", "leave", 1 / 10, 0.03),
])
def test_moved_share_is_close_to_theory(method, change, theory, tol):
    assert remap_fraction(method, 10, change, keys=KEYS, seed=0) == pytest.approx(theory, abs=tol)


def test_a_ring_join_moves_keys_only_to_the_new_node():
    keys = keys_for_seed(7, KEYS)
    before = HashRing([f"node{i}" for i in range(10)]).lookup_many(keys)
    after = HashRing([f"node{i}" for i in range(11)]).lookup_many(keys)
    assert set(after[before != after]) == {"node10"}


def test_modulo_owner_is_md5_mod_n_and_the_table_has_all_four_rows():
    import hashlib
    keys = keys_for_seed(8, 500)
    assert list(modulo_owners(keys, 7)) == [int(hashlib.md5(k.encode()).hexdigest(), 16) % 7 for k in keys]
    table = remap_table(10, keys=5000)
    assert len(table) == 4 and (table["moved"] > 0).all()
    assert remap_fraction("ring", 10, keys=3000, seed=1) == remap_fraction("ring", 10, keys=3000, seed=1)


@pytest.mark.parametrize("call, words", [
    (lambda: modulo_owners(["a"], 0), "partition count"),
    (lambda: remap_fraction("modulo", 1, "leave"), "n must be an integer >= 2"),
    (lambda: remap_fraction("range", 10), "method must be"),
    (lambda: remap_fraction("ring", 10, "grow"), "change must be"),
])
def test_bad_input(call, words):
    with pytest.raises(ConfigError, match=words):
        call()


@pytest.mark.parametrize("seed", [0, 1, 7, 2**40 + 3])
def test_keys_for_seed_are_the_seeded_64_bit_draws_in_hex(seed):
    import random

    for count in (0, 1, 2, 3, 999):
        rng = random.Random(seed)
        assert keys_for_seed(seed, count) == [f"key-{rng.getrandbits(64):016x}" for _ in range(count)]
