"""Roles as swappable handler tables (etcd's ``r.step = stepFollower``), not ``if role ==`` ladders.

Theory of operation
-------------------
A :class:`Role` maps each message type to the name of the :class:`~dsworkbook.consensus.raft.node.RaftNode`
method that handles it in that role, and names the method its timer calls. A node holds one
role at a time; changing role is assigning another table. A message that a role has no entry
for is ignored (a late RequestVoteReply reaching a leader, say). What every role does first -
step down on a higher term (§5.1) - is the shared prologue in ``RaftNode.on_message``, so no
table repeats it.

Names rather than functions are stored so that a subclass overriding, say,
``handle_request_vote`` (as the exercises do) is used in every role at once.

=========  ===============================  ==================================  ===============
role       RequestVote / RequestVoteReply   AppendEntries / AppendEntriesReply  timer
=========  ===============================  ==================================  ===============
follower   vote / -                         replicate / -                       start_election
candidate  vote / count the vote            step down, replicate / -            start_election
leader     vote (it has voted: refuse) / -  refuse (a second leader!) / track    heartbeat
=========  ===============================  ==================================  ===============

InstallSnapshot (§7, only with log compaction on) goes with AppendEntries: a follower installs it, a
candidate returns to follower first, a leader ignores one of its own term and tracks the replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from dsworkbook.consensus.raft.messages import (AppendEntries, AppendEntriesReply, InstallSnapshot,
                                                InstallSnapshotReply, RequestVote, RequestVoteReply)

__all__ = ["Role", "FOLLOWER", "CANDIDATE", "LEADER", "ROLES"]


@dataclass(frozen=True)
class Role:
    name: str
    handlers: Mapping[type, str]
    on_timeout: str

    def __repr__(self) -> str:
        return f"Role({self.name})"


FOLLOWER = Role("follower", {RequestVote: "handle_request_vote", AppendEntries: "handle_append_entries",
                             InstallSnapshot: "handle_install_snapshot"}, "start_election")
CANDIDATE = Role("candidate", {RequestVote: "handle_request_vote", RequestVoteReply: "handle_request_vote_reply",
                               AppendEntries: "candidate_append_entries",
                               InstallSnapshot: "candidate_install_snapshot"}, "start_election")
LEADER = Role("leader", {RequestVote: "handle_request_vote", AppendEntries: "leader_append_entries",
                         AppendEntriesReply: "handle_append_entries_reply",
                         InstallSnapshotReply: "handle_install_snapshot_reply"}, "heartbeat")

ROLES = {r.name: r for r in (FOLLOWER, CANDIDATE, LEADER)}
