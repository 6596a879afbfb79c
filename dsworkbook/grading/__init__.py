"""Grading: the checks that exercise notebooks call, and the tools around them.

``dw.grading.check("01-backoff", backoff_delay)`` grades one exercise (see core.py).
Importing this package registers every theme's exercises.
"""

from dsworkbook.grading.core import (UNANSWERED, Exercise, GradingError, NotAttempted, WrongAnswer, attempt,
                                     check, exercise, fail, get, registry)

__all__ = ["check", "registry", "get", "exercise", "attempt", "fail", "Exercise", "GradingError",
           "WrongAnswer", "NotAttempted", "UNANSWERED"]

from dsworkbook.grading import t00  # noqa: E402,F401  (registers the warm-up exercise)
from dsworkbook.grading import t01  # noqa: E402,F401  (registers the T01 exercises)
