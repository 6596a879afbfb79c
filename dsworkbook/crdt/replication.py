"""State-based replication on the simulator: replicas gossip whole states, and must converge.

Theory of operation
-------------------
A :class:`Replica` node holds one state of a replicated type (a
:class:`~dsworkbook.crdt.workloads.ReplicatedType`) and does three things (Shapiro et al., SSS
2011, §2.2: state-based replication needs only that every state eventually reaches every
replica, by any path, any number of times):

* every ``update_every`` ms (jittered) it makes a random local update, until it has made
  ``updates`` of them - or it runs scripted operations ``script = [(at, op), ...]``, each
  ``at`` ms after its first start (a crash loses the scripted operations still pending);
* every ``gossip_every`` ms it sends its whole state to one peer chosen at random
  (:class:`Gossip`; push anti-entropy), with no acknowledgement and no retry;
* on a :class:`Gossip` it merges the received state into its own.

Each change is persisted before anything else happens (a crash loses no update) and noted in
the trace: ``note(update=effect, value=...)`` for an update, ``note(merged=src, value=...)``
for a merge that changed the state. The persist of an update carries the update's effect too,
and :func:`update_effects` reads the updates from the persists, not from the notes: a crash
that tears the handler between the two (``Crash(..., after=1)``) leaves an update that is
durable - it will reach every replica - but was never noted, and it must still count. While
the run lasts, a sampler writes the values of all replicas every ``sample_every`` ms into the
trace (a ``note`` with no node) together with whether the network was partitioned at that
moment.

:func:`convergence_problem` is the *always* half of the convergence property: after the last
fault has been repaired and the replicas have gossiped for ``settle`` ms, every replica is up,
all hold equal states, and the value equals what the type's specification computes from every
update the trace records (``ReplicatedType.expected``) - nothing lost, nothing resurrected.
:func:`diverged_during_partition` is the *sometimes* half: at some sampled moment the network
was partitioned and two replicas showed different values, so the run really tested something.
:func:`convergence_campaign` runs both with :func:`dsworkbook.sim.fuzz` over seeds and random
fault schedules (partitions, one-way cuts, loss and duplication bursts, pauses, clock jumps,
and crashes - one in three inside a handler).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.crdt.workloads import REPLICAS, TYPES, ReplicatedType, show
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FAULT_KINDS, FaultSchedule, FuzzReport, Node, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign
from dsworkbook.sim.kernel import UP

__all__ = ["Gossip", "Replica", "run_replicas", "replica_states", "update_effects", "convergence_problem",
           "diverged_during_partition", "samples", "convergence_campaign", "ScriptedOp"]

#: A scripted operation: ``op(state, replica, now) -> (effect, new_state)``.
ScriptedOp = Callable[[Any, str, float], tuple[Any, Any]]
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Gossip:
    """Anti-entropy: the sender's whole state (state-based replication ships states, not operations)."""

    state: Any


class Replica(Node):
    """One replica of a replicated type: local updates, periodic push gossip, merge on receipt."""

    def __init__(self, node_id: str, *, kind: ReplicatedType, replicas: Sequence[str], updates: int = 10,
                 update_every: float = 100.0, gossip_every: float = 10.0,
                 script: Sequence[tuple[float, ScriptedOp]] = (), initial: Any = _MISSING) -> None:
        super().__init__(node_id)
        self.kind, self.replicas = kind, tuple(replicas)
        self.updates, self.update_every, self.gossip_every = updates, update_every, gossip_every
        self.script, self.initial = tuple(script), initial

    def on_start(self) -> None:
        stored = self.storage.get("state", _MISSING)
        if stored is not _MISSING:
            self.state = self.kind.copy(stored)
        elif self.initial is not _MISSING:
            self.state = self.kind.copy(self.initial)
        else:
            self.state = self.kind.initial(self.replicas)
        self.done = self.storage.get("done", 0)
        self.set_timer("gossip", self.rng.uniform(0, self.gossip_every))
        if self.done < self.updates:
            self.set_timer("update", self.update_every * self.rng.uniform(0.5, 1.5))
        if self.script and not self.storage.get("scripted"):
            # delays from the first start (local clocks may be offset); lost with the timers on a crash
            self.persist(scripted=True)
            for i, (at, _) in enumerate(self.script):
                self.set_timer(("script", i), at)

    def on_timer(self, name: Any) -> None:
        if name == "gossip":
            if self.peers:
                self.send(self.rng.choice(self.peers), Gossip(self.kind.copy(self.state)))
            self.set_timer("gossip", self.gossip_every)
        elif name == "update":
            effect, new = self.kind.update(self.kind.copy(self.state), self.id, self.rng.randrange(1 << 30), self.now())
            self.done += 1
            self._changed(new, update=effect)
            if self.done < self.updates:
                self.set_timer("update", self.update_every * self.rng.uniform(0.5, 1.5))
        else:
            _, i = name
            effect, new = self.script[i][1](self.kind.copy(self.state), self.id, self.now())
            self._changed(new, update=effect)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Gossip):
            merged = self.kind.merge(self.kind.copy(self.state), self.kind.copy(msg.state))
            if not self.kind.equal(merged, self.state):
                self._changed(merged, merged_from=src)

    def _changed(self, state: Any, *, update: Any = None, merged_from: str | None = None) -> None:
        self.state = state
        value = show(self.kind.value(state))
        if merged_from is None:
            # one effect makes the update durable and records it: a torn handler keeps both or neither
            self.persist(state=self.kind.copy(state), done=self.done, update=update)
            self.note(update=update, value=value)
        else:
            self.persist(state=self.kind.copy(state), done=self.done)
            self.note(merged=merged_from, value=value)


