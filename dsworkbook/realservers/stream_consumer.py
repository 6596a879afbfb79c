"""A Redis Streams consumer with a delivery discipline, and the child process that crashes mid-batch.

``python -m dsworkbook.realservers.stream_consumer CONFIG_JSON``

A consumer of a consumer group reads a batch with ``XREADGROUP GROUP g c COUNT n STREAMS s >``;
every entry handed out is recorded in the group's pending entries list (PEL) under that consumer
until ``XACK`` removes it (redis.io, "Redis Streams", sections "Consumer groups" and "Recovering
from permanent failures"; commands XREADGROUP and XACK). Where the consumer puts its XACK relative
to its side effect decides what a crash costs:

``at-most-once``
    XACK the batch, then apply the effects. A crash after the XACK loses the rest of the batch:
    nothing is pending any more, so nobody is ever given those entries again.
``at-least-once``
    Apply the effects, then XACK the batch. A crash before the XACK leaves the whole batch in the
    PEL; whoever claims it re-applies the effects that had already happened: duplicates.
``effectively-once``
    As at-least-once, but each effect goes through a Lua script that adds the message id to a
    de-duplication set and applies the effect only if the id was new. Redis runs a script
    atomically: "all of the script's effects either have yet to happen or had already happened"
    (redis.io, "Scripting with Lua", "Executing Lua in Redis"). So a crash finds the mark and the
    effect either both present or both absent, and a redelivered message is skipped exactly when
    its effect is already there.
``dedup-mark-first`` (a broken variant)
    The same de-duplication set, but the mark (SADD) and the effect (RPUSH) are two commands. A
    crash between them leaves the mark without the effect; the redelivered message is skipped as
    "seen" and its effect is lost. (Effect first, then mark, would duplicate instead.) This is why
    the mark and the effect must be applied atomically.

The effects store is a list on the same server (``RPUSH effects msg_id``), so a duplicate is a
repeated element and a loss is a missing one. The de-duplication set must live with the effects,
not with the broker: in a real system it is a table in the same database transaction as the
effect.

The child process runs one consumer until the crash point it was given: batch ``b``, after ``j``
effects of that batch. There it reports ``frozen`` on stdout and stops itself with SIGSTOP; the
parent then kills it with SIGKILL. The crash therefore lands at one exact step, not after a
timing race. Events are lines ``NAME JSON`` as in :mod:`~dsworkbook.realservers.paused_client`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.paused_client import emit

if TYPE_CHECKING:
    import redis

__all__ = ["MODES", "BROKEN_MODES", "ALL_MODES", "DEDUP_SCRIPT", "StreamKeys", "Entry", "StreamConsumer", "main"]

MODES = ("at-most-once", "at-least-once", "effectively-once")
BROKEN_MODES = ("dedup-mark-first",)
ALL_MODES = MODES + BROKEN_MODES

# KEYS[1] the de-duplication set, KEYS[2] the effects list, ARGV[1] the message id.
DEDUP_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 1
end
return 0
"""


@dataclass(frozen=True, slots=True)
class StreamKeys:
    """The Redis keys of one run: the stream, its consumer group, the effects list, the dedup set."""

    stream: str
    group: str
    effects: str
    seen: str

    @classmethod
    def under(cls, prefix: str) -> StreamKeys:
        return cls(f"{prefix}:orders", "workers", f"{prefix}:effects", f"{prefix}:seen")


@dataclass(frozen=True, slots=True)
class Entry:
    """A stream entry as delivered: the id Redis gave it and the message id from its payload."""

    entry_id: str
    msg_id: str


Window = Callable[[int], None]


def _no_crash(applied: int) -> None:
    return None


class StreamConsumer:
    """One named consumer of a group, applying effects under one delivery discipline.

    :meth:`handle` calls ``window(j)`` at the point in the batch where ``j`` effects are done and
    a crash does the harm its mode is known for; the child process freezes there, the recovering
    consumer passes nothing.
    """

    def __init__(self, client: redis.Redis, keys: StreamKeys, name: str, mode: str) -> None:
        if mode not in ALL_MODES:
            raise ConfigError(f"unknown delivery mode {mode!r}; choose one of {list(ALL_MODES)}")
        self.client, self.keys, self.name, self.mode = client, keys, name, mode
        self._dedup = client.register_script(DEDUP_SCRIPT)

    def read(self, count: int) -> list[Entry]:
        """``XREADGROUP ... COUNT count STREAMS stream >``: entries never delivered to the group."""
        reply = self.client.xreadgroup(self.keys.group, self.name, {self.keys.stream: ">"}, count=count)
        return [Entry(eid, fields["msg_id"]) for _, entries in reply or [] for eid, fields in entries]

    def ack(self, batch: Sequence[Entry]) -> int:
        return int(self.client.xack(self.keys.stream, self.keys.group, *[e.entry_id for e in batch]))

    def handle(self, batch: Sequence[Entry], window: Window = _no_crash) -> None:
        """Apply the batch's effects and acknowledge it, in this consumer's order."""
        {"at-most-once": self._ack_first, "at-least-once": self._effects_first,
         "effectively-once": self._idempotent, "dedup-mark-first": self._mark_first}[self.mode](batch, window)

    def _effect(self, e: Entry) -> None:
        self.client.rpush(self.keys.effects, e.msg_id)

    def _ack_first(self, batch: Sequence[Entry], window: Window) -> None:
        self.ack(batch)
        window(0)
        for j, e in enumerate(batch, 1):
            self._effect(e)
            window(j)

    def _effects_first(self, batch: Sequence[Entry], window: Window) -> None:
        for j, e in enumerate(batch, 1):
            self._effect(e)
            window(j)
        self.ack(batch)

    def _idempotent(self, batch: Sequence[Entry], window: Window) -> None:
        for j, e in enumerate(batch, 1):
            self._dedup(keys=[self.keys.seen, self.keys.effects], args=[e.msg_id])
            window(j)
        self.ack(batch)

    def _mark_first(self, batch: Sequence[Entry], window: Window) -> None:
        for j, e in enumerate(batch):
            new = self.client.sadd(self.keys.seen, e.msg_id) == 1
            window(j)                                # the harmful gap: marked, effect not applied yet
            if new:
                self._effect(e)
        self.ack(batch)


def run(cfg: dict) -> None:
    """Consume batch after batch; freeze (SIGSTOP) at the crash point and wait for the SIGKILL."""
    import redis

    client = redis.Redis(port=cfg["port"], decode_responses=True, socket_timeout=5.0)
    consumer = StreamConsumer(client, StreamKeys(**cfg["keys"]), cfg["name"], cfg["mode"])
    crash_batch, crash_after = cfg["crash"]
    done: list[str] = []
    number = 0
    while batch := consumer.read(cfg["batch_size"]):
        def window(applied: int, number: int = number, batch: list[Entry] = batch) -> None:
            if (number, applied) == (crash_batch, crash_after):
                emit("frozen", batch=number, applied=applied, size=len(batch), handled_before=len(done),
                     ids=[e.msg_id for e in batch])
                os.kill(os.getpid(), signal.SIGSTOP)

        consumer.handle(batch, window)
        done.extend(e.msg_id for e in batch)
        number += 1
    emit("drained", handled=len(done))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    run(json.loads(argv[0]))
    emit("done")


if __name__ == "__main__":
    main()
