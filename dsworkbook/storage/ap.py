"""Q02 · An AP store in the style of Dynamo and Cassandra: always writable, repaired later.

Theory of operation
-------------------
Every key lives on ``N`` replicas (its preference list, Dynamo §4.3). Any replica a client
reaches **coordinates** its operation:

* a **write** is stamped with the coordinator's clock - a :class:`Stamp` ``(time, replica,
  n)`` - sent to the key's ``N`` replicas (the coordinator applies it at once if it is one), and
  acknowledged to the client after ``W`` of them stored it;
* a **read** asks the ``N`` replicas and answers after ``R`` replied, with the newest version
  among the replies: **last write wins** (the highest stamp; Cassandra's rule).

With ``N`` = every replica and ``R = W = 1`` (the defaults) the coordinator alone suffices, so
every replica a client can reach accepts its writes and answers its reads, even when the
network is split: the store stays **available** and gives up consistency (CAP, Gilbert and
Lynch 2002). Three mechanisms bring replicas back together afterwards:

=================  ===============================================================================
hinted handoff     replicas that did not acknowledge a write in time get it later: the coordinator
                   keeps a durable *hint* ``(replica, key, version)`` and resends it every
                   ``handoff_every`` ms until acknowledged (Cassandra's hinted handoff)
read repair        after a read, replicas that answered with an older version (or none) are sent
                   the newest one (Dynamo §4.7, Cassandra's read repair)
anti-entropy       every ``anti_entropy_every`` ms a replica compares its data with a random peer
                   by walking Merkle trees and exchanging only differing buckets
                   (:mod:`~dsworkbook.storage.antientropy`)
=================  ===============================================================================

Last-write-wins is not free: when clocks disagree, a write that happened *later* can carry the
smaller stamp and silently lose (:mod:`~dsworkbook.storage.anomalies` shows it), and of two
concurrent writes one is dropped without anyone being told.

Tunable consistency (theme Q03): with ``R + W > N`` every read quorum overlaps every write
quorum, so a read hears at least one replica that acknowledged the last acknowledged write -
which returns it only while that replica still holds it and its stamp wins (clock skew and
concurrent writes break that; see :mod:`~dsworkbook.storage.quorum`); with ``R + W <= N`` the
quorums can miss each other (:mod:`~dsworkbook.storage.quorum` measures how often). The
quorums are *strict*: only the key's ``N`` replicas count towards ``W``, never stand-ins (no
sloppy quorum). A write that got fewer than ``W``
acknowledgements in ``timeout`` ms is refused with ``maybe_applied=True`` (the client records
``unknown``: some replicas may hold it); a read with fewer than ``R`` replies is refused.
:meth:`APReplica.resolve_read` - which version wins and who needs repair - is a method so that
exercise ``02-read-repair`` can replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request
from dsworkbook.storage.antientropy import AntiEntropy
from dsworkbook.storage.common import Refused, check_nrw, preference_list
from dsworkbook.storage.replica import Replica

__all__ = ["Stamp", "Versioned", "Put", "PutAck", "Get", "GetReply", "APReplica", "resolve_lww"]


@dataclass(frozen=True, order=True, slots=True)
class Stamp:
    """A last-write-wins timestamp: the coordinator's clock, then its id and a counter break ties."""

    time: float
    replica: str
    n: int

    def __str__(self) -> str:
        return f"{self.time:.1f}@{self.replica}#{self.n}"


@dataclass(frozen=True, order=True, slots=True)
class Versioned:
    """A value with the stamp of the write that produced it; ordered by stamp."""

    stamp: Stamp
    value: Any


@dataclass(frozen=True, slots=True)
class Put:
    """"Store ``item`` for ``key`` if it is newer than yours" (a write, a repair or a hint)."""

    op: tuple
    key: Any
    item: Versioned


@dataclass(frozen=True, slots=True)
class PutAck:
    op: tuple
    key: Any
    stamp: Stamp


@dataclass(frozen=True, slots=True)
class Get:
    op: tuple
    key: Any


