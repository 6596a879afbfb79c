"""Version vectors and siblings, pruned clocks: laws, the replicated store, the measured mistakes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsworkbook.clocks import (Entry, NaivePrunedClock, PrunedClock, Sibling, VectorTimestamp, context_of,
                               naive_prune, prune, pruning_experiment, reconcile, siblings_experiment)
from dsworkbook.errors import ConfigError

siblings = st.lists(st.builds(lambda v, x: Sibling(VectorTimestamp(v), x),
                              st.dictionaries(st.sampled_from(["R1", "R2", "R3"]), st.integers(0, 2)),
                              st.sampled_from("xyz")), max_size=5)


def _set(sibs):
    return {(s.version, s.value) for s in sibs}


@given(siblings, siblings)
def test_reconcile_keeps_exactly_the_maximal_versions_once(a, b):
    out = reconcile(a, b)
    everything = a + b
    assert len({s.version for s in out}) == len(out)                        # each version once
    assert not any(s.version < t.version for s in out for t in out)         # an antichain
    assert {s.version for s in out} == {s.version for s in everything
                                        if not any(s.version < t.version for t in everything)}


@given(siblings, siblings)
def test_reconcile_is_idempotent_and_order_free_on_versions(a, b):
    once = reconcile(a, b)
    assert _set(reconcile(once, once)) == _set(once)
    assert {s.version for s in reconcile(b, a)} == {s.version for s in once}


def test_a_client_context_is_the_merge_of_what_it_read():
    sibs = [Sibling({"R1": 2}, "x"), Sibling({"R2": 1}, "y")]
    assert context_of(sibs) == VectorTimestamp({"R1": 2, "R2": 1})


@pytest.mark.parametrize("seed", range(6))
def test_with_client_actors_the_store_converges_and_loses_nothing(seed):
    r = siblings_experiment(seed, mode="client")
    assert r.converged and r.lost == [] and len(r.acked) == 32
    assert r.max_siblings >= 2  # sometimes: concurrent writes did become siblings


def test_with_replica_actors_one_coordinator_drops_concurrent_writes():
    runs = [siblings_experiment(seed, mode="replica") for seed in range(6)]
    assert all(r.converged for r in runs)
    assert sum(len(r.lost) for r in runs) > 0  # the documented weakness of per-server version vectors


def test_the_store_refuses_an_unknown_mode():
    with pytest.raises(ConfigError, match="mode"):
        siblings_experiment(1, mode="server")


# -- pruning ------------------------------------------------------------------------------------------


def test_dynamo_pruning_drops_the_least_recently_updated_entries():
    entries = {"hot": Entry(480, 10.0), "quiet": Entry(3, 990.0), "me": Entry(12, 1000.0)}
    assert prune(entries, 2) == {"me": Entry(12, 1000.0), "quiet": Entry(3, 990.0)}
    assert prune(entries, 3) == entries
    assert naive_prune(entries, 2, owner="me") == {"hot": Entry(480, 10.0), "me": Entry(12, 1000.0)}
    with pytest.raises(ConfigError, match="limit"):
        prune(entries, 0)


def test_a_pruned_clock_keeps_its_limit_but_the_naive_one_may_not():
    c, n = PrunedClock("a", 2), NaivePrunedClock("a", 2)
    for clock in (c, n):
        clock.receive({"b": Entry(1, 1.0), "c": Entry(1, 2.0), "d": Entry(2, 3.0)}, 4.0)
    assert len(c.entries) == 2 and set(c.entries) == {"a", "d"}
    assert len(n.entries) > 2  # all counters are close: nothing dropped


def test_pruning_causes_false_conflicts_that_grow_as_the_limit_shrinks_and_never_false_orders():
    rows = pruning_experiment(1, limits=(10, 6, 4, 2))
    wrong = [r["wrong"] for r in rows]
    assert wrong[0] == 0 and wrong == sorted(wrong) and wrong[-1] > 0
    assert all(r["false order"] == 0 and r["other"] == 0 for r in rows)
    assert all(r["max entries"] <= r["limit"] for r in rows)


def test_a_merge_rule_that_keeps_copies_stops_the_store_with_what_grew():
    from dsworkbook.errors import NodeError

    def doubling(stored, incoming):
        return list(stored) + list(incoming) + list(incoming)

    with pytest.raises(NodeError, match=r"returned 2 siblings from inputs of 0 and 1"):
        siblings_experiment(1, merge=doubling)
