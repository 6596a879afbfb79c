"""Sweeps: an experiment over a grid of parameters x many seeds, on any executor, as a tidy table.

:func:`sweep` runs ``experiment(seed=s, **params)`` for every grid point x seed and returns a
pandas DataFrame, one row per run; on local processes by default, or on any
:class:`concurrent.futures.Executor` - a Dask ``distributed`` cluster's included
(:func:`dask_executor`). :func:`pareto_front` and :func:`plot_pareto` find and draw the settings
worth arguing about. Fuzz campaigns (:mod:`dsworkbook.sim.fuzz`) run on the same engine
(:func:`run_tasks`), so ``dsworkbook fuzz NAME --executor dask`` sends a campaign to a cluster.
"""

from dsworkbook.sweeps.engine import (EXECUTOR_KINDS, chunked, current_executor, dask_executor, default_processes,
                                      executor_from_options, local_executor, run_tasks, using, workers_of)
from dsworkbook.sweeps.pareto import mean_over_seeds, pareto_front, plot_pareto
from dsworkbook.sweeps.table import Experiment, grid_points, sweep, text_progress

__all__ = ["sweep", "grid_points", "text_progress", "Experiment", "pareto_front", "mean_over_seeds", "plot_pareto",
           "run_tasks", "local_executor", "dask_executor", "using", "current_executor", "workers_of",
           "default_processes", "chunked", "EXECUTOR_KINDS", "executor_from_options"]
