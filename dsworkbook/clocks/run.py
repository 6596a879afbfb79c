"""Clocks on the simulator: nodes that stamp every event three ways, and checks of what each promises.

Theory of operation
-------------------
:class:`ClockNode` is a sans-IO node that does ``events`` actions, about one every ``every``
ms of its own clock: a local event, or a send to a random peer (:class:`Stamped`). Every event
it does - local, send, receive - gets three timestamps at once: a Lamport time (lamport.py), a
vector timestamp (vector.py) and a hybrid logical timestamp from its physical clock
``pt = self.now()`` rounded down to ``resolution`` ms (hlc.py). It records each event (kind,
message key, the three stamps, ``pt``) in the persist that makes it durable, and as a ``note``
in the trace; the run's ground truth is read from the persists, so a crash that tears the
handler between the two (``Crash(..., after=1)``) still counts the event it made durable.
With ``durable=True`` it persists its clocks with every event, so a crash and restart carry on
where it stopped; with ``durable=False`` the clocks restart at zero (the message sequence
number and the set of messages already received are always durable, so a duplicate is never a
second event).

:func:`clock_run` builds such a cluster with clock offsets spread over ``skew`` ms (and drift,
a clock jump, network and node faults as asked), runs it and returns a :class:`ClockRun`. The
run rebuilds the ground truth - a :class:`~dsworkbook.clocks.diagram.SpaceTimeDiagram` whose
happens-before comes from the graph of events and messages, not from any clock - and checks
each clock against it:

* :meth:`ClockRun.lamport_check`: ``a -> b => L(a) < L(b)`` on every edge (process order and
  messages; by transitivity that covers every pair), and how often ``L(a) < L(b)`` held for
  events that were in fact concurrent (the converse that Lamport clocks do not give);
* :meth:`ClockRun.vector_check`: ``compare(V(a), V(b))`` equals the true relation for every
  pair of events;
* :meth:`ClockRun.hlc_check`: ``l`` never goes back on a node, ``a -> b`` implies a smaller
  ``(l, c)``, and ``l - pt`` stays within how far the fastest clock was ahead of this node's
  at that moment (Kulkarni et al. 2014, Theorem 2) - the clocks' history is recorded as it
  changes, so this bound is computed per event, from the run.

The rules are pluggable (``lamport_rule``, ``hlc_rule``): graders run a learner's rule inside
these nodes and check the same properties.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dsworkbook.clocks.diagram import SpaceTimeDiagram
from dsworkbook.clocks.hlc import HybridTimestamp, _as_hybrid, hlc_update
from dsworkbook.clocks.lamport import lamport_receive
from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.sim import ClockDrift, ClockJump, FaultSchedule, Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Stamped", "ClockNode", "ClockRun", "EventStamp", "clock_run", "LamportRule", "HlcRule"]

LamportRule = Callable[[int, int], int]
HlcRule = Callable[[Any, float, Any], Any]


@dataclass(frozen=True, slots=True)
class Stamped:
    """A message of the clock experiment: ``key = (sender, seq)`` and its send event's three stamps."""

    key: tuple[str, int]
    lamport: int
    vector: VectorTimestamp
    hlc: HybridTimestamp


