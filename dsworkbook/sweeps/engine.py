"""The sweep engine: run independent tasks on any executor, in order, with progress and an early stop.

Theory of operation
-------------------
A sweep (:func:`~dsworkbook.sweeps.table.sweep`) and a fuzz campaign
(:func:`~dsworkbook.sim.fuzz.fuzz_in_processes`) are the same job: call one picklable function
on many independent inputs (a chunk of seeds, a chunk of grid points) and combine the results.
:func:`run_tasks` does that job once, for both, on any :class:`concurrent.futures.Executor`:

* ``executor=None`` and one worker: the tasks run here, in this process (no pickling; the
  easiest to debug).
* ``executor=None`` and more workers: a local process pool that this module starts and stops.
* an executor you pass - a process pool, or a Dask cluster's (``Client.get_executor()``, see
  :func:`dask_executor`): this module submits to it and never shuts it down.

The rules it keeps:

1. **Results come back in input order**, whatever the executor and whichever task finishes
   first, so a caller's combination (rows of a table, violations sorted by seed) does not
   depend on scheduling. Every task is seeded by its input, so results are identical seed by
   seed on one process, many processes or a cluster.
2. ``on_result(index, result)`` is called in input order as results arrive (a progress bar);
   when it returns True the remaining tasks are cancelled and the run ends early.
3. :func:`using` sets an executor for everything run inside a ``with`` block (the command line
   uses it to send every campaign to a Dask cluster without changing the campaigns).

The engine imports no theme and no Dask at module level: Dask is needed only for
:func:`dask_executor`.
"""

from __future__ import annotations

import contextlib
import contextvars
import multiprocessing as mp
import os
import pickle
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence, TypeVar

from dsworkbook.errors import ConfigError

__all__ = ["run_tasks", "local_executor", "dask_executor", "using", "current_executor", "workers_of",
           "default_processes", "chunked", "EXECUTOR_KINDS", "executor_from_options"]

T = TypeVar("T")
R = TypeVar("R")

#: What ``--executor`` accepts on the command line.
EXECUTOR_KINDS = ("local", "dask")

_CURRENT: contextvars.ContextVar[Executor | None] = contextvars.ContextVar("dsworkbook_executor", default=None)


def default_processes() -> int:
    """How many local processes a sweep or campaign uses by default: two with 2+ cores, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def local_executor(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` local worker processes (forked where the platform allows: fast start)."""
    _check_processes(processes)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    return ProcessPoolExecutor(processes, mp_context=ctx)


@contextlib.contextmanager
def using(executor: Executor | None) -> Iterator[Executor | None]:
    """Inside the block, sweeps and campaigns given no executor run on ``executor``."""
    token = _CURRENT.set(executor)
    try:
        yield executor
    finally:
        _CURRENT.reset(token)


def current_executor() -> Executor | None:
    """The executor set by the innermost :func:`using` block, or None."""
    return _CURRENT.get()


def workers_of(executor: Executor | None, default: int = 2) -> int:
    """How many tasks ``executor`` runs at once (its pool size, a Dask cluster's threads), or ``default``."""
    if executor is None:
        return 1
    size = getattr(executor, "_max_workers", None)
    if isinstance(size, int) and size > 0:
        return size
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # a client that cannot answer: fall back to the default
            return default
    return default


@contextlib.contextmanager
def dask_executor(scheduler: str | None = None, *, workers: int = 2, threads_per_worker: int = 1,
                  processes: bool = True) -> Iterator[Executor]:
    """An executor on a Dask ``distributed`` cluster, shut down (and the cluster closed) on exit.

    ``scheduler`` is a remote scheduler's address (``tcp://10.0.0.5:8786``); None starts a local
    cluster of ``workers`` processes on 127.0.0.1 for the block's duration (``processes=False``:
    worker threads in this process, which start in a fraction of the time - for a quick demo). Tasks go through
    ``Client.get_executor()``, a :class:`concurrent.futures.Executor`, so the rest of the engine
    does not know it is talking to Dask. Every worker must be able to import ``dsworkbook``.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("the Dask executor needs dask[distributed]: pip install 'dask[distributed]'") from None
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ConfigError(f"scheduler must be an address such as 'tcp://10.0.0.5:8786', got {scheduler!r}")
    _check_processes(workers, "workers")
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            where = {"host": "127.0.0.1"} if processes else {}  # threads talk in-process, not over TCP
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker,
                                                       processes=processes, dashboard_address=None, **where))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler, timeout="10s"))
        yield client.get_executor(pure=False)


@contextlib.contextmanager
def executor_from_options(kind: str = "local", scheduler: str | None = None,
                          processes: int | None = None) -> Iterator[Executor | None]:
    """The executor a command line asked for: ``local`` (None: a local pool) or ``dask``.

    A ``scheduler`` address implies ``dask``; ``dask`` without one starts a local cluster of
    ``processes`` workers (default :func:`default_processes`).
    """
    if kind not in EXECUTOR_KINDS:
        raise ConfigError(f"executor must be one of {', '.join(EXECUTOR_KINDS)}, got {kind!r}")
    if scheduler is not None:
        kind = "dask"
    if kind == "local":
        yield None
        return
    with dask_executor(scheduler, workers=processes or max(2, default_processes())) as ex:
        yield ex


def chunked(items: Sequence[T], workers: int, most: int = 25) -> list[list[T]]:
    """Split ``items`` into chunks of at most ``most``, about four per worker (fewer round trips)."""
    size = max(1, min(most, len(items) // (4 * max(1, workers))))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def run_tasks(fn: Callable[[T], R], items: Sequence[T], *, executor: Executor | None = None,
              processes: int = 1, on_result: Callable[[int, R], bool | None] | None = None) -> list[R]:
    """``[fn(item) for item in items]``, on ``executor`` (or the :func:`using` one, or a pool of ``processes``).

    Results come back in input order. ``on_result(i, result)`` is called in that order; if it
    returns True the rest is cancelled and the results so far are returned. ``fn`` must be
    picklable to leave this process (a module-level function, or a ``functools.partial`` of one).
    """
    _check_processes(processes)
    if not callable(fn):
        raise ConfigError(f"the task must be a function, got {fn!r}")
    executor = executor if executor is not None else current_executor()
    results: list[R] = []
    if executor is None and processes == 1:
        for i, item in enumerate(items):
            results.append(fn(item))
            if on_result is not None and on_result(i, results[-1]):
                break
        return results
    own = executor is None
    if own:
        _check_picklable(fn)
        executor = local_executor(processes)
    futures: list[Any] = []
    try:
        futures = [executor.submit(fn, item) for item in items]
        for i, fut in enumerate(futures):
            results.append(fut.result())
            if on_result is not None and on_result(i, results[-1]):
                break
    finally:
        for fut in futures[len(results):]:
            fut.cancel()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return results


def _check_processes(value: Any, what: str = "processes") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} must be an int >= 1, got {value!r}")
    return value


def _check_picklable(fn: Callable[..., Any]) -> None:
    try:
        pickle.dumps(fn)
    except Exception as exc:
        raise ConfigError(f"{fn!r} cannot be sent to another process ({exc}): define it at module level "
                          "(or use functools.partial of a module-level function), or run in-process "
                          "with processes=1") from None
