"""The PBFT campaign: f traitors playing every strategy, plus network faults, on many seeds.

Theory of operation
-------------------
One run (:func:`pbft_run`) builds n = 3f+1 replicas (3f for the ``n_3f`` variant) and
:data:`CLIENTS` clients, picks f traitors from the seed - the view-0 primary among them in about
half the runs, so the view change is exercised - and gives each the campaign's strategy (with
``mixed``, one drawn per traitor from the seed). The fault schedule (:func:`pbft_schedule`) is
:data:`FAULTS` episodes of network faults drawn by :meth:`FaultSchedule.random` - pauses,
partitions (clients on either side), one-way cuts, loss and duplication bursts with reordering -
over :data:`FAULT_PHASE` ms; then every fault is repaired and the run settles for :data:`SETTLE` ms.

Every run is checked by :func:`~.cluster.check_pbft` (*always*: agreement among honest replicas
at every sequence number, execution in order, and no client accepting a result that no honest
replica produced); *sometimes*: every client had all its requests answered, which with a traitor
primary needs a view change. The first violation is shrunk to the smallest schedule that still
breaks the same property; the traitors and their strategies are part of the seed, not of the
schedule, so the shrunk schedule replays on the same seed.
"""

from __future__ import annotations

import functools
import random
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.consensus.pbft.cluster import PBFT_VARIANTS, check_pbft, clients_done, pbft_sim, replica_ids
from dsworkbook.consensus.pbft.traitors import STRATEGIES, check_strategy
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, FuzzReport, Simulation, Violation, fuzz, shrink
from dsworkbook.sim.fuzz import Campaign, fuzz_in_processes, register_campaign

__all__ = ["FAULTS", "FAULT_PHASE", "SETTLE", "CLIENTS", "OPS", "choose_traitors", "pbft_schedule", "pbft_run",
           "pbft_invariant", "pbft_progress", "fuzz_pbft", "PBFT_CAMPAIGN"]

FAULTS = 6
FAULT_PHASE = 1500.0
SETTLE = 2500.0
CLIENTS = 2
OPS = 6


def _replicas(f: int, variant: str) -> list[str]:
    return replica_ids(3 * f if variant == "n_3f" else 3 * f + 1)


def choose_traitors(seed: int, f: int, strategy: str, variant: str = "correct") -> dict[str, str]:
    """The seed's f traitors (the view-0 primary among them half the time) and each one's strategy."""
    check_strategy(strategy)
    rng = random.Random(f"pbft-traitors:{seed}")
    members = _replicas(f, variant)
    chosen = ["r0"] if rng.random() < 0.5 else []
    chosen += rng.sample([m for m in members if m not in chosen], f - len(chosen))
    concrete = STRATEGIES[1:]
    return {t: (rng.choice(concrete) if strategy == "mixed" else strategy) for t in sorted(chosen)}


def pbft_schedule(seed: int, *, f: int = 1, variant: str = "correct", faults: int = FAULTS) -> FaultSchedule:
    """``faults`` network fault episodes over the fault phase, reaching the clients too."""
    clients = [f"c{i}" for i in range(1, CLIENTS + 1)]
    return FaultSchedule.random(seed, _replicas(f, variant), duration=FAULT_PHASE, faults=faults,
                                kinds=("pause", "partition", "cut", "network"), clients=clients)


def pbft_run(seed: int, schedule: FaultSchedule, *, f: int = 1, strategy: str = "mixed",
             variant: str = "correct") -> Simulation:
    """One run (see the module docstring); deterministic in (seed, schedule, f, strategy, variant)."""
    traitors = choose_traitors(seed, f, strategy, variant)
    sim = pbft_sim(seed, f=f, traitors=list(traitors), strategy=traitors, clients=CLIENTS, ops=OPS,
                   variant=variant)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    sim.net.configure(loss=0.0, duplicate=0.0, reorder=0.0)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def pbft_invariant(sim: Simulation) -> str | None:
    problems = check_pbft(sim)
    return problems[0] if problems else None


def pbft_progress(sim: Simulation) -> bool:
    return clients_done(sim)


def _property(message: str) -> str:
    return message.split(" broken", 1)[0]


def _check(f: Any, strategy: str, variant: str) -> tuple[int, str]:
    if str(f) not in ("1", "2", "3"):
        raise ConfigError(f"f must be 1, 2 or 3 for the campaign, got {f!r}")
    check_strategy(strategy)
    if variant not in PBFT_VARIANTS:
        raise ConfigError(f"unknown PBFT variant {variant!r}; choose one of {list(PBFT_VARIANTS)}")
    return int(f), strategy


def _campaign(seeds: Sequence[int], f: int, strategy: str, variant: str, stop_after: int | None = None,
              on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    run = functools.partial(pbft_run, f=f, strategy=strategy, variant=variant)
    schedule = functools.partial(pbft_schedule, f=f, variant=variant)
    return fuzz(run, pbft_invariant, seeds=seeds, schedule=schedule, progress=pbft_progress,
                shrink_first=False, stop_after=stop_after, on_seed=on_seed)


def shrink_violation(violation: Violation, *, f: int, strategy: str, variant: str, max_runs: int = 300) -> Violation:
    """``violation`` with the smallest schedule found that breaks the same property on its seed."""
    wanted = _property(violation.message)

    def fails(schedule: FaultSchedule) -> bool:
        message = pbft_invariant(pbft_run(violation.seed, schedule, f=f, strategy=strategy, variant=variant))
        return message is not None and _property(message) == wanted

    return Violation(violation.seed, violation.message, violation.schedule,
                     shrink(violation.schedule, fails, max_runs=max_runs))


def fuzz_pbft(seeds: int | Iterable[int], *, f: int = 1, strategy: str = "mixed", variant: str = "correct",
              processes: int = 1, shrink_first: bool = True, stop_after: int | None = None,
              max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the PBFT campaign on ``seeds`` (an int N means 0..N-1), in ``processes`` processes."""
    f, strategy = _check(f, strategy, variant)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    if processes == 1 or len(seed_list) < 2 * processes:
        report = _campaign(seed_list, f, strategy, variant, stop_after, on_seed)
    else:
        report = fuzz_in_processes(functools.partial(_campaign, f=f, strategy=strategy, variant=variant),
                                   seed_list, processes, stop_after=stop_after, on_seed=on_seed)
    if shrink_first and report.violations:
        report.violations[0] = shrink_violation(report.violations[0], f=f, strategy=strategy, variant=variant,
                                                max_runs=max_shrink_runs)
    return report


def _run(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
         on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_pbft(seeds, f=int(options.get("f", "1")), strategy=options.get("strategy", "mixed"),
                     variant=variant, processes=processes, shrink_first=shrink_first,
                     max_shrink_runs=max_shrink_runs, on_seed=on_seed)


PBFT_CAMPAIGN = register_campaign(Campaign(
    "pbft", "PBFT with n = 3f+1 replicas, f of them traitors (equivocate, forge, replay, lie, vote for everything, "
    "stay silent, delay; colluding) plus network faults: agreement among honest replicas at every sequence number, "
    "execution in order, clients accept only results an honest replica produced; progress: every request answered",
    _run, tuple(PBFT_VARIANTS), options={"f": ("1", "2"), "strategy": STRATEGIES}, parallel=True))