class ClockNode(Node):
    """Random local events and sends; every event stamped with Lamport, vector and hybrid clocks."""

    def __init__(self, node_id: str, *, events: int = 20, every: float = 5.0, p_send: float = 0.6,
                 durable: bool = True, resolution: float = 1.0, lamport_rule: LamportRule = lamport_receive,
                 hlc_rule: HlcRule = hlc_update) -> None:
        super().__init__(node_id)
        self.events, self.every, self.p_send = events, every, p_send
        self.durable, self.resolution = durable, resolution
        self.lamport_rule, self.hlc_rule = lamport_rule, hlc_rule

    def on_start(self) -> None:
        st = self.storage
        self.seq: int = st.get("seq", 0)
        self.done: int = st.get("done", 0)
        self.seen: frozenset = frozenset(st.get("seen", ()))
        keep = st if self.durable else {}
        self.lamport: int = keep.get("lamport", 0)
        self.vector: VectorTimestamp = keep.get("vector", VectorTimestamp())
        self.hlc: HybridTimestamp = keep.get("hlc", HybridTimestamp(0.0, 0))
        if self.done < self.events:
            self.set_timer("act", self.rng.uniform(0, self.every))

    def pt(self) -> float:
        """The physical clock the hybrid clock reads: local time rounded down to ``resolution`` ms."""
        return math.floor(self.now() / self.resolution) * self.resolution

    def on_timer(self, name: Any) -> None:
        self.done += 1
        if self.peers and self.rng.random() < self.p_send:
            peer = self.rng.choice(self.peers)
            self.seq += 1
            key = (self.id, self.seq)
            self._stamp("send", key, to=peer)
            self.send(peer, Stamped(key, self.lamport, self.vector, self.hlc))
        else:
            self._stamp("local", None)
        if self.done < self.events:
            self.set_timer("act", self.every * self.rng.uniform(0.5, 1.5))

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Stamped) or msg.key in self.seen:
            return  # a duplicate copy is not a second event
        self.seen = self.seen | {msg.key}
        self._stamp("receive", msg.key, msg=msg)

    def _stamp(self, kind: str, key: Any, *, to: str | None = None, msg: Stamped | None = None) -> None:
        pt = self.pt()
        if msg is None:
            self.lamport += 1
            self.vector = self.vector.increment(self.id)
            self.hlc = _as_hybrid(self.hlc_rule(self.hlc, pt, None), "the hybrid clock rule's result")
        else:
            self.lamport = self.lamport_rule(self.lamport, msg.lamport)
            self.vector = self.vector.merge(msg.vector).increment(self.id)
            self.hlc = _as_hybrid(self.hlc_rule(self.hlc, pt, msg.hlc), "the hybrid clock rule's result")
        state = {"seq": self.seq, "done": self.done, "seen": tuple(sorted(self.seen))}  # sorted: a stable trace
        if self.durable:
            state.update(lamport=self.lamport, vector=self.vector, hlc=self.hlc)
        event = {"event": kind, "key": key, "to": to, "lamport": self.lamport, "vector": self.vector,
                 "hlc": self.hlc, "pt": pt}
        # Persisted before the send that carries these clocks leaves (same handler, in order), and
        # with the event itself: a crash that tears this handler after the persist keeps the event
        # (its clocks and the message it consumed are durable) even though its note is lost.
        self.persist(**state, event=event)
        self.note(**event)


@dataclass(frozen=True, slots=True)
class EventStamp:
    """What a node stamped on one event, and the true time it happened."""

    node: str
    kind: str
    time: float
    pt: float
    lamport: int
    vector: VectorTimestamp
    hlc: HybridTimestamp


