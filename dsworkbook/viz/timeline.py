"""History timelines: one lane per process, one bar per operation (the Porcupine / Jepsen picture).

Theory of operation
-------------------
:func:`timeline` draws a history of client operations (:mod:`dsworkbook.checkers`) so that the
question "could these have happened in some order?" can be asked by eye:

* one horizontal **lane** per process, the first one on top; time runs left to right;
* one **bar** per operation, from its invoke to its completion, labelled ``w 3``, ``r 1``,
  ``cas 1>2``... and coloured by kind (read, write, cas, other). An operation whose outcome is
  **unknown** runs on to the right edge, hatched: it may take effect at any time after its
  invoke. A **failed** one is grey and hatched (it did not happen);
* with a linearizability (or other) result: a **witness** order as numbered dots, each at a
  time where that operation can take effect, joined by a thin line in order (an order without
  times, such as a sequentially consistent one, numbers the middle of each bar); or a
  **counterexample** drawn in full colour with the rest faded, and a dashed red line at the
  completion no order gets past ("no order works past here").

Pass a :class:`~dsworkbook.checkers.result.LinearizabilityResult` alone and the picture is
the counterexample (if any) or the whole history with its witness. The bars of one category
are one ``barh`` call, with ``gid`` ``"timeline:<category>"`` (tests and curious readers can
find them); a history of many operations draws without labels and dots, in well under a second.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.viz._axes import prepare_axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from dsworkbook.checkers.history import Operation

__all__ = ["timeline", "TIMELINE_COLORS"]

TIMELINE_COLORS = {"read": "#5b9bd5", "write": "#ed7d31", "cas": "#8e44ad", "other": "#27ae60",
                   "fail": "#bdbdbd", "violation": "#c0392b", "witness": "#222222"}
_MARGINS = {"left": 0.08, "right": 0.97, "top": 0.88, "bottom": 0.14}
_LABEL_LIMIT = 60
_HEIGHT = 0.56


def _category(op: "Operation") -> str:
    from dsworkbook.checkers.history import READ_FS, WRITE_FS

    if op.outcome == "fail":
        return "fail"
    if op.f in READ_FS:
        return "read"
    if op.f in WRITE_FS:
        return "write"
    return "cas" if op.f == "cas" else "other"


def _unpack(source: Any, result: Any) -> tuple[list["Operation"], Any]:
    """(operations to draw, result or None) from a history, a list of ops, or a result."""
    from dsworkbook.checkers.history import History, Operation, from_sim_history
    from dsworkbook.checkers.result import CheckResult

    if isinstance(source, CheckResult):
        result = source if result is None else result
        hist = getattr(source, "history", None)
        if source.counterexample:
            return list(source.counterexample), result
        if hist is None:
            raise ConfigError("this result does not carry its history; call timeline(history, result=result)")
        return list(hist), result
    if isinstance(source, History):
        return list(source), result
    if isinstance(source, (list, tuple)) and all(isinstance(o, Operation) for o in source):
        return list(source), result
    try:
        return list(from_sim_history(source)), result
    except (ConfigError, TypeError):
        raise ConfigError(f"timeline() draws a History, a list of Operations or a check result, got "
                          f"{type(source).__name__}") from None


def _extent(ops: Sequence["Operation"]) -> tuple[float, float]:
    finite = [t for op in ops for t in (op.invoke_time, op.complete_time) if math.isfinite(t)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    span = max(hi - lo, 1.0)
    return lo - 0.03 * span, hi + 0.12 * span


def _bars(ax: "Axes", ops: Sequence["Operation"], lanes: dict[Any, int], right: float,
          focus: set[int] | None) -> None:
    groups: dict[tuple[str, bool, bool], list["Operation"]] = {}
    for op in ops:
        faded = focus is not None and op.index not in focus
        groups.setdefault((_category(op), op.outcome != "ok", faded), []).append(op)
    for (cat, open_ended, faded), members in sorted(groups.items()):
        ends = [right if op.outcome == "unknown" else op.complete_time for op in members]
        widths = [max(e - op.invoke_time, 1e-9) for e, op in zip(ends, members)]
        edge = TIMELINE_COLORS["violation"] if focus is not None and not faded else "#333333"
        ax.barh([lanes[op.process] for op in members], widths, left=[op.invoke_time for op in members],
                height=_HEIGHT, color=TIMELINE_COLORS[cat], alpha=0.25 if faded else (0.55 if open_ended else 0.9),
                edgecolor=edge, linewidth=1.6 if focus is not None and not faded else 0.6,
                hatch="//" if open_ended else None, gid=f"timeline:{cat}")


def _labels(ax: "Axes", ops: Sequence["Operation"], lanes: dict[Any, int], right: float) -> None:
    for op in ops:
        end = right if op.outcome == "unknown" else op.complete_time
        ax.text((op.invoke_time + min(end, right)) / 2, lanes[op.process], op.label(), ha="center", va="center",
                fontsize=8, clip_on=True)


def _witness(ax: "Axes", result: Any, lanes: dict[Any, int], shown: set[int], right: float) -> None:
    order, points = getattr(result, "witness", None), getattr(result, "points", None)
    if not result.ok or not isinstance(order, list) or not order:
        return
    if not points:  # an order without points (sequential consistency): number the bars
        points = [(op.invoke_time + min(op.complete_time, right)) / 2 for op in order]
    pairs = [(op, p) for op, p in zip(order, points) if op.index in shown and math.isfinite(p)]
    if not pairs:
        return
    xs, ys = [p for _, p in pairs], [lanes[op.process] + _HEIGHT / 2 + 0.08 for op, _ in pairs]
    ax.plot(xs, ys, color=TIMELINE_COLORS["witness"], linewidth=0.7, alpha=0.6, gid="timeline:witness-path")
    ax.scatter(xs, ys, s=22, color=TIMELINE_COLORS["witness"], zorder=3, gid="timeline:witness")
    if len(pairs) <= _LABEL_LIMIT:
        for n, (x, y) in enumerate(zip(xs, ys), start=1):
            ax.annotate(str(n), (x, y), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7)


def _stuck(ax: "Axes", result: Any, n_lanes: int, left: float, right: float) -> None:
    stuck = getattr(result, "stuck", None)
    if result is None or result.ok is not False or stuck is None or not math.isfinite(stuck.complete_time):
        return
    x = stuck.complete_time
    ax.axvline(x, color=TIMELINE_COLORS["violation"], linestyle="--", linewidth=1.2, gid="timeline:stuck")
    near_right = x > left + 0.7 * (right - left)
    ax.text(x, n_lanes - 0.45, "no order works past here " if near_right else " no order works past here",
            color=TIMELINE_COLORS["violation"], fontsize=8, va="bottom", ha="right" if near_right else "left")


def timeline(source: Any, ax: "Axes | None" = None, *, result: Any = None, highlight: Iterable[Any] | None = None,
             title: str | None = None, labels: bool | None = None) -> "Axes":
    """Draw a history as a timeline (see the module docstring); returns the Axes.

    ``source`` is a History (checkers or sim), a list of Operations, or a check result.
    ``result`` adds its witness or counterexample to a drawn history; ``highlight`` lists
    operations (or indices) to draw in full while the rest fade; ``labels`` forces the bar
    labels on or off (default: on up to 60 operations).
    """
    ops, result = _unpack(source, result)
    ax = prepare_axes(ax, (10.0, 0.9 + 0.55 * max(1, len({op.process for op in ops}))), _MARGINS)
    if not ops:
        ax.text(0.5, 0.5, "an empty history", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    processes = list(dict.fromkeys(op.process for op in ops))
    lanes = {p: len(processes) - 1 - i for i, p in enumerate(processes)}
    left, right = _extent(ops)
    focus = None
    if highlight is not None:
        focus = {h if isinstance(h, int) else h.index for h in highlight}
    elif result is not None and result.ok is False and result.counterexample:
        focus = {op.index for op in result.counterexample}
    _bars(ax, ops, lanes, right, focus)
    if labels if labels is not None else len(ops) <= _LABEL_LIMIT:
        _labels(ax, ops, lanes, right)
    if result is not None:
        _witness(ax, result, lanes, {op.index for op in ops}, right)
        _stuck(ax, result, len(processes), left, right)
    ax.set_yticks(range(len(processes)), [str(p) for p in reversed(processes)])
    ax.set_ylim(-0.6, len(processes) - 0.1)
    ax.set_xlim(left, right)
    ax.set_xlabel("time")
    ax.set_ylabel("process")
    ax.set_title(title if title is not None else _title(ops, result), fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _title(ops: Sequence["Operation"], result: Any) -> str:
    if result is None:
        return f"{len(ops)} operations"
    if result.ok is False and result.counterexample:
        return f"{result.verdict}: a smallest violating sub-history ({len(result.counterexample)} ops)"
    if result.ok and isinstance(getattr(result, "witness", None), list):
        return f"{result.verdict}: numbered dots show a legal order"
    return f"{result.verdict}"
