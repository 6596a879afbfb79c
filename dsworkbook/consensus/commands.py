"""The ``dsworkbook fuzz`` command: seeded fault-schedule campaigns for Raft and Paxos.

Theory of operation
-------------------
``dsworkbook fuzz raft --seeds N [--variant NAME] [--backoff RULE] [--processes P] [--no-shrink] [--shrink-runs R]``
runs N seeds of :func:`dsworkbook.consensus.fuzzing.fuzz_raft`, drawing a progress bar as seeds finish, then
prints one summary line - ``seeds: 100, violations: 0, progress: 97`` (progress: runs in which
every client's commands were committed) - and, for the first violation, its seed, what broke in
plain words, and the smallest fault schedule that still breaks it (shrunk). ``fuzz paxos`` does
the same for single-decree Paxos. The exit code is 1 when a violation was found, so a script or
CI job can rely on it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

from dsworkbook.cli import Command
from dsworkbook.sim import FuzzReport

__all__ = ["COMMANDS", "progress_bar"]


def progress_bar(total: int, out: Any = None, width: int = 30) -> Callable[[int, FuzzReport], None]:
    """An ``on_seed`` callback that redraws ``[#####.....] 40/100 seeds, 0 violations`` in place."""
    stream = out if out is not None else sys.stdout

    step = max(1, total // 100)

    def draw(_seed: int, report: FuzzReport) -> None:
        if report.seeds % step and report.seeds < total:
            return
        filled = int(width * report.seeds / max(total, 1))
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {report.seeds}/{total} seeds, "
                     f"{len(report.violations)} violations")
        if report.seeds >= total:
            stream.write("\n")
        stream.flush()

    return draw


def _report(report: FuzzReport, what: str, variant: str) -> int:
    print(report.summary())
    rate = report.seeds / max(report.seconds, 1e-9)
    print(f"{what}, variant {variant!r}: {report.seconds:.1f} s, {rate:.1f} seeds/s")
    first = report.first
    if first is None:
        return 0
    print(f"first violation: seed {first.seed}")
    print(f"  what broke: {first.message}")
    if first.shrunk is not None:
        print(f"  smallest failing schedule ({len(first.shrunk.schedule)} of {len(first.schedule)} faults, "
              f"{first.shrunk.runs} runs to find):")
        for line in first.shrunk.schedule.describe().splitlines():
            print(f"    {line}")
    return 1


def _configure_fuzz(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="system", metavar="SYSTEM", required=True)
    raft = sub.add_parser("raft", help="Raft: 5 servers, 5 clients, the five safety properties")
    raft.add_argument("--seeds", type=int, default=100, metavar="N", help="how many seeds (0..N-1; default 100)")
    raft.add_argument("--variant", default="correct", metavar="NAME",
                      help="a known-broken variant: forget_voted_for, vote_without_log_check, commit_old_term_by_count")
    raft.add_argument("--backoff", default="length", choices=("one", "length", "term"),
                      help="the leader's nextIndex back-off after a refused AppendEntries: one entry (§5.3), "
                           "to the follower's length (default), or a whole term per round trip (§5.3's optimisation)")
    raft.add_argument("--processes", type=int, default=None, metavar="P",
                      help="run seeds in P processes (default: 2 on a machine with 2+ cores)")
    raft.add_argument("--no-shrink", action="store_true", help="do not shrink the first violation's schedule")
    raft.add_argument("--shrink-runs", type=int, default=300, metavar="R",
                      help="at most R replays while shrinking the first violation (default 300)")
    raft.set_defaults(fuzz=_run_raft)
    paxos = sub.add_parser("paxos", help="single-decree Paxos: 4 proposers, 5 acceptors, agreement/validity/integrity")
    paxos.add_argument("--seeds", type=int, default=100, metavar="N", help="how many seeds (default 100)")
    paxos.add_argument("--variant", default="correct", metavar="NAME", help="own_value or forget_promises")
    paxos.add_argument("--no-shrink", action="store_true", help="do not shrink the first violation's schedule")
    paxos.set_defaults(fuzz=_run_paxos)


def _seeds(n: int) -> int:
    from dsworkbook.errors import ConfigError

    if n < 1:
        raise ConfigError(f"--seeds must be at least 1, got {n}")
    return n


def _run_raft(args: argparse.Namespace) -> int:
    from dsworkbook.consensus.fuzzing import default_processes, fuzz_raft

    n = _seeds(args.seeds)
    processes = args.processes if args.processes is not None else default_processes()
    report = fuzz_raft(n, variant=args.variant, processes=processes, shrink_first=not args.no_shrink,
                       max_shrink_runs=args.shrink_runs, on_seed=progress_bar(n),
                       options={"backoff": args.backoff})
    return _report(report, "raft", args.variant)


def _run_paxos(args: argparse.Namespace) -> int:
    from dsworkbook.consensus.fuzzing import fuzz_paxos

    n = _seeds(args.seeds)
    report = fuzz_paxos(n, variant=args.variant, shrink_first=not args.no_shrink, on_seed=progress_bar(n))
    return _report(report, "paxos", args.variant)


def _run_fuzz(args: argparse.Namespace) -> int:
    return int(args.fuzz(args))


COMMANDS: dict[str, Command] = {
    "fuzz": Command("run seeded random fault schedules against a protocol (raft, paxos)", _configure_fuzz, _run_fuzz),
}
