"""Leader election three ways: the bully algorithm, leases from a lease store, and Raft's election.

Theory of operation
-------------------
**Bully** (Garcia-Molina, "Elections in a distributed computing system", IEEE Trans. Computers,
1982). Members are ranked by id. A member that suspects its coordinator sends
:class:`Election` to every higher member; any higher member that is alive replies
:class:`Answer` and starts its own election; a candidate that hears no answer within
``answer_timeout`` wins and sends :class:`Coordinator` to everyone; one that was answered waits
``coordinator_timeout`` for the winner's announcement, else starts again. The coordinator
repeats its announcement every ``heartbeat`` ms; silence for ``failure_timeout`` starts an
election. A member never accepts a lower coordinator: it "bullies" it with an election, which
is also how a recovered higher member takes over. The algorithm assumes a synchronous system:
the timeouts are its failure detector, so under a **partition** each side elects its own highest
member and there are **two coordinators** until the network heals (:func:`bully_scenario`).

**Leases** (Gray & Cheriton, "Leases: an efficient fault-tolerant mechanism for distributed file
cache consistency", SOSP 1989). A :class:`LeaseStore` grants one candidate the leadership for
``lease`` ms of the store's clock. The holder times its lease from when it *sent* the request
(so the network delay only shortens it) and renews at ``renew_fraction`` of the lease. Both
sides time the lease on their own clocks, which is safe only if the clocks run at nearly the
same rate (section 2 of the paper assumes bounded drift): a holder whose clock runs slow
believes it leads after the store has given the lease to someone else. The safe rule stops
acting at ``start + lease * (1 - drift_bound)`` on the holder's clock; with ``drift_bound`` at
least the rate difference between the holder's clock and the store's there is never a moment
with two believed leaders. A renewal scheduled late (high fraction, a GC pause) is what lets the
lease lapse on the store; drift is what makes the old holder miss it. A store that restarts
grants nothing for one lease term (the paper's recovery rule), so a holder it forgot is out of
time before anyone else is in. :func:`lease_overlap` measures the time with two believed
leaders; :func:`lease_overlap_table` sweeps renewal fraction and drift.

**Raft** (Ongaro & Ousterhout 2014, section 5.2): :func:`raft_leaders` runs the project's Raft
unchanged and reads the leader of each term from its trace.

Broken variants (:data:`VARIANTS`), each caught by the ``election`` campaign: ``lower_answers``
(a lower member answers a higher candidate, so candidates keep backing off and nobody wins),
``accept_lower`` (a member adopts a lower coordinator's announcement), ``ignore_drift`` (the
holder believes its lease for the full term on its own clock).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import (DOWN, ClockDrift, Crash, FaultSchedule, FuzzReport, Node, Pause, Restart, Simulation,
                            fuzz)
from dsworkbook.sim.fuzz import Campaign, register_campaign

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["VARIANTS", "BullyConfig", "Election", "Answer", "Coordinator", "BullyNode", "bully_sim",
           "coordinators", "bully_scenario", "bully_problem", "LeaseRequest", "LeaseGrant", "LeaseDenied",
           "LeaseStore", "LeaseCandidate", "lease_sim", "LeaseWatch", "lease_overlap", "lease_overlap_table",
           "raft_leaders", "election_run", "election_problem", "election_campaign"]

VARIANTS: dict[str, str] = {
    "correct": "bully as Garcia-Molina wrote it; lease holders stop at lease * (1 - drift_bound)",
    "lower_answers": "bully: every member answers every Election, even from a higher candidate - nobody wins",
    "accept_lower": "bully: a member adopts a Coordinator announcement from a lower member",
    "ignore_drift": "lease: the holder believes its lease for the whole term on its own (drifting) clock",
}


def _check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ConfigError(f"unknown election variant {variant!r}; choose one of {list(VARIANTS)}")
    return variant


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be > 0 ms, got {value!r}")
    return float(value)


# -- bully -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BullyConfig:
    answer_timeout: float = 30.0
    coordinator_timeout: float = 60.0
    heartbeat: float = 50.0
    failure_timeout: float = 150.0
    variant: str = "correct"

    def __post_init__(self) -> None:
        for name in ("answer_timeout", "coordinator_timeout", "heartbeat", "failure_timeout"):
            _positive(f"BullyConfig.{name}", getattr(self, name))
        if self.failure_timeout <= self.heartbeat:
            raise ConfigError(f"failure_timeout ({self.failure_timeout}) must exceed the heartbeat "
                              f"({self.heartbeat}), or a live coordinator is suspected between announcements")
        _check_variant(self.variant)


@dataclass(frozen=True, slots=True)
class Election:
    candidate: str


@dataclass(frozen=True, slots=True)
class Answer:
    responder: str


@dataclass(frozen=True, slots=True)
class Coordinator:
    leader: str


class BullyNode(Node):
    """One member; ``members`` in rank order, lowest first."""

    def __init__(self, node_id: str, *, members: Sequence[str], config: BullyConfig = BullyConfig()) -> None:
        super().__init__(node_id)
        self.members = list(members)
        self.rank = {m: i for i, m in enumerate(self.members)}
        self.config = config
        self.coordinator: str | None = None
        self.electing = False

    def higher(self) -> list[str]:
        return [m for m in self.members if self.rank[m] > self.rank[self.id]]

    def on_start(self) -> None:
        self.start_election()

    def start_election(self) -> None:
        self.electing, self.coordinator = True, None
        broken = self.config.variant == "lower_answers"
        targets = [m for m in self.members if m != self.id] if broken else self.higher()
        if not targets:
            return self.become_coordinator()
        for m in targets:
            self.send(m, Election(self.id))
        self.set_timer("answer", self.config.answer_timeout)

    def become_coordinator(self) -> None:
        self.electing = False
        self.adopt(self.id)
        for m in self.members:
            if m != self.id:
                self.send(m, Coordinator(self.id))
        self.set_timer("heartbeat", self.config.heartbeat)

    def adopt(self, leader: str) -> None:
        if leader != self.coordinator:
            self.note(coordinator=leader)
        self.coordinator, self.electing = leader, False
        self.cancel_timer("answer")
        self.cancel_timer("wait")
        self.set_timer("watch", self.config.failure_timeout)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Election):
            if self.config.variant == "lower_answers" or self.rank[self.id] > self.rank[msg.candidate]:
                self.send(src, Answer(self.id))
                if not self.electing and self.coordinator != self.id:
                    self.start_election()
                elif self.coordinator == self.id:
                    self.send(src, Coordinator(self.id))
        elif isinstance(msg, Answer) and self.electing:
            self.cancel_timer("answer")
            self.set_timer("wait", self.config.coordinator_timeout)
        elif isinstance(msg, Coordinator):
            if self.rank[msg.leader] >= self.rank[self.id] or self.config.variant == "accept_lower":
                self.adopt(msg.leader)
            elif not self.electing:
                self.start_election()  # bully the lower coordinator

    def on_timer(self, name: Any) -> None:
        if name == "answer" and self.electing:
            self.become_coordinator()
        elif name == "wait" and self.electing:
            self.start_election()
        elif name == "heartbeat" and self.coordinator == self.id:
            for m in self.members:
                if m != self.id:
                    self.send(m, Coordinator(self.id))
            self.set_timer("heartbeat", self.config.heartbeat)
        elif name == "watch" and self.coordinator != self.id and not self.electing:
            self.start_election()


def bully_sim(seed: int, n: int = 5, *, config: BullyConfig = BullyConfig(), prefix: str = "b",
              sim: Simulation | None = None) -> Simulation:
    """``n`` bully members ``b1..bn`` (``bn`` ranks highest); pass ``sim`` to add them to an existing one."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ConfigError(f"an election needs n >= 2 members, got {n!r}")
    sim = Simulation(seed, latency=(1, 10)) if sim is None else sim
    members = [f"{prefix}{i}" for i in range(1, n + 1)]
    for m in members:
        sim.add_node(m, BullyNode, members=members, config=config)
    return sim


