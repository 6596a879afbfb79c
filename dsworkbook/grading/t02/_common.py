"""What the T02 graders share: running learner code in the simulator, and checking an answer's form."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from dsworkbook.errors import NodeError
from dsworkbook.grading.core import fail
from dsworkbook.sim import Simulation


def run_learner(make: Callable[[], Simulation], *, case: str) -> Simulation:
    """Build and run a simulation that holds learner code; a stub or a crash becomes a clear grading error."""
    try:
        return make()
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotImplementedError from None  # a stub: check() reports "not attempted yet"
        fail(case=case, input=f"a simulation (seed={exc.seed})", expected="a run without errors",
             got=str(exc), hint="your code raised inside a node; the message names the handler and the time")
    raise AssertionError("unreachable")  # pragma: no cover


def need_callable(answer: Any, what: str) -> None:
    if not callable(answer) or inspect.isclass(answer):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


def need_subclass(answer: Any, base: type, how: str) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, base)):
        fail(case="the answer itself", input=repr(answer), expected=f"a subclass of {base.__name__}",
             got=type(answer).__name__, hint=how)


def linearizable(sim: Simulation) -> Any:
    """The checker's verdict on a run's history (kv model)."""
    from dsworkbook.checkers import check_linearizable, from_sim_history

    return check_linearizable(from_sim_history(sim.history), model="kv")
