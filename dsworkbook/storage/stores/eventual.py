"""The eventual store: version vectors, siblings, a resolver, gossip (correct version of the seeds').

Theory of operation
-------------------
Each replica keeps, per key, a set of **siblings**: versions ``(vector, stamp, value)`` of which
none happened before another (Dynamo §4.4; Riak's siblings). The vector is a
:class:`~dsworkbook.clocks.vector.VectorTimestamp` with one counter per replica:

* a **write** at replica ``r`` takes as its context the merge of the siblings ``r`` holds,
  increments ``r``'s own counter (a per-replica counter, persisted), and replaces every
  sibling it dominates - i.e. all of them: a write overwrites what its replica has seen;
* **gossip**: every ``gossip_every`` ms a replica pushes all its siblings to a random peer;
  :func:`merge_siblings` keeps the union minus every version that happened before another
  one. Versions that are concurrent (neither vector ``<=`` the other) are both kept;
* a **read** returns ``resolver(siblings)``: by default the sibling with the highest
  ``(stamp, replica)`` - a deterministic last-writer-wins choice that every replica makes the
  same way - or an application merge (a shopping cart takes the union).

Whatever order gossip arrives in, replicas that have exchanged everything hold the same
siblings and so resolve to the same value: the store **converges** (eventual consistency,
Vogels 2009). It promises nothing else: clients are routed to any replica, so a client may not
read its own write, and may read a newer value and then an older one.

The seeds' version had three bugs that are classic interview material and the subject of drill
``03-drill-eventual``: its resolver compared each version's *own* counter (``clock[node_id]``,
numbers of different replicas that mean nothing to each other); its merge kept versions that
another version had overwritten, so old values came back and the list grew without bound; and
its dedup key ignored the rest of the vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request
from dsworkbook.storage.replica import Replica

__all__ = ["Sibling", "Gossip", "EventualReplica", "merge_siblings", "resolve_newest", "resolve_union"]


@dataclass(frozen=True, slots=True)
class Sibling:
    """One version of a key: its version vector, the writer's clock (for the resolver), the value."""

    vector: VectorTimestamp
    stamp: tuple[float, str]
    value: Any


@dataclass(frozen=True, slots=True)
class Gossip:
    """All the sender's siblings, key -> tuple of siblings."""

    state: tuple[tuple[Any, tuple[Sibling, ...]], ...]

    @property
    def size(self) -> int:
        return sum(len(s) for _, s in self.state)


def merge_siblings(mine: Iterable[Sibling], theirs: Iterable[Sibling]) -> tuple[Sibling, ...]:
    """The union of two sibling sets without the versions that happened before another one.

    The reference of drill ``03-drill-eventual``. Sorted by vector, so every replica stores
    the same tuple for the same set.
    """
    pool: dict[VectorTimestamp, Sibling] = {}
    for s in [*mine, *theirs]:
        pool.setdefault(s.vector, s)
    keep = [s for s in pool.values() if not any(s.vector < o.vector for o in pool.values())]
    return tuple(sorted(keep, key=lambda s: (sorted(s.vector.items()), s.stamp)))


def resolve_newest(siblings: Sequence[Sibling]) -> Any:
    """Last writer wins among siblings: the highest ``(clock, replica)`` stamp; None if empty."""
    return max(siblings, key=lambda s: s.stamp).value if siblings else None


def resolve_union(siblings: Sequence[Sibling]) -> Any:
    """An application merge for values that are sets (a shopping cart): the union of the siblings."""
    out: set = set()
    for s in siblings:
        out |= set(s.value)
    return frozenset(out)


Resolver = Callable[[Sequence[Sibling]], Any]
Merger = Callable[[Iterable[Sibling], Iterable[Sibling]], tuple[Sibling, ...]]


class EventualReplica(Replica):
    """A replica of the eventual store. ``resolver`` picks a read's value from the siblings;
    ``merge`` combines sibling sets (replace it to try another rule); ``gossip_every`` ms."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], gossip_every: float = 50.0,
                 resolver: Resolver = resolve_newest, merge: Merger = merge_siblings) -> None:
        super().__init__(node_id, replicas=replicas)
        if not gossip_every > 0:
            raise ConfigError(f"gossip_every must be > 0 ms, got {gossip_every!r}")
        if not callable(resolver) or not callable(merge):
            raise ConfigError("resolver and merge must be functions (see resolve_newest and merge_siblings)")
        self.gossip_every, self.resolver, self.merge = float(gossip_every), resolver, merge

    def on_start(self) -> None:
        super().on_start()
        self.counter: int = self.storage.get("counter", 0)
        self.siblings: dict[Any, tuple[Sibling, ...]] = self.load_items()
        self.set_timer("gossip", self.rng.uniform(0, self.gossip_every))

    def on_client_request(self, src: str, request: Request) -> None:
        parsed = self.parse_request(src, request)
        if parsed is None:
            return
        f, key, value = parsed
        current = self.siblings.get(key, ())
        if f == "read":
            self.reply(src, request, self.resolver(current))
            return
        context = VectorTimestamp()
        for s in current:
            context = context.merge(s.vector)
        self.counter += 1
        vector = context.merge({self.id: self.counter})
        self.persist(counter=self.counter)
        self._store(key, (Sibling(vector, (round(self.now(), 6), self.id), value),))
        self.reply(src, request, None)

    def _store(self, key: Any, siblings: tuple[Sibling, ...]) -> None:
        if siblings != self.siblings.get(key):
            self.siblings[key] = siblings
            self.save_item(key, siblings)

    def on_timer(self, name: Any) -> None:
        peers = [r for r in self.replicas if r != self.id]
        if peers and self.siblings:
            state = tuple(sorted(self.siblings.items(), key=lambda kv: repr(kv[0])))
            self.send(self.rng.choice(peers), Gossip(state))
        self.set_timer("gossip", self.gossip_every)

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Gossip):
            raise ConfigError(f"{self.id} got a message it does not understand from {src}: {msg!r}")
        for key, theirs in msg.state:
            self._store(key, tuple(self.merge(self.siblings.get(key, ()), theirs)))