def coordinators(sim: Simulation, prefix: str = "b") -> dict[str, str | None]:
    """Each live member's coordinator (None while it is electing)."""
    return {n: sim.node(n).coordinator for n in sim.node_ids if n.startswith(prefix) and sim.status(n) != DOWN}


def bully_scenario(name: str, *, seed: int = 1, variant: str = "correct") -> "pd.DataFrame":
    """``partition`` ({b1,b2,b3} | {b4,b5} then heal) or ``recovery`` (b5 crashes, then comes back).

    One row per phase: each member's coordinator at the end of that phase.
    """
    import pandas as pd

    if name not in ("partition", "recovery"):
        raise ConfigError(f"scenario must be 'partition' or 'recovery', got {name!r}")
    sim = bully_sim(seed, config=BullyConfig(variant=_check_variant(variant)))
    phases = [("start", 450.0)]
    if name == "partition":
        sim.at(500.0, sim.net.partition, ["b1", "b2", "b3"], ["b4", "b5"])
        sim.at(1500.0, sim.net.heal)
        phases += [("partitioned", 1500.0), ("healed", 2500.0)]
    else:
        sim.at(500.0, sim.crash, "b5")
        sim.at(1500.0, sim.restart, "b5")
        phases += [("b5 down", 1500.0), ("b5 back", 2500.0)]
    rows = []
    for phase, until in phases:
        sim.run(until=until)
        rows.append({"phase": phase, **coordinators(sim)})
    return pd.DataFrame(rows).set_index("phase")


