"""What the T04 graders share: run learner code inside simulated nodes, read pairs, compare numbers."""

from __future__ import annotations

import math
from typing import Any, Callable, TypeVar

from dsworkbook.errors import ConfigError, NodeError
from dsworkbook.grading.core import GradingError, fail

T = TypeVar("T")


def guarded(run: Callable[[], T], *, case: str, input: Any) -> T:
    """Run an experiment that calls learner code inside nodes; its crash becomes a clear grading error.

    A stub (NotImplementedError, also raised inside a node) stays NotImplementedError, which
    ``check`` reports as "not attempted yet".
    """
    try:
        return run()
    except GradingError:
        raise
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotImplementedError from None
        fail(case=case, input=input, expected="a run without errors", got=str(exc),
             hint="your code raised inside a node; the message names the handler, the seed and the time")
    except NotImplementedError:
        raise
    except ConfigError as exc:
        fail(case=case, input=input, expected="a result of the documented form", got=f"ConfigError: {exc}",
             hint="check what your function returns")
    raise AssertionError("unreachable")  # pragma: no cover


def need_callable(answer: Any, what: str) -> None:
    if not callable(answer):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


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
