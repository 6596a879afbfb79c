"""Three classic mistakes in Paxos, each a subclass of :class:`~dsworkbook.consensus.paxos.node.PaxosNode`.

Theory of operation
-------------------
``own_value`` skips the phase 2 rule and proposes its own value, so a late proposer replaces a
value already chosen; ``forget_promises`` keeps promises and acceptances in memory only, so a
restarted acceptor forgets them; ``naive_ballots`` numbers ballots with a plain counter (two
proposers can share one) and, when promising, compares rounds alone - so two proposers that
share a ballot both get promises for it (and, once ids differ, an acceptor promises a ballot
lower than its promise). The fuzz campaign (``dsworkbook fuzz paxos --variant NAME``) catches each by a broken
agreement; the last is the exercise ``07-drill-ballots``.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.paxos.messages import Accept, Ballot, Promise
from dsworkbook.consensus.paxos.node import PaxosNode

__all__ = ["OwnValueProposer", "ForgetfulAcceptor", "NaiveBallots", "PAXOS_VARIANTS"]


class OwnValueProposer(PaxosNode):
    """Broken: phase 2 proposes the proposer's own value, ignoring what acceptors already accepted."""

    def on_promise(self, src: str, msg: Promise) -> None:
        if self.phase != "prepare" or msg.ballot != self.ballot:
            return
        self.promises[src] = msg
        if len(self.promises) >= self.q1:
            self.phase = "accept"
            for a in self.acceptors:
                self.send(a, Accept(self.ballot, self.value))  # the bug: a chosen value can be replaced


class ForgetfulAcceptor(PaxosNode):
    """Broken: the acceptor keeps its promise and acceptance in memory only, so a crash erases them."""

    def persist(self, **values: Any) -> None:
        kept = {k: v for k, v in values.items() if k not in ("promised", "accepted")}
        if kept:
            super().persist(**kept)


class NaiveBallots(PaxosNode):
    """Broken two ways (a pitfall drill): ballots are plain counters, so two proposers can pick the
    same number; and the promise check compares rounds only, so an acceptor promises a second
    proposer the very ballot it promised the first (or a lower ballot of the same round)."""

    def new_ballot(self) -> Ballot:
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, "")  # bug 1: no proposer id - two proposers can share a ballot

    def promise_ok(self, ballot: Ballot) -> bool:
        return ballot.round >= self.promised.round  # bug 2: rounds only - the proposer id is ignored


#: name -> node class: Paxos as in the paper, and two classic mistakes.
PAXOS_VARIANTS: dict[str, type[PaxosNode]] = {"correct": PaxosNode, "own_value": OwnValueProposer,
                                              "forget_promises": ForgetfulAcceptor, "naive_ballots": NaiveBallots}
