"""Exercise ``07-drill-ballots``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.consensus.paxos import Ballot, NaiveBallots, PaxosNode
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.paxos._common import PaxosBench, draw_ballot, paxos_cluster_checks

#: The seeds below 400 on which the Paxos fuzz campaign catches NaiveBallots deciding two values (found by
#: running it on seeds 0-399),
#: plus a spread of others.
EXPOSING_SEEDS = (139, 168, 174, 254)
CLUSTER_SEEDS = EXPOSING_SEEDS + tuple(range(200, 220))
#: Proposer ids whose numbers have one and two digits: a ballot made by gluing round and id number
#: together (round * 10 + id) collides for p1 in round 2 and p11 in round 1.
PROPOSERS = ("p1", "p2", "p9", "p10", "p11", "a1", "a12")
RANDOM_SEED, RANDOM_COUNT = 9091, 200

#: (promised, ballot asked about, what it shows)
PROMISE_CASES: list[tuple[Ballot, Ballot, str]] = [
    (Ballot(3, "a1"), Ballot(3, "a1"), "a repeat of the very ballot promised (a duplicated Prepare)"),
    (Ballot(3, "a1"), Ballot(3, "a3"), "the same round, a higher proposer id"),
    (Ballot(3, "a3"), Ballot(3, "a1"), "the same round, a lower proposer id"),
    (Ballot(3, "a1"), Ballot(2, "a9"), "a lower round with a higher id"),
    (Ballot(3, "a1"), Ballot(4, "a0"), "a higher round with a lower id"),
    (Ballot(9, "a1"), Ballot(10, "a1"), "round 10 after round 9"),
    (Ballot(10, "a1"), Ballot(9, "a1"), "round 9 after round 10"),
    (Ballot(3, "p9"), Ballot(3, "p10"), "proposer p10 after p9 (ids compare as text: p10 is below p9)"),
    (Ballot(3, "p10"), Ballot(3, "p9"), "proposer p9 after p10"),
]


def _bench(cls: type[PaxosNode], node_id: str, case: str, shown: str) -> PaxosBench:
    return PaxosBench(cls, node_id, ("a1", "a2", "a3"), case=case, shown=shown)


def _ballots(cls: type[PaxosNode], plan: list[tuple[str, Ballot, int]], case: str, shown: str) -> list[Any]:
    """Each proposer of ``plan`` (id, highest ballot seen, own round so far) asks for two ballots."""
    out = []
    for node_id, seen, own in plan:
        bench = _bench(cls, node_id, case, shown)
        node = bench.node
        node.round, node.highest_seen = own, seen
        out.append((node_id, attempt(node.new_ballot, input=shown, case=case),
                    attempt(node.new_ballot, input=shown, case=case)))
    return out


def _check_new_ballot(cls: type[PaxosNode], case: str, plan: list[tuple[str, Ballot, int]]) -> None:
    shown = ("each proposer, having seen the ballot given and used rounds up to the number given, calls "
             "new_ballot() twice: " + "; ".join(f"{p} saw {seen}, own round {own}" for p, seen, own in plan))
    results = same_everywhere(lambda: _ballots(cls, plan, case, shown), input=shown, case=case)
    owner: dict[Ballot, str] = {}
    for (node_id, seen, _own), (_, first, second) in zip(plan, results):
        for b in (first, second):
            if not (isinstance(b, Ballot) and type(b.round) is int and isinstance(b.proposer, str)):
                fail(case=case, input=shown, expected=f"a Ballot(round, proposer) from {node_id}", got=b,
                     hint="new_ballot() returns Ballot(round, proposer): an int round and a text proposer id")
        if not first > seen:
            fail(case=case, input=shown, expected=f"a ballot of {node_id} above {seen}", got=str(first),
                 hint="a new ballot must be higher than self.highest_seen, or acceptors refuse it: take a round "
                      "above both self.round and self.highest_seen.round")
        if not second > first:
            fail(case=case, input=shown, expected=f"two ballots of {node_id}, the second above the first",
                 got=f"{first}, then {second}",
                 hint="a proposer that asks twice must get two increasing ballots, or its retry reuses a ballot: "
                      "set self.round to the round you use")
        for b in (first, second):
            if owner.setdefault(b, node_id) != node_id:
                fail(case=case, input=shown, expected="ballots unique to their proposer",
                     got=f"{owner[b]} and {node_id} both made {b}",
                     hint="two proposers must never share a ballot (Paxos Made Simple §2.2: different proposers "
                          "choose their numbers from disjoint sets): put self.id in the Ballot")


def _draw_plan(rng: random.Random) -> list[tuple[str, Ballot, int]]:
    ids = rng.sample(PROPOSERS, rng.randint(2, len(PROPOSERS)))
    seen = draw_ballot(rng, rounds=(0, 1, 2, 8, 9, 10, 11, 99, 100), ids=("", "a1", "a3", "p9", "p10", "p11"))
    return [(p, seen if rng.random() < 0.6 else draw_ballot(rng), rng.choice((0, 0, 1, 9, 10, 12))) for p in ids]


def _check_promise_ok(cls: type[PaxosNode]) -> None:
    rng = random.Random(RANDOM_SEED)
    cases = [(promised, asked, what) for promised, asked, what in PROMISE_CASES]
    cases += [(draw_ballot(rng), draw_ballot(rng), f"random pair {k} of 200 (seed {RANDOM_SEED})")
              for k in range(1, 201)]
    for promised, asked, what in cases:
        case = f"promise_ok({asked}) after promising {promised}: {what}"
        bench = _bench(cls, "a2", case, case)
        bench.node.promised = promised
        got = attempt(bench.node.promise_ok, asked, input=case, case=case)
        want = asked >= promised
        if not isinstance(got, bool) or got != want:
            fail(case=case, input=f"an acceptor that promised {promised} is asked to promise {asked}",
                 expected=want, got=got,
                 hint="compare whole Ballots (round, then proposer id): promise any ballot not lower than "
                      "self.promised - a higher one, or the very one promised, whose repeat is a duplicated Prepare")


@exercise("07-drill-ballots", title="Drill: fix the naive ballot numbers", theme="T07", concepts=("P01",), kind="drill",
          reference=("dsworkbook.consensus.paxos.node.PaxosNode.new_ballot",
                     "dsworkbook.consensus.paxos.node.PaxosNode.promise_ok"))
def grade_drill_ballots(FixedBallots: Any) -> str:
    """A subclass of ``dw.consensus.paxos.NaiveBallots`` with its two methods fixed.

    ``new_ballot(self)`` must return a ballot above ``self.highest_seen``, above the proposer's
    own earlier ballots (asking twice gives two increasing ballots) and unique to this proposer;
    ``promise_ok(self, ballot)`` says whether an acceptor may promise ``ballot`` given
    ``self.promised`` - any ballot not lower, so a duplicated Prepare gets its promise again.
    Checked on hand-made and 200 random plans of proposers (ids p9, p10, p11; rounds 9, 10, 99,
    100), each twice in two worlds; on 209 promise questions; and on 24 seeded runs with four
    proposers under faults - four of them runs on which the naive version decides two values.
    """
    if not (inspect.isclass(FixedBallots) and issubclass(FixedBallots, NaiveBallots)):
        fail(case="the answer itself", input=repr(FixedBallots), expected="a subclass of NaiveBallots",
             got=type(FixedBallots).__name__, hint="write class FixedBallots(NaiveBallots) and override both methods")
    _check_new_ballot(FixedBallots, "two proposers that have seen the same ballot",
                      [("a1", Ballot(4, "a3"), 0), ("a2", Ballot(4, "a3"), 0)])
    _check_new_ballot(FixedBallots, "proposers p1 and p11, one round apart",
                      [("p1", Ballot(1, "p9"), 1), ("p11", Ballot(0, ""), 0), ("p2", Ballot(1, "p9"), 1)])
    _check_new_ballot(FixedBallots, "a proposer that saw round 9 of p10, and one that used round 10",
                      [("p9", Ballot(9, "p10"), 0), ("p10", Ballot(0, ""), 10)])
    for case, plan in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw_plan):
        _check_new_ballot(FixedBallots, case, plan)
    _check_promise_ok(FixedBallots)
    ballots = paxos_cluster_checks(FixedBallots, CLUSTER_SEEDS,
                                   hint="two proposers with the same ballot can both get a value accepted")
    return (f"unique, increasing ballots on {RANDOM_COUNT + 3} plans and the right promises on "
            f"{len(PROMISE_CASES) + 200} questions; {len(CLUSTER_SEEDS)} seeded runs ({ballots} ballots), including "
            f"the seeds {EXPOSING_SEEDS} that split the naive version: one value each time")
