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

With log compaction (``RaftConfig.snapshot_every``) a server's state is rebuilt from a snapshot
(:meth:`KVStore.snapshot`, :meth:`KVStore.restore`): the data *and* the sessions, for the same
reason - a server restored without the sessions applies a retried command again.

:func:`kv_sim` builds a cluster with clients running random workloads; :func:`kv_verdict`
hands its history to the linearizability checker of :mod:`dsworkbook.checkers` (theme M02).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from dsworkbook.consensus.raft import Command, RaftConfig, raft_sim
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation
from dsworkbook.sim.latency import LatencySpec

__all__ = ["KVStore", "KVStoreNoSessions", "KVSnapshot", "KV_OPS", "kv_workload", "kv_sim", "kv_verdict", "kv_history",
           "KVViolation", "kv_violation"]

KV_OPS = ("put", "get", "cas")


@dataclass(frozen=True)
class KVSnapshot:
    """The key-value store's state in a snapshot: data and sessions as (key, value) pairs, and the count of
    commands executed. Immutable, so one snapshot can be stored and sent to many servers."""

    data: tuple[tuple[Any, Any], ...]
    sessions: tuple[tuple[str, tuple[int, Any]], ...]
    executed: int = 0

    def __len__(self) -> int:
        """Its size in items (a network with bandwidth charges one unit per item)."""
        return len(self.data) + len(self.sessions)


class KVStore:
    """The state machine: a dict, plus a session per client for exactly-once application.

    ``put key value`` -> ``value``; ``get key`` -> the value or None; ``cas key (old, new)`` ->
    True if it swapped. A command whose ``seq`` is not above the client's last one is answered
    from the session (the same output) or, if older still, ignored (None).
    """

    #: the read-only operations (:meth:`query` answers them without changing anything)
    READS = ("get",)

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}
        self.sessions: dict[str, tuple[int, Any]] = {}
        self.executed = 0

    def query(self, command: Command) -> Any:
        """Answer a read-only command from the current state, without applying or recording it.

        Only the ``stale_read_leader`` variant calls this: correct Raft orders every read through
        the log (see the module docstring).
        """
        if command.op not in self.READS:
            raise ConfigError(f"query answers only read-only operations {list(self.READS)}, got {command.op!r}")
        return self.data.get(command.key)

    def snapshot(self, *, sessions: bool = True) -> KVSnapshot:
        """The state a snapshot holds (log compaction, §7 of the paper): the data and the session table.

        ``sessions=False`` leaves the table out - the ``snapshot_without_sessions`` variant.
        """
        return KVSnapshot(tuple(self.data.items()), tuple(self.sessions.items()) if sessions else (), self.executed)

    def restore(self, state: KVSnapshot) -> None:
        """Replace the whole state with a snapshot's."""
        self.data = dict(state.data)
        self.sessions = dict(state.sessions)
        self.executed = state.executed

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


@dataclass(frozen=True)
class KVViolation:
    """The earliest moment a run's history stops being linearizable, and the operation that ended then.

    ``time`` is the completion after which no order of the operations explains every answer -
    nothing that happens later can repair it - and ``op`` that operation (typically a read that
    returned an overwritten value). ``decided`` is False when the checker ran out of budget
    (``reason`` says why); such a history is reported rather than passed.
    """

    time: float
    op: Any = None
    decided: bool = True
    reason: str = ""

    @property
    def property(self) -> str:
        return "linearizability"

    def describe(self) -> str:
        if not self.decided:
            return f"linearizability undecided at t={self.time:.1f}: {self.reason}"
        op = self.op
        what = (f"{op.process}'s {op.f} {op.key} returned {op.output!r}" if op.f in KVStore.READS else
                f"{op.process}'s {op.f} {op.key} {op.input!r} returned {op.output!r}")
        return (f"linearizability broken at t={self.time:.1f}: {what} (invoked at t={op.invoke_time:.1f}), and no "
                "order of the key-value operations completed by then explains every answer")


def _cut(ops: Sequence[Any], t: float) -> list[Any]:
    """The history as it stood at time ``t``: operations invoked by then, those still running pending."""
    return [op if op.complete_time is not None and op.complete_time <= t else
            replace(op, outcome=None, output=None, complete_time=None)
            for op in ops if op.invoke_time <= t]


def kv_violation(history: Any) -> KVViolation | None:
    """None when the history (a simulation's ``sim.history``) is linearizable for a key-value store.

    Otherwise the earliest completion after which it is not: a history that is not
    linearizable at time t stays so whatever happens later (an operation invoked after t cannot
    be ordered before one that completed by t), so a binary search over completion times finds
    it with a few checks of the linearizability checker (theme M02).
    """
    from dsworkbook.checkers import check_linearizable, from_sim_history

    ops = list(history)
    verdict = check_linearizable(from_sim_history(ops), model="kv")
    if verdict.ok:
        return None
    ends = sorted({op.complete_time for op in ops if op.complete_time is not None})
    if verdict.ok is None:
        return KVViolation(ends[-1] if ends else 0.0, None, False, verdict.reason)
    lo, hi = 0, len(ends) - 1  # not linearizable at ends[hi]; find the first such end
    while lo < hi:
        mid = (lo + hi) // 2
        if check_linearizable(from_sim_history(_cut(ops, ends[mid])), model="kv").ok is False:
            hi = mid
        else:
            lo = mid + 1
    t = ends[lo]
    op = next(op for op in ops if op.complete_time == t)
    return KVViolation(t, op)


def kv_history(sim: Simulation) -> Any:
    """The run's history in the checkers' form (``dsworkbook.checkers.from_sim_history``)."""
    from dsworkbook.checkers import from_sim_history

    return from_sim_history(sim.history)


def kv_verdict(sim: Simulation) -> str:
    """``linearizable``, ``not linearizable`` or ``unknown``: the checker of theme M02 on this run."""
    from dsworkbook.checkers import check_linearizable

    return check_linearizable(kv_history(sim), model="kv").verdict
