"""Helpers shared by the T01 graders."""

from __future__ import annotations

from dsworkbook.grading.core import in_simulation, need_callable
from dsworkbook.sim import Simulation


def _run(sim: Simulation, *, until: float, max_events: int = 500_000, case: str) -> None:
    """Run ``sim``; learner code that raises inside a node becomes a clear grading error."""
    with in_simulation(case=case, input=f"a simulation with seed={sim.seed}"):
        sim.run(until=until, max_events=max_events)


_need_callable = need_callable  # the shared check (grading.core)
