"""Fuzzing: run a system on many seeds under random fault schedules and check an invariant.

Theory of operation
-------------------
A fuzz campaign needs three functions from the caller:

* ``run(seed, schedule) -> Simulation`` builds the system, applies the schedule and runs it.
  It must be deterministic: the same seed and schedule give the same run.
* ``invariant(sim) -> str | None``: the *always* half of a safety property - ``None`` when the
  run is fine, otherwise one line saying what broke (which nodes, which values).
* ``progress(sim) -> bool`` (optional): the *sometimes* half - did something good happen?
  A run that does nothing cannot violate safety, so a campaign reports how many runs made
  progress, and a suite asserts that most did (stateright's always/sometimes pairs).

For each seed, :func:`fuzz` draws a schedule (by default ``FaultSchedule.random(seed, ...)``),
runs, and checks. The first violation is **shrunk** (:func:`~dsworkbook.sim.faults.shrink`):
the report gives its seed, the full schedule and the smallest schedule that still breaks the
invariant, which is what a reader replays to understand the bug.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from dsworkbook.errors import ConfigError
from dsworkbook.sim.faults import FaultSchedule, ShrinkResult, shrink
from dsworkbook.sim.kernel import Simulation

__all__ = ["Violation", "FuzzReport", "fuzz"]

RunFn = Callable[[int, FaultSchedule], Simulation]
InvariantFn = Callable[[Simulation], "str | None"]


@dataclass(frozen=True)
class Violation:
    """A seed on which the invariant broke, with the schedule and (for the first) its shrunk form."""

    seed: int
    message: str
    schedule: FaultSchedule
    shrunk: ShrinkResult | None = None

    def describe(self) -> str:
        text = f"seed {self.seed}: {self.message}\nschedule ({len(self.schedule)} faults):\n{self.schedule.describe()}"
        if self.shrunk is not None:
            text += "\nsmallest failing schedule: " + self.shrunk.describe()
        return text


@dataclass
class FuzzReport:
    """What a campaign found: counts, the violations, and the time it took."""

    seeds: int = 0
    progress: int = 0
    violations: list[Violation] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return f"seeds: {self.seeds}, violations: {len(self.violations)}, progress: {self.progress}"

    @property
    def first(self) -> Violation | None:
        return self.violations[0] if self.violations else None


def fuzz(run: RunFn, invariant: InvariantFn, *, seeds: Iterable[int],
         schedule: Callable[[int], FaultSchedule], progress: Callable[[Simulation], bool] | None = None,
         shrink_first: bool = True, stop_after: int | None = None, max_shrink_runs: int = 300,
         on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run ``run(seed, schedule(seed))`` for every seed and check ``invariant`` on each run.

    ``stop_after`` ends the campaign after that many violations; ``on_seed`` is called after
    each seed (a progress bar). The first violation is shrunk unless ``shrink_first`` is False.
    """
    if stop_after is not None and stop_after < 1:
        raise ConfigError(f"stop_after must be >= 1 (or None to run every seed), got {stop_after}")
    report = FuzzReport()
    started = time.perf_counter()
    for seed in seeds:
        sched = schedule(seed)
        sim = run(seed, sched)
        report.seeds += 1
        message = invariant(sim)
        if progress is not None and progress(sim):
            report.progress += 1
        if message is not None:
            shrunk = None
            if shrink_first and not report.violations:
                shrunk = shrink(sched, lambda s, seed=seed: invariant(run(seed, s)) is not None,
                                max_runs=max_shrink_runs)
            report.violations.append(Violation(seed, message, sched, shrunk))
        if on_seed is not None:
            on_seed(seed, report)
        if stop_after is not None and len(report.violations) >= stop_after:
            break
    report.seconds = time.perf_counter() - started
    return report
