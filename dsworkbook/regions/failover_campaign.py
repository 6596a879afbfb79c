"""The ``failover`` campaign: single-leader replication across regions under region failures.

Theory of operation
-------------------
One run (:func:`failover_campaign_run`) places three replicas - the leader in us-east-1,
followers in us-west-1 and ap-southeast-1 - a client in each of those regions and the
orchestrator in us-west-2 (:func:`~dsworkbook.regions.failover.failover_run`'s setup; detector
timeout 150 ms, heartbeats every 50 ms). During :data:`FAULT_PHASE` ms, one or two episodes
(:func:`failover_schedule`) fail a whole replica region, one at a time: a *crash* (its nodes
stop and what they had in flight is lost, then they restart) or a *partition* (cut off, then
healed). Clients write until :data:`STOP`; the run settles until :data:`END`.

* *always* (:func:`failover_check`), from the clients' history and the final leader's log: no
  acknowledged write is missing from the log of the leader the orchestrator names at the end;
  at most one replica acknowledges writes per epoch; no position has two different writes
  acknowledged;
* *sometimes* (:func:`failover_progress`): a failover happened and writes were acknowledged in
  a later epoch.

Variants (:data:`FAILOVER_VARIANTS`): ``correct`` - semi-synchronous (the leader waits for one of
two followers: with itself, a majority), epochs with fencing, and a promotion that needs two
replicas' answers and takes the most up-to-date; the broken ``async`` (acknowledged at once:
promotion loses what had not reached the new leader), ``no-fencing`` (an old leader that comes
back keeps acknowledging: split brain) and ``promote-any`` (the orchestrator promotes a random
answering replica, maybe a lagging one).
"""

from __future__ import annotations

import functools
import random
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.failover import FailoverRun
from dsworkbook.regions.leader import Topology, topology
from dsworkbook.regions.leader_sim import client_name, leader_sim
from dsworkbook.regions.world import world
from dsworkbook.sim import Crash, FaultSchedule, FuzzReport, Heal, Partition, Restart, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign

__all__ = ["FAILOVER_VARIANTS", "CAMPAIGN_REGIONS", "FAULT_PHASE", "STOP", "END", "failover_variant",
           "failover_schedule", "failover_campaign_run", "failover_check", "failover_progress", "fuzz_failover"]

FAILOVER_VARIANTS: dict[str, str] = {
    "correct": "semi-synchronous to one of two followers, epochs with fencing, promote the most up-to-date "
               "of at least two answering replicas",
    "async": "followers asynchronous: a write is acknowledged before any follower has it",
    "no-fencing": "no epochs checked: an old leader that returns keeps acknowledging writes",
    "promote-any": "the orchestrator promotes a random answering replica, not the most up-to-date",
}
CAMPAIGN_REGIONS = ("us-east-1", "us-west-1", "ap-southeast-1")
ORCH_REGION = "us-west-2"
FAULT_PHASE = 1200.0
STOP = 1500.0
END = 2100.0
TIMEOUT = 150.0


def failover_variant(variant: str) -> str:
    """The variant's canonical name (``_`` read as ``-``); ConfigError if unknown."""
    name = variant.replace("_", "-") if isinstance(variant, str) else variant
    if name not in FAILOVER_VARIANTS:
        raise ConfigError(f"unknown failover variant {variant!r}; choose one of {list(FAILOVER_VARIANTS)}")
    return name


def _topology(variant: str) -> Topology:
    mode = "async" if variant == "async" else "semi-sync"
    lead, *rest = CAMPAIGN_REGIONS
    return topology(lead, *((r, mode) for r in rest), leader_mode=mode)


def _inside(region: str) -> tuple[str, ...]:
    return (region, client_name(region))  # the replica is named after its region