def _state(sim: Simulation, name: str) -> Any:
    """A replica's state; None while it is down (or restarted but not yet started)."""
    return getattr(sim.node(name), "state", None) if sim.status(name) == UP else None


def _sample(sim: Simulation, names: Sequence[str], kind: ReplicatedType, every: float) -> None:
    states = {n: _state(sim, n) for n in names}
    values = {n: None if s is None else show(kind.value(s)) for n, s in states.items()}
    sim.trace.add(sim.now, "note", None, None, None, {"sample": values, "partitioned": sim.net.partitioned})
    sim.schedule(every, _sample, sim, names, kind, every)


def _all_done(sim: Simulation, names: Sequence[str], updates: int) -> bool:
    return all(sim.status(n) == UP and getattr(sim.node(n), "done", 0) >= updates for n in names)


def run_replicas(kind: ReplicatedType, seed: int, *, replicas: Sequence[str] = REPLICAS,
                 schedule: FaultSchedule | None = None, updates: int = 10, update_every: float = 100.0,
                 gossip_every: float = 10.0, latency: Any = (1, 10), loss: float = 0.0, duplicate: float = 0.0,
                 reorder: float = 0.0, settle: float = 500.0, sample_every: float = 25.0,
                 scripts: dict[str, Sequence[tuple[float, ScriptedOp]]] | None = None, initial: Any = _MISSING,
                 until: float | None = None, before_run: Callable[[Simulation], None] | None = None) -> Simulation:
    """Run ``replicas`` of ``kind`` gossiping under ``schedule``; returns the finished Simulation.

    Without ``until``, the run goes on until every replica is up and has made its ``updates``
    and the last fault is past, then for ``settle`` ms more (quiescence: no more updates, only
    gossip). ``scripts`` maps a replica to its scripted operations ``[(time, op), ...]``.
    """
    names = tuple(replicas)
    if len(names) < 2 or len(set(names)) != len(names):
        raise ConfigError(f"replication needs at least two distinct replica ids, got {list(replicas)}")
    unknown = set(scripts or {}) - set(names)
    if unknown:
        raise ConfigError(f"scripts name unknown replicas {sorted(unknown)}; replicas are {list(names)}")
    sim = Simulation(seed, latency=latency, loss=loss, duplicate=duplicate, reorder=reorder)
    for n in names:
        sim.add_node(n, Replica, kind=kind, replicas=names, updates=updates, update_every=update_every,
                     gossip_every=gossip_every, script=(scripts or {}).get(n, ()), initial=initial)
    if schedule is not None:
        schedule.apply_to(sim)
    if before_run is not None:
        before_run(sim)
    last_fault = max((f.at for f in schedule), default=0.0) if schedule is not None else 0.0
    if not sample_every > 0:
        raise ConfigError(f"sample_every must be > 0 ms, got {sample_every!r}")
    sim.schedule(sample_every, _sample, sim, names, kind, sample_every)
    if until is not None:
        sim.run(until=until)
        return sim
    while not (_all_done(sim, names, updates) and sim.now >= last_fault):
        if sim.now > 60_000:
            raise ConfigError(f"the replicas did not finish their updates within 60 s of simulated time (seed={seed})")
        sim.run(until=sim.now + 100.0)
    sim.run(until=sim.now + settle)
    return sim


