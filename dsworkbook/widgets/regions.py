"""The region panel of notebook 14: a world map of regions and clients; fail a region and watch.

Theory of operation
-------------------
:func:`region_run` deploys a service in the regions of one of :data:`DEPLOYMENTS` (the world of
:mod:`dsworkbook.regions.world`: measured round-trip times, client locations), fails one region
(or none) at ``FAIL_AT`` ms of virtual time, and measures what follows - every figure read from
a run of the library with the panel's seed, nothing assumed:

* **routing** (:mod:`~dsworkbook.regions.routing`): the region each of the ten client locations
  is sent to by the routing policy, with every region healthy and with the failed one down;
* **DNS failover** (:mod:`~dsworkbook.regions.dns`): clients at the locations homed in the
  deployment resolve through caches of ``ttl`` ms while a health checker notices the failure;
  how long they kept failing, their errors, and the requests each region served over time;
* **single-leader replication** (``mode`` sync, semi-sync or async; :mod:`~dsworkbook.regions.leader_sim`):
  the leader in the deployment's first region, a client writing in each region (at most
  ``rate`` writes/s: a closed loop), an orchestrator with a heartbeat detector of ``timeout``
  ms in a region outside the deployment. At ``FAIL_AT`` every node of the failed region crashes
  and its region is cut off, as :func:`dsworkbook.regions.failover.failover_run` does for the
  leader's; measured as there (:class:`~dsworkbook.regions.failover.FailoverRun`): acknowledged
  writes lost, the promotion, how long no write was accepted, and each follower's lag;
* **multi-leader** (``mode="multi-leader"``; :mod:`~dsworkbook.regions.activeactive_run`): every
  region writes at ``rate`` and resolves by ``resolution`` (the fixed design, not the seed
  notes'). A failed region is *cut off* from the others from ``FAIL_AT`` until the writes stop -
  its own users keep writing to it - then heals: conflicts, writes lost, convergence
  (:mod:`~dsworkbook.regions.conflicts`).

Drawing. Regions sit at their rough longitude and latitude (an equirectangular map centred on
the Atlantic; a link across the date line is drawn in two pieces), links carry their measured
RTT, and each location has an arrow to the region serving it after the failure (dashed grey:
where it went before, when that changed). On the right, requests served per region and the
followers' lag (or the conflicts so far) over time. Speed: a control change should answer in
about 100 ms. The static layer of each deployment (links, RTTs, names) is rendered once to
RGBA pixels and pasted under the map; a run draws a handful of artists over it; the side plots
keep their axes and carry no tick labels (text is the costliest thing to render: the titles
give the peaks); the three parts of a run are cached separately, so a TTL change reruns only
DNS and a timeout change only the replication.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import ipywidgets as widgets
import numpy as np

from dsworkbook.errors import ConfigError
from dsworkbook.regions.activeactive import FIXED
from dsworkbook.regions.activeactive_run import active_active_run
from dsworkbook.regions.conflicts import acked_writes_lost, conflict_pairs, surviving_writes
from dsworkbook.regions.dns import DnsFailoverConfig, dns_failover_run
from dsworkbook.regions.failover import FailoverRun
from dsworkbook.regions.leader import topology
from dsworkbook.regions.leader_sim import ORCH, client_name, leader_sim
from dsworkbook.regions.routing import POLICIES, endpoints, route_table
from dsworkbook.regions.world import LOCATIONS, REGION_NAMES, World, world
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["LIVE_MULTI_LEADER_RATE", "REGION_LONLAT", "LOCATION_LONLAT", "DEPLOYMENTS", "POLICIES", "MODES",
           "RESOLUTIONS", "FAIL_AT",
           "RegionRun", "region_run", "region_table", "draw_world", "RegionPanel", "region_panel"]

#: Rough (longitude, latitude) of each AWS region of the table (the metro area it is named after).
REGION_LONLAT: Mapping[str, tuple[float, float]] = {
    "us-east-1": (-77.5, 39.0), "us-west-1": (-121.9, 37.4), "us-west-2": (-119.7, 45.8),
    "eu-west-1": (-6.3, 53.3), "eu-central-1": (8.7, 50.1), "ap-northeast-1": (139.7, 35.7),
    "ap-northeast-2": (127.0, 37.6), "ap-southeast-1": (103.8, 1.35), "ap-southeast-2": (151.2, -33.9),
    "sa-east-1": (-46.6, -23.5),
}
#: Client locations, drawn a few degrees off their city so that a short arrow to the home region shows.
LOCATION_LONLAT: Mapping[str, tuple[float, float]] = {
    "new-york": (-70.0, 47.0), "san-francisco": (-131.0, 31.0), "seattle": (-131.0, 55.0),
    "dublin": (-16.0, 62.0), "berlin": (17.0, 60.0), "tokyo": (147.0, 45.0), "seoul": (118.0, 46.0),
    "singapore": (95.0, -8.0), "sydney": (141.0, -44.0), "sao-paulo": (-38.0, -33.0),
}
DEPLOYMENTS: Mapping[str, tuple[str, ...]] = {
    "US, EU, Asia": ("us-east-1", "eu-west-1", "ap-northeast-1"),
    "US east + west, EU": ("us-east-1", "us-west-2", "eu-west-1"),
    "five regions": ("us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2", "ap-southeast-2"),
}
MODES = ("sync", "semi-sync", "async", "multi-leader")
#: Multi-leader resolutions (:mod:`dsworkbook.regions.resolution`), value -> label.
RESOLUTIONS: Mapping[str, str] = {"lww": "last write wins", "siblings": "version vectors + siblings",
                                  "orset": "CRDT: OR-set", "counter": "CRDT: counter"}
NONE = "none"
#: The failed region goes down at this virtual time (ms); clients write until DURATION.
FAIL_AT, DURATION = 1000.0, 2500.0
_BIN = 100.0  # ms per bar of the traffic plot
_STATIC = "static"  # gid of the artists that stay between runs
#: The sliders' values (ms, writes/s per region, ms).
TIMEOUTS = tuple(range(100, 2001, 100))
RATES = tuple(range(10, 201, 10))
TTLS = tuple(range(0, 3001, 250))
_XLIM, _YLIM = (-150.0, 168.0), (-50.0, 70.0)
ROLE_COLORS = {"leader": "#1f5fa8", "follower": "#7fb3e0", "promoted": "#2e8b57", "failed": "#c0392b",
               "leader (multi)": "#1f5fa8"}
_WIDE: dict[str, Any] = {"style": {"description_width": "110px"}, "layout": {"width": "300px"}}


# -- the map ------------------------------------------------------------------------------------------

def _pieces(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight segment a -> b on the map, or two pieces when the short way crosses the date line."""
    (x0, y0), (x1, y1) = a, b
    if abs(x1 - x0) <= 180:
        return [((x0, y0), (x1, y1))]
    x1w = x1 + 360 if x0 > x1 else x1 - 360
    edge = 180.0 if x1w > x0 else -180.0
    ym = y0 + (edge - x0) / (x1w - x0) * (y1 - y0)
    return [((x0, y0), (edge, ym)), ((-edge, ym), (x1, y1))]


