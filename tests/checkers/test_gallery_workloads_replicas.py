"""The gallery's claims, the generators' guarantees, and the gossip store's two resolvers."""

from __future__ import annotations

import pytest

from dsworkbook.checkers import check_linearizable, check_read_your_writes, classify, from_sim_history
from dsworkbook.checkers.gallery import EXPECTED, GALLERY, history, model_of
from dsworkbook.checkers.replicas import Version, causal_resolve, dominates, gossip_run, naive_resolve
from dsworkbook.checkers.workloads import random_history
from dsworkbook.errors import ConfigError


@pytest.mark.parametrize("name", sorted(GALLERY))
def test_each_gallery_history_satisfies_exactly_the_model_it_claims(name):
    assert classify(history(name), model_of(GALLERY[name])).strongest == EXPECTED[name]


def test_an_unknown_gallery_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="stale read"):
        history("nope")


# -- generated histories ------------------------------------------------------------------------------

def test_generated_histories_are_reproducible_and_keep_one_operation_per_process_at_a_time():
    a, b = random_history(9, ops=200, clients=4, unknown=0.1), random_history(9, ops=200, clients=4, unknown=0.1)
    assert a == b and a != random_history(10, ops=200, clients=4, unknown=0.1)
    last_end: dict = {}
    for op in a:
        assert op.invoke_time >= last_end.get(op.process, float("-inf"))
        last_end[op.process] = op.complete_time
    assert a.counts()["unknown"] > 0


def test_injected_stale_reads_are_violations_and_impossible_requests_are_refused():
    assert check_linearizable(random_history(5, ops=500, clients=5, stale_reads=3)).ok is False
    with pytest.raises(ConfigError, match="could inject only"):
        random_history(5, ops=3, clients=1, stale_reads=2)
    with pytest.raises(ConfigError, match="model must be one of"):
        random_history(1, model="queue")
    with pytest.raises(ConfigError, match="several keys"):
        random_history(1, keys=3)


# -- the gossip store -----------------------------------------------------------------------------------

def test_dominance_is_the_vector_clock_order():
    old = Version("a", (("r1", 1),), "r1")
    new = Version("b", (("r1", 1), ("r2", 1)), "r2")
    other = Version("c", (("r3", 1),), "r3")
    assert dominates(new, old) and not dominates(old, new)
    assert not dominates(other, old) and not dominates(old, old)


def test_the_naive_resolver_picks_an_older_version_and_the_causal_one_does_not():
    old = Version("old", (("r1", 5),), "r1")           # five writes at a busy replica
    new = Version("new", (("r1", 5), ("r2", 1)), "r2")  # one write at a quiet replica that had seen them
    assert naive_resolve([old, new]) is old
    assert causal_resolve([old, new]) is new and causal_resolve([new, old]) is new


def test_a_store_run_is_a_pure_function_of_its_seed():
    a, b = gossip_run(3), gossip_run(3)
    assert a.trace.digest() == b.trace.digest() and len(a.history) > 50


def test_the_naive_resolver_loses_a_session_write_where_the_causal_one_keeps_it():
    naive = from_sim_history(gossip_run(1, resolve=naive_resolve).history)
    fixed = from_sim_history(gossip_run(1, resolve=causal_resolve).history)
    assert check_read_your_writes(naive, "kv").ok is False
    assert check_read_your_writes(fixed, "kv").ok is True


def test_gossip_run_refuses_a_resolver_that_is_not_a_function():
    with pytest.raises(ConfigError, match="resolve must be a function"):
        gossip_run(1, resolve="lww")


def test_a_zero_entry_is_the_same_as_a_missing_one():
    a = Version("a", (("r1", 2), ("r2", 0)), "r1")
    b = Version("b", (("r1", 2),), "r1")
    c = Version("c", (("r2", 1), ("r1", 2)), "r2")  # entries in another order
    assert not dominates(a, b) and not dominates(b, a)
    assert dominates(c, a) and dominates(c, b) and not dominates(a, c)
