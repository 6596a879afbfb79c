"""The sequential store: one sequencer orders every write; replicas apply the order, read locally.

Theory of operation
-------------------
The first replica is the **sequencer**. A write goes from the client's replica to the
sequencer as :class:`Submit`; the sequencer gives it the next sequence number and sends
:class:`Ordered` to every replica. Each replica applies ordered writes strictly in sequence
(holding back any that arrive early) and answers its client once **it** has applied the
client's write. Reads are served from the replica's local copy, at once.

Why this is sequentially consistent (Lamport 1979; the "local read, ordered write" construction
of Attiya and Welch 1994): all replicas apply the same single order of writes, each replica's
state is a prefix of it, and a client (sticky to one replica) sees its own write before its
next operation starts, so every client's operations fit into that one order in program order.

Why it is not linearizable: a read is served from a prefix that may lag behind writes that
already completed at *other* replicas - real time is not respected across clients.

Lost messages are repaired by asking: every ``sync_every`` ms each replica sends
:class:`Behind` to the sequencer (a lost last entry leaves no visible gap), which resends the
missing :class:`Ordered` entries; a :class:`Submit` is resent until ordered, and the sequencer
numbers each write once (it remembers write ids). The sequencer is a single
point of failure for writes - the price of a total order without consensus (theme 06 builds
one that survives it).

The seeds' version "ordered" each replica's pending writes by its own wall clock
(``time.time()``), alone: no two replicas agreed on anything, so there was no global order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request
from dsworkbook.storage.replica import Replica

__all__ = ["Submit", "Ordered", "Behind", "SequentialReplica"]

WriteId = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Submit:
    """A replica asks the sequencer to order a write."""

    write: WriteId
    key: Any
    value: Any


@dataclass(frozen=True, slots=True)
class Ordered:
    """The sequencer's decision: write ``write`` is number ``seq`` of the global order."""

    seq: int
    write: WriteId
    key: Any
    value: Any


@dataclass(frozen=True, slots=True)
class Behind:
    """"I have applied everything before ``next_seq``; send me what follows.\""""

    next_seq: int


class SequentialReplica(Replica):
    """A replica of the sequential store; ``replicas[0]`` is the sequencer."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], sync_every: float = 40.0) -> None:
        super().__init__(node_id, replicas=replicas)
        if not sync_every > 0:
            raise ConfigError(f"sync_every must be > 0 ms, got {sync_every!r}")
        self.sync_every = float(sync_every)
        self.sequencer = self.replicas[0]

    def on_start(self) -> None:
        super().on_start()
        self.early: dict[int, Ordered] = {}       # held back: arrived before their turn
        self.waiting: dict[WriteId, tuple[str, Request, Submit]] = {}
        self.order: list[Ordered] = list(self.storage.get("order", ()))  # the sequencer's log
        self.numbered = {o.write: o.seq for o in self.order}
        next_seq, data = self.storage.get("state", (1, {}))
        self.next_seq: int = next_seq              # the next sequence number to apply
        self.data: dict[Any, Any] = dict(data)
        self.set_timer("sync", self.sync_every)

    @property
    def is_sequencer(self) -> bool:
        return self.id == self.sequencer

    def on_client_request(self, src: str, request: Request) -> None:
        parsed = self.parse_request(src, request)
        if parsed is None:
            return
        f, key, value = parsed
        if f == "read":
            self.reply(src, request, self.data.get(key))
            return
        submit = Submit(self.new_op_id(), key, value)
        self.waiting[submit.write] = (src, request, submit)
        self._submit(submit)

    def _submit(self, submit: Submit) -> None:
        if self.is_sequencer:
            self._on_submit(self.id, submit)
        else:
            self.send(self.sequencer, submit)

    # -- the sequencer ---------------------------------------------------------------------------

    def _on_submit(self, src: str, msg: Submit) -> None:
        if msg.write not in self.numbered:
            entry = Ordered(len(self.order) + 1, msg.write, msg.key, msg.value)
            self.order.append(entry)
            self.numbered[msg.write] = entry.seq
            self.persist(order=tuple(self.order))
            for r in self.replicas:
                if r != self.id:
                    self.send(r, entry)
            self._on_ordered(entry)
        elif src != self.id:  # a resent Submit whose Ordered was lost: send that entry again
            self.send(src, self.order[self.numbered[msg.write] - 1])

    def _on_behind(self, src: str, msg: Behind) -> None:
        for entry in self.order[msg.next_seq - 1:]:
            self.send(src, entry)

    # -- every replica --------------------------------------------------------------------------

    def _on_ordered(self, entry: Ordered) -> None:
        if entry.seq < self.next_seq:
            return  # a duplicate
        self.early[entry.seq] = entry
        while self.next_seq in self.early:
            self._apply(self.early.pop(self.next_seq))

    def _apply(self, entry: Ordered) -> None:
        self.data[entry.key] = entry.value
        self.next_seq = entry.seq + 1
        self.persist(state=(self.next_seq, dict(self.data)))
        waiting = self.waiting.pop(entry.write, None)
        if waiting is not None:
            client, request, _ = waiting
            self.reply(client, request, None)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Ordered):
            self._on_ordered(msg)
        elif isinstance(msg, Submit) and self.is_sequencer:
            self._on_submit(src, msg)
        elif isinstance(msg, Behind) and self.is_sequencer:
            self._on_behind(src, msg)
        else:
            raise ConfigError(f"{self.id} got a message it does not understand from {src}: {msg!r}")

    def on_timer(self, name: Any) -> None:
        if not self.is_sequencer:  # also when nothing seems missing: the last entry may have been lost
            self.send(self.sequencer, Behind(self.next_seq))
            for _, _, submit in self.waiting.values():
                self.send(self.sequencer, submit)
        self.set_timer("sync", self.sync_every)
