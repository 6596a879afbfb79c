"""Multi-Paxos runs and their verdicts: a cluster with clients, and its log checked from the trace.

Theory of operation
-------------------
:func:`multipaxos_sim` builds servers ``n1..`` serving the key-value store of
:mod:`~dsworkbook.consensus.raft_kv` to clients ``c1..`` - Raft's client and Raft's workload, so
:mod:`dsworkbook.consensus.compare` can run both systems on the same seed.

:func:`check_multipaxos` reads the whole trace, not only what clients saw - a replica whose log
diverges may never answer a client - and names every broken safety property:

* **agreement** - every replica that decided a slot decided the same value (every ``decided``
  note of every server, crashed incarnations included);
* **one value per ballot** - no ballot carries two values for one slot (every ``MAccept`` sent):
  the invariant behind agreement, "Paxos Made Simple" §2.2 (a proposal number is used for one
  proposal only);
* **validity** - a decided value is a no-op or a command some client sent.

:func:`stalled_replicas` is the liveness check for a run whose faults have ended: every server
has applied every slot decided somewhere ``grace`` ms before the end - a hole that later slots
wait behind, or a replica that cannot catch up, shows there.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from dsworkbook.consensus.multipaxos.messages import MAccept
from dsworkbook.consensus.multipaxos.node import MultiPaxosNode
from dsworkbook.consensus.raft_kv import kv_workload
from dsworkbook.sim import UP, Request, Simulation, Trace
from dsworkbook.sim.latency import LatencySpec

__all__ = ["multipaxos_sim", "check_multipaxos", "stalled_replicas", "decided_logs", "server_ids", "client_ids"]


def server_ids(n: int) -> list[str]:
    return [f"n{i}" for i in range(1, n + 1)]


def client_ids(k: int) -> list[str]:
    return [f"c{i}" for i in range(1, k + 1)]


def multipaxos_sim(seed: int, *, servers: int = 5, clients: int = 3, ops: int = 10, latency: LatencySpec = (1, 10),
                   loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0,
                   election_timeout: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0,
                   client_timeout: float = 100.0, think: float = 5.0, keys: Sequence[str] = ("x", "y"),
                   reads: float = 0.4, node_class: type[MultiPaxosNode] | None = None) -> Simulation:
    """A Multi-Paxos cluster ``n1..`` serving the key-value store to clients ``c1..`` (Raft's workload)."""
    from dsworkbook.consensus.raft.client import RaftClient

    sim = Simulation(seed, latency=latency, loss=loss, duplicate=duplicate, reorder=reorder)
    members = server_ids(servers)
    for n in members:
        sim.add_node(n, node_class or MultiPaxosNode, members=members, election_timeout=election_timeout,
                     heartbeat=heartbeat)
    wl = random.Random(seed)  # the same workload as raft_kv.kv_sim draws for this seed
    for c in client_ids(clients):
        sim.add_node(c, RaftClient, servers=members, ops=kv_workload(wl, ops, keys=keys, client=c, reads=reads),
                     timeout=client_timeout, think=think)
    return sim


def decided_logs(sim: Simulation) -> dict[str, dict[int, Any]]:
    """server -> its decided log (slot -> value), from the trace: every incarnation's ``decided`` notes."""
    logs: dict[str, dict[int, Any]] = {}
    for r in sim.trace.notes(key="decided"):
        logs.setdefault(r.node, {}).setdefault(r.detail["decided"], r.detail["value"])
    return logs


def check_multipaxos(source: Simulation | Trace) -> list[str]:
    """Every broken safety property of a run (or of a trace), one line each ([] when safe); see the module doc."""
    trace = source.trace if isinstance(source, Simulation) else source
    problems: list[str] = []
    chosen: dict[int, tuple[Any, str]] = {}
    for r in trace.notes(key="decided"):
        slot, value = r.detail["decided"], r.detail["value"]
        first = chosen.setdefault(slot, (value, r.node))
        if first[0] != value:
            problems.append(f"agreement broken: slot {slot}: {first[1]} decided {first[0]!r} but {r.node} "
                            f"decided {value!r}")
    proposed: dict[tuple[Any, int], Any] = {}
    sent: set[Any] = set()
    for t, kind, src, _dst, _mid, msg in trace.records:
        if kind != "send":
            continue
        if type(msg) is MAccept:
            first_value = proposed.setdefault((msg.ballot, msg.slot), msg.value)
            if first_value != msg.value:
                problems.append(f"one value per ballot broken: ballot {msg.ballot} carried {first_value!r} and "
                                f"{msg.value!r} for slot {msg.slot} (sent by {src} at t={t:g})")
                proposed[(msg.ballot, msg.slot)] = msg.value
        elif type(msg) is Request:
            sent.add(msg.arg)
    for slot, (value, node) in sorted(chosen.items()):
        if value is not None and value not in sent:
            problems.append(f"validity broken: {node} decided {value!r} in slot {slot}, which no client sent")
    return problems


def stalled_replicas(sim: Simulation, *, grace: float, servers: Sequence[str] | None = None) -> list[str]:
    """Servers that are up but have not applied every slot decided somewhere ``grace`` ms before now."""
    horizon = sim.now - grace
    decided = sorted({r.detail["decided"] for r in sim.trace.notes(key="decided") if r.time <= horizon})
    if not decided:
        return []
    top = decided[-1]
    holes = [s for s in range(1, top + 1) if s not in set(decided)]
    out = []
    for n in servers if servers is not None else [n for n in sim.node_ids if n.startswith("n")]:
        if sim.status(n) != UP:
            continue
        applied = sim.node(n).applied
        if applied < top:
            where = f"; slot {holes[0]} was never decided" if holes and holes[0] <= applied + 1 else ""
            out.append(f"catch-up stalled: {n} applied slots up to {applied}, but slot {top} was decided by "
                       f"t={horizon:g}{where}")
    return out
