"""What every replicated store of theme 02 shares: the client, refusals, workloads, placement.

Theory of operation
-------------------
A store is a set of replica nodes on the simulator; a **client** is one more node that runs a
list of operations ``(f, key, value)`` - ``("write", "x", 3)`` or ``("read", "x", None)`` - one
after another, each sent as a :class:`~dsworkbook.sim.Request` to one replica (the
*coordinator* of that operation). The client records every operation in ``sim.history``
(invoke, then ok / fail / unknown), which is what the consistency checkers read:

======================================  ==========================================================
what the client saw                     what it records
======================================  ==========================================================
a reply ``ok``                          ``ok`` (a read's output is the value it returned)
a :class:`Refused` that did not apply   ``fail``: the store guarantees nothing changed
a :class:`Refused` that may have        ``unknown``: some replica may hold the value (a write that
applied                                 reached fewer replicas than its quorum before timing out)
no reply before ``timeout``             ``unknown``: a timeout is never a failure
======================================  ==========================================================

The rule of the last two rows is the honest-history rule of Jepsen: calling a half-applied
write "failed" makes a correct store look wrong, because its value may be read later.

Placement: a key's **preference list** (Dynamo §4.3) is ``n`` consecutive replicas on a ring,
starting at a position computed from a stable hash of the key (``zlib.crc32``, not Python's
``hash``, which changes between processes).

Workloads: :func:`random_workload` draws operations from a seeded ``random.Random``; every
write writes a value no other write uses, so a read's output names the write it saw.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response, Simulation

__all__ = ["Refused", "KVClient", "ROUTINGS", "Workload", "random_workload", "preference_list", "majority",
           "check_nrw", "replica_ids", "client_ids", "op_latencies", "percentile", "outcome_of"]

#: How a client picks the replica for each operation.
ROUTINGS = ("sticky", "round-robin", "random")


@dataclass(frozen=True, slots=True)
class Refused:
    """A store's explicit "no": the reason, and whether the operation may have taken effect.

    ``maybe_applied`` is True for a write that reached some replicas but not its quorum before
    the coordinator gave up: the client must record it ``unknown``, never ``fail``.
    """

    reason: str
    maybe_applied: bool = False

    def __str__(self) -> str:
        return self.reason + (" (it may still have taken effect)" if self.maybe_applied else "")


def majority(n: int) -> int:
    """The smallest number of replicas that is more than half of ``n``: ``n // 2 + 1``.

    Two majorities of the same ``n`` always share a replica, which is what lets a quorum read
    see the last quorum write (Gifford 1979; Attiya, Bar-Noy, Dolev 1995).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"a cluster has a whole number >= 1 of replicas, got {n!r}")
    return n // 2 + 1


def check_nrw(n: int, r: int, w: int, replicas: int | None = None) -> tuple[int, int, int]:
    """Validate Dynamo-style ``N, R, W`` (1 <= R, W <= N <= replicas); returns them."""
    for name, v in (("N", n), ("R", r), ("W", w)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, got {v!r}")
    if r > n or w > n:
        raise ConfigError(f"R={r} and W={w} must each be <= N={n}: a quorum cannot be larger than the "
                          "replicas that hold the key")
    if replicas is not None and n > replicas:
        raise ConfigError(f"N={n} replicas per key needs at least {n} replica nodes, the cluster has {replicas}")
    return n, r, w


def preference_list(key: Any, replicas: Sequence[str], n: int) -> tuple[str, ...]:
    """The ``n`` replicas that hold ``key``: consecutive on the ring, from a stable hash of the key."""
    if not 1 <= n <= len(replicas):
        raise ConfigError(f"N={n} must be between 1 and the number of replicas ({len(replicas)})")
    start = zlib.crc32(repr(key).encode()) % len(replicas)
    return tuple(replicas[(start + i) % len(replicas)] for i in range(n))


def replica_ids(n: int) -> list[str]:
    """``["n1", ..., "nN"]``: the replica names every experiment of the theme uses."""
    return [f"n{i}" for i in range(1, n + 1)]


def client_ids(n: int) -> list[str]:
    """``["c1", ..., "cN"]``."""
    return [f"c{i}" for i in range(1, n + 1)]


# -- workloads ---------------------------------------------------------------------------------------

Op = tuple[str, Any, Any]


@dataclass(frozen=True)
class Workload:
    """Each client's list of operations ``(f, key, value)``, and the settings that drew them."""

    ops: dict[str, tuple[Op, ...]]
    seed: int

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.ops.values())