_BASE_CACHE: dict[tuple, np.ndarray] = {}


def _base_image(w: World, width: int, height: int) -> np.ndarray:
    """The static layer of a deployment as RGBA pixels: graticule, continents' names, links with their RTT, names."""
    key = (w.regions, width, height)
    if key in _BASE_CACHE:
        return _BASE_CACHE[key]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(*_XLIM)
    ax.set_ylim(*_YLIM)
    ax.set_axis_off()
    ax.add_collection(LineCollection([((x, _YLIM[0]), (x, _YLIM[1])) for x in range(-120, 181, 30)]
                                     + [((_XLIM[0], y), (_XLIM[1], y)) for y in range(-30, 61, 30)],
                                     colors="#eeeeee", linewidths=0.6))
    for name, (x, y) in {"North America": (-100, 60), "South America": (-60, -10), "Europe": (15, 64),
                         "Asia": (100, 56), "Oceania": (134, -25)}.items():
        ax.text(x, y, name, fontsize=9, color="#cccccc", ha="center", va="center", style="italic")
    links = []
    for i, a in enumerate(w.regions):
        for b in w.regions[i + 1:]:
            pieces = _pieces(REGION_LONLAT[a], REGION_LONLAT[b])
            links += pieces
            (x0, y0), (x1, y1) = max(pieces, key=lambda s: abs(s[1][0] - s[0][0]))
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, f"{w.rtt(a, b):.0f} ms", fontsize=7, color="#666666",
                    ha="center", va="center", bbox={"fc": "white", "ec": "none", "pad": 0.3, "alpha": 0.8})
    ax.add_collection(LineCollection(links, colors="#b0b0b0", linewidths=1.0, zorder=0))
    colors = _region_colors(w.regions)
    for r in w.regions:
        x, y = REGION_LONLAT[r]
        ha = "right" if x > 140 else "left" if x < -115 else "center"  # keep names near the edges on the map
        ax.text(x + {"right": 6, "left": -6, "center": 0}[ha], y - 6, r, fontsize=7.5, ha=ha, va="top",
                color=colors[r], weight="bold")
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba()).copy()
    _BASE_CACHE[key] = image
    return image


