"""Theme T14's figures and speed: run ``python bench/regions.py``.

Prints the figures the README and the closing notes quote, re-measured: acknowledged writes lost
by replication mode and detector timeout, write latency per mode, conflicts per second against
write rate and round-trip time, the resolutions compared on one workload, DNS failover recovery
against check interval, threshold and TTL, and the cache's hit rate and staleness per policy.

Then the speed of every experiment a notebook cell or the region panel runs with its default
parameters (median of ``--repeats``), as milliseconds and as a ratio to the **anchor**: a
two-node ping-pong of 2,000 messages on the bare simulator (``dw.sim.examples``), measured in
the same run, so that the ratios mean the same on a fast and a slow machine. The target is
100 ms per panel update. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from dsworkbook import regions  # noqa: E402
from dsworkbook.sim import Simulation  # noqa: E402
from dsworkbook.sim.examples import Echo, Pinger  # noqa: E402

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def anchor() -> None:
    sim = Simulation(seed=0, latency=1, trace=False)
    sim.add_node("a", Pinger, target="b", count=1000, every=1.0)
    sim.add_node("b", Echo)
    sim.run()


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


EXPERIMENTS: dict[str, Callable[[], Any]] = {
    "write_latency": lambda: regions.write_latency(),
    "replication_lag": lambda: regions.replication_lag(),
    "follower_reads": lambda: regions.follower_reads(),
    "failover_run (leader)": lambda: regions.failover_run(),
    "split_brain": lambda: regions.split_brain(),
    "lost_writes (18 runs)": lambda: regions.lost_writes(),
    "active_active_run": lambda: regions.active_active_run(1),
    "resolution_table": lambda: regions.resolution_table(),
    "dns_failover_run": lambda: regions.dns_failover_run(),
    "cache_run": lambda: regions.cache_run("cache-aside"),
    "thundering_herd": lambda: regions.thundering_herd(),
    "invalidation_race": lambda: regions.invalidation_race(),
}


def figures() -> None:
    print("== acknowledged writes lost, by fault, mode and detector timeout (seed 1)")
    print(regions.lost_writes_table(regions.lost_writes()).to_string(), "\n")
    print("== conflicts per second against write rate and RTT (seed 1)")
    print(regions.conflict_sweep().to_string(), "\n")
    print("== resolutions on one workload (seed 1)")
    print(regions.resolution_table().to_string(), "\n")
    print("== DNS failover: recovery against check interval, threshold and TTL (seed 1)")
    print(regions.dns_failover_sweep().to_string(), "\n")
    print("== cache policies: hit rate and staleness against TTL (seed 1)")
    print(regions.cache_sweep().to_string(), "\n")


def speed(repeats: int) -> None:
    base = median_ms(anchor, repeats)
    print(f"== speed, median of {repeats}; anchor (2,000-message ping-pong): {base:.1f} ms")
    rows = []
    for name, fn in EXPERIMENTS.items():
        ms = median_ms(fn, repeats)
        rows.append({"experiment": name, "ms": round(ms, 1), "x anchor": round(ms / base, 1),
                     "within 100 ms": ms <= 100})
    print(pd.DataFrame(rows).set_index("experiment").to_string())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    if not args.speed_only:
        figures()
    speed(args.repeats)


if __name__ == "__main__":
    main()
