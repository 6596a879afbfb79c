"""Q01 · A CP store: majority quorums that refuse rather than answer stale.

Theory of operation
-------------------
Every replica holds, per key, a register ``(tag, value)``; a :class:`Tag` is ``(counter,
writer)``, ordered first by counter, so tags order all writes. Any replica can coordinate a
client's operation. Both operations run the two phases of the ABD register (Attiya, Bar-Noy,
Dolev, "Sharing memory robustly in message-passing systems", JACM 1995; multi-writer form of
Lynch and Shvartsman 1997):

=========  ==========================================  ==============================================
operation  phase 1: :class:`Query` a majority           phase 2: :class:`Propagate` to a majority
=========  ==========================================  ==============================================
write      learn the highest tag ``t`` they hold        store ``(t.counter + 1, me)`` with the value
read       take the highest ``(tag, value)`` returned   write it back, so no later read can see older
=========  ==========================================  ==============================================

A phase is done when a **majority** answered (``n // 2 + 1``: any two majorities share a
replica, so a read's query meets the last write's propagate). The read's write-back is skipped
when every reply already carried the same tag (that value is already on a majority). With both
phases, the register is **linearizable**; without the read's write-back it is not (a read can
return a new value and a later read an old one: the "new-old inversion" of
:mod:`dsworkbook.storage.anomalies`).

When a phase cannot reach a majority within ``timeout`` ms, the coordinator answers a
:class:`~dsworkbook.storage.common.Refused`, never stale data. The refusal is honest about
what may have happened: a write refused during phase 2 may sit on some replicas
(``maybe_applied=True``: the client records ``unknown``); one refused in phase 1 reached none
(``fail``); a refused read changed nothing (``fail``).

Durability: a replica persists a register before acknowledging it, and a coordinator persists
its counter before it uses a new tag, so a restart never reuses a tag.

The five decisions a quorum system gets wrong are methods - :meth:`CPReplica.quorum_size`,
:meth:`~CPReplica.query_done`, :meth:`~CPReplica.latest`, :meth:`~CPReplica.next_tag`,
:meth:`~CPReplica.write_done` - so that the drill's buggy rendition
(:class:`~dsworkbook.storage.naive.NaiveQuorumReplica`) can override them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request
from dsworkbook.storage.common import Refused, majority
from dsworkbook.storage.replica import Replica

__all__ = ["Tag", "ZERO", "Query", "QueryReply", "Propagate", "PropagateAck", "CPReplica"]


@dataclass(frozen=True, order=True, slots=True)
class Tag:
    """A write's timestamp in ABD: ordered by ``counter``, ties broken by the ``writer``'s id."""

    counter: int
    writer: str

    def __str__(self) -> str:
        return f"{self.counter}.{self.writer}" if self.writer else "0"


#: The tag of a register nobody wrote yet (its value is None).
ZERO = Tag(0, "")

OpId = tuple[str, int, int]  # (coordinator, incarnation, sequence number)


@dataclass(frozen=True, slots=True)
class Query:
    """Phase 1: "what is your (tag, value) for ``key``?\""""

    op: OpId
    key: Any


@dataclass(frozen=True, slots=True)
class QueryReply:
    op: OpId
    key: Any
    tag: Tag
    value: Any


@dataclass(frozen=True, slots=True)
class Propagate:
    """Phase 2: "store ``(tag, value)`` for ``key`` if it is newer than yours.\""""

    op: OpId
    key: Any
    tag: Tag
    value: Any


@dataclass(frozen=True, slots=True)
class PropagateAck:
    op: OpId
    key: Any


@dataclass
class _Op:
    """A client operation this replica coordinates (volatile: lost in a crash)."""

    id: OpId
    client: str
    request: Request
    f: str
    key: Any
    value: Any
    phase: str = "query"
    replies: dict[str, tuple[Tag, Any]] = field(default_factory=dict)
    acks: set[str] = field(default_factory=set)
    sent: set[str] = field(default_factory=set)
    tag: Tag = ZERO
    result: Any = None


