"""Exercise ``07-acceptor``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.consensus.paxos import Accept, Accepted, Ballot, PaxosNode, Prepare, Promise
from dsworkbook.grading.core import exercise, fail, random_cases
from dsworkbook.grading.paxos._common import PaxosBench, draw_ballot, fmt, fmt_replies, paxos_cluster_checks
from dsworkbook.sim import Persist, Send

B = Ballot
CLUSTER_SEEDS = tuple(range(40, 70))
RESTART = "crash and restart"
RANDOM_SEED, RANDOM_COUNT = 4077, 300

#: (what it tests, the script - messages (with their sender) and restarts - and the hint for a wrong reply)
SCRIPTS: list[tuple[str, list[Any], str]] = [
    ("a first Prepare", [Prepare(B(1, "a1"))],
     "promise a ballot when nothing higher was promised; report that nothing was accepted (None, None)"),
    ("a Prepare after an acceptance", [Prepare(B(1, "a1")), Accept(B(1, "a1"), "X"), Prepare(B(2, "a3"))],
     "the promise carries the last (ballot, value) accepted - Paxos Made Simple §2.2"),
    ("a Prepare lower than the promise", [Prepare(B(3, "a1")), Prepare(B(2, "a3"))],
     "a lower ballot is refused: Nack(msg.ballot, self.promised)"),
    ("a duplicated Prepare of the ballot already promised", [Prepare(B(3, "a1")), Prepare(B(3, "a1"))],
     "a repeat of the very ballot promised is the same request arriving twice: answer it with the same Promise "
     "(refusing it sends its proposer back to phase 1 for nothing)"),
    ("a duplicated Prepare arriving after the Accept of its ballot",
     [Prepare(B(3, "a1")), Accept(B(3, "a1"), "X"), Prepare(B(3, "a1"))],
     "a repeat of the promised ballot gets a Promise with what was accepted so far - here (3.a1, 'X')"),
    ("an Accept of the promised ballot", [Prepare(B(2, "a1")), Accept(B(2, "a1"), "X")],
     "accept a ballot equal to the promised one: refuse only when self.promised is higher"),
    ("a duplicated Accept", [Prepare(B(2, "a1")), Accept(B(2, "a1"), "X"), Accept(B(2, "a1"), "X")],
     "a repeat of an Accept you accepted is accepted again (its first Accepted may have been lost): refuse only "
     "when self.promised is higher"),
    ("an Accept above the promise (its Prepare never arrived), then a lower Prepare",
     [Prepare(B(1, "a1")), Accept(B(4, "a3"), "Y"), Prepare(B(3, "a1"))],
     "accepting ballot 4 also promises ballot 4: set self.promised to msg.ballot"),
    ("an Accept below the promise", [Prepare(B(5, "a3")), Accept(B(4, "a1"), "X")],
     "a ballot lower than the promise is refused: Nack(msg.ballot, self.promised)"),
    ("a refused Accept, then a higher Prepare", [Prepare(B(5, "a3")), Accept(B(4, "a1"), "X"), Prepare(B(6, "a1"))],
     "a refused Accept changes nothing: the next promise must not report it"),
    ("two acceptances, then a Prepare", [Accept(B(2, "a1"), "X"), Accept(B(4, "a3"), "Y"), Prepare(B(5, "a1"))],
     "self.accepted is the last acceptance, not the first"),
    ("rounds 9 and 10", [Prepare(B(10, "a1")), Prepare(B(9, "a3")), Accept(B(9, "a3"), "X"), Prepare(B(11, "a3"))],
     "compare whole Ballots with < and >: round 10 is higher than round 9 (as numbers, not as text)"),
    ("one round, proposers p9 and p10", [Prepare(B(3, "p9")), Prepare(B(3, "p10")), Accept(B(3, "p10"), "X"),
                                         Accept(B(3, "p9"), "Y"), Prepare(B(4, "p10"))],
     "compare whole Ballots: in one round the proposer ids break the tie (as text, so 3.p9 is above 3.p10)"),
    ("a crash after a promise, then a lower Accept", [Prepare(B(5, "a3")), RESTART, Accept(B(4, "a1"), "X"),
                                                       Prepare(B(4, "a2"))],
     "promises are durable: self.persist(promised=...) before replying (the base class reads 'promised' back)"),
    ("a crash after an acceptance, then a lower Accept and a higher Prepare",
     [Prepare(B(5, "a3")), Accept(B(5, "a3"), "Y"), RESTART, Accept(B(4, "a1"), "X"), Prepare(B(6, "a1"))],
     "acceptances are durable: self.persist(promised=..., accepted=(ballot, value)) before replying (the base class "
     "reads 'promised' and 'accepted' back)"),
    ("a crash after an Accept that raised the promise", [Accept(B(5, "a3"), "Y"), RESTART, Prepare(B(4, "a1"))],
     "persist the raised promise too when you accept: self.persist(promised=msg.ballot, accepted=...)"),
]


def _senders(step: Any) -> str:
    return step.ballot.proposer


def _show(script: list[Any]) -> str:
    lines = ["acceptor a2 (acceptors a1, a2, a3); each message comes from the proposer named in its ballot:"]
    for k, step in enumerate(script, 1):
        lines.append(f"  {k}. {step}" if step == RESTART else f"  {k}. from {_senders(step)}: {fmt(step)}")
    return "\n".join(lines)


def _replay(cls: type[PaxosNode], script: list[Any], name: str, shown: str) -> list[tuple[list[Any], list[Any]]]:
    """Run ``script`` on a fresh acceptor; per step, (replies, effects)."""
    bench = PaxosBench(cls, case=name, shown=shown)
    out = []
    for step in script:
        if step == RESTART:
            bench.restart()
            out.append(([], []))
        else:
            effects = bench.deliver(_senders(step), step)
            out.append((bench.replies(effects), effects))
    return out


def _check_script(cls: type[PaxosNode], name: str, script: list[Any], hint: str) -> None:
    shown = _show(script)
    want = _replay(PaxosNode, script, name, shown)
    got = _replay(cls, script, name, shown)
    for k, ((want_r, _), (got_r, effects)) in enumerate(zip(want, got), 1):
        if got_r != want_r:
            fail(case=f"{name}, step {k}", input=shown, expected=fmt_replies(want_r), got=fmt_replies(got_r),
                 hint=hint)
        if any(type(m) in (Promise, Accepted) for _, m in got_r):
            sends = [i for i, e in enumerate(effects) if type(e) is Send]
            saves = [i for i, e in enumerate(effects) if type(e) is Persist and "promised" in e.values]
            if not saves or saves[0] > sends[0]:
                fail(case=f"{name}, step {k}", input=shown,
                     expected="the promise (and the acceptance) persisted before the reply is sent",
                     got="effects in order: " + ", ".join(type(e).__name__ for e in effects),
                     hint="call self.persist(promised=..., accepted=...) before self.send(...): a crash between "
                          "the two must not leave a promise that the disk does not know")


def _draw_script(rng: random.Random) -> list[Any]:
    script: list[Any] = []
    for _ in range(rng.randint(2, 9)):
        r = rng.random()
        if r < 0.08 and script:
            script.append(RESTART)
        elif r < 0.22 and script and script[-1] != RESTART:
            script.append(script[-1])  # the network duplicated the last message
        else:
            b = draw_ballot(rng)
            script.append(Prepare(b) if rng.random() < 0.5 else Accept(b, f"v{b}"))  # one value per ballot
    return script


@exercise("07-acceptor", title="The Paxos acceptor", theme="T07", concepts=("P01",),
          reference=("dsworkbook.consensus.paxos.node.PaxosNode.on_prepare",
                     "dsworkbook.consensus.paxos.node.PaxosNode.on_accept"))
def grade_acceptor(MyAcceptor: Any) -> str:
    """A ``PaxosNode`` subclass defining ``on_prepare(self, src, msg)`` and ``on_accept(self, src, msg)``.

    ``self.promised`` is the highest ballot promised, ``self.accepted`` the last ``(ballot, value)``
    accepted (or None). Promise a ``Prepare`` unless a higher ballot was promised (a repeat of the
    promised ballot gets the same promise), answering ``Promise(ballot, accepted ballot, accepted
    value)`` (Nones if nothing); accept an ``Accept`` unless a higher ballot was promised, raising
    ``promised`` to its ballot and answering ``Accepted(ballot, value)``; refuse with
    ``Nack(msg.ballot, self.promised)``. Persist ``promised`` and ``accepted`` before replying.

    Checked against the reference, reply by reply, on hand-driven scripts (crashes and restarts
    followed by lower ballots, duplicated Prepares, equal and lower Accepts, rounds 9 and 10,
    proposers p9 and p10), on 300 random scripts (duplicates, restarts, ballots of either digit
    count), then in 30 seeded runs with four proposers under faults (agreement and termination;
    the first run twice, in two worlds).
    """
    if not (inspect.isclass(MyAcceptor) and issubclass(MyAcceptor, PaxosNode)):
        fail(case="the answer itself", input=repr(MyAcceptor), expected="a subclass of PaxosNode",
             got=type(MyAcceptor).__name__, hint="write class MyAcceptor(PaxosNode) with on_prepare and on_accept")
    for name, script, hint in SCRIPTS:
        _check_script(MyAcceptor, name, script, hint)
    for name, script in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw_script):
        _check_script(MyAcceptor, name, script,
                      "compare whole Ballots; promise unless self.promised is higher (a repeat gets the same "
                      "promise); accept unless self.promised is higher, raising it; Nack(msg.ballot, self.promised) "
                      "otherwise; persist before replying")
    ballots = paxos_cluster_checks(MyAcceptor, CLUSTER_SEEDS,
                                   hint="with your acceptors two values were chosen, or none")
    return (f"{len(SCRIPTS)} hand-driven scripts and {RANDOM_COUNT} random ones answered like the reference; "
            f"{len(CLUSTER_SEEDS)} seeded runs under faults (seeds {CLUSTER_SEEDS[0]}-{CLUSTER_SEEDS[-1]}, "
            f"{ballots} ballots): one value chosen each time, learned by all")
