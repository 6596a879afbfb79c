"""PreVote, CheckQuorum and the vote guard: keeping a healthy leader in place (thesis §9.6, §6.2, §4.2.3).

Theory of operation
-------------------
A server cut off from the cluster times out again and again; in the paper's core each timeout
bumps its term, and when it comes back its higher term deposes a healthy leader (every server
that sees the term steps down, §5.1) and the cluster sits through an election for nothing.
Ongaro's thesis ("Consensus: Bridging Theory and Practice", 2014) adds three rules, each a
``RaftConfig`` option, off by default:

* **vote guard** (§4.2.3, on with ``prevote`` or lease reads): a server that has heard from a
  leader within the minimum election timeout ignores a RequestVote - it neither grants it nor
  adopts its term. The time is measured by a timer (``vote-guard``), re-armed by every
  AppendEntries of the current leader and armed at every start (a restarted server does not
  know when it last heard from a leader), so clock jumps cannot shorten it. A RequestVote of a
  leadership transfer (``transfer`` set) is heard anyway: "it told you to";
* **PreVote** (§9.6): on an election timeout a follower first sends :class:`PreVote` for the
  term it would use, changing nothing; a server grants it when the asker's term would be above
  its own, the asker's log is at least as up-to-date as its own (§5.4.1), and it has not heard
  from a leader within the minimum election timeout. Only with a majority of grants does the
  follower start a real election. A server that rejoins while a leader is healthy is refused,
  so its term never grows and the leader is left alone;
* **CheckQuorum** (§6.2; etcd's name): every minimum election timeout, a leader that has not
  heard (any AppendEntries reply of its term) from a majority, itself included, since the last
  check steps down - in the same term, keeping its vote - so clients stuck with a leader cut
  off in a minority are told to look elsewhere.

None of them touches what is committed: PreVote and the guard only delay or refuse elections,
and a leader stepping down in its own term keeps its term and vote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.raft.log import at_least_as_up_to_date
from dsworkbook.consensus.raft.messages import PreVote, PreVoteReply, RequestVote, TimeoutNow, TransferLeadership
from dsworkbook.consensus.raft.roles import FOLLOWER, LEADER

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["PreVoteMixin"]


class PreVoteMixin:
    """The PreVote, CheckQuorum and vote-guard half of :class:`~dsworkbook.consensus.raft.node.RaftNode`."""

    # -- the vote guard (§4.2.3) ---------------------------------------------------------------

    def arm_vote_guard(self: "RaftNode") -> None:
        """Heard from a leader (or just started): ignore votes for a minimum election timeout."""
        self.guarded = True
        self.set_timer("vote-guard", self.config.election_timeout[0])

    def heard_from_leader(self: "RaftNode") -> None:
        """An AppendEntries of the current leader: no pre-vote in progress, and the guard starts again."""
        self.prevoting = False
        self.arm_vote_guard()

    def ignores_vote(self: "RaftNode", msg: RequestVote) -> bool:
        """Is this RequestVote to be dropped unread (no vote, no term change)? See the module doc."""
        return self.guarded and not msg.transfer and self.role is not LEADER

    # -- PreVote (§9.6) --------------------------------------------------------------------------

    def election_timeout_fired(self: "RaftNode") -> None:
        """With PreVote a follower first asks whether it could win; otherwise the paper's election."""
        if self.config.prevote and self.role is FOLLOWER:
            self.start_prevote()
        else:
            getattr(self, self.role.on_timeout)()

    def start_prevote(self: "RaftNode") -> None:
        """Ask every peer for a pre-vote for term + 1; nothing durable changes (§9.6)."""
        self.prevoting = True
        self.prevotes = {self.id}
        self.leader_id = None
        self.reset_election_timer()
        if self.has_quorum(self.prevotes):
            self.start_election()
            return
        msg = PreVote(self.current_term + 1, self.id, self.log.last_index, self.log.last_term)
        for peer in self.peers:
            self.send(peer, msg)

    def handle_prevote(self: "RaftNode", src: str, msg: PreVote) -> None:
        """Grant if the asker's term would be higher, its log is up to date, and no leader was heard lately."""
        granted = (msg.term > self.current_term and not self.guarded and self.role is not LEADER
                   and at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term,
                                              self.log.last_index))
        self.send(src, PreVoteReply(self.current_term, msg.term, granted))

    def handle_prevote_reply(self: "RaftNode", src: str, msg: PreVoteReply) -> None:
        """Count grants for term + 1; a refusal from a higher term makes this server adopt that term."""
        if not msg.granted:
            if msg.term > self.current_term:
                self.become_follower(msg.term)
            return
        if not self.prevoting or self.role is not FOLLOWER or msg.asked != self.current_term + 1:
            return
        self.prevotes.add(src)
        if self.has_quorum(self.prevotes):
            self.prevoting = False
            self.start_election()

    # -- CheckQuorum (§6.2) ------------------------------------------------------------------------

    def arm_check_quorum(self: "RaftNode") -> None:
        self.heard = {self.id}
        self.set_timer("check-quorum", self.config.election_timeout[0])

    def check_quorum(self: "RaftNode") -> None:
        """A minimum election timeout has passed: step down unless a majority answered meanwhile."""
        if self.has_quorum(self.heard):
            self.arm_check_quorum()
        else:
            self.step_down()

    def step_down(self: "RaftNode") -> None:
        """Stop leading, in the same term (its vote stays): clients are sent elsewhere."""
        self.note(step_down=True, term=self.current_term)
        self.set_role(FOLLOWER)
        self.leader_id = None
        self.cancel_timer("heartbeat")
        self.drop_pending_clients()
        self.reset_election_timer()

    # -- dispatch -------------------------------------------------------------------------------------

    def before_prologue(self: "RaftNode", src: str, msg: Any) -> None:
        """Handle a message that must not go through the term prologue (it would adopt a term it must not)."""
        kind = type(msg)
        if kind is PreVote:
            self.handle_prevote(src, msg)
        elif kind is PreVoteReply:
            self.handle_prevote_reply(src, msg)
        elif kind is TimeoutNow:
            self.start_transfer_election()
        elif kind is TransferLeadership:
            self.handle_transfer_request(src, msg)
