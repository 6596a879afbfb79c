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
rejected ``prev_log_index`` on failure). A refusal also carries two back-off hints, used
according to ``RaftConfig.backoff`` (see :mod:`~dsworkbook.consensus.raft.replication`): the
follower's last index (``last_log_index``: a log shorter than ``prev_log_index`` is skipped in
one step - common practice, not in the paper) and, as §5.3 of the paper suggests at the end of
the section, the term of the conflicting entry and the first index the follower stores for
that term (``conflict_term``, ``conflict_index``; ``0`` means "no hint"). A
:class:`RequestVoteReply` names no candidate: a candidate counts replies of its own term only,
by voter.

Log entries are :class:`Entry` records ``(term, command)``; a ``command`` of ``None`` is the
no-op a new leader appends (§8). Client commands are :class:`Command` records carrying the
client id and a sequence number, which is what the state machine de-duplicates on (§8).

Beyond the paper (Ongaro's thesis, 2014; each used only when its ``RaftConfig`` option is on):
:class:`PreVote` / :class:`PreVoteReply` (§9.6) ask "would you vote for me?" without touching
anyone's term; :class:`TimeoutNow` (§3.10) starts an election at once, and
:class:`TransferLeadership` asks a leader to hand over to a given server. Every AppendEntries
carries the leader's heartbeat ``round`` and its reply echoes it: a reply to round k proves the
follower still took the sender for its leader after round k began, which is what ReadIndex and
leases count (§6.4). A :class:`RequestVote` with ``transfer`` set comes from a leadership
transfer and is heard even by a server that has just heard from a leader (§4.2.3 lets it through).

Log compaction (§7 of the paper, used only with ``RaftConfig.snapshot_every``): a
:class:`Snapshot` is the durable record of a state machine's state through a last included
index and term; :class:`InstallSnapshot` (Figure 13) carries the leader's snapshot to a follower
whose next entry the leader no longer holds, in one piece (the paper's ``offset``/``done``
chunking is left out), and :class:`InstallSnapshotReply` answers it - with, beyond the paper's
``term``, the last included index it answers and the heartbeat ``round``, for the same reasons
as an AppendEntriesReply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NewType

__all__ = ["Term", "Index", "Entry", "Command", "NotLeader", "RequestVote", "RequestVoteReply",
           "AppendEntries", "AppendEntriesReply", "TimeoutNow", "PreVote", "PreVoteReply",
           "TransferLeadership", "Snapshot", "InstallSnapshot", "InstallSnapshotReply", "RAFT_MESSAGES",
           "message_kind", "message_label"]

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
    transfer: bool = False


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
    round: int = 0

    @property
    def size(self) -> int:
        """For a network with bandwidth: a header plus one unit per entry."""
        return 1 + len(self.entries)


@dataclass(frozen=True, slots=True)
class AppendEntriesReply:
    """``success`` as in Figure 2; ``index`` says which request it answers (see the module doc).

    On a refusal by the consistency check, ``conflict_term`` is the term of the follower's entry
    at ``prev_log_index`` (0 if it has none) and ``conflict_index`` the first index it stores for
    that term (its last index + 1 if it has no entry there): the hint of §5.3 that lets the leader
    skip a whole term per round trip. Both are 0 when no hint is given.
    """

    term: int
    success: bool
    index: int
    last_log_index: int
    conflict_term: int = 0
    conflict_index: int = 0
    round: int = 0


@dataclass(frozen=True, slots=True)
class TimeoutNow:
    """"Start an election now" (Ongaro's thesis, §3.10, leadership transfer).

    It carries no term and skips the prologue: a leader handing over sends it to its target once
    the target's log is up to date, and scripted scenarios (Figure 8) and the cluster widget use it
    to decide who campaigns when, instead of waiting for a random timeout. The election it starts
    skips PreVote and its RequestVote has ``transfer`` set.
    """


@dataclass(frozen=True, slots=True)
class PreVote:
    """"Could I win an election of ``term``?" - asked before bumping any term (thesis §9.6).

    ``term`` is the term the sender *would* campaign in (its own + 1); the receiver's term does not
    change whatever it answers.
    """

    term: int
    candidate_id: str
    last_log_index: int
    last_log_term: int


@dataclass(frozen=True, slots=True)
class PreVoteReply:
    """The answer to a :class:`PreVote` of term ``asked``; ``term`` is the voter's own current term."""

    term: int
    asked: int
    granted: bool


@dataclass(frozen=True, slots=True)
class TransferLeadership:
    """An operator's request to a leader: hand leadership over to ``target`` (thesis §3.10).

    ``target=None`` lets the leader pick the follower with the most of its log (the highest
    ``match_index``). Servers that do not lead ignore it.
    """

    target: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A state machine's state after applying every entry through ``index`` (of ``term``), §7.

    ``state`` is what the state machine's ``snapshot()`` returned - for the key-value store, its
    data *and* its client sessions (without them a retried command would be applied twice).
    """

    index: int
    term: int
    state: Any = None
    configuration: Any = None  # the configuration as of ``index`` once membership changes are in use (thesis §5.1)


@dataclass(frozen=True, slots=True)
class InstallSnapshot:
    """Invoked by the leader to send a follower its snapshot (Figure 13), whole."""

    term: int
    leader_id: str
    last_included_index: int
    last_included_term: int
    data: Any
    round: int = 0
    configuration: Any = None  # the snapshot's configuration (membership changes; thesis §5.1)

    @property
    def size(self) -> int:
        """For a network with bandwidth: a header plus one unit per item of the state, if it counts them."""
        try:
            return 1 + len(self.data)
        except TypeError:
            return 1


@dataclass(frozen=True, slots=True)
class InstallSnapshotReply:
    """``term`` as in Figure 13; ``index`` is the last included index of the snapshot it answers."""

    term: int
    index: int
    round: int = 0


RAFT_MESSAGES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)


def message_kind(msg: Any) -> str:
    """What a message is, in a few words, for diagrams: ``RequestVote``, ``RequestVote reply``,
    ``AppendEntries``, ``AppendEntries (heartbeat)`` (no entries), ``AppendEntries reply``; any
    other message by its class name. Pass it as ``dw.viz.spacetime(sim, label=message_kind)``.
    """
    kind = type(msg)
    if kind is AppendEntries:
        return "AppendEntries" if msg.entries else "AppendEntries (heartbeat)"
    if kind is RequestVoteReply:
        return "RequestVote reply"
    if kind is AppendEntriesReply:
        return "AppendEntries reply"
    return kind.__name__


def message_label(msg: Any) -> tuple[str, str]:
    """(kind, short text) of a message for a space-time diagram's legend and arrow.

    The text says what matters at a glance: ``RV t2`` (a RequestVote of term 2), ``vote yes`` /
    ``vote no``, ``AE t2 +3`` (AppendEntries of term 2 carrying 3 entries), ``beat t2`` (a
    heartbeat), ``ok 7`` / ``no 5`` (an AppendEntries reply: matches up to 7 / refused
    ``prev_log_index`` 5). Pass it as ``dw.viz.spacetime(sim, label=message_label)``.
    """
    kind = type(msg)
    if kind is RequestVote:
        text = f"RV t{msg.term}"
    elif kind is RequestVoteReply:
        text = "vote yes" if msg.vote_granted else "vote no"
    elif kind is AppendEntries:
        text = f"AE t{msg.term} +{len(msg.entries)}" if msg.entries else f"beat t{msg.term}"
    elif kind is AppendEntriesReply:
        text = f"ok {msg.index}" if msg.success else f"no {msg.index}"
    elif kind is InstallSnapshot:
        text = f"snap t{msg.term} ..{msg.last_included_index}"
    elif kind is InstallSnapshotReply:
        text = f"ok snap {msg.index}"
    elif kind is PreVote:
        text = f"PV t{msg.term}"
    elif kind is PreVoteReply:
        text = "pre-vote yes" if msg.granted else "pre-vote no"
    else:
        text = kind.__name__
    return message_kind(msg), text
