"""One run of the active-active store: regions, users, faults, skew; what every region ends with.

Theory of operation
-------------------
:func:`active_active_run` builds a :class:`~dsworkbook.sim.Simulation` with one
:class:`~dsworkbook.regions.activeactive.RegionReplica` and one
:class:`~dsworkbook.regions.activeactive.RegionClient` per region, wires their links with the
world's measured latencies (:meth:`~dsworkbook.regions.world.World.wire`), adds the faults and
clock offsets asked for, runs the writes and then lets replication settle. It returns an
:class:`ActiveActiveRun`: every acknowledged write with its version vector, every region's store
and cache, LWW's discards and the clients' write latencies. Nothing is judged here; the
measurements (conflicts, lost writes, causality) are in conflicts.py. Bad arguments raise
:class:`~dsworkbook.errors.ConfigError` naming what to fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.activeactive import FIXED, RegionClient, RegionReplica, Variant, variant_of
from dsworkbook.regions.resolution import RegionStore, ResolveFn, WriteInfo, make_store
from dsworkbook.regions.world import World, world
from dsworkbook.sim import Simulation

__all__ = ["ActiveActiveRun", "active_active_run", "ACTIVE_ACTIVE_REGIONS"]

ACTIVE_ACTIVE_REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")


@dataclass
class ActiveActiveRun:
    """A finished :func:`active_active_run`: the writes, what each region holds, and the settings."""

    sim: Simulation
    regions: tuple[str, ...]
    resolution: str
    variant: Variant
    duration: float
    writes: list[WriteInfo]
    stores: dict[str, RegionStore]
    caches: dict[str, dict[str, Any]]
    discarded: set[tuple[str, str]]
    latencies: dict[str, list[float]] = field(default_factory=dict)
    most_siblings: int = 0
    skew: dict[str, float] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.sim.seed

    @property
    def acked(self) -> int:
        """Writes acknowledged to a client."""
        return sum(len(v) for v in self.latencies.values())

    @property
    def converged(self) -> bool:
        """Every region ends holding the same state for every key."""
        snaps = [self.stores[r].snapshot() for r in self.regions]
        return all(s == snaps[0] for s in snaps[1:])

    def final(self, region: str | None = None) -> dict[str, Any]:
        """What a client reads for every key in ``region`` (the first region by default)."""
        store = self.stores[region or self.regions[0]]
        return {k: store.read(k) for k in sorted(store.data)}

    @property
    def cache_mismatches(self) -> int:
        """(region, key) pairs whose cache shows something other than the database holds."""
        return sum(1 for r in self.regions for k in self.stores[r].data
                   if self.caches[r].get(k) != self.stores[r].read(k))


def _positive(name: str, value: Any, *, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0 \
            or (value == 0 and not zero):
        raise ConfigError(f"{name} must be a number {'>=' if zero else '>'} 0, got {value!r}")
    return float(value)


def _skews(skew: float | Mapping[str, float], regions: Sequence[str]) -> dict[str, float]:
    """Clock offsets per region: a number puts the LAST region that many ms behind; a dict gives each."""
    if isinstance(skew, Mapping):
        unknown = [r for r in skew if r not in regions]
        if unknown:
            raise ConfigError(f"skew names regions {unknown} that are not in the run; regions are {list(regions)}")
        return {r: float(skew.get(r, 0.0)) for r in regions}
    _positive("skew", skew, zero=True)
    return {r: (-float(skew) if i == len(regions) - 1 else 0.0) for i, r in enumerate(regions)}


def _script(script: Any, regions: Sequence[str]) -> dict[str, list[tuple[float, str, Any]]] | None:
    if script is None:
        return None
    if not isinstance(script, Mapping) or not script:
        raise ConfigError(f"script maps region -> [(time ms, key, value), ...], got {script!r}")
    out = {}
    for region, entries in script.items():
        if region not in regions:
            raise ConfigError(f"script names region {region!r}, which is not in the run; regions are {list(regions)}")
        rows = []
        for entry in entries:
            if not (isinstance(entry, tuple) and len(entry) == 3 and isinstance(entry[1], str)):
                raise ConfigError(f"a scripted write is (time ms, key, value), got {entry!r}")
            rows.append((_positive("a scripted write's time", entry[0], zero=True), entry[1], entry[2]))
        out[region] = rows
    return out


def active_active_run(seed: int, *, regions: Sequence[str] = ACTIVE_ACTIVE_REGIONS, the_world: World | None = None,
                      rate: float = 20.0, keys: int = 4, duration: float = 2000.0, resolution: str = "lww",
                      variant: Variant | str = FIXED, resolve: ResolveFn | None = None,
                      skew: float | Mapping[str, float] = 0.0, clock_resolution: float = 1.0, loss: float = 0.0,
                      duplicate: float = 0.0, reorder: float = 0.0,
                      partition: tuple[float, float] | None = None, home: bool = False,
                      script: Mapping[str, Sequence[tuple[float, str, Any]]] | None = None,
                      settle: float | None = None) -> ActiveActiveRun:
    """Clients in every region write ``keys`` keys at ``rate`` writes/s each for ``duration`` ms.

    ``skew``: ms the last region's clock is behind (or a dict region -> offset). ``loss``,
    ``duplicate``, ``reorder``: faults of the links between regions. ``partition=(start, end)``
    cuts the first region off from the others in that window. ``home=True``: each key's writes go
    to its home region (key ``k{i}`` lives in region ``i mod n``). After the writes the run goes
    on for ``settle`` ms (default: enough for a few retries) so replication can finish.
    ``script`` replaces the random workload: region -> [(time ms, key, value), ...].
    """
    regions = tuple(regions)
    if len(regions) < 2:
        raise ConfigError(f"active-active needs at least two regions, got {list(regions)}")
    w = the_world or world(*regions)
    for r in regions:
        w.check_region(r)
    make_store(resolution, regions, resolve)  # checks the resolution (and that resolve goes with lww)
    var = variant_of(variant)
    _positive("rate", rate, zero=True)
    _positive("duration", duration)
    _positive("clock_resolution", clock_resolution)
    if isinstance(keys, bool) or not isinstance(keys, int) or keys < 1:
        raise ConfigError(f"keys must be a whole number >= 1, got {keys!r}")
    if partition is not None and not (0 <= partition[0] <= partition[1]):
        raise ConfigError(f"partition must be (start, end) in ms with 0 <= start <= end, got {partition!r}")
    offsets = _skews(skew, regions)
    script = _script(script, regions)
    if script is not None:
        duration = max([t for entries in script.values() for t, _, _ in entries] + [1.0])
        names = sorted({k for entries in script.values() for _, k, _ in entries})
    longest = max(w.rtt(a, b) for a in regions for b in regions)
    retry_every = 2 * longest + 50.0
    if settle is None:
        settle = 4 * retry_every + (partition[1] - duration if partition and partition[1] > duration else 0.0)
    _positive("settle", settle, zero=True)
    key_names = names if script is not None else [f"k{i}" for i in range(keys)]
    servers = [f"db-{r}" for r in regions]
    homes = {k: servers[i % len(servers)] for i, k in enumerate(key_names)} if home else None

    sim = Simulation(seed, trace=False)
    for r, s in zip(regions, servers):
        sim.add_node(s, RegionReplica, region=r, servers=servers, regions=regions, resolution=resolution,
                     resolve=resolve, variant=var, clock_resolution=clock_resolution, retry_every=retry_every,
                     home=homes)
    for r, s in zip(regions, servers):
        sim.add_node(f"users-{r}", RegionClient, server=s, keys=key_names, rate=0.0 if script else rate,
                     until=duration, script=(script or {}).get(r, ()))
    placement = {s: r for r, s in zip(regions, servers)} | {f"users-{r}": r for r in regions}
    w.wire(sim, placement)
    if loss or duplicate or reorder:
        for a in servers:
            for b in servers:
                if a != b:
                    sim.net.set_link(a, b, loss=loss, duplicate=duplicate, reorder=reorder)
    for s, r in zip(servers, regions):
        if offsets[r]:
            sim.set_clock_offset(s, offsets[r])
    if partition is not None:
        for other in servers[1:]:
            sim.at(partition[0], sim.net.cut, servers[0], other)
            sim.at(partition[0], sim.net.cut, other, servers[0])
        sim.at(partition[1], sim.net.heal)
    sim.run(until=duration + settle)
    nodes = [sim.node(s) for s in servers]
    writes = sorted((wr for n in nodes for wr in n.writes), key=lambda x: x.id)
    latencies = {r: list(sim.node(f"users-{r}").latencies) for r in regions}
    return ActiveActiveRun(sim, regions, resolution, var, float(duration), writes,
                           {r: n.store for r, n in zip(regions, nodes)}, {r: n.cache for r, n in zip(regions, nodes)},
                           set().union(*(n.discarded for n in nodes)), latencies,
                           max(n.most_siblings for n in nodes), offsets)
