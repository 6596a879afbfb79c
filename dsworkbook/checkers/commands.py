"""The ``dsworkbook history`` command: check a recorded history from the command line.

Theory of operation
-------------------
``dsworkbook history check FILE --model {register,cas-register,kv}`` reads a Jepsen-style
history (EDN, one event map per line, or JSON lines; see :mod:`dsworkbook.checkers.formats`),
checks it for linearizability and prints the verdict, the method, and a short explanation: the
smallest violating sub-history found, or the start of a legal order. ``history classify FILE``
prints the verdict of every consistency model instead.

Exit codes, so scripts and CI can use it::

    0  linearizable            2  unknown (a time or memory budget ran out)
    1  not linearizable        3  unreadable input (the message names the line and what was expected)

(``classify`` exits 0 when the history satisfies at least one model, 1 when none, 3 when
unreadable.)
"""

from __future__ import annotations

import argparse
import sys

from dsworkbook.cli import Command
from dsworkbook.errors import ConfigError

__all__ = ["COMMANDS", "EXIT_CODES", "CLI_MODELS"]

CLI_MODELS = ("register", "cas-register", "kv")
#: The exit code of ``history check`` for each verdict.
EXIT_CODES = {"linearizable": 0, "not linearizable": 1, "unknown": 2, "unreadable": 3}


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the history: EDN (one map per line) or JSON lines")
    parser.add_argument("--model", choices=CLI_MODELS, default="register",
                        help="the object the history used (default: register)")
    parser.add_argument("--format", choices=("auto", "edn", "jsonl"), default="auto",
                        help="the file's format (default: from its content)")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                        help="give up with 'unknown' after this long (default: 10)")


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="history_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser("check", help="is the history linearizable? (exit 0 yes, 1 no, 2 unknown, 3 unreadable)",
                           description="Check a Jepsen-style history for linearizability.")
    _add_input(check)
    check.add_argument("--memory-limit", type=float, default=1024.0, metavar="MB",
                       help="memory for the search's memo tables before giving up (default: 1024)")
    check.set_defaults(history_handler=_run_check)
    classify = sub.add_parser("classify", help="the strongest consistency model the history satisfies",
                              description="Check a history against linearizability and the weaker models.")
    _add_input(classify)
    classify.set_defaults(history_handler=_run_classify)


def _read(args: argparse.Namespace):  # -> History | int
    from dsworkbook.checkers.formats import read_history

    try:
        return read_history(args.file, args.format)
    except ConfigError as exc:
        print(f"dsworkbook history: unreadable input: {exc}", file=sys.stderr)
        return EXIT_CODES["unreadable"]


def _run_check(args: argparse.Namespace) -> int:
    from dsworkbook.checkers.linearizability import check_linearizable

    history = _read(args)
    if isinstance(history, int):
        return history
    try:
        result = check_linearizable(history, args.model, time_limit=args.time_limit,
                                    memory_limit_mb=args.memory_limit)
    except ConfigError as exc:  # e.g. an op the model does not know: the input does not fit the model
        print(f"dsworkbook history: unreadable input for --model {args.model}: {exc}", file=sys.stderr)
        return EXIT_CODES["unreadable"]
    c = history.counts()
    print(f"{args.file}: {len(history)} operations ({c['ok']} ok, {c['fail']} fail, {c['unknown']} unknown), "
          f"model {args.model}")
    print(result.explain())
    print(f"checked in {result.stats.get('seconds', 0.0) * 1000:.1f} ms")
    return EXIT_CODES[result.verdict]


def _run_classify(args: argparse.Namespace) -> int:
    from dsworkbook.checkers.classify import classify

    history = _read(args)
    if isinstance(history, int):
        return history
    try:
        cls = classify(history, args.model, time_limit=args.time_limit)
    except ConfigError as exc:
        print(f"dsworkbook history: unreadable input for --model {args.model}: {exc}", file=sys.stderr)
        return EXIT_CODES["unreadable"]
    print(f"{args.file}: {len(history)} operations, model {args.model}")
    print(f"strongest model satisfied: {cls.strongest}")
    for level, r in cls.levels.items():
        print(f"  {level:<17} {r.verdict:<22} {r.reason}")
    return 0 if cls.strongest != "none" else 1


def _run(args: argparse.Namespace) -> int:
    return int(args.history_handler(args))


COMMANDS = {
    "history": Command("check a recorded history: linearizability (check) or every model (classify)",
                       _configure, _run),
}