def draw_world(run: "RegionRun", ax: Any, *, figimage: bool = False) -> Any:
    """The map: regions coloured by role (red: failed), clients with arrows to the region serving them.

    The static layer is an image; ``figimage`` pastes it as raw pixels (fast, for a Figure saved
    whole, as the panel's is) instead of an ``imshow`` that is resampled to the axes.
    """
    from matplotlib.collections import LineCollection

    bbox = ax.get_window_extent()
    base = _base_image(world(*run.regions), max(round(bbox.width), 10), max(round(bbox.height), 10))
    if figimage:  # raw pixels at the axes' place: no resampling (the panel's own Figure, never a tight bbox)
        ax.figure.figimage(base, xo=round(bbox.x0), yo=round(bbox.y0), origin="upper", zorder=0)
    else:
        ax.imshow(base, extent=(*_XLIM, *_YLIM), aspect="auto", interpolation="nearest", zorder=0)
    ax.set_xlim(*_XLIM)
    ax.set_ylim(*_YLIM)
    before, shafts = [], []
    heads: list[tuple[float, float, float, float]] = []
    for loc in LOCATIONS:
        start = LOCATION_LONLAT[loc]
        now, was = run.routes_after.get(loc), run.routes_before.get(loc)
        if was is not None and was != now:
            before += _pieces(start, REGION_LONLAT[was])
        if now is not None:
            pieces = _pieces(start, REGION_LONLAT[now])
            shafts += pieces[:-1]
            (x0, y0), (x1, y1) = pieces[-1]
            heads.append((x0, y0, x1 - x0, y1 - y0))
    if before:
        ax.add_collection(LineCollection(before, colors="#999999", linewidths=0.9, linestyles="dashed", zorder=1))
    if shafts:
        ax.add_collection(LineCollection(shafts, colors="#e67e22", linewidths=1.2, zorder=2))
    if heads:
        x, y, u, v = zip(*heads)
        ax.quiver(x, y, u, v, angles="xy", scale_units="xy", scale=1, color="#e67e22", width=0.0035,
                  headwidth=4, headlength=5, zorder=2)
    cx, cy = zip(*(LOCATION_LONLAT[loc] for loc in LOCATIONS))
    ax.scatter(cx, cy, s=14, marker="s", c="#333333", zorder=3)
    roles = run.roles()
    rx, ry = zip(*(REGION_LONLAT[r] for r in run.regions))
    ax.scatter(rx, ry, s=130, c=[ROLE_COLORS[roles[r]] for r in run.regions], edgecolors="white", zorder=4)
    if run.failed != NONE:
        fx, fy = REGION_LONLAT[run.failed]
        ax.scatter([fx], [fy], s=170, marker="x", c="white", linewidths=2.2, zorder=5)
    _label(ax, run.title(), fontsize=9)
    return ax


