"""M04 · The eventual, causal and sequential stores: each meets its model and misses the next one up."""

from __future__ import annotations

import pytest

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.storage.naive import naive_merge, naive_resolve
from dsworkbook.storage.stores import (EXPECTED, Sibling, Update, classify_store, converged, deliverable,
                                       merge_siblings, resolve_newest, resolve_union, store_sim, witness)

SEEDS = range(8)


def _s(value, t, writer, **vector):
    return Sibling(VectorTimestamp(vector), (t, writer), value)


# -- the eventual store's pieces ------------------------------------------------------------------------------


def test_merge_drops_versions_that_happened_before_another_and_keeps_concurrent_ones():
    a1, a2, b1 = _s("a1", 1, "n1", n1=1), _s("a2", 2, "n1", n1=2), _s("b1", 3, "n2", n2=1)
    assert merge_siblings([a1], [a2]) == (a2,)
    assert set(merge_siblings([a2], [b1])) == {a2, b1}
    assert merge_siblings([a2, b1], [b1, a2]) == merge_siblings([b1], [a2])  # one normal form
    both = _s("ab", 0, "n2", n1=2, n2=2)  # saw both, even with an older wall clock
    assert merge_siblings([a2, b1], [both]) == (both,)


def test_the_seeds_merge_keeps_overwritten_versions_and_their_resolver_compares_unrelated_counters():
    a1, a2 = _s("a1", 1, "n1", n1=1), _s("a2", 2, "n1", n1=2)
    assert set(naive_merge([a1], [a2])) == {a1, a2}
    old_on_busy = _s("old", 1, "n1", n1=9)
    new_on_quiet = _s("new", 5, "n2", n1=9, n2=1)  # written after seeing "old"
    assert naive_resolve([old_on_busy, new_on_quiet]) == "old"
    assert merge_siblings([old_on_busy], [new_on_quiet]) == (new_on_quiet,)


def test_resolvers_pick_deterministically():
    x, y = _s({"milk"}, 4, "n1", n1=1), _s({"eggs"}, 4, "n2", n2=1)
    assert resolve_newest([x, y]) == {"eggs"} and resolve_newest([]) is None
    assert resolve_union([x, y]) == frozenset({"milk", "eggs"})


@pytest.mark.parametrize("store", ["eventual", "causal", "sequential"])
def test_every_store_converges_after_a_partition_heals(store):
    for seed in range(3):
        sim = store_sim(store, seed, partition=(20, 300))
        assert converged(sim), (store, seed)
        assert sim.history.counts()["ok"] > 0


# -- the causal store's delivery rule -------------------------------------------------------------------------


def test_an_update_waits_until_it_is_the_next_from_its_origin_and_its_dependencies_are_applied():
    applied = VectorTimestamp({"n1": 1})
    assert deliverable(Update("n1", VectorTimestamp({"n1": 2}), 2, "x", 1), applied)
    assert not deliverable(Update("n1", VectorTimestamp({"n1": 3}), 3, "x", 1), applied)  # a gap
    assert not deliverable(Update("n2", VectorTimestamp({"n1": 2, "n2": 1}), 3, "x", 1), applied)  # a missing cause
    assert deliverable(Update("n2", VectorTimestamp({"n1": 1, "n2": 1}), 3, "x", 1), applied)


def test_a_causal_replica_never_applies_an_update_before_its_dependencies():
    for seed in range(4):
        sim = store_sim("causal", seed, local=(1, 30), wan=(1, 80))
        for node in ("n1", "n2", "n3"):
            seen = {}
            for u in sim.node(node).log:
                assert all(seen.get(k, 0) >= c for k, c in u.deps.items() if k != u.origin), (seed, node)
                assert seen.get(u.origin, 0) + 1 == u.seq
                seen[u.origin] = u.seq


def test_the_sequential_store_applies_one_order_everywhere():
    sim = store_sim("sequential", 2, partition=(20, 200))
    order = sim.node("n1").order
    assert [o.seq for o in order] == list(range(1, len(order) + 1))
    assert all(sim.node(r).next_seq == len(order) + 1 for r in ("n1", "n2", "n3"))


# -- each store against the classifier: always its promise, sometimes not the next one ------------------------


@pytest.mark.parametrize("store", ["eventual", "causal", "sequential"])
def test_always_the_promised_model_and_sometimes_not_the_next_stronger_one(store):
    promised, stronger = EXPECTED[store]
    broken = 0
    for seed in SEEDS:
        _, c = classify_store(store, seed)
        assert c[promised].ok, (store, seed, c[promised].reason)
        broken += c[stronger].ok is False
    assert broken >= 1
    seed, _, c = witness(store, SEEDS)
    assert c[promised].ok and c[stronger].ok is False


def test_store_names_are_checked():
    with pytest.raises(ConfigError, match="store must be one of"):
        store_sim("strong", 1)


# -- session tokens: read-your-writes and monotonic reads when clients go to any replica --------------------


def _sessions_ok(sim):
    from dsworkbook.checkers import check_monotonic_reads, check_read_your_writes, from_sim_history

    h = from_sim_history(sim.history)
    return check_read_your_writes(h, "kv").ok, check_monotonic_reads(h, "kv").ok


@pytest.mark.parametrize("schedule", ["none", "one replica cut off", "two partitions"])
def test_a_vector_token_keeps_the_session_guarantees_on_any_replica_and_refuses_only_when_it_must(schedule):
    from dsworkbook.storage.stores import SessionClient, VectorSession, session_run

    for seed in range(4):
        sim = session_run(seed, VectorSession(), partitions=schedule)
        assert _sessions_ok(sim) == (True, True), (schedule, seed)
        assert all(not sim.node(n).needless for n in sim.node_ids if isinstance(sim.node(n), SessionClient))
        assert sim.history.counts()["ok"] >= 0.8 * len(sim.history)


def test_without_a_token_a_client_routed_to_another_replica_misses_its_own_write():
    from dsworkbook.storage.stores import session_run

    class NoRule:
        def start(self):
            return None

        def admit(self, token, op, replica, vector):
            return True

        def advance(self, token, op, replica, vector):
            return None

    assert any(_sessions_ok(session_run(seed, NoRule()))[0] is False for seed in range(3))


def test_a_session_pinned_to_one_replica_turns_away_replicas_that_could_serve_it():
    from dsworkbook.storage.stores import SessionClient, session_run

    class Pinned:
        def start(self):
            return None

        def admit(self, token, op, replica, vector):
            return token is None or token == replica

        def advance(self, token, op, replica, vector):
            return token or replica

    sim = session_run(1, Pinned(), partitions="one replica cut off")
    assert any(sim.node(n).needless for n in sim.node_ids if isinstance(sim.node(n), SessionClient))


def test_a_session_rule_must_answer_admit_with_a_bool():
    from dsworkbook.errors import NodeError
    from dsworkbook.storage.stores import VectorSession, session_run

    class Vague(VectorSession):
        def admit(self, token, op, replica, vector):
            return token.compare(vector)  # an Order, not a bool

    with pytest.raises(NodeError, match="must return True or False"):
        session_run(0, Vague())
