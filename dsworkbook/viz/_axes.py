"""The one rule every drawing function shares: draw into the given Axes, cleared, or a new figure.

:func:`empty_axes` is the experiment panels' cheaper clear: it removes what was drawn but keeps
the Axes' tick objects, which ``Axes.clear`` throws away and the next draw rebuilds (the larger
part of an empty redraw's time). An Axes it emptied is not cleared again by :func:`prepare_axes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def prepare_axes(ax: "Axes | None", figsize: tuple[float, float], margins: dict[str, float]) -> "Axes":
    """Clear ``ax`` and return it (its Figure is reused), or make a new figure when ``ax`` is None.

    A new figure gets fixed ``margins`` (``subplots_adjust`` arguments) rather than a layout
    engine: constrained layout measures every text on every draw and doubled the render time.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=figsize)
        fig.subplots_adjust(**margins)
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ConfigError(f"ax must be a matplotlib Axes (or None for a new figure), got {type(ax).__name__}")
    if getattr(ax, "_dsw_emptied", False):
        ax._dsw_emptied = False  # emptied by a panel just now: clearing again would only cost time
    else:
        ax.clear()
    return ax


def empty_axes(ax: "Axes") -> None:
    """Remove everything drawn into ``ax`` and reset what drawing functions set, keeping its ticks.

    Artists, legend, titles and labels go; limits autoscale again; locators, formatters, scales,
    aspect, grid and spines are back to their defaults and the axis is on. What this cannot reset
    (tick_params, say) a drawing function must set on every draw; tests/test_widgets_redraw.py
    renders every panel both ways, over random settings, and requires the same pixels.
    """
    from matplotlib import rcParams, ticker

    keep = {id(ax.xaxis), id(ax.yaxis), id(ax.patch), id(ax.title), id(ax._left_title), id(ax._right_title),
            *(id(s) for s in ax.spines.values())}
    for artist in list(ax.get_children()):
        if id(artist) not in keep:
            artist.remove()
    for title in (ax.title, ax._left_title, ax._right_title):
        title.set_text("")
    ax.set_xlabel("")
    ax.set_ylabel("")
    if ax.get_xscale() != "linear":
        ax.set_xscale("linear")
    if ax.get_yscale() != "linear":
        ax.set_yscale("linear")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(ticker.AutoLocator())
        axis.set_major_formatter(ticker.ScalarFormatter())
        axis.set_minor_locator(ticker.NullLocator())
        axis.set_minor_formatter(ticker.NullFormatter())
    if ax.get_aspect() != "auto":
        ax.set_aspect("auto")
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(True)
    ax.set_axis_on()
    ax.set_xmargin(rcParams["axes.xmargin"])
    ax.set_ymargin(rcParams["axes.ymargin"])
    if ax.xaxis_inverted():
        ax.invert_xaxis()
    if ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.relim()
    ax.set_autoscale_on(True)
    ax._dsw_emptied = True
