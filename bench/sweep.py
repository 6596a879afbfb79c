"""A Raft fuzz campaign on three executors: seeds per second, and what Dask costs.

Prints, for the Raft campaign (``dsworkbook fuzz raft``, correct variant, no shrinking) over
seeds 0..N-1 (default 10,000; ``--seeds 200`` for a short run):

* seeds/s on 1 process (in-process), on 2 local processes, and on a local Dask ``distributed``
  cluster of 2 worker processes (127.0.0.1) reached through ``Client.get_executor()``;
* the Dask overhead: start-up (cluster + client, until a first task has come back) and the
  round trip of one trivial task, next to the same round trip on a local process pool;
* whether the three reports agree (they must: every seed is seeded, and the sweep engine
  returns results in seed order).

Run ``python bench/sweep.py [--seeds N] [--only 1,2,dask]`` (``--only`` runs some of the three). Timings vary with the machine and its load; the
script prints the load average next to them. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import Executor

from dsworkbook.consensus.fuzzing import fuzz_raft
from dsworkbook.sim.fuzz import FuzzReport
from dsworkbook.sweeps import local_executor, using

TRIVIAL_TASKS = 200


def campaign(seeds: int, processes: int, executor: Executor | None = None) -> tuple[FuzzReport, float]:
    """Run the Raft campaign; return its report and the wall seconds it took."""
    started = time.perf_counter()
    with using(executor):
        report = fuzz_raft(seeds, processes=processes, shrink_first=False)
    return report, time.perf_counter() - started


def round_trip(executor: Executor, tasks: int = TRIVIAL_TASKS) -> float:
    """Seconds per trivial task (``abs(i)``) submitted and collected one at a time: the per-task cost."""
    executor.submit(abs, -1).result()  # warm up
    started = time.perf_counter()
    for i in range(tasks):
        executor.submit(abs, -i).result()
    return (time.perf_counter() - started) / tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10_000, help="seeds 0..N-1 (default 10,000)")
    parser.add_argument("--only", default="1,2,dask", help="which executors, comma-separated: 1, 2, dask (default all)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only or only - {"1", "2", "dask"}:
        parser.error(f"--only takes 1, 2 and/or dask, comma-separated; got {args.only!r}")
    print(f"Raft campaign, {args.seeds} seeds, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rows: list[tuple[str, FuzzReport, float]] = []
    if "1" in only:
        report, secs = campaign(args.seeds, 1)
        rows.append(("1 process", report, secs))
    if "2" in only:
        report, secs = campaign(args.seeds, 2)
        rows.append(("2 processes", report, secs))
    for name, rep, secs in rows:
        print(f"{name}: {secs:.1f} s, {rep.seeds / secs:.1f} seeds/s", flush=True)
    if "dask" in only:
        dask_row(args.seeds, rows)
    print(f"{'executor':<18}{'seconds':>9}{'seeds/s':>9}  verdict")
    for name, rep, secs in rows:
        print(f"{name:<18}{secs:>9.1f}{rep.seeds / secs:>9.1f}  {rep.line('raft')}")
    same = len({(r.seeds, r.progress, tuple((v.seed, v.message) for v in r.violations)) for _, r, _ in rows}) == 1
    print(f"reports identical seed by seed: {'yes' if same else 'NO'}")


def dask_row(seeds: int, rows: list) -> None:
    """The campaign on a 2-worker local Dask cluster, appended to ``rows``; prints Dask's overhead."""
    from distributed import Client, LocalCluster

    with local_executor(2) as pool:
        local_trip = round_trip(pool)
    started = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        executor = client.get_executor(pure=False)
        executor.submit(abs, -1).result()
        startup = time.perf_counter() - started
        dask_trip = round_trip(executor)
        report, secs = campaign(seeds, 2, executor)
        rows.append(("Dask, 2 workers", report, secs))
    print(f"Dask overhead: start-up {startup:.1f} s (cluster + client + first task, not in the campaign's time); "
          f"{1000 * dask_trip:.2f} ms per task round trip vs {1000 * local_trip:.2f} ms on a local process pool "
          f"({TRIVIAL_TASKS} trivial tasks; a campaign sends chunks of up to 25 seeds per task)")


if __name__ == "__main__":
    main()
