"""Raft and Multi-Paxos side by side: the same seed, workload and faults; messages and latency (P03).

Theory of operation
-------------------
Both systems serve the same key-value store to the same clients
(:class:`~dsworkbook.consensus.raft.client.RaftClient`, identical workloads drawn from the seed)
over the same network, under the same :class:`~dsworkbook.sim.FaultSchedule`. From each run
:func:`measure` reads, from the trace and the history alone:

* **messages per command** - messages between servers (client traffic left out) divided by
  the commands that completed ok;
* **commit latency** - what clients saw, invoke to ok answer, p50 and p99;
* **leader changes** - how many times a server became leader;
* whether the history is **linearizable** (the checker of theme 03).

Raft piggybacks the commit index on the next AppendEntries; the Multi-Paxos here announces each
chosen slot with its own Decide message, as in "Paxos Made Simple" - one reason it sends more.
Both elect a leader and then need one round trip to a majority per command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.fuzzing import repair
from dsworkbook.consensus.multipaxos import check_multipaxos, multipaxos_sim
from dsworkbook.consensus.raft import RaftConfig
from dsworkbook.consensus.raft.perf import _percentile
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import kv_sim, kv_verdict
from dsworkbook.sim import FaultSchedule, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["measure", "raft_vs_multipaxos"]

SERVERS = tuple(f"n{i}" for i in range(1, 6))




def measure(sim: Simulation, system: str) -> dict[str, Any]:
    """One row of the comparison for a finished run (see the module docstring)."""
    servers = {n for n in sim.node_ids if n.startswith("n")}
    sent = sum(1 for r in sim.trace.records if r[1] == "send" and r[2] in servers and r[3] in servers)
    ok = [op for op in sim.history if op.outcome == "ok"]
    latencies = [op.complete_time - op.invoke_time for op in ok]
    leaders = sum(1 for r in sim.trace.notes(key="role") if r.detail["role"] == "leader")
    safe = check_safety(sim).ok if system == "raft" else not check_multipaxos(sim)
    return {"system": system, "commands ok": len(ok), "server messages": sent,
            "messages per command": round(sent / len(ok), 1) if ok else float("nan"),
            "latency p50 (ms)": round(_percentile(latencies, 0.5), 1),
            "latency p99 (ms)": round(_percentile(latencies, 0.99), 1),
            "leader changes": leaders, "safe": safe, "linearizable": kv_verdict(sim)}


def raft_vs_multipaxos(seed: int, schedule: FaultSchedule | None = None, *, clients: int = 3, ops: int = 20,
                       duration: float = 3000.0, settle: float = 1500.0, latency: Any = (1, 10),
                       timeouts: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0) -> "pd.DataFrame":
    """Run both systems on ``seed`` under ``schedule`` (none: a calm run) and compare them, one row each."""
    import pandas as pd

    schedule = schedule if schedule is not None else FaultSchedule()
    config = RaftConfig(election_timeout=timeouts, heartbeat=heartbeat)
    runs = {
        "raft": kv_sim(seed, clients=clients, ops=ops, config=config, latency=latency, think=5.0),
        "multi-paxos": multipaxos_sim(seed, clients=clients, ops=ops, latency=latency, election_timeout=timeouts,
                                      heartbeat=heartbeat, think=5.0),
    }
    rows = []
    for name, sim in runs.items():
        schedule.apply_to(sim)
        sim.run(until=duration)
        repair(sim, SERVERS)
        sim.run(until=duration + settle)
        rows.append(measure(sim, name))
    return pd.DataFrame(rows).set_index("system")
