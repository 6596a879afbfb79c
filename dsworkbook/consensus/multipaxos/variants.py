"""Broken Multi-Paxos servers, each a bug found in review, kept so the fuzz campaign proves it catches them.

Theory of operation
-------------------
Each variant overrides one small method of :class:`~.node.MultiPaxosNode` (two for
``anonymous_acks``) and nothing else:

``catchup_from_accepted``
    A replica's :class:`~.messages.CatchUp` is answered with what this server's acceptor
    *accepted* in each slot up to its applied one, not with what was *decided*. An acceptance
    that was never chosen is then applied as decided: replicas' logs diverge, though clients may
    never see it (the diverging replica answers none of them).
``reuse_old_ballot``
    A leader that steps down keeps its ballot and its promises. One late promise makes it leader
    again under the same ballot, and it proposes afresh for slots it already proposed in that
    ballot: one ballot carries two values for one slot, and a later leader's phase 1 cannot tell
    which of the two may have been chosen.
``anonymous_acks``
    ``reuse_old_ballot``, with acknowledgements counted by ballot and slot alone, as if they named
    no value - the bug as it was first found: acceptances of the first value, arriving late, are
    counted for the second, and the leader decides a value no majority accepted. (With fresh
    ballots, unnamed acknowledgements do no harm, since a ballot then never carries two values
    for a slot; naming the value is the second line of defence.)
``no_gap_fill``
    A slot is proposed once and never again: when its Accepts or their acknowledgements are
    lost, it stays undecided while later slots are chosen, and every replica waits behind the
    hole - for ever, once the leader is stable.

``no_sessions`` runs the correct protocol over a state machine without client sessions
(:class:`~dsworkbook.consensus.raft_kv.KVStoreNoSessions`): every replica applies the same log,
so the replicas agree, but a retried ``put`` is applied twice and clients see a history that is
not linearizable. Only a check of the clients' history catches it.
"""

from __future__ import annotations

from typing import Any, Iterable

from dsworkbook.consensus.multipaxos.messages import Ballot, MAccepted, MPrepare
from dsworkbook.consensus.multipaxos.node import MultiPaxosNode
from dsworkbook.consensus.raft_kv import KVStoreNoSessions

__all__ = ["CatchUpFromAccepted", "ReuseOldBallot", "AnonymousAcks", "NoGapFill", "NoSessions",
           "MULTIPAXOS_VARIANTS"]


class CatchUpFromAccepted(MultiPaxosNode):
    """Broken: answers catch-up from its acceptor's acceptances (maybe never chosen), not from decided slots."""

    def catch_up_from(self, first: int) -> Iterable[tuple[int, Any]]:
        last = min(self.applied, first + self.catch_up_batch - 1)
        return ((s, self.accepted[s][1]) for s in range(first, last + 1) if s in self.accepted)


class ReuseOldBallot(MultiPaxosNode):
    """Broken: stepping down keeps the ballot and its promises, so a late promise makes it leader again
    under it; and a new ballot is one round above the promise alone, so a server whose own Prepare was
    lost (or that crashed before it arrived) campaigns again with the ballot it used last time."""

    def forget_ballot(self) -> None:
        self.proposals, self.votes, self.fresh = {}, {}, set()  # the ballot and its promises stay

    def campaign(self) -> None:
        self.round = self.promised.round  # not the rounds used or seen, and nothing persisted
        self.ballot = Ballot(self.round + 1, self.id)
        self.promises, self.is_leader, self.proposals, self.votes = {}, False, {}, {}
        self.note(role="candidate", ballot=str(self.ballot))
        for m in self.members:
            self.send(m, MPrepare(self.ballot))
        self.reset_timer()


class AnonymousAcks(ReuseOldBallot):
    """Broken twice: the old ballot is reused, and an acknowledgement counts whatever value it names."""

    def counts(self, msg: MAccepted) -> bool:
        return True


class NoGapFill(MultiPaxosNode):
    """Broken: a slot whose phase 2 failed is never proposed again, so later slots wait behind it."""

    def refill(self) -> None:
        self.fresh = set()


class NoSessions(MultiPaxosNode):
    """The correct protocol over a store without client sessions: a retried command is applied twice."""

    def __init__(self, node_id: str, **kwargs: Any) -> None:
        kwargs["state_machine"] = KVStoreNoSessions
        super().__init__(node_id, **kwargs)


#: name -> server class: Multi-Paxos as it should be, and the bugs the fuzz campaign must catch.
MULTIPAXOS_VARIANTS: dict[str, type[MultiPaxosNode]] = {
    "correct": MultiPaxosNode, "catchup_from_accepted": CatchUpFromAccepted, "reuse_old_ballot": ReuseOldBallot,
    "anonymous_acks": AnonymousAcks, "no_gap_fill": NoGapFill, "no_sessions": NoSessions}
