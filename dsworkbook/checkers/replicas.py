"""A small eventually consistent key-value store on the simulator, to produce histories worth checking.

Theory of operation
-------------------
Three :class:`GossipReplica` nodes each accept reads and writes on their own (always available,
like Dynamo) and tell a random peer everything they know every ``gossip_every`` ms. A write at a
replica ticks the replica's **vector clock** and becomes a :class:`Version` stamped with it (the
replica's clock covers every version it has seen, so the new version causally follows them
all). A replica keeps every version it hears of - duplicates dropped by ``(node, counter)``, as
in the store of the seed notes - and a read returns ``resolve(versions)``: which version wins is
the **resolver's** job.

A resolver must (Lamport 1978; Fidge and Mattern 1988 for vector clocks):

1. never return a version that another candidate *dominates* (the other's clock is >= in every
   entry and differs): that version is older, and returning it loses a newer write - a session
   sees its own write vanish (read-your-writes) or a reader goes back in time;
2. be *deterministic* on the set of versions, whatever their order: every replica must pick the
   same winner among concurrent versions, or replicas that hold the same versions keep
   answering differently and never converge.

:func:`naive_resolve` is the seed notes' last-writer-wins rule, rewritten: it compares each
version's counter *of its own node* - counters of different nodes, which say nothing about
which write came first - so a write made at a quiet replica loses to an older write from a busy
one. :func:`causal_resolve` is a correct rule: among the versions no other dominates, the one
with the largest clock sum, ties broken by node id (a linear extension of the causal order).

:class:`SessionClient` nodes (one per replica, sticky sessions) run a seeded workload of
unique-valued writes and reads on a few keys, record the history (a timeout is ``unknown``),
and after the workload, once gossip has settled, read every key once more - the reads that
:func:`~dsworkbook.checkers.models.check_convergence` looks at. :func:`gossip_run` builds and
runs it all from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response, Simulation

__all__ = ["Version", "Gossip", "GossipReplica", "SessionClient", "gossip_run", "naive_resolve", "causal_resolve",
           "dominates", "Resolver", "REPLICAS"]

REPLICAS = ("r1", "r2", "r3")


@dataclass(frozen=True, slots=True)
class Version:
    """A value written at ``node``, stamped with that replica's vector clock (a tuple of (node, counter))."""

    value: Any
    clock: tuple[tuple[str, int], ...]
    node: str

    def counter(self, node: str) -> int:
        return dict(self.clock).get(node, 0)


Resolver = Callable[[Sequence[Version]], Version]


@dataclass(frozen=True, slots=True)
class Gossip:
    """Everything a replica knows: its versions per key and its clock."""

    versions: tuple[tuple[Any, tuple[Version, ...]], ...]
    clock: tuple[tuple[str, int], ...]


def dominates(a: Version, b: Version) -> bool:
    """True when ``a``'s clock is >= ``b``'s in every entry and they differ: ``b`` happened before ``a``.

    A node missing from a clock counts as 0, so ``(("r1", 1), ("r2", 0))`` and ``(("r1", 1),)`` are
    the same clock and neither dominates the other.
    """
    ca = {n: c for n, c in a.clock if c}  # a zero entry says nothing: absent and 0 are the same
    cb = {n: c for n, c in b.clock if c}
    return ca != cb and all(ca.get(n, 0) >= c for n, c in cb.items())


def naive_resolve(versions: Sequence[Version]) -> Version:
    """The seed notes' rule: the largest counter *of each version's own node* wins (a bug: see above)."""
    return max(versions, key=lambda v: v.counter(v.node))


def causal_resolve(versions: Sequence[Version]) -> Version:
    """A correct rule: an undominated version, the largest clock sum first, ties by node id."""
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return max(latest, key=lambda v: (sum(c for _, c in v.clock), v.node))


class GossipReplica(Node):
    """One replica: serves get/put from its own versions, gossips them, resolves with ``resolve``."""

    def __init__(self, node_id: str, *, resolve: Resolver = causal_resolve, gossip_every: float = 20.0) -> None:
        super().__init__(node_id)
        self.resolve, self.gossip_every = resolve, gossip_every

    def on_start(self) -> None:
        self.clock: dict[str, int] = {}
        self.versions: dict[Any, dict[tuple[str, int], Version]] = {}
        self.set_timer("gossip", self.rng.uniform(0, self.gossip_every))

    def on_client_request(self, src: str, request: Request) -> None:
        key, value = request.arg
        if request.op == "put":
            self.clock[self.id] = self.clock.get(self.id, 0) + 1
            self._keep(key, Version(value, tuple(sorted(self.clock.items())), self.id))
            self.reply(src, request, value)
        elif request.op == "get":
            found = list(self.versions.get(key, {}).values())
            self.reply(src, request, self.resolve(found).value if found else None)
        else:
            self.reply(src, request, f"unknown op {request.op!r}; use get or put", ok=False)

    def _keep(self, key: Any, v: Version) -> None:
        self.versions.setdefault(key, {})[(v.node, v.counter(v.node))] = v

    def on_timer(self, name: Any) -> None:
        peer = self.rng.choice(self.peers_of_kind())
        state = tuple((k, tuple(vs.values())) for k, vs in self.versions.items())
        self.send(peer, Gossip(state, tuple(sorted(self.clock.items()))))
        self.set_timer("gossip", self.gossip_every)

    def peers_of_kind(self) -> list[str]:
        return [p for p in self.peers if p in REPLICAS]

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Gossip):
            for key, versions in msg.versions:
                for v in versions:
                    self._keep(key, v)
            for node, counter in msg.clock:
                self.clock[node] = max(self.clock.get(node, 0), counter)