def bully_problem(sim: Simulation, prefix: str = "b") -> str | None:
    """Always: nobody adopted a lower coordinator. At the end: every live member follows the highest live one."""
    members = [n for n in sim.node_ids if n.startswith(prefix)]
    rank = {m: i for i, m in enumerate(members)}
    for r in sim.trace.of_kind("note"):
        who = r.detail.get("coordinator")
        if who is not None and r.node in rank and rank[who] < rank[r.node]:
            return f"{r.node} adopted the lower coordinator {who} at t={r.time:g}"
    live = coordinators(sim, prefix)
    top = max(live, key=rank.__getitem__)
    wrong = {n: c for n, c in live.items() if c != top}
    return f"after settling, members {wrong} do not follow the highest live member {top}" if wrong else None


# -- leases ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeaseRequest:
    candidate: str
    req: int


@dataclass(frozen=True, slots=True)
class LeaseGrant:
    req: int


@dataclass(frozen=True, slots=True)
class LeaseDenied:
    req: int
    holder: str | None


class LeaseStore(Node):
    """Grants the lease to one candidate at a time, timed on its own clock; waits a term after a restart."""

    def __init__(self, node_id: str, *, lease: float) -> None:
        super().__init__(node_id)
        self.lease = lease
        self.holder: str | None = None
        self.expires = 0.0
        self.quiet_until = 0.0

    def on_start(self) -> None:
        if self.storage.get("started"):
            self.quiet_until = self.now() + self.lease  # a holder it forgot may still be in its term
        self.persist(started=True)

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, LeaseRequest):
            return
        now = self.now()
        free = self.holder is None or now >= self.expires or self.holder == msg.candidate
        if now >= self.quiet_until and free:
            if self.holder != msg.candidate:
                self.note(holder=msg.candidate)
            self.holder, self.expires = msg.candidate, now + self.lease
            self.send(src, LeaseGrant(msg.req))
        else:
            self.send(src, LeaseDenied(msg.req, self.holder))


class LeaseCandidate(Node):
    """Asks the store for the lease every ``retry`` ms; the holder renews at ``renew_fraction`` of it."""

    def __init__(self, node_id: str, *, store: str, lease: float, renew_fraction: float, drift_bound: float,
                 retry: float = 50.0, variant: str = "correct") -> None:
        super().__init__(node_id)
        self.store, self.lease, self.renew_fraction = store, lease, renew_fraction
        self.margin = 0.0 if variant == "ignore_drift" else drift_bound
        self.retry = retry
        self.req = 0
        self.sent: dict[int, float] = {}
        self.until: float | None = None  # own clock: when it stops acting as leader

    def leading(self) -> bool:
        return self.until is not None and self.now() < self.until

    def on_start(self) -> None:
        self.set_timer("try", self.rng.uniform(0, self.retry))

    def ask(self) -> None:
        self.req += 1
        self.sent[self.req] = self.now()
        self.send(self.store, LeaseRequest(self.id, self.req))

    def on_timer(self, name: Any) -> None:
        if name == "try":
            if not self.leading():
                self.ask()
            self.set_timer("try", self.retry)
        elif name == "renew":
            self.ask()

    def on_message(self, src: str, msg: Any) -> None:
        start = self.sent.pop(getattr(msg, "req", -1), None)
        if start is None:
            return
        if isinstance(msg, LeaseGrant):
            end = start + self.lease * (1.0 - self.margin)  # Gray & Cheriton: time from the request
            if end > self.now():
                if not self.leading():
                    self.note(leads=True)
                self.until = end
                self.set_timer("renew", max(0.0, start + self.renew_fraction * self.lease - self.now()))
        elif isinstance(msg, LeaseDenied) and self.until is not None:
            self.until = None
            self.cancel_timer("renew")
            self.note(leads=False)


