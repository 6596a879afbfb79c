"""Grading: the checks that exercise notebooks call, and the tools around them.

``dw.grading.check("01-backoff", backoff_delay)`` grades one exercise (see core.py).
Importing this package registers every theme's exercises.
"""

from dsworkbook.grading.core import (UNANSWERED, Exercise, GradingError, NotAttempted, WrongAnswer, attempt,
                                     check, exercise, fail, get, in_simulation, random_cases, registry,
                                     same_everywhere)

__all__ = ["check", "registry", "get", "exercise", "attempt", "fail", "in_simulation", "same_everywhere",
           "random_cases", "Exercise", "GradingError", "WrongAnswer", "NotAttempted", "UNANSWERED"]


#: Modules of this package that are the grading machinery rather than a theme's checks.
MACHINERY = frozenset({"core", "build", "workspace"})


def _register_themes() -> None:
    """Import every theme's grader package (named after its topic: ``network``, ``quorums``, ...).

    Importing a grader module registers its exercises; every module of this package that is not
    part of :data:`MACHINERY` (and not private) holds a theme's checks.
    """
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name not in MACHINERY and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_register_themes()
