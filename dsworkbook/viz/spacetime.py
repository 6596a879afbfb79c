"""Space-time (message sequence) diagrams of a simulated run.

Theory of operation
-------------------
:func:`spacetime` reads the run's trace (``sim.trace.records``: tuples
``(time, kind, node, peer, msg_id, detail)``) in one pass and draws:

* one horizontal **lane** per node, the first node on top, time running left to right;
* one **arrow per delivered copy** of a message, from (send time, sender's lane) to
  (arrival time, receiver's lane). When the network duplicated a message, the copies after the
  first (what :func:`~dsworkbook.sim.delivery_stats` counts as duplicates) are drawn in another
  colour with a diamond at the arrival;
* a **dropped** message as an arrow that stops short and ends in an ✕, coloured by the reason:
  *loss* (the network lost it), *partition* (a cut link, at sending or in flight) or
  *node down* (it reached a crashed node, so the arrow reaches the lane);
* **timers** as small ticks on the lane, a **crash** (until its restart) as a grey band, a
  **pause** as a hatched band, and the periods when the network was **partitioned** or had a
  one-way cut as shaded columns labelled with the partition.

With ``label=True`` (or a function of the message) every arrow also says **what kind of
message** it carries: delivered messages are coloured by kind, the legend names each kind
(``RequestVote``, ``AppendEntries``, their replies...), and when few enough arrows are drawn
(``max_labels``) each carries a short text at its middle (its kind, or what the function says,
e.g. ``RV t2`` for a RequestVote of term 2). Drops and duplicates keep their colours (they say
what became of a message); their arrows are labelled too.

Rules it keeps:

* Arrows are drawn as one :func:`~matplotlib.axes.Axes.quiver` per category, not one patch
  per message, so 400 messages draw in tens of milliseconds. Each category's artist carries a
  ``gid`` such as ``"spacetime:delivered"`` so tests (and curious readers) can find it.
* The diagram is drawn into the given Axes after clearing it; the Figure is reused, so a
  widget can redraw after every change without building a new figure.
* Messages are chosen by their *send* time within ``[start, end]`` and drawn only when both
  ends are shown lanes. When more than ``max_messages`` qualify, the first ones are drawn,
  the time axis stops where the first undrawn message was sent, and the title says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError, UnknownNodeError
from dsworkbook.sim.kernel import Simulation
from dsworkbook.sim.trace import FaultRecord, Trace
from dsworkbook.viz._axes import prepare_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["spacetime", "DROP_CATEGORIES", "COLORS", "KIND_COLORS", "MARGINS"]

#: Colours of the diagram's categories (also used in legends elsewhere in the workbook).
COLORS = {
    "delivered": "#1f5fa8",
    "duplicate": "#8e44ad",
    "loss": "#e67e22",
    "partition": "#c0392b",
    "node down": "#4d4d4d",
    "other": "#7f8c8d",
    "timer": "#27ae60",
    "down": "#bdbdbd",
    "pause": "#7f7f7f",
    "partitioned": "#f5b7b1",
}

#: Colours given to message kinds, in the order the kinds first appear (``label=True``); none of
#: them is a colour of a drop or a duplicate.
KIND_COLORS = ("#1f5fa8", "#2ca02c", "#17becf", "#8c564b", "#bcbd22", "#e377c2", "#393b79", "#637939")

#: How a drop reason from the trace maps to a drawn category.
DROP_CATEGORIES = {"loss": "loss", "partition": "partition", "partition (in flight)": "partition",
                   "node down": "node down"}

_LEGEND = {
    "delivered": "delivered",
    "duplicate": "duplicate copy",
    "loss": "dropped: loss",
    "partition": "dropped: partition",
    "node down": "dropped: node down",
    "other": "dropped: other",
}

#: Margins (``Figure.subplots_adjust``) that leave room for the title and the legend on the right.
MARGINS = {"left": 0.06, "right": 0.80, "top": 0.86, "bottom": 0.13}

_BAND = 0.2  # half-height of a crash or pause band, in lanes


@dataclass
class _Message:
    """One message (msg id) of the trace and what became of each of its copies."""

    mid: int
    sent: float
    src: str
    dst: str
    outcomes: list[tuple[float, str, str]] = field(default_factory=list)  # (time, kind, reason)
    kind: str = ""  # what the message is (label=...), e.g. "RequestVote"
    text: str = ""  # what its arrow says (label=...), e.g. "RV t2"


@dataclass
class _Run:
    """What the diagram needs from a trace, gathered in one pass."""

    messages: list[_Message]
    timers: list[tuple[float, str]]
    faults: list[FaultRecord]  # the trace's fault records: crashes, pauses, partitions, cuts


# -- input --------------------------------------------------------------------------------------


def _trace_of(source: Simulation | Trace) -> Trace:
    if isinstance(source, Simulation):
        trace = source.trace
    elif isinstance(source, Trace):
        trace = source
    else:
        raise ConfigError(f"spacetime() draws a Simulation or its Trace, got {type(source).__name__}")
    if not trace.enabled:
        raise ConfigError("this run was recorded with trace=False, so there is nothing to draw; "
                          "create the Simulation with trace=True (the default)")
    return trace


def _nodes_in(records: Iterable[tuple]) -> list[str]:
    """Node ids in the order they first appear (``add`` records come first in a simulation)."""
    seen: dict[str, None] = {}
    for _, kind, node, peer, _, _ in records:
        if node is not None:
            seen.setdefault(node, None)
        if peer is not None and kind in ("send", "deliver", "drop", "duplicate"):
            seen.setdefault(peer, None)
    return list(seen)


def _lanes(source: Simulation | Trace, records: list[tuple], nodes: Sequence[str] | None) -> list[str]:
    known = source.node_ids if isinstance(source, Simulation) else _nodes_in(records)
    if nodes is None:
        return list(known)
    if isinstance(nodes, str):
        raise ConfigError(f"nodes must be a list of node ids, got the string {nodes!r}; write [{nodes!r}]")
    chosen = list(nodes)
    for n in chosen:
        if n not in known:
            raise UnknownNodeError(n, known)
    if not chosen:
        raise ConfigError("nodes is empty; pass at least one node id, or None for every node")
    return chosen


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a time in ms, got {value!r}")
    return float(value)


def _window(source: Simulation | Trace, records: list[tuple], start: float | None,
            end: float | None) -> tuple[float, float]:
    last = source.now if isinstance(source, Simulation) else (records[-1][0] if records else 0.0)
    lo = 0.0 if start is None else _number("start", start)
    hi = max(last, lo) if end is None else _number("end", end)
    if lo > hi:
        raise ConfigError(f"start ({lo:g} ms) is after end ({hi:g} ms); the window must have start <= end")
    return lo, hi


def _kind_of(label: bool | Callable[[Any], Any]) -> Callable[[Any], tuple[str, str]] | None:
    """``msg -> (kind, text on its arrow)`` for ``label``; None when nothing is labelled."""
    if label is False or label is None:
        return None
    if label is True:
        return lambda msg: (type(msg).__name__, type(msg).__name__)
    if callable(label):
        def kind_and_text(msg: Any) -> tuple[str, str]:
            got = label(msg)
            if isinstance(got, tuple) and len(got) == 2:
                return str(got[0]), str(got[1])
            return str(got), str(got)
        return kind_and_text
    raise ConfigError(f"label must be True, False or a function message -> kind (or -> (kind, text)), "
                      f"got {label!r}")


def _gather(trace: Trace, lanes: set[str], start: float, end: float,
            kind_of: Callable[[Any], str] | None = None) -> _Run:
    """One pass over the trace: messages in the window between shown lanes, and timers; the faults."""
    msgs: dict[int, _Message] = {}
    run = _Run([], [], list(trace.faults))
    records = trace.records
    for t, kind, node, peer, mid, detail in records:
        if kind == "send":
            if start <= t <= end and node in lanes and peer in lanes:
                kind_text = kind_of(detail) if kind_of else ("", "")
                msgs[mid] = m = _Message(mid, t, node, peer, kind=kind_text[0], text=kind_text[1])
                run.messages.append(m)
        elif kind == "deliver" or kind == "drop":
            m = msgs.get(mid)
            if m is not None:
                m.outcomes.append((t, kind, "" if kind == "deliver" else str(detail)))
        elif kind == "timer":
            if node in lanes and start <= t <= end:
                run.timers.append((t, node))
    return run


# -- drawing --------------------------------------------------------------------------------------


def _kind_colors(messages: list[_Message]) -> dict[str, str]:
    """A colour per message kind, in the order the kinds first appear."""
    colors: dict[str, str] = {}
    for m in messages:
        if m.kind and m.kind not in colors:
            colors[m.kind] = KIND_COLORS[len(colors) % len(KIND_COLORS)]
    return colors


def _draw_messages(ax: "Axes", messages: list[_Message], y: dict[str, float], nudge: float,
                   kinds: dict[str, str] | None = None, max_labels: int = 0) -> list[str]:
    """Arrows for every copy, one quiver per category; returns the categories drawn.

    With ``kinds`` (kind -> colour), a first delivered copy is drawn in its kind's colour, in the
    category ``delivered:KIND``; with at most ``max_labels`` arrows, each is labelled with its kind.
    """
    arrows: dict[str, list[tuple[float, float, float, float]]] = {}
    ends: dict[str, list[tuple[float, float]]] = {}
    texts: list[tuple[float, float, str, str]] = []
    for m in messages:
        y0, y1 = y[m.src], y[m.dst]
        delivered = 0
        for t, kind, reason in sorted(m.outcomes):
            if kind == "deliver":
                cat = "delivered" if delivered == 0 else "duplicate"
                if cat == "delivered" and kinds:
                    cat = f"delivered:{m.kind}"
                delivered += 1
                x1, y_end = t, y1
            else:
                cat = DROP_CATEGORIES.get(reason, "other")
                x1 = t if t > m.sent else m.sent + nudge
                y_end = y1 if cat == "node down" else y0 + 0.5 * (y1 - y0)
            arrows.setdefault(cat, []).append((m.sent, y0, x1 - m.sent, y_end - y0))
            if not cat.startswith("delivered"):
                ends.setdefault(cat, []).append((x1, y_end))
            if kinds:
                texts.append(((m.sent + x1) / 2, (y0 + y_end) / 2, m.text, _color(cat, kinds)))
    for cat, rows in arrows.items():
        x, yy, u, v = zip(*rows)
        q = ax.quiver(x, yy, u, v, angles="xy", scale_units="xy", scale=1, units="dots", width=1.3,
                      headwidth=4.5, headlength=6, headaxislength=5.5, minlength=0.5,
                      color=_color(cat, kinds), zorder=3)
        q.set_gid(f"spacetime:{cat}")
    for cat, pts in ends.items():
        marker, size = ("D", 14) if cat == "duplicate" else ("x", 28)
        ex, ey = zip(*pts)
        s = ax.scatter(ex, ey, marker=marker, s=size, color=COLORS[cat], linewidths=1.4, zorder=4)
        s.set_gid(f"spacetime:{cat}-mark")
    if kinds and len(texts) <= max_labels:
        for tx, ty, text, color in texts:
            label = ax.text(tx, ty, text, fontsize=6.5, color=color, ha="center", va="center", zorder=5,
                            clip_on=True, bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.85))
            label.set_gid("spacetime:label")
    drawn = [c for c in _LEGEND if c in arrows]
    if kinds:
        drawn = [f"delivered:{k}" for k in kinds if f"delivered:{k}" in arrows] + drawn
    return drawn


def _color(cat: str, kinds: dict[str, str] | None) -> str:
    if cat.startswith("delivered:") and kinds:
        return kinds[cat[len("delivered:"):]]
    return COLORS[cat]


def _bands(faults: list[FaultRecord], end: float) -> tuple[list, list]:
    """(node, t0, t1) intervals during which a node was down, and during which it was paused."""
    spans: dict[str, list[tuple[str, float, float]]] = {"crash": [], "pause": []}
    for rec in faults:
        if rec.kind in spans:
            spans[rec.kind].append((rec.nodes[0], rec.start, end if rec.end is None else rec.end))
    return spans["crash"], spans["pause"]


def _draw_bands(ax: "Axes", run: _Run, y: dict[str, float], start: float, end: float) -> list[str]:
    from matplotlib.collections import PolyCollection

    down, paused = _bands(run.faults, end)
    drawn = []
    for name, spans, style in (("down", down, dict(facecolors=COLORS["down"], edgecolors="none")),
                               ("pause", paused, dict(facecolors="none", edgecolors=COLORS["pause"],
                                                      hatch="////", linewidths=0.6))):
        verts = []
        for node, t0, t1 in spans:
            a, b = max(t0, start), min(t1, end)
            if a <= b and node in y:
                yc = y[node]
                verts.append([(a, yc - _BAND), (b, yc - _BAND), (b, yc + _BAND), (a, yc + _BAND)])
        if verts:
            pc = PolyCollection(verts, zorder=1, **style)
            pc.set_gid(f"spacetime:{name}")
            ax.add_collection(pc)
            drawn.append(name)
    return drawn


def _net_periods(faults: list[FaultRecord], end: float) -> list[tuple[float, float, str]]:
    """Intervals during which the network was partitioned or had cuts, with a label."""
    recs = [r for r in faults if (r.kind == "partition" and len(r.detail) > 1) or r.kind == "cut"]
    points = sorted({r.start for r in recs} | {r.end for r in recs if r.end is not None})
    periods: list[tuple[float, float, str]] = []
    for i, t in enumerate(points):
        active = [r for r in recs if r.start <= t and (r.end is None or r.end > t)]
        label = "; ".join([r.label() for r in active if r.kind == "partition"]
                          + sorted(r.label() for r in active if r.kind == "cut"))
        if not label:
            continue
        t1 = points[i + 1] if i + 1 < len(points) else end
        if periods and periods[-1][1] == t and periods[-1][2] == label:
            periods[-1] = (periods[-1][0], t1, label)
        else:
            periods.append((t, t1, label))
    return periods


def _draw_partitions(ax: "Axes", run: _Run, start: float, end: float, top: float) -> bool:
    drawn = False
    for t0, t1, label in _net_periods(run.faults, end):
        a, b = max(t0, start), min(t1, end)
        if a >= b:
            continue
        span = ax.axvspan(a, b, color=COLORS["partitioned"], alpha=0.45, zorder=0, lw=0)
        span.set_gid("spacetime:partitioned")
        ax.text(a, top, " " + label, fontsize=7, va="top", ha="left", color=COLORS["partition"], clip_on=True)
        drawn = True
    return drawn


def _draw_timers(ax: "Axes", timers: list[tuple[float, str]], y: dict[str, float]) -> bool:
    if not timers:
        return False
    tx, node = zip(*timers)
    s = ax.scatter(tx, [y[n] for n in node], marker="|", s=40, color=COLORS["timer"], linewidths=1.0,
                   zorder=2)
    s.set_gid("spacetime:timer")
    return True


# -- the public function --------------------------------------------------------------------------


def _legend(ax: "Axes", categories: list[str], extras: list[str], kinds: dict[str, str] | None = None) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for c in categories:
        if c.startswith("delivered:"):
            handles.append(Line2D([], [], color=(kinds or {})[c[len("delivered:"):]], marker=">", markersize=5, lw=1.3,
                                  label=c[len("delivered:"):]))
            continue
        marker = {"delivered": ">", "duplicate": "D"}.get(c, "x")
        handles.append(Line2D([], [], color=COLORS[c], marker=marker, markersize=5, lw=1.3, label=_LEGEND[c]))
    if "timer" in extras:
        handles.append(Line2D([], [], color=COLORS["timer"], marker="|", lw=0, markersize=8, label="timer fired"))
    if "down" in extras:
        handles.append(Patch(facecolor=COLORS["down"], label="crashed (down)"))
    if "pause" in extras:
        handles.append(Patch(facecolor="none", edgecolor=COLORS["pause"], hatch="////", label="paused"))
    if "partitioned" in extras:
        handles.append(Patch(facecolor=COLORS["partitioned"], alpha=0.45, label="partitioned / cut"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  frameon=False, borderaxespad=0.0)


def _title(title: str | None, start: float, end: float, shown: int, total: int) -> str:
    span = f"t = {start:.4g} to {end:.4g} ms"
    if shown == total:
        return title if title is not None else f"space-time diagram: {total} messages, {span}"
    note = f"first {shown} of {total} messages"
    if title is None:
        return f"space-time diagram: {note}, {span}"
    return f"{title}\n({note} shown, {span})"


def _nudge(messages: list[_Message], start: float, end: float) -> float:
    """How far a drop at the moment of sending is drawn to the right: about half a latency."""
    lat = [t - m.sent for m in messages for t, kind, _ in m.outcomes if kind == "deliver" and t > m.sent]
    if lat:
        lat.sort()
        return 0.5 * lat[len(lat) // 2]
    return 0.02 * max(end - start, 1e-9)


def spacetime(source: Simulation | Trace, *, nodes: Sequence[str] | None = None, start: float | None = None,
              end: float | None = None, ax: "Axes | None" = None, max_messages: int = 400,
              title: str | None = None, label: bool | Callable[[Any], str] = False,
              max_labels: int = 30) -> "Axes":
    """Draw the space-time diagram of a run (see the module docstring) and return its Axes.

    ``source`` is a :class:`Simulation` or its :class:`Trace`. ``nodes`` picks and orders the
    lanes (default: every node, in the order they were added). ``start``/``end`` bound the
    window in ms (default: the whole run). ``ax`` is cleared and redrawn; without it a new
    figure is made. ``label=True`` names each message's kind (its class name) in the legend,
    by colour, and - when at most ``max_labels`` arrows are drawn - on the arrow itself;
    ``label=f`` uses ``f(message)`` as the kind, or, when ``f`` returns a pair, as (kind for the
    legend, text on the arrow) - e.g. ``dw.consensus.raft.message_label``.
    """
    trace = _trace_of(source)
    records = trace.records
    lanes = _lanes(source, records, nodes)
    lo, hi = _window(source, records, start, end)
    if isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 1:
        raise ConfigError(f"max_messages must be a positive int, got {max_messages!r}")
    if isinstance(max_labels, bool) or not isinstance(max_labels, int) or max_labels < 0:
        raise ConfigError(f"max_labels must be an int >= 0 (0: legend only), got {max_labels!r}")
    kind_of = _kind_of(label)
    ax = prepare_axes(ax, (10, 4), MARGINS)
    run = _gather(trace, set(lanes), lo, hi, kind_of)
    total = len(run.messages)
    if total > max_messages:
        hi = run.messages[max_messages].sent  # the axis stops where the first undrawn message starts
        run.messages = run.messages[:max_messages]
        run.timers = [(t, n) for t, n in run.timers if t <= hi]
    y = {n: float(len(lanes) - 1 - i) for i, n in enumerate(lanes)}
    kinds = _kind_colors(run.messages) if kind_of else None
    cats = _draw_messages(ax, run.messages, y, _nudge(run.messages, lo, hi), kinds, max_labels)
    extras = _draw_bands(ax, run, y, lo, hi)
    if _draw_timers(ax, run.timers, y):
        extras.append("timer")
    if _draw_partitions(ax, run, lo, hi, len(lanes) - 0.42):
        extras.append("partitioned")
    _finish(ax, lanes, lo, hi)
    ax.set_title(_title(title, lo, hi, len(run.messages), total), fontsize="medium")
    _legend(ax, cats, extras, kinds)
    return ax


def _finish(ax: "Axes", lanes: list[str], lo: float, hi: float) -> None:
    width = hi - lo if hi > lo else 1.0
    ax.set_xlim(lo - 0.01 * width, lo + 1.01 * width)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_yticks(range(len(lanes)), list(reversed(lanes)))
    ax.hlines(range(len(lanes)), lo - width, hi + width, color="#dddddd", lw=0.8, zorder=0)
    ax.set_xlabel("time (ms)")
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
