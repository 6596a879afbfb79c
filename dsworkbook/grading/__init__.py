"""Grading: the checks that exercise notebooks call, and the tools around them.

``dw.grading.check("01-backoff", backoff_delay)`` grades one exercise (see core.py).
A theme's checks are imported when they are first needed: ``check("14-...")`` imports
``dsworkbook.grading.regions`` only (:data:`THEME_PACKAGES`), and :func:`registry` imports every
theme's. A check cell's kernel so loads one theme's libraries, not all of them.
"""

from dsworkbook.grading import core as _core
from dsworkbook.grading.core import (UNANSWERED, Exercise, GradingError, NotAttempted, WrongAnswer, attempt,
                                     check, exercise, fail, get, in_simulation, random_cases, registry,
                                     same_everywhere, seeded)

__all__ = ["check", "registry", "get", "exercise", "attempt", "fail", "in_simulation", "same_everywhere",
           "random_cases", "Exercise", "GradingError", "WrongAnswer", "NotAttempted", "UNANSWERED", "seeded", "flaky",
           "replay"]


def flaky(exercise_id: str, answer: object, seeds: object = 500, **options: object) -> object:
    """The flakiness meter (:func:`dsworkbook.grading.flaky.flaky`): an exercise's graded experiment on many seeds."""
    from dsworkbook.grading.flaky import flaky as meter

    return meter(exercise_id, answer, seeds, **options)


def replay(exercise_id: str, answer: object, seed: int, schedule: object = None, **options: object) -> object:
    """Run one seed of an exercise's graded experiment again (:func:`dsworkbook.grading.flaky.replay`)."""
    from dsworkbook.grading.flaky import replay as again

    return again(exercise_id, answer, seed, schedule, **options)


#: Modules of this package that are the grading machinery rather than a theme's checks.
MACHINERY = frozenset({"core", "build", "workspace", "flaky"})


#: An exercise id's first two digits (its theme's number) -> the grader package holding its check.
THEME_PACKAGES = {"00": "warmup", "01": "network", "02": "quorums", "03": "consistency", "04": "clocks",
                  "05": "crdt", "06": "raft", "07": "paxos", "08": "byzantine", "09": "locks",
                  "10": "coordination", "11": "partitioning", "12": "queues", "13": "transactions",
                  "14": "regions", "15": "interview"}
_ALL_LOADED = False


def _register_themes() -> None:
    """Import every theme's grader package (named after its topic: ``network``, ``quorums``, ...).

    Importing a grader module registers its exercises; every module of this package that is not
    part of :data:`MACHINERY` (and not private) holds a theme's checks.
    """
    import importlib
    import pkgutil

    global _ALL_LOADED
    if _ALL_LOADED:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name not in MACHINERY and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    _ALL_LOADED = True


def _load(exercise_id: str | None) -> None:
    """Import the checks ``exercise_id`` needs (its theme's package), or every theme's for None."""
    import importlib

    package = THEME_PACKAGES.get(exercise_id[:2]) if exercise_id is not None else None
    if package is None:
        _register_themes()
    else:
        importlib.import_module(f"{__name__}.{package}")


_core._LOADER = _load
