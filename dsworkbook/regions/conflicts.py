"""What active-active replication costs, measured: conflicts, lost writes, convergence, latency (G02, G05).

Theory of operation
-------------------
Every figure here is read off finished runs of
:func:`~dsworkbook.regions.activeactive_run.active_active_run`;
nothing is assumed. The definitions, on the version vectors every write carries:

* **w has seen v** when ``v.vv <= w.vv`` - v had reached w's region (or was written there)
  before w was written. Because a vector's entry for its own region counts that region's
  writes to the key, this is ``w.vv[v.region] >= v.vv[v.region]`` (the *dot* test of Dynamo
  style version vectors; :func:`has_seen` and ``VectorTimestamp.compare`` agree, tested).
* **A conflict** is a pair of writes to one key neither of which had seen the other
  (concurrent vectors). Conflicts per second = such pairs / the seconds clients wrote for. With
  per-key write rates ``λa``, ``λb`` in two regions a one-way delay ``d`` apart, a write is
  concurrent with the other region's writes in a window of about ``2d``, so the model is
  ``Σ_pairs λa λb 2d`` per key: quadratic in the write rate, linear in the latency
  (:func:`conflict_sweep` prints both).
* **A write survives** when at the end some region holds it, or holds a write that had seen it
  (it was overwritten knowingly). An acknowledged write that does not survive is **lost** -
  silently discarded (the definition of dsworkbook.clocks.version, where siblings were born).
  For a counter a write survives as one increment: lost = writes - final value.
* **Causality violated**: LWW discarded a write in favour of a write it had already seen - the
  later write lost to an earlier one because its region's clock was behind. With clocks in sync
  this cannot happen (a replicated write takes longer than a clock tick to arrive); with skew it
  does (Kleppmann, *Designing Data-Intensive Applications*, ch. 8, "Timestamps for ordering
  events", makes the same point for LWW under clock skew).

:func:`run_summary` gives one run as a row; :func:`conflict_sweep`, :func:`skew_losses`,
:func:`resolution_table` and :func:`home_region_cost` are the tables of the notebook.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.activeactive import FIXED, SEED, Variant
from dsworkbook.regions.activeactive_run import ACTIVE_ACTIVE_REGIONS, ActiveActiveRun, active_active_run
from dsworkbook.regions.resolution import CounterStore, LwwStore, ORSetStore, SiblingStore, WriteInfo
from dsworkbook.regions.world import World

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["has_seen", "conflict_pairs", "conflicts_per_second", "surviving_writes", "acked_writes_lost",
           "causality_violations", "run_summary", "conflict_sweep", "conflict_model", "skew_losses", "resolution_table",
           "home_region_cost", "uniform_world", "RESOLUTION_ROWS", "QUIET"]

#: A variant for runs without faults, where retries change nothing (half the messages: faster sweeps).
QUIET = Variant(strict_gt=False, retry=False, cache_first=False)


def has_seen(w: WriteInfo, v: WriteInfo) -> bool:
    """Had ``w``'s region received (or written) ``v`` when ``w`` was written? (``v.vv <= w.vv``)"""
    return w.vv[v.region] >= v.vv[v.region]


def conflict_pairs(run: ActiveActiveRun) -> list[tuple[WriteInfo, WriteInfo]]:
    """Every pair of writes to one key neither of which had seen the other."""
    by_key: dict[str, list[WriteInfo]] = defaultdict(list)
    for w in run.writes:
        by_key[w.key].append(w)
    out = []
    for key in sorted(by_key):
        ws = by_key[key]
        for i, a in enumerate(ws):
            for b in ws[i + 1:]:
                if a.region != b.region and not has_seen(a, b) and not has_seen(b, a):
                    out.append((a, b))
    return out


def conflicts_per_second(run: ActiveActiveRun) -> float:
    return len(conflict_pairs(run)) / (run.duration / 1000.0)


