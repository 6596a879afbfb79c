"""Building a PBFT run, its broken variants, and the invariants checked on every run.

Theory of operation
-------------------
:func:`pbft_sim` builds ``n`` replicas (``r0``...; the primary of view v is ``r{v mod n}``) of
which ``traitors`` are :class:`~.traitors.Traitor` s playing a strategy, and clients that each run
a short workload of puts and gets. Every run is judged by :func:`check_pbft`, from what the
replicas reported in the trace and what the clients saw in the history:

* **agreement**: no two honest replicas executed different requests at one sequence number;
* **order**: each honest replica executed sequence numbers one by one, 1, 2, 3... (a state
  transfer to a stable checkpoint is the only jump);
* **validity for clients**: every result a client accepted is the result some honest replica
  produced for that request.

:data:`PBFT_VARIANTS` are the broken variants the campaign must catch: ``n_3f`` runs one
replica short (n = 3f) with quorums of n - f, so the system stays live with f silent replicas,
but two quorums of 2f meet in only f replicas, all of whom may be traitors (Malkhi and Reiter
1998: Byzantine quorums must meet in 2f+1 to outvote f liars; Bracha and Toueg's bound);
``prepare_f_plus_1`` counts f+1 matching votes (pre-prepare and f prepares, f+1 commits,
f+1 checkpoints and view changes) where PBFT needs 2f+1 - the seeds' threshold; ``accept_first``
is a client that takes the first reply instead of f+1 matching ones.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from dsworkbook.consensus.pbft.client import Client
from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.replica import Replica, Thresholds, check_config
from dsworkbook.consensus.pbft.traitors import Cabal, Traitor, check_strategy
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

__all__ = ["PBFT_VARIANTS", "pbft_sim", "replica_ids", "check_pbft", "honest_replicas", "clients_done",
           "FPlusOne", "NMinusF", "workload"]

PBFT_VARIANTS: dict[str, str] = {
    "correct": "PBFT as in Castro and Liskov §4: n = 3f+1, prepared = pre-prepare + 2f prepares, committed = "
               "2f+1 commits, stable checkpoint and new view at 2f+1, clients wait for f+1 matching replies",
    "n_3f": "one replica short: n = 3f with quorums of n - f = 2f; two quorums meet in only f replicas, which "
            "may all be traitors",
    "prepare_f_plus_1": "f+1 matching messages where 2f+1 are needed: prepared with the pre-prepare and f "
                        "prepares, committed with f+1 commits (and view changes and checkpoints with f+1)",
    "accept_first": "the client accepts the first reply instead of f+1 matching ones",
}


class FPlusOne(Thresholds):
    """The seeds' threshold: f+1 matching messages wherever PBFT needs 2f+1."""

    def __init__(self, n: int, f: int) -> None:
        super().__init__(n, f)
        self.prepares, self.commits, self.checkpoint, self.view_change = f, f + 1, f + 1, f + 1


class NMinusF(Thresholds):
    """Quorums of n - f (live with f silent replicas): safe only when n >= 3f+1."""

    def __init__(self, n: int, f: int) -> None:
        super().__init__(n, f)
        q = n - f
        self.prepares, self.commits, self.checkpoint, self.view_change = q - 1, q, q, q


def replica_ids(n: int) -> list[str]:
    return [f"r{i}" for i in range(n)]


def workload(rng: random.Random, client: str, ops: int) -> list[tuple]:
    """``ops`` operations: puts of values never written before, and gets, on two keys."""
    out: list[tuple] = []
    for i in range(1, ops + 1):
        key = rng.choice(("x", "y"))
        out.append(("get", key) if rng.random() < 0.3 else ("put", key, f"{client}-{i}"))
    return out


