"""Raft in the simulator: how fast it runs on this machine.

Prints, for a 5-server cluster under a closed-loop load of 20 clients:

* commits per second of **wall-clock** time (entries committed by the leader, divided by the
  seconds the simulation took to run) and per second of simulated time, with and without
  batching and pipelining;
* fuzz seeds per second (one process), and the time of a whole campaign (default 1000 seeds in
  2 processes - the target is at most 5 minutes on 2 cores).

Run ``python bench/raft.py`` (``--seeds 200`` for a shorter campaign, ``--no-campaign`` to skip
it, ``--backoff term`` to run the campaign with the back-off optimisation of §5.3,
``--membership single|joint`` to add and remove servers while it runs). Timings vary with the
machine and its load; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from dsworkbook.consensus.fuzzing import fuzz_raft
from dsworkbook.consensus.raft import BACKOFFS, RaftConfig, raft_sim

MODES = {"stop-and-wait": (1, False), "batching (32)": (32, False), "pipelining (8)": (1, True),
         "batching + pipelining": (32, True)}


def commits_per_second(max_batch: int, pipeline: bool, *, clients: int = 20, duration: float = 5000.0,
                       seed: int = 1) -> tuple[float, float, int]:
    """(commits per wall second, commits per simulated second, commits) for one run."""
    config = RaftConfig(max_batch=max_batch, pipeline=pipeline)
    ops = [[("put", "k", f"c{c}-{i}") for i in range(100_000)] for c in range(clients)]
    sim = raft_sim(seed, config=config, workloads=ops, latency=(2, 6), client_timeout=10_000.0, fifo=True)
    started = time.perf_counter()
    sim.run(until=duration)
    wall = time.perf_counter() - started
    leader = max((sim.node(n) for n in sim.node_ids if n.startswith("n")), key=lambda n: n.commit_index)
    commits = leader.commit_index
    return commits / wall, commits / (duration / 1000.0), commits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000, help="seeds in the fuzz campaign (default 1000)")
    parser.add_argument("--processes", type=int, default=2, help="processes for the campaign (default 2)")
    parser.add_argument("--no-campaign", action="store_true", help="skip the fuzz campaign")
    parser.add_argument("--backoff", default="length", choices=sorted(BACKOFFS),
                        help="the leader's back-off after a refused AppendEntries in the campaign (§5.3; default "
                             "length)")
    parser.add_argument("--membership", default="off", choices=("off", "single", "joint"),
                        help="add and remove servers while the campaign's faults run (default off)")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print("5 servers, 20 closed-loop clients, 5 s of simulated time, seed 1")
    for name, (batch, pipe) in MODES.items():
        wall, simulated, commits = commits_per_second(batch, pipe)
        print(f"  {name:24s} {wall:9,.0f} commits/s wall   {simulated:7,.0f} commits/s simulated   ({commits} commits)")
    started = time.perf_counter()
    report = fuzz_raft(range(20), processes=1, shrink_first=False)
    per_seed = (time.perf_counter() - started) / report.seeds
    print(f"fuzz: {1 / per_seed:.1f} seeds/s in one process ({report.line('raft')})")
    if not args.no_campaign:
        report = fuzz_raft(args.seeds, processes=args.processes, shrink_first=False,
                           options={"backoff": args.backoff, "membership": args.membership})
        name = f"raft --backoff {args.backoff}"
        if args.membership != "off":
            name += f" --membership {args.membership}"
        print(f"{report.line(name)} in {report.seconds:.0f} s with "
              f"{args.processes} processes ({report.seeds / report.seconds:.1f} seeds/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
