"""The ``dsworkbook jepsen`` command: record a history from a real database under faults, then check it.

Theory of operation
-------------------
``dsworkbook jepsen etcd --ops 500 --nemesis pause,kill [--reads linearizable|serializable]
[--out FILE] [--seed S]`` starts a private three-member etcd cluster on 127.0.0.1
(:func:`dsworkbook.realservers.etcd.etcd_cluster`), runs the workload, the nemesis and the
stale-read probes of :mod:`dsworkbook.realservers.jepsen_etcd`, writes the history as Jepsen EDN
to ``--out``, checks it with the workbook's linearizability checker (model ``kv``: a
compare-and-set register per key), and prints one verdict line - then, when the history is not
linearizable, the smallest violating sub-history found. ``dsworkbook history check FILE --model
kv`` gives the same verdict from the file alone.

The exit codes are those of ``history check``: 0 linearizable, 1 not linearizable, 2 unknown.
A missing etcd is a :class:`~dsworkbook.errors.ConfigError` naming the install command (exit 2).
The real-server code is imported only when the command runs, so other commands stay quick.
"""

from __future__ import annotations

import argparse

from dsworkbook.cli import Command

__all__ = ["COMMANDS"]


def _count(low: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
        return value
    return parse


def _nemeses(text: str) -> tuple[str, ...]:
    from dsworkbook.realservers.jepsen_etcd import NEMESES

    names = tuple(n.strip() for n in text.split(",") if n.strip() and n.strip() != "none")
    unknown = [n for n in names if n not in NEMESES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown nemesis {', '.join(unknown)}; choose from "
                                         f"{','.join(NEMESES)} (comma-separated) or none")
    return names


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="jepsen_system", metavar="SYSTEM", required=True)
    etcd = sub.add_parser("etcd", help="a three-member etcd cluster on 127.0.0.1 (Debian: etcd-server)",
                          description="Record a history of reads, writes and compare-and-sets on a real etcd "
                                      "cluster while a nemesis pauses and kills members; check it.")
    etcd.add_argument("--ops", type=_count(0), default=500, help="workload operations (default: 500)")
    etcd.add_argument("--nemesis", type=_nemeses, default=("pause", "kill"), metavar="pause,kill",
                      help="faults, comma-separated: pause (SIGSTOP/SIGCONT), kill (SIGKILL, restart); "
                           "or none (default: pause,kill)")
    etcd.add_argument("--reads", choices=("linearizable", "serializable"), default="linearizable",
                      help="etcd's read mode (default: linearizable); serializable reads are served by the "
                           "member asked, and the probes show them stale")
    etcd.add_argument("--out", default="etcd-history.edn", metavar="FILE",
                      help="where to write the history, Jepsen EDN (default: etcd-history.edn)")
    etcd.add_argument("--seed", type=int, default=0, help="seeds the workload and the fault schedule (default: 0)")
    etcd.add_argument("--clients", type=_count(1), default=5, help="client threads (default: 5)")
    etcd.add_argument("--probes", type=_count(0), default=3,
                      help="stale-read probes after the workload (default: 3)")


def _run(args: argparse.Namespace) -> int:
    from dsworkbook.checkers.commands import EXIT_CODES
    from dsworkbook.realservers.jepsen_etcd import etcd_test

    run = etcd_test(ops=args.ops, nemesis=args.nemesis, reads=args.reads, seed=args.seed, clients=args.clients,
                    probes=args.probes)
    path = run.write(args.out)
    result = run.check()
    print(f"{run.summary(result)}; history: {path}")
    if result.ok is False:
        print(result.explain())
    return EXIT_CODES[result.verdict]


COMMANDS = {
    "jepsen": Command("record a history from a real database under faults and check it (etcd)", _configure, _run),
}
