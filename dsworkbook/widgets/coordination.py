"""The failure-detector panel of notebook 10: a heartbeat stream, a detector, and its two costs.

Theory of operation
-------------------
A peer ``p`` sends a heartbeat every ``interval`` ms to a monitor ``m`` over a log-normal network
(:class:`~dsworkbook.sim.LongTail`, set by its median and its p99 as a multiple of the median).
Half way through the run the network can slow down by ``slowdown`` (every delay multiplied), and
at :data:`CRASH_AT` the peer crashes. A detector - a fixed timeout, or phi accrual with a
threshold (:mod:`dsworkbook.coordination.detection`) - turns the arrival times into suspicion.
The panel shows its two costs, measured on the same run:

* **false suspicion**: the fraction of the peer's live time in which it was suspected, and the
  number of such episodes (each one, in a real system, a needless failover or election);
* **detection time**: ms from the crash to the suspicion that follows it.

The diagram plots the detector's own quantity over time - ms since the last heartbeat against
the timeout, or phi against the threshold - with suspected stretches shaded.

Precomputed: the arrivals depend only on the network, the interval and the seed, so they are
simulated once per such setting (:func:`arrivals`, cached; a 33 s run takes a few tens of ms);
changing the detector, the timeout or the threshold only replays those arrivals (a few ms). Most
of an update is drawing the PNG, about 100 ms here, as for the other panels.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Sequence

import ipywidgets as widgets

from dsworkbook.coordination.detection import FixedTimeout, PhiAccrual, heartbeat_sim, suspicion
from dsworkbook.errors import ConfigError
from dsworkbook.sim import LongTail
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["DetectorPanel", "detector_panel", "arrivals", "detector_run", "DETECTORS", "CRASH_AT", "DURATION",
           "SLOW_AT"]

#: the two detectors the panel offers
DETECTORS = ("fixed timeout", "phi accrual")
#: the network slows down (by ``slowdown``) at SLOW_AT; the peer crashes at CRASH_AT; the run ends at DURATION
SLOW_AT, CRASH_AT, DURATION = 15_000.0, 30_000.0, 33_000.0
_START = 1000.0  # the first second is warm-up: not counted
_SAMPLES = 1200
_WIDE: dict[str, Any] = {"style": {"description_width": "120px"}, "layout": {"width": "330px"}}


@functools.lru_cache(maxsize=64)
def arrivals(seed: int, median: float, tail: float, interval: float, slowdown: float) -> tuple[float, ...]:
    """Heartbeat arrival times (monitor clock) for one network setting; the peer crashes at CRASH_AT."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if not tail >= 1:
        raise ConfigError(f"tail is p99 / median and must be >= 1, got {tail!r}")
    if not slowdown >= 1:
        raise ConfigError(f"slowdown multiplies every delay and must be >= 1, got {slowdown!r}")
    sim = heartbeat_sim(seed, latency=LongTail(median, median * tail), interval=interval)
    if slowdown > 1:
        slow = LongTail(median * slowdown, median * tail * slowdown)
        sim.at(SLOW_AT, functools.partial(sim.net.configure, latency=slow))
    sim.at(CRASH_AT, sim.crash, "p")
    sim.run(until=DURATION)
    return tuple(sim.node("m").arrivals)


def _make(detector: str, timeout: float, threshold: float, interval: float) -> FixedTimeout | PhiAccrual:
    if detector == "fixed timeout":
        return FixedTimeout(timeout)
    if detector == "phi accrual":
        return PhiAccrual(threshold, first_interval=interval)
    raise ConfigError(f"detector must be one of {list(DETECTORS)}, got {detector!r}")


def _levels(times: Sequence[float], detector: FixedTimeout | PhiAccrual,
            samples: Sequence[float]) -> tuple[list[float], list[tuple[float, float]]]:
    """The detector's quantity at each sample time, and the (start, end) of every suspected stretch."""
    levels, stretches = [], []
    i, n = 0, len(times)
    for k, t in enumerate(times):
        detector.heartbeat(t)
        nxt = times[k + 1] if k + 1 < n else DURATION
        begins = t + detector.onset()
        if begins < nxt:
            stretches.append((begins, nxt))
        if isinstance(detector, PhiAccrual):
            mean, std = detector.stats()
        while i < len(samples) and samples[i] < nxt:
            elapsed = samples[i] - t
            if elapsed < 0:
                levels.append(math.nan)
            elif isinstance(detector, FixedTimeout):
                levels.append(elapsed)
            else:
                tail = 0.5 * math.erfc((elapsed - mean) / (std * math.sqrt(2.0)))
                levels.append(math.inf if tail <= 0 else -math.log10(tail))
            i += 1
    levels += [math.nan] * (len(samples) - len(levels))
    return levels, stretches


def _suspected(samples: Sequence[float], stretches: Sequence[tuple[float, float]]) -> list[bool]:
    """For each sample time, whether it falls in a suspected stretch (both lists are in time order)."""
    out, j = [], 0
    for t in samples:
        while j < len(stretches) and stretches[j][1] <= t:
            j += 1
        out.append(j < len(stretches) and stretches[j][0] <= t)
    return out


