"""Pareto fronts over a sweep's table: the settings no other setting beats on every axis at once.

Theory of operation
-------------------
A design sweep rarely has one winner: a bigger read quorum costs messages and latency and
buys fresher reads. Setting A *dominates* B when A is at least as good on every chosen column
and strictly better on one; the *front* is the set of rows nothing dominates - the only
settings worth arguing about. :func:`pareto_front` finds it (columns to ``minimize`` and to
``maximize``); :func:`mean_over_seeds` first averages a sweep's rows per grid point, since a
front over single seeds mostly measures noise; :func:`plot_pareto` draws every point and the
front on two of the axes.

The check is the plain O(n^2) one: a sweep's grid has tens or hundreds of points, not millions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["pareto_front", "mean_over_seeds", "plot_pareto"]


def _columns(df: "pd.DataFrame", names: Sequence[str], what: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise ConfigError(f"{what} names columns the table does not have: {missing}; it has {list(df.columns)}")
    return list(names)


def mean_over_seeds(df: "pd.DataFrame", params: Sequence[str] | None = None) -> "pd.DataFrame":
    """One row per grid point: the mean of every numeric measurement over the seeds, and how many seeds."""
    params = list(params if params is not None else df.attrs.get("params", []))
    if not params:
        raise ConfigError("name the parameter columns (params=[...]); this table does not record them in df.attrs")
    params = _columns(df, params, "params")
    measured = [c for c in df.select_dtypes("number").columns if c not in params and c != "seed"]
    out = df.groupby(params, sort=False)[measured].mean().reset_index()
    out["seeds"] = df.groupby(params, sort=False)["seed"].count().to_numpy()
    out.attrs.update(df.attrs)
    return out


def pareto_front(df: "pd.DataFrame", minimize: Sequence[str] = (), maximize: Sequence[str] = ()) -> "pd.DataFrame":
    """The rows of ``df`` that no other row dominates on the ``minimize`` and ``maximize`` columns."""
    lo, hi = _columns(df, minimize, "minimize"), _columns(df, maximize, "maximize")
    if not lo and not hi:
        raise ConfigError("name at least one column to minimize or maximize")
    if df[lo + hi].isna().any().any():
        raise ConfigError("the chosen columns hold missing values; drop or fill those rows first")
    # Turn every axis into "smaller is better".
    values = [[float(row[c]) for c in lo] + [-float(row[c]) for c in hi] for _, row in df[lo + hi].iterrows()]

    def dominates(a: list[float], b: list[float]) -> bool:
        return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))

    keep = [i for i, v in enumerate(values) if not any(dominates(w, v) for j, w in enumerate(values) if j != i)]
    front = df.iloc[keep]
    front.attrs.update(df.attrs)
    return front


def plot_pareto(df: "pd.DataFrame", x: str, y: str, *, minimize: Sequence[str] | None = None,
                maximize: Sequence[str] = (), label: str | None = None, ax: Any = None) -> Any:
    """Scatter ``y`` against ``x`` for every row and draw the front (by default: minimize both ``x`` and ``y``).

    ``label`` names a column to write beside each front point (e.g. a setting such as ``"R/W"``).
    Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    _columns(df, [x, y] + ([label] if label else []), "plot_pareto")
    front = pareto_front(df, minimize=[x, y] if minimize is None else minimize, maximize=maximize)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.scatter(df[x], df[y], color="0.7", label="dominated")
    line = front.sort_values(x)
    ax.plot(line[x], line[y], "o-", color="tab:red", label="Pareto front")
    if label:
        for _, row in line.iterrows():
            ax.annotate(str(row[label]), (row[x], row[y]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(loc="best", fontsize=8)
    return ax