class LeaseWatch:
    """Samples every ``step`` ms how many candidates believe they lead; sums the time with two or more."""

    def __init__(self, sim: Simulation, candidates: Sequence[str], step: float = 2.0) -> None:
        self.sim, self.candidates, self.step = sim, list(candidates), step
        self.overlap, self.led, self.max_leaders, self.first_overlap = 0.0, 0.0, 0, None
        sim.schedule(0.0, self._sample)

    def _sample(self) -> None:
        sim = self.sim
        n = sum(1 for c in self.candidates if sim.status(c) != DOWN and sim.node(c).leading())
        if n >= 2:
            self.overlap += self.step
            self.first_overlap = sim.now if self.first_overlap is None else self.first_overlap
        self.led += self.step if n else 0.0
        self.max_leaders = max(self.max_leaders, n)
        sim.schedule(self.step, self._sample)


def lease_sim(seed: int, *, candidates: int = 3, lease: float = 1000.0, renew_fraction: float = 0.5,
              drift_bound: float = 0.0, variant: str = "correct", sim: Simulation | None = None,
              prefix: str = "l") -> tuple[Simulation, LeaseWatch]:
    """A lease store ``s`` and candidates ``l1..``; returns the simulation and its overlap watch."""
    _positive("lease", lease)
    if isinstance(renew_fraction, bool) or not isinstance(renew_fraction, (int, float)) or not 0 < renew_fraction < 1:
        raise ConfigError(f"renew_fraction must be in (0, 1) - the holder renews before its lease ends - "
                          f"got {renew_fraction!r}")
    if isinstance(drift_bound, bool) or not isinstance(drift_bound, (int, float)) or not 0 <= drift_bound < 1:
        raise ConfigError(f"drift_bound must be in [0, 1), got {drift_bound!r}")
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise ConfigError(f"candidates must be an int >= 1, got {candidates!r}")
    sim = Simulation(seed, latency=(1, 10)) if sim is None else sim
    sim.add_node("s", LeaseStore, lease=lease)
    names = [f"{prefix}{i}" for i in range(1, candidates + 1)]
    for c in names:
        sim.add_node(c, LeaseCandidate, store="s", lease=lease, renew_fraction=renew_fraction,
                     drift_bound=drift_bound, variant=_check_variant(variant))
    return sim, LeaseWatch(sim, names)


