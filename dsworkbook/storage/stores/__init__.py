"""M04 · Three stores, three consistency models: eventual, causal, sequential (correct versions).

=============  ============================================  ===========================  ==================
store          how it replicates                             what clients get             what it is not
=============  ============================================  ===========================  ==================
eventual       version vectors, siblings, a resolver,        replicas converge            read-your-writes,
               gossip; clients go to any replica                                          causal
causal         updates carry dependency vectors and wait     causal order, own writes,    sequential
               until those are applied; sticky clients       available under partition
sequential     a sequencer numbers every write; replicas     one order of all writes,     linearizable
               apply in order, read locally                  program order kept
=============  ============================================  ===========================  ==================

:func:`store_sim` builds and runs one of them with seeded clients; the notebook classifies the
histories with :func:`dsworkbook.checkers.classify` to show each store meeting its model and
missing the next stronger one.

The causal store keeps read-your-writes and monotonic reads because its clients are sticky.
:mod:`~dsworkbook.storage.stores.session` keeps them for clients that go to any replica: the
client carries a session token and a replica serves it only if it has applied what the token
names (Terry et al. 1994) - the subject of exercise ``03-design-session``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.storage.common import KVClient, client_ids, random_workload, replica_ids
from dsworkbook.storage.stores.causal import CausalReplica, Update, deliverable
from dsworkbook.storage.stores.eventual import (EventualReplica, Gossip, Sibling, merge_siblings, resolve_newest,
                                                resolve_union)
from dsworkbook.storage.stores.sequential import Ordered, SequentialReplica, Submit
from dsworkbook.storage.stores.session import SessionClient, SessionReplica, SessionRule, VectorSession, session_run

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EventualReplica", "CausalReplica", "SequentialReplica", "STORES", "store_sim", "converged",
           "classify_store", "model_table", "witness", "SETTLE",
           "Sibling", "Gossip", "merge_siblings", "resolve_newest", "resolve_union", "Update", "deliverable",
           "Submit", "Ordered", "EXPECTED",
           "SessionRule", "VectorSession", "SessionReplica", "SessionClient", "session_run"]

#: store name -> (replica class, client routing)
STORES: dict[str, tuple[type, str]] = {
    "eventual": (EventualReplica, "random"),
    "causal": (CausalReplica, "sticky"),
    "sequential": (SequentialReplica, "sticky"),
}

#: The model each store promises, and the next stronger one it does not (names of the checkers' ladder).
EXPECTED: dict[str, tuple[str, str]] = {
    "eventual": ("convergent", "read-your-writes"),
    "causal": ("causal", "sequential"),
    "sequential": ("sequential", "linearizable"),
}
#: Convergence is judged on reads that start this long after the last write (the final readers').
SETTLE = 1000.0


def store_sim(store: str, seed: int, *, replicas: int = 3, clients: int = 3, ops: int = 12,
              keys: tuple[Any, ...] = ("x", "y"), write_ratio: float = 0.5, local: Any = (1, 4),
              wan: Any = (15, 60), think: float = 5.0, settle_at: float = 2500.0, until: float = 3500.0,
              partition: tuple[float, float] | None = None, replica_options: dict[str, Any] | None = None
              ) -> Simulation:
    """Run ``store`` (``eventual``, ``causal`` or ``sequential``) with seeded clients; return the sim.

    The replicas are far apart and each client is near its replica - the geo-replicated setting
    these stores are built for: links between replicas take ``wan`` ms, every other link
    ``local`` ms. Client ``ci`` prefers replica ``n((i - 1) % replicas + 1)``. At ``settle_at``
    ms, when the writes are long over, one reader per replica (``r1``, ``r2``...) reads every key
    once, so convergence can be checked. ``partition=(start, end)`` isolates the first replica
    and its clients from the rest during ``[start, end)`` ms.
    """
    if store not in STORES:
        raise ConfigError(f"store must be one of {list(STORES)}, got {store!r}")
    cls, routing = STORES[store]
    reps, cls_ids = replica_ids(replicas), client_ids(clients)
    sim = Simulation(seed=seed, latency=local)
    for r in reps:
        sim.add_node(r, cls, replicas=reps, **(replica_options or {}))
    for a in reps:
        for b in reps:
            if a < b:
                sim.net.set_link(a, b, latency=wan, both=True)
    work = random_workload(seed, cls_ids, ops=ops, keys=keys, write_ratio=write_ratio)
    for i, c in enumerate(cls_ids):
        servers = reps[i % replicas:] + reps[:i % replicas]
        sim.add_node(c, KVClient, servers=servers, ops=work.ops[c], routing=routing, think=think,
                     timeout=1000.0, req_base=(i + 1) * 100_000)
    for i, r in enumerate(reps):
        sim.add_node(f"r{i + 1}", KVClient, servers=[r], ops=[("read", k, None) for k in keys], start_at=settle_at,
                     timeout=1000.0, req_base=(clients + i + 1) * 100_000)
    if partition is not None:
        start, end = partition
        side = [reps[0]] + [c for i, c in enumerate(cls_ids) if i % replicas == 0]
        sim.at(start, sim.net.partition, side, [n for n in sim.node_ids if n not in side])
        sim.at(end, sim.net.heal)
    sim.run(until=until)
    return sim


def converged(sim: Simulation) -> bool:
    """True when every replica of a store holds the same data (after gossip has had time)."""
    states = []
    for node_id in sim.node_ids:
        node = sim.node(node_id)
        if isinstance(node, EventualReplica):
            states.append({k: node.resolver(v) for k, v in node.siblings.items()})
        elif isinstance(node, CausalReplica):
            states.append({k: u.value for k, u in node.data.items()})
        elif isinstance(node, SequentialReplica):
            states.append(dict(node.data))
    if not states:
        raise ConfigError("this simulation has no replicas of the eventual, causal or sequential store")
    return all(s == states[0] for s in states)


def classify_store(store: str, seed: int, **options: Any) -> tuple[Simulation, Any]:
    """Run ``store`` on ``seed`` and classify its history (kv model); returns (sim, classification)."""
    from dsworkbook.checkers import classify, from_sim_history

    sim = store_sim(store, seed, **options)
    return sim, classify(from_sim_history(sim.history), model="kv", settle=SETTLE)


def model_table(stores: Iterable[str] = tuple(STORES), seeds: Iterable[int] = range(10)) -> "pd.DataFrame":
    """For each store and seed: the strongest model, and whether the promised and the stronger model hold."""
    import pandas as pd

    rows = []
    seeds = list(seeds)
    for store in stores:
        promised, stronger = EXPECTED[store]
        for seed in seeds:
            _, c = classify_store(store, seed)
            rows.append({"store": store, "seed": seed, "strongest": c.strongest, "promised": c[promised].verdict,
                         "next stronger": c[stronger].verdict, "promise met": bool(c[promised].ok),
                         "stronger broken": c[stronger].ok is False})
    return pd.DataFrame(rows)


def witness(store: str, seeds: Iterable[int] = range(50)) -> tuple[int, Simulation, Any] | None:
    """The first seed on which ``store`` meets its promised model and breaks the next stronger one."""
    promised, stronger = EXPECTED[store]
    for seed in seeds:
        sim, c = classify_store(store, seed)
        if c[promised].ok and c[stronger].ok is False:
            return seed, sim, c
    return None
