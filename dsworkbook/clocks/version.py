"""Version vectors per replica, Dynamo style: siblings instead of lost writes (concept C04).

Theory of operation
-------------------
A replicated key-value store that accepts writes on any replica (Dynamo, SOSP 2007 §4.4; Riak;
Voldemort) tags every stored value with a **version vector** - a
:class:`~dsworkbook.clocks.vector.VectorTimestamp` counting updates per *actor* rather than
events per process. A client reads the key, gets the values and a *context* (the merge of
their versions), and writes back with that context. The new version is the context plus one
fresh update by the actor, so it dominates everything the client saw and nothing it did not:

* a stored value whose version the new one dominates is **superseded** and dropped;
* a value the writer had not seen stays, as a **sibling**: the store keeps every version that
  no other version dominates (:func:`reconcile`), and the next reader gets all of them (and
  merges them in the application, e.g. a shopping cart's union).

:class:`VersionedReplica` s run this on the simulator; clients (:class:`VersionedClient`) do
read-modify-write cycles, replicas exchange their state by anti-entropy (:class:`Sync`). The
``actor`` of a write is chosen by ``mode``:

* ``"client"`` - each client is an actor with its own counter (a *dot* ``(client, n)``):
  concurrent writes always end up as siblings (and a client's write supersedes its own
  earlier ones, which it has seen by program order);
* ``"replica"`` - the coordinating replica is the actor, as in the Dynamo paper. Smaller
  vectors, but two clients writing through one replica with the same stale context get
  versions ``{R1: 4}`` and ``{R1: 5}``: the second dominates the first, and a write the second
  client never saw is silently dropped (Preguiça et al., "Dotted Version Vectors", 2010).

:func:`siblings_experiment` measures both: whether the replicas converge, how many siblings
appear, and how many acknowledged writes were **lost** - neither present at the end nor in the
causal past of a write that is (read by its client, or written earlier by the same client,
directly or through a chain of such steps). Growing vectors are the price
of per-client actors; pruning them (pruning.py, re-exported here) has its own cost.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from dsworkbook.clocks.pruning import (Entry, NaivePrunedClock, PrunedClock, naive_prune, prune,
                                       pruning_experiment, pruning_table)
from dsworkbook.clocks.vector import VectorTimestamp, as_vector
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Sibling", "reconcile", "context_of", "Get", "GetReply", "PutVersion", "PutDone", "Sync",
           "VersionedReplica", "VersionedClient", "VersionRun", "siblings_experiment", "MODES", "Reconcile",
           "Entry", "prune", "naive_prune", "PrunedClock", "NaivePrunedClock", "pruning_experiment", "pruning_table"]

MODES = ("client", "replica")
Reconcile = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Sibling:
    """A stored value and its version vector."""

    version: VectorTimestamp
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", as_vector(self.version, "Sibling"))


def reconcile(siblings: Iterable[Sibling], incoming: Iterable[Sibling]) -> list[Sibling]:
    """The siblings that survive when ``incoming`` meets the stored ``siblings``.

    A version strictly dominated by another is superseded; of equal versions (the same write,
    arriving twice) one copy is kept. The survivors keep the order in which they first appear.
    """
    everything = list(siblings) + list(incoming)
    out: list[Sibling] = []
    for s in everything:
        if any(s.version < o.version for o in everything):
            continue
        if any(o.version == s.version for o in out):
            continue
        out.append(s)
    return out


def context_of(siblings: Iterable[Sibling]) -> VectorTimestamp:
    """The merge of the siblings' versions: what a client read, and sends back with its write."""
    ctx = VectorTimestamp()
    for s in siblings:
        ctx = ctx.merge(s.version)
    return ctx


@dataclass(frozen=True, slots=True)
class Get:
    req: int
    key: str


@dataclass(frozen=True, slots=True)
class GetReply:
    req: int
    siblings: tuple[Sibling, ...]


@dataclass(frozen=True, slots=True)
class PutVersion:
    """A write with the context it was based on; ``dot`` is ``(client, n)`` in client mode, else None."""

    req: int
    key: str
    value: Any
    context: VectorTimestamp
    dot: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class PutDone:
    req: int
    version: VectorTimestamp


@dataclass(frozen=True, slots=True)
class Sync:
    """Anti-entropy: the sender's whole store."""

    store: tuple[tuple[str, tuple[Sibling, ...]], ...]


