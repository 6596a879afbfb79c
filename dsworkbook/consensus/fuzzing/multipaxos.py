"""The Multi-Paxos campaign: a key-value store on Multi-Paxos, on many seeds of heavy faults.

Theory of operation
-------------------
One run (:func:`multipaxos_run`) builds five servers serving the key-value store to five
clients over a network that loses :data:`LOSS` of all messages, applies a fault schedule for
:data:`FAULT_PHASE` ms, then repairs everything (heal, end loss and duplication, restart crashed
servers) and lets it settle for :data:`SETTLE` ms. The schedule (:func:`multipaxos_schedule`) is
:data:`FAULTS` episodes drawn by :meth:`FaultSchedule.random` with the clients taking part:
crashes (one in three tears a handler after its first few effects), pauses, partitions and
one-way cuts that may put a client with a minority or cut it off, loss and duplication bursts
with reordering, clock jumps and drift.

Every run is judged on what the replicas did, not only on what clients saw - a replica whose
log diverges may never answer a client - in this order (:func:`multipaxos_invariant`, the first
broken property is the verdict):

* *always*: agreement on **every** replica's decided log, one value per ballot and slot, and
  validity (:func:`~dsworkbook.consensus.multipaxos.check_multipaxos`); the clients' history is
  linearizable for the key-value model (:func:`dsworkbook.checkers.check_linearizable`);
* *once the faults have ended*: no replica is stuck - every server has applied every slot decided
  :data:`GRACE` ms before the end (:func:`~dsworkbook.consensus.multipaxos.stalled_replicas`),
  which is how a hole that later slots wait behind for ever shows;
* *sometimes* (progress): every client got all its commands answered.

Each broken variant of :data:`~dsworkbook.consensus.multipaxos.MULTIPAXOS_VARIANTS` breaks one
of these. The first violation is shrunk to the smallest schedule that still breaks **the same
property** (:func:`fuzz_multipaxos`), so the shrunk schedule replays to the same violation.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.consensus.fuzzing.common import repair
from dsworkbook.consensus.multipaxos import (MULTIPAXOS_VARIANTS, check_multipaxos, client_ids, multipaxos_sim,
                                             server_ids, stalled_replicas)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, FuzzReport, NetworkChange, Simulation, Violation, fuzz, shrink
from dsworkbook.sim.fuzz import fuzz_in_processes

__all__ = ["MP_SERVERS", "MP_CLIENTS", "FAULTS", "LOSS", "FAULT_PHASE", "SETTLE", "GRACE", "multipaxos_schedule",
           "multipaxos_run", "multipaxos_invariant", "multipaxos_progress", "violated_property", "fuzz_multipaxos"]

MP_SERVERS = tuple(server_ids(5))
MP_CLIENTS = tuple(client_ids(5))
FAULTS = 20
LOSS = 0.15
OPS = 20
FAULT_PHASE = 3000.0
SETTLE = 2000.0
GRACE = 500.0
#: Linearizability is checked with a fixed budget of search steps, so a verdict never depends on the machine.
LIN_ITERATIONS = 500_000


def multipaxos_schedule(seed: int, *, faults: int = FAULTS, loss: float = LOSS) -> FaultSchedule:
    """``loss`` from the start, and ``faults`` episodes of every kind over the fault phase, reaching clients too.

    The steady loss is a fault of the schedule like the others (a :class:`NetworkChange` at 0 ms),
    so shrinking can remove it or halve it; a loss burst ends by going back to it.
    """
    out: list[Any] = [NetworkChange(0.0, loss=loss)]
    for f in FaultSchedule.random(seed, MP_SERVERS, duration=FAULT_PHASE / 1.1, faults=faults, clients=MP_CLIENTS):
        if isinstance(f, NetworkChange) and not (f.loss or f.duplicate or f.reorder):
            f = NetworkChange(f.at, loss=loss, duplicate=0.0, reorder=0.0)  # the burst ends: back to the steady loss
        out.append(f)
    return FaultSchedule(out)


def multipaxos_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct",
                   node_class: Any = None) -> Simulation:
    """One run (see the module doc); deterministic in (seed, schedule). ``node_class`` swaps in a server class."""
    if variant not in MULTIPAXOS_VARIANTS:
        raise ConfigError(f"unknown Multi-Paxos variant {variant!r}; choose one of {list(MULTIPAXOS_VARIANTS)}")
    sim = multipaxos_sim(seed, servers=len(MP_SERVERS), clients=len(MP_CLIENTS), ops=OPS,
                         election_timeout=(50.0, 100.0), heartbeat=20.0, client_timeout=100.0, think=10.0,
                         node_class=node_class or MULTIPAXOS_VARIANTS[variant])
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    repair(sim, MP_SERVERS)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def multipaxos_invariant(sim: Simulation) -> str | None:
    """The first broken property of a finished run, in one line (None: all hold). See the module doc."""
    from dsworkbook.checkers import check_linearizable, from_sim_history

    problems = check_multipaxos(sim)
    if problems:
        return problems[0]
    result = check_linearizable(from_sim_history(sim.history), model="kv", time_limit=3600.0,
                                max_iterations=LIN_ITERATIONS)
    if result.verdict != "linearizable":
        return f"linearizability broken: the clients' history is {result.verdict} for the key-value model"
    stalled = stalled_replicas(sim, grace=GRACE, servers=MP_SERVERS)
    return stalled[0] if stalled else None


def violated_property(message: str) -> str:
    """The property a violation line names: ``agreement``, ``one value per ballot``, ``validity``, ..."""
    return message.split(":", 1)[0].removesuffix(" broken").removesuffix(" stalled")


def multipaxos_progress(sim: Simulation) -> bool:
    """The *sometimes* half: every client's commands were all answered."""
    return all(sim.node(c).done for c in MP_CLIENTS)


