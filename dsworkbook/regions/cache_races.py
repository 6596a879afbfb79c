"""Cache experiments (G03): hit rate and staleness per policy and TTL, the thundering herd, the
invalidation race, write-behind losses - each measured by running the nodes of cache.py.

Theory of operation
-------------------
:func:`cache_run` places a store, a cache and app servers in regions of a
:class:`~dsworkbook.regions.world.World` (the store in ``us-east-1``, the cache and apps in
``eu-west-1`` by default, so a miss costs a transatlantic round trip), wires the links with
:meth:`World.wire`, and plays a seeded workload: each app issues ``ops`` operations at random
times, on keys drawn with Zipf-like popularity (key ``i`` has weight ``1 / (i + 1) ** zipf``), a
``read_fraction`` of them reads. Every figure comes from what the run recorded:

* **hit rate** - reads answered by the cache / all reads;
* **staleness** of a read that returned version ``v`` when it completed at ``t``: how many
  versions of the key the authority had committed after ``v`` by ``t`` (*versions behind*) and,
  if any, since when (*stale ms*: ``t`` minus the commit time of the first newer version). The
  authority is the store, or the cache under write-behind (it acknowledges the writes);
* **lost writes** (write-behind with ``crash_cache_at``): writes acknowledged before the crash
  that no flush covered - no version of the key at least as new had been sent to the store.

:func:`thundering_herd` expires a hot key under many readers and counts the store reads with and
without coalescing. :func:`invalidation_race` is the golden scenario of the race (a reader far
away misses, reads the old value, and its fill lands after the writer's delete); and
:func:`race_frequency` counts how often it happens under random load. Every default run takes
well under 100 ms.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.cache import MODES, App, CacheServer, Ledger, Store, apply_versioned, check_ttl
from dsworkbook.regions.world import World, world as make_world
from dsworkbook.sim import Simulation

__all__ = ["CacheRun", "cache_run", "cache_sweep", "staleness", "HerdRun", "thundering_herd", "RaceRun",
           "invalidation_race", "race_frequency", "write_behind_losses", "DEFAULT_PLACEMENT"]

#: Where the nodes of :func:`cache_run` live unless told: the store across the Atlantic from its users.
DEFAULT_PLACEMENT: Mapping[str, str] = {"store": "us-east-1", "cache": "eu-west-1", "apps": "eu-west-1"}


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _policy(policy: str) -> str:
    if policy not in MODES:
        raise ConfigError(f"unknown write policy {policy!r}; choose one of {list(MODES)}")
    return policy


@dataclass
class CacheRun:
    """What one run measured (see the module notes for each figure's definition)."""

    policy: str
    ttl: float
    seed: int
    reads: int
    hits: int
    stale_reads: int
    mean_versions_behind: float
    max_stale_ms: float
    store_reads: int
    writes: int
    lost_writes: int
    race_hits: int
    ledger: Ledger = field(repr=False)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.reads if self.reads else 0.0

    @property
    def stale_fraction(self) -> float:
        return self.stale_reads / self.reads if self.reads else 0.0

    def row(self) -> dict[str, Any]:
        return {"policy": self.policy, "ttl_ms": self.ttl, "seed": self.seed, "reads": self.reads,
                "hit_rate": round(self.hit_rate, 3), "stale_reads": self.stale_reads,
                "stale_fraction": round(self.stale_fraction, 3),
                "mean_versions_behind": round(self.mean_versions_behind, 3),
                "max_stale_ms": round(self.max_stale_ms, 1), "store_reads": self.store_reads,
                "writes": self.writes, "lost_writes": self.lost_writes, "race_hits": self.race_hits}


def staleness(ledger: Ledger) -> list[tuple[int, float]]:
    """Per read of ``ledger.reads``: (versions behind, stale ms) against the authority's commits."""
    times = {k: [t for t, _ in c] for k, c in ledger.commits.items()}
    out = []
    for _, key, _, end, version, *_ in ledger.reads:
        commits = ledger.commits.get(key, ())
        upto = bisect.bisect_right(times.get(key, ()), end)
        newer = [t for t, v in commits[:upto] if v > version]
        out.append((len(newer), end - min(newer) if newer else 0.0))
    return out


def _script(rng: Any, ops: int, duration: float, keys: int, zipf: float, read_fraction: float) -> list:
    cum, total = [], 0.0
    for i in range(keys):
        total += 1.0 / (i + 1) ** zipf
        cum.append(total)
    times = sorted(rng.uniform(0, duration) for _ in range(ops))
    return [(t, "read" if rng.random() < read_fraction else "write", f"k{rng.choices(range(keys), cum_weights=cum)[0]}")
            for t in times]


def _lost(ledger: Ledger, crash_at: float | None) -> int:
    if crash_at is None:
        return 0
    sent: dict[Any, int] = {}
    for t, key, v in ledger.flushed:
        if t <= crash_at:
            sent[key] = max(sent.get(key, 0), v)
    return sum(1 for key, commits in ledger.commits.items() for t, v in commits[1:]
               if t <= crash_at and v > sent.get(key, 0))


def cache_run(policy: str = "cache-aside", *, ttl: float = 200.0, seed: int = 1, keys: int = 50, zipf: float = 1.0,
              read_fraction: float = 0.9, apps: int = 4, ops: int = 100, duration: float = 2000.0,
              versioned: bool = False, flush_every: float = 50.0, crash_cache_at: float | None = None,
              the_world: World | None = None, placement: Mapping[str, Any] | None = None,
              rule: Callable[[dict, tuple], Any] = apply_versioned) -> CacheRun:
    """Run one seeded workload under ``policy`` and measure hit rate, staleness, store load and losses.

    ``ops`` is per app. ``placement`` maps ``store``, ``cache`` and ``apps`` to regions of
    ``the_world`` (default: the store in us-east-1, cache and apps in eu-west-1); ``apps`` may be a
    tuple of regions, dealt to the apps in turn. ``rule`` is the versioned cache's apply step
    (:func:`~dsworkbook.regions.cache.apply_versioned` unless another is given, e.g. to grade one).
    """
    _policy(policy)
    ttl = check_ttl(ttl)
    _positive_int("keys", keys), _positive_int("apps", apps), _positive_int("ops", ops)
    if isinstance(zipf, bool) or not isinstance(zipf, (int, float)) or math.isnan(zipf) or zipf < 0:
        raise ConfigError(f"zipf is the popularity skew, a number >= 0 (0: all keys alike), got {zipf!r}")
    if isinstance(read_fraction, bool) or not isinstance(read_fraction, (int, float)) or not 0 <= read_fraction <= 1:
        raise ConfigError(f"read_fraction must be within [0, 1], got {read_fraction!r}")
    check_ttl(duration, "duration")
    check_ttl(flush_every, "flush_every")
    if crash_cache_at is not None and policy != "write-behind":
        raise ConfigError("crash_cache_at counts write-behind's lost writes; use policy='write-behind'")
    place: dict[str, Any] = dict(DEFAULT_PLACEMENT, **(placement or {}))
    homes = (place["apps"],) if isinstance(place["apps"], str) else tuple(place["apps"])
    if not homes:
        raise ConfigError("placement['apps'] names no region; give one region or a tuple of them")
    w = the_world or make_world(*dict.fromkeys((place["store"], place["cache"], *homes)))
    sim = Simulation(seed=seed, trace=False)
    ledger = Ledger()
    sim.add_node("store", Store, ledger=ledger, authoritative=policy != "write-behind")
    sim.add_node("cache", CacheServer, policy=policy, ttl=ttl, ledger=ledger, versioned=versioned,
                 flush_every=flush_every, rule=rule)
    names = [f"app{i}" for i in range(1, apps + 1)]
    for name in names:
        script = _script(sim.rng, ops, duration, keys, zipf, read_fraction)
        sim.add_node(name, App, policy=policy, script=script, ledger=ledger)
    w.wire(sim, {"store": place["store"], "cache": place["cache"],
                 **{n: homes[i % len(homes)] for i, n in enumerate(names)}})
    if crash_cache_at is not None:
        check_ttl(crash_cache_at + 1, "crash_cache_at + 1")
        sim.at(crash_cache_at, sim.crash, "cache")
        sim.at(crash_cache_at, sim.restart, "cache")
    sim.run(until=duration + 1000.0)
    stale = staleness(ledger)
    behind = [b for b, _ in stale]
    store = sim.node("store")
    return CacheRun(policy, ttl, seed, len(ledger.reads), sum(1 for r in ledger.reads if r[5]),
                    sum(1 for b in behind if b), sum(behind) / len(behind) if behind else 0.0,
                    max((ms for _, ms in stale), default=0.0), len(store.read_times), len(ledger.writes),
                    _lost(ledger, crash_cache_at), ledger.race_hits, ledger)


def cache_sweep(policies: Iterable[str] = MODES, ttls: Iterable[float] = (50.0, 200.0, 1000.0), *,
                seed: int = 1, **kwargs: Any) -> Any:
    """A pandas DataFrame: one :meth:`CacheRun.row` per (policy, TTL), all on the same seeded workload.

    By default the three policies and ``ttl-only`` (writes never delete: stale until the TTL),
    30 operations per app (other keywords go to :func:`cache_run`).
    """
    import pandas as pd

    ttls = list(ttls)
    if not ttls:
        raise ConfigError("ttls is empty; give at least one TTL in ms, e.g. ttls=(50, 200, 1000)")
    kwargs.setdefault("ops", 30)
    rows = [cache_run(p, ttl=t, seed=seed, **kwargs).row() for p in list(policies) for t in ttls]
    return pd.DataFrame(rows)


def write_behind_losses(*, seed: int = 1, crash_cache_at: float = 1000.0, flush_every: float = 50.0,
                        **kwargs: Any) -> CacheRun:
    """A write-behind run whose cache crashes (and restarts cold) at ``crash_cache_at``: see ``lost_writes``."""
    kwargs.setdefault("read_fraction", 0.5)
    return cache_run("write-behind", seed=seed, crash_cache_at=crash_cache_at, flush_every=flush_every, **kwargs)


# -- the thundering herd ---------------------------------------------------------------------------


@dataclass
class HerdRun:
    """``store_reads`` of the hot key; ``peak`` the most in any ``window`` ms; ``arrivals`` the reads at the cache."""

    coalesce: bool
    seed: int
    ttl: float
    reads: int
    store_reads: int
    peak: int
    window: float
    fetch_ms: float
    arrivals: list = field(repr=False)


def thundering_herd(coalesce: bool = False, *, seed: int = 1, apps: int = 40, ttl: float = 300.0,
                    period: float = 50.0, duration: float = 1000.0, window: float = 10.0) -> HerdRun:
    """Many app servers read one hot key every ``period`` ms (random phases) while it expires every ``ttl``.

    Without coalescing, every read that misses while the key is being fetched goes to the store
    too: a spike of store reads at each expiry. With ``coalesce`` the cache hands out one lease
    per key and parks the other misses until the fill: one store read per expiry.
    ``fetch_ms`` is the measured mean duration of a read that fetched from the store.
    """
    ttl = check_ttl(ttl)
    _positive_int("apps", apps)
    period, duration, window = check_ttl(period, "period"), check_ttl(duration, "duration"), check_ttl(window, "window")
    sim = Simulation(seed=seed, trace=False)
    ledger = Ledger()
    sim.add_node("store", Store, ledger=ledger)
    cache = sim.add_node("cache", CacheServer, policy="cache-aside", ttl=ttl, ledger=ledger, coalesce=coalesce)
    names = [f"app{i}" for i in range(1, apps + 1)]
    for name in names:
        phase = sim.rng.uniform(0, period)
        script = [(phase + k * period, "read", "hot") for k in range(int((duration - phase) // period) + 1)]
        sim.add_node(name, App, policy="cache-aside", script=script, ledger=ledger)
    make_world(DEFAULT_PLACEMENT["store"], DEFAULT_PLACEMENT["cache"]).wire(
        sim, {"store": DEFAULT_PLACEMENT["store"], "cache": DEFAULT_PLACEMENT["cache"],
              **{n: DEFAULT_PLACEMENT["apps"] for n in names}})
    sim.run(until=duration + 1000.0)
    cache = sim.node("cache")
    store_times = sorted(t for t, _ in sim.node("store").read_times)
    peak = max((bisect.bisect_left(store_times, t + window) - i for i, t in enumerate(store_times)), default=0)
    fetches = [r for r in ledger.reads if r[6]]
    fetch = sum(r[3] - r[2] for r in fetches) / len(fetches) if fetches else 0.0
    return HerdRun(coalesce, seed, ttl, len(ledger.reads), len(store_times), peak, window, fetch,
                   list(cache.arrivals))


# -- the invalidation race -------------------------------------------------------------------------


@dataclass
class RaceRun:
    """``race_hits``: cache hits that returned a version older than a delete already processed."""

    versioned: bool
    seed: int
    race_hits: int
    stale_fills: int
    stale_reads: int
    reads: list = field(repr=False)
    transcript: list = field(repr=False)


_RACE_MSGS = ("CacheGet", "CacheValue", "StoreGet", "StoreValue", "StorePut", "StoreAck", "CacheFill", "CacheDelete")


def invalidation_race(versioned: bool = False, *, seed: int = 1, ttl: float = 1000.0,
                      rule: Callable[[dict, tuple], Any] = apply_versioned) -> RaceRun:
    """The golden scenario: reader ``r`` in eu-west-1; cache, store and writer ``w`` in us-east-1.

    At t=0 ``r`` reads ``k``: a miss (the reply takes ~40 ms each way), so it reads the store and
    gets version 0 at ~t=120. At t=140 ``w`` writes ``k`` (version 1) and deletes the cache
    entry (~t=134 + a few ms). ``r``'s fill of version 0 reaches the cache at ~t=200, after the
    delete: without versions the cache keeps version 0 until the TTL, and ``w``'s reads every
    100 ms from t=300 hit it. With versioned entries the delete leaves a tombstone of version 1 and
    the fill is refused. ``transcript`` lists the deliveries of the one key, in time order.
    """
    ttl = check_ttl(ttl)
    sim = Simulation(seed=seed)
    ledger = Ledger()
    sim.add_node("store", Store, ledger=ledger)
    sim.add_node("cache", CacheServer, policy="cache-aside", ttl=ttl, ledger=ledger, versioned=versioned, rule=rule)
    sim.add_node("r", App, policy="cache-aside", script=[(0.0, "read", "k")], ledger=ledger)
    w_script = [(140.0, "write", "k")] + [(300.0 + 100 * i, "read", "k") for i in range(int((ttl - 300) // 100) + 1)]
    sim.add_node("w", App, policy="cache-aside", script=w_script, ledger=ledger)
    make_world("us-east-1", "eu-west-1").wire(sim, {"store": "us-east-1", "cache": "us-east-1", "w": "us-east-1",
                                                    "r": "eu-west-1"})
    sim.run(until=ttl + 500.0)
    transcript = [f"t={r.time:7.1f}  {r.peer} -> {r.node}  {r.detail!r}" for r in sim.trace
                  if r.kind == "deliver" and type(r.detail).__name__ in _RACE_MSGS and r.time < 320]
    stale = staleness(ledger)
    return RaceRun(versioned, seed, ledger.race_hits, ledger.stale_fills, sum(1 for b, _ in stale if b),
                   list(ledger.reads), transcript)


def race_frequency(versioned: bool = False, *, seeds: Sequence[int] = tuple(range(1, 11)), ttl: float = 1000.0,
                   keys: int = 5, ops: int = 60, duration: float = 1500.0,
                   rule: Callable[[dict, tuple], Any] = apply_versioned) -> Any:
    """Random cache-aside load from three regions on a few hot keys: the race's stale hits per seed.

    The cache and store sit in us-east-1; app servers in us-east-1, eu-west-1 and us-west-2 read
    and write 5 keys (30% writes). A DataFrame: one row per seed with ``race_hits`` (hits older
    than a delete the cache had processed), ``stale_fills`` (fills older than the store's latest
    when they landed) and the reads.
    """
    import pandas as pd

    seeds = list(seeds)
    if not seeds:
        raise ConfigError("seeds is empty; give at least one, e.g. seeds=range(1, 11)")
    regions = ("us-east-1", "eu-west-1", "us-west-2")
    rows = []
    for seed in seeds:
        run = cache_run("cache-aside", ttl=ttl, seed=seed, keys=keys, zipf=1.0, read_fraction=0.7, apps=3, ops=ops,
                        duration=duration, versioned=versioned, rule=rule,
                        placement={"store": "us-east-1", "cache": "us-east-1", "apps": regions})
        rows.append({"seed": seed, "versioned": versioned, "reads": run.reads, "race_hits": run.race_hits,
                     "stale_fills": run.ledger.stale_fills, "stale_reads": run.stale_reads})
    return pd.DataFrame(rows)
