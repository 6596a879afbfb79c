"""Right and plausible wrong answers to every exercise, one module per theme (named as its grader package).

Each module holds ``RIGHT[exercise_id]`` (a correct answer), ``WRONG[exercise_id]`` (plausible wrong
answers, each with a comment naming its mistake) and ``ALSO_RIGHT[exercise_id]`` (other correct
answers). An answer is what a check cell passes: a function, a class or a prediction. An answer
with parts - a prediction and its reason - is an :class:`Answer`: ``Answer({"a": True}, why="b")``.
:func:`submit` checks either kind.
"""

from __future__ import annotations

from typing import Any

from dsworkbook import grading


class Answer:
    """An answer with parts: ``Answer(value, why="b")`` is checked as ``check(id, value, why="b")``."""

    def __init__(self, value: Any, **parts: Any) -> None:
        self.value = value
        self.parts = parts

    def __repr__(self) -> str:
        parts = "".join(f", {k}={v!r}" for k, v in self.parts.items())
        return f"Answer({self.value!r}{parts})"


def submit(exercise_id: str, answer: Any) -> str:
    """Check ``answer`` (an :class:`Answer` or a bare one) for ``exercise_id``."""
    if isinstance(answer, Answer):
        return grading.check(exercise_id, answer.value, **answer.parts)
    return grading.check(exercise_id, answer)
