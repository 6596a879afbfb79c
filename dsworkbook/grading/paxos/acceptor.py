"""Exercise ``07-acceptor``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.consensus.paxos import Accept, Accepted, Ballot, Nack, PaxosNode, Prepare, Promise
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.paxos._common import PaxosBench, paxos_cluster_checks
from dsworkbook.sim import Persist, Send

B = Ballot
CLUSTER_SEEDS = tuple(range(40, 70))

#: (what it tests, messages delivered in order, the reply expected to the last one, hint)
CASES: list[tuple[str, list[Any], Any, str]] = [
    ("a first Prepare", [Prepare(B(1, "a1"))], Promise(B(1, "a1"), None, None),
     "promise a ballot higher than any promised so far; nothing accepted yet"),
    ("a Prepare after an acceptance", [Prepare(B(1, "a1")), Accept(B(1, "a1"), "X"), Prepare(B(2, "a3"))],
     Promise(B(2, "a3"), B(1, "a1"), "X"), "the promise carries the last (ballot, value) accepted (§2.2)"),
    ("a Prepare lower than the promise", [Prepare(B(3, "a1")), Prepare(B(2, "a3"))], Nack(B(2, "a3"), B(3, "a1")),
     "a lower ballot is refused: Nack(its ballot, the ballot promised)"),
    ("a Prepare equal to the promise", [Prepare(B(3, "a1")), Prepare(B(3, "a1"))], Nack(B(3, "a1"), B(3, "a1")),
     "promise only a ballot strictly higher than the one promised"),
    ("an Accept of the promised ballot", [Prepare(B(2, "a1")), Accept(B(2, "a1"), "X")], Accepted(B(2, "a1"), "X"),
     "accept unless a higher ballot was promised"),
    ("an Accept above the promise (its Prepare never arrived)", [Prepare(B(1, "a1")), Accept(B(4, "a3"), "Y")],
     Accepted(B(4, "a3"), "Y"), "accept it, and raise the promise to that ballot"),
    ("an Accept below the promise", [Prepare(B(5, "a3")), Accept(B(4, "a1"), "X")], Nack(B(4, "a1"), B(5, "a3")),
     "a ballot lower than the promise is refused"),
    ("an Accept above the promise, then a lower Accept", [Accept(B(4, "a3"), "Y"), Accept(B(3, "a1"), "X")],
     Nack(B(3, "a1"), B(4, "a3")), "accepting ballot 4 also promises ballot 4"),
]


def _check_case(cls: type[PaxosNode], name: str, msgs: list[Any], want: Any, hint: str) -> None:
    bench = PaxosBench(cls, case=name)
    shown = f"acceptor a2 (acceptors a1-a3) receives, from the proposer of each ballot: {msgs}"
    for msg in msgs:
        src = msg.ballot.proposer
        effects = bench.deliver(src, msg, shown)
    replies = bench.replies(effects)
    if replies != [want]:
        fail(case=name, input=shown, expected=[want], got=replies, hint=hint)
    if type(want) in (Promise, Accepted):
        sends = [i for i, e in enumerate(effects) if type(e) is Send]
        saves = [i for i, e in enumerate(effects) if type(e) is Persist]
        if not saves or saves[0] > sends[0]:
            fail(case=name, input=shown, expected="the promise (and acceptance) persisted before the reply",
                 got=f"effects in order: {effects}", hint="self.persist(promised=..., accepted=(ballot, value)) "
                 "before self.send(...): a crash must not erase a promise or an acceptance")


def _check_restart(cls: type[PaxosNode]) -> None:
    name = "a crash and restart between a promise and a lower Accept"
    bench = PaxosBench(cls, case=name)
    shown = "Prepare(5.a3), Accept(5.a3, 'Y'), crash and restart, then Accept(4.a1, 'X') and Prepare(6.a1)"
    bench.deliver("a3", Prepare(B(5, "a3")), shown)
    bench.deliver("a3", Accept(B(5, "a3"), "Y"), shown)
    bench.restart()
    late = bench.replies(bench.deliver("a1", Accept(B(4, "a1"), "X"), shown))
    promise = bench.replies(bench.deliver("a1", Prepare(B(6, "a1")), shown))
    want = [Nack(B(4, "a1"), B(5, "a3"))], [Promise(B(6, "a1"), B(5, "a3"), "Y")]
    if (late, promise) != want:
        fail(case=name, input=shown, expected=want, got=(late, promise),
             hint="keep promised and accepted in storage (self.persist) and read them back in on_start (the base "
                  "class reads storage keys 'promised' and 'accepted')")


@exercise("07-acceptor", title="The Paxos acceptor", theme="T07", concepts=("P01",))
def grade_acceptor(MyAcceptor: Any) -> str:
    """A ``PaxosNode`` subclass defining ``on_prepare(self, src, msg)`` and ``on_accept(self, src, msg)``.

    ``self.promised`` is the highest ballot promised, ``self.accepted`` the last ``(ballot, value)``
    accepted (or None). Promise a ``Prepare`` only if its ballot is higher than ``promised``,
    answering ``Promise(ballot, accepted ballot, accepted value)`` (Nones if nothing); accept an
    ``Accept`` unless ``promised`` is higher, raising ``promised`` to its ballot and answering
    ``Accepted(ballot, value)``; refuse with ``Nack(msg.ballot, self.promised)``. Persist
    ``promised`` and ``accepted`` (``self.persist(promised=..., accepted=...)``) before replying.
    Checked on 9 hand-made cases and in 30 seeded runs with four proposers under faults.
    """
    if not (inspect.isclass(MyAcceptor) and issubclass(MyAcceptor, PaxosNode)):
        fail(case="the answer itself", input=repr(MyAcceptor), expected="a subclass of PaxosNode",
             got=type(MyAcceptor).__name__, hint="write class MyAcceptor(dw.consensus.paxos.PaxosNode)")
    for case in CASES:
        _check_case(MyAcceptor, *case)
    _check_restart(MyAcceptor)
    ballots = paxos_cluster_checks(MyAcceptor, CLUSTER_SEEDS,
                                   hint="with your acceptors two values were chosen, or none")
    return (f"{len(CASES) + 1} acceptor cases right; {len(CLUSTER_SEEDS)} seeded runs under faults "
            f"(seeds {CLUSTER_SEEDS[0]}-{CLUSTER_SEEDS[-1]}, {ballots} ballots): one value chosen each time, "
            "learned by all")
