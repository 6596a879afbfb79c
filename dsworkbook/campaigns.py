"""The ``dsworkbook fuzz NAME`` command: every registered fuzz campaign, one line of verdict each.

Theory of operation
-------------------
A theme registers its campaigns (:class:`~dsworkbook.sim.fuzz.Campaign`) when its module is
imported; :data:`CAMPAIGN_MODULES` lists those modules, so ``dsworkbook fuzz`` finds every
campaign without importing anything else. ``dsworkbook fuzz NAME --seeds N [--variant V]``
runs seeds 0..N-1, draws a progress bar, prints the first violation - its seed, what broke in
plain words, and the smallest fault schedule that still breaks it - and **ends with one line**::

    raft: 200 seeds, 0 violations, 198/200 made progress, first failing seed -, shrunk to - faults

The exit code is 1 when a violation was found (0 otherwise), so a script or CI job can rely
on it. ``--variant`` switches on one of the campaign's broken variants, each a classic bug the
campaign is proven to catch. ``--executor dask`` (with ``--scheduler ADDRESS`` for a remote
cluster) runs a parallel campaign's seeds on Dask through the sweep engine
(:mod:`dsworkbook.sweeps`); the report is the same as on local processes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, Callable

from dsworkbook.cli import Command
from dsworkbook.errors import ConfigError
from dsworkbook.sim.fuzz import Campaign, FuzzReport, campaigns, default_processes
from dsworkbook.sweeps.engine import EXECUTOR_KINDS, executor_from_options, using, workers_of

__all__ = ["COMMANDS", "CAMPAIGN_MODULES", "all_campaigns", "progress_bar", "print_report"]

#: Modules that register campaigns when imported.
CAMPAIGN_MODULES = ("dsworkbook.consensus.fuzzing", "dsworkbook.storage.campaign", "dsworkbook.crdt.replication",
                    "dsworkbook.locks", "dsworkbook.coordination", "dsworkbook.messaging",
                    "dsworkbook.transactions", "dsworkbook.partitioning",
                    "dsworkbook.consensus.pbft", "dsworkbook.regions")


def all_campaigns() -> dict[str, Campaign]:
    """Every campaign of :data:`CAMPAIGN_MODULES`, by name."""
    for name in CAMPAIGN_MODULES:
        importlib.import_module(name)
    return campaigns()


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


def print_report(report: FuzzReport, name: str, variant: str, out: Any = None, flag: str = "--variant") -> int:
    """Print the first violation (shrunk) and end with the campaign's line; return the exit code."""
    stream = out if out is not None else sys.stdout
    rate = report.seeds / max(report.seconds, 1e-9)
    print(f"{name}, variant {variant!r}: {report.seconds:.1f} s, {rate:.1f} seeds/s", file=stream)
    first = report.first
    if first is not None:
        print(f"first violation: seed {first.seed}", file=stream)
        print(f"  what broke: {first.message}", file=stream)
        if first.shrunk is not None:
            print(f"  smallest failing schedule ({len(first.shrunk.schedule)} of {len(first.schedule)} faults, "
                  f"{first.shrunk.runs} runs to find):", file=stream)
            for line in first.shrunk.schedule.describe().splitlines():
                print(f"    {line}", file=stream)
    print(report.line(name if variant == "correct" else f"{name} {flag} {variant}"), file=stream)
    return 1 if report.violations else 0


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="campaign", metavar="NAME", required=True)
    for name, camp in all_campaigns().items():
        checks = camp.checks.replace("%", "%%")  # argparse formats help with %
        p = sub.add_parser(name, help=checks, description=f"{name}: {checks}")
        p.add_argument("--seeds", type=int, default=100, metavar="N", help="how many seeds (0..N-1; default 100)")
        also = "".join(f"; {alias} is {target}" for alias, target in camp.aliases.items())
        flags = ("--variant",) if camp.variant_flag == "--variant" else (camp.variant_flag, "--variant")
        p.add_argument(*flags, dest="variant", default="correct", choices=camp.variants + tuple(camp.aliases),
                       metavar=flags[0].lstrip("-").upper(),
                       help="the system (correct), or one of its broken variants: " + ", ".join(camp.variants[1:])
                       + also)
        if camp.parallel:
            p.add_argument("--processes", type=int, default=None, metavar="P",
                           help="run seeds in P processes (default: 2 on a machine with 2+ cores); with "
                                "--executor dask and no --scheduler, a local Dask cluster of P workers")
            p.add_argument("--executor", default="local", choices=EXECUTOR_KINDS,
                           help="where seeds run: local processes (default) or a Dask cluster")
            p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="a Dask scheduler's address (tcp://host:8786); implies --executor dask")
        p.add_argument("--no-shrink", action="store_true", help="do not shrink the first violation's schedule")
        p.add_argument("--shrink-runs", type=int, default=300, metavar="R",
                       help="at most R replays while shrinking the first violation (default 300)")
        for option, choices in camp.options.items():
            p.add_argument(f"--{option}", default=choices[0], choices=choices, help=f"(default {choices[0]})")
        p.set_defaults(fuzz_campaign=camp)


def _run(args: argparse.Namespace) -> int:
    camp: Campaign = args.fuzz_campaign
    if args.seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {args.seeds}")
    processes = getattr(args, "processes", None)
    options = {o: getattr(args, o.replace("-", "_")) for o in camp.options}
    # A campaign is a sweep: its seeds go through the sweep engine, on local processes or on the
    # Dask cluster that `using` makes the default for every chunk the campaign sends.
    with executor_from_options(getattr(args, "executor", "local"), getattr(args, "scheduler", None),
                               processes) as executor, using(executor):
        if executor is not None:
            processes = max(2, workers_of(executor))
        report = camp.run(list(range(args.seeds)), variant=args.variant,
                          processes=processes if processes is not None else default_processes(),
                          shrink_first=not args.no_shrink, max_shrink_runs=args.shrink_runs,
                          on_seed=progress_bar(args.seeds), options=options)
    chosen = "".join(f" --{o} {v}" for o, v in options.items() if v != camp.options[o][0])  # options not at default
    return print_report(report, camp.name + chosen, args.variant, flag=camp.variant_flag)


COMMANDS: dict[str, Command] = {
    "fuzz": Command("run a protocol or store on many seeds of random faults (raft, paxos, ...)", _configure, _run),
}
