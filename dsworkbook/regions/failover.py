"""Failover measured: acknowledged writes lost, unavailability, false failovers, split brain (G04).

Theory of operation
-------------------
:func:`failover_run` places three replicas (leader in us-east-1, followers in us-west-1 and
eu-west-1), a client in each of their regions and the orchestrator in us-west-2
(:mod:`dsworkbook.regions.leader_sim`), then at ``fault_at`` fails the **leader's region**:

* ``"crash"``     - every node there crashes (the replica comes back after ``fault_for`` ms if given);
* ``"partition"`` - the region is cut off from the others for ``fault_for`` ms, then heals.

What it measures, from the run alone (:class:`FailoverRun`):

* **lost** - writes acknowledged to a client (``ok`` in the history) whose value is not in the
  log of the leader the orchestrator names at the end. Asynchronous replication loses what
  the followers had not received; with a partition, also everything the cut-off leader
  acknowledged to its own region's clients before it learnt it was deposed. Kleppmann, DDIA
  ch. 5, "Handling Node Outages": "the most common solution is for the old leader's unreplicated
  writes to simply be discarded";
* **unavailability** - from the fault to the first acknowledged write, by a client outside the
  failed region, that survives: the time the rest of the world could not write;
* **failovers** (promotions) - and, in a run without a fault, every one is a **false failover**:
  a detector timeout too short for the heartbeat interval plus the network's jitter and loss;
* **split brain** - more than one replica acknowledging writes after the partition heals, and
  positions at which two different writes were both acknowledged. With epochs (fencing) the old
  leader steps down as soon as it hears of the new epoch; without them it carries on.

:func:`lost_writes` sweeps replication mode x detector timeout (the issue's figure);
:func:`false_failovers` sweeps the timeout in fault-free runs; :func:`split_brain` compares
fencing on and off. Default calls each run in well under a second (see the tests for budgets).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.regions.leader import MODES, Topology, topology
from dsworkbook.regions.leader_sim import ORCH, client_name, leader_sim
from dsworkbook.regions.world import world
from dsworkbook.sim import Simulation

__all__ = ["FAULTS", "REGIONS", "ORCH_REGION", "FailoverRun", "failover_run", "lost_writes", "lost_writes_table",
           "false_failovers", "split_brain"]

FAULTS = ("crash", "partition")
REGIONS = ("us-east-1", "us-west-1", "eu-west-1")
ORCH_REGION = "us-west-2"


@dataclass(frozen=True)
class Acked:
    """One acknowledged write: who wrote it, its value, where and by whom it was acknowledged."""

    client: str
    value: str
    position: int
    epoch: int
    leader: str
    at: float


class FailoverRun:
    """A finished run and what it measured (see the module docstring)."""

    def __init__(self, sim: Simulation, topo: Topology, *, fault: str | None, fault_at: float,
                 heal_at: float | None, failed_region: str | None = None) -> None:
        self.sim, self.topo, self.fault, self.fault_at, self.heal_at = sim, topo, fault, fault_at, heal_at
        self.failed_region = failed_region if failed_region is not None else topo.regions[topo.leader]
        orch = sim.node(ORCH)
        self.leader: str | None = orch.leader
        self.promotions: list[tuple[float, int, str]] = list(orch.promotions)
        self.acked = [Acked(op.process, op.input, op.output[0], op.output[1], op.output[2], op.complete_time)
                      for op in sim.history if op.f == "write" and op.outcome == "ok"]
        log = sim.storage(self.leader).get("log", ()) if self.leader else ()
        self.final_log = tuple(log)
        kept = {e.value for e in self.final_log}
        self.lost = [a for a in self.acked if a.value not in kept]

    def conflicts(self) -> list[tuple[int, list[Acked]]]:
        """Positions at which two different writes were both acknowledged."""
        by_pos: dict[int, dict[str, Acked]] = {}
        for a in self.acked:
            by_pos.setdefault(a.position, {})[a.value] = a
        return [(p, list(v.values())) for p, v in sorted(by_pos.items()) if len(v) > 1]

    def leaders_per_epoch(self) -> dict[int, set[str]]:
        """epoch -> the replicas that acknowledged writes in it (more than one breaks the epoch rule)."""
        out: dict[int, set[str]] = {}
        for a in self.acked:
            out.setdefault(a.epoch, set()).add(a.leader)
        return out

    def unavailability(self) -> float:
        """ms from the fault to the first surviving write acknowledged outside the failed region."""
        if self.fault is None:
            return 0.0
        kept = {e.value for e in self.final_log}
        outside = client_name(self.failed_region)
        times = [a.at for a in self.acked if a.at >= self.fault_at and a.client != outside and a.value in kept]
        return (min(times) - self.fault_at) if times else math.inf

    def leaders_after_heal(self) -> set[str]:
        """Replicas that acknowledged writes after the partition healed (two or more: split brain)."""
        if self.heal_at is None:
            return set()
        return {a.leader for a in self.acked if a.at > self.heal_at + 1.0}

    def logs_agree(self) -> bool:
        """Do all replicas hold the same log at the end of the run?"""
        logs = {tuple(self.sim.storage(n).get("log", ())) for n in self.topo.names}
        return len(logs) == 1

    def row(self) -> dict[str, Any]:
        return {"acked": len(self.acked), "lost": len(self.lost), "failovers": len(self.promotions),
                "unavailable ms": round(self.unavailability(), 1), "final leader": self.leader}


def _check(mode: str, fault: str | None, timeout: float) -> None:
    if mode not in MODES:
        raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
    if fault is not None and fault not in FAULTS:
        raise ConfigError(f"fault must be one of {FAULTS} or None, got {fault!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigError(f"the detector timeout must be a number of ms > 0, got {timeout!r}")


def failover_run(seed: int = 1, *, mode: str = "async", timeout: float = 250.0, fault: str | None = "crash",
                 fault_at: float = 400.0, fault_for: float | None = None, duration: float = 1600.0,
                 regions: Sequence[str] = REGIONS, orchestrator: str = ORCH_REGION, heartbeat: float = 50.0,
                 fencing: bool = True, promote: str = "most-up-to-date", quorum: int = 2, think: float = 10.0,
                 loss: float = 0.0, jitter: float = 0.05, write_timeout: float = 500.0,
                 topo: Topology | None = None, fault_region: str | None = None,
                 clients: Sequence[str] | None = None) -> FailoverRun:
    """One run: the first of ``regions`` leads, the others follow in ``mode``; the leader's region
    fails at ``fault_at`` (see the module docstring); clients stop writing at ``duration`` and the
    run settles for 600 ms more. A ``crash`` without ``fault_for`` is for good; a ``partition``
    lasts ``fault_for`` ms (default 600). ``topo`` replaces the three-region topology,
    ``fault_region`` the failed region (default: the leader's), ``clients`` the client regions
    (default: the replicas')."""
    _check(mode, fault, timeout)
    if topo is None:
        topo = topology(regions[0], *((r, mode) for r in regions[1:]), leader_mode=mode)
    if fault == "partition" and fault_for is None:
        fault_for = 600.0
    w = world(*dict.fromkeys(list(topo.regions.values()) + list(clients or []) + [orchestrator]), jitter=jitter)
    sim = leader_sim(seed, topo, clients=clients, the_world=w, orchestrator=orchestrator, timeout=timeout,
                     heartbeat=heartbeat,
                     quorum=quorum, promote=promote, fencing=fencing, think=think, stop=duration, loss=loss,
                     write_timeout=write_timeout, apply_ms=0.0)  # no reads here: followers apply on receipt
    region = topo.regions[topo.leader] if fault_region is None else w.check_region(fault_region)
    inside = [n for n in topo.names if topo.regions[n] == region] + [client_name(region)]
    inside = [n for n in inside if n in sim.node_ids]
    heal_at = None
    if fault == "crash":  # the region goes dark: its nodes stop and what they had in flight is lost
        sim.at(fault_at, sim.net.partition, inside)
        for n in inside:
            sim.at(fault_at, sim.crash, n)
        if fault_for is not None:
            sim.at(fault_at + fault_for, sim.net.heal)
            for n in inside:
                sim.at(fault_at + fault_for, sim.restart, n)
    elif fault == "partition":
        sim.at(fault_at, sim.net.partition, inside)
        heal_at = fault_at + float(fault_for)  # type: ignore[arg-type]
        sim.at(heal_at, sim.net.heal)
    sim.run(until=duration + 600.0)
    return FailoverRun(sim, topo, fault=fault, fault_at=fault_at, heal_at=heal_at, failed_region=region)


def lost_writes(seed: int = 1, *, modes: Sequence[str] = MODES, timeouts: Sequence[float] = (100.0, 300.0, 900.0),
                faults: Sequence[str] = FAULTS, fault_for: float = 600.0) -> pd.DataFrame:
    """Acknowledged writes lost per replication mode x detector timeout x fault of the leader's region.

    A partition lasts ``fault_for`` ms; a crash is for good. Columns: fault, mode, timeout ms,
    acked, lost, failovers, unavailable ms.
    """
    rows = []
    for fault in faults:
        for mode in modes:
            for t in timeouts:
                run = failover_run(seed, mode=mode, timeout=t, fault=fault,
                                   fault_for=fault_for if fault == "partition" else None)
                rows.append({"fault": fault, "mode": mode, "timeout ms": t, **run.row()})
    return pd.DataFrame(rows)


def lost_writes_table(frame: pd.DataFrame, value: str = "lost") -> pd.DataFrame:
    """The small table: (fault, mode) rows x detector timeout columns of ``value``."""
    return frame.pivot_table(index=["fault", "mode"], columns="timeout ms", values=value, aggfunc="first")


def false_failovers(seed: int = 1, *, timeouts: Sequence[float] = (55.0, 70.0, 110.0, 200.0),
                    heartbeat: float = 50.0, jitter: float = 0.3, loss: float = 0.01,
                    duration: float = 3000.0) -> pd.DataFrame:
    """Promotions in a run with no fault at all, per detector timeout: each one is a false failover.

    Heartbeats leave every ``heartbeat`` ms and cross a link with ``jitter`` (a fraction of the
    one-way delay) and ``loss``; a timeout below the heartbeat gap plus that jitter - or below
    two intervals when a heartbeat can be lost - fires without a failure.
    """
    rows = []
    for t in timeouts:
        run = failover_run(seed, mode="semi-sync", timeout=t, fault=None, heartbeat=heartbeat, jitter=jitter,
                           loss=loss, duration=duration, think=50.0)
        rows.append({"timeout ms": t, "heartbeat ms": heartbeat, "false failovers": len(run.promotions)})
    return pd.DataFrame(rows)


def split_brain(seed: int = 1, *, mode: str = "semi-sync", timeout: float = 150.0,
                partition_for: float = 600.0) -> pd.DataFrame:
    """The leader's region is cut off for ``partition_for`` ms and heals; with and without fencing.

    Columns: fencing, leaders after heal (replicas acknowledging writes after the heal), positions
    acknowledged twice, acked writes lost, logs agree at the end.
    """
    rows = []
    for fencing in (True, False):
        run = failover_run(seed, mode=mode, timeout=timeout, fault="partition", fault_for=partition_for,
                           fencing=fencing, duration=1800.0)
        rows.append({"fencing": fencing, "leaders after heal": sorted(run.leaders_after_heal()),
                     "positions acknowledged twice": len(run.conflicts()), "acked": len(run.acked),
                     "lost": len(run.lost), "logs agree": run.logs_agree()})
    return pd.DataFrame(rows)