class CPReplica(Replica):
    """A replica of the majority-quorum (ABD) register store; each key is its own register.

    ``replicas`` lists every replica id (itself included); ``timeout`` is how long (ms) a
    coordinator waits for a majority in each operation before refusing; ``write_back=False``
    drops the read's second phase (fast, and no longer linearizable).
    """

    def __init__(self, node_id: str, *, replicas: Sequence[str], timeout: float = 150.0,
                 write_back: bool = True) -> None:
        super().__init__(node_id, replicas=replicas, timeout=timeout)
        self.write_back = bool(write_back)

    def on_start(self) -> None:
        super().on_start()
        self.counter: int = self.storage.get("counter", 0)
        self.registers: dict[Any, tuple[Tag, Any]] = self.load_items()
        self.ops: dict[OpId, _Op] = {}

    # -- the five decisions --------------------------------------------------------------------

    def quorum_size(self, n: int) -> int:
        """How many replicas make a quorum: a majority, so any two quorums share a replica."""
        return majority(n)

    def query_done(self, op: _Op) -> bool:
        """Phase 1 is over when a quorum of distinct replicas *answered*."""
        return len(op.replies) >= self.quorum_size(len(self.replicas))

    def latest(self, replies: Mapping[str, tuple[Tag, Any]]) -> tuple[Tag, Any]:
        """The newest ``(tag, value)`` among the replies: the highest tag wins."""
        return max(replies.values(), key=lambda tv: tv[0])

    def next_tag(self, seen: Tag) -> Tag:
        """A tag above every tag the quorum reported *and* every tag this replica issued."""
        return Tag(max(seen.counter, self.counter) + 1, self.id)

    def write_done(self, op: _Op) -> bool:
        """Phase 2 is over when a quorum of distinct replicas *acknowledged* storing it."""
        return len(op.acks) >= self.quorum_size(len(self.replicas))

    # -- client requests -----------------------------------------------------------------------

    def on_client_request(self, src: str, request: Request) -> None:
        parsed = self.parse_request(src, request)
        if parsed is None:
            return
        f, key, value = parsed
        op = _Op(self.new_op_id(), src, request, f, key, value)
        self.ops[op.id] = op
        self.set_timer(("op", op.id), self.timeout)
        self.to_replicas(op, Query(op.id, key))

    def to_replicas(self, op: _Op, msg: Any) -> None:
        """Send ``msg`` to every replica; this replica answers itself without the network."""
        for r in self.replicas:
            op.sent.add(r)
            if r != self.id:
                self.send(r, msg)
        self.on_message(self.id, msg)

    def on_timer(self, name: Any) -> None:
        if isinstance(name, tuple) and name[0] == "op":
            op = self.ops.pop(name[1], None)
            if op is not None:
                self._refuse(op)

    def _refuse(self, op: _Op) -> None:
        n = len(self.replicas)
        got = len(op.replies) if op.phase == "query" else len(op.acks)
        what = "answered" if op.phase == "query" else "acknowledged"
        reason = (f"no quorum: only {got} of the {self.quorum_size(n)} replicas needed {what} the {op.f}'s "
                  f"{op.phase} phase within {self.timeout:g} ms")
        maybe = op.f == "write" and op.phase == "propagate"
        self.note(refused=op.f, key=op.key, phase=op.phase, replies=got)
        self.reply(op.client, op.request, Refused(reason, maybe_applied=maybe), ok=False)

    # -- replica role --------------------------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        handler = self._HANDLERS.get(type(msg))
        if handler is None:
            raise ConfigError(f"{self.id} got a message it does not understand from {src}: {msg!r}")
        handler(self, src, msg)

    def _on_query(self, src: str, msg: Query) -> None:
        tag, value = self.registers.get(msg.key, (ZERO, None))
        self._answer(src, QueryReply(msg.op, msg.key, tag, value))

    def _on_propagate(self, src: str, msg: Propagate) -> None:
        current = self.registers.get(msg.key, (ZERO, None))[0]
        if msg.tag > current:
            self.registers[msg.key] = (msg.tag, msg.value)
            self.save_item(msg.key, (msg.tag, msg.value))  # persist before acknowledging
        self._answer(src, PropagateAck(msg.op, msg.key))

    def _answer(self, src: str, reply: Any) -> None:
        if src == self.id:
            self.on_message(self.id, reply)
        else:
            self.send(src, reply)

    # -- coordinator role ----------------------------------------------------------------------

    def _on_query_reply(self, src: str, msg: QueryReply) -> None:
        op = self.ops.get(msg.op)
        if op is None or op.phase != "query":
            return  # late or duplicate: the phase is over
        op.replies[src] = (msg.tag, msg.value)
        if not self.query_done(op):
            return
        seen_tag, seen_value = self.latest(op.replies)
        if op.f == "write":
            op.tag = self.next_tag(seen_tag)
            self.counter = max(self.counter, op.tag.counter)
            self.persist(counter=self.counter)  # never reuse a tag after a restart
            op.result = None
            self._propagate(op, op.value)
        elif self.write_back and any(t != seen_tag for t, _ in op.replies.values()):
            op.tag, op.result = seen_tag, seen_value
            self._propagate(op, seen_value)
        else:
            op.result = seen_value
            self._finish(op)

    def _propagate(self, op: _Op, value: Any) -> None:
        op.phase, op.sent = "propagate", set()
        self.to_replicas(op, Propagate(op.id, op.key, op.tag, value))

    def _on_propagate_ack(self, src: str, msg: PropagateAck) -> None:
        op = self.ops.get(msg.op)
        if op is None or op.phase != "propagate":
            return
        op.acks.add(src)
        if self.write_done(op):
            self._finish(op)

    def _finish(self, op: _Op) -> None:
        self.ops.pop(op.id, None)
        self.cancel_timer(("op", op.id))
        self.reply(op.client, op.request, op.result)

    _HANDLERS = {Query: _on_query, QueryReply: _on_query_reply, Propagate: _on_propagate,
                 PropagateAck: _on_propagate_ack}
