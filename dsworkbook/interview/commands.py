"""The interview layer's commands: ``dsworkbook interview``, ``flashcards`` and ``cheatsheet``.

Theory of operation
-------------------
Each command is an entry of :data:`COMMANDS` in the shape :mod:`dsworkbook.cli` expects (it lists
this module in ``COMMAND_MODULES``). The handlers only read their arguments and call the library:
:func:`dsworkbook.interview.session.interview` (the interactive session, on this terminal),
:func:`dsworkbook.interview.flashcards.export_deck` and
:func:`dsworkbook.interview.cheatsheet.export_cheatsheet`. The heavy imports (genanki,
nbconvert) happen inside the handlers, so ``dsworkbook --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dsworkbook.cli import Command, _add_workspace, _root, _workspace

__all__ = ["COMMANDS"]


def _configure_interview(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", metavar="T", help="ask only this theme's questions (T03 or 03); default: all themes")
    parser.add_argument("--minutes", type=float, default=45, metavar="M",
                        help="the time budget of the session (default 45); no question starts after it")
    parser.add_argument("--seed", type=int, metavar="S",
                        help="the seed of the draw (default: the number of sessions saved, so each is new)")
    parser.add_argument("--count", type=int, metavar="N",
                        help="how many questions (default: one per 5 minutes of the budget)")
    _add_workspace(parser)


def _run_interview(args: argparse.Namespace) -> int:
    from dsworkbook.interview.session import interview

    interview(_workspace(args), theme=args.theme, minutes=args.minutes, seed=args.seed, count=args.count)
    return 0


def _configure_flashcards(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.apkg", help="the Anki package to write")
    parser.add_argument("--theme", metavar="T", help="only this theme's deck (T03 or 03); default: every theme")


def _run_flashcards(args: argparse.Namespace) -> int:
    from dsworkbook.interview.flashcards import export_deck

    report = export_deck(Path(args.out), theme=args.theme)
    print(report)
    return 0


def _configure_cheatsheet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.html", help="the HTML page to write")


def _run_cheatsheet(args: argparse.Namespace) -> int:
    from dsworkbook.interview.cheatsheet import export_cheatsheet

    report = export_cheatsheet(Path(args.out), _root())
    print(report)
    return 0


COMMANDS: dict[str, Command] = {
    "interview": Command("a timed interview: trade-off questions drawn across themes, graded, saved",
                         _configure_interview, _run_interview),
    "flashcards": Command("export the trade-off questions as an Anki deck (one deck per theme)",
                          _configure_flashcards, _run_flashcards),
    "cheatsheet": Command("export every notebook's summary and interview questions as one printable page",
                          _configure_cheatsheet, _run_cheatsheet),
}