def _siblings(result: Any, who: str) -> list[Sibling]:
    if not isinstance(result, (list, tuple)) or not all(isinstance(s, Sibling) for s in result):
        raise ConfigError(f"{who} must return a list of Sibling, got {result!r}")
    return list(result)


class VersionedReplica(Node):
    """A replica: serves Get and PutVersion, pushes its store to a random peer every ``sync_every`` ms."""

    def __init__(self, node_id: str, *, replicas: Sequence[str] = (), sync_every: float = 20.0,
                 merge: Reconcile = reconcile) -> None:
        super().__init__(node_id)
        self.replicas = [r for r in replicas if r != node_id]
        self.sync_every, self.merge = sync_every, merge

    def on_start(self) -> None:
        self.store: dict[str, list[Sibling]] = {}
        if self.replicas:
            self.set_timer("sync", self.rng.uniform(0, self.sync_every))

    def _merge(self, key: str, incoming: list[Sibling]) -> None:
        stored = list(self.store.get(key, []))
        merged = _siblings(self.merge(list(stored), list(incoming)), "the merge rule")
        if len(merged) > len(stored) + len(incoming):  # a merge that keeps copies grows without bound
            raise ConfigError(f"the merge rule returned {len(merged)} siblings from inputs of {len(stored)} and "
                              f"{len(incoming)}; a merge keeps at most what it was given")
        self.store[key] = merged

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Get):
            self.send(src, GetReply(msg.req, tuple(self.store.get(msg.key, []))))
        elif isinstance(msg, PutVersion):
            if msg.dot is None:  # the replica is the actor: one more than any counter of its own it knows
                mine = max([msg.context[self.id]] + [s.version[self.id] for s in self.store.get(msg.key, [])])
                version = msg.context.merge({self.id: mine + 1})
            else:
                version = msg.context.merge({msg.dot[0]: msg.dot[1]})
            self._merge(msg.key, [Sibling(version, msg.value)])
            self.send(src, PutDone(msg.req, version))
        elif isinstance(msg, Sync):
            for key, sibs in msg.store:
                self._merge(key, list(sibs))

    def on_timer(self, name: Any) -> None:
        self.send(self.rng.choice(self.replicas), Sync(tuple((k, tuple(v)) for k, v in sorted(self.store.items()))))
        self.set_timer("sync", self.sync_every)


class VersionedClient(Node):
    """Does ``writes`` read-modify-write cycles on ``key``: Get, think, PutVersion with the read context.

    Each cycle goes to ``home`` with probability ``stay``, else to a random replica. It notes
    which values it read before each write (the ground truth of what each write has seen).
    """

    def __init__(self, node_id: str, *, replicas: Sequence[str], home: str, key: str = "cart", writes: int = 8,
                 think: float = 10.0, stay: float = 0.8, mode: str = "client") -> None:
        super().__init__(node_id)
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
        self.replicas, self.home, self.key = list(replicas), home, key
        self.writes, self.think, self.stay, self.mode = writes, think, stay, mode

    def on_start(self) -> None:
        self.n = 0
        self.read: tuple[Sibling, ...] = ()
        self.handle: int | None = None
        self.set_timer("cycle", self.rng.uniform(0, self.think))

    def _target(self) -> str:
        return self.home if self.rng.random() < self.stay else self.rng.choice(self.replicas)

    def on_timer(self, name: Any) -> None:
        if name == "cycle":
            self.target = self._target()
            self.send(self.target, Get(self.n + 1, self.key))
        else:
            self.n += 1
            value = f"{self.id}.{self.n}"
            dot = (self.id, self.n) if self.mode == "client" else None
            self.note(write=value, read=[s.value for s in self.read])
            self.handle = self.invoke("write", value, key=self.key)
            self.send(self.target, PutVersion(self.n, self.key, value, context_of(self.read), dot))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, GetReply):
            self.read = msg.siblings
            self.set_timer("write", self.rng.uniform(0, self.think))
        elif isinstance(msg, PutDone) and self.handle is not None:
            self.complete(self.handle, "ok", msg.version)
            self.handle = None
            if self.n < self.writes:
                self.set_timer("cycle", self.rng.uniform(0, self.think))


