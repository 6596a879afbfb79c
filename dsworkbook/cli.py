"""The ``dsworkbook`` command: the concept map, the learner's workspace, and the exercise build.

Theory of operation
-------------------
Each subcommand is one entry of :data:`COMMANDS`: a name, a one-line help, a function that adds
its arguments to an argparse sub-parser, and a handler that takes the parsed arguments and
returns the exit code. Adding a command (``history check``, ``fuzz raft``) is one more entry;
a command with sub-commands of its own adds a nested sub-parser in its ``configure`` function.

Handlers work on the repository found by :func:`dsworkbook.catalog.repo_root`
(``$DSWORKBOOK_ROOT`` overrides it). A :class:`~dsworkbook.errors.ConfigError` - something the
user can fix, such as a missing workspace - is printed as ``dsworkbook: error: ...`` with exit
code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from dsworkbook.errors import ConfigError

__all__ = ["COMMANDS", "Command", "build_parser", "main"]


@dataclass(frozen=True)
class Command:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _root() -> Path:
    from dsworkbook.catalog import repo_root

    return repo_root()


def _workspace(args: argparse.Namespace) -> Path:
    return Path(args.workspace) if args.workspace else _root() / "workspace"


def _add_workspace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", metavar="DIR", help="the workspace folder (default: workspace/ "
                        "at the repository root)")


# --------------------------------------------------------------------------- list

def _configure_list(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json"), default="table",
                        help="an aligned table (default) or a JSON array of objects")
    parser.add_argument("--theme", metavar="T01", help="only the concepts of this theme")


def _run_list(args: argparse.Namespace) -> int:
    from dsworkbook.catalog import rows
    from dsworkbook.grading.workspace import format_table

    found = rows(_root(), theme=args.theme)
    if args.format == "json":
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return 0
    print(format_table(found, ("id", "theme", "status", "title", "module", "exercises"), width=60))
    counts = {s: sum(r["status"] == s for r in found) for s in ("complete", "partial", "planned")}
    print(f"{len(found)} concepts: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return 0


# --------------------------------------------------------------------------- start, check, progress

def _run_start(args: argparse.Namespace) -> int:
    from dsworkbook.grading.workspace import start

    start(_root(), _workspace(args))
    return 0


def _configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("theme", nargs="?", metavar="THEME",
                        help="grade only this theme's notebooks (T01 or 01); default: all")
    _add_workspace(parser)
    parser.add_argument("--flaky", metavar="ID", help="instead of grading: run exercise ID's graded experiment "
                        "over many seeds against your answer - the pass rate and the shortest failing seed, shrunk")
    parser.add_argument("--seeds", metavar="N", type=int, default=500, help="with --flaky: seeds 0..N-1 (default 500)")
    parser.add_argument("--processes", metavar="P", type=int, default=1,
                        help="with --flaky: run the seeds in P processes (default 1)")


def _run_flaky(args: argparse.Namespace) -> int:
    from dsworkbook.grading import core
    from dsworkbook.grading.flaky import experiment_of, flaky, workspace_answer

    if args.theme:
        raise ConfigError("--flaky takes one exercise id, not a theme: dsworkbook check --flaky 06-request-vote")
    experiment_of(args.flaky)  # an unknown id, or one without an experiment, fails here saying which ids have one
    answer = workspace_answer(_workspace(args), args.flaky)

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 20) == 0:
            print(f"\r{done}/{total} seeds", end="\n" if done == total else "", file=sys.stderr, flush=True)

    try:
        report = flaky(args.flaky, answer, seeds=args.seeds, processes=args.processes, show=False, progress=progress)
    except core.GradingError as exc:
        print(exc)
        return 1
    print(report.describe())
    if report.seed is not None:
        print(f'in the notebook, the same shrunk run: report = dw.grading.flaky("{report.exercise}", '
              f'{report.answer_name}, seeds=[{report.seed}]), then {report.replay_call()}')
    return 0 if not report.failures else 1


def _run_check(args: argparse.Namespace) -> int:
    from dsworkbook.grading.workspace import check

    if args.flaky:
        return _run_flaky(args)
    card = check(_root(), _workspace(args), args.theme)
    return 0 if all(row["status"] in ("pass", "skipped") for row in card) else 1


def _run_progress(args: argparse.Namespace) -> int:
    from dsworkbook.grading.workspace import progress

    progress(_workspace(args))
    return 0


# --------------------------------------------------------------------------- build-exercises

def _configure_build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 listing the exercise notebooks that are out of date")
    parser.add_argument("names", nargs="*", metavar="NN",
                        help="build only these solutions notebooks (their number, e.g. 02, or file name)")


def _run_build(args: argparse.Namespace) -> int:
    from dsworkbook.grading.build import build_exercises, exercise_text, stale_exercises

    root = _root()
    if args.names and not args.check:
        for name in args.names:
            pattern = name if name.endswith(".ipynb") else f"{name}*.ipynb"
            matches = sorted((root / "solutions").glob(pattern))
            if len(matches) != 1:
                raise ConfigError(f"{name!r} names {len(matches)} solutions notebooks; give its number (e.g. 02) "
                                  "or its file name")
            sol = matches[0]
            target = root / "exercises" / sol.name
            text = exercise_text(sol, f"solutions/{sol.name}")
            changed = not target.exists() or target.read_text(encoding="utf-8") != text
            if changed:
                target.write_text(text, encoding="utf-8", newline="\n")
            print(f"{'updated' if changed else 'unchanged'}: exercises/{sol.name}")
        return 0
    stale = stale_exercises(root)
    if args.check:
        for entry in stale:
            print(f"stale: {entry}")
        print("exercises/ is up to date" if not stale else
              f"{len(stale)} exercise notebook(s) out of date: run `make exercises`")
        return 1 if stale else 0
    paths = build_exercises(root)
    for entry in stale:
        print(f"updated: {entry}")
    print(f"{len(paths)} exercise notebook(s) in {root / 'exercises'}; {len(stale)} changed")
    return 0


# --------------------------------------------------------------------------- the table of commands

COMMANDS: dict[str, Command] = {
    "list": Command("the concept map, with what is done for each concept", _configure_list, _run_list),
    "start": Command("copy the exercises into your workspace (never overwrites your answers)",
                     _add_workspace, _run_start),
    "check": Command("grade your workspace notebooks and print a score card", _configure_check, _run_check),
    "progress": Command("sum the saved results per theme", _add_workspace, _run_progress),
    "build-exercises": Command("generate exercises/ from solutions/", _configure_build, _run_build),
}


#: Modules that bring commands of their own; each defines ``COMMANDS: dict[str, Command]``.
COMMAND_MODULES = ("dsworkbook.checkers.commands", "dsworkbook.campaigns", "dsworkbook.jepsen",
                   "dsworkbook.interview.commands")


def all_commands() -> dict[str, Command]:
    """The built-in commands plus those of :data:`COMMAND_MODULES` that are installed."""
    import importlib
    import importlib.util

    commands = dict(COMMANDS)
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name.rpartition(".")[0]) is None or importlib.util.find_spec(name) is None:
            continue  # that theme is not built yet
        for cmd, command in importlib.import_module(name).COMMANDS.items():
            if cmd in commands:
                raise ConfigError(f"command {cmd!r} is defined twice (in {name} and before it)")
            commands[cmd] = command
    return commands


def build_parser() -> argparse.ArgumentParser:
    from dsworkbook import __version__

    parser = argparse.ArgumentParser(
        prog="dsworkbook", description="Distributed systems you can run, break and fix.",
        epilog="Set DSWORKBOOK_ROOT to use a repository other than the one this package was installed from.")
    parser.add_argument("--version", action="version", version=f"dsworkbook {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, command in all_commands().items():
        child = sub.add_parser(name, help=command.help, description=command.help)
        command.configure(child)
        child.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dsworkbook`` command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"dsworkbook: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