def pbft_sim(seed: int, *, f: int = 1, n: int | None = None, traitors: Sequence[str] = (),
             strategy: str | dict[str, str] = "silent", clients: int = 2, ops: int = 6,
             checkpoint_interval: int = 4, view_timeout: float = 80.0, client_timeout: float = 150.0,
             latency: Any = (1, 10), variant: str = "correct") -> Simulation:
    """A PBFT cluster with ``traitors`` playing ``strategy`` (one for all, or id -> strategy) and clients.

    ``n`` defaults to 3f+1 (3f for the ``n_3f`` variant). Nothing has run yet.
    """
    if variant not in PBFT_VARIANTS:
        raise ConfigError(f"unknown PBFT variant {variant!r}; choose one of {list(PBFT_VARIANTS)}")
    if isinstance(f, bool) or not isinstance(f, int) or f < 0:
        raise ConfigError(f"f must be an int >= 0 faulty replicas, got {f!r}")
    if n is None:
        n = 3 * f if variant == "n_3f" else 3 * f + 1
    check_config(n if variant != "n_3f" else n + 1, f, checkpoint_interval)
    if isinstance(clients, bool) or not isinstance(clients, int) or clients < 1:
        raise ConfigError(f"clients must be an int >= 1, got {clients!r}")
    members = replica_ids(n)
    strategies = {t: strategy for t in traitors} if isinstance(strategy, str) else dict(strategy)
    for t, s in strategies.items():
        check_strategy(s)
        if s == "mixed":
            raise ConfigError("'mixed' draws a strategy per traitor; pass a dict of concrete strategies here")
        if t not in members:
            raise ConfigError(f"traitor {t!r} is not a replica; the replicas are {members}")
    if len(strategies) > f:
        raise ConfigError(f"{len(strategies)} traitors but f={f}: PBFT promises nothing beyond f traitors")
    cids = [f"c{i}" for i in range(1, clients + 1)]
    sim = Simulation(seed, latency=latency)
    keys = Keyring(seed, members + cids)
    thresholds = {"n_3f": NMinusF, "prepare_f_plus_1": FPlusOne}.get(variant, Thresholds)
    cabal = Cabal(strategies)
    common = dict(members=members, f=f, keys=keys, checkpoint_interval=checkpoint_interval,
                  view_timeout=view_timeout, thresholds=thresholds)
    for r in members:
        if r in strategies:
            sim.add_node(r, Traitor, cabal=cabal, **common)
        else:
            sim.add_node(r, Replica, **common)
    wl = random.Random(seed)
    for c in cids:
        sim.add_node(c, Client, replicas=members, f=f, keys=keys, ops=workload(wl, c, ops),
                     timeout=client_timeout, accept_first=variant == "accept_first")
    sim.pbft = {"keys": keys, "cabal": cabal, "members": members, "clients": cids, "f": f}  # type: ignore[attr-defined]
    return sim


def honest_replicas(sim: Simulation) -> list[str]:
    info = sim.pbft  # type: ignore[attr-defined]
    return [r for r in info["members"] if r not in info["cabal"].strategies]


def clients_done(sim: Simulation) -> bool:
    """The *sometimes* half: every client had all its operations answered."""
    return all(sim.node(c).done for c in sim.pbft["clients"])  # type: ignore[attr-defined]


def check_pbft(sim: Simulation) -> list[str]:
    """Every broken property of a finished run, one line each (empty: agreement, order and client validity hold)."""
    honest = set(honest_replicas(sim))
    problems: list[str] = []
    at: dict[int, tuple[str, str]] = {}
    produced: dict[tuple[str, int], set[Any]] = {}
    last: dict[str, int] = {}
    for rec in sim.trace.notes():
        node, fields = rec.node, rec.detail
        if node not in honest:
            continue
        if "adopted" in fields or "recovered" in fields:
            last[node] = max(last.get(node, 0), fields.get("adopted", fields.get("recovered", 0)))
        if "executed" not in fields:
            continue
        seq, digest = fields["executed"], fields["digest"]
        if seq != last.get(node, 0) + 1:
            problems.append(f"order broken: {node} executed {seq} after {last.get(node, 0)}")
        last[node] = seq
        seen = at.setdefault(seq, (node, digest))
        if seen[1] != digest:
            problems.append(f"agreement broken: at sequence number {seq} {seen[0]} executed {seen[1]} and "
                            f"{node} executed {digest}")
        if "result" in fields:
            produced.setdefault((fields["client"], fields["timestamp"]), set()).add(repr(fields["result"]))
    counters: dict[str, int] = {}
    for op in sim.history:
        if op.outcome != "ok":
            continue
        counters[op.process] = counters.get(op.process, 0) + 1
        results = produced.get((op.process, counters[op.process]), set())
        if repr(op.output) not in results:
            problems.append(f"client validity broken: {op.process} accepted {op.output!r} for request "
                            f"{counters[op.process]}, which no honest replica produced")
    return problems
