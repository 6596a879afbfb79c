"""Designing a quorum store for stated goals: a choice of N, R, W and repair, checked by running it.

Theory of operation
-------------------
A :class:`Design` is what an engineer decides for a Dynamo-style store
(:class:`~dsworkbook.storage.ap.APReplica`, every key on all ``N`` replicas): how many
replicas, the read and write quorums ``R`` and ``W``, and which repair mechanisms run -
``"hinted handoff"``, ``"read repair"``, ``"anti-entropy"`` (a Merkle walk every
:data:`ANTI_ENTROPY_EVERY` ms). :func:`check_design` runs the simulator once per service-level
objective and says, for each, whether the design met it and what the run showed:

==================  =========================================================================================
SLO                 the run that checks it
==================  =========================================================================================
``no stale read``   the adversary's schedule (:func:`~dsworkbook.storage.quorum.worst_case`): the write reaches
                    exactly ``W`` replicas and the read, before any repair, hears exactly ``R``; no read may miss
                    the acknowledged write
``one down``        ``n1``, then ``nN``, crashed for the whole run; every operation the clients send to the
                    other replicas must succeed
``partition``       ``n1`` and ``n2`` cut off from everyone else for 1.5 s; every operation the clients send to
                    the other replicas must succeed, during and after the partition
``latency``         no fault; the last replica ``nN`` is far (40-50 ms each way, the others 1-5 ms) and clients
                    talk to the near ones; the p99 of reads and of writes must stay within :data:`P99_BOUND_MS`
``convergence``     during the partition, writes go through ``n3``, which crashes before the partition heals
                    and never returns; nobody reads; 2 s after the heal every live replica must hold the same data
==================  =========================================================================================

:func:`cheapest` searches the designs with fewer replicas for one that meets every SLO, so a
check can say "nothing cheaper works" by running the candidates rather than by asserting it.
The facts the checks rest on: a read quorum meets every write quorum iff ``R + W > N``; with
``k`` replicas unreachable an operation that needs ``q`` answers succeeds iff ``q <= N - k``; a
write waits for its ``W``-th acknowledgement (the coordinator's own comes at once); hints live
on the coordinator (gone if it never returns) and read repair needs reads, while anti-entropy
compares replicas pairwise with no help from either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.storage.ap import APReplica
from dsworkbook.storage.common import KVClient, client_ids, op_latencies, percentile, replica_ids
from dsworkbook.storage.quorum import stale_reads, worst_case

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["REPAIRS", "SLOS", "ANTI_ENTROPY_EVERY", "P99_BOUND_MS", "MAX_REPLICAS", "Design", "SLOResult",
           "design_from", "check_design", "meets_all", "cheapest", "design_table"]

#: The repair mechanisms a design can switch on.
REPAIRS = ("hinted handoff", "read repair", "anti-entropy")
#: The objectives, in the order they are checked.
SLOS = ("no stale read", "one down", "partition", "latency", "convergence")
#: How often (ms) each replica starts an anti-entropy walk when the design runs it.
ANTI_ENTROPY_EVERY = 200.0
#: The latency objective: p99 of reads and of writes, in ms.
P99_BOUND_MS = 30.0
#: The largest cluster a design may ask for.
MAX_REPLICAS = 9
_FAR = (40, 50)
_SEEDS = (1, 2, 3)


@dataclass(frozen=True)
class Design:
    """``N`` replicas (every key on all of them), quorums ``R`` and ``W``, and the repairs switched on."""

    n: int
    r: int
    w: int
    repair: frozenset[str]

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~dsworkbook.storage.ap.APReplica` for this design."""
        return {"n": self.n, "r": self.r, "w": self.w, "hinted_handoff": "hinted handoff" in self.repair,
                "read_repair": "read repair" in self.repair,
                "anti_entropy_every": ANTI_ENTROPY_EVERY if "anti-entropy" in self.repair else None}

    def describe(self) -> str:
        repair = ", ".join(m for m in REPAIRS if m in self.repair) or "no repair"
        return f"N={self.n}, R={self.r}, W={self.w}, {repair}"


@dataclass(frozen=True)
class SLOResult:
    """One objective checked on one design: met or not, and what the run showed."""

    slo: str
    met: bool
    evidence: str


