"""Leader election (§5.2, §5.4.1): the candidate's side and the voter's side.

Theory of operation
-------------------
A follower that hears nothing from a leader for a randomized election timeout becomes a
candidate: it increments its term, votes for itself, **persists both**, and asks every peer
for a vote (:meth:`ElectionMixin.start_election`). It resends the request to peers that have
not answered every heartbeat period (§5: "servers retry RPCs if they do not receive a
response in a timely manner"). A voter grants at most one vote per term, first come first
served, and only to a candidate whose log is at least as up-to-date as its own
(:meth:`ElectionMixin.handle_request_vote`); it persists the vote before replying, so a crash
cannot make it forget and vote again (Figure 2: persistent state is "updated on stable storage
before responding to RPCs"; the ``reply_before_persist`` variant sends first, and a crash between
the two effects - a torn handler - lets it vote twice). A candidate with votes from a majority
becomes leader.

Split votes end when a timeout fires: timeouts are drawn again at random each time, so one
candidate usually gets ahead of the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsworkbook.consensus.raft.log import at_least_as_up_to_date
from dsworkbook.consensus.raft.messages import RequestVote, RequestVoteReply
from dsworkbook.consensus.raft.roles import CANDIDATE

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["ElectionMixin"]


class ElectionMixin:
    """The election half of :class:`~dsworkbook.consensus.raft.node.RaftNode`."""

    def start_election(self: "RaftNode") -> None:
        """Election timeout: become a candidate of a new term and ask for votes (§5.2)."""
        self.current_term += 1
        self.voted_for = self.id
        self.save_term_and_vote()
        self.set_role(CANDIDATE)
        self.votes = {self.id}
        self.answered = {self.id}
        self.leader_id = None
        self.reset_election_timer()
        if self.has_quorum(self.votes):  # a cluster of one
            self.become_leader()
            return
        self.request_votes()

    def request_votes(self: "RaftNode") -> None:
        """Send RequestVote to every peer that has not answered yet, and plan a resend."""
        msg = RequestVote(self.current_term, self.id, self.log.last_index, self.log.last_term, self.transfer_campaign)
        for peer in self.peers:
            if peer not in self.answered:
                self.send(peer, msg)
        self.set_timer("resend-votes", self.config.heartbeat)

    def handle_request_vote(self: "RaftNode", src: str, msg: RequestVote) -> None:
        """Grant at most one vote per term, to an up-to-date candidate, persisted before replying."""
        if msg.term < self.current_term:
            self.send(src, RequestVoteReply(self.current_term, False))
            return
        if self.voted_for in (None, msg.candidate_id) and self.candidate_log_ok(msg):
            self.voted_for = msg.candidate_id
            if self.config.variant == "reply_before_persist":  # the broken variant: the vote leaves first
                self.send(src, RequestVoteReply(self.current_term, True))
                self.save_term_and_vote()
                self.reset_election_timer()
                return
            self.save_term_and_vote()
            self.reset_election_timer()
            self.send(src, RequestVoteReply(self.current_term, True))
        else:
            self.send(src, RequestVoteReply(self.current_term, False))

    def candidate_log_ok(self: "RaftNode", msg: RequestVote) -> bool:
        """§5.4.1: is the candidate's log at least as up-to-date as this voter's?"""
        if self.config.variant == "vote_without_log_check":
            return True  # the broken variant: any candidate will do
        return at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, self.log.last_index)

    def handle_request_vote_reply(self: "RaftNode", src: str, msg: RequestVoteReply) -> None:
        """Count a vote of this term; a majority makes this candidate the leader."""
        if msg.term != self.current_term:
            return
        self.answered.add(src)
        if msg.vote_granted:
            self.votes.add(src)
            if self.has_quorum(self.votes):
                self.become_leader()
