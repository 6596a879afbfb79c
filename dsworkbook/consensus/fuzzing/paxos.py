"""The single-decree Paxos campaign: four proposers among five acceptors, on many seeds of faults.

A run (:func:`paxos_run`) starts four proposers at 0, 20, 150 and 300 ms among five acceptors,
applies faults for 600 ms (:func:`paxos_schedule`: episodes of any kind plus crash blips),
repairs everything and lets it settle for a second. *Always*: agreement, validity and integrity
(:func:`~dsworkbook.consensus.paxos.check_consensus`); *sometimes*: every node decided.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from dsworkbook.consensus.fuzzing.common import repair
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, FuzzReport, Simulation, fuzz

__all__ = ["PAXOS_ACCEPTORS", "paxos_schedule", "paxos_run", "paxos_invariant", "paxos_progress", "fuzz_paxos"]

PAXOS_ACCEPTORS = tuple(f"a{i}" for i in range(1, 6))


def paxos_schedule(seed: int) -> FaultSchedule:
    """Episodes of any kind over 600 ms, plus crash blips: proposers and acceptors alike."""
    out: list[Any] = []
    for k in range(3):
        out += FaultSchedule.random(seed * 10_007 + k, PAXOS_ACCEPTORS, duration=200 / 1.1, faults=2, start=k * 200)
    for k in range(30):
        out += FaultSchedule.random(seed * 100_003 + k, PAXOS_ACCEPTORS, duration=20 / 1.1, faults=1, start=k * 20,
                                    kinds=("crash",))
    return FaultSchedule(out)


def paxos_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", node_class: Any = None) -> Simulation:
    """Four proposers (a1-a4, starting at 0, 20, 150 and 300 ms) among five acceptors; faults for
    600 ms, then repaired, and a second to settle. Late proposers meet a value already chosen."""
    from dsworkbook.consensus.paxos import PAXOS_VARIANTS, paxos_sim

    if variant not in PAXOS_VARIANTS:
        raise ConfigError(f"unknown Paxos variant {variant!r}; choose one of {list(PAXOS_VARIANTS)}")
    sim = paxos_sim(seed, acceptors=5, proposals=("A", "B", "C", "D"), starts=(0.0, 20.0, 150.0, 300.0),
                    retry=10.0, timeout=60.0, node_class=node_class or PAXOS_VARIANTS[variant])
    schedule.apply_to(sim)
    sim.run(until=600)
    repair(sim, PAXOS_ACCEPTORS)
    sim.run(until=1600)
    return sim


def paxos_invariant(sim: Simulation) -> str | None:
    from dsworkbook.consensus.paxos import check_consensus

    report = check_consensus(sim)
    return None if report.ok else report.violations[0]


def paxos_progress(sim: Simulation) -> bool:
    from dsworkbook.consensus.paxos import check_consensus

    return check_consensus(sim).terminated


def fuzz_paxos(seeds: int | Iterable[int], *, variant: str = "correct", shrink_first: bool = True,
               stop_after: int | None = None, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """The Paxos campaign: agreement, validity, integrity always; every node decides (sometimes)."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    paxos_run(0, FaultSchedule(), variant=variant) if variant else None  # reject an unknown variant early
    return fuzz(functools.partial(paxos_run, variant=variant), paxos_invariant, seeds=seed_list,
                schedule=paxos_schedule, progress=paxos_progress, shrink_first=shrink_first, stop_after=stop_after,
                on_seed=on_seed, max_shrink_runs=150)
