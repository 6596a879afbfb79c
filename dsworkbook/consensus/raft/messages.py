"""Raft's messages, named as in Figure 2 of the paper (Ongaro & Ousterhout 2014).

Theory of operation
-------------------
The paper describes two RPCs; on a message-passing network each becomes a request and a reply,
four immutable records in all: :class:`RequestVote`, :class:`RequestVoteReply`,
:class:`AppendEntries` and :class:`AppendEntriesReply`. Every one carries the sender's
``term``: a receiver first compares terms (the shared prologue of every role, §5.1) and only
then looks at the rest.

Replies carry a little more than the paper's two fields, because nothing pairs a reply with
its request on a network that loses, duplicates and reorders: an :class:`AppendEntriesReply`
says which index it is about (``index``: the last index it now matches on success, the
rejected ``prev_log_index`` on failure) and the follower's last index as a back-off hint
(§5.3, the optimisation at the end of the section). A :class:`RequestVoteReply` names no
candidate: a candidate counts replies of its own term only, by voter.

Log entries are :class:`Entry` records ``(term, command)``; a ``command`` of ``None`` is the
no-op a new leader appends (§8). Client commands are :class:`Command` records carrying the
client id and a sequence number, which is what the state machine de-duplicates on (§8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NewType

__all__ = ["Term", "Index", "Entry", "Command", "NotLeader", "RequestVote", "RequestVoteReply",
           "AppendEntries", "AppendEntriesReply", "TimeoutNow", "RAFT_MESSAGES"]

Term = NewType("Term", int)
Index = NewType("Index", int)


@dataclass(frozen=True, slots=True)
class Command:
    """A client command: ``op`` on ``key`` (with ``value``), the ``seq``-th command of ``client``."""

    client: str
    seq: int
    op: str
    key: Any = None
    value: Any = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One log entry: the term in which a leader created it, and its command (None: a no-op)."""

    term: int
    command: Any = None


@dataclass(frozen=True, slots=True)
class NotLeader:
    """The answer of a server that is not the leader: try ``leader`` (None: it does not know)."""

    leader: str | None


@dataclass(frozen=True, slots=True)
class RequestVote:
    """Invoked by candidates to gather votes (Figure 2, §5.2)."""

    term: int
    candidate_id: str
    last_log_index: int
    last_log_term: int


@dataclass(frozen=True, slots=True)
class RequestVoteReply:
    term: int
    vote_granted: bool


@dataclass(frozen=True, slots=True)
class AppendEntries:
    """Invoked by the leader to replicate entries; also the heartbeat (Figure 2, §5.3)."""

    term: int
    leader_id: str
    prev_log_index: int
    prev_log_term: int
    entries: tuple[Entry, ...]
    leader_commit: int

    @property
    def size(self) -> int:
        """For a network with bandwidth: a header plus one unit per entry."""
        return 1 + len(self.entries)


@dataclass(frozen=True, slots=True)
class AppendEntriesReply:
    """``success`` as in Figure 2; ``index`` says which request it answers (see the module doc)."""

    term: int
    success: bool
    index: int
    last_log_index: int


@dataclass(frozen=True, slots=True)
class TimeoutNow:
    """"Start an election now" (Ongaro's thesis, §3.10, leadership transfer).

    It carries no term and skips the prologue: scripted scenarios (Figure 8) and the cluster
    widget use it to decide who campaigns when, instead of waiting for a random timeout.
    """


RAFT_MESSAGES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)