def surviving_writes(run: ActiveActiveRun) -> set[str]:
    """Ids of the writes that survive (present somewhere at the end, or seen by a write that is)."""
    by_id = {w.id: w for w in run.writes}
    present: set[str] = set()
    for region in run.regions:
        store = run.stores[region]
        if isinstance(store, LwwStore):
            present |= {store.ids[(k, v.timestamp, v.region)] for k, v in store.data.items()}
        elif isinstance(store, SiblingStore):
            present |= {i for k in store.data for i in store.ids(k)}
        elif isinstance(store, ORSetStore):
            present |= {i for k in store.data for i in store.read(k)}
        elif isinstance(store, CounterStore):
            return set(by_id)  # counted by value in acked_writes_lost
    alive = [by_id[i] for i in present]
    return {w.id for w in run.writes if any(p.key == w.key and has_seen(p, w) for p in alive)}


def acked_writes_lost(run: ActiveActiveRun) -> int:
    """Acknowledged writes that did not survive (for a counter: writes minus the final value, summed over keys)."""
    if run.resolution == "counter":
        per_key: dict[str, int] = defaultdict(int)
        for w in run.writes:
            per_key[w.key] += 1
        best = {k: max(run.stores[r].read(k) for r in run.regions) for k in per_key}
        return sum(max(0, n - best[k]) for k, n in per_key.items())
    return len(run.writes) - len(surviving_writes(run))


def causality_violations(run: ActiveActiveRun) -> list[tuple[WriteInfo, WriteInfo]]:
    """(loser, winner) pairs where LWW kept ``winner`` although ``loser`` had already seen it."""
    by_id = {w.id: w for w in run.writes}
    out = []
    for loser, winner in sorted(run.discarded):
        lw, ww = by_id.get(loser), by_id.get(winner)
        if lw is not None and ww is not None and lw.id != ww.id and has_seen(lw, ww):
            out.append((lw, ww))
    return out


