"""The Paxos node: acceptor and learner always, proposer when it has a value (Paxos Made Simple, §2).

Theory of operation
-------------------
An acceptor keeps ``promised`` and ``accepted`` and persists both before replying; a proposer
runs phase 1 (``Prepare`` to every acceptor, ``Promise`` from a majority) and phase 2 (``Accept``
with the value :func:`choose_value` picks, ``Accepted`` from a majority), then tells everyone
with ``Learn``. Refusals (``Nack``) from more acceptors than its phase can spare, or a timeout,
send the proposer back to phase 1 with a higher ballot after a fixed or random wait. Three
small methods hold the rules a drill or an exercise may replace: :meth:`PaxosNode.promise_ok`,
:meth:`PaxosNode.new_ballot` and :meth:`PaxosNode.choose`. The node writes ``propose``,
``phase2``, ``accepted`` and ``decided`` notes to the trace, which :func:`~dsworkbook.consensus.paxos.check_consensus` reads.

Two rules worth stating because implementations get them wrong:

* **A repeat of the promised ballot gets the same promise.** "Paxos Made Simple" §2.2 has an
  acceptor promise a prepare request numbered higher than any it has answered. A second copy of
  the very request it answered (the network duplicated it) is not a new request: ballots are
  unique to their proposer, so answering it again changes nothing - while refusing it would
  send the proposer back to phase 1 for nothing. :meth:`PaxosNode.promise_ok` therefore
  accepts a ballot that is *not lower* than the one promised.
* **A proposer does not abandon a ballot it can still win.** One refusal says that one acceptor
  promised a higher ballot, not that the ballot is lost: a proposer holding a majority of
  promises still gets its value chosen if a majority accepts it. So a proposer gives a ballot up
  only when the acceptors that refused it leave too few for its quorum (or on its timeout), and
  a ``Nack`` that names the very ballot as promised - a refusal of a duplicate - is no refusal.
* **Quorums need not be majorities.** Flexible Paxos (Howard, Malkhi and Spiegelman, 2016)
  shows that phase 1 and phase 2 may use quorums of different sizes ``q1`` and ``q2`` as long as
  every phase-1 quorum meets every phase-2 quorum (``q1 + q2 > n``); ``phase1_quorum`` and
  ``phase2_quorum`` set them (a majority by default).
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.paxos.messages import (ZERO, Accept, Accepted, Ballot, Learn, LearnRequest, Nack, Prepare,
                                                 Promise)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["BACKOFFS", "choose_value", "PaxosNode"]

BACKOFFS = ("fixed", "random")


def choose_value(promises: Sequence[Promise], own: Any) -> Any:
    """Phase 2's value: the value of the highest-ballot acceptance among ``promises``, else ``own`` (§2.2)."""
    best: Promise | None = None
    for p in promises:
        if p.accepted_ballot is not None and (best is None or p.accepted_ballot > best.accepted_ballot):
            best = p
    return own if best is None else best.accepted_value