@dataclass
class VersionRun:
    """A finished :func:`siblings_experiment`."""

    sim: Simulation
    mode: str
    final: dict[str, list[Sibling]]
    max_siblings: int
    acked: list[str]
    lost: list[str] = field(default_factory=list)

    @property
    def seed(self) -> int:
        return self.sim.seed

    @property
    def converged(self) -> bool:
        """Every replica holds the same siblings (as sets of (version, value))."""
        sets = [frozenset((s.version, s.value) for s in sibs) for sibs in self.final.values()]
        return len(set(sets)) == 1

    def as_row(self) -> dict[str, Any]:
        one = next(iter(self.final.values()))
        return {"seed": self.seed, "mode": self.mode, "writes acked": len(self.acked), "converged": self.converged,
                "siblings at the end": len(one), "most siblings seen": self.max_siblings, "lost writes": len(self.lost),
                "largest vector": max((len(s.version) for sibs in self.final.values() for s in sibs), default=0)}

    def table(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([{"replica": r, "value": s.value, "version": str(s.version)}
                             for r, sibs in self.final.items() for s in sibs])


def _lost(sim: Simulation, final: dict[str, list[Sibling]]) -> tuple[list[str], list[str]]:
    """Acked writes that are neither in the final state nor in the causal past of a write that is.

    A write's causal past: the values its client read before it, the client's own previous
    write (process order), and theirs, transitively.
    """
    reads: dict[str, list[str]] = {}
    previous: dict[str, str] = {}
    for r in sim.trace.notes(key="write"):
        own = [previous[r.node]] if r.node in previous else []
        reads[r.detail["write"]] = list(r.detail["read"]) + own
        previous[r.node] = r.detail["write"]
    acked = [op.input for op in sim.history if op.outcome == "ok"]
    present = {s.value for sibs in final.values() for s in sibs}
    covered: set[str] = set()
    todo = list(present)
    while todo:
        v = todo.pop()
        if v in covered:
            continue
        covered.add(v)
        todo.extend(reads.get(v, []))
    return acked, [w for w in acked if w not in covered]


def siblings_experiment(seed: int, *, mode: str = "client", replicas: int = 3, clients: int = 4, writes: int = 8,
                        partition: tuple[float, float] | None = (30.0, 150.0), merge: Reconcile = reconcile,
                        think: float = 10.0, latency: Any = (1, 5), settle: float = 300.0) -> VersionRun:
    """Clients do read-modify-write cycles on one key while the replicas are partitioned for a while.

    ``partition=(start, end)`` isolates ``R1`` from the other replicas in that window (None: no
    partition). After the writes the replicas keep syncing for ``settle`` ms; the run reports
    convergence, the siblings, and the lost writes.
    """
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
    sim = Simulation(seed, latency=latency)
    names = [f"R{i + 1}" for i in range(replicas)]
    for r in names:
        sim.add_node(r, VersionedReplica, replicas=names, merge=merge)
    homes = random.Random(seed * 7919 + 31)
    for i in range(clients):
        sim.add_node(f"c{i + 1}", VersionedClient, replicas=names, home=names[i % replicas], writes=writes,
                     think=think, mode=mode, stay=0.8 if homes.random() < 0.5 else 0.6)
    if partition is not None:  # R1 cut off from the other replicas (clients still reach every replica)
        for r in names[1:]:
            sim.at(partition[0], sim.net.cut, names[0], r)
            sim.at(partition[0], sim.net.cut, r, names[0])
        sim.at(partition[1], sim.net.heal)
    most = _run_until_written(sim, names, clients * writes, horizon=writes * think * 4 + 400)
    sim.run(until=sim.now + settle)
    final = {r: list(sim.node(r).store.get("cart", [])) for r in names}
    acked, lost = _lost(sim, final)
    return VersionRun(sim, mode, final, most, acked, lost)


def _run_until_written(sim: Simulation, replicas: list[str], writes: int, horizon: float, step: float = 10.0) -> int:
    """Run until every write completed (or ``horizon``); returns the most siblings a replica held meanwhile."""
    most = 0
    while sim.now < horizon:
        sim.run(until=sim.now + step)
        most = max([most] + [len(sim.node(r).store.get("cart", [])) for r in replicas])
        if len(sim.history) == writes and all(op.outcome for op in sim.history):
            break
    return most
