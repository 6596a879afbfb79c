"""Exercise checks: run the learner's code on many seeded cases and say exactly what went wrong.

Theory of operation
-------------------
Every exercise has a stable id (``"01-backoff"``: theme number, then a name), a title, the
concept ids of CONCEPTS it trains, and a *grader*: a function that takes the learner's answer
(a function, a class, or a prediction), runs it on seeded cases - often inside the simulator
under a fault schedule - compares with the reference, and returns a one-line summary.

A notebook's check cell is one call::

    dw.grading.check("01-backoff", backoff_delay)

and it ends one of three ways:

* the answer is right: one line is printed, ``✔ 01-backoff: ...``;
* the answer is wrong: :class:`WrongAnswer` (an ``AssertionError``) says which case, the input,
  what was expected, what came back, and a hint;
* the exercise is untouched (its stub raises ``NotImplementedError``, or a prediction is still
  ``...``): :class:`NotAttempted` says "not attempted yet".

Graders use :func:`attempt` to call learner code (so a crash in it becomes a clear
:class:`WrongAnswer` naming the input) and :func:`fail` to report a wrong case.

When the environment variable ``DSWORKBOOK_RESULTS`` names a file, each check appends one JSON
line ``{"exercise", "status", "message"}`` to it; ``dsworkbook check`` builds its score card
from these.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from dsworkbook.errors import ConfigError, NodeError

__all__ = [
    "GradingError",
    "WrongAnswer",
    "NotAttempted",
    "Exercise",
    "exercise",
    "registry",
    "get",
    "check",
    "attempt",
    "fail",
    "in_simulation",
    "need_callable",
    "UNANSWERED",
]

#: What an unanswered prediction holds in a generated exercise notebook (``answer = ...``).
UNANSWERED = Ellipsis

KINDS = ("implement", "predict", "drill")


class GradingError(AssertionError):
    """Base of the two ways a check fails. An AssertionError, so nbval reports the cell as failed."""

    exercise: str = ""


class NotAttempted(GradingError):
    """The exercise still holds its stub."""

    def __init__(self, exercise: str, where: str = "") -> None:
        self.exercise = exercise
        how = where or "replace the `raise NotImplementedError` (or the `...`) with your answer"
        super().__init__(f"{exercise}: not attempted yet - {how}, then run this cell again.")


class WrongAnswer(GradingError):
    """A case on which the learner's answer differs from the reference."""

    def __init__(self, exercise: str, *, case: str, input: Any, expected: Any, got: Any, hint: str = "") -> None:
        self.exercise, self.case, self.input, self.expected, self.got, self.hint = (
            exercise, case, input, expected, got, hint)
        lines = [f"{exercise}: wrong answer on {case}",
                 f"  input:    {_show(input)}",
                 f"  expected: {_show(expected)}",
                 f"  got:      {_show(got)}"]
        if hint:
            lines.append(f"  hint:     {hint}")
        super().__init__("\n".join(lines))


def _show(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Exercise:
    """One graded exercise."""

    id: str
    title: str
    theme: str
    concepts: tuple[str, ...]
    kind: str
    grader: Callable[[Any], str]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"exercise kind must be one of {KINDS}, got {self.kind!r}")


_REGISTRY: dict[str, Exercise] = {}


def exercise(id: str, *, title: str, theme: str, concepts: tuple[str, ...] | list[str],
             kind: str = "implement") -> Callable[[Callable[[Any], str]], Callable[[Any], str]]:
    """Register the decorated function as the grader of exercise ``id``."""

    def register(grader: Callable[[Any], str]) -> Callable[[Any], str]:
        if id in _REGISTRY:
            raise ConfigError(f"exercise id {id!r} is registered twice")
        _REGISTRY[id] = Exercise(id, title, theme, tuple(concepts), kind, grader)
        return grader

    return register


def registry() -> dict[str, Exercise]:
    """Every registered exercise, by id (importing dsworkbook.grading registers them all)."""
    return dict(_REGISTRY)


def get(exercise_id: str) -> Exercise:
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise ConfigError(f"no exercise {exercise_id!r}; known exercises: {known}") from None


class _Current:
    exercise = ""


def attempt(fn: Callable[..., Any], *args: Any, input: Any = None, case: str = "a case", **kwargs: Any) -> Any:
    """Call the learner's ``fn``; a stub or a crash becomes a clear grading error."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted(_Current.exercise) from None
    except GradingError:
        raise
    except Exception as exc:  # the learner's code crashed: say where, on what input
        raise WrongAnswer(_Current.exercise, case=case,
                          input=input if input is not None else (args, kwargs),
                          expected="a result", got=f"{type(exc).__name__}: {exc}",
                          hint="your code raised an exception on this input") from None


def need_callable(answer: Any, what: str, *, allow_class: bool = True) -> None:
    """Fail early, and clearly, when the answer is not something that can be called."""
    import inspect

    if not callable(answer) or (not allow_class and inspect.isclass(answer)):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


@contextmanager
def in_simulation(*, case: str, input: Any,
                  hint: str = "your code raised inside a node; the message names the node, the handler and the time"
                  ) -> Iterator[None]:
    """Around a run whose nodes call learner code: the simulator's NodeError becomes a verdict.

    A stub raising NotImplementedError inside a node is "not attempted"; a grading error raised
    inside a node (a check the node itself made) passes through; any other crash is a
    :class:`WrongAnswer` on ``case`` naming the node, the handler and the seed.
    """
    try:
        yield
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotAttempted(_Current.exercise) from None
        if isinstance(exc.cause, GradingError):
            raise exc.cause from None
        fail(case=case, input=input, expected="a run without errors", got=str(exc), hint=hint)


def fail(*, case: str, input: Any, expected: Any, got: Any, hint: str = "") -> None:
    """Report a wrong case of the exercise being checked (raises :class:`WrongAnswer`)."""
    raise WrongAnswer(_Current.exercise, case=case, input=input, expected=expected, got=got, hint=hint)


def _record(exercise_id: str, status: str, message: str) -> None:
    path = os.environ.get("DSWORKBOOK_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"exercise": exercise_id, "status": status, "message": message}) + "\n")


def check(exercise_id: str, answer: Any) -> str:
    """Grade ``answer`` for exercise ``exercise_id``; print one line on success, raise otherwise."""
    ex = get(exercise_id)
    _Current.exercise = ex.id
    try:
        if answer is UNANSWERED:
            raise NotAttempted(ex.id, "replace the `...` with your answer")
        summary = ex.grader(answer)
    except NotAttempted as exc:
        _record(ex.id, "not attempted", str(exc))
        raise
    except WrongAnswer as exc:
        _record(ex.id, "fail", str(exc))
        raise
    except NotImplementedError:
        exc2 = NotAttempted(ex.id)
        _record(ex.id, "not attempted", str(exc2))
        raise exc2 from None
    finally:
        _Current.exercise = ""
    line = f"✔ {ex.id}: {summary}"
    _record(ex.id, "pass", line)
    print(line)
    return line
