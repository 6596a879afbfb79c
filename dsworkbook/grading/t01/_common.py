"""Helpers shared by the T01 graders."""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import NodeError
from dsworkbook.grading.core import fail
from dsworkbook.sim import Simulation


def _run(sim: Simulation, *, until: float, max_events: int = 500_000, case: str) -> None:
    """Run ``sim``; learner code that raises inside a node becomes a clear grading error."""
    try:
        sim.run(until=until, max_events=max_events)
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotImplementedError from None  # a stub: check() reports "not attempted yet"
        fail(case=case, input=f"a simulation with seed={sim.seed}", expected="a run without errors",
             got=str(exc), hint="your code raised inside a node; the message names the handler and the time")


def _need_callable(answer: Any, what: str) -> None:
    if not callable(answer):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")