class SessionClient(Node):
    """A sticky session against ``replica``: ``ops`` random gets/puts on ``keys``, then a final read of each key.

    Written values are unique: ``"<client>-<n>"``. A request unanswered within ``timeout``
    ends ``unknown`` (the client moves on). The final reads start at time ``final_at`` (or
    right after the workload, if it runs later), when every session should be done writing.
    """

    def __init__(self, node_id: str, *, replica: str, ops: int = 20, keys: Sequence[str] = ("x", "y"),
                 think: float = 15.0, final_at: float = 4000.0, timeout: float = 60.0,
                 put_ratio: float = 0.5) -> None:
        super().__init__(node_id)
        self.replica, self.ops, self.keys, self.think = replica, ops, tuple(keys), think
        self.final_at, self.timeout, self.put_ratio = final_at, timeout, put_ratio

    def on_start(self) -> None:
        self.done = 0
        self.req = 0
        self.pending: tuple[int, int] | None = None   # (req_id, history handle)
        self.finals = list(self.keys)
        self.set_timer("next", self.rng.uniform(0, self.think))

    def _send(self, op: str, key: str, value: Any) -> None:
        self.req += 1
        handle = self.invoke("write" if op == "put" else "read", value if op == "put" else None, key=key)
        self.pending = (self.req, handle)
        self.send(self.replica, Request(self.req, op, (key, value)))
        self.set_timer("timeout", self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "timeout" and self.pending is not None:
            self.complete(self.pending[1], "unknown")
            self.pending = None
            self._after()
        elif name == "next" and self.pending is None:
            if self.done < self.ops:
                self.done += 1
                key = self.rng.choice(self.keys)
                if self.rng.random() < self.put_ratio:
                    self._send("put", key, f"{self.id}-{self.done}")
                else:
                    self._send("get", key, None)
            elif self.finals:
                self._send("get", self.finals.pop(0), None)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response) and self.pending is not None and msg.req_id == self.pending[0]:
            self.cancel_timer("timeout")
            self.complete(self.pending[1], "ok" if msg.ok else "fail", msg.value)
            self.pending = None
            self._after()

    def _after(self) -> None:
        if self.done < self.ops:
            self.set_timer("next", self.rng.uniform(0.5, 1.5) * self.think)
        elif self.finals:
            self.set_timer("next", max(1.0, self.final_at - self.now()))


def gossip_run(seed: int, *, resolve: Resolver = causal_resolve, ops: int = 20, clients_per_replica: int = 1,
               latency: tuple[float, float] = (1.0, 30.0), loss: float = 0.0, gossip_every: float = 20.0,
               partition_until: float = 0.0, until: float = 6000.0) -> Simulation:
    """Run the store with ``resolve`` (see the module docstring); returns the finished Simulation.

    ``partition_until`` > 0 isolates ``r1`` from the other replicas until then (writes pile up
    on both sides). The history is ``sim.history``.
    """
    if not callable(resolve):
        raise ConfigError(f"resolve must be a function resolve(versions) -> version, got {resolve!r}")
    sim = Simulation(seed, latency=latency, loss=loss)
    for r in REPLICAS:
        sim.add_node(r, GossipReplica, resolve=resolve, gossip_every=gossip_every)
    for i, r in enumerate(REPLICAS):
        for j in range(clients_per_replica):
            busy = 2.0 if i == 0 else 1.0  # r1's sessions write more: replicas' counters drift apart
            sim.add_node(f"c{i + 1}{'abc'[j]}", SessionClient, replica=r, ops=int(ops * busy),
                         think=15.0 / busy, final_at=until - 2000.0)
    if partition_until > 0:
        side = [n for n in sim.node_ids if n == "r1" or n.startswith("c1")]
        sim.net.partition(side, [n for n in sim.node_ids if n not in side])
        sim.at(partition_until, sim.net.heal)
    sim.run(until=until)
    return sim
