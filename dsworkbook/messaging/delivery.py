"""The delivery-guarantee lab: where a crash falls decides lost or duplicated effects (Q13).

Theory of operation
-------------------
A :class:`Producer` writes records to a replicated partition (:mod:`.replication`); a
:class:`Consumer` reads them up to the high watermark and, for each, applies a side effect in
an external :class:`Sink` (a database: its effect log is what a user sees) and records its
progress. The Kafka documentation, design section 4.6 "Message Delivery Semantics", names the
choices by where the consumer saves its position:

* ``at-most-once``: commit the offset, then apply the effect. A crash in between loses the
  record's effect: the restarted consumer resumes after it.
* ``at-least-once``: apply, then commit. A crash in between applies the effect again.
* ``effectively-once``: the effect, the offset and a de-duplication table keyed by message id
  are written **in one transaction** in the sink ("store the offset in the same place as its
  output"), and the producer is idempotent (producer id + sequence number per partition,
  ``enable.idempotence``). Neither loses nor duplicates.

Broken variants (the classic bugs :mod:`.campaign` must catch): ``volatile-dedup`` keeps the
de-dup table in the consumer's memory, not with the effect, so a crash forgets it;
``offset-only`` stores offset and effect together but de-duplicates by offset only, with a
plain producer whose retried records sit at new offsets; ``acks1`` is the correct consumer
with a producer using ``acks=1``, whose acknowledged records a failover loses.

The check (:func:`effect_counts`, :func:`delivery_violation`): every record the producer saw
acknowledged has its effect applied **exactly once**; no record is applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.producer import Producer
from dsworkbook.messaging.replication import (CONTROLLER, Metadata, MetadataResult, OffsetCommit, OffsetCommitted,
                                              OffsetFetch, OffsetFetched, ReadRecords, Records, replicated_sim)
from dsworkbook.sim import Node, Simulation

__all__ = ["GUARANTEES", "MODES", "Apply", "Applied", "SinkOffset", "SinkOffsetIs", "Sink", "Consumer",
           "mode_config", "delivery_sim", "effect_counts", "delivery_violation", "delivery_progress",
           "SINK", "CONSUMER", "PRODUCER", "GROUP"]

GUARANTEES = ("at-most-once", "at-least-once", "effectively-once")
#: consumer mode -> (where the offset lives, order of steps, de-dup key)
MODES: dict[str, str] = {
    "at-most-once": "commit the offset at the coordinator, then apply the effect",
    "at-least-once": "apply the effect, then commit the offset at the coordinator",
    "effectively-once": "effect + offset + de-dup table (message id) in one sink transaction",
    "volatile-dedup": "de-dup table in consumer memory; apply, then commit at the coordinator",
    "offset-only": "effect + offset in one sink transaction, de-dup by offset only",
}
SINK, CONSUMER, PRODUCER, GROUP = "db", "c1", "p", "g1"


@dataclass(frozen=True, slots=True)
class Apply:
    req_id: int
    msg_id: str
    offset: int
    txn: str | None = None  # None: apply only; "id" / "offset": with the offset, de-dup by that key


@dataclass(frozen=True, slots=True)
class Applied:
    req_id: int


@dataclass(frozen=True, slots=True)
class SinkOffset:
    req_id: int


@dataclass(frozen=True, slots=True)
class SinkOffsetIs:
    req_id: int
    offset: int


class Sink(Node):
    """The external system the effects land in; ``effects`` is its durable effect log."""

    def on_start(self) -> None:
        self.effects: list[str] = list(self.storage.get("effects", ()))
        self.offset: int = self.storage.get("offset", 0)
        self.seen: set[str] = set(self.storage.get("seen", ()))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, SinkOffset):
            self.send(src, SinkOffsetIs(msg.req_id, self.offset))
        elif isinstance(msg, Apply):
            if msg.txn is None:
                self.effects.append(msg.msg_id)
                self.persist(effects=tuple(self.effects))
            else:
                new = msg.msg_id not in self.seen if msg.txn == "id" else msg.offset >= self.offset
                if new:
                    self.effects.append(msg.msg_id)
                    self.seen.add(msg.msg_id)
                self.offset = max(self.offset, msg.offset + 1)
                # one Persist effect: the effect, the de-dup table and the offset commit together or not at all
                self.persist(effects=tuple(self.effects), seen=tuple(sorted(self.seen)), offset=self.offset)
            self.send(src, Applied(msg.req_id))


def mode_config(mode: str) -> dict[str, Any]:
    if mode not in MODES:
        raise ConfigError(f"unknown delivery mode {mode!r}; choose one of {list(MODES)}")
    return {"offsets_at_sink": mode in ("effectively-once", "offset-only"),
            "txn": {"effectively-once": "id", "offset-only": "offset"}.get(mode),
            "commit_first": mode == "at-most-once", "memory_dedup": mode == "volatile-dedup"}


class Consumer(Node):
    """Reads the partition one record at a time and handles each as its ``mode`` says."""

    def __init__(self, node_id: str, *, mode: str = "effectively-once", poll: float = 10.0,
                 timeout: float = 40.0) -> None:
        super().__init__(node_id)
        self.cfg = mode_config(mode)
        self.mode, self.poll, self.timeout = mode, poll, timeout

    def on_start(self) -> None:
        self.req, self.leader, self.pos = 0, None, None
        self.queue: list[tuple[int, Any]] = []
        self.seen: set[str] = set()
        self.step = None
        self._ask_offset()

    def _request(self, dst: str, msg_factory: Any) -> None:
        self.req += 1
        self.send(dst, msg_factory(self.req))
        self.set_timer(("timeout", self.req), self.timeout)

    def _ask_offset(self) -> None:
        if self.cfg["offsets_at_sink"]:
            self._request(SINK, SinkOffset)
        else:
            self._request(CONTROLLER, lambda r: OffsetFetch(r, GROUP))

    def on_timer(self, name: Any) -> None:
        if name == "poll":
            self._poll()
        elif isinstance(name, tuple) and name[1] == self.req:  # lost answer: start the current step over
            if self.pos is None:
                self._ask_offset()
            else:
                self.leader = None
                self._poll()

    def _poll(self) -> None:
        if self.leader is None:
            self._request(CONTROLLER, Metadata)
        else:
            self._request(self.leader, lambda r: ReadRecords(r, self.pos))

    def on_message(self, src: str, msg: Any) -> None:
        if getattr(msg, "req_id", None) != self.req:
            return
        self.cancel_timer(("timeout", self.req))
        if isinstance(msg, (OffsetFetched, SinkOffsetIs)) and self.pos is None:
            self.pos = msg.offset
            self._poll()
        elif isinstance(msg, MetadataResult):
            self.leader = msg.leader
            self.set_timer("poll", 0.0 if msg.leader else self.poll)
        elif isinstance(msg, Records):
            if msg.error is not None:
                self.leader = None
            if msg.entries and msg.start == self.pos:
                self.queue = [(msg.start + i, e) for i, e in enumerate(msg.entries)]
                self._next()
            else:
                self.set_timer("poll", self.poll)
        elif isinstance(msg, (Applied, OffsetCommitted)):
            self._advance()

    # -- the per-record steps -------------------------------------------------------------------------------
    def _next(self) -> None:
        if not self.queue:
            self.set_timer("poll", 0.0)
            return
        offset, entry = self.queue[0]
        cfg = self.cfg
        if cfg["txn"] is not None:
            self.step = "done"
            self._request(SINK, lambda r: Apply(r, entry.msg_id, offset, cfg["txn"]))
        elif cfg["commit_first"]:
            self.step = "apply"
            self._request(CONTROLLER, lambda r: OffsetCommit(r, GROUP, offset + 1))
        elif cfg["memory_dedup"] and entry.msg_id in self.seen:
            self.step = "done"
            self._request(CONTROLLER, lambda r: OffsetCommit(r, GROUP, offset + 1))
        else:
            self.step = "commit"
            self._request(SINK, lambda r: Apply(r, entry.msg_id, offset))

    def _advance(self) -> None:
        offset, entry = self.queue[0]
        if self.step == "apply":
            self.step = "done"
            self._request(SINK, lambda r: Apply(r, entry.msg_id, offset))
        elif self.step == "commit":
            self.seen.add(entry.msg_id)
            self.step = "done"
            self._request(CONTROLLER, lambda r: OffsetCommit(r, GROUP, offset + 1))
        else:
            self.queue.pop(0)
            self.pos = offset + 1
            self._next()


def delivery_sim(seed: int, *, mode: str = "effectively-once", idempotent: bool = True, acks: Any = "all",
                 messages: int = 8, brokers: int = 3, min_insync: int = 2, trace: bool = False) -> Simulation:
    """Controller, ``brokers`` brokers, a sink, one consumer in ``mode`` and one producer."""
    mode_config(mode)
    if brokers < min_insync:
        raise ConfigError(f"min_insync={min_insync} is above the replication factor brokers={brokers}: acks=all "
                          "could never succeed; use brokers >= min_insync")
    sim = replicated_sim(seed, brokers=brokers, min_insync=min_insync, trace=trace)
    sim.add_node(SINK, Sink)
    sim.add_node(CONSUMER, Consumer, mode=mode)
    sim.add_node(PRODUCER, Producer, messages=messages, acks=acks, idempotent=idempotent, every=15.0)
    return sim


def effect_counts(sim: Simulation) -> dict[str, Any]:
    """How many times each acknowledged record's effect was applied: lost (0) and duplicated (> 1) ids."""
    acked = list(sim.node(PRODUCER).acked)
    effects = list(sim.storage(SINK).get("effects", ()))
    count: dict[str, int] = {}
    for m in effects:
        count[m] = count.get(m, 0) + 1
    lost = [m for m in acked if count.get(m, 0) == 0]
    dup = sorted((m for m, c in count.items() if c > 1), key=lambda m: int(m[1:]))
    return {"acked": len(acked), "applied": len(effects), "lost": lost, "duplicated": dup,
            "extra": sum(c - 1 for c in count.values() if c > 1)}


def delivery_violation(sim: Simulation) -> str | None:
    """None when every acknowledged record's effect was applied exactly once; else what broke."""
    c = effect_counts(sim)
    if c["lost"]:
        return f"acknowledged records never applied (lost): {c['lost']}"
    if c["duplicated"]:
        return f"records applied more than once (duplicated): {c['duplicated']}"
    return None


def delivery_progress(sim: Simulation, messages: int | None = None) -> bool:
    """Every record was acknowledged and its effect applied."""
    p = sim.node(PRODUCER)
    c = effect_counts(sim)
    return len(p.acked) == (p.messages if messages is None else messages) and c["applied"] >= len(p.acked)

