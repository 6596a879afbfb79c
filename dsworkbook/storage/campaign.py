"""CAP, demonstrated: the CP store stays linearizable on hundreds of faulty seeds; the AP one does not.

Theory of operation
-------------------
:func:`fault_schedule` draws one seeded schedule for a store of ``replicas`` and its
``clients``: crashes (with restarts; one in three tears a handler, after only some of its
effects) and GC pauses hit replicas only - a client restarted from scratch would replay its
operations - while partitions, one-way cuts and bursts of loss and duplication hit every node,
clients included, so a client can end up on the minority side.

:func:`cp_campaign` is a :func:`~dsworkbook.sim.fuzz` campaign: for each seed it runs the CP
store under that seed's schedule and checks the history with
:func:`dsworkbook.checkers.check_linearizable` (the *always* half); the *sometimes* half counts
runs in which some operation was refused, i.e. the faults did bite. The first violation, if
any, is shrunk to its smallest schedule.

:func:`find_ap_violation` runs the AP store on the same kind of seeds and returns the first
whose history is **not** linearizable, with the checker's counterexample: the other half of
the CAP theorem, observed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, FuzzReport, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign
from dsworkbook.storage.common import client_ids, replica_ids
from dsworkbook.storage.experiment import AP, CP, Setting, run_setting

__all__ = ["fault_schedule", "linearizability_violation", "cp_campaign", "find_ap_violation", "APViolation",
           "CAMPAIGN", "CP_VARIANTS"]

#: The run every campaign seed uses: replicas, clients, operations per client, ms of faults.
CAMPAIGN: dict[str, Any] = {"replicas": 5, "clients": 4, "ops": 15, "duration": 1500.0}


def fault_schedule(seed: int, replicas: list[str], clients: list[str], *, duration: float = 1500.0,
                   faults: int = 4) -> FaultSchedule:
    """Crashes and pauses of replicas plus partitions, cuts, loss and duplication among all nodes."""
    if faults < 0:
        raise ConfigError(f"faults must be >= 0, got {faults}")
    nodes = replicas + clients
    on_replicas = FaultSchedule.random(seed, replicas, duration=duration, faults=faults // 2,
                                       kinds=("crash", "pause"))
    on_network = FaultSchedule.random(seed + 1_000_003, nodes, duration=duration, faults=faults - faults // 2,
                                      kinds=("partition", "partition", "cut", "network"))
    return on_replicas + on_network


def linearizability_violation(sim: Simulation) -> str | None:
    """None when the run's history is linearizable (kv model); else one line saying what broke."""
    from dsworkbook.checkers import check_linearizable, from_sim_history

    result = check_linearizable(from_sim_history(sim.history), model="kv")
    if result.ok:
        return None
    if result.ok is None:
        return f"the checker could not decide (seed {sim.seed}): {result.reason}"
    return f"not linearizable (seed {sim.seed}): {result.reason}"


def _runner(setting: Setting, clients: int, ops: int, duration: float, trace: bool = True) -> Any:
    def run(seed: int, schedule: FaultSchedule) -> Simulation:
        return run_setting(setting, seed, clients=clients, ops=ops, schedule=schedule,
                           until=duration + 2500.0, latency=(1, 10), trace=trace)
    return run


#: The CP campaign's variants: the store, and the classic bug of answering from any replica.
CP_VARIANTS = {"correct": "the CP store (majority ABD)", "no_quorum": "any one replica answers: R = W = 1"}


def cp_campaign(seeds: Iterable[int] = range(500), *, replicas: int = CAMPAIGN["replicas"],
                clients: int = CAMPAIGN["clients"], ops: int = CAMPAIGN["ops"],
                duration: float = CAMPAIGN["duration"], faults: int = 4, variant: str = "correct",
                **fuzz_options: Any) -> FuzzReport:
    """Fuzz the CP store: every seed's history must be linearizable (see the module docstring).

    ``variant="no_quorum"`` runs the same seeds on the store that answers from any one replica
    (R = W = 1): the campaign must catch it.
    """
    if variant not in CP_VARIANTS:
        raise ConfigError(f"unknown variant {variant!r}; choose one of {list(CP_VARIANTS)}")
    reps, cls = replica_ids(replicas), client_ids(clients)
    setting = CP(replicas) if variant == "correct" else AP(replicas)

    def refused(sim: Simulation) -> bool:
        return any(op.outcome in ("fail", "unknown") for op in sim.history)

    # the verdicts read histories only: the runs record no trace (a quarter of their cost)
    return fuzz(_runner(setting, clients, ops, duration, trace=False), linearizability_violation, seeds=seeds,
                schedule=lambda seed: fault_schedule(seed, reps, cls, duration=duration, faults=faults),
                progress=refused, **fuzz_options)


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class APViolation:
    """A seed on which the AP store's history is not linearizable, with the checker's evidence."""

    seed: int
    schedule: FaultSchedule
    result: Any
    sim: Simulation
    tried: int

    def describe(self) -> str:
        return (f"seed {self.seed} (the {_ordinal(self.tried)} tried): {self.result.verdict}\n"
                + self.result.explain())


def find_ap_violation(seeds: Iterable[int] = range(500), *, replicas: int = CAMPAIGN["replicas"],
                      clients: int = CAMPAIGN["clients"], ops: int = CAMPAIGN["ops"],
                      duration: float = CAMPAIGN["duration"], faults: int = 4) -> APViolation | None:
    """The first seed on which the AP store (R = W = 1) breaks linearizability, or None."""
    from dsworkbook.checkers import check_linearizable, from_sim_history

    reps, cls = replica_ids(replicas), client_ids(clients)
    run = _runner(AP(replicas), clients, ops, duration)
    for tried, seed in enumerate(seeds, start=1):
        schedule = fault_schedule(seed, reps, cls, duration=duration, faults=faults)
        sim = run(seed, schedule)
        result = check_linearizable(from_sim_history(sim.history), model="kv")
        if result.ok is False:
            return APViolation(seed, schedule, result, sim, tried)
    return None


def _cp(seeds: list[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
        on_seed: Any, options: dict[str, Any]) -> FuzzReport:
    return cp_campaign(seeds, variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                       on_seed=on_seed)


register_campaign(Campaign(
    "cp", "the CP store's history is linearizable (5 replicas, 4 clients, partitions cut clients off too); "
          "progress: some operation was refused", _cp, tuple(CP_VARIANTS)))
