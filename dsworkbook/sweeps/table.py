"""``sweep``: an experiment over a grid of parameters x many seeds, as one tidy table.

Theory of operation
-------------------
An *experiment* is a function ``experiment(seed=s, **params) -> dict`` of measurements (messages
per operation, latency, stale reads...). A *grid* is a dict of lists, ``{"r": [1, 2, 3], "w":
[1, 2]}``; its points are the cartesian product, in the order the lists are written.
:func:`sweep` runs the experiment on every point x every seed and returns a pandas DataFrame
with one row per (point, seed): the parameters, the seed, then the measurements.

The rules it keeps:

* Rows are ordered by point, then seed, whatever ran them: the table is identical on one
  process, many processes or a Dask cluster, seed by seed, because every run is seeded and the
  engine (:mod:`dsworkbook.sweeps.engine`) returns results in input order.
* Runs are sent in chunks (a few per worker) so a cluster is not flooded with tiny tasks.
* ``progress(fraction)`` is called as chunks finish (0 < fraction <= 1): a notebook's progress
  bar, or :func:`text_progress` on the command line.
* Bad input raises :class:`~dsworkbook.errors.ConfigError` before any run.
"""

from __future__ import annotations

import functools
import itertools
import sys
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence, TextIO

from dsworkbook.errors import ConfigError
from dsworkbook.sweeps.engine import chunked, current_executor, default_processes, run_tasks, workers_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["sweep", "grid_points", "text_progress", "Experiment"]

Experiment = Callable[..., Mapping[str, Any]]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of ``grid`` (a dict of non-empty lists), first key varying slowest."""
    if not isinstance(grid, Mapping):
        raise ConfigError(f"grid must be a dict of lists, such as {{'r': [1, 2], 'w': [1, 2]}}; got {grid!r}")
    names = list(grid)
    for name in names:
        values = grid[name]
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"grid keys are the experiment's parameter names; {name!r} is not one")
        if name == "seed":
            raise ConfigError("'seed' cannot be a grid key: pass the seeds as sweep(..., seeds=...)")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable) or not list(values):
            raise ConfigError(f"grid[{name!r}] must be a non-empty list of values, got {values!r}")
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


def _check_seeds(seeds: int | Iterable[int]) -> list[int]:
    seed_list = list(range(seeds)) if isinstance(seeds, int) and not isinstance(seeds, bool) else list(seeds)
    if not seed_list:
        raise ConfigError("seeds must hold at least one seed (an int N means seeds 0..N-1)")
    bad = [s for s in seed_list if isinstance(s, bool) or not isinstance(s, int)]
    if bad:
        raise ConfigError(f"seeds must be ints, got {bad[0]!r}")
    return seed_list


def _run_chunk(experiment: Experiment, chunk: list[tuple[dict[str, Any], int]]) -> list[dict[str, Any]]:
    """Run one chunk of (params, seed) pairs; module-level so a process or a cluster can run it."""
    rows = []
    for params, seed in chunk:
        measured = experiment(seed=seed, **params)
        if not isinstance(measured, Mapping):
            raise ConfigError(f"the experiment must return a dict of measurements; with seed={seed}, "
                              f"{params} it returned {type(measured).__name__}")
        clash = set(measured) & (set(params) | {"seed"})
        if clash:
            raise ConfigError(f"the experiment's measurements {sorted(clash)} have the names of its parameters; "
                              "rename them")
        rows.append({**params, "seed": seed, **measured})
    return rows


def sweep(experiment: Experiment, grid: Mapping[str, Sequence[Any]], seeds: int | Iterable[int], *,
          executor: Executor | None = None, processes: int | None = None,
          progress: Callable[[float], None] | None = None) -> "pd.DataFrame":
    """Run ``experiment(seed=s, **point)`` for every point of ``grid`` x every seed; one row each.

    ``executor``: any :class:`concurrent.futures.Executor` (a Dask cluster's
    ``Client.get_executor()``, a process pool). None: ``processes`` local processes (default
    :func:`~dsworkbook.sweeps.engine.default_processes`), and with ``processes=1`` the runs happen
    in this process. ``experiment`` must then be picklable (defined at module level). The table is
    the same whatever runs it. ``df.attrs`` records the grid and the seeds.
    """
    import pandas as pd

    if not callable(experiment):
        raise ConfigError(f"experiment must be a function experiment(seed=..., **params) -> dict, got {experiment!r}")
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress must be a function of a fraction (0 to 1), or None; got {progress!r}")
    points, seed_list = grid_points(grid), _check_seeds(seeds)
    runs = [(p, s) for p in points for s in seed_list]
    executor = executor if executor is not None else current_executor()
    procs = default_processes() if processes is None else processes
    chunks = chunked(runs, workers_of(executor) if executor is not None else procs)
    done = 0

    def advance(_i: int, rows: list[dict[str, Any]]) -> None:
        nonlocal done
        done += len(rows)
        if progress is not None:
            progress(done / len(runs))

    parts = run_tasks(functools.partial(_run_chunk, experiment), chunks, executor=executor,
                      processes=procs, on_result=advance)
    df = pd.DataFrame([row for part in parts for row in part])
    df.attrs.update(params=list(grid), seeds=seed_list, grid={k: list(v) for k, v in grid.items()})
    return df


def text_progress(out: TextIO | None = None, width: int = 30, label: str = "runs") -> Callable[[float], None]:
    """A ``progress(fraction)`` callback that redraws ``[#####.....] 40%`` in place (a terminal, or a notebook cell).

    It writes to standard output by default, as the ``dsworkbook fuzz`` progress bar does.
    """
    stream = out if out is not None else sys.stdout

    def draw(fraction: float) -> None:
        filled = int(width * min(max(fraction, 0.0), 1.0))
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * fraction:3.0f}% {label}")
        if fraction >= 1.0:
            stream.write("\n")
        stream.flush()

    return draw
