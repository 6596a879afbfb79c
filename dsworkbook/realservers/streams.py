"""Crash between effect and acknowledgement on Redis Streams: lost, duplicated, or neither (Q12, Q13).

A producer appends ``messages`` entries to a stream with ``XADD``, each carrying its own message id
in the payload (field ``msg_id``); ``XGROUP CREATE ... 0`` makes a consumer group that starts at the
beginning of the stream (redis.io, commands XADD and XGROUP CREATE). Consumer ``c1``, a real child
process, reads batches with ``XREADGROUP`` and applies one effect per message (see
:mod:`~dsworkbook.realservers.stream_consumer` for the three disciplines). At a crash point drawn
from the seed - batch ``b``, after ``j`` of its effects - it freezes itself and is killed with
SIGKILL: no XACK for that batch ever comes from it.

What remains is what Redis keeps for a consumer that "fails forever": its delivered but
unacknowledged entries stay in the group's pending entries list, visible with ``XPENDING``
(redis.io, "Redis Streams", "Recovering from permanent failures"; command XPENDING). Consumer
``c2`` takes them over with ``XAUTOCLAIM``, which transfers entries pending for more than
``min-idle-time`` milliseconds and skips younger ones (redis.io, command XAUTOCLAIM; "Redis
Streams", "Automatic claiming"). Each claim increments the entry's delivery counter ("Claiming and
the delivery counter"). The min-idle-time plays the part of a visibility timeout (Amazon SQS
Developer Guide, "Amazon SQS visibility timeout"): too short and a slow but living consumer's work
is handed to a second one; too long and a dead consumer's work waits.

``c2`` re-applies the claimed entries under the same discipline, ACKs them, and reads the rest of
the stream. The effects list then tells the outcome: a message whose id never appears was lost, an
id that appears twice was duplicated. Measured on redis-server 7.0.15 (tests/realservers):

* at-most-once: the kill lands after the XACK; the rest of the batch is lost, nothing is pending;
* at-least-once: the batch stays pending; the ``j`` effects applied before the kill are applied
  again: ``j`` duplicates, nothing lost;
* effectively-once: the same redelivery, but the idempotent consumer skips the ids it has seen:
  0 lost, 0 duplicated.

Determinism: the crash point is a function of the seed (:func:`crash_point`) and the child stops
itself there (SIGSTOP) before the parent kills it, so the same seed gives the same counts.
"""

from __future__ import annotations

import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.child import ChildProcess
from dsworkbook.realservers.servers import RedisServer
from dsworkbook.realservers.stream_consumer import ALL_MODES, MODES, Entry, StreamConsumer, StreamKeys

if TYPE_CHECKING:
    import pandas as pd
    import redis

__all__ = ["StreamCrash", "StreamRunResult", "crash_point", "produce", "crash_consumer", "claim_stale",
           "pending_by_consumer", "recover", "stream_delivery_experiment", "delivery_table"]

DEAD, RESCUER = "c1", "c2"


