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

Every campaign ends with one line in the same shape (:meth:`FuzzReport.line`)::

    raft: 200 seeds, 0 violations, 198/200 made progress, first failing seed -, shrunk to - faults

A theme makes a campaign runnable as ``dsworkbook fuzz NAME`` by registering a
:class:`Campaign` (:func:`register_campaign`): its name, what it checks, its broken variants
(each a classic bug the campaign is proven to catch) and a function that runs it on a list of
seeds. A campaign is a sweep: :func:`fuzz_in_processes` sends chunks of seeds through the
sweep engine (:mod:`dsworkbook.sweeps.engine`), on local processes or any executor (Dask).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim.faults import FaultSchedule, ShrinkResult, shrink
from dsworkbook.sim.kernel import Simulation
from dsworkbook.sweeps.engine import chunked, current_executor, default_processes, run_tasks, workers_of

__all__ = ["Violation", "FuzzReport", "fuzz", "fuzz_in_processes", "Campaign", "register_campaign", "campaigns", "default_processes"]

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

    def line(self, name: str) -> str:
        """The campaign's one-line verdict: ``NAME: N seeds, V violations, P/N made progress, first
        failing seed S, shrunk to K faults`` (``-`` where there is no failing seed or no shrinking)."""
        first = self.first
        seed = "-" if first is None else str(first.seed)
        shrunk = "-" if first is None or first.shrunk is None else str(len(first.shrunk.schedule))
        return (f"{name}: {self.seeds} seeds, {len(self.violations)} violations, {self.progress}/{self.seeds} "
                f"made progress, first failing seed {seed}, shrunk to {shrunk} faults")

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


def fuzz_in_processes(campaign: Callable[[list[int]], FuzzReport], seeds: Sequence[int], processes: int, *,
                      stop_after: int | None = None, on_seed: Callable[[int, FuzzReport], None] | None = None,
                      executor: Executor | None = None) -> FuzzReport:
    """Run ``campaign(chunk)`` on chunks of ``seeds`` and add up the reports: a campaign is a sweep.

    The chunks go through the sweep engine (:func:`~dsworkbook.sweeps.engine.run_tasks`), so any
    :class:`concurrent.futures.Executor` runs them: ``executor``; else the one a
    :func:`~dsworkbook.sweeps.engine.using` block set (``dsworkbook fuzz NAME --executor dask``);
    else a local pool of ``processes`` workers. ``campaign`` must be picklable (a module-level
    function, or a ``functools.partial`` of one) and must not shrink: the caller shrinks the
    first violation, which is the lowest seed's (violations are sorted by seed). Chunks are small
    (at most 25 seeds, about four per worker) so ``on_seed`` - called as each chunk finishes, in
    seed order, with the last seed done so far - moves steadily, and ``stop_after`` violations
    end the campaign early. The report is the same on any executor, seed by seed.
    """
    seeds = list(seeds)
    executor = executor if executor is not None else current_executor()
    chunks = chunked(seeds, workers_of(executor) if executor is not None else processes)
    total = FuzzReport()
    started = time.perf_counter()

    def add(_i: int, part: FuzzReport) -> bool:
        total.seeds += part.seeds
        total.progress += part.progress
        total.violations.extend(part.violations)
        if on_seed is not None:
            on_seed(seeds[total.seeds - 1], total)
        return stop_after is not None and len(total.violations) >= stop_after

    run_tasks(campaign, chunks, executor=executor, processes=processes, on_result=add)
    total.violations.sort(key=lambda v: v.seed)
    total.seconds = time.perf_counter() - started
    return total


#: ``run(seeds, variant=..., processes=..., shrink_first=..., max_shrink_runs=..., on_seed=..., options=...)``
CampaignFn = Callable[..., FuzzReport]


@dataclass(frozen=True)
class Campaign:
    """A named campaign that ``dsworkbook fuzz NAME`` runs.

    ``run(seeds, *, variant, processes, shrink_first, max_shrink_runs, on_seed, options)`` runs it
    on a list of seeds; ``variants`` name the system (``"correct"`` first) and its broken
    variants, each a classic bug the campaign catches; ``options`` maps an extra command-line
    option to its choices (the first is the default); ``checks`` says in a phrase what is always
    checked and what counts as progress.
    """

    name: str
    checks: str
    run: CampaignFn
    variants: tuple[str, ...] = ("correct",)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parallel: bool = False  # can split its seeds over processes
    aliases: dict[str, str] = field(default_factory=dict)  # another name -> the variant it runs ("fenced": "correct")
    #: what the campaign's command line calls a variant, when "--variant" is not the natural word
    #: ("--guarantee" for delivery guarantees); "--variant" works too
    variant_flag: str = "--variant"


_CAMPAIGNS: dict[str, Campaign] = {}


def register_campaign(campaign: Campaign) -> Campaign:
    """Make ``campaign`` runnable as ``dsworkbook fuzz NAME`` (importing its module registers it)."""
    if not campaign.variants or campaign.variants[0] != "correct":
        raise ConfigError(f"campaign {campaign.name!r}: the first variant must be 'correct', got {campaign.variants}")
    known = _CAMPAIGNS.get(campaign.name)
    if known is not None and known.run is not campaign.run:
        raise ConfigError(f"a campaign named {campaign.name!r} is registered twice")
    _CAMPAIGNS[campaign.name] = campaign
    return campaign


def campaigns() -> dict[str, Campaign]:
    """Every registered campaign, by name."""
    return dict(_CAMPAIGNS)
