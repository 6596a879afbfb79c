"""How fast the linearizability checker decides, on generated histories with known answers.

Cases (every history from ``dsworkbook.checkers.workloads.random_history`` with the seed shown):

* register histories - 50/50 reads and writes, every written value distinct - with 5 clients
  (1,000 and 10,000 operations; linearizable, and with one injected stale read) and with 20
  clients (1,000 operations). Each is checked the default way (``auto``: here the zones fast
  path) and, where it finishes in reasonable time, with ``method="search"`` (the memoised
  Wing-Gong-Lowe search) for comparison;
* 20-client compare-and-set histories: no fast path; they must come back within their budget,
  with a verdict or ``unknown``, memory bounded. One is linearizable (values 0-4, 10% unknown
  outcomes); in the other (distinct values) one read is stale: it returns a value that a
  write which completed before the read began had overwritten - a violation the search can only
  prove by exhausting every order of the operations before it, which with 20 clients and
  open-ended unknowns is far beyond any budget: the honest answer is ``unknown``;
* a Jepsen-style key-value history: 10 keys, 10 clients, reads, writes and compare-and-set
  over values 0-4, 5% unknown outcomes, checked per key in rotation.

Memory limit 512 MB per check (1,536 MB for the 20-client search, run last). Prints the median
wall time and CPU time of ``check_linearizable`` per case (history generation
excluded; on a shared machine the CPU time is the steadier figure), the verdict, the method, the
search steps, the size of the counterexample, and the process's peak memory. Targets are in the
``target`` column; nothing here asserts them (timings depend on the machine and its load).

    python bench/lincheck.py            # all cases, 5 repetitions each (fewer for the slow ones)
    python bench/lincheck.py --quick    # 1 repetition
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from typing import Any

from dsworkbook.checkers import check_linearizable
from dsworkbook.checkers.workloads import random_history

# name, generator kwargs, model, method, time limit (s), repetitions, target
CASES: list[tuple[str, dict[str, Any], str, str, float, int, str]] = [
    ("register 1k ops, 5 clients", dict(ops=1_000, clients=5), "register", "auto", 10, 5, "<= 10 ms"),
    ("register 1k ops, 5 clients", dict(ops=1_000, clients=5), "register", "search", 10, 5, ""),
    ("register 10k ops, 5 clients", dict(ops=10_000, clients=5), "register", "auto", 10, 5, "<= 150 ms"),
    ("register 10k ops, 5 clients", dict(ops=10_000, clients=5), "register", "search", 10, 5, ""),
    ("register 10k ops, 5 clients, 1 stale read", dict(ops=10_000, clients=5, stale_reads=1), "register", "auto",
     10, 5, "<= 250 ms"),
    ("register 10k ops, 5 clients, 1 stale read", dict(ops=10_000, clients=5, stale_reads=1), "register", "search",
     10, 5, ""),
    ("register 1k ops, 20 clients", dict(ops=1_000, clients=20), "register", "auto", 10, 5, "<= 100 ms (fast path)"),
    ("cas-register 1k ops, 20 clients, 10% unknown", dict(ops=1_000, clients=20, model="cas-register", values=5,
                                                           unknown=0.1), "cas-register", "auto", 5, 3,
     "within the 5 s budget"),
    ("cas-register 1k ops, 20 clients, 1 stale read", dict(ops=1_000, clients=20, model="cas-register",
                                                            unknown=0.1, stale_reads=1), "cas-register",
     "auto", 5, 1, "within the 5 s budget"),
    ("kv 10k ops, 10 keys, 10 clients (Jepsen-style)", dict(ops=10_000, clients=10, model="kv", keys=10, values=5,
                                                             unknown=0.05), "kv", "auto", 10, 5, ""),
    # last, because it needs the most memory (the peak MB column is the process's high-water mark)
    ("register 1k ops, 20 clients", dict(ops=1_000, clients=20, memory_limit_mb=1536), "register", "search", 60, 1,
     "(tens of seconds)"),
]
SEED = 1


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(name: str, kwargs: dict[str, Any], model: str, method: str, limit: float, reps: int,
             target: str) -> dict[str, Any]:
    kwargs = dict(kwargs)
    memory = kwargs.pop("memory_limit_mb", 512)
    history = random_history(SEED, **kwargs)
    times, cpu, result = [], [], None
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = check_linearizable(history, model, method=method, time_limit=limit, memory_limit_mb=memory)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    return {"case": name, "method": result.method, "seed": SEED,
            "ops": len(history), "verdict": result.verdict, "median ms": 1000 * statistics.median(times),
            "cpu ms": 1000 * statistics.median(cpu),
            "steps": result.stats.get("iterations", 0), "target": target,
            "counterexample": len(result.counterexample or []), "peak MB": _peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition per case")
    args = parser.parse_args()
    header = (f"{'case':<56} {'method':<27} {'verdict':<17} {'median ms':>10} {'cpu ms':>8} {'steps':>9} {'cex':>4} "
              f"{'peak MB':>8}  target")
    print(f"check_linearizable, seed {SEED}; median wall time and CPU time of the check alone")
    print(header)
    print("-" * len(header))
    for name, kwargs, model, method, limit, reps, target in CASES:
        row = run_case(name, kwargs, model, method, limit, 1 if args.quick else reps, target)
        print(f"{row['case']:<56} {row['method']:<27} {row['verdict']:<17} {row['median ms']:>10.1f} "
              f"{row['cpu ms']:>8.1f} {row['steps']:>9} {row['counterexample']:>4} {row['peak MB']:>8.0f}  "
              f"{row['target']}", flush=True)


if __name__ == "__main__":
    main()
