"""Interview mode: draw trade-off questions, time the answers, grade them, keep the results.

Theory of operation
-------------------
A session is a seeded draw of questions from the bank (:mod:`dsworkbook.interview.questions`),
asked one at a time under a time budget, like the questions of a design interview:

* **Draw** (:func:`draw`). ``random.Random(seed)`` shuffles the themes and each theme's
  questions, then deals one question per theme in turn, so a session of ``n`` questions covers
  ``min(n, themes)`` themes; with ``theme`` it draws from that theme only. Same bank and seed,
  same questions in the same order; the seed is printed so a session can be drawn again.
* **Choice questions** are graded at once, both parts, as the workbook's predictions are: the
  letters (every right choice and no other; in any order, upper or lower case), then - shown
  only after the letters are given - the one reason that explains it (:func:`grade_choice`).
  Each part is one point.
* **Open questions**: the learner writes an answer first, and it must not be empty; only then is
  the reference answer shown, and the learner marks each key point of the rubric as hit or
  missed (:func:`rubric_result`). Each rubric point is one point.
* **Time.** ``minutes`` is the budget of the whole session; the pace is the budget over the
  number of questions. Each answer's time (question shown to answer given; the self-assessment
  is not counted) is recorded, and no new question is asked once the budget is spent. The
  clock is injected (``clock``), so tests run on a fake one.
* **Results** (:mod:`dsworkbook.interview.results`) are appended to the workspace when the
  session ends, also when the learner stops it early (end of input or Ctrl-C): what was answered
  is kept, the question being answered is not.

The pure functions (draw, parse, grade, score) do no I/O; :func:`ask` is the interactive loop and
talks only through the ``input`` and ``print`` callables it is given.
"""

from __future__ import annotations

import random
import re
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.interview.questions import Question, bank
from dsworkbook.interview.results import Result, append_results, load_results, next_session, theme_id

__all__ = ["PACE_MINUTES", "ChoiceGrade", "draw", "default_count", "parse_letters", "grade_choice",
           "choice_result", "rubric_result", "ask", "interview"]

#: Minutes per question when the session's size is not given (45 minutes: 9 questions).
PACE_MINUTES = 5.0


def _group(questions: Sequence[Question], theme: str | None) -> dict[str, list[Question]]:
    groups: dict[str, list[Question]] = {}
    for q in sorted(questions, key=lambda q: q.id):
        groups.setdefault(q.theme, []).append(q)
    if theme is None:
        if not groups:
            raise ConfigError("the question bank is empty; there is nothing to ask")
        return groups
    wanted = theme_id(theme)
    if wanted not in groups:
        raise ConfigError(f"no question of theme {wanted}; themes with questions: {', '.join(groups) or '(none)'}")
    return {wanted: groups[wanted]}


def draw(questions: Sequence[Question], *, count: int, seed: int, theme: str | None = None) -> list[Question]:
    """``count`` questions drawn with ``seed``: one theme after another, in a seeded order.

    Raises ConfigError for a count below 1 or above the questions there are.
    """
    groups = _group(questions, theme)
    available = sum(len(g) for g in groups.values())
    if not 1 <= count <= available:
        where = f"theme {theme_id(theme)}" if theme is not None else "the bank"
        raise ConfigError(f"cannot draw {count} questions: {where} has {available}; ask for 1 to {available}")
    rng = random.Random(seed)
    order = sorted(groups)
    rng.shuffle(order)
    decks = []
    for t in order:
        deck = list(groups[t])
        rng.shuffle(deck)
        decks.append(deck)
    drawn: list[Question] = []
    while len(drawn) < count:
        for deck in decks:
            if deck and len(drawn) < count:
                drawn.append(deck.pop(0))
    return drawn


