"""H04 (+): Chord runs on the simulator - churn, the lookup checker, hop counts, a campaign.

Theory of operation
-------------------
:func:`chord_run` starts ``n`` Chord nodes with correct tables (what stabilization converges
to, :func:`~dsworkbook.partitioning.chord.stable_tables`), then during the churn window lets
``joins`` new nodes join through a live node and applies a schedule of crashes, while every
node looks up a random key every ``lookup_every`` ms. After the window it waits ``settle`` ms
and keeps looking keys up for ``quiet`` more ms.

:func:`check_lookups` is the invariant (Stoica et al. 2001, sec. 4.2 and 5.1-5.2: once the
ring is stable, lookups find the key's successor): every lookup invoked after churn plus
``settle`` completes with the true successor among the nodes that are up. Crashes are at most
``r - 1`` in a run, so no ``r`` consecutive nodes can fail and the successor lists always hold
a live node (sec. 5.2). Lookups during churn are counted (``churn_figures``), not judged.
"""

from __future__ import annotations

import functools
import math
import random
import statistics
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.chord import VARIANTS, ChordNode, chord_id, stable_tables
from dsworkbook.sim import UP, Crash, FaultSchedule, Simulation
from dsworkbook.sim.fuzz import Campaign, FuzzReport, fuzz, register_campaign

__all__ = ["ChordRun", "chord_schedule", "chord_run", "true_successor", "check_lookups", "churn_figures",
           "hop_table", "chord_campaign"]


@dataclass
class ChordRun:
    """A finished run: the simulation and when its quiet phase began."""

    sim: Simulation
    m: int
    quiet_from: float

    def live(self) -> list[str]:
        return [n for n in self.sim.node_ids if self.sim.status(n) == UP]


def true_successor(target: int, nodes: list[str], m: int) -> str:
    """The first node whose identifier is equal to or follows ``target`` (sec. 4.2)."""
    ring = sorted(nodes, key=lambda n: chord_id(n, m))
    for n in ring:
        if chord_id(n, m) >= target:
            return n
    return ring[0]


def chord_schedule(seed: int, n: int = 16, *, crashes: int = 3, churn: tuple[float, float] = (500.0, 3500.0)) -> FaultSchedule:
    """``crashes`` crashes of distinct initial nodes at seeded times in the churn window."""
    rng = random.Random(seed)
    victims = rng.sample([f"c{i}" for i in range(n)], crashes)
    return FaultSchedule([Crash(round(rng.uniform(*churn)), v) for v in victims])


def chord_run(seed: int, schedule: FaultSchedule | None = None, *, n: int = 16, joins: int = 4,
              r: int = 4, m: int = 32, variant: str = "correct", churn: tuple[float, float] = (500.0, 3500.0),
              settle: float = 3000.0, quiet: float = 3000.0, lookup_every: float = 100.0) -> ChordRun:
    """Run ``n`` nodes (plus ``joins`` joining) under ``schedule`` (default: ``chord_schedule(seed, n)``)."""
    if n < 2:
        raise ConfigError(f"a Chord run needs n >= 2 nodes, got {n}")
    schedule = chord_schedule(seed, n, churn=churn) if schedule is None else schedule
    if len(schedule) >= r:
        raise ConfigError(f"{len(schedule)} crashes with a successor list of r={r} can cut the ring; "
                          f"keep crashes <= r - 1 = {r - 1}")
    names = [f"c{i}" for i in range(n)]
    tables = stable_tables(names, m, r)
    sim = Simulation(seed=seed, latency=(1, 10), trace=False)
    opts = dict(m=m, r=r, lookup_every=lookup_every, variant=variant)
    for name in names:
        sim.add_node(name, ChordNode, init=tables[name], **opts)
    rng = sim.rng

    def join(name: str) -> None:
        live = [x for x in sim.node_ids if sim.status(x) == UP]
        sim.add_node(name, ChordNode, bootstrap=rng.choice(live), **opts)
    for k in range(joins):
        sim.at(round(rng.uniform(*churn)), join, f"j{k}")
    schedule.apply_to(sim)
    quiet_from = churn[1] + settle
    sim.run(until=quiet_from + quiet)
    return ChordRun(sim, m, quiet_from)


