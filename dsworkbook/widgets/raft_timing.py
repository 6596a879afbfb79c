"""The timing panel of notebook 06b: a Raft cluster under leader crashes, and how its timeouts fare.

Theory of operation
-------------------
:class:`RaftTimingPanel` runs :func:`~dsworkbook.consensus.raft.timing.timing_run` (three servers,
one client writing, the leader crashing at times drawn from the seed; the rules are in that
module) for the chosen link latency, lowest election timeout (the range is low to twice low),
heartbeat, MTBF and seed, over :data:`DURATION` ms after the warm-up, and draws its timeline: one
lane per server (leading, down, each candidacy) and one for the client (every answered write),
with the outages shaded. The verdict line gives the measured availability, failover and
elections, and sets the timeout beside the two sides of §5.6's requirement: the broadcast time
(measured on the same links, :func:`~dsworkbook.consensus.raft.timing.broadcast_time`) and the MTBF.

A heartbeat at or above the lowest election timeout is refused by ``RaftConfig`` (followers
would time out between heartbeats); the panel shows that error in its verdict line. Broadcast
times are computed once per (latency, seed) and every run is kept, so a change costs at most one
run and one redraw, and coming back to a setting only a redraw.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from dsworkbook.consensus.raft.cluster import server_ids
from dsworkbook.consensus.raft.timing import LATENCIES, SERVERS, broadcast_time, timing_run
from dsworkbook.errors import ConfigError
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["RaftTimingPanel", "raft_timing_panel", "draw_timing_run", "DURATION", "DOWNTIME"]

#: ms measured after the warm-up in each panel run, and how long a crashed leader stays down
DURATION = 5000.0
DOWNTIME = 400.0
COLORS = {"leader": "#2e8b57", "down": "#95a5a6", "candidate": "#e67e22", "write": "#1f5fa8", "outage": "#f5b7b1"}
_WIDE: dict[str, Any] = {"style": {"description_width": "130px"}, "layout": {"width": "330px"}}


def _label(latency: tuple[float, float]) -> str:
    return f"{latency[0]:g}-{latency[1]:g} ms"


def _count(n: int, noun: str, plural: str = "s") -> str:
    return f"{n} {noun}{'' if n == 1 else plural}"


def draw_timing_run(run: dict[str, Any], ax: Any) -> Any:
    """Lanes n1..n3 (leading, down, candidacies) and the client's answered writes; outages shaded."""
    sim, (start, end) = run["sim"], run["window"]
    lanes = {n: i + 1 for i, n in enumerate(reversed(server_ids(SERVERS)))}
    for a, b in run["outages"]:
        ax.axvspan(a / 1000, b / 1000, color=COLORS["outage"], lw=0)
    events = sorted([(r.time, r.node, r.detail["role"]) for r in sim.trace.notes(key="role")]
                    + [(t, victim, "down") for t, victim in run["crashes"]])
    led: dict[str, float] = {}  # node -> when its current leadership began
    bars: dict[str, list[tuple[float, float, float]]] = {"leader": [], "down": []}  # (lane, left, width) in s
    candidacies: list[tuple[float, float]] = []
    for t, node, role in events + [(end, n, "end") for n in lanes]:
        if node in led:  # any change - a note, a crash, the end of the run - ends a leadership
            began = led.pop(node)
            bars["leader"].append((lanes[node], began / 1000, (t - began) / 1000))
        if role == "leader":
            led[node] = t
        elif role == "candidate" and t >= start:
            candidacies.append((t / 1000, lanes[node]))
        elif role == "down":
            bars["down"].append((lanes[node], t / 1000, DOWNTIME / 1000))
    for kind, rows in bars.items():
        if rows:
            y, left, width = zip(*rows)
            ax.barh(y, width, left=left, height=0.5, color=COLORS[kind])
    for t, _victim in run["crashes"]:
        ax.axvline(t / 1000, color="#c0392b", lw=0.8, ls="--")
    if candidacies:
        xs, ys = zip(*candidacies)
        ax.plot(xs, ys, "x", color=COLORS["candidate"], ms=5, ls="none")
    writes = [w / 1000 for w in run["writes"]]
    ax.plot(writes, [0] * len(writes), "|", color=COLORS["write"], ms=8)
    ax.set_yticks([0, *lanes.values()], ["client\nwrites", *lanes.keys()])
    ax.set_xlim(start / 1000, end / 1000)
    ax.set_ylim(-0.7, SERVERS + 0.7)
    ax.set_xlabel("time (s)")
    handles = [ax.plot([], [], "s", color=COLORS[k], label=text)[0] for k, text in
               (("leader", "leading"), ("down", "crashed"), ("outage", "outage"))]
    handles.append(ax.plot([], [], "x", color=COLORS["candidate"], label="candidacy")[0])
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


