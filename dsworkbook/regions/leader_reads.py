"""Reading from followers: the three anomalies of replication lag and their fixes (G04).

Theory of operation
-------------------
A follower serves reads from what it has *applied*, which trails the leader. Kleppmann,
*Designing Data-Intensive Applications*, ch. 5, "Problems with Replication Lag", names what a
reader then sees, and this module reproduces each on the simulator and judges it from the
recorded history with the workbook's own checkers (:mod:`dsworkbook.checkers`):

* **read-after-write** (read-your-writes) - a client writes, then reads from a follower that
  has not applied its write yet, and its write seems lost: :func:`~dsworkbook.checkers.check_read_your_writes`;
* **monotonic reads** - a client reads from a fresh follower, then from a staler one, and time
  seems to go backwards: :func:`~dsworkbook.checkers.check_monotonic_reads`;
* **consistent prefix reads** - an observer sees an answer before the question it answers. The
  setup here is DDIA's: the data is *partitioned*, each partition with its own leader and log,
  so no order holds across partitions; the question's partition is busy and its follower lags.
  Judged with :func:`~dsworkbook.checkers.check_causal` (the answer causally follows the question).

The fixes: route a session's read to a replica whose applied position is at least the
session's last write position and last read position (a *position token*, the idea DDIA ch. 5
describes for read-after-write: remember the timestamp or log position of the user's last write),
else to the leader -
:func:`route_read`; a **sticky** replica per client also gives monotonic reads
(:func:`sticky_router`); and writing causally related data to **one partition**, whose log every
follower applies in order, gives consistent prefix reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

from dsworkbook.checkers import (CheckResult, check_causal, check_monotonic_reads, check_read_your_writes,
                                 from_sim_history)
from dsworkbook.checkers._session import mr_bad_reads, ryw_bad_reads
from dsworkbook.checkers.history import READ_FS, WRITE_FS
from dsworkbook.regions.world import rtt

__all__ = ["ReplicaView", "Session", "route_read", "nearest_router", "random_router", "sticky_router",
           "Anomalies", "count_anomalies", "check_consistent_prefix"]


class ReplicaView(NamedTuple):
    """What a read router knows of a replica: its name, region, applied position, health, role."""

    name: str
    region: str
    applied: int
    healthy: bool
    leader: bool = False


class Session(NamedTuple):
    """A client session's positions: of its last acknowledged write, and the highest it has read at."""

    last_write: int
    last_read: int


def route_read(session: Session, replicas: Sequence[ReplicaView], client_region: str) -> str | None:
    """The replica a session reads from, so that it reads its writes and never goes back in time.

    Rules: a follower is *fresh enough* when it is healthy and its applied position is at least
    ``max(last_write, last_read)`` (equal is enough). Read from the fresh-enough follower nearest
    to ``client_region`` by round-trip time (:func:`~dsworkbook.regions.world.rtt`), ties by the
    smaller name; when no follower is fresh enough, from the leader if it is healthy (it has
    every acknowledged write); else from nobody (``None``).
    """
    need = max(session[0], session[1])
    fresh = [r for r in replicas if not r.leader and r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: (rtt(client_region, r.region), r.name)).name
    leader = next((r for r in replicas if r.leader), None)
    return leader.name if leader is not None and leader.healthy else None


def nearest_router(session: Session, replicas: Sequence[ReplicaView], client_region: str) -> str | None:
    """No fix: the nearest healthy follower, however stale (ties by name; the leader only when no
    follower is up) - the plain "read from the local replica" that shows the anomalies."""
    up = [r for r in replicas if r.healthy and not r.leader]
    if up:
        return min(up, key=lambda r: (rtt(client_region, r.region), r.name)).name
    leader = next((r for r in replicas if r.leader and r.healthy), None)
    return None if leader is None else leader.name


def _local(replicas: Sequence[ReplicaView], client_region: str) -> list[str]:
    """The healthy followers at the smallest round-trip time from ``client_region``, by name."""
    up = [r for r in replicas if r.healthy and not r.leader]
    if not up:
        return []
    best = min(rtt(client_region, r.region) for r in up)
    return sorted(r.name for r in up if rtt(client_region, r.region) == best)


def random_router(seed: int) -> Callable[[Session, Sequence[ReplicaView], str], str | None]:
    """No fix: a load balancer over the nearest followers, each read to one drawn from
    ``random.Random(seed)`` - shows reads going back in time when those followers lag differently."""
    rng = random.Random(seed)

    def route(session: Session, replicas: Sequence[ReplicaView], client_region: str) -> str | None:
        local = _local(replicas, client_region)
        return local[rng.randrange(len(local))] if local else None
    return route


def sticky_router(seed: int) -> Callable[[Session, Sequence[ReplicaView], str], str | None]:
    """Monotonic reads by stickiness (DDIA ch. 5): each client region keeps the nearest follower it
    first drew while that follower stays healthy. It does not give read-your-writes."""
    rng = random.Random(seed)
    chosen: dict[str, str] = {}

    def route(session: Session, replicas: Sequence[ReplicaView], client_region: str) -> str | None:
        healthy = {r.name for r in replicas if r.healthy and not r.leader}
        if chosen.get(client_region) not in healthy:
            local = _local(replicas, client_region)
            if not local:
                return None
            chosen[client_region] = local[rng.randrange(len(local))]
        return chosen[client_region]
    return route


@dataclass(frozen=True)
class Anomalies:
    """How many reads broke each guarantee, and the checkers' verdicts on the whole history."""

    reads: int
    read_your_writes: int
    monotonic_reads: int
    ryw: CheckResult
    mr: CheckResult

    def row(self) -> dict[str, Any]:
        return {"reads": self.reads, "read-your-writes violations": self.read_your_writes,
                "monotonic-read violations": self.monotonic_reads}


def count_anomalies(history: Any, initial: Any = None) -> Anomalies:
    """Count the reads that break read-your-writes and monotonic reads, per session (process, key)."""
    h = from_sim_history(history)
    sessions: dict[tuple[Any, Any], list[Any]] = {}
    for op in sorted(h, key=lambda o: o.invoke_time):
        if op.outcome == "ok" and op.f in READ_FS | WRITE_FS:
            sessions.setdefault((op.process, op.key), []).append(op)
    ryw = mr = reads = 0
    for ops in sessions.values():
        pairs = [("write" if o.f in WRITE_FS else "read", o.value) for o in ops]
        ryw += len(ryw_bad_reads(pairs, initial))
        values = [o.output for o in ops if o.f in READ_FS]
        reads += len(values)
        mr += len(mr_bad_reads(values, initial))
    return Anomalies(reads, ryw, mr, check_read_your_writes(h, "kv"), check_monotonic_reads(h, "kv"))


def check_consistent_prefix(history: Any) -> CheckResult:
    """Consistent prefix reads, judged as causal consistency of the history (see the module docstring)."""
    return check_causal(from_sim_history(history), "kv")
