"""The duelling-proposers panel of notebook 07: watch ballots climb, and a value get chosen - or not.

Theory of operation
-------------------
:class:`PaxosDuel` runs :func:`dsworkbook.consensus.paxos.duel` - proposers of big values on
links of limited bandwidth, so an Accept (which carries the value) travels slower than a
Prepare - with the reader's settings: how many proposers, how far apart they start, fixed or
random backoff, how big the value is, message loss, the seed. From the trace alone it shows:

* the verdict: the value chosen and when, or "no value chosen" with the number of ballots
  tried; and the consensus properties (agreement, validity, integrity) checked on the run;
* a table: per proposer, ballots started, the last one, and what it decided;
* a diagram: every ballot each proposer started, over time (a staircase that never ends is a
  duel), with the moment a value was chosen.

With two proposers, the default offset and fixed backoff, the duel never ends: the FLP
impossibility result made concrete. Switch to random backoff and a value is chosen.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from dsworkbook.consensus.paxos import BACKOFFS, check_consensus, duel
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult, Progress

__all__ = ["PaxosDuel", "paxos_duel", "ballot_table"]

_WIDE: dict[str, Any] = {"style": {"description_width": "120px"}, "layout": {"width": "330px"}}
_COLORS = ("#1f5fa8", "#e67e22", "#2e8b57", "#8e44ad", "#c0392b")


def ballot_table(sim: Any) -> Any:
    """One row per proposer: ballots started, the last ballot, and the value it decided (if any)."""
    import pandas as pd

    rows: dict[str, dict[str, Any]] = {}
    for r in sim.trace.notes(key="propose"):
        row = rows.setdefault(r.node, {"proposer": r.node, "value": str(r.detail["propose"]), "ballots": 0})
        row["ballots"] += 1
        row["last ballot"] = str(r.detail["ballot"])
        row["last started at (ms)"] = round(r.time, 1)
    for r in sim.trace.notes(key="decided"):
        if r.node in rows:
            rows[r.node]["decided"] = str(r.detail["decided"])
    return pd.DataFrame(list(rows.values())).set_index("proposer") if rows else pd.DataFrame()


class PaxosDuel(ExperimentPanel):
    """Duelling Paxos proposers (notebook 07, theme T07). Headless: ``p.set(backoff="random")``, read ``p.result``."""

    title = "Duelling proposers: each new Prepare can overtake the other's Accept"
    figsize = (10.0, 3.6)

    def __init__(self, *, auto_run: bool = True, run_now: bool = True, **initial: Any) -> None:
        super().__init__(auto_run=auto_run, run_now=run_now, initial=initial)

    def make_controls(self) -> dict[str, widgets.ValueWidget]:
        return {
            "proposers": widgets.IntSlider(value=2, min=1, max=3, description="proposers", **_WIDE),
            "offset": widgets.FloatSlider(value=20.0, min=0.0, max=60.0, step=1.0, description="start offset (ms)",
                                          **_WIDE),
            "backoff": widgets.Dropdown(options=list(BACKOFFS), value="fixed", description="backoff", **_WIDE),
            "value_size": widgets.IntSlider(value=20, min=1, max=40, description="value size", **_WIDE),
            "loss": widgets.FloatSlider(value=0.0, min=0.0, max=0.3, step=0.01, description="loss", **_WIDE),
            "seed": widgets.IntText(value=7, description="seed", **_WIDE),
        }

    def compute(self, params: dict[str, Any], progress: Progress) -> ExperimentResult:
        sim = duel(params["seed"], backoff=params["backoff"], offset=params["offset"],
                   value_size=params["value_size"], proposers=params["proposers"], loss=params["loss"],
                   until=1500.0)
        report = check_consensus(sim)
        decisions = sim.trace.notes(key="decided")
        if decisions:
            first = decisions[0]
            head = f"{first.detail['decided']} chosen at t={first.time:.0f} ms after {report.ballots} ballots"
        else:
            head = f"no value chosen in {sim.now:.0f} ms: {report.ballots} ballots, each pre-empted (a duel)"
        verdict = f"{head}; " + ("agreement, validity, integrity hold" if report.ok else report.summary())
        return ExperimentResult(params=params, seed=sim.seed, table=ballot_table(sim), verdict=verdict,
                                data={"sim": sim, "report": report})

    def draw(self, result: ExperimentResult, ax: Any) -> None:
        sim = result.data["sim"]
        by: dict[str, list[tuple[float, int]]] = {}
        values: dict[str, str] = {}
        for r in sim.trace.notes(key="propose"):
            by.setdefault(r.node, []).append((r.time, r.detail["ballot"].round))
            values[r.node] = str(r.detail["propose"])
        for i, (node, points) in enumerate(sorted(by.items())):
            xs, ys = zip(*points)
            ax.step(xs, ys, where="post", color=_COLORS[i % len(_COLORS)], label=f"{node} proposes {values[node]}")
            ax.plot(xs, ys, "o", ms=3, color=_COLORS[i % len(_COLORS)])
        decided = sim.trace.notes(key="decided")
        if decided:
            ax.axvline(decided[0].time, color="#2e8b57", linestyle="--",
                       label=f"chosen: {decided[0].detail['decided']}")
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("ballot round")
        ax.set_title("ballots started by each proposer", fontsize=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def paxos_duel(**initial: Any) -> PaxosDuel:
    """The panel of notebook 07, run once with ``initial`` settings; it reruns on every change."""
    return PaxosDuel(**initial)
