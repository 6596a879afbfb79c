"""The ``dsworkbook history`` command: check recorded histories from the command line.

Theory of operation
-------------------
``dsworkbook history check FILE [FILE ...] --model {register,cas-register,kv}`` reads
Jepsen-style histories (EDN, one event map per line, or JSON lines; see
:mod:`dsworkbook.checkers.formats`), checks each for linearizability in one process (starting
the interpreter once, not once a file), and prints the verdicts. With one file it prints the
verdict, the method and a short explanation: the smallest violating sub-history found, or the
start of a legal order. With several it prints one line per file (verdict, method, size, time)
and a total line; ``--explain`` adds each file's explanation under its line. ``history classify
FILE`` prints the verdict of every consistency model instead.

The initial value: a register nobody wrote reads as ``nil`` in Jepsen and Knossos histories (the
default, ``--initial nil``); MIT 6.824/6.5840 key-value histories (Get/Put/Append, as Porcupine's
kv model checks them) read a missing key as the empty string, so check them with ``--model kv
--initial ''``. ``--initial`` takes an EDN value: ``nil``, ``''`` (the empty string), a number,
a ``"string"``.

Exit codes, so scripts and CI can use it::

    0  linearizable            2  unknown (a time or memory budget ran out)
    1  not linearizable        3  unreadable input (the message names the line and what was expected)

With several files the exit code is the *worst* verdict, in this order: not linearizable (1) -
one proven violation answers "are these histories linearizable?" whatever the others say -
then unreadable (3: the input needs fixing before the answer is known), then unknown (2: a
budget ran out), then linearizable (0). A bad option (``--model queue``, an ``--initial``
that is not a value) is a usage error: argparse reports it and exits 2 before reading any file.

(``classify`` exits 0 when the history satisfies at least one model, 1 when none, 3 when
unreadable.)
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from dsworkbook.cli import Command
from dsworkbook.errors import ConfigError

__all__ = ["COMMANDS", "EXIT_CODES", "CLI_MODELS", "WORST_FIRST", "worst", "parse_initial"]

CLI_MODELS = ("register", "cas-register", "kv")
#: The exit code of ``history check`` for each verdict.
EXIT_CODES = {"linearizable": 0, "not linearizable": 1, "unknown": 2, "unreadable": 3}
#: Verdicts from the worst to the best: several files exit with the code of the worst one.
WORST_FIRST = ("not linearizable", "unreadable", "unknown", "linearizable")

_INITIAL_HELP = ("the value of a register or key nobody wrote yet: nil (default; Jepsen and Knossos histories) "
                 "or '' (the empty string: MIT 6.824/6.5840 and Porcupine kv histories, where a Get of a missing "
                 "key returns \"\"); any EDN value: nil, '', a number, a \"string\"")


def worst(verdicts: list[str]) -> str:
    """The worst of ``verdicts`` in :data:`WORST_FIRST` order (``linearizable`` for none)."""
    for verdict in WORST_FIRST:
        if verdict in verdicts:
            return verdict
    return "linearizable"


def parse_initial(text: str) -> Any:
    """An ``--initial`` value: ``''`` is the empty string, anything else one EDN value (``nil`` is None)."""
    from dsworkbook.checkers.formats import read_edn_value

    if text == "":
        return ""
    try:
        return read_edn_value(text)
    except ConfigError as exc:
        raise ConfigError(f"--initial must be one value - nil, '' (the empty string), a number such as 0, or a "
                          f"\"string\" - but {text!r} is not: {exc}") from None


def _initial_type(text: str) -> Any:
    try:
        return parse_initial(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _add_input(parser: argparse.ArgumentParser, many: bool) -> None:
    if many:
        parser.add_argument("files", nargs="+", metavar="FILE",
                            help="the histories: EDN (one map per line) or JSON lines; several are checked in turn")
    else:
        parser.add_argument("files", nargs=1, metavar="FILE", help="the history: EDN (one map per line) or JSON lines")
    parser.add_argument("--model", choices=CLI_MODELS, default="register",
                        help="the object the history used (default: register)")
    parser.add_argument("--initial", type=_initial_type, default=None, metavar="VALUE", help=_INITIAL_HELP)
    parser.add_argument("--format", choices=("auto", "edn", "jsonl"), default="auto",
                        help="the file's format (default: from its content)")
    parser.add_argument("--time-limit", type=_positive, default=10.0, metavar="SECONDS",
                        help="give up with 'unknown' after this long, per file (default: 10)")


_CHECK_EPILOG = """exit codes: 0 linearizable, 1 not linearizable, 2 unknown (a budget ran out), 3 unreadable.
With several files: the worst verdict, in the order not linearizable (1), unreadable (3),
unknown (2), linearizable (0) - a proven violation answers the question whatever the others say.