def _label(ax: Any, text: str, fontsize: float = 8) -> None:
    """A title as a plain text artist: ``set_title`` re-measures every tick label to place itself."""
    ax.text(0.01, 1.02, text, transform=ax.transAxes, fontsize=fontsize, ha="left", va="bottom")


# -- one run ------------------------------------------------------------------------------------------

Series = Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]


@dataclass(frozen=True)
class RegionRun:
    """One run of :func:`region_run`: the settings and what was measured (see the module docstring)."""

    regions: tuple[str, ...]
    policy: str
    failed: str
    mode: str
    resolution: str
    timeout: float
    rate: float
    ttl: float
    seed: int
    routes_before: Mapping[str, str | None]       # location -> region serving it before the failure
    routes_after: Mapping[str, str | None]        # ... and once DNS failover settled (None: nobody)
    leader_before: str | None                     # single-leader only
    leader_after: str | None
    traffic: Series                               # region -> (time bins, requests served per bin)
    series_label: str                             # what ``series`` shows (lag, conflicts...)
    series: Series
    figures: Mapping[str, Any] = field(default_factory=dict)   # measured figures, in verdict order
    rows: tuple[Mapping[str, Any], ...] = ()                   # the table, one row per region

    def roles(self) -> dict[str, str]:
        """Each region's role in the drawing: failed, leader, promoted (the new leader), follower."""
        roles = {}
        for r in self.regions:
            if r == self.failed:
                roles[r] = "failed"
            elif self.mode == "multi-leader":
                roles[r] = "leader (multi)"
            elif r == self.leader_after and self.leader_after != self.leader_before:
                roles[r] = "promoted"
            elif r == self.leader_before:
                roles[r] = "leader"
            else:
                roles[r] = "follower"
        return roles

    def title(self) -> str:
        failed = "no failure" if self.failed == NONE else f"{self.failed} fails"
        return f"seed {self.seed}: {self.policy}, {self.mode}, {failed}"

    def verdict(self) -> str:
        """One line: the figures of the run, each as measured."""
        return "; ".join(f"{name} {_fmt(v)}" for name, v in self.figures.items())


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"
    return str(value)


def region_table(run: RegionRun) -> "pd.DataFrame":
    """One row per region of the deployment: its role and what it did in the run."""
    import pandas as pd

    return pd.DataFrame(list(run.rows))


def _draw_series(ax: Any, series: Series, label: str, colors: Mapping[str, str]) -> None:
    """Lines per region over time; no tick labels (text is what costs most to render): the title gives the peak."""
    peak = 0.0
    for name, (xs, ys) in series.items():
        ax.plot(xs, ys, "-", lw=1.2, color=colors.get(name, "#555555"))
        peak = max(peak, max(ys, default=0.0))
    ax.axvline(FAIL_AT, color=ROLE_COLORS["failed"], lw=0.8, ls=":")
    ax.set_xlim(0, 3500)
    ax.set_ylim(0, max(peak, 1.0) * 1.08)
    _label(ax, f"{label}, peak {peak:.0f} (0-3.5 s, a line a second)", fontsize=7.5)


# -- the runs behind one setting ----------------------------------------------------------------------