class _ClockHistory:
    """Every node's clock parameters over time, recorded as they change, so past readings can be replayed."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.segments: dict[str, list[tuple[float, float, float, float]]] = {n: [] for n in sim.node_ids}
        for n in sim.node_ids:
            self.snap(n)

    def snap(self, node: str) -> None:
        c = self.sim.clock(node)
        self.segments[node].append((self.sim.now, c.base_true, c.base_local, c.rate))

    def read(self, node: str, t: float) -> float:
        seg = self.segments[node][0]
        for s in self.segments[node]:
            if s[0] <= t:
                seg = s
        return seg[2] + (t - seg[1]) * seg[3]

    def apply(self, fault: Any) -> None:
        fault.apply(self.sim)
        for n in fault.nodes():
            self.snap(n)


@dataclass
class ClockRun:
    """A finished :func:`clock_run`: the simulation, the true diagram, and every event's stamps."""

    sim: Simulation
    diagram: SpaceTimeDiagram
    stamps: dict[str, EventStamp]
    resolution: float
    history: _ClockHistory = field(repr=False)

    @property
    def seed(self) -> int:
        return self.sim.seed

    def edges(self) -> list[tuple[str, str]]:
        """Happens-before's generating edges: consecutive events of a node, and each send -> receive."""
        out = []
        for n in self.diagram.nodes:
            evs = self.diagram.on(n)
            out += [(a.id, b.id) for a, b in zip(evs, evs[1:])]
        for m in self.diagram.messages:
            r = self.diagram.receiver(m.id)
            if r is not None:
                out.append((m.send, r.id))
        return out

    def lamport_check(self) -> dict[str, Any]:
        """Clock condition on every edge; how many concurrent pairs Lamport time orders anyway."""
        st = self.stamps
        bad = [(a, b, st[a].lamport, st[b].lamport) for a, b in self.edges() if not st[a].lamport < st[b].lamport]
        conc = self.diagram.concurrent_pairs()
        ordered = sum(1 for a, b in conc if st[a.id].lamport != st[b.id].lamport)
        return {"seed": self.seed, "events": len(st), "edges": len(self.edges()), "violations": bad,
                "concurrent_pairs": len(conc), "concurrent_but_ordered": ordered}

    def vector_check(self) -> dict[str, Any]:
        """Every pair: does comparing the stamped vectors give the true relation?"""
        evs = self.diagram.events
        wrong = []
        for j in range(len(evs)):
            for i in range(j):
                a, b = evs[i].id, evs[j].id
                got, truth = self.stamps[a].vector.compare(self.stamps[b].vector), self.diagram.relation(a, b)
                if got is not truth:
                    wrong.append((a, b, str(truth), str(got)))
        return {"seed": self.seed, "pairs": len(evs) * (len(evs) - 1) // 2, "mismatches": wrong}

    def ahead(self, event: str) -> float:
        """How far the fastest (rounded) clock was ahead of this node's at the event: the HLC bound."""
        e = self.stamps[event]
        res = self.resolution
        return max(math.floor(self.history.read(n, e.time) / res) * res for n in self.diagram.nodes) - e.pt

    def hlc_check(self) -> dict[str, Any]:
        """Monotonic ``l``, happens-before => smaller ``(l, c)``, ``l - pt`` within the skew bound."""
        st = self.stamps
        not_mono = [(a, b) for a, b in self.edges() if st[a].node == st[b].node and not st[a].hlc < st[b].hlc]
        hb = [(a, b) for a, b in self.edges() if not st[a].hlc < st[b].hlc]
        over = [(e, st[e].hlc.l - st[e].pt, self.ahead(e)) for e in st if st[e].hlc.l - st[e].pt > self.ahead(e) + 1e-9]
        phys = [(a, b) for a, b in self.edges() if not st[a].pt < st[b].pt]
        return {"seed": self.seed, "events": len(st), "max_divergence": max((s.hlc.l - s.pt for s in st.values()), default=0.0),
                "epsilon": max((self.ahead(e) for e in st), default=0.0), "max_c": max((s.hlc.c for s in st.values()), default=0),
                "not_monotonic": not_mono, "hb_violations": hb, "bound_violations": over, "physical_violations": phys}

    def table(self) -> "pd.DataFrame":
        """One row per event: node, kind, true time, pt, Lamport, vector, HLC (l, c), and the HLC bound."""
        import pandas as pd

        rows = [{"event": e, "node": s.node, "kind": s.kind, "true time": round(s.time, 3), "pt": s.pt,
                 "lamport": s.lamport, "vector": s.vector.as_list(self.diagram.nodes), "hlc.l": s.hlc.l,
                 "hlc.c": s.hlc.c, "l - pt": s.hlc.l - s.pt, "bound": self.ahead(e)} for e, s in self.stamps.items()]
        return pd.DataFrame(rows).set_index("event")


def _diagram_of(sim: Simulation, nodes: Sequence[str]) -> tuple[SpaceTimeDiagram, dict[str, EventStamp]]:
    """The true diagram, from the persists that carry an event: an event happened once it was durable."""
    diagram = SpaceTimeDiagram(nodes)
    mids: dict[Any, str] = {}
    stamps: dict[str, EventStamp] = {}
    for r in sim.trace.of_kind("persist"):
        d = r.detail.get("event")
        if d is None:
            continue
        if d["event"] == "send":
            e = diagram.send(r.node, d["to"])
            mids[d["key"]] = e.message
        elif d["event"] == "receive":
            e = diagram.receive(r.node, mids[d["key"]])
        else:
            e = diagram.local(r.node)
        stamps[e.id] = EventStamp(r.node, d["event"], r.time, d["pt"], d["lamport"], d["vector"], d["hlc"])
    return diagram, stamps


def _offsets(seed: int, nodes: Sequence[str], skew: float, drift: float) -> tuple[dict, dict]:
    rng = random.Random(seed * 7919 + 17)  # its own stream: the clocks do not shift the run's other draws
    spread = [skew * i / max(len(nodes) - 1, 1) for i in range(len(nodes))]  # from 0 to skew, in a random order
    rng.shuffle(spread)
    offsets = {n: round(o, 3) for n, o in zip(nodes, spread)}
    drifts = {n: round(rng.uniform(-drift, drift), 6) for n in nodes}
    return offsets, drifts


def _schedule_faults(sim: Simulation, faults: Sequence[Any], history: _ClockHistory) -> None:
    """Schedule ``faults``; clock faults go through ``history`` so the clocks' past stays readable."""
    for f in faults:
        for n in f.nodes():
            sim.check_node(n)
        if isinstance(f, (ClockJump, ClockDrift)):
            sim.at(f.at, history.apply, f)
        else:
            sim.at(f.at, f.apply, sim)


def clock_run(seed: int, *, nodes: Sequence[str] = ("A", "B", "C"), events: int = 20, every: float = 5.0,
              p_send: float = 0.6, latency: Any = (1, 10), loss: float = 0.0, duplicate: float = 0.0,
              reorder: float = 0.0, skew: float = 0.0, drift: float = 0.0, jump: float = 0.0,
              faults: FaultSchedule | None = None, durable: bool = True, resolution: float = 1.0,
              lamport_rule: LamportRule = lamport_receive, hlc_rule: HlcRule = hlc_update) -> ClockRun:
    """Run :class:`ClockNode` s on seed ``seed`` and return the :class:`ClockRun` (see the module docstring).

    Clock offsets are spread evenly over ``[0, skew]`` ms (which node gets which is drawn from
    the seed) and drift rates drawn within ``±drift``; ``jump``
    steps the first node's clock by that many ms half way through. ``faults`` is any
    :class:`~dsworkbook.sim.FaultSchedule` (crashes, partitions, clock faults...).
    """
    for name, v in (("skew", skew), ("resolution", resolution), ("every", every)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0 or (name != "skew" and v == 0):
            raise ConfigError(f"{name} must be a number of ms {'>= 0' if name == 'skew' else '> 0'}, got {v!r}")
    if isinstance(drift, bool) or not isinstance(drift, (int, float)) or not 0 <= drift < 1:
        raise ConfigError(f"drift must be within [0, 1): rates are drawn within ±drift, and a clock with drift "
                          f"<= -1 would stop or run backwards; got {drift!r}")
    sim = Simulation(seed, latency=latency, loss=loss, duplicate=duplicate, reorder=reorder)
    offsets, drifts = _offsets(seed, nodes, skew, drift)
    for n in nodes:
        sim.add_node(n, ClockNode, events=events, every=every, p_send=p_send, durable=durable,
                     resolution=resolution, lamport_rule=lamport_rule, hlc_rule=hlc_rule)
        sim.set_clock_offset(n, offsets[n])
        if drifts[n]:
            sim.set_drift(n, drifts[n])
    history = _ClockHistory(sim)
    schedule = list(faults or []) + ([ClockJump(round(events * every / 2, 3), nodes[0], jump)] if jump else [])
    _schedule_faults(sim, schedule, history)
    sim.run(until=events * every * 1.6 + 200)
    diagram, stamps = _diagram_of(sim, nodes)
    return ClockRun(sim, diagram, stamps, resolution, history)
