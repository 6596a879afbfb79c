"""The picture of a :class:`~dsworkbook.clocks.diagram.SpaceTimeDiagram`, with its clocks.

Theory of operation
-------------------
:func:`draw_diagram` draws one lane per process (the first on top) and each event as a dot
labelled with its id, and under it - as asked - its Lamport time (``L=3``) and its vector
timestamp (``[2,1,0]``, in lane order). Events are placed in *logical* columns, not by time:
an event sits one column right of its predecessor on the same lane and, for a receive, one
column right of the matching send (``x(e) = max(x(prev), x(send)) + 1``), so every arrow
points right and the picture stays compact. A message is an arrow from its send to its
receive; a pending message (sent, not yet received) is a short dashed arrow pointing towards
its destination, labelled ``m3→C?``.

With ``focus`` (an event id) the dots are coloured by their relation to it: its **past**
(happens before it), its **future**, and the events **concurrent** with it - highlighted,
since that is what clocks get wrong. Everything is drawn into the given Axes after clearing
it, so a widget can redraw into one Figure on every change; each group of artists carries a
``gid`` (``"clocks:events"``, ``"clocks:messages"``...) for tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsworkbook.clocks.diagram import PUZZLE_PAIRS, SpaceTimeDiagram, puzzle_diagram
from dsworkbook.errors import ConfigError
from dsworkbook.viz._axes import prepare_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["draw_diagram", "layout", "RELATION_COLORS", "puzzle_diagram", "PUZZLE_PAIRS"]

#: Dot colours: no focus, the focus event, its past, its future, concurrent with it.
RELATION_COLORS = {"event": "#34495e", "focus": "#000000", "past": "#27ae60", "future": "#2e86c1",
                   "concurrent": "#e67e22"}
_MESSAGE = "#7f8c8d"
_PENDING = "#c0392b"


def layout(diagram: SpaceTimeDiagram) -> dict[str, int]:
    """Each event's column: one right of its predecessor on its lane and of its message's send."""
    x: dict[str, int] = {}
    last: dict[str, int] = {}
    for e in diagram.events:
        col = last.get(e.node, 0) + 1
        if e.kind == "receive":
            col = max(col, x[diagram.message(e.message).send] + 1)
        x[e.id] = last[e.node] = col
    return x


def _categories(diagram: SpaceTimeDiagram, focus: str | None) -> dict[str, str]:
    if focus is None:
        return {e.id: "event" for e in diagram.events}
    past = {e.id for e in diagram.past(focus)}
    future = {e.id for e in diagram.future(focus)}
    return {e.id: "focus" if e.id == focus else "past" if e.id in past else "future" if e.id in future
            else "concurrent" for e in diagram.events}


def _draw_messages(ax: "Axes", diagram: SpaceTimeDiagram, x: dict[str, int], y: dict[str, float]) -> None:
    for m in diagram.messages:
        x0, y0 = x[m.send], y[m.src]
        r = diagram.receiver(m.id)
        if r is not None:
            ann = ax.annotate("", xy=(x[r.id], y[m.dst]), xytext=(x0, y0),
                              arrowprops=dict(arrowstyle="-|>", color=_MESSAGE, lw=1.1, shrinkA=5, shrinkB=5))
            ann.set_gid("clocks:message")
        else:
            x1, y1 = x0 + 0.45, y0 + (0.4 if y[m.dst] > y0 else -0.4)  # a short stub towards its lane
            ann = ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                              arrowprops=dict(arrowstyle="-|>", color=_PENDING, lw=1.1, ls="--", shrinkA=5, shrinkB=0))
            ann.set_gid("clocks:pending")
            ax.text(x1 + 0.05, y1, f"{m.id}→{m.dst}?", fontsize=7, color=_PENDING, va="center")


def _draw_events(ax: "Axes", diagram: SpaceTimeDiagram, x: dict[str, int], y: dict[str, float],
                 cats: dict[str, str], lamport: bool, vector: bool) -> None:
    evs = diagram.events
    sizes = [90 if cats[e.id] == "focus" else 45 for e in evs]
    dots = ax.scatter([x[e.id] for e in evs], [y[e.node] for e in evs], s=sizes, zorder=3,
                      c=[RELATION_COLORS[cats[e.id]] for e in evs], edgecolors="white", linewidths=0.8)
    dots.set_gid("clocks:events")
    lam = diagram.lamport() if lamport else {}
    vec = diagram.vector() if vector else {}
    for e in evs:
        ex, ey = x[e.id], y[e.node]
        ax.text(ex, ey + 0.13, e.id, ha="center", va="bottom", fontsize=8, weight="bold",
                color=RELATION_COLORS[cats[e.id]], gid="clocks:label")
        lines = ([f"L={lam[e.id]}"] if lamport else []) + (
            ["[" + ",".join(map(str, vec[e.id].as_list(diagram.nodes))) + "]"] if vector else [])
        if lines:
            ax.text(ex, ey - 0.13, "\n".join(lines), ha="center", va="top", fontsize=7, color="#444444",
                    linespacing=1.1, gid="clocks:stamp")


def _legend(ax: "Axes", cats: dict[str, str]) -> None:
    from matplotlib.lines import Line2D

    shown = [c for c in ("focus", "past", "future", "concurrent") if c in cats.values()]
    names = {"focus": "chosen event", "past": "happens before it", "future": "happens after it",
             "concurrent": "concurrent with it"}
    handles = [Line2D([], [], marker="o", lw=0, color=RELATION_COLORS[c], label=names[c]) for c in shown]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def draw_diagram(diagram: SpaceTimeDiagram, ax: "Axes | None" = None, *, focus: str | None = None,
                 lamport: bool = True, vector: bool = True, title: str | None = None, clear: bool = True) -> "Axes":
    """Draw ``diagram`` (see the module docstring) into ``ax`` (cleared) or a new figure; returns the Axes.

    ``clear=False`` skips clearing ``ax`` (a panel that has just cleared it saves a second clear).
    """
    if not isinstance(diagram, SpaceTimeDiagram):
        raise ConfigError(f"draw_diagram() draws a SpaceTimeDiagram, got {type(diagram).__name__}")
    if focus is not None:
        focus = diagram.event(focus).id
    if ax is None or clear:
        ax = prepare_axes(ax, (9, 0.9 + 0.9 * len(diagram.nodes)), {"left": 0.06, "right": 0.80, "top": 0.86,
                                                                   "bottom": 0.08})
    y = {n: float(len(diagram.nodes) - 1 - i) for i, n in enumerate(diagram.nodes)}
    x = layout(diagram)
    width = max(x.values(), default=0) + 1.2
    ax.hlines(list(y.values()), 0.4, width, color="#dddddd", lw=1.0, zorder=0)
    cats = _categories(diagram, focus)
    _draw_messages(ax, diagram, x, y)
    _draw_events(ax, diagram, x, y, cats, lamport, vector)
    ax.set_xlim(0.4, max(width, 6.0))
    ax.set_ylim(-0.75, len(diagram.nodes) - 0.45)
    ax.set_yticks(list(y.values()), list(y))
    ax.set_xticks([])
    ax.spines[["top", "right", "left", "bottom"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if title is None:
        title = (f"{len(diagram)} events, {len(diagram.messages)} messages ({len(diagram.pending())} pending)"
                 + ("" if focus is None else f"; {sum(c == 'concurrent' for c in cats.values())} concurrent with {focus}"))
    ax.set_title(title, fontsize="medium")
    _legend(ax, cats)
    return ax