class PaxosNode(Node):
    """An acceptor and learner; also a proposer of ``value`` when one is given.

    ``acceptors`` lists the acceptors (every node of the run by default is one). A proposer
    starts at ``start_at`` ms and, after a refusal or ``timeout`` ms without a majority, retries
    with a higher ballot after ``retry`` ms (``backoff="fixed"``) or a random wait in
    ``[0, retry * 2**attempt]`` capped at ``cap`` (``"random"``). ``phase1_quorum`` and
    ``phase2_quorum`` are how many promises and acceptances a proposer waits for (a majority of
    ``acceptors`` unless given; see the module doc on Flexible Paxos).
    """

    def __init__(self, node_id: str, *, acceptors: Sequence[str], value: Any = None, start_at: float = 0.0,
                 timeout: float = 100.0, retry: float = 10.0, cap: float = 400.0, backoff: str = "random",
                 phase1_quorum: int | None = None, phase2_quorum: int | None = None) -> None:
        super().__init__(node_id)
        if backoff not in BACKOFFS:
            raise ConfigError(f"backoff must be one of {BACKOFFS}, got {backoff!r}")
        self.acceptors = tuple(acceptors)
        self.value, self.start_at, self.timeout, self.retry, self.cap, self.backoff = (
            value, start_at, timeout, retry, cap, backoff)
        n = len(self.acceptors)
        for name, q in (("phase1_quorum", phase1_quorum), ("phase2_quorum", phase2_quorum)):
            if q is not None and (isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= n):
                raise ConfigError(f"{name} must be an int between 1 and the number of acceptors ({n}), got {q!r}")
        self.q1 = phase1_quorum if phase1_quorum is not None else self.majority
        self.q2 = phase2_quorum if phase2_quorum is not None else self.majority

    @property
    def majority(self) -> int:
        return len(self.acceptors) // 2 + 1

    # -- start -----------------------------------------------------------------------------------

    def on_start(self) -> None:
        stored = self.storage
        self.promised: Ballot = stored.get("promised", ZERO)
        self.accepted: tuple[Ballot, Any] | None = stored.get("accepted")
        self.decided: Any = stored.get("decided")
        self.round = stored.get("round", 0)
        self.phase = "idle"
        self.ballot: Ballot | None = None
        self.promises: dict[str, Promise] = {}
        self.accepts: set[str] = set()
        self.refusals: set[str] = set()  # acceptors that refused the current ballot
        self.attempts = 0
        self.highest_seen = self.promised
        if self.decided is not None:  # announce a decision the crash kept on disk but may have cut short
            self.note(decided=self.decided, recovered=True)
        if self.value is not None and "decided" not in stored:
            self.set_timer("propose", self.start_at)
        if "decided" not in stored and self.value is None:
            self.set_timer("ask", self.timeout)  # a proposer learns by proposing

    # -- the acceptor ------------------------------------------------------------------------------

    def promise_ok(self, ballot: Ballot) -> bool:
        """May this acceptor promise ``ballot``? If no higher ballot was promised: a higher ballot is a new
        promise, and the promised ballot itself is a repeat of the request already answered (§2.2)."""
        return ballot >= self.promised

    def new_ballot(self) -> Ballot:
        """A ballot higher than any seen, and unique to this proposer (the proposer id breaks ties)."""
        self.round = max(self.round, self.highest_seen.round) + 1
        return Ballot(self.round, self.id)

    def choose(self, promises: Sequence[Promise], own: Any) -> Any:
        """Phase 2's value (see :func:`choose_value`)."""
        return choose_value(promises, own)

    def on_prepare(self, src: str, msg: Prepare) -> None:
        if self.promise_ok(msg.ballot):
            self.promised = msg.ballot
            self.persist(promised=self.promised)
            acc_b, acc_v = self.accepted if self.accepted else (None, None)
            self.send(src, Promise(msg.ballot, acc_b, acc_v))
        else:
            self.send(src, Nack(msg.ballot, self.promised))

    def on_accept(self, src: str, msg: Accept) -> None:
        if msg.ballot >= self.promised:
            self.promised = msg.ballot
            self.accepted = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=self.accepted)
            self.note(accepted=msg.value, ballot=msg.ballot)
            self.send(src, Accepted(msg.ballot, msg.value))
        else:
            self.send(src, Nack(msg.ballot, self.promised))

    # -- the proposer --------------------------------------------------------------------------------

    def propose(self) -> None:
        """Phase 1a: a fresh ballot, higher than any seen, to every acceptor."""
        if self.decided is not None:
            return
        self.ballot = self.new_ballot()
        self.persist(round=self.round)
        self.phase, self.promises, self.accepts, self.refusals = "prepare", {}, set(), set()
        self.attempts += 1
        self.note(propose=self.value, ballot=self.ballot)
        for a in self.acceptors:
            self.send(a, Prepare(self.ballot))
        self.set_timer("timeout", self.timeout)

    def on_promise(self, src: str, msg: Promise) -> None:
        if self.phase != "prepare" or msg.ballot != self.ballot:
            return
        self.promises[src] = msg
        if len(self.promises) >= self.q1:
            value = self.choose(list(self.promises.values()), self.value)
            self.phase = "accept"
            self.note(phase2=value, ballot=self.ballot)
            for a in self.acceptors:
                self.send(a, Accept(self.ballot, value))

    def on_accepted(self, src: str, msg: Accepted) -> None:
        if self.phase != "accept" or msg.ballot != self.ballot:
            return
        self.accepts.add(src)
        if len(self.accepts) >= self.q2:
            self.phase = "chosen"
            self.cancel_timer("timeout")
            for n in (*self.acceptors, *[p for p in self.peers if p not in self.acceptors]):
                if n != self.id:
                    self.send(n, Learn(msg.value))
            self.learn(msg.value)

    def on_nack(self, src: str, msg: Nack) -> None:
        """A refusal: give the ballot up only once too many acceptors refused it for its phase to succeed.

        A Nack naming the very ballot as promised refuses a duplicate, not the ballot; and a
        proposer that holds a majority of promises still wins if a phase-2 quorum accepts, so a
        late refusal of its Prepare by the one acceptor it did not need changes nothing.
        """
        self.highest_seen = max(self.highest_seen, msg.promised)
        if msg.ballot != self.ballot or self.phase not in ("prepare", "accept") or not msg.promised > msg.ballot:
            return
        self.refusals.add(src)
        needed = self.q1 if self.phase == "prepare" else self.q2
        if len(self.acceptors) - len(self.refusals) < needed:
            self.give_up()

    def give_up(self) -> None:
        """Pre-empted (or timed out): wait, then try again with a higher ballot."""
        self.phase = "waiting"
        self.cancel_timer("timeout")
        if self.backoff == "fixed":
            delay = self.retry
        else:
            delay = self.rng.uniform(0, min(self.cap, self.retry * 2 ** min(self.attempts, 10)))
        self.set_timer("propose", delay)

    # -- the learner ------------------------------------------------------------------------------

    def learn(self, value: Any) -> None:
        if self.decided is None:
            self.decided = value
            self.persist(decided=value)
            self.note(decided=value)
            self.cancel_timer("propose")
            self.cancel_timer("timeout")
            self.cancel_timer("ask")

    # -- dispatch -----------------------------------------------------------------------------------

    HANDLERS = {Prepare: "on_prepare", Accept: "on_accept", Promise: "on_promise", Accepted: "on_accepted",
                Nack: "on_nack"}

    def on_message(self, src: str, msg: Any) -> None:
        if type(msg) is Learn:
            self.learn(msg.value)
            return
        if type(msg) is LearnRequest:
            if self.decided is not None:
                self.send(src, Learn(self.decided))
            return
        name = self.HANDLERS.get(type(msg))
        if name is not None:
            if hasattr(msg, "ballot"):
                self.highest_seen = max(self.highest_seen, msg.ballot)
            getattr(self, name)(src, msg)

    def on_timer(self, name: Any) -> None:
        if name == "propose":
            self.propose()
        elif name == "timeout" and self.phase in ("prepare", "accept"):
            self.give_up()
        elif name == "ask" and self.decided is None:
            for n in self.peers:
                self.send(n, LearnRequest())
            self.set_timer("ask", self.timeout)
