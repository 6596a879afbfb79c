"""The messages of single-leader replication (:mod:`dsworkbook.regions.leader`), named after what they do.

Theory of operation
-------------------
Immutable records, one per kind of message: the leader's :class:`Append` and the follower's
:class:`AppendAck` (log replication, with the epoch that fences an old leader), the clients'
:class:`Write` / :class:`WriteAck` and :class:`Read` / :class:`ReadReply`, and the
orchestrator's failover exchange - :class:`Heartbeat`, :class:`Fence`, :class:`Status`,
:class:`Promote`, :class:`LeaderIs`, :class:`WhoLeads`. A log :class:`Entry` carries the epoch
it was written in and the leader's clock at append (for measuring lag in ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["Entry", "Append", "AppendAck", "Write", "WriteAck", "Read", "ReadReply", "Heartbeat", "Fence", "Status",
           "Promote", "LeaderIs", "WhoLeads"]


class Entry(NamedTuple):
    """One log entry: the epoch it was written in, the key and value, the leader's clock at append."""

    epoch: int
    key: Any
    value: Any
    t: float


# -- messages (named after what they do) ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Append:
    """Leader -> follower: ``entries`` go after position ``prev`` (whose entry has epoch ``prev_epoch``)."""

    epoch: int
    prev: int
    prev_epoch: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class AppendAck:
    """Follower -> leader: ``ok`` with the position received up to, or not ok with where to resend from."""

    epoch: int
    position: int
    ok: bool


@dataclass(frozen=True, slots=True)
class Write:
    req_id: int
    key: Any
    value: Any


@dataclass(frozen=True, slots=True)
class WriteAck:
    """Leader -> client: acknowledged at ``position`` in ``epoch``, or refused (``leader`` = whom to ask)."""

    req_id: int
    ok: bool
    position: int = 0
    epoch: int = 0
    leader: str | None = None


@dataclass(frozen=True, slots=True)
class Read:
    req_id: int
    key: Any


@dataclass(frozen=True, slots=True)
class ReadReply:
    """The value of the key in the replica's applied state, and its applied position."""

    req_id: int
    value: Any
    applied: int


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """Leader -> orchestrator, every ``heartbeat`` ms: I lead ``epoch``, my log ends at ``position``."""

    epoch: int
    position: int


@dataclass(frozen=True, slots=True)
class Fence:
    """Orchestrator -> replicas: epoch ``epoch`` begins; stop taking older appends and report your log."""

    epoch: int


@dataclass(frozen=True, slots=True)
class Status:
    """Replica -> orchestrator: my log ends at ``position`` with an entry of epoch ``last_epoch``."""

    epoch: int
    position: int
    last_epoch: int


@dataclass(frozen=True, slots=True)
class Promote:
    """Orchestrator -> replicas: ``leader`` leads ``epoch``."""

    epoch: int
    leader: str


@dataclass(frozen=True, slots=True)
class LeaderIs:
    """Orchestrator -> clients (and stale leaders): ``leader`` leads ``epoch``."""

    epoch: int
    leader: str


@dataclass(frozen=True, slots=True)
class WhoLeads:
    """Client -> orchestrator: which replica leads now?"""