def check_lookups(run: ChordRun) -> str | None:
    """None when every quiet-phase lookup completed with the key's true successor; else the first failure."""
    live = run.live()
    for op in run.sim.history:
        if op.f != "lookup" or op.invoke_time < run.quiet_from:
            continue
        if op.outcome != "ok":
            if op.complete_time is not None or run.sim.now - op.invoke_time > 2000:
                return f"lookup of {op.input} by {op.process} at t={op.invoke_time:g} did not complete ({op.outcome})"
            continue
        want = true_successor(op.input, live, run.m)
        if op.output[0] != want:
            return (f"lookup of {op.input} by {op.process} at t={op.invoke_time:g} returned {op.output[0]}, "
                    f"its successor among live nodes is {want}")
    return None


def churn_figures(run: ChordRun) -> dict[str, float]:
    """Lookups during churn and after: how many, how many correct (against the final live set), mean hops."""
    live = run.live()
    out: dict[str, float] = {}
    for phase, ops in (("churn", [o for o in run.sim.history if o.f == "lookup" and o.invoke_time < run.quiet_from]),
                       ("quiet", [o for o in run.sim.history if o.f == "lookup" and o.invoke_time >= run.quiet_from])):
        done = [o for o in ops if o.outcome == "ok"]
        out[f"{phase} lookups"] = len(ops)
        out[f"{phase} completed"] = len(done)
        out[f"{phase} correct now"] = sum(o.output[0] == true_successor(o.input, live, run.m) for o in done)
        out[f"{phase} mean hops"] = statistics.fmean(o.output[1] for o in done) if done else math.nan
    return out


def hop_table(sizes: tuple[int, ...] = (8, 16, 32, 64, 128, 256), *, seed: int = 0, lookups: int = 400,
              m: int = 32) -> pd.DataFrame:
    """Mean and max hops of ``lookups`` lookups on stable rings of each size, against 0.5 * log2(n)."""
    rows = []
    for n in sizes:
        names = [f"c{i}" for i in range(n)]
        tables = stable_tables(names, m, 4)
        sim = Simulation(seed=seed, latency=(1, 10), trace=False)
        for name in names:
            sim.add_node(name, ChordNode, init=tables[name], m=m, stabilize_every=1e9, fix_every=1e9,
                         lookup_every=50.0 * n / 4)
        sim.run(until=50.0 * lookups / 4 + 500)
        done = [o for o in sim.history if o.outcome == "ok"][:lookups]
        wrong = sum(o.output[0] != true_successor(o.input, names, m) for o in done)
        hops = [o.output[1] for o in done]
        rows.append({"nodes": n, "lookups": len(done), "mean hops": statistics.fmean(hops), "max hops": max(hops),
                     "0.5 log2 n": 0.5 * math.log2(n), "wrong owners": wrong})
    return pd.DataFrame(rows).set_index("nodes")


def chord_campaign(seeds: Sequence[int], *, variant: str = "correct", n: int = 12, shrink_first: bool = True,
                   max_shrink_runs: int = 60, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Fuzz Chord under churn: seeded crashes (the shrinkable schedule) and joins, checking :func:`check_lookups`."""
    run = functools.partial(_short_run, n=n, variant=variant)
    return fuzz(run, _violation, seeds=list(seeds), schedule=functools.partial(_short_schedule, n=n),
                progress=_progress, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                on_seed=on_seed)


_SHORT = dict(churn=(300.0, 1500.0), settle=1500.0, quiet=1500.0)


def _short_schedule(seed: int, n: int) -> FaultSchedule:
    return chord_schedule(seed, n, churn=_SHORT["churn"])  # type: ignore[arg-type]


def _short_run(seed: int, schedule: FaultSchedule, *, n: int, variant: str) -> ChordRun:
    return chord_run(seed, schedule, n=n, joins=3, variant=variant, **_SHORT)  # type: ignore[arg-type]


def _violation(run: ChordRun) -> str | None:
    return check_lookups(run)


def _progress(run: ChordRun) -> bool:
    return churn_figures(run)["quiet completed"] > 0


def _campaign(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
              on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return chord_campaign(seeds, variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                          on_seed=on_seed)


register_campaign(Campaign(
    "chord", "every lookup invoked once churn (3 crashes, 3 joins among 12 Chord nodes) has stopped and the ring "
    "has had 1.5 s to stabilize completes with the key's true successor among live nodes; progress: such lookups "
    "completed", _campaign, VARIANTS))