def _p(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def run_summary(run: ActiveActiveRun) -> dict[str, Any]:
    """One run as a table row: conflicts, losses, convergence, siblings, cache, latency."""
    n = len(run.writes)
    lost = acked_writes_lost(run)
    lat = [x for v in run.latencies.values() for x in v]
    return {"seed": run.seed, "resolution": run.resolution, "variant": run.variant.name, "writes": n,
            "conflicts": len(conflict_pairs(run)), "conflicts/s": round(conflicts_per_second(run), 1),
            "lost": lost, "lost %": round(100 * lost / max(n, 1), 1),
            "causality violated": len({lw.id for lw, _ in causality_violations(run)}),
            "converged": run.converged, "most siblings": run.most_siblings,
            "cache != db": run.cache_mismatches, "write p50 ms": round(median(lat), 1) if lat else float("nan")}


def uniform_world(regions: Sequence[str], rtt: float) -> World:
    """A world of ``regions`` all ``rtt`` ms apart (to vary latency alone)."""
    names = list(regions)
    return World.custom({(a, b): rtt for i, a in enumerate(names) for b in names[i + 1:]})


def conflict_model(rate: float, rtt: float, *, regions: int = 3, keys: int = 4) -> float:
    """Expected conflicts/s: per key and pair of regions ``λ² · 2d`` with λ = rate/keys per ms, d = rtt/2."""
    lam = rate / keys / 1000.0
    pairs = regions * (regions - 1) / 2
    return keys * pairs * lam * lam * rtt * 1000.0


def conflict_sweep(rates: Iterable[float] = (5, 20, 50), rtts: Iterable[float] = (20, 100, 250), *,
                   seed: int = 1, keys: int = 4, duration: float = 1000.0,
                   regions: Sequence[str] = ("A", "B", "C")) -> "pd.DataFrame":
    """Conflicts per second against write rate (writes/s per region) and inter-region RTT (ms).

    Each point is one run of three regions ``rtt`` apart (a custom world, so latency is the only
    thing that changes), LWW, no faults; ``model`` is :func:`conflict_model`.
    """
    import pandas as pd

    rows = []
    for rtt in rtts:
        w = uniform_world(regions, rtt)
        for rate in rates:
            run = active_active_run(seed, regions=regions, the_world=w, rate=rate, keys=keys, duration=duration,
                                    variant=QUIET, settle=rtt)
            pairs = conflict_pairs(run)
            involved = {x.id for p in pairs for x in p}
            rows.append({"rtt ms": rtt, "writes/s per region": rate, "writes": len(run.writes),
                         "conflicts": len(pairs), "conflicts/s": round(len(pairs) / (duration / 1000), 1),
                         "model /s": round(conflict_model(rate, rtt, regions=len(regions), keys=keys), 1),
                         "writes in a conflict %": round(100 * len(involved) / max(len(run.writes), 1), 1)})
    return pd.DataFrame(rows).set_index(["rtt ms", "writes/s per region"])


def skew_losses(skews: Iterable[float] = (0, 100, 500), *, seeds: Sequence[int] = (1,), rate: float = 20.0,
                keys: int = 4, duration: float = 2000.0, regions: Sequence[str] = ACTIVE_ACTIVE_REGIONS,
                variant: Variant | str = FIXED) -> "pd.DataFrame":
    """LWW's lost writes with the last region's clock ``skew`` ms behind (summed over ``seeds``)."""
    import pandas as pd

    rows = []
    for skew in skews:
        runs = [active_active_run(s, regions=regions, rate=rate, keys=keys, duration=duration, skew=skew,
                                  variant=variant) for s in seeds]
        n = sum(len(r.writes) for r in runs)
        lost = sum(acked_writes_lost(r) for r in runs)
        behind = regions[-1]
        rows.append({"skew ms": skew, "seeds": ", ".join(map(str, seeds)), "writes": n, "lost": lost,
                     "lost %": round(100 * lost / max(n, 1), 1),
                     "causality violated": sum(len({lw.id for lw, _ in causality_violations(r)}) for r in runs),
                     f"lost from {behind}": sum(1 for r in runs for w in r.writes
                                                if w.region == behind and w.id not in surviving_writes(r)),
                     "converged": all(r.converged for r in runs)})
    return pd.DataFrame(rows).set_index("skew ms")


#: The rows of :func:`resolution_table`: (label, resolution, variant).
RESOLUTION_ROWS = (("LWW, the seed notes' design", "lww", SEED), ("LWW, fixed", "lww", FIXED),
                   ("version vectors + siblings", "siblings", FIXED), ("CRDT: OR-Set (a write adds)", "orset", FIXED),
                   ("CRDT: PN-Counter (a write adds 1)", "counter", FIXED))


def resolution_table(seed: int = 1, *, rate: float = 20.0, keys: int = 4, duration: float = 2000.0,
                     skew: float = 100.0, loss: float = 0.05, clock_resolution: float = 10.0,
                     regions: Sequence[str] = ACTIVE_ACTIVE_REGIONS) -> "pd.DataFrame":
    """The same seeded workload under each resolution: what is lost, what converges.

    Defaults: the last region's clock 100 ms behind, 5% of replication messages lost, clocks read
    to 10 ms (so timestamps tie, as coarse clocks do).
    """
    import pandas as pd

    rows = []
    for label, resolution, variant in RESOLUTION_ROWS:
        run = active_active_run(seed, regions=regions, rate=rate, keys=keys, duration=duration, skew=skew,
                                loss=loss, clock_resolution=clock_resolution, resolution=resolution, variant=variant)
        row = run_summary(run)
        rows.append({"resolution": label, "writes": row["writes"], "conflicts": row["conflicts"],
                     "lost": row["lost"], "causality violated": row["causality violated"],
                     "converged": row["converged"], "most siblings": row["most siblings"],
                     "cache != db": row["cache != db"]})
    return pd.DataFrame(rows).set_index("resolution")


def home_region_cost(seed: int = 1, *, rate: float = 20.0, keys: int = 6, duration: float = 2000.0,
                     regions: Sequence[str] = ACTIVE_ACTIVE_REGIONS) -> "pd.DataFrame":
    """Active-active versus one write region per key, on one workload: conflicts and write latency per region."""
    import pandas as pd

    if keys < len(regions):
        raise ConfigError(f"give at least one key per region (keys >= {len(regions)}), got keys={keys}")
    rows = []
    for label, home in (("every region writes", False), ("one write region per key", True)):
        run = active_active_run(seed, regions=regions, rate=rate, keys=keys, duration=duration, home=home,
                                variant=QUIET)
        for region in regions:
            lat = run.latencies[region]
            rows.append({"design": label, "writer's region": region, "writes": len(lat),
                         "p50 ms": round(_p(lat, 0.5), 1), "p99 ms": round(_p(lat, 0.99), 1),
                         "conflicts (whole run)": len(conflict_pairs(run))})
    return pd.DataFrame(rows).set_index(["design", "writer's region"])