def random_workload(seed: int, clients: Sequence[str], *, ops: int = 20, keys: Sequence[Any] = ("x", "y"),
                    write_ratio: float = 0.5) -> Workload:
    """``ops`` operations per client on ``keys``; writes carry values unique across the workload.

    Client ``i``'s ``j``-th write writes ``1000 * (i + 1) + j``, so a value read names its write.
    """
    if isinstance(ops, bool) or not isinstance(ops, int) or ops < 0:
        raise ConfigError(f"ops must be a whole number >= 0 per client, got {ops!r}")
    if not 0.0 <= write_ratio <= 1.0:
        raise ConfigError(f"write_ratio is a fraction in [0, 1], got {write_ratio!r}")
    if not keys:
        raise ConfigError("keys must name at least one key")
    rng = random.Random(seed)
    out: dict[str, tuple[Op, ...]] = {}
    for i, c in enumerate(clients):
        mine: list[Op] = []
        for j in range(ops):
            key = rng.choice(list(keys))
            mine.append(("write", key, 1000 * (i + 1) + j) if rng.random() < write_ratio else ("read", key, None))
        out[c] = tuple(mine)
    return Workload(out, seed)


# -- the client ----------------------------------------------------------------------------------------


def outcome_of(f: str, reply: Response | None) -> tuple[str, Any]:
    """The honest history entry for a reply (None: the client timed out): ``(outcome, output)``."""
    if reply is None:
        return "unknown", None
    if reply.ok:
        return "ok", reply.value if f == "read" else None
    refused = reply.value
    if isinstance(refused, Refused) and not refused.maybe_applied:
        return "fail", None
    return "unknown", None


def _check_ops(ops: Iterable[Any]) -> tuple[Op, ...]:
    out = []
    for op in ops:
        if not (isinstance(op, tuple) and len(op) == 3 and op[0] in ("read", "write")):
            raise ConfigError(f"an operation is (f, key, value) with f 'read' or 'write', got {op!r}")
        out.append(op)
    return tuple(out)


class KVClient(Node):
    """Runs ``ops`` one after another against the replicas ``servers``; records the history.

    ``routing``: ``sticky`` sends every operation to ``servers[0]`` and moves to the next
    server only after a timeout; ``round-robin`` uses the next server for each operation;
    ``random`` picks one with the client's own random stream (``self.rng``, derived from the
    seed). ``timeout`` is the client's patience per operation (ms), ``think`` the pause
    between operations, ``start_at`` when it begins.
    :meth:`outcome` turns a reply into the history entry (override it to change the rule).
    """

    def __init__(self, node_id: str, *, servers: Sequence[str], ops: Iterable[Op] = (), timeout: float = 300.0,
                 think: float = 0.0, routing: str = "sticky", start_at: float = 0.0, req_base: int = 0) -> None:
        super().__init__(node_id)
        if not servers:
            raise ConfigError("a client needs at least one server (a replica id) to talk to")
        if routing not in ROUTINGS:
            raise ConfigError(f"routing must be one of {list(ROUTINGS)}, got {routing!r}")
        for name, v in (("timeout", timeout), ("think", think), ("start_at", start_at)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"{name} must be a number of ms >= 0, got {v!r}")
        self.servers, self.routing = tuple(servers), routing
        self.ops = _check_ops(ops)
        self.timeout, self.think, self.start_at, self.req_base = float(timeout), float(think), float(start_at), req_base

    def on_start(self) -> None:
        self.index, self.turn, self.next_req = -1, 0, self.req_base
        self.handle: int | None = None
        self.current: Request | None = None
        self.set_timer("next", self.start_at)

    def outcome(self, f: str, reply: Response | None) -> tuple[str, Any]:
        """``(outcome, output)`` for the history; ``reply`` is None when the client timed out."""
        return outcome_of(f, reply)

    def pick_server(self) -> str:
        if self.routing == "random":
            return self.rng.choice(self.servers)
        if self.routing == "round-robin":
            return self.servers[self.index % len(self.servers)]
        return self.servers[self.turn % len(self.servers)]

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self._next_op()
        elif name == "timeout" and self.current is not None:
            if self.routing == "sticky":
                self.turn += 1  # fail over to the next server for the following operations
            self._finish(None)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response) and self.current is not None and msg.req_id == self.current.req_id:
            self._finish(msg)

    def _next_op(self) -> None:
        self.index += 1
        if self.index >= len(self.ops):
            return
        f, key, value = self.ops[self.index]
        self.handle = self.invoke(f, value if f == "write" else None, key=key)
        self.next_req += 1
        self.current = Request(self.next_req, f, (key, value))
        self.send(self.pick_server(), self.current)
        self.set_timer("timeout", self.timeout)

    def _finish(self, reply: Response | None) -> None:
        assert self.current is not None and self.handle is not None
        outcome, output = self.outcome(self.current.op, reply)
        self.cancel_timer("timeout")
        self.complete(self.handle, outcome, output)
        self.handle, self.current = None, None
        self.set_timer("next", self.think)


# -- measuring a run ---------------------------------------------------------------------------------


def op_latencies(sim: Simulation, *, outcome: str = "ok", f: str | None = None) -> list[float]:
    """Latencies (ms) of the finished operations with this ``outcome`` (and function ``f``)."""
    return [op.complete_time - op.invoke_time for op in sim.history
            if op.outcome == outcome and op.complete_time is not None and (f is None or op.f == f)]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation, as pandas does; NaN for no values."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