def _campaign(seeds: Sequence[int], variant: str, stop_after: int | None = None,
              on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    run = functools.partial(multipaxos_run, variant=variant)
    return fuzz(run, multipaxos_invariant, seeds=seeds, schedule=multipaxos_schedule, progress=multipaxos_progress,
                shrink_first=False, stop_after=stop_after, on_seed=on_seed)


def shrink_violation(violation: Violation, *, variant: str = "correct", max_runs: int = 300) -> Violation:
    """``violation`` with the smallest schedule found that still breaks the same property on its seed."""
    wanted = violated_property(violation.message)

    def fails(schedule: FaultSchedule) -> bool:
        message = multipaxos_invariant(multipaxos_run(violation.seed, schedule, variant=variant))
        return message is not None and violated_property(message) == wanted

    shrunk = shrink(violation.schedule, fails, max_runs=max_runs)
    return Violation(violation.seed, violation.message, violation.schedule, shrunk)


def fuzz_multipaxos(seeds: int | Iterable[int], *, variant: str = "correct", processes: int = 1,
                    shrink_first: bool = True, stop_after: int | None = None, max_shrink_runs: int = 300,
                    on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the Multi-Paxos campaign on ``seeds`` (an int N means seeds 0..N-1).

    With ``processes`` > 1 the seeds are split over that many processes; the first violation
    (lowest seed) is then shrunk here, to a schedule that breaks the same property.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if variant not in MULTIPAXOS_VARIANTS:
        raise ConfigError(f"unknown Multi-Paxos variant {variant!r}; choose one of {list(MULTIPAXOS_VARIANTS)}")
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    if processes == 1 or len(seed_list) < 2 * processes:
        report = _campaign(seed_list, variant, stop_after, on_seed)
    else:
        report = fuzz_in_processes(functools.partial(_campaign, variant=variant), seed_list, processes,
                                   stop_after=stop_after, on_seed=on_seed)
    if shrink_first and report.violations:
        report.violations[0] = shrink_violation(report.violations[0], variant=variant, max_runs=max_shrink_runs)
    return report
