"""Grading: the checks that exercise notebooks call, and the tools around them.

``dw.grading.check("01-backoff", backoff_delay)`` grades one exercise (see core.py).
Importing this package registers every theme's exercises.
"""

from dsworkbook.grading.core import (UNANSWERED, Exercise, GradingError, NotAttempted, WrongAnswer, attempt,
                                     check, exercise, fail, get, in_simulation, registry)

__all__ = ["check", "registry", "get", "exercise", "attempt", "fail", "in_simulation", "Exercise", "GradingError",
           "WrongAnswer", "NotAttempted", "UNANSWERED"]


def _register_themes() -> None:
    """Import every theme's grader module (``t00``, ``t01``, ... ``t15``): importing registers its exercises."""
    import importlib
    import pkgutil
    import re

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if re.fullmatch(r"t\d\d", info.name):
            importlib.import_module(f"{__name__}.{info.name}")


_register_themes()