class RaftTimingPanel(ExperimentPanel):
    """Choose the links, the election timeout, the heartbeat, the MTBF and a seed; see availability.

    Headless: ``p = raft_timing_panel(); p.set(timeout_low=20); p.result.data["run"]["availability"]``.
    """

    title = "The timing requirement: broadcast time << election timeout << MTBF (§5.6)"
    figsize = (10.0, 3.0)
    dpi = 64
    margins = {"left": 0.08, "right": 0.84, "top": 0.95, "bottom": 0.16}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.broadcasts: dict[tuple[tuple[float, float], int], float] = {}
        self.cache: dict[tuple, dict[str, Any]] = {}
        self.computed = 0  # simulations actually run (the rest came from the cache)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "latency": widgets.Dropdown(options=[(_label(lat), lat) for lat in LATENCIES], value=LATENCIES[1],
                                        description="link latency", **_WIDE),
            "timeout_low": widgets.IntSlider(value=80, min=5, max=1000, step=5, description="election timeout ms",
                                             **_WIDE),
            "heartbeat": widgets.IntSlider(value=20, min=1, max=500, description="heartbeat ms", **_WIDE),
            "mtbf": widgets.IntSlider(value=2000, min=1000, max=int(DURATION), step=250, description="MTBF ms",
                                      **_WIDE),  # a run measures DURATION ms: at least one MTBF
            "seed": widgets.IntText(value=1, description="seed", **_WIDE),
        }

    def broadcast(self, latency: tuple[float, float], seed: int) -> float:
        """The measured broadcast time on these links (computed once per latency and seed)."""
        key = (tuple(latency), int(seed))
        if key not in self.broadcasts:
            self.broadcasts[key] = broadcast_time(tuple(latency), int(seed))
        return self.broadcasts[key]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        lat, low, seed = tuple(params["latency"]), float(params["timeout_low"]), params["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed must be an int, got {seed!r}")
        bt = self.broadcast(lat, seed)
        progress(0.2)
        key = (lat, low, float(params["heartbeat"]), float(params["mtbf"]), seed)
        if key not in self.cache:
            self.cache[key] = timing_run(seed, latency=lat, election_timeout=(low, 2 * low), heartbeat=key[2],
                                         mtbf=key[3], downtime=DOWNTIME, duration=DURATION, keep=True)
            self.computed += 1
        run = self.cache[key]
        progress(0.8)
        return ExperimentResult(params=params, seed=seed, verdict=self.verdict_for(run, bt, float(params["mtbf"])),
                                data={"run": run, "broadcast": bt, "sim": run["sim"]})

    @staticmethod
    def verdict_for(run: dict[str, Any], bt: float, mtbf: float) -> str:
        """The measured figures, then the timeout set against the broadcast time and the MTBF."""
        low = run["timeout low"]
        failover = "-" if run["failover (ms)"] is None else f"{run['failover (ms)']:g} ms"
        return (f"links {run['latency (ms)']} ms, timeouts {run['timeout (ms)']} ms: availability "
                f"{100 * run['availability']:.1f}%, {_count(run['failures'], 'leader crash', 'es')}, failover {failover} on "
                f"average, {run['never settled']} never settled, {_count(run['elections'], 'election')}; timeout low = "
                f"{low / bt:.1f} x the broadcast time ({bt:g} ms), MTBF = {mtbf / (2 * low):.1f} x the highest timeout")

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        draw_timing_run(result.data["run"], ax)

    @property
    def run_data(self) -> dict[str, Any]:
        """The figures of the run shown now (a row of :func:`~dsworkbook.consensus.raft.timing.timing_run`)."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["run"]


def raft_timing_panel(**initial: Any) -> RaftTimingPanel:
    """The timing panel of notebook 06b, run once with ``initial`` settings (latency, timeout_low, heartbeat, mtbf, seed)."""
    return RaftTimingPanel(**initial)
