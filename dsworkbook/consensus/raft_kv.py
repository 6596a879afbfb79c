"""A linearizable key-value store on Raft, with client retries and de-duplication (F06).

Theory of operation
-------------------
Every operation - reads included - is a command in the Raft log; a server applies committed
commands in log order to a :class:`KVStore`, so all replicas go through the same states and the
leader answers a client only after its command is applied (§8 of the paper). That makes each
operation take effect at one instant between its invocation and its response: the store is
linearizable, with reads as cheap as writes are (one round of replication).

Clients (:class:`~dsworkbook.consensus.raft.client.RaftClient`) retry after a timeout or a
redirect, so one operation can reach the log several times - a leader may even commit an
attempt after it lost leadership. The store de-duplicates: it keeps, per client, the highest
sequence number applied and its output (a *session*), and answers a repeat with that output
instead of applying it again. Without sessions, a retried ``put`` can be applied after a later
``put`` of the same client, and the history stops being linearizable.

:func:`kv_sim` builds a cluster with clients running random workloads; :func:`kv_verdict`
hands its history to the linearizability checker of :mod:`dsworkbook.checkers` (theme M02).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

from dsworkbook.consensus.raft import Command, RaftConfig, raft_sim
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.sim.latency import LatencySpec

__all__ = ["KVStore", "KVStoreNoSessions", "KV_OPS", "kv_workload", "kv_sim", "kv_verdict", "kv_history"]

KV_OPS = ("put", "get", "cas")


class KVStore:
    """The state machine: a dict, plus a session per client for exactly-once application.

    ``put key value`` -> ``value``; ``get key`` -> the value or None; ``cas key (old, new)`` ->
    True if it swapped. A command whose ``seq`` is not above the client's last one is answered
    from the session (the same output) or, if older still, ignored (None).
    """

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}
        self.sessions: dict[str, tuple[int, Any]] = {}
        self.executed = 0

    def apply(self, command: Command) -> Any:
        last = self.sessions.get(command.client)
        if last is not None and command.seq <= last[0]:
            return last[1] if command.seq == last[0] else None
        output = self.execute(command)
        self.sessions[command.client] = (command.seq, output)
        return output

    def execute(self, command: Command) -> Any:
        """Run one command against the dict (no de-duplication here)."""
        self.executed += 1
        op, key, value = command.op, command.key, command.value
        if op == "put":
            self.data[key] = value
            return value
        if op == "get":
            return self.data.get(key)
        if op == "cas":
            old, new = value
            if self.data.get(key) == old:
                self.data[key] = new
                return True
            return False
        raise ConfigError(f"unknown key-value operation {op!r}; the store knows {list(KV_OPS)}")


class KVStoreNoSessions(KVStore):
    """The store without sessions: every copy of a command that reaches the log is applied."""

    def apply(self, command: Command) -> Any:
        return self.execute(command)


def kv_workload(rng: random.Random, ops: int, *, keys: Sequence[str] = ("x", "y"), client: str = "c",
                reads: float = 0.4, cas: float = 0.0) -> list[tuple[str, Any, Any]]:
    """``ops`` random operations: gets with probability ``reads``, cas with ``cas``, else puts.

    Every put writes a value never written before (``"c1-3"``: client c1's third op), which
    keeps histories easy to read and to check.
    """
    out: list[tuple[str, Any, Any]] = []
    for i in range(1, ops + 1):
        key, r = rng.choice(list(keys)), rng.random()
        if r < reads:
            out.append(("get", key, None))
        elif r < reads + cas:
            out.append(("cas", key, (None if rng.random() < 0.3 else f"{client}-{i - 1}", f"{client}-{i}")))
        else:
            out.append(("put", key, f"{client}-{i}"))
    return out


def kv_sim(seed: int, *, clients: int = 3, ops: int = 10, servers: int = 5, config: RaftConfig | None = None,
           keys: Sequence[str] = ("x", "y"), reads: float = 0.4, store: Callable[[], Any] = KVStore,
           latency: LatencySpec = (1, 10), loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0,
           client_timeout: float = 100.0, think: float = 5.0, node_class: Any = None) -> Simulation:
    """A Raft cluster serving a key-value store to ``clients`` clients of ``ops`` random operations each.

    ``node_class`` swaps in a :class:`~dsworkbook.consensus.raft.RaftNode` subclass.
    """
    if isinstance(clients, bool) or not isinstance(clients, int) or clients < 0:
        raise ConfigError(f"clients must be an int >= 0, got {clients!r}")
    wl = random.Random(seed)
    workloads = [kv_workload(wl, ops, keys=keys, client=f"c{i}", reads=reads) for i in range(1, clients + 1)]
    extra = {"node_class": node_class} if node_class is not None else {}
    return raft_sim(seed, servers=servers, config=config, workloads=workloads, state_machine=store,
                    latency=latency, loss=loss, duplicate=duplicate, reorder=reorder, client_timeout=client_timeout,
                    think=think, **extra)


def kv_history(sim: Simulation) -> Any:
    """The run's history in the checkers' form (``dsworkbook.checkers.from_sim_history``)."""
    from dsworkbook.checkers import from_sim_history

    return from_sim_history(sim.history)


def kv_verdict(sim: Simulation) -> str:
    """``linearizable``, ``not linearizable`` or ``unknown``: the checker of theme M02 on this run."""
    from dsworkbook.checkers import check_linearizable

    return check_linearizable(kv_history(sim), model="kv").verdict