def _check(messages: int, batch_size: int, min_idle_ms: int, mode: str, seed: int) -> None:
    def whole(name: str, value: object, low: int, why: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{name} must be a whole number >= {low}, got {value!r}: {why}")

    whole("messages", messages, 2, "the crash lands inside a batch of at least two messages")
    whole("batch_size", batch_size, 2, "the crash lands after one effect of a batch and before its last")
    whole("min_idle_ms", min_idle_ms, 0, "XAUTOCLAIM's min-idle-time is a duration in milliseconds")
    if mode not in ALL_MODES:
        raise ConfigError(f"unknown delivery mode {mode!r}; choose one of {list(ALL_MODES)}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(f"seed must be an int, got {seed!r}")


def _batches(messages: int, batch_size: int) -> list[int]:
    """Batch sizes as XREADGROUP COUNT hands them out when all messages are already in the stream."""
    full, rest = divmod(messages, batch_size)
    return [batch_size] * full + ([rest] if rest else [])


def crash_point(seed: int, messages: int, batch_size: int) -> tuple[int, int]:
    """``(b, j)``: the consumer dies in batch ``b`` after ``j`` effects, ``1 <= j < len(batch b)``."""
    _check(messages, batch_size, 0, MODES[0], seed)
    sizes = _batches(messages, batch_size)
    rng = random.Random(seed)
    b = rng.choice([i for i, n in enumerate(sizes) if n >= 2])
    return b, rng.randint(1, sizes[b] - 1)


def produce(client: redis.Redis, keys: StreamKeys, messages: int) -> list[str]:
    """XADD ``messages`` entries (``msg_id`` m0000, m0001, ...) and create the group at id 0."""
    ids = [client.xadd(keys.stream, {"msg_id": f"m{i:04d}", "amount": str(10 + i)}) for i in range(messages)]
    client.xgroup_create(keys.stream, keys.group, id="0")
    return ids


def pending_by_consumer(client: redis.Redis, keys: StreamKeys) -> dict[str, int]:
    """XPENDING's summary form: how many entries each consumer holds unacknowledged."""
    summary = client.xpending(keys.stream, keys.group)
    return {c["name"]: int(c["pending"]) for c in summary["consumers"]}


def claim_stale(client: redis.Redis, keys: StreamKeys, consumer: str, min_idle_ms: int) -> list[Entry]:
    """One full XAUTOCLAIM scan of the PEL (following its cursor): the entries ``consumer`` took over."""
    if not isinstance(min_idle_ms, int) or min_idle_ms < 0:
        raise ConfigError(f"min_idle_ms must be a whole number >= 0, got {min_idle_ms!r}")
    claimed: list[Entry] = []
    cursor = "0-0"
    while True:
        cursor, entries, *_deleted = client.xautoclaim(keys.stream, keys.group, consumer, min_idle_ms,
                                                       start_id=cursor, count=100)
        claimed += [Entry(eid, fields["msg_id"]) for eid, fields in entries]
        if cursor == "0-0":
            return claimed


@dataclass(frozen=True, slots=True)
class StreamCrash:
    """The state right after consumer c1 was killed: where it died and what the group still holds."""

    mode: str
    seed: int
    messages: int
    batch_size: int
    keys: StreamKeys
    crash_batch: int
    crash_after: int
    batch_ids: tuple[str, ...]
    effects_before_kill: int
    pending_before: dict[str, int]
    killed_returncode: int


def crash_consumer(server: RedisServer, mode: str, *, seed: int, messages: int = 20,
                   batch_size: int = 5) -> StreamCrash:
    """Produce, run consumer c1 in a child process to the seed's crash point, SIGKILL it there."""
    _check(messages, batch_size, 0, mode, seed)
    client = server.client()
    keys = StreamKeys.under(f"q13:{mode}:{seed}:{uuid.uuid4().hex[:8]}")
    produce(client, keys, messages)
    crash = crash_point(seed, messages, batch_size)
    child = ChildProcess("dsworkbook.realservers.stream_consumer",
                         {"port": server.port, "keys": asdict(keys), "name": DEAD, "mode": mode,
                          "batch_size": batch_size, "crash": list(crash)})
    try:
        frozen = child.expect("frozen")
        child.signal(signal.SIGKILL)
        returncode = child.proc.wait(timeout=10)
    finally:
        child.close()
    return StreamCrash(mode, seed, messages, batch_size, keys, crash[0], crash[1], tuple(frozen["ids"]),
                       int(client.llen(keys.effects)), pending_by_consumer(client, keys), returncode)


@dataclass(frozen=True, slots=True)
class StreamRunResult:
    """Counts of one run: what was produced, applied, lost, duplicated, claimed, and left pending."""

    mode: str
    seed: int
    messages: int
    batch_size: int
    min_idle_ms: int
    crash_batch: int
    crash_after: int
    effects_before_kill: int
    pending_before: int
    pending_dead_consumer: int
    claimed: int
    max_deliveries: int
    waited_ms: float
    effects: int
    applied: int
    lost: int
    duplicated: int
    pending_after: int
    lost_ids: tuple[str, ...]
    duplicated_ids: tuple[str, ...]

    def summary(self) -> str:
        return (f"{self.mode} (seed {self.seed}): c1 killed in batch {self.crash_batch} after "
                f"{self.crash_after} of its effects; pending {self.pending_before} "
                f"(c1: {self.pending_dead_consumer}); c2 claimed {self.claimed} after {self.waited_ms:.0f} ms; "
                f"{self.messages} messages, {self.applied} applied, {self.lost} lost, "
                f"{self.duplicated} duplicated; pending after {self.pending_after}")


def recover(server: RedisServer, crash: StreamCrash, *, min_idle_ms: int = 150,
            timeout_s: float = 10.0) -> StreamRunResult:
    """Consumer c2 waits until XAUTOCLAIM hands it c1's pending entries, handles them, drains the rest."""
    client = server.client()
    keys = crash.keys
    rescuer = StreamConsumer(client, keys, RESCUER, crash.mode)
    start = time.monotonic()
    claimed: list[Entry] = []
    while pending_by_consumer(client, keys).get(DEAD, 0) > 0:
        if time.monotonic() - start > timeout_s:
            raise TimeoutError(f"c1's entries were not claimable within {timeout_s} s (min_idle_ms={min_idle_ms})")
        time.sleep(max(min_idle_ms, 20) / 4000.0)
        claimed += claim_stale(client, keys, RESCUER, min_idle_ms)
    waited_ms = (time.monotonic() - start) * 1000.0
    deliveries = [int(p["times_delivered"]) for p in
                  client.xpending_range(keys.stream, keys.group, "-", "+", crash.messages)]
    if claimed:
        rescuer.handle(claimed)
    while batch := rescuer.read(crash.batch_size):
        rescuer.handle(batch)
    counts = Counter(client.lrange(keys.effects, 0, -1))
    expected = [f"m{i:04d}" for i in range(crash.messages)]
    return StreamRunResult(
        crash.mode, crash.seed, crash.messages, crash.batch_size, min_idle_ms, crash.crash_batch, crash.crash_after,
        crash.effects_before_kill, sum(crash.pending_before.values()), crash.pending_before.get(DEAD, 0),
        len(claimed), max(deliveries, default=0), round(waited_ms, 1),
        sum(counts.values()), len(counts), sum(1 for m in expected if m not in counts),
        sum(n - 1 for n in counts.values()), int(client.xpending(keys.stream, keys.group)["pending"]),
        tuple(m for m in expected if m not in counts), tuple(sorted(m for m, n in counts.items() if n > 1)))


def stream_delivery_experiment(server: RedisServer, mode: str, *, seed: int = 0, messages: int = 20,
                               batch_size: int = 5, min_idle_ms: int = 150) -> StreamRunResult:
    """The whole run for one mode: produce, crash c1 at the seed's point, recover with c2, count."""
    _check(messages, batch_size, min_idle_ms, mode, seed)
    crash = crash_consumer(server, mode, seed=seed, messages=messages, batch_size=batch_size)
    return recover(server, crash, min_idle_ms=min_idle_ms)


def delivery_table(server: RedisServer, *, seed: int = 0, messages: int = 20, batch_size: int = 5,
                   min_idle_ms: int = 150, modes: Sequence[str] = MODES) -> pd.DataFrame:
    """One row per mode (same seed, so the same crash point): lost and duplicated side by side."""
    import pandas as pd

    if not modes:
        raise ConfigError(f"modes is empty; give some of {list(ALL_MODES)}")
    rows = [stream_delivery_experiment(server, m, seed=seed, messages=messages, batch_size=batch_size,
                                       min_idle_ms=min_idle_ms) for m in modes]
    columns = ["mode", "seed", "messages", "crash_batch", "crash_after", "pending_before", "claimed",
               "applied", "lost", "duplicated", "pending_after"]
    return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows]).set_index("mode")
