"""What the T02 graders share: running learner code in the simulator, and checking an answer's form."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from dsworkbook.grading.core import fail, in_simulation
from dsworkbook.grading.core import need_callable as _need_callable
from dsworkbook.sim import Simulation


def run_learner(make: Callable[[], Simulation], *, case: str) -> Simulation:
    """Build and run a simulation that holds learner code; a stub or a crash becomes a clear grading error."""
    with in_simulation(case=case, input="a simulation (its seed is in the message)"):
        return make()
    raise AssertionError("unreachable")  # pragma: no cover


def need_callable(answer: Any, what: str) -> None:
    """A function, not a class (the T02 answers are functions)."""
    _need_callable(answer, what, allow_class=False)


def need_subclass(answer: Any, base: type, how: str) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, base)):
        fail(case="the answer itself", input=repr(answer), expected=f"a subclass of {base.__name__}",
             got=type(answer).__name__, hint=how)


def linearizable(sim: Simulation) -> Any:
    """The checker's verdict on a run's history (kv model)."""
    from dsworkbook.checkers import check_linearizable, from_sim_history

    return check_linearizable(from_sim_history(sim.history), model="kv")