def default_count(minutes: float, available: int) -> int:
    """How many questions fit ``minutes`` at :data:`PACE_MINUTES` each (at least 1, at most ``available``)."""
    if minutes <= 0:
        raise ConfigError(f"a session needs a time budget above 0 minutes, got {minutes}; e.g. --minutes 45")
    return max(1, min(available, int(minutes // PACE_MINUTES)))


def parse_letters(text: str, options: Mapping[str, str], *, one: bool = False) -> tuple[str, ...]:
    """The option letters ``text`` names: ``"a, c"``, ``"AC"`` and ``"(a) (c)"`` all name a and c.

    Letters match the options' own letters, ignoring case unless the options differ only by case;
    repeats count once; the result is sorted. An empty text, an unknown letter, or (with ``one``)
    more than one letter raises ConfigError naming the letters to choose from.
    """
    letters = sorted(options)
    fold = len({k.lower() for k in letters}) == len(letters)
    index = {(k.lower() if fold else k): k for k in letters}
    single = all(len(k) == 1 for k in letters)
    named, unknown = set(), []
    for tok in re.findall(r"[A-Za-z0-9]+", text or ""):
        keys = [index.get(part.lower() if fold else part) for part in (tok if single else [tok])]
        if None in keys:
            unknown.append(tok)            # the whole word, not each of its characters
        else:
            named.update(k for k in keys if k is not None)
    choose = ", ".join(letters)
    if unknown:
        raise ConfigError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among the letters {choose}")
    if not named:
        raise ConfigError(f"give {'a letter' if one else 'one or more letters'} among {choose}")
    if one and len(named) > 1:
        raise ConfigError(f"give one letter among {choose}, not {len(named)}")
    return tuple(sorted(named))


@dataclass(frozen=True)
class ChoiceGrade:
    """The two graded parts of a choice answer."""

    letters: tuple[str, ...]
    reason: str
    letters_right: bool
    reason_right: bool

    @property
    def hit(self) -> int:
        return int(self.letters_right) + int(self.reason_right)


def grade_choice(q: Question, letters: str, reason: str) -> ChoiceGrade:
    """Grade the letters (exactly the right set) and the reason (the one right letter) of ``q``."""
    if q.kind != "choice":
        raise ConfigError(f"question {q.id!r} is an open question; it is scored against its rubric")
    given = parse_letters(letters, q.choices)
    why = parse_letters(reason, q.reasons, one=True)[0]
    return ChoiceGrade(given, why, set(given) == set(q.answer), why == q.reason)


def choice_result(q: Question, grade: ChoiceGrade, *, session: int, seed: int, seconds: float) -> Result:
    """The stored result of a graded choice answer (two points: letters and reason)."""
    return Result(session, seed, q.id, q.theme, q.kind, grade.hit, 2, round(seconds, 1),
                  f"{''.join(grade.letters)} / {grade.reason}")


def rubric_result(q: Question, answer: str, marks: Sequence[bool], *, session: int, seed: int,
                  seconds: float) -> Result:
    """The stored result of an open answer and the learner's marks, one per rubric point."""
    if q.kind != "open":
        raise ConfigError(f"question {q.id!r} is a choice question; grade it with grade_choice")
    if not answer.strip():
        raise ConfigError(f"question {q.id!r}: write an answer before seeing the reference; it cannot be empty")
    if len(marks) != len(q.rubric):
        raise ConfigError(f"question {q.id!r} has {len(q.rubric)} rubric points; got {len(marks)} marks")
    return Result(session, seed, q.id, q.theme, q.kind, sum(bool(m) for m in marks), len(q.rubric),
                  round(seconds, 1), answer.strip())


# --------------------------------------------------------------------------- the interactive loop

class _Stop(Exception):
    """The learner ended the session (end of input or Ctrl-C)."""


def _ask_until(input: Callable[[str], str], print: Callable[..., None], prompt: str,
               parse: Callable[[str], object]) -> tuple[str, object]:
    while True:
        try:
            text = input(prompt)
        except (EOFError, KeyboardInterrupt):
            raise _Stop() from None
        try:
            return text, parse(text)
        except ConfigError as exc:
            print(f"  {exc}")


_WIDTH = 100


def _wrap(text: str, indent: str = "") -> str:
    """``text`` wrapped to the terminal's usual width, paragraph by paragraph."""
    return "\n".join(textwrap.fill(p, _WIDTH, initial_indent=indent, subsequent_indent=indent + "    ")
                     for p in text.split("\n"))


def _lettered(options: Mapping[str, str]) -> list[str]:
    return [_wrap(f"({k}) {v}", "  ") for k, v in sorted(options.items())]


def _see(q: Question) -> str:
    return "See: " + "; ".join(link.replace("#", " § ", 1) for link in q.links)


def _ask_choice(q: Question, io: tuple[Callable[[str], str], Callable[..., None]], clock: Callable[[], float],
                shown: float) -> tuple[ChoiceGrade, float]:
    input, print = io
    for line in _lettered(q.choices):
        print(line)
    letters, _ = _ask_until(input, print, "Your answer (letters, e.g. a or a,c): ",
                            lambda t: parse_letters(t, q.choices))
    print("Why? Choose the reason:")
    for line in _lettered(q.reasons):
        print(line)
    reason, _ = _ask_until(input, print, "Reason (one letter): ", lambda t: parse_letters(t, q.reasons, one=True))
    seconds = clock() - shown
    grade = grade_choice(q, letters, reason)
    right = ", ".join(sorted(q.answer))
    print(f"  {'✔' if grade.letters_right else '✘'} answer {', '.join(grade.letters)}"
          + ("" if grade.letters_right else f" - the answer is {right}"))
    print(f"  {'✔' if grade.reason_right else '✘'} reason ({grade.reason})"
          + ("" if grade.reason_right else f" - it is ({q.reason}) {q.reasons[q.reason]}"))
    print(_wrap(f"Reference: {q.reference}"))
    return grade, seconds


def _ask_open(q: Question, io: tuple[Callable[[str], str], Callable[..., None]], clock: Callable[[], float],
              shown: float) -> tuple[str, list[bool], float]:
    input, print = io
    print("Write your answer; an empty line ends it.")
    lines: list[str] = []
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            raise _Stop() from None
        if line.strip():
            lines.append(line)
        elif lines:
            break
        else:
            print("  an answer cannot be empty: write what you would say, then see the reference")
    seconds = clock() - shown
    print(_wrap(f"Reference answer: {q.reference}"))
    print("Mark each key point your answer made (y = hit, n = missed):")
    marks = []
    for k, point in enumerate(q.rubric, 1):
        _, hit = _ask_until(input, print, f"  [{k}/{len(q.rubric)}] {point}  hit? [y/n] ", _yes_no)
        marks.append(bool(hit))
    return "\n".join(lines), marks, seconds


def _yes_no(text: str) -> bool:
    word = text.strip().lower()
    if word in ("y", "yes"):
        return True
    if word in ("n", "no"):
        return False
    raise ConfigError("answer y (the point is in your answer) or n (it is not)")


def ask(drawn: Sequence[Question], *, minutes: float, session: int, seed: int,
        input: Callable[[str], str], print: Callable[..., None],
        clock: Callable[[], float] = time.monotonic) -> list[Result]:
    """Ask the ``drawn`` questions in order under a budget of ``minutes``; return the results.

    Stops early, keeping what was answered, when the budget is spent or the input ends.
    """
    if minutes <= 0:
        raise ConfigError(f"a session needs a time budget above 0 minutes, got {minutes}; e.g. --minutes 45")
    budget, pace = minutes * 60, minutes * 60 / max(1, len(drawn))
    print(f"Session {session}, seed {seed} (draw it again with --seed {seed}): {len(drawn)} question(s) "
          f"in {minutes:g} min, about {pace / 60:.1f} min each. End of input (Ctrl-D) stops and saves.")
    results: list[Result] = []
    start = clock()
    io = (input, print)
    for n, q in enumerate(drawn, 1):
        if clock() - start >= budget:
            print(f"Time is up: {len(drawn) - n + 1} question(s) not reached.")
            break
        print(f"\nQuestion {n} of {len(drawn)} · {q.theme} · {q.kind} · {q.id}\n{_wrap(q.prompt)}")
        shown = clock()
        try:
            if q.kind == "choice":
                grade, seconds = _ask_choice(q, io, clock, shown)
                result = choice_result(q, grade, session=session, seed=seed, seconds=seconds)
            else:
                text, marks, seconds = _ask_open(q, io, clock, shown)
                result = rubric_result(q, text, marks, session=session, seed=seed, seconds=seconds)
        except _Stop:
            print("\nStopped.")
            break
        results.append(result)
        left = max(0.0, budget - (clock() - start))
        print(f"{_see(q)}\nScore {result.hit}/{result.points}. {seconds:.0f} s for this answer "
              f"(pace {pace:.0f} s){' - over the pace' if seconds > pace else ''}; {left / 60:.1f} min left.")
    return results


def _summary(results: Sequence[Result]) -> str:
    if not results:
        return "No answer to save."
    total = sum(r.score for r in results) / len(results)
    lines = [f"{r.question}: {r.hit}/{r.points} in {r.seconds:.0f} s" for r in results]
    return "\n".join(["", "Results:", *lines, f"mean score {total:.2f} over {len(results)} answer(s)"])


def interview(workspace: Path, *, theme: str | None = None, minutes: float = 45, seed: int | None = None,
              count: int | None = None, questions: Sequence[Question] | None = None,
              input: Callable[[str], str] = input, print: Callable[..., None] = print,
              clock: Callable[[], float] = time.monotonic) -> list[Result]:
    """Run one session (``dsworkbook interview``) and append its results to the workspace.

    ``seed`` defaults to the number of sessions already saved, so each new session is a new draw
    and every session can be drawn again; ``count`` defaults to the questions that fit ``minutes``
    at :data:`PACE_MINUTES` each. ``questions`` defaults to the whole bank.
    """
    pool = list(bank() if questions is None else questions)
    groups = _group(pool, theme)
    available = sum(len(g) for g in groups.values())
    if count is None:
        count = default_count(minutes, available)
    elif minutes <= 0:
        default_count(minutes, available)        # the same clear error
    workspace = Path(workspace)
    session = next_session(load_results(workspace) if workspace.is_dir() else [])
    seed = session - 1 if seed is None else seed
    drawn = draw(pool, count=count, seed=seed, theme=theme)
    results = ask(drawn, minutes=minutes, session=session, seed=seed, input=input, print=print, clock=clock)
    if results:
        workspace.mkdir(parents=True, exist_ok=True)      # a first session needs no `dsworkbook start`
        path = append_results(workspace, results)
        print(_summary(results) + f"\nSaved to {path}; `dsworkbook progress` shows them beside your exercises.")
    else:
        print(_summary(results))
    return results