initial values: Jepsen/Knossos register histories read an unwritten register as nil (the
default); MIT 6.824/6.5840 and Porcupine kv histories read a missing key as "" and append
to it: check those with --model kv --initial ''."""


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="history_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser("check", help="is each history linearizable? (exit 0 yes, 1 no, 2 unknown, 3 unreadable)",
                           description="Check Jepsen-style histories for linearizability.", epilog=_CHECK_EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_input(check, many=True)
    check.add_argument("--memory-limit", type=_positive, default=1024.0, metavar="MB",
                       help="memory for the search's memo tables before giving up (default: 1024)")
    check.add_argument("--explain", action="store_true",
                       help="with several files, print each one's evidence under its verdict line")
    check.set_defaults(history_handler=_run_check)
    classify = sub.add_parser("classify", help="the strongest consistency model the history satisfies",
                              description="Check a history against linearizability and the weaker models.")
    _add_input(classify, many=False)
    classify.set_defaults(history_handler=_run_classify)


def _model(args: argparse.Namespace) -> Any:
    from dsworkbook.checkers.datatypes import MODEL_DEFAULT, resolve_model

    return resolve_model(args.model, initial=MODEL_DEFAULT if args.initial is None else args.initial)


def _read(path: str, fmt: str) -> Any:  # -> History | str (why it is unreadable)
    from dsworkbook.checkers.formats import read_history

    try:
        return read_history(path, fmt)
    except ConfigError as exc:
        return str(exc)


def _check_one(path: str, args: argparse.Namespace) -> tuple[str, Any, Any]:
    """(verdict, history or None, result or the reason it is unreadable)."""
    from dsworkbook.checkers.linearizability import check_linearizable

    history = _read(path, args.format)
    if isinstance(history, str):
        return "unreadable", None, history
    try:
        result = check_linearizable(history, _model(args), time_limit=args.time_limit,
                                    memory_limit_mb=args.memory_limit)
    except ConfigError as exc:  # e.g. an op the model does not know: the input does not fit the model
        return "unreadable", history, f"does not fit --model {args.model}: {exc}"
    return result.verdict, history, result


def _run_check(args: argparse.Namespace) -> int:
    if len(args.files) == 1:
        return _check_single(args.files[0], args)
    began = time.perf_counter()
    verdicts = []
    for path in args.files:
        verdict, history, result = _check_one(path, args)
        verdicts.append(verdict)
        if verdict == "unreadable":
            why = result[len(path):].lstrip(": ") if result.startswith(path) else result
            print(f"{path}: unreadable: {why}", flush=True)
            continue
        ms = result.stats.get("seconds", 0.0) * 1000
        print(f"{path}: {verdict} ({result.method}; {len(history)} ops; {ms:.1f} ms)", flush=True)
        if args.explain:
            print("\n".join("    " + line for line in result.explain().splitlines()), flush=True)
    bad = worst(verdicts)
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("linearizable", "not linearizable", "unknown",
                                                              "unreadable"))
    print(f"{len(verdicts)} files: {counts} in {time.perf_counter() - began:.2f} s; "
          f"exit {EXIT_CODES[bad]} ({bad})")
    return EXIT_CODES[bad]


def _check_single(path: str, args: argparse.Namespace) -> int:
    verdict, history, result = _check_one(path, args)
    if verdict == "unreadable":
        where = "" if history is None else f"{path}: "
        print(f"dsworkbook history: unreadable input: {where}{result}", file=sys.stderr)
        return EXIT_CODES["unreadable"]
    c = history.counts()
    initial = "" if args.initial is None else f", initial value {args.initial!r}"
    print(f"{path}: {len(history)} operations ({c['ok']} ok, {c['fail']} fail, {c['unknown']} unknown), "
          f"model {args.model}{initial}")
    print(result.explain())
    print(f"checked in {result.stats.get('seconds', 0.0) * 1000:.1f} ms")
    return EXIT_CODES[verdict]


def _run_classify(args: argparse.Namespace) -> int:
    from dsworkbook.checkers.classify import classify

    path = args.files[0]
    history = _read(path, args.format)
    if isinstance(history, str):
        print(f"dsworkbook history: unreadable input: {history}", file=sys.stderr)
        return EXIT_CODES["unreadable"]
    try:
        cls = classify(history, _model(args), time_limit=args.time_limit)
    except ConfigError as exc:
        print(f"dsworkbook history: unreadable input for --model {args.model}: {exc}", file=sys.stderr)
        return EXIT_CODES["unreadable"]
    print(f"{path}: {len(history)} operations, model {args.model}")
    print(f"strongest model satisfied: {cls.strongest}")
    for level, r in cls.levels.items():
        print(f"  {level:<17} {r.verdict:<22} {r.reason}")
    return 0 if cls.strongest != "none" else 1


def _run(args: argparse.Namespace) -> int:
    return int(args.history_handler(args))


COMMANDS = {
    "history": Command("check recorded histories: linearizability (check) or every model (classify)",
                       _configure, _run),
}