def detector_run(seed: int = 1, *, median: float = 40.0, tail: float = 4.0, interval: float = 100.0,
                 detector: str = "fixed timeout", timeout: float = 200.0, threshold: float = 8.0,
                 slowdown: float = 1.0) -> dict[str, Any]:
    """One setting of the panel, headless: the false-suspicion and detection figures, and the curve."""
    times = arrivals(seed, float(median), float(tail), float(interval), float(slowdown))
    got = suspicion(times, _make(detector, timeout, threshold, interval), start=_START, end=DURATION,
                    crashed_at=CRASH_AT)
    samples = [_START + (DURATION - _START) * j / (_SAMPLES - 1) for j in range(_SAMPLES)]
    levels, stretches = _levels(times, _make(detector, timeout, threshold, interval), samples)
    live_minutes = (CRASH_AT - _START) / 60_000.0
    return {"suspected_fraction": got["suspected_fraction"], "false_suspicions": int(got["false_suspicions"]),
            "false_per_minute": got["false_suspicions"] / live_minutes, "detection_ms": got["detection_ms"],
            "heartbeats": len(times), "samples": samples, "levels": levels, "stretches": stretches,
            "limit": timeout if detector == "fixed timeout" else threshold}


class DetectorPanel(ExperimentPanel):
    """Heartbeats over a slow network: a fixed timeout or phi accrual, false suspicions and detection time.

    Headless: ``p = DetectorPanel(); p.set(detector="phi accrual", slowdown=4); p.result.data``.
    """

    title = "Failure detector: a live peer until 30 s, then a crash; what does the monitor believe?"
    figsize = (10.0, 3.6)
    margins = {"left": 0.07, "right": 0.98, "top": 0.88, "bottom": 0.14}

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "median": widgets.FloatSlider(value=40.0, min=1.0, max=100.0, step=1.0,
                                          description="median delay (ms)", **_WIDE),
            "tail": widgets.FloatSlider(value=4.0, min=1.0, max=10.0, step=0.5, description="p99 / median", **_WIDE),
            "slowdown": widgets.FloatSlider(value=1.0, min=1.0, max=8.0, step=0.5,
                                            description="slowdown at 15 s", **_WIDE),
            "interval": widgets.FloatSlider(value=100.0, min=20.0, max=500.0, step=10.0,
                                            description="heartbeat (ms)", **_WIDE),
            "detector": widgets.Dropdown(options=list(DETECTORS), value="fixed timeout", description="detector",
                                         **_WIDE),
            "timeout": widgets.FloatSlider(value=200.0, min=10.0, max=2000.0, step=10.0,
                                           description="timeout (ms)", **_WIDE),
            "threshold": widgets.FloatSlider(value=8.0, min=0.5, max=16.0, step=0.5, description="phi threshold",
                                             **_WIDE),
            "seed": widgets.IntText(value=1, description="seed", **_WIDE),
        }

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        import pandas as pd

        data = detector_run(params["seed"], median=params["median"], tail=params["tail"],
                            interval=params["interval"], detector=params["detector"], timeout=params["timeout"],
                            threshold=params["threshold"], slowdown=params["slowdown"])
        setting = (f"{params['detector']} {params['timeout']:g} ms" if params["detector"] == "fixed timeout"
                   else f"phi accrual, threshold {params['threshold']:g}")
        detect = "never detected" if math.isnan(data["detection_ms"]) else f"crash detected after {data['detection_ms']:.0f} ms"
        verdict = (f"{setting}: live peer suspected {100 * data['suspected_fraction']:.2f}% of the time "
                   f"({data['false_suspicions']} false suspicions, {data['false_per_minute']:.1f} per minute); "
                   f"{detect}")
        table = pd.DataFrame([{"heartbeats received": data["heartbeats"],
                               "live time suspected %": round(100 * data["suspected_fraction"], 3),
                               "false suspicions": data["false_suspicions"],
                               "per minute": round(data["false_per_minute"], 2),
                               "detection ms": round(data["detection_ms"], 1)}], index=[setting])
        return ExperimentResult(params=params, seed=params["seed"], table=table, verdict=verdict, data=data)

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        d, p = result.data, result.params
        secs = [t / 1000.0 for t in d["samples"]]
        cap = 3.0 * d["limit"]
        ax.plot(secs, [min(v, cap) for v in d["levels"]], lw=0.7, color="#34495e")
        ax.axhline(d["limit"], color="#c0392b", lw=1, ls="--",
                   label="timeout" if p["detector"] == "fixed timeout" else "phi threshold")
        ax.fill_between(secs, 0, cap * 1.02, where=_suspected(d["samples"], d["stretches"]), color="#e74c3c",
                        alpha=0.3, lw=0, step="mid")
        ax.axvline(CRASH_AT / 1000.0, color="black", lw=1)
        ax.text(CRASH_AT / 1000.0, cap * 0.95, " crash", va="top", fontsize=8)
        if p["slowdown"] > 1:
            ax.axvline(SLOW_AT / 1000.0, color="#7f8c8d", lw=1, ls=":")
            ax.text(SLOW_AT / 1000.0, cap * 0.95, f" network x{p['slowdown']:g}", va="top", fontsize=8)
        ax.set_ylim(0, cap * 1.02)
        ax.set_xlim(secs[0], secs[-1])
        ax.set_xlabel("time (s); shaded: peer suspected")
        ax.set_ylabel("ms since last heartbeat" if p["detector"] == "fixed timeout" else "phi")
        ax.set_title(f"seed {result.seed}: {result.table.index[0]}", fontsize=10)
        ax.legend(loc="upper left", fontsize=8)


def detector_panel(**initial: Any) -> DetectorPanel:
    """The failure-detector panel of notebook 10, run once with ``initial`` settings; it reruns on every change."""
    return DetectorPanel(**initial)
