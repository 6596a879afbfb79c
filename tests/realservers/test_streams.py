"""Crash between effect and XACK on a real Redis stream (redis.io, "Redis Streams", consumer groups).

Consumer c1 runs in a child process and is killed with SIGKILL at the seed's crash point; c2 takes
its pending entries over with XAUTOCLAIM and finishes the stream.
"""

from __future__ import annotations

import time

import psutil
import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.stream_consumer import MODES, StreamKeys
from dsworkbook.realservers.streams import (claim_stale, crash_consumer, crash_point, delivery_table,
                                            pending_by_consumer, recover, stream_delivery_experiment)

MIN_IDLE_MS = 150


def no_consumer_left() -> bool:
    return not any("stream_consumer" in " ".join(p.cmdline()) for p in psutil.Process().children(recursive=True)
                   if p.status() != psutil.STATUS_ZOMBIE)


# -- the crash point comes from the seed ----------------------------------------------------------

def test_the_crash_point_is_a_function_of_the_seed_and_lands_inside_a_batch():
    points = [crash_point(seed, 11, 5) for seed in range(200)]
    assert points == [crash_point(seed, 11, 5) for seed in range(200)]
    assert all(b in (0, 1) and 1 <= j <= 4 for b, j in points)     # never in the last batch of one
    assert len(set(points)) == 8                                    # every (batch, j) that is allowed occurs


# -- at-least-once: effect, then XACK; a crash before the XACK duplicates --------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_at_least_once_duplicates_the_effects_applied_before_the_kill_and_loses_nothing(redis1, seed):
    r = stream_delivery_experiment(redis1, "at-least-once", seed=seed, min_idle_ms=MIN_IDLE_MS)
    assert (r.crash_batch, r.crash_after) == crash_point(seed, 20, 5)
    assert r.duplicated == r.crash_after > 0 and r.lost == 0
    first = 5 * r.crash_batch
    assert r.duplicated_ids == tuple(f"m{i:04d}" for i in range(first, first + r.crash_after))
    assert r.effects_before_kill == first + r.crash_after
    assert r.pending_dead_consumer == r.claimed == 5               # the whole unacknowledged batch
    assert r.max_deliveries == 2                                   # XAUTOCLAIM counted a second delivery
    assert r.applied == r.messages == 20 and r.pending_after == 0
    assert no_consumer_left()


# -- at-most-once: XACK, then effect; a crash after the XACK loses ---------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_at_most_once_loses_the_rest_of_the_batch_and_duplicates_nothing(redis1, seed):
    r = stream_delivery_experiment(redis1, "at-most-once", seed=seed, min_idle_ms=MIN_IDLE_MS)
    assert r.lost == 5 - r.crash_after > 0 and r.duplicated == 0
    first = 5 * r.crash_batch
    assert r.lost_ids == tuple(f"m{i:04d}" for i in range(first + r.crash_after, first + 5))
    assert r.pending_before == 0 and r.claimed == 0                # acknowledged, so nobody redelivers
    assert r.applied == 20 - r.lost
    assert no_consumer_left()


# -- effectively-once: idempotent consumer, mark and effect in one Lua script -----------------------

def test_effectively_once_neither_loses_nor_duplicates_although_the_batch_is_redelivered(redis1):
    r = stream_delivery_experiment(redis1, "effectively-once", seed=0, min_idle_ms=MIN_IDLE_MS)
    assert r.claimed == 5 and r.max_deliveries == 2                # the redelivery did happen...
    assert r.lost == 0 and r.duplicated == 0                       # ...and did no harm
    assert r.applied == r.effects == 20 and r.pending_after == 0


def test_a_dedup_mark_written_apart_from_its_effect_loses_a_message(redis1):
    # the broken variant: SADD and RPUSH as two commands; the crash falls between them
    r = stream_delivery_experiment(redis1, "dedup-mark-first", seed=0, min_idle_ms=MIN_IDLE_MS)
    first = 5 * r.crash_batch
    assert r.lost == 1 and r.lost_ids == (f"m{first + r.crash_after:04d}",)
    assert r.duplicated == 0 and r.claimed == 5


# -- XPENDING and XAUTOCLAIM's min-idle-time --------------------------------------------------------

def test_the_dead_consumers_entries_stay_pending_until_claimed_and_young_ones_are_not_claimed(redis1):
    crash = crash_consumer(redis1, "at-least-once", seed=3)
    client = redis1.client()
    assert crash.killed_returncode == -9
    assert pending_by_consumer(client, crash.keys) == {"c1": 5} == crash.pending_before
    # idle for milliseconds only: a 60 s min-idle-time claims nothing, the entries stay c1's
    assert claim_stale(client, crash.keys, "c2", 60_000) == []
    assert pending_by_consumer(client, crash.keys) == {"c1": 5}
    keys = crash.keys
    idle_before = min(p["time_since_delivered"] for p in client.xpending_range(keys.stream, keys.group, "-", "+", 20))
    asked = time.monotonic()
    r = recover(redis1, crash, min_idle_ms=MIN_IDLE_MS)
    since = (time.monotonic() - asked) * 1000.0
    # claimed only once idle for the min-idle-time: idle since c1's delivery, then until c2's claim
    # (Redis counts idle time in whole ms; 5 ms cover that and the calls around XPENDING)
    assert r.claimed == 5 and r.waited_ms <= since and idle_before + since >= MIN_IDLE_MS - 5
    assert pending_by_consumer(client, crash.keys) == {} and r.pending_after == 0
    assert no_consumer_left()


# -- the table of the three modes ---------------------------------------------------------------

@pytest.mark.slow
def test_the_table_shows_loss_only_at_most_once_and_duplicates_only_at_least_once(redis1):
    table = delivery_table(redis1, seed=7, min_idle_ms=MIN_IDLE_MS)
    assert list(table.index) == list(MODES)
    assert set(table["crash_after"]) == {crash_point(7, 20, 5)[1]}   # one crash point for all rows
    assert table.loc["at-most-once", "lost"] > 0 == table.loc["at-most-once", "duplicated"]
    assert table.loc["at-least-once", "duplicated"] > 0 == table.loc["at-least-once", "lost"]
    assert table.loc["effectively-once", ["lost", "duplicated"]].tolist() == [0, 0]
    assert (table["pending_after"] == 0).all()


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    # batch sizes: a crash inside a batch needs two messages in it
    (dict(batch_size=-1), "batch_size"), (dict(batch_size=0), "batch_size"), (dict(batch_size=1), "batch_size"),
    (dict(batch_size=2.5), "batch_size"),
    # min-idle-time is a duration
    (dict(min_idle_ms=-1), "min_idle_ms"), (dict(min_idle_ms=0.5), "min_idle_ms"),
    # modes and sizes
    (dict(mode="exactly-once"), "unknown delivery mode"), (dict(messages=1), "messages"),
    (dict(seed="7"), "seed"),
])
def test_bad_input_is_refused_before_anything_starts(kwargs, match):
    args = dict(mode="at-least-once", seed=0, messages=20, batch_size=5, min_idle_ms=150) | kwargs
    mode = args.pop("mode")
    with pytest.raises(ConfigError, match=match):
        stream_delivery_experiment(None, mode, **args)             # type: ignore[arg-type]


def test_claim_stale_refuses_a_negative_min_idle_time():
    with pytest.raises(ConfigError, match="min_idle_ms"):
        claim_stale(None, StreamKeys.under("x"), "c2", -5)
