"""The causal store: updates carry their dependencies and wait until those are applied.

Theory of operation
-------------------
Each replica ``r`` keeps a vector ``applied`` (how many updates from each origin it has applied)
and a Lamport clock. Clients are **sticky**: each talks to one replica, which serves its reads
from local data and applies its writes at once:

* a **write** at ``r`` increments ``applied[r]``, takes a Lamport timestamp above every one
  ``r`` has seen, applies the value locally and broadcasts an :class:`Update` carrying
  ``deps`` = ``r``'s whole ``applied`` vector: everything ``r`` had seen when the write
  happened, so everything the writing client can have seen;
* a replica **applies** a remote update from origin ``o`` only when it is the next from ``o``
  (``deps[o] == applied[o] + 1``) and every other dependency is already applied
  (``deps[k] <= applied[k]``); otherwise it holds the update back (causal delivery, Birman,
  Schiper, Stephenson 1991; the dependency check of COPS, Lloyd et al. 2011);
* concurrent writes to one key are ordered by ``(lamport, origin)``, the same on every replica,
  so replicas converge (causal+ in COPS's terms);
* **anti-entropy**: every ``sync_every`` ms a replica sends its ``applied`` vector to a random
  peer, which answers with the updates the sender lacks, in the order it applied them - lost
  messages and partitions only delay delivery.

The store is **causally consistent** and available under partition (each side keeps serving
its clients). It is not **sequential**: two clients on two replicas can each write one key and
then read the other's key before the updates cross, each missing the other's write - an
outcome no single order of all operations explains (the Dekker pattern).

The seeds' version refused to return a value whose dependencies were missing (the key seemed to
vanish) and never sent updates anywhere, so "causal" held trivially on one node. Here nothing
is hidden: an update that is not yet deliverable is simply not applied yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request
from dsworkbook.storage.replica import Replica

__all__ = ["Update", "Digest", "Missing", "CausalReplica", "deliverable"]


@dataclass(frozen=True, slots=True)
class Update:
    """A write from ``origin``; ``deps[origin]`` is its own sequence number."""

    origin: str
    deps: VectorTimestamp
    lamport: int
    key: Any
    value: Any

    @property
    def seq(self) -> int:
        return self.deps[self.origin]


@dataclass(frozen=True, slots=True)
class Digest:
    """Anti-entropy: "this is what I have applied"."""

    applied: VectorTimestamp


@dataclass(frozen=True, slots=True)
class Missing:
    """The updates the digest's sender lacks, in an order that respects causality."""

    updates: tuple[Update, ...]

    @property
    def size(self) -> int:
        return len(self.updates)


def deliverable(update: Update, applied: VectorTimestamp) -> bool:
    """True when ``update`` is the next from its origin and all its other dependencies are applied."""
    if update.deps[update.origin] != applied[update.origin] + 1:
        return False
    return all(c <= applied[k] for k, c in update.deps.items() if k != update.origin)


class CausalReplica(Replica):
    """A replica of the causal store (see the module docstring); ``sync_every`` ms of anti-entropy."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], sync_every: float = 50.0) -> None:
        super().__init__(node_id, replicas=replicas)
        if not sync_every > 0:
            raise ConfigError(f"sync_every must be > 0 ms, got {sync_every!r}")
        self.sync_every = float(sync_every)

    def on_start(self) -> None:
        super().on_start()
        self.log: list[Update] = list(self.storage.get("log", ()))
        self.applied = VectorTimestamp()
        self.lamport = 0
        self.data: dict[Any, Update] = {}
        self.held: list[Update] = []
        for u in self.log:  # replay the durable log: it is in an order that respects causality
            self._install(u)
        self.set_timer("sync", self.rng.uniform(0, self.sync_every))

    def on_client_request(self, src: str, request: Request) -> None:
        parsed = self.parse_request(src, request)
        if parsed is None:
            return
        f, key, value = parsed
        if f == "read":
            current = self.data.get(key)
            self.reply(src, request, None if current is None else current.value)
            return
        update = Update(self.id, self.applied.increment(self.id), self.lamport + 1, key, value)
        self._apply(update)
        for peer in self.replicas:
            if peer != self.id:
                self.send(peer, update)
        self.reply(src, request, None)

    def _install(self, u: Update) -> None:
        self.applied = self.applied.merge({u.origin: u.seq})
        self.lamport = max(self.lamport, u.lamport)
        current = self.data.get(u.key)
        if current is None or (u.lamport, u.origin) > (current.lamport, current.origin):
            self.data[u.key] = u

    def _apply(self, u: Update) -> None:
        self._install(u)
        self.log.append(u)
        self.persist(log=tuple(self.log))

    def _receive(self, updates: Sequence[Update]) -> None:
        for u in updates:
            if u.seq > self.applied[u.origin] and u not in self.held:
                self.held.append(u)
        progress = True
        while progress:
            progress = False
            for u in list(self.held):
                if u.seq <= self.applied[u.origin]:
                    self.held.remove(u)
                elif deliverable(u, self.applied):
                    self.held.remove(u)
                    self._apply(u)
                    progress = True

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Update):
            self._receive([msg])
        elif isinstance(msg, Digest):
            lacking = tuple(u for u in self.log if u.seq > msg.applied[u.origin])
            if lacking:
                self.send(src, Missing(lacking))
        elif isinstance(msg, Missing):
            self._receive(msg.updates)
        else:
            raise ConfigError(f"{self.id} got a message it does not understand from {src}: {msg!r}")

    def on_timer(self, name: Any) -> None:
        peers = [r for r in self.replicas if r != self.id]
        if peers:
            self.send(self.rng.choice(peers), Digest(self.applied))
        self.set_timer("sync", self.sync_every)
