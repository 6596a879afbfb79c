"""Drawings for theme 02: client histories side by side, and stale-read rates against R + W.

Theory of operation
-------------------
:func:`history_strips` draws the histories of several runs (one band per run, one lane per
client inside it): each operation is a bar from its invoke to its completion, coloured by
outcome (``ok`` green, ``fail`` grey, ``unknown`` orange; a stale read,
:func:`~dsworkbook.storage.quorum.stale_reads`, red), and the periods when the
network was partitioned are shaded. It draws into a given Axes after clearing it, with one
``broken_barh`` per outcome and band, so a widget can redraw it in tens of milliseconds.

:func:`stale_rate_plot` draws the table of :func:`~dsworkbook.storage.quorum.stale_read_table`
as bars over ``R + W - N``, the quantity that decides whether quorums intersect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.storage.quorum import stale_reads
from dsworkbook.viz._axes import prepare_axes

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["history_strips", "stale_rate_plot", "OUTCOME_COLORS"]

OUTCOME_COLORS = {"ok": "#2e8b57", "fail": "#9e9e9e", "unknown": "#e67e22"}
_COLORS = {**OUTCOME_COLORS, "stale read": "#c0392b"}


def _partition_spans(sim: Simulation) -> list[tuple[float, float]]:
    """When the network was partitioned or had a cut, from the run's fault records."""
    return [(r.start, sim.now if r.end is None else r.end) for r in sim.trace.faults
            if (r.kind == "partition" and len(r.detail) > 1) or r.kind == "cut"]


def history_strips(runs: Mapping[str, Simulation], *, ax: "Axes | None" = None, end: float | None = None) -> "Axes":
    """Draw the client histories of ``runs`` (label -> finished simulation), one band per run."""
    if not runs:
        raise ConfigError("history_strips needs at least one run: a dict label -> Simulation")
    ax = prepare_axes(ax, (10, 1 + 1.2 * len(runs)), {"left": 0.2, "right": 0.97, "top": 0.9, "bottom": 0.12})
    yticks, ylabels, y = [], [], 0.0
    last = 0.0
    spans = sorted({span for sim in runs.values() for span in _partition_spans(sim)})
    for lo, hi in spans:
        ax.axvspan(lo, hi, color="#f5b7b1", alpha=0.5, lw=0, zorder=0)
    for label, sim in runs.items():
        clients = sorted({op.process for op in sim.history})
        stale = {s.read.index for s in stale_reads(sim.history)}
        for i, c in enumerate(clients):
            lane = y + i
            by_outcome: dict[str, list[tuple[float, float]]] = {}
            for op in sim.history:
                if op.process != c:
                    continue
                finish = op.complete_time if op.complete_time is not None else sim.now
                last = max(last, finish)
                kind = "stale read" if op.index in stale else op.outcome or "unknown"
                by_outcome.setdefault(kind, []).append((op.invoke_time, finish - op.invoke_time))
            for kind, bars in by_outcome.items():
                ax.broken_barh(bars, (lane - 0.3, 0.6), facecolors=_COLORS[kind], edgecolor="white",
                               linewidth=0.3, zorder=2)
            yticks.append(lane)
            ylabels.append(f"{label}: {c}" if i == 0 else c)
        y += len(clients) + 0.8
    ax.set_yticks(yticks, ylabels, fontsize=7)
    ax.invert_yaxis()
    if end is None:
        end = max([last] + [hi for _, hi in spans if hi < max(s.now for s in runs.values())]) * 1.02 + 1
    ax.set_xlim(0, end)
    ax.set_xlabel("ms (shaded: network partitioned)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=o) for o, c in _COLORS.items()]
    ax.legend(handles=handles, fontsize=7, loc="upper right", ncol=4, frameon=False, bbox_to_anchor=(1.0, 1.12))
    return ax


def stale_rate_plot(table: "pd.DataFrame", *, ax: "Axes | None" = None) -> "Axes":
    """Bars of stale-read % per (N, R, W), coloured by whether R + W > N."""
    ax = prepare_axes(ax, (8, 3), {"left": 0.1, "right": 0.97, "top": 0.88, "bottom": 0.3})
    labels = [f"N={n} R={r} W={w}" for n, r, w in zip(table["N"], table["R"], table["W"], strict=True)]
    colors = ["#2e8b57" if s else "#c0392b" for s in table["R+W>N"]]
    ax.bar(range(len(table)), table["stale %"], color=colors)
    ax.set_xticks(range(len(table)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("stale reads (%)")
    ax.set_title("stale reads per setting (green: R + W > N, red: R + W <= N)", fontsize=9)
    return ax
