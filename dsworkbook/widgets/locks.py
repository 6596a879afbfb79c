"""The "lock under pressure" panel of notebook 09: is your lock safe if the holder pauses?

Theory of operation
-------------------
The panel draws runs of :func:`~dsworkbook.locks.pressure.pressure_run` (Kleppmann's three
failures of lease locks with the fault size, the TTL, fencing and the seed as controls; the
rules of the run are in that module): lanes for c1, c2 and the storage over true time, c1's
lease, each client's belief that it holds the lock, the fault and every write, with
:func:`~dsworkbook.locks.pressure.pressure_table` beside it.

The panel keeps every run it computed and computes fenced and unfenced together, so flipping
``fenced`` (or coming back to a setting) only redraws: a change answers in a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from dsworkbook.errors import ConfigError
from dsworkbook.locks.pressure import (MAX_SIZE, PRESSURES, PressureRun, destroying_writes, pressure_run,
                                       pressure_table)
from dsworkbook.locks.scenarios import STORAGE
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["PRESSURES", "PressureRun", "pressure_run", "draw_pressure", "pressure_table", "destroying_writes", "LockUnderPressure",
           "lock_panel", "MAX_SIZE"]

COLORS = {"c1": "#1f5fa8", "c2": "#e67e22", "lease": "#9ab7d9", "fault": "#7f8c8d", "overlap": "#c0392b",
          "ok": "#2e8b57", "bad": "#c0392b"}
_WIDE: dict[str, Any] = {"style": {"description_width": "120px"}, "layout": {"width": "330px"}}


def draw_pressure(run: PressureRun, ax: Any) -> Any:
    """Lanes c1, c2 and the storage over true time: c1's lease, each client's belief, the fault, the writes."""
    y = {"c1": 2.0, "c2": 1.0, STORAGE: 0.0}
    lo, hi = run.start - 10.0, run.end
    ax.barh(y["c1"] + 0.3, run.lease[1] - run.lease[0], left=run.lease[0], height=0.12, color=COLORS["lease"])
    ax.text(run.lease[0], y["c1"] + 0.42, f"c1's lease: ttl {run.ttl:g} ms from its grant", fontsize=7,
            color="#4a6a8f")
    for client, a, b in run.periods:
        ax.barh(y[client], b - a, left=a, height=0.34, color=COLORS[client], alpha=0.85)
    if run.fault is not None:
        a, b, what = run.fault
        if run.scenario == "pause":
            ax.barh(y["c1"], b - a, left=a, height=0.5, color="none", edgecolor=COLORS["fault"], hatch="///")
        elif run.scenario == "clock jump":
            ax.axvline(a, color=COLORS["fault"], ls="--", lw=1)
        else:
            ax.annotate("", xy=(b, y[STORAGE] + 0.1), xytext=(a, y["c1"] - 0.2),
                        arrowprops=dict(arrowstyle="->", color=COLORS["fault"], lw=1.2))
        ax.text(a, y["c2"] + 0.45, what, fontsize=7, color="#555555")
    for a, b, t in run.result.overlapping:
        end = min(p[2] for p in run.periods if p[0] in (a, b) and p[1] <= t + 1e-9 and p[2] > t)
        ax.axvspan(t, end, color=COLORS["overlap"], alpha=0.12, lw=0)
    stale = destroying_writes(run)
    for w in run.result.sim.node(STORAGE).accepted:
        bad = w.entry in stale
        ax.plot(w.time, y[STORAGE], marker="*" if bad else "o", ms=12 if bad else 7,
                color=COLORS["bad"] if bad else COLORS["ok"], zorder=3)
        ax.text(w.time, y[STORAGE] + 0.22, f"{w.entry}" + (" (lost one)" if bad else ""), fontsize=7, ha="center")
    for t, _who, token in run.rejected:
        ax.plot(t, y[STORAGE], marker="x", ms=9, mew=2, color=COLORS["bad"], zorder=3)
        ax.text(t, y[STORAGE] - 0.32, f"rejected (token {token})", fontsize=7, ha="center")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, 2.7)
    ax.set_yticks([0, 1, 2], [STORAGE, "c2", "c1"])
    ax.set_xlabel("true time (ms)")
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    tag = ("TWO HOLDERS" if run.two_holders else "one holder") + " · " + \
        ("LOST WRITE" if run.lost_write else "no write lost")
    ax.set_title(f"{run.scenario}, seed {run.seed}: {tag}   (bars: believed it held the lock; red: both did)",
                 fontsize=9)
    return ax


class LockUnderPressure(ExperimentPanel):
    """Choose a fault, its size, the TTL, fencing and a seed; see who believed they held the lock.

    Headless: ``p = lock_panel(); p.set(scenario="clock jump", size=150); p.run_data.lost_write``.
    """

    title = "Lock under pressure: is your lock safe if the holder pauses?"
    figsize = (10.0, 3.4)
    dpi = 80
    margins = {"left": 0.07, "right": 0.98, "top": 0.88, "bottom": 0.15}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        self.cache: dict[tuple, PressureRun] = {}
        self.computed = 0  # simulations actually run (the rest came from the cache)
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "scenario": widgets.Dropdown(options=list(PRESSURES), value="pause", description="scenario", **_WIDE),
            "size": widgets.IntSlider(value=200, min=0, max=500, step=10, description="pause/jump/delay ms",
                                      **_WIDE),
            "ttl": widgets.IntSlider(value=100, min=50, max=400, step=10, description="TTL ms", **_WIDE),
            "fenced": widgets.Checkbox(value=False, description="fencing tokens", indent=False),
            "seed": widgets.IntText(value=0, description="seed", **_WIDE),
        }

    def pressure(self, scenario: str, size: float, ttl: float, fenced: bool, seed: int) -> PressureRun:
        """The run for these settings, computed once; fenced and unfenced are computed together."""
        key = (scenario, float(size), float(ttl), bool(fenced), int(seed))
        if key not in self.cache:
            for f in (False, True):
                self.cache[key[:3] + (f, key[4])] = pressure_run(scenario, size, ttl=ttl, fenced=f, seed=seed)
                self.computed += 1
        return self.cache[key]

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        run = self.pressure(params["scenario"], params["size"], params["ttl"], params["fenced"], params["seed"])
        progress(0.8)
        return ExperimentResult(params=params, seed=params["seed"], table=pressure_table(run), verdict=run.verdict(),
                                data={"run": run, "sim": run.result.sim})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        draw_pressure(result.data["run"], ax)

    @property
    def run_data(self) -> PressureRun:
        """The :class:`PressureRun` shown now."""
        if self.result is None:
            raise ConfigError(f"no result to show: {self.verdict_text}")
        return self.result.data["run"]


def lock_panel(**initial: Any) -> LockUnderPressure:
    """The panel of notebook 09, run once with ``initial`` settings (scenario, size, ttl, fenced, seed)."""
    return LockUnderPressure(**initial)
