"""Interview results in the workspace: one JSON line per answer, summed per theme for ``progress``.

Theory of operation
-------------------
``dsworkbook interview`` appends one :class:`Result` per answered question to
``workspace/.interview.jsonl`` (:data:`INTERVIEW_FILE`), a file of its own beside the exercise
results of ``workspace/.progress.json``: appending never rewrites an earlier session, and a line
cut short by an interrupted write is skipped when read back.

A result's ``score`` is the fraction of its points the learner hit: for a choice question the two
parts (the letters, the reason), for an open question the rubric's key points, each marked by the
learner after seeing the reference answer.

:func:`theme_scores` sums the results per theme; only the **latest** answer to each question
counts, so a theme's score says what the learner knows now, not the average of their first
tries. :func:`progress_lines` sets those scores beside the exercise results of the same theme,
weakest theme first: a theme's weakness is the mean of the fractions it has (the interview score
and the share of exercises passed), ties broken by theme id.

This module reads and writes files only where it is told to (a workspace folder), keeps no clock
and draws nothing at random; a session number is the count of sessions already saved plus one.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from dsworkbook.errors import ConfigError

__all__ = ["INTERVIEW_FILE", "Result", "ThemeScore", "theme_id", "append_results", "load_results",
           "next_session", "theme_scores", "progress_lines"]

#: The file, in the workspace, that interview results are appended to.
INTERVIEW_FILE = ".interview.jsonl"


def theme_id(theme: str) -> str:
    """``"T03"`` for ``T03``, ``t3``, ``03`` or ``3``; a clear error for anything else."""
    m = re.fullmatch(r"[Tt]?(\d{1,2})", str(theme).strip())
    if m is None or not 1 <= int(m[1]) <= 99:
        raise ConfigError(f"theme {theme!r} is not a theme number; write it as T03 (or 03)")
    return f"T{int(m[1]):02d}"


@dataclass(frozen=True)
class Result:
    """One answered question of one interview session."""

    session: int          # 1 for the first session saved in this workspace, then 2, ...
    seed: int             # the seed the session's questions were drawn with
    question: str         # the question id, e.g. "T02-r-plus-w"
    theme: str
    kind: str             # "choice" or "open"
    hit: int              # points hit: parts right (choice) or rubric points marked hit (open)
    points: int           # points there were: 2 for a choice question, the rubric's length for an open one
    seconds: float        # from the question shown to the answer given
    answer: str           # what the learner typed: "ac / b" for a choice question, the text of an open one

    def __post_init__(self) -> None:
        if self.points < 1 or not 0 <= self.hit <= self.points:
            raise ConfigError(f"result for {self.question!r}: {self.hit} of {self.points} points is not a score; "
                              "hit is between 0 and points, and points is at least 1")
        if self.seconds < 0:
            raise ConfigError(f"result for {self.question!r}: an answer cannot take {self.seconds} s")

    @property
    def score(self) -> float:
        """The fraction of the points hit, 0.0 to 1.0."""
        return self.hit / self.points


def _path(workspace: Path) -> Path:
    workspace = Path(workspace)
    if not workspace.is_dir():
        raise ConfigError(f"no workspace at {workspace}; run `dsworkbook start` first")
    return workspace / INTERVIEW_FILE


def append_results(workspace: Path, results: Iterable[Result]) -> Path:
    """Append ``results`` to the workspace's interview file (created on first use); return its path."""
    path = _path(workspace)
    lines = [json.dumps(asdict(r), sort_keys=True, ensure_ascii=False) + "\n" for r in results]
    with open(path, "a", encoding="utf-8") as f:
        f.writelines(lines)
    return path


def load_results(workspace: Path) -> list[Result]:
    """Every result saved in the workspace, in the order they were appended ([] when none).

    A line that is not a complete result (a write cut short) is skipped: the others still count.
    """
    path = _path(workspace)
    found: list[Result] = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        try:
            found.append(Result(**json.loads(line)))
        except (json.JSONDecodeError, TypeError, ConfigError):
            continue
    return found


def next_session(results: Sequence[Result]) -> int:
    """The number of the next session: one more than the highest saved (1 in a fresh workspace)."""
    return max((r.session for r in results), default=0) + 1


@dataclass(frozen=True)
class ThemeScore:
    """A theme's interview results: the latest answer to each question it has."""

    theme: str
    questions: int      # distinct questions answered
    score: float        # mean score of the latest answer to each

    def __str__(self) -> str:
        return f"{self.score:.2f} over {self.questions} question{'s' if self.questions != 1 else ''}"


def theme_scores(results: Iterable[Result]) -> dict[str, ThemeScore]:
    """Per theme, the mean score of the latest answer to each question, sorted by theme id."""
    latest: dict[str, Result] = {}
    for r in results:                      # in file order, so a later answer replaces an earlier one
        latest[r.question] = r
    groups: dict[str, list[float]] = {}
    for r in latest.values():
        groups.setdefault(r.theme, []).append(r.score)
    return {t: ThemeScore(t, len(s), sum(s) / len(s)) for t, s in sorted(groups.items())}


def progress_lines(exercises: Mapping[str, tuple[int, int]], results: Sequence[Result]) -> list[str]:
    """Lines that set each theme's interview score beside its exercises, weakest theme first.

    ``exercises`` maps a theme to ``(passed, total)`` exercise checks. Nothing is returned when no
    interview result is saved (``progress`` then prints exactly what it printed before).
    """
    if not results:
        return []
    scores = theme_scores(results)
    rows = []
    for theme in sorted(set(scores) | set(exercises)):
        fractions = []
        if theme in scores:
            fractions.append(scores[theme].score)
        passed, total = exercises.get(theme, (0, 0))
        if total:
            fractions.append(passed / total)
        rows.append((sum(fractions) / len(fractions), theme,
                     str(scores[theme]) if theme in scores else "-",
                     f"{passed}/{total} passed" if total else "-"))
    rows.sort()
    table = [("THEME", "INTERVIEW", "EXERCISES")] + [(t, i, e) for _, t, i, e in rows]
    widths = [max(len(r[k]) for r in table) for k in range(3)]
    sessions = len({r.session for r in results})
    mean = sum(s.score * s.questions for s in scores.values()) / sum(s.questions for s in scores.values())
    return ([f"Interview: {sessions} session{'s' if sessions != 1 else ''}, {len(results)} "
             f"answer{'s' if len(results) != 1 else ''}, "
             f"mean score {mean:.2f} (the latest answer to each question counts); weakest theme first:"]
            + ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in table])