def design_from(answer: Any) -> Design:
    """A :class:`Design` from ``{"N": 5, "R": 3, "W": 3, "repair": {"anti-entropy"}}``; ConfigError if malformed."""
    if not isinstance(answer, Mapping) or set(answer) != {"N", "R", "W", "repair"}:
        raise ConfigError('a design is a dict with exactly the keys "N", "R", "W" and "repair", '
                          f"got {answer!r}")
    n, r, w = answer["N"], answer["R"], answer["W"]
    for name, v in (("N", n), ("R", r), ("W", w)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{name} must be a whole number, got {v!r}")
    if not 3 <= n <= MAX_REPLICAS:
        raise ConfigError(f"N must be between 3 and {MAX_REPLICAS} (the partition cuts off n1 and n2), got {n}")
    if not (1 <= r <= n and 1 <= w <= n):
        raise ConfigError(f"R and W must each be between 1 and N={n}, got R={r}, W={w}")
    repair = answer["repair"]
    chosen = {repair} if isinstance(repair, str) else repair
    try:
        chosen = set(chosen)
    except TypeError:
        raise ConfigError(f'"repair" is a set of mechanisms from {list(REPAIRS)}, got {repair!r}') from None
    unknown = sorted(str(m) for m in chosen if m not in REPAIRS)
    if unknown:
        raise ConfigError(f'"repair" names {unknown}; the mechanisms are {list(REPAIRS)}')
    return Design(n, r, w, frozenset(chosen))


# -- the runs ----------------------------------------------------------------------------------------------


def _cluster(design: Design, seed: int, latency: Any = (1, 5)) -> tuple[Simulation, list[str]]:
    reps = replica_ids(design.n)
    sim = Simulation(seed=seed, latency=latency)
    for rep in reps:
        sim.add_node(rep, APReplica, replicas=reps, **design.options())
    return sim, reps


def _clients(sim: Simulation, servers: list[str], *, ops: int = 10, writes_only: bool = False,
             start_at: float = 10.0, think: float = 10.0) -> None:
    for i, c in enumerate(client_ids(3)):
        mine = tuple(("write", f"k{i}-{j}", 100 * (i + 1) + j) if writes_only or j % 2 == 0 else
                     ("read", f"k{i}-{j - 1}", None) for j in range(ops))
        home = i % len(servers)
        sim.add_node(c, KVClient, servers=servers[home:] + servers[:home], ops=mine, routing="round-robin",
                     start_at=start_at, think=think, req_base=(i + 1) * 100_000)


def _not_ok(sim: Simulation) -> list[str]:
    return [f"{op.process} {op.f} {op.key} ended {op.outcome or 'pending'}" for op in sim.history if op.outcome != "ok"]


def _stale(design: Design) -> SLOResult:
    sim = worst_case(design.n, design.r, design.w)
    found = stale_reads(sim.history)
    if found:
        return SLOResult("no stale read", False, f"worst case (seed {sim.seed}): {found[0].describe()}")
    read = [op for op in sim.history if op.f == "read"][0]
    return SLOResult("no stale read", True, f"worst case (seed {sim.seed}): the read returned {read.output!r}, "
                                            "the acknowledged write")


def _one_down(design: Design) -> SLOResult:
    for down in ("n1", f"n{design.n}"):
        for seed in _SEEDS[:2]:
            sim, reps = _cluster(design, seed)
            _clients(sim, [r for r in reps if r != down])
            sim.at(0.0, sim.crash, down)
            sim.run(until=3000.0)
            bad = _not_ok(sim)
            if bad:
                return SLOResult("one down", False, f"{down} crashed (seed {seed}): {len(bad)} of {len(sim.history)} "
                                                    f"operations failed, e.g. {bad[0]}")
    return SLOResult("one down", True, f"n1 or n{design.n} crashed: every operation succeeded (seeds 1-2)")


def _partition(design: Design) -> SLOResult:
    for seed in _SEEDS[:2]:
        sim, reps = _cluster(design, seed)
        others = reps[2:]
        _clients(sim, others, ops=20)
        sim.at(5.0, sim.net.partition, ["n1", "n2"], others + client_ids(3))
        sim.at(1505.0, sim.net.heal)
        sim.run(until=4000.0)
        bad = _not_ok(sim)
        if bad:
            return SLOResult("partition", False, f"n1, n2 cut off during [5, 1505) ms (seed {seed}): {len(bad)} of "
                                                 f"{len(sim.history)} operations failed, e.g. {bad[0]}")
    return SLOResult("partition", True, "n1, n2 cut off for 1.5 s: every operation on the other side succeeded "
                                        "(seeds 1-2)")


def _latency(design: Design) -> SLOResult:
    reads: list[float] = []
    writes: list[float] = []
    for seed in _SEEDS:
        sim, reps = _cluster(design, seed)
        far = reps[-1]
        for other in reps[:-1]:
            sim.net.set_link(far, other, latency=_FAR, both=True)
        _clients(sim, reps[:-1], ops=20)
        sim.run(until=4000.0)
        bad = _not_ok(sim)
        if bad:
            return SLOResult("latency", False, f"no fault, {far} far (seed {seed}): {bad[0]}")
        reads += op_latencies(sim, f="read")
        writes += op_latencies(sim, f="write")
    p99r, p99w = percentile(reads, 0.99), percentile(writes, 0.99)
    met = p99r <= P99_BOUND_MS and p99w <= P99_BOUND_MS
    return SLOResult("latency", met, f"no fault, n{design.n} far (seeds 1-3): p99 read {p99r:.1f} ms, "
                                     f"p99 write {p99w:.1f} ms (bound {P99_BOUND_MS:g} ms)")


def _convergence(design: Design) -> SLOResult:
    for seed in _SEEDS:
        sim, reps = _cluster(design, seed)
        others = reps[2:]
        _clients(sim, ["n3"], ops=8, writes_only=True)
        sim.at(5.0, sim.net.partition, ["n1", "n2"], others + client_ids(3))
        sim.at(700.0, sim.crash, "n3")
        sim.at(800.0, sim.net.heal)
        sim.run(until=2800.0)
        live = [r for r in reps if r != "n3"]
        data = {r: dict(sim.node(r).data) for r in live}
        fullest = max(live, key=lambda r: (len(data[r]), r))
        behind = sorted(r for r in live if data[r] != data[fullest])
        if behind:
            missing = {r: len(set(data[fullest]) - set(data[r])) for r in behind}
            return SLOResult("convergence", False,
                             f"seed {seed}: writes through n3 while n1, n2 were cut off; n3 crashed at 700 ms for "
                             f"good; 2 s after the heal {', '.join(behind)} still lacked "
                             f"{', '.join(f'{k} key(s) on {r}' for r, k in missing.items())}")
    return SLOResult("convergence", True, "n3 lost for good: 2 s after the heal every live replica held the same "
                                          "data (seeds 1-3)")


_CHECKS = {"no stale read": _stale, "one down": _one_down, "partition": _partition, "latency": _latency,
           "convergence": _convergence}


def check_design(design: Design, slos: Iterable[str] = SLOS, *, stop_at_first: bool = False) -> list[SLOResult]:
    """Run the checks of ``slos`` on ``design`` (see the module docstring); one result per SLO."""
    out = []
    for slo in slos:
        if slo not in _CHECKS:
            raise ConfigError(f"unknown SLO {slo!r}; the SLOs are {list(SLOS)}")
        result = _CHECKS[slo](design)
        out.append(result)
        if stop_at_first and not result.met:
            break
    return out


def meets_all(design: Design) -> bool:
    """True if ``design`` meets every SLO (stops at the first it misses)."""
    return all(r.met for r in check_design(design, stop_at_first=True))


def cheapest(below: int = MAX_REPLICAS + 1) -> Design | None:
    """The design with the fewest replicas (fewer than ``below``) that meets every SLO, or None.

    Each ``N`` is tried with every ``R`` and ``W`` and every repair switched on (repairs cost
    background traffic, not replicas, so if all of them together cannot converge, no subset can).
    """
    for n in range(3, min(below, MAX_REPLICAS + 1)):
        for r in range(1, n + 1):
            for w in range(1, n + 1):
                candidate = Design(n, r, w, frozenset(REPAIRS))
                if meets_all(candidate):
                    return candidate
    return None


def design_table(design: Design) -> "pd.DataFrame":
    """Every SLO of ``design``: met or not, and the evidence from its run."""
    import pandas as pd

    return pd.DataFrame([{"SLO": r.slo, "met": r.met, "evidence": r.evidence} for r in check_design(design)])
