"""Grading: the checks that exercise notebooks call, and the tools around them.

``dw.grading.check("01-backoff", backoff_delay)`` grades one exercise (see core.py).
Importing this package registers every theme's exercises.
"""

from dsworkbook.grading.core import (UNANSWERED, Exercise, GradingError, NotAttempted, WrongAnswer, attempt,
                                     check, exercise, fail, get, registry)

__all__ = ["check", "registry", "get", "exercise", "attempt", "fail", "Exercise", "GradingError",
           "WrongAnswer", "NotAttempted", "UNANSWERED"]