@dataclass(frozen=True, slots=True)
class GetReply:
    op: tuple
    key: Any
    item: Versioned | None


def resolve_lww(replies: Mapping[str, Versioned | None]) -> tuple[Versioned | None, list[str]]:
    """The newest version among ``replies`` (replica -> version or None) and who lacks it.

    The reference of exercise ``02-read-repair``: the highest stamp wins; every replica that
    answered something older, or nothing, needs a repair.
    """
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present)
    return newest, sorted(r for r, v in replies.items() if v is None or v.stamp < newest.stamp)


@dataclass
class _APOp:
    id: tuple
    client: str
    request: Request
    f: str
    key: Any
    targets: tuple[str, ...]
    item: Versioned | None = None
    acks: set[str] = field(default_factory=set)
    replies: dict[str, Versioned | None] = field(default_factory=dict)
    answered: bool = False


class APReplica(AntiEntropy, Replica):
    """A replica of the Dynamo-style store (see the module docstring for every setting).

    ``n`` defaults to every replica; ``r`` and ``w`` to 1. ``hinted_handoff``, ``read_repair``
    and ``anti_entropy_every`` (ms, None for off; the first walk after ``anti_entropy_from`` ms)
    switch the three repair mechanisms; ``buckets`` is the number of Merkle-tree leaves.
    """

    def __init__(self, node_id: str, *, replicas: Sequence[str], n: int | None = None, r: int = 1, w: int = 1,
                 timeout: float = 150.0, hinted_handoff: bool = True, handoff_every: float = 50.0,
                 read_repair: bool = True, anti_entropy_every: float | None = None, buckets: int = 16,
                 anti_entropy_from: float = 0.0) -> None:
        super().__init__(node_id, replicas=replicas, timeout=timeout)
        self.n, self.r, self.w = check_nrw(len(self.replicas) if n is None else n, r, w, len(self.replicas))
        if not handoff_every > 0:
            raise ConfigError(f"handoff_every must be > 0 ms, got {handoff_every!r}")
        self.hinted_handoff, self.handoff_every = bool(hinted_handoff), float(handoff_every)
        self.read_repair = bool(read_repair)
        self.configure_anti_entropy(anti_entropy_every, buckets, anti_entropy_from)

    def on_start(self) -> None:
        super().on_start()
        self.data: dict[Any, Versioned] = self.load_items()
        self.hints: dict[tuple[str, Any], Versioned] = dict(self.storage.get("hints", {}))
        self.ops: dict[tuple, _APOp] = {}
        self._stamps = 0
        if self.hinted_handoff:
            self.set_timer("handoff", self.handoff_every)
        self.start_anti_entropy()

    # -- the replica role ------------------------------------------------------------------------

    def apply(self, key: Any, item: Versioned) -> bool:
        """Store ``item`` if it is newer than this replica's copy (last write wins); True if stored."""
        current = self.data.get(key)
        if current is not None and item.stamp <= current.stamp:
            return False
        self.data[key] = item
        self.save_item(key, item)
        self.data_changed()
        return True

    def owns(self, key: Any) -> bool:
        return self.id in preference_list(key, self.replicas, self.n)

    def on_message(self, src: str, msg: Any) -> None:
        t = type(msg)
        if t is Put:
            self.apply(msg.key, msg.item)
            self._answer(src, PutAck(msg.op, msg.key, msg.item.stamp))
        elif t is Get:
            self._answer(src, GetReply(msg.op, msg.key, self.data.get(msg.key)))
        elif t is PutAck:
            self._on_put_ack(src, msg)
        elif t is GetReply:
            self._on_get_reply(src, msg)
        elif not self.on_anti_entropy(src, msg):
            raise ConfigError(f"{self.id} got a message it does not understand from {src}: {msg!r}")

    def _answer(self, src: str, reply: Any) -> None:
        if src == self.id:
            self.on_message(src, reply)
        else:
            self.send(src, reply)

    # -- the coordinator role ----------------------------------------------------------------------

    def on_client_request(self, src: str, request: Request) -> None:
        parsed = self.parse_request(src, request)
        if parsed is None:
            return
        f, key, value = parsed
        op = _APOp(self.new_op_id(), src, request, f, key, preference_list(key, self.replicas, self.n))
        self.ops[op.id] = op
        self.set_timer(("op", op.id), self.timeout)
        if f == "write":
            self._stamps += 1
            op.item = Versioned(Stamp(round(self.now(), 6), self.id, self._stamps), value)
            msg: Any = Put(op.id, key, op.item)
        else:
            msg = Get(op.id, key)
        for target in op.targets:
            if target != self.id:
                self.send(target, msg)
        if self.id in op.targets:
            self.on_message(self.id, msg)

    def _on_put_ack(self, src: str, msg: PutAck) -> None:
        if msg.op[0] == "hint":
            self._on_hint_ack(src, msg)
            return
        op = self.ops.get(msg.op)
        if op is None:
            return
        op.acks.add(src)
        if not op.answered and len(op.acks) >= self.w:
            op.answered = True
            self.reply(op.client, op.request, None)
        if len(op.acks) == len(op.targets):
            self._close(op)

    def _on_get_reply(self, src: str, msg: GetReply) -> None:
        op = self.ops.get(msg.op)
        if op is None:
            return
        op.replies[src] = msg.item
        if not op.answered and len(op.replies) >= self.r:
            op.answered = True
            newest, _ = self.resolve_read(op.replies)
            self.reply(op.client, op.request, None if newest is None else newest.value)
        if len(op.replies) == len(op.targets):
            self._close(op)

    def resolve_read(self, replies: Mapping[str, Versioned | None]) -> tuple[Versioned | None, list[str]]:
        """``(newest version, replicas to repair)`` of a read's replies: last write wins."""
        return resolve_lww(replies)

    def on_timer(self, name: Any) -> None:
        if name == "handoff":
            self._hand_off()
        elif isinstance(name, tuple) and name[0] == "op":
            op = self.ops.get(name[1])
            if op is not None:
                self._close(op)
        else:
            self.on_anti_entropy_timer(name)

    def _close(self, op: _APOp) -> None:
        """The operation is over (everyone answered, or time is up): refuse, repair, hand off."""
        self.ops.pop(op.id, None)
        self.cancel_timer(("op", op.id))
        if not op.answered:
            got, need = (len(op.acks), self.w) if op.f == "write" else (len(op.replies), self.r)
            reason = f"only {got} of W={need} replicas acknowledged the write" if op.f == "write" else \
                f"only {got} of R={need} replicas answered the read"
            self.reply(op.client, op.request, Refused(f"{reason} within {self.timeout:g} ms",
                                                      maybe_applied=op.f == "write"), ok=False)
        if op.f == "write" and self.hinted_handoff:
            for target in op.targets:
                if target not in op.acks:
                    self._add_hint(target, op.key, op.item)
        elif op.f == "read" and self.read_repair and op.replies:
            newest, stale = self.resolve_read(op.replies)
            for target in stale:
                if newest is not None:
                    self._answer(target, Put(("repair", self.id, op.id), op.key, newest))
                    self.note(read_repair=target, key=op.key)

    # -- hinted handoff ----------------------------------------------------------------------------

    def _add_hint(self, target: str, key: Any, item: Versioned | None) -> None:
        if item is None:
            return
        old = self.hints.get((target, key))
        if old is None or old.stamp < item.stamp:
            self.hints[(target, key)] = item
            self.persist(hints=dict(self.hints))

    def _hand_off(self) -> None:
        for (target, key), item in sorted(self.hints.items(), key=lambda kv: (kv[0][0], repr(kv[0][1]))):
            self.send(target, Put(("hint", self.id), key, item))
        self.set_timer("handoff", self.handoff_every)

    def _on_hint_ack(self, src: str, msg: PutAck) -> None:
        item = self.hints.get((src, msg.key))
        if item is not None and item.stamp <= msg.stamp:
            del self.hints[(src, msg.key)]
            self.persist(hints=dict(self.hints))
            self.note(handed_off=src, key=msg.key)
