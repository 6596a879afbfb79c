"""What the T04 graders share: run learner code inside simulated nodes, read pairs, compare numbers."""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import fail, in_simulation
from dsworkbook.grading.core import need_callable as need_callable  # re-exported for this theme's graders

T = TypeVar("T")


def guarded(run: Callable[[], T], *, case: str, input: Any) -> T:
    """Run an experiment that calls learner code inside nodes; its crash becomes a clear grading error.

    A stub (NotImplementedError, also raised inside a node) stays NotImplementedError, which
    ``check`` reports as "not attempted yet".
    """
    try:
        with in_simulation(case=case, input=input):
            return run()
    except ConfigError as exc:
        fail(case=case, input=input, expected="a result of the documented form", got=f"ConfigError: {exc}",
             hint="check what your function returns")
    raise AssertionError("unreachable")  # pragma: no cover




def close(a: Any, b: float, tol: float = 1e-6) -> bool:
    return (isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a)
            and abs(a - b) <= tol * max(1.0, abs(b)))


def pair(value: Any, what: str, case: str, input: Any) -> tuple[float, float]:
    """``value`` as a pair of numbers, or a clear wrong answer."""
    if (not isinstance(value, (tuple, list)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        fail(case=case, input=input, expected=f"a pair of numbers {what}", got=value,
             hint=f"return a tuple {what}")
    return float(value[0]), float(value[1])