def replica_states(sim: Simulation) -> dict[str, Any]:
    """Each replica's current state (None for a replica that is down)."""
    return {n: _state(sim, n) for n in sim.node_ids}


def update_effects(sim: Simulation) -> list[Any]:
    """Every update the replicas made, in the order they happened: those whose new state was persisted.

    Read from the trace's persist records, which carry the effect: a crash that tears an update's
    handler after the persist keeps the update (it is durable and will be gossiped) though its
    note is lost; one that tears it before the persist loses both.
    """
    return [r.detail["update"] for r in sim.trace.of_kind("persist")
            if r.node is not None and r.detail.get("update") is not None]


def samples(sim: Simulation) -> list[tuple[float, bool, dict[str, str | None]]]:
    """The sampler's records: ``(time, partitioned, {replica: value shown})``."""
    return [(r.time, r.detail["partitioned"], r.detail["sample"]) for r in sim.trace.notes(key="sample")]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def convergence_problem(sim: Simulation) -> str | None:
    """None when every replica is up, all states are equal, and the value reflects every update."""
    names = sim.node_ids
    down = [n for n in names if sim.status(n) != UP]
    if down:
        return f"replicas {down} are down at the end of the run"
    kind: ReplicatedType = sim.node(names[0]).kind  # type: ignore[attr-defined]
    states = replica_states(sim)
    first = states[names[0]]
    if not all(kind.equal(first, s) for s in states.values()):
        shown = ", ".join(f"{n}={_short(show(kind.value(s)))}" for n, s in states.items())
        return f"the replicas did not converge after healing: {shown}"
    if kind.expected is not None:
        want, got = kind.expected(update_effects(sim)), kind.value(first)
        if got != want:
            return (f"the replicas agree on {_short(show(got))}, but the {len(update_effects(sim))} updates they "
                    f"made add up to {_short(show(want))}")
    return None


def diverged_during_partition(sim: Simulation) -> bool:
    """True when, at some sampled moment of a partition, two up replicas showed different values."""
    for _, partitioned, values in samples(sim):
        shown = {v for v in values.values() if v is not None}
        if partitioned and len(shown) > 1:
            return True
    return False


def convergence_campaign(kind: ReplicatedType, *, seeds: Iterable[int], faults: int = 3,
                         kinds: Sequence[str] = FAULT_KINDS, duration: float = 1000.0,
                         replicas: Sequence[str] = REPLICAS, shrink_first: bool = True, stop_after: int | None = None,
                         on_seed: Callable[[int, FuzzReport], None] | None = None, **run_kwargs: Any) -> FuzzReport:
    """Fuzz ``kind``: each seed draws a fault schedule over ``duration`` ms and runs :func:`run_replicas`.

    Always: :func:`convergence_problem` is None. Sometimes (the report's ``progress``):
    :func:`diverged_during_partition`.
    """
    names = list(replicas)

    def run(seed: int, schedule: FaultSchedule) -> Simulation:
        return run_replicas(kind, seed, replicas=names, schedule=schedule, **run_kwargs)

    def schedule(seed: int) -> FaultSchedule:
        return FaultSchedule.random(seed, names, duration=duration, faults=faults, kinds=kinds, max_down=1)

    return fuzz(run, convergence_problem, seeds=seeds, schedule=schedule, progress=diverged_during_partition,
                shrink_first=shrink_first, stop_after=stop_after, max_shrink_runs=60, on_seed=on_seed)


#: The CRDT campaign's broken variants: name -> the broken type it runs (dsworkbook.crdt.pitfalls).
CRDT_VARIANTS = {"sum_merge": "G-Counter (sum merge)", "tie_keeps_own": "LWW-Register (keeps its own on a tie)",
                 "unsafe_compress": "OR-Set (compress)"}


def _crdt(seeds: list[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
          on_seed: Any, options: dict[str, Any]) -> FuzzReport:
    from dsworkbook.crdt.pitfalls import BROKEN  # the pitfalls build on this module's types

    kind = TYPES[options.get("type", "OR-Set")] if variant == "correct" else BROKEN[CRDT_VARIANTS[variant]]
    return convergence_campaign(kind, seeds=seeds, shrink_first=shrink_first, on_seed=on_seed)


register_campaign(Campaign(
    "crdt", "replicas of one CRDT converge after every heal (--type; a broken variant runs its own type); "
            "progress: they diverged during a partition", _crdt, ("correct", *CRDT_VARIANTS),
    options={"type": ("OR-Set", *[t for t in TYPES if t != "OR-Set"])}))