def _check(deployment: str, policy: str, failed: str, mode: str, resolution: str, timeout: Any, rate: Any,
           ttl: Any, seed: Any) -> tuple[str, ...]:
    if deployment not in DEPLOYMENTS:
        raise ConfigError(f"unknown deployment {deployment!r}; choose one of {list(DEPLOYMENTS)}")
    regions = DEPLOYMENTS[deployment]
    for name, value, choices in (("policy", policy, POLICIES), ("mode", mode, MODES),
                                 ("resolution", resolution, RESOLUTIONS)):
        if value not in choices:
            raise ConfigError(f"{name} must be one of {list(choices)}, got {value!r}")
    if failed != NONE and failed not in regions:
        raise ConfigError(f"{failed} is not in this deployment ({', '.join(regions)}): fail one of its regions, "
                          "or pick a deployment that has it")
    for name, value in (("timeout", timeout), ("rate", rate), ("ttl", ttl)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ConfigError(f"{name} must be a number, got {value!r}")
    if timeout <= 0 or rate <= 0:
        raise ConfigError(f"timeout and rate must be > 0, got timeout={timeout!r}, rate={rate!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be a whole number, got {seed!r}")
    return regions


def _bins(times: Sequence[float], end: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    counts = np.bincount(np.floor(np.asarray(times, dtype=float) / _BIN).astype(int), minlength=int(end // _BIN) + 1)
    xs = tuple(float(i * _BIN) for i in range(len(counts)))
    return xs, tuple(float(c) for c in counts)


@functools.lru_cache(maxsize=32)
def _routing(regions: tuple[str, ...], policy: str, failed: str, ttl: float, seed: int) -> dict[str, Any]:
    """Routes of every location before and after the failure, and the DNS failover run of the homed clients."""
    w = world(*regions)
    before = route_table(w, policy, endpoints(w), seed=seed)
    after = before if failed == NONE else route_table(w, policy, endpoints(w, down=[failed]), seed=seed)
    homed = tuple(loc for loc, (home, _ms) in LOCATIONS.items() if home in regions)
    cfg = DnsFailoverConfig(ttl=float(ttl), policy=policy, regions=regions, locations=homed * 2,
                         fail=regions[0] if failed == NONE else failed,
                         fail_at=FAIL_AT if failed != NONE else 1e9, dns_region=regions[0])
    run = dns_failover_run(cfg, seed=seed, until=None if failed != NONE else FAIL_AT + 2500.0)
    end = max(FAIL_AT + 2500.0, max((d for _c, _s, d, _r, _ok in run.requests), default=0.0))
    served = {r: [d for _c, _s, d, reg, ok in run.requests if ok and reg == r] for r in regions}
    return {"before": before, "after": after, "recovery": run.recovery, "errors": run.errors,
            "traffic": {r: _bins(ts, end) for r, ts in served.items()}}


@functools.lru_cache(maxsize=32)
def _single_leader(regions: tuple[str, ...], failed: str, mode: str, timeout: float, rate: float,
                   seed: int) -> dict[str, Any]:
    """The leader in the first region, followers in ``mode``; the failed region's nodes crash at FAIL_AT."""
    topo = topology(regions[0], *((r, mode) for r in regions[1:]), leader_mode=mode)
    orch_region = next(r for r in ("us-west-2", "us-west-1", "us-east-1") if r not in regions)
    sim = leader_sim(seed, topo, the_world=world(*regions, orch_region), orchestrator=orch_region,
                     timeout=float(timeout), quorum=len(regions) // 2 + 1, think=1000.0 / rate, stop=DURATION,
                     write_timeout=500.0)
    lag: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in topo.names}

    def sample() -> None:
        leader = sim.node(ORCH).leader
        if leader is not None and sim.status(leader) == "up":
            lead = sim.node(leader)
            for f in topo.followers_of(leader):
                if sim.status(f) == "up":
                    node = sim.node(f)
                    behind = len(lead.log) - node.applied
                    lag[f][0].append(sim.now)
                    lag[f][1].append(sim.now - lead.log[node.applied].t if behind > 0 else 0.0)
        if sim.now + 50.0 <= DURATION:
            sim.schedule(50.0, sample)

    sim.schedule(50.0, sample)
    if failed != NONE:
        inside = [n for n in topo.names if topo.regions[n] == failed] + [client_name(failed)]
        sim.at(FAIL_AT, sim.net.partition, inside)
        for n in inside:
            sim.at(FAIL_AT, sim.crash, n)
    sim.run(until=DURATION + 600.0)
    run = FailoverRun(sim, topo, fault=None if failed == NONE else "crash", fault_at=FAIL_AT, heal_at=None)
    kept = {e.value for e in run.final_log}
    # writes resume: the first write issued after the failure (outside the failed region) that is acknowledged and kept
    resumed = [op.complete_time for op in sim.history if op.f == "write" and op.outcome == "ok"
               and op.invoke_time >= FAIL_AT and op.input in kept and op.process != client_name(failed)]
    return {"acked": tuple(run.acked), "lost": tuple(run.lost), "promotions": tuple(run.promotions),
            "leader": topo.regions[run.leader] if run.leader else None,  # figures only: the cache keeps no sim
            "lag": {n: (tuple(x), tuple(y)) for n, (x, y) in lag.items() if x},
            "write gap": (min(resumed) - FAIL_AT) if resumed else math.inf}


@functools.lru_cache(maxsize=32)
def _multi_leader(regions: tuple[str, ...], failed: str, resolution: str, rate: float, seed: int) -> dict[str, Any]:
    """Every region writes; the failed region is cut off from the others from FAIL_AT until the writes stop."""
    order = regions if failed == NONE else (failed, *(r for r in regions if r != failed))
    run = active_active_run(seed, regions=order, the_world=world(*regions), rate=float(rate), duration=DURATION,
                            resolution=resolution, variant=FIXED,
                            partition=None if failed == NONE else (FAIL_AT, DURATION))
    pairs = conflict_pairs(run)
    series: dict[str, tuple[list[float], list[float]]] = {r: ([0.0], [0.0]) for r in regions}
    for a, b in sorted(pairs, key=lambda p: max(p[0].timestamp, p[1].timestamp)):
        later = a if a.timestamp >= b.timestamp else b
        xs, ys = series[later.region]
        xs.append(later.timestamp)
        ys.append(ys[-1] + 1)
    for r, (xs, ys) in series.items():
        xs.append(DURATION)
        ys.append(ys[-1])
    alive = surviving_writes(run) if resolution != "counter" else {w.id for w in run.writes}
    lost = len(run.writes) - len(alive) if resolution != "counter" else acked_writes_lost(run)
    return {"writes": tuple(run.writes), "converged": run.converged, "most siblings": run.most_siblings,
            "conflicts": len(pairs), "in a conflict": frozenset(w.id for pair in pairs for w in pair),
            "alive": frozenset(alive), "lost": lost,
            "series": {r: (tuple(x), tuple(y)) for r, (x, y) in series.items()}}


def region_run(deployment: str = "US, EU, Asia", policy: str = "latency", failed: str = "us-east-1",
               mode: str = "async", resolution: str = "lww", timeout: float = 500, rate: float = 100, ttl: float = 1000,
               seed: int = 0) -> RegionRun:
    """One setting of the panel, measured: routing and DNS failover, then replication (see the module docstring).

    ``failed`` is a region of the deployment or ``"none"``; ``mode`` is sync, semi-sync, async (one
    leader, in the deployment's first region) or multi-leader (resolved by ``resolution``);
    ``timeout`` is the failure detector's (ms), ``rate`` each region's writes per second, ``ttl``
    the DNS answers' (ms, > 0).
    """
    regions = _check(deployment, policy, failed, mode, resolution, timeout, rate, ttl, seed)
    routing = _routing(regions, policy, failed, ttl, seed)
    figures: dict[str, Any] = {}
    if failed != NONE:
        figures["clients failed for (ms)"] = round(routing["recovery"], 0)
        figures["request errors"] = routing["errors"]
    rows = []
    before, after = routing["before"], routing["after"]
    for r in regions:
        rows.append({"region": r, "clients before": sum(v == r for v in before.values()),
                     "clients after": sum(v == r for v in after.values()),
                     "requests served": int(sum(routing["traffic"][r][1]))})
    if mode == "multi-leader":
        multi = _multi_leader(regions, failed, resolution, rate, seed)
        writes = multi["writes"]
        figures.update({"writes": len(writes), "conflicts": multi["conflicts"],
                        "conflicts/s": round(multi["conflicts"] / (DURATION / 1000.0), 1),
                        "writes lost": multi["lost"], "converged": multi["converged"]})
        if resolution == "siblings":
            figures["most siblings"] = multi["most siblings"]
        in_conflict = multi["in a conflict"]
        for row in rows:
            mine = [w for w in writes if w.region == row["region"]]
            row.update({"role": "failed" if row["region"] == failed else "leader (multi)", "writes": len(mine),
                        "in a conflict": sum(w.id in in_conflict for w in mine)})
            if resolution != "counter":
                row["lost"] = sum(w.id not in multi["alive"] for w in mine)
        leader_before = leader_after = None
        series_label, series = "conflicts so far", multi["series"]
    else:
        single = _single_leader(regions, failed, mode, timeout, rate, seed)
        leader_before, leader_after = regions[0], single["leader"]
        promoted = [t for t, _e, _n in single["promotions"] if t >= FAIL_AT]
        figures.update({"writes acknowledged": len(single["acked"]), "acknowledged writes lost": len(single["lost"])})
        if failed != NONE:
            figures["new leader"] = leader_after if leader_after != leader_before else "none"
            figures["promoted after (ms)"] = round(promoted[0] - FAIL_AT, 0) if promoted else None
            figures["no write accepted for (ms)"] = ("ever again" if math.isinf(single["write gap"])
                                                  else round(single["write gap"], 0))
        peak = {n: max([y for x, y in zip(xs, ys) if x < FAIL_AT], default=0.0)
                for n, (xs, ys) in single["lag"].items()}
        figures["max lag before the failure (ms)"] = round(max(peak.values(), default=0.0), 0)
        for row in rows:
            r = row["region"]
            role = ("failed" if r == failed else "leader" if r == leader_before else
                    "promoted" if r == leader_after else "follower")
            mine = [a for a in single["acked"] if a.client == client_name(r)]
            row.update({"role": role, "max lag ms (before)": round(peak.get(r, 0.0), 1) if r != leader_before else None,
                        "writes acknowledged": len(mine), "lost": sum(a in single["lost"] for a in mine)})
        series_label, series = "follower lag (ms)", single["lag"]
    return RegionRun(regions, policy, failed, mode, resolution, float(timeout), float(rate), float(ttl), seed,
                     before, after, leader_before, leader_after, routing["traffic"], series_label, series,
                     figures, tuple(rows))


# -- the panel ----------------------------------------------------------------------------------------

#: The highest write rate (per region) at which a multi-leader run follows the controls live. Its
#: cost grows faster than linearly with the rate (every write is compared with the concurrent ones):
#: timed at about 25 ms at 10 writes/s, 120 ms at 50 and 280 ms at 100 (2 shared cores) for
#: region_run alone, so above this rate a change waits for the Run button (panel.py).
LIVE_MULTI_LEADER_RATE = 40


class RegionPanel(ExperimentPanel):
    """Fail a region; watch traffic move, lag grow, writes lost or conflicted.

    Headless: ``p = region_panel(); p.set(failed="us-east-1", mode="async"); p.run_data.figures``.
    """

    title = "Regions: fail one, watch traffic move and writes get lost or conflict"
    figsize = (10.0, 3.8)
    dpi = 80
    margins: Mapping[str, float] = {}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.cache: dict[tuple, RegionRun] = {}
        self.computed = 0  # runs actually computed (the rest came from the cache)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)
        box = self.axes[0].get_window_extent()
        for regions in DEPLOYMENTS.values():  # every deployment's static layer now, not on its first selection
            _base_image(world(*regions), max(round(box.width), 10), max(round(box.height), 10))

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "deployment": widgets.Dropdown(options=list(DEPLOYMENTS), value="US, EU, Asia", description="deployment",
                                           **_WIDE),
            "policy": widgets.Dropdown(options=list(POLICIES), value="latency", description="routing", **_WIDE),
            "failed": widgets.Dropdown(options=[NONE, *REGION_NAMES], value="us-east-1", description="failed region",
                                       **_WIDE),
            "mode": widgets.Dropdown(options=list(MODES), value="async", description="replication", **_WIDE),
            "resolution": widgets.Dropdown(options=[(label, v) for v, label in RESOLUTIONS.items()], value="lww",
                                           description="multi-leader resolves by", **_WIDE),
            "timeout": widgets.IntSlider(value=500, min=TIMEOUTS[0], max=TIMEOUTS[-1],
                                         step=TIMEOUTS[1] - TIMEOUTS[0], description="detector timeout (ms)", **_WIDE),
            "rate": widgets.IntSlider(value=100, min=RATES[0], max=RATES[-1], step=RATES[1] - RATES[0],
                                      description="writes/s per region (at most)", **_WIDE),
            "ttl": widgets.IntSlider(value=1000, min=TTLS[0], max=TTLS[-1], step=TTLS[1] - TTLS[0],
                                     description="DNS TTL (ms)", **_WIDE),
            "seed": widgets.IntText(value=0, description="seed", **_WIDE),
        }

    def make_axes(self, fig: Any) -> Any:
        world_ax = fig.add_axes((0.0, 0.02, 0.60, 0.88))
        world_ax.set_axis_off()
        world_ax.set_zorder(1)  # above the map's static layer, a figure image (see draw_world)
        traffic_ax = fig.add_axes((0.63, 0.55, 0.36, 0.33))
        series_ax = fig.add_axes((0.63, 0.06, 0.36, 0.33))
        from matplotlib.patches import Rectangle

        for ax in (traffic_ax, series_ax):  # no axis at all (ticks cost more than the plot): a frame, a line a second
            ax.set_axis_off()
            ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, ec="#999999", lw=0.8,
                                   clip_on=False, gid=_STATIC))
            for x in (1000, 2000, 3000):
                ax.axvline(x, color="#eeeeee", lw=0.6, gid=_STATIC)
        return world_ax, traffic_ax, series_ax

    def _clear_axes(self) -> None:
        """Remove what the last run drew but keep the axes and their ticks (see the module docstring)."""
        assert self.fig is not None
        for image in list(self.fig.images):
            image.remove()
        for ax in self.fig.axes:
            for artist in [*ax.images, *ax.patches, *ax.lines, *ax.collections, *ax.texts]:
                if artist.get_gid() != _STATIC:
                    artist.remove()
        self.fig.axes[0].set_axis_off()

    def runs_on_change(self, params: Mapping[str, Any]) -> bool:
        """Multi-leader above LIVE_MULTI_LEADER_RATE writes/s waits for Run (see LIVE_MULTI_LEADER_RATE)."""
        return params["mode"] != "multi-leader" or params["rate"] <= LIVE_MULTI_LEADER_RATE

    def region(self, params: Mapping[str, Any]) -> RegionRun:
        """The run for these settings (cached)."""
        key = tuple(params[k] for k in ("deployment", "policy", "failed", "mode", "resolution", "timeout", "rate",
                                        "ttl", "seed"))
        if key not in self.cache:
            self.cache[key] = region_run(*key)
            self.computed += 1
        return self.cache[key]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        run = self.region(params)
        progress(0.8)
        return ExperimentResult(params=params, seed=params["seed"], table=region_table(run), verdict=run.verdict(),
                                data={"run": run})

    def draw(self, result: ExperimentResult, axes: Any) -> None:
        run: RegionRun = result.data["run"]
        world_ax, traffic_ax, series_ax = axes
        draw_world(run, world_ax, figimage=True)
        colors = _region_colors(run.regions)
        _draw_series(traffic_ax, run.traffic, "requests served / 100 ms", colors)
        _draw_series(series_ax, run.series, run.series_label, colors)

    @property
    def run_data(self) -> RegionRun:
        """The :class:`RegionRun` shown now."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["run"]


def _region_colors(regions: Sequence[str]) -> dict[str, str]:
    palette = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
    return {r: palette[i % len(palette)] for i, r in enumerate(regions)}


def region_panel(**initial: Any) -> RegionPanel:
    """The panel of notebook 14, run once with ``initial`` settings (deployment, policy, failed, mode,
    resolution, timeout, rate, ttl, seed); it reruns on every change, except multi-leader above
    LIVE_MULTI_LEADER_RATE writes/s, which waits for the Run button and shows the previous result meanwhile."""
    return RegionPanel(**initial)
