"""Leadership transfer: hand leadership to a chosen server, for planned maintenance (thesis §3.10).

Theory of operation
-------------------
Taking a leader down for maintenance by crashing it costs an election timeout of silence plus
an election. Ongaro's thesis §3.10 hands over instead: when a leader receives
:class:`~dsworkbook.consensus.raft.messages.TransferLeadership` naming ``target``, it

1. stops accepting new client requests (it answers :class:`NotLeader` pointing at the target);
2. brings the target's log up to date with ordinary AppendEntries;
3. once the target's ``match_index`` equals its own last index, sends it
   :class:`~dsworkbook.consensus.raft.messages.TimeoutNow`: the target starts an election at
   once (skipping PreVote; its RequestVote carries ``transfer``, so servers that have just heard
   from the leader still answer it). Holding the most up-to-date log and a head start, it
   almost always wins; its higher term then makes the old leader step down.

If the transfer has not ended after a minimum election timeout (the ``transfer`` timer), the
leader gives up and accepts requests again. A leader that sends TimeoutNow also gives up its
read lease (:mod:`~dsworkbook.consensus.raft.reads`): a new leader may be elected within it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsworkbook.consensus.raft.messages import TimeoutNow, TransferLeadership
from dsworkbook.consensus.raft.roles import LEADER

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["TransferMixin"]


class TransferMixin:
    """The leadership-transfer half of :class:`~dsworkbook.consensus.raft.node.RaftNode`."""

    def handle_transfer_request(self: "RaftNode", src: str, msg: TransferLeadership) -> None:
        """Begin handing over to ``msg.target`` (ignored by a non-leader, or for an unknown target).

        Without a target, the follower holding the most of this leader's log is chosen.
        """
        voters = [p for p in self.peers if not self.dynamic or self.configuration.is_voter(p)]  # not a learner
        if self.role is not LEADER or not voters:
            return
        target = msg.target if msg.target is not None else max(voters, key=lambda p: self.match_index[p])
        if target not in voters:
            return
        self.transfer_target = target
        self.set_timer("transfer", self.config.election_timeout[0])
        self.note(transfer=target, term=self.current_term)
        self.replicate(target, force=True)
        self.maybe_send_timeout_now()

    def maybe_send_timeout_now(self: "RaftNode") -> None:
        """Send TimeoutNow once the target holds every entry of this leader's log."""
        target = self.transfer_target
        if target is None or self.match_index.get(target, 0) < self.log.last_index:
            return
        self.give_up_lease()
        self.send(target, TimeoutNow())

    def abort_transfer(self: "RaftNode") -> None:
        """The ``transfer`` timer: an election timeout passed and this server still leads - carry on."""
        if self.transfer_target is not None:
            self.note(transfer=None, term=self.current_term)
        self.transfer_target = None

    def start_transfer_election(self: "RaftNode") -> None:
        """TimeoutNow: campaign at once, without PreVote, with ``transfer`` set on the RequestVote."""
        if self.role is LEADER:
            return
        self.transfer_campaign = True
        self.start_election()