def _pauses(seed: int, nodes: Sequence[str], duration: float, every: float = 1500.0,
            longest: float = 600.0) -> FaultSchedule:
    rng = random.Random(f"dsworkbook:{seed}:lease-pauses")
    return FaultSchedule(Pause(round(k * every + rng.uniform(0, every / 2), 1), rng.choice(list(nodes)),
                               round(rng.uniform(50.0, longest), 1)) for k in range(int(duration // every)))


def lease_overlap(seed: int, *, renew_fraction: float, drift: float, drift_bound: float = 0.0,
                  lease: float = 1000.0, duration: float = 20_000.0, variant: str = "correct") -> dict[str, float]:
    """One run: the candidates' clocks run ``drift`` slower than the store's, and GC pauses hit them.

    Returns ms with two believed leaders, ms with at least one, and the most leaders at once.
    """
    sim, watch = lease_sim(seed, lease=lease, renew_fraction=renew_fraction, drift_bound=drift_bound,
                           variant=variant)
    for c in watch.candidates:
        sim.set_drift(c, -drift)
    _pauses(seed, watch.candidates, duration).apply_to(sim)
    sim.run(until=duration)
    failovers = sum(1 for r in sim.trace.of_kind("note") if r.node == "s" and "holder" in r.detail) - 1
    return {"overlap_ms": watch.overlap, "led_ms": watch.led, "max_leaders": watch.max_leaders,
            "failovers": max(failovers, 0)}


def lease_overlap_table(fractions: Sequence[float] = (0.5, 0.75, 0.9), drifts: Sequence[float] = (0.0, 0.02, 0.05, 0.1),
                        *, drift_bound: float = 0.1, seeds: Sequence[int] = (1, 2, 3)) -> "pd.DataFrame":
    """Summed over ``seeds`` (20 s each): lease failovers, and ms with two believed leaders, naive and safe."""
    import pandas as pd

    rows = []
    for f in fractions:
        for d in drifts:
            naive = [lease_overlap(s, renew_fraction=f, drift=d, variant="ignore_drift") for s in seeds]
            safe = [lease_overlap(s, renew_fraction=f, drift=d, drift_bound=drift_bound) for s in seeds]
            rows.append((f, d, sum(r["failovers"] for r in naive), sum(r["overlap_ms"] for r in naive),
                         sum(r["overlap_ms"] for r in safe), sum(r["led_ms"] for r in safe)))
    return pd.DataFrame(rows, columns=["renew_fraction", "drift", "failovers", "overlap_ms_naive",
                                       "overlap_ms_safe", "led_ms_safe"])


# -- Raft's election -----------------------------------------------------------------------------------


def raft_leaders(seed: int, *, servers: int = 5, until: float = 3000.0,
                 schedule: FaultSchedule | None = None) -> "pd.DataFrame":
    """Run the project's Raft (unchanged) and list who became leader in each term, and when."""
    import pandas as pd

    from dsworkbook.consensus.raft import raft_sim

    sim = raft_sim(seed, servers=servers)
    if schedule is not None:
        schedule.apply_to(sim)
    sim.run(until=_positive("until", until))
    rows = [(r.detail["term"], r.node, r.time) for r in sim.trace.of_kind("note")
            if r.detail.get("role") == "leader"]
    return pd.DataFrame(rows, columns=["term", "leader", "elected_at"])


# -- the campaign --------------------------------------------------------------------------------------

BULLY = tuple(f"b{i}" for i in range(1, 6))
LEASE = ("l1", "l2", "l3")
FAULT_PHASE, SETTLE, MAX_DRIFT = 3000.0, 2000.0, 0.04


def _schedule(seed: int) -> FaultSchedule:
    """Crashes, pauses and partitions among the bully members; pauses, bounded drift and a store crash for leases."""
    bully = FaultSchedule.random(seed, BULLY, duration=FAULT_PHASE, faults=4, kinds=("crash", "pause", "partition"))
    rng = random.Random(f"dsworkbook:{seed}:election-schedule")
    lease: list[Any] = [ClockDrift(0.0, n, round(rng.uniform(-MAX_DRIFT, MAX_DRIFT), 4)) for n in ("s",) + LEASE]
    lease += list(_pauses(seed, LEASE, FAULT_PHASE, every=700.0))
    if rng.random() < 0.3:
        t = round(rng.uniform(0, FAULT_PHASE / 2), 1)
        lease += [Crash(t, "s"), Restart(round(t + rng.uniform(10, 500), 1), "s")]
    return bully + lease


def election_run(seed: int, schedule: FaultSchedule, variant: str = "correct") -> Simulation:
    """Five bully members and a lease election side by side; faults, then repair, then settle."""
    sim = bully_sim(seed, config=BullyConfig(variant=variant))
    _, watch = lease_sim(seed, lease=500.0, renew_fraction=0.75, drift_bound=2.5 * MAX_DRIFT, variant=variant, sim=sim)
    sim.lease_watch = watch  # type: ignore[attr-defined]
    schedule.apply_to(sim)

    def repair() -> None:
        sim.net.heal()
        for n in BULLY + ("s",):
            if sim.status(n) == DOWN:
                sim.restart(n)

    sim.at(FAULT_PHASE, repair)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def election_problem(sim: Simulation) -> str | None:
    """The bully checks (:func:`bully_problem`) and: never two candidates believing they hold the lease."""
    watch = sim.lease_watch  # type: ignore[attr-defined]
    if watch.max_leaders >= 2:
        return f"two lease holders believed they lead for {watch.overlap:g} ms (first at t={watch.first_overlap:g})"
    return bully_problem(sim)


def _progress(sim: Simulation) -> bool:
    return bully_problem(sim) is None and sim.lease_watch.led > 0  # type: ignore[attr-defined]


def election_campaign(seeds: Sequence[int], *, variant: str = "correct", shrink_first: bool = True,
                      max_shrink_runs: int = 200, on_seed: Any = None) -> FuzzReport:
    """Fuzz both elections on ``seeds``; the first violation is shrunk."""
    return fuzz(functools.partial(election_run, variant=_check_variant(variant)), election_problem, seeds=seeds,
                schedule=_schedule, progress=_progress, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                on_seed=on_seed)


def _campaign(seeds: list[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
              on_seed: Any, options: dict[str, Any]) -> FuzzReport:
    return election_campaign(seeds, variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                             on_seed=on_seed)


register_campaign(Campaign(
    "election", "bully: nobody adopts a lower coordinator and, after repair, all follow the highest live member; "
                "lease: never two believed leaders (bounded drift, pauses, store restarts); progress: both elected",
    _campaign, tuple(VARIANTS)))