def failover_schedule(seed: int) -> FaultSchedule:
    """One or two non-overlapping region failures (crash or partition) of 150-600 ms within the fault phase."""
    rng = random.Random(f"failover-schedule:{seed}")
    faults: list[Any] = []
    t = rng.uniform(150.0, 400.0)
    for k in range(rng.choice((1, 1, 2))):
        # the first episode hits the first leader's region three times in four
        region = CAMPAIGN_REGIONS[0] if k == 0 and rng.random() < 0.75 else rng.choice(CAMPAIGN_REGIONS)
        length = rng.uniform(150.0, 600.0)
        end = min(t + length, FAULT_PHASE)
        nodes = _inside(region)
        faults.append(Partition(round(t, 1), (nodes,)))
        if rng.random() < 0.5:
            faults += [Crash(round(t, 1), n) for n in nodes]
            faults += [Restart(round(end, 1), n) for n in nodes]
        faults.append(Heal(round(end, 1)))
        t = end + rng.uniform(50.0, 300.0)
        if t >= FAULT_PHASE - 100.0:
            break
    return FaultSchedule(faults)


def failover_campaign_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct") -> Simulation:
    """One run of ``variant`` under ``schedule``; every node is up and the network healed at :data:`FAULT_PHASE`."""
    variant = failover_variant(variant)
    topo = _topology(variant)
    w = world(*CAMPAIGN_REGIONS, ORCH_REGION)
    sim = leader_sim(seed, topo, the_world=w, orchestrator=ORCH_REGION, timeout=TIMEOUT, heartbeat=50.0, quorum=2,
                     promote="any" if variant == "promote-any" else "most-up-to-date",
                     fencing=variant != "no-fencing", think=5.0, stop=STOP, write_timeout=500.0)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for n in sim.node_ids:
        if sim.status(n) == "down":
            sim.restart(n)
    sim.run(until=END)
    sim.failover_topology = topo  # type: ignore[attr-defined]
    return sim


def _measure(sim: Simulation) -> FailoverRun:
    return FailoverRun(sim, sim.failover_topology, fault=None, fault_at=0.0, heal_at=None)  # type: ignore[attr-defined]


def failover_check(sim: Simulation) -> str | None:
    """The invariant (always): nothing acknowledged lost, one leader per epoch, one write per position."""
    run = _measure(sim)
    if run.lost:
        a = run.lost[0]
        return (f"{len(run.lost)} acknowledged writes are not in the final leader {run.leader}'s log, e.g. "
                f"{a.value!r} acknowledged by {a.leader} at position {a.position} in epoch {a.epoch} (t={a.at:.0f})")
    for epoch, leaders in run.leaders_per_epoch().items():
        if len(leaders) > 1:
            return f"epoch {epoch}: {sorted(leaders)} all acknowledged writes"
    conflicts = run.conflicts()
    if conflicts:
        pos, acked = conflicts[0]
        shown = ", ".join(f"{a.value!r} by {a.leader} (epoch {a.epoch})" for a in acked)
        return f"position {pos} was acknowledged for {len(acked)} different writes: {shown}"
    return None


def failover_progress(sim: Simulation) -> bool:
    """Sometimes: a failover happened and a write was acknowledged in a later epoch."""
    run = _measure(sim)
    return bool(run.promotions) and any(a.epoch > 1 for a in run.acked)


def fuzz_failover(seeds: Sequence[int], *, variant: str = "correct", shrink_first: bool = True,
                  max_shrink_runs: int = 200, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds``; the first violation is shrunk."""
    variant = failover_variant(variant)
    return fuzz(functools.partial(failover_campaign_run, variant=variant), failover_check, seeds=list(seeds),
                schedule=failover_schedule, progress=failover_progress, shrink_first=shrink_first,
                max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def _campaign(seeds: Sequence[int], *, variant: str, processes: int = 1, shrink_first: bool = True,
              max_shrink_runs: int = 200, on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: dict[str, Any] | None = None) -> FuzzReport:
    return fuzz_failover(seeds, variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                         on_seed=on_seed)


register_campaign(Campaign(
    "failover", "no acknowledged write lost, one leader per epoch, one acknowledged write per position (3 replicas "
    "in 3 regions; region crashes and partitions); progress: a failover happened and writes were acknowledged after it",
    _campaign, tuple(FAILOVER_VARIANTS)))
