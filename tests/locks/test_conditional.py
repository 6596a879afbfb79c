"""L05: the conditional-write lease lock (DynamoDB style), rule by rule."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.locks.conditional import (
    LEASE_VARIANTS, All, AttributeNotExists, ConditionalStore, DeleteItem, GetItem, ItemReply, LeaseLockClient,
    LeaseLost, LockItem, LockManager, LockNotAcquired, OwnerIs, PutItem, VersionIn, backoff_delay, fuzz_lease,
    holds, lease_invariant, renewal_under_pause, run_lease)
from dsworkbook.sim import FaultSchedule, Pause, Simulation

ITEM = LockItem("k", "a", "a:1", 1000.0)


def _store() -> ConditionalStore:
    store = ConditionalStore("store")
    store.on_start()
    return store


def _ask(store: ConditionalStore, msg: object) -> ItemReply:
    store.on_message("c", msg)
    replies = [e.msg for e in store.take_effects() if type(e).__name__ == "Send"]
    assert len(replies) == 1
    return replies[0]


# -- the store: a write applies only when its condition holds ----------------------------------------------

@pytest.mark.parametrize("condition, item, expected", [
    (None, None, True), (None, ITEM, True),                      # no condition: always
    (AttributeNotExists(), None, True), (AttributeNotExists(), ITEM, False),
    (VersionIn(frozenset({"a:1"})), ITEM, True), (VersionIn(frozenset({"a:2"})), ITEM, False),
    (VersionIn(frozenset({"a:1"})), None, False),                # a version condition needs an item
    (OwnerIs("a"), ITEM, True), (OwnerIs("b"), ITEM, False),
    (All((OwnerIs("a"), VersionIn(frozenset({"a:1"})))), ITEM, True),
    (All((OwnerIs("a"), VersionIn(frozenset({"x"})))), ITEM, False),
])
def test_a_condition_holds_exactly_when_the_item_matches(condition, item, expected):
    assert holds(condition, item) is expected


def test_put_if_absent_succeeds_once_and_the_second_sees_the_first_item():
    store = _store()
    assert _ask(store, PutItem(1, ITEM, AttributeNotExists())) == ItemReply(1, True, ITEM)
    other = LockItem("k", "b", "b:1", 1000.0)
    assert _ask(store, PutItem(2, other, AttributeNotExists())) == ItemReply(2, False, ITEM)
    assert _ask(store, GetItem(3, "k")).item == ITEM


def test_a_put_on_a_stale_version_fails_and_changes_nothing():
    store = _store()
    _ask(store, PutItem(1, ITEM, None))
    newer = LockItem("k", "a", "a:2", 1000.0)
    assert _ask(store, PutItem(2, newer, VersionIn(frozenset({"a:1"})))).ok
    stale = LockItem("k", "b", "b:1", 1000.0)
    assert _ask(store, PutItem(3, stale, VersionIn(frozenset({"a:1"})))) == ItemReply(3, False, newer)


def test_a_delete_by_a_non_owner_is_refused_and_deletes_nothing():
    store = _store()
    _ask(store, PutItem(1, ITEM, None))
    assert _ask(store, DeleteItem(2, "k", OwnerIs("b"))) == ItemReply(2, False, ITEM)
    assert _ask(store, DeleteItem(3, "k", OwnerIs("a"))).ok
    assert _ask(store, GetItem(4, "k")).item is None


def test_items_are_durable_across_a_store_crash():
    sim = Simulation(1)
    sim.add_node("store", ConditionalStore)
    sim.add_node("c", LeaseLockClient, store="store", lease_ms=500.0, cycles=1, hold_ms=2000.0)
    sim.run(until=100)
    sim.crash("store")
    sim.restart("store")
    sim.run(until=150)
    assert sim.node("store").items["lock"].owner == "c"


# -- bad input ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"lease_ms": 0}, "lease_ms"), ({"lease_ms": -5}, "lease_ms"), ({"lease_ms": float("inf")}, "lease_ms"),
    ({"renew_fraction": 0}, "renew_fraction"), ({"renew_fraction": 1}, "renew_fraction"),
    ({"renew_fraction": 1.5}, "renew_fraction"), ({"variant": "nope"}, "variant"),
    ({"backoff_base_ms": 0}, "backoff_base_ms"),
])
def test_bad_lease_settings_raise_a_config_error(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        LeaseLockClient("c", store="store", **kwargs)
    if "variant" not in kwargs and "backoff_base_ms" not in kwargs:
        with pytest.raises(ConfigError, match=words):
            LockManager(**kwargs)


def test_an_unknown_condition_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown condition"):
        holds("owner == a", ITEM)  # type: ignore[arg-type]


def test_a_lock_key_must_be_a_non_empty_string():
    with pytest.raises(ConfigError, match="key"):
        LockManager(seed=1).client("")


# -- the client: acquire, heartbeat, takeover, release -------------------------------------------------------

def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter():
    import random

    rng = random.Random(3)
    draws = [[backoff_delay(rng, k, 10.0, 200.0) for _ in range(300)] for k in range(8)]
    assert all(0 <= d <= min(200.0, 10.0 * 2 ** k) for k, ds in enumerate(draws) for d in ds)
    assert max(draws[0]) < 10.0 < max(draws[3]) and max(draws[7]) > 150.0  # grows, then capped


def test_the_context_manager_acquires_heartbeats_past_the_lease_and_releases():
    manager = LockManager(seed=4, lease_ms=300.0)
    with manager.lock("k") as lease:
        assert lease.valid() and lease.owner == "app-k"
        lease.work(1000.0)  # more than three leases: only heartbeats keep it
        assert lease.valid()
    assert "k" not in manager.sim.node("store").items
    assert lease.client.outcome == "released"


def test_a_second_owner_waits_then_gives_up_while_the_first_keeps_renewing():
    sim = Simulation(5)
    first = LockManager(sim, owner="a", lease_ms=200.0)
    second = LockManager(sim, owner="b", lease_ms=200.0, acquire_timeout_ms=600.0)
    lease = first.acquire("k")
    with pytest.raises(LockNotAcquired, match="b-k"):
        second.acquire("k")
    assert lease.valid()
    attempts = [r.detail["attempts"] for r in sim.trace.notes("b-k", key="acquire")]
    assert attempts and attempts[0] >= 3  # it retried with backoff before giving up


def test_an_abandoned_lock_is_taken_over_only_after_its_rvn_was_unchanged_for_a_full_lease():
    sim = Simulation(6)
    first = LockManager(sim, owner="a", lease_ms=300.0)
    second = LockManager(sim, owner="b", lease_ms=300.0)
    first.acquire("k")
    sim.crash("a-k")  # the holder dies without releasing
    crashed_at = sim.now
    lease = second.acquire("k")
    assert lease.valid()
    assert sim.now - crashed_at >= 300.0
    assert sim.node("store").items["k"].owner == "b-k"


def test_a_release_after_the_lease_was_taken_over_is_refused_and_the_block_raises_lease_lost():
    sim = Simulation(7)
    a = LockManager(sim, owner="a", lease_ms=300.0)
    b = LockManager(sim, owner="b", lease_ms=300.0)
    with pytest.raises(LeaseLost, match="ended inside the block"):
        with a.lock("k") as lease:
            sim.pause("a-k", 800.0)     # a stop-the-world pause longer than the lease
            b.request_acquire("k")
            lease.work(900.0)
    assert sim.node("store").items["k"].owner == "b-k"  # a's release deleted nothing


def test_too_late_renewal_under_a_pause_loses_the_lease_and_early_renewal_keeps_it():
    kept = renewal_under_pause(1 / 3, 400.0)
    late = renewal_under_pause(0.8, 400.0)
    assert kept.holder_kept and kept.overlap is None
    assert not late.holder_kept and late.overlap is None
    assert late.holder_outcome in ("expired",) or late.holder_outcome.startswith("taken over")


def test_same_seed_same_trace():
    sched = FaultSchedule([Pause(500.0, "c1", 400.0)])
    assert run_lease(11, sched).trace.digest() == run_lease(11, sched).trace.digest()
    assert run_lease(11, sched).trace.digest() != run_lease(12, sched).trace.digest()


# -- the campaign: always no overlapping claims; each broken variant is caught ---------------------------------

def test_the_correct_lease_never_has_overlapping_claims_under_random_faults():
    report = fuzz_lease(range(150))
    assert len(report.violations) == 0, report.first and report.first.describe()
    assert report.progress == report.seeds  # sometimes: two owners did hold it


@pytest.mark.parametrize("variant", [v for v in LEASE_VARIANTS if v != "correct"])
def test_each_broken_variant_is_caught_and_shrinks_to_at_most_ten_faults(variant):
    report = fuzz_lease(range(60), variant=variant)
    assert report.violations, report.line(variant)
    first = report.first
    assert first is not None and first.shrunk is not None and len(first.shrunk.schedule) <= 10
    # the shrunk schedule replays the violation
    assert lease_invariant(run_lease(first.seed, first.shrunk.schedule, variant=variant)) is not None
