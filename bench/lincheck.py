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
  over values 0-4, 5% unknown outcomes, checked per key in rotation;
* etcd-style histories (``dsworkbook.checkers.workloads.crash_history``, seeds 0-49 per row):
  one compare-and-set register over values 0-4, 100-300 operations, 5-15 processes mixing
  reads, writes and compare-and-sets, clients that crash (10%: the operation ends ``:info``,
  may take effect later or never, and the process is replaced), as Jepsen's etcd test records
  them. Linearizable, and with one injected stale read (a read of a value provably
  overwritten before it began). The stale rows run twice: the default way (``auto``: the read
  patterns of ``dsworkbook.checkers._refute`` find these before any search) and with
  ``method="search"`` (the search alone must prove it). These rows print the median, 90th
  percentile and maximum time of the verdict per history, and the median time to shrink the
  counterexample (deferred until it is read, so not part of the verdict's time).

Memory limit 512 MB per check (1,536 MB for the 20-client search, run last). Prints the median
wall time and CPU time of ``check_linearizable`` per case (history generation
excluded; on a shared machine the CPU time is the steadier figure), the verdict, the method, the
search steps, the size of the counterexample, and the process's peak memory. Targets are in the
``target`` column; nothing here asserts them (timings depend on the machine and its load).

    python bench/lincheck.py            # all cases, 5 repetitions each (fewer for the slow ones)
    python bench/lincheck.py --quick    # 1 repetition, 10 seeds per etcd-style row
    python bench/lincheck.py --etcd     # the etcd-style rows only
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from typing import Any

from dsworkbook.checkers import check_linearizable
from dsworkbook.checkers.workloads import crash_history, random_history

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


# name, crash_history kwargs, method, target
ETCD: list[tuple[str, dict[str, Any], str, str]] = [
    ("100 ops, 5 processes", dict(ops=100, processes=5), "auto", "<= 20 ms"),
    ("200 ops, 10 processes", dict(ops=200, processes=10), "auto", "<= 20 ms"),
    ("300 ops, 15 processes", dict(ops=300, processes=15), "auto", "<= 20 ms"),
    ("100 ops, 5 processes, 1 stale read", dict(ops=100, processes=5, stale_reads=1), "auto", "<= 20 ms"),
    ("200 ops, 10 processes, 1 stale read", dict(ops=200, processes=10, stale_reads=1), "auto", "<= 20 ms"),
    ("300 ops, 15 processes, 1 stale read", dict(ops=300, processes=15, stale_reads=1), "auto", "<= 20 ms"),
    ("100 ops, 5 processes, 1 stale read", dict(ops=100, processes=5, stale_reads=1), "search", ""),
    ("200 ops, 10 processes, 1 stale read", dict(ops=200, processes=10, stale_reads=1), "search", ""),
    ("300 ops, 15 processes, 1 stale read", dict(ops=300, processes=15, stale_reads=1), "search", ""),
]
ETCD_SEEDS = 50
ETCD_LIMIT = 10.0


def run_etcd(name: str, kwargs: dict[str, Any], method: str, seeds: int, target: str) -> dict[str, Any]:
    """Every seed's history checked once: the verdict's time, then the counterexample's."""
    times, shrinks, sizes, verdicts = [], [], [], []
    for seed in range(seeds):
        history = crash_history(seed, **kwargs)
        start = time.perf_counter()
        result = check_linearizable(history, "cas-register", method=method, time_limit=ETCD_LIMIT)
        times.append(time.perf_counter() - start)
        if result.ok is False:
            start = time.perf_counter()
            sizes.append(len(result.counterexample or []))
            shrinks.append(time.perf_counter() - start)
        verdicts.append(result.verdict)
    times.sort()
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("linearizable", "not linearizable", "unknown")
                       if verdicts.count(v))
    return {"case": f"etcd-style cas register, {name}", "method": method, "verdicts": counts,
            "median ms": 1000 * statistics.median(times), "p90 ms": 1000 * times[int(0.9 * (len(times) - 1))],
            "max ms": 1000 * times[-1], "shrink ms": 1000 * statistics.median(shrinks) if shrinks else 0.0,
            "cex": statistics.median(sizes) if sizes else 0, "target": target}


def print_etcd(seeds: int) -> None:
    print(f"\netcd-style histories (crash_history, seeds 0-{seeds - 1}, 10% crashes, values 0-4; "
          f"time limit {ETCD_LIMIT:g} s): the verdict's time per history, and the median time to shrink")
    header = (f"{'case':<56} {'method':<7} {'verdicts':<30} {'median ms':>10} {'p90 ms':>8} {'max ms':>9} "
              f"{'shrink ms':>10} {'cex':>4}  target")
    print(header)
    print("-" * len(header))
    for name, kwargs, method, target in ETCD:
        row = run_etcd(name, kwargs, method, seeds, target)
        print(f"{row['case']:<56} {row['method']:<7} {row['verdicts']:<30} {row['median ms']:>10.2f} "
              f"{row['p90 ms']:>8.1f} {row['max ms']:>9.1f} {row['shrink ms']:>10.1f} {row['cex']:>4}  "
              f"{row['target']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition per case, 10 seeds per etcd-style row")
    parser.add_argument("--etcd", action="store_true", help="only the etcd-style rows")
    args = parser.parse_args()
    if not args.etcd:
        header = (f"{'case':<56} {'method':<27} {'verdict':<17} {'median ms':>10} {'cpu ms':>8} {'steps':>9} "
                  f"{'cex':>4} {'peak MB':>8}  target")
        print(f"check_linearizable, seed {SEED}; median wall time and CPU time of the check alone")
        print(header)
        print("-" * len(header))
        for name, kwargs, model, method, limit, reps, target in CASES:
            row = run_case(name, kwargs, model, method, limit, 1 if args.quick else reps, target)
            print(f"{row['case']:<56} {row['method']:<27} {row['verdict']:<17} {row['median ms']:>10.1f} "
                  f"{row['cpu ms']:>8.1f} {row['steps']:>9} {row['counterexample']:>4} {row['peak MB']:>8.0f}  "
                  f"{row['target']}", flush=True)
    print_etcd(10 if args.quick else ETCD_SEEDS)


if __name__ == "__main__":
    main()
