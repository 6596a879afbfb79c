"""The one rule every drawing function shares: draw into the given Axes, cleared, or a new figure."""

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
    ax.clear()
    return ax
