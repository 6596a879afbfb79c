"""Exercise ``07-drill-ballots``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.consensus.paxos import Ballot, NaiveBallots, PaxosNode
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.paxos._common import PaxosBench, paxos_cluster_checks

#: Seeds of the Paxos fuzz campaign on which NaiveBallots decides two values (found by running it),
#: plus a spread of others.
EXPOSING_SEEDS = (12, 70, 140, 174)
CLUSTER_SEEDS = EXPOSING_SEEDS + tuple(range(200, 220))


def _check_new_ballot(cls: type[PaxosNode]) -> None:
    name = "new_ballot() on two proposers that have seen the same ballots"
    shown = "proposers a1 and a2, both having seen ballot 4 (of a3), each call new_ballot()"
    ballots = []
    for node_id in ("a1", "a2"):
        bench = PaxosBench(cls, node_id, ("a1", "a2", "a3"), case=name)
        bench.node.highest_seen = Ballot(4, "a3")
        ballots.append(attempt(bench.node.new_ballot, input=shown, case=name))
    if ballots[0] == ballots[1] or any(not isinstance(b, Ballot) or b <= Ballot(4, "a3") for b in ballots):
        fail(case=name, input=shown, expected="two different Ballots, both above 4.a3", got=ballots,
             hint="a ballot must be unique to its proposer: Ballot(round, self.id) - the id breaks ties (§2.2: "
                  "'different proposers choose their numbers from disjoint sets')")


def _check_promise_ok(cls: type[PaxosNode]) -> None:
    name = "promise_ok() for the ballot already promised"
    bench = PaxosBench(cls, "a2", ("a1", "a2", "a3"), case=name)
    bench.node.promised = Ballot(3, "a1")
    cases = [(Ballot(3, "a1"), False), (Ballot(3, "a3"), True), (Ballot(2, "a9"), False), (Ballot(4, "a0"), True)]
    for ballot, want in cases:
        got = attempt(bench.node.promise_ok, ballot, input=f"promised 3.a1, promise_ok({ballot})", case=name)
        if bool(got) != want:
            fail(case=f"promise_ok({ballot}) after promising 3.a1", input="an acceptor that promised 3.a1",
                 expected=want, got=got, hint="promise only a ballot strictly higher than the one promised")


@exercise("07-drill-ballots", title="Drill: fix the naive ballot numbers", theme="T07", concepts=("P01",), kind="drill")
def grade_drill_ballots(FixedBallots: Any) -> str:
    """A subclass of ``dw.consensus.paxos.NaiveBallots`` with its two methods fixed.

    ``new_ballot(self)`` must return a ballot above ``self.highest_seen`` and unique to this
    proposer (update ``self.round``); ``promise_ok(self, ballot)`` says whether an acceptor may
    promise ``ballot`` given ``self.promised``. Checked on hand-made cases and on 24 seeded runs
    with four proposers under faults - four of them runs on which the naive version decides two
    values.
    """
    if not (inspect.isclass(FixedBallots) and issubclass(FixedBallots, NaiveBallots)):
        fail(case="the answer itself", input=repr(FixedBallots), expected="a subclass of NaiveBallots",
             got=type(FixedBallots).__name__, hint="write class FixedBallots(NaiveBallots) and override both methods")
    _check_new_ballot(FixedBallots)
    _check_promise_ok(FixedBallots)
    ballots = paxos_cluster_checks(FixedBallots, CLUSTER_SEEDS,
                                   hint="two proposers with the same ballot can both get a value accepted")
    return (f"unique ballots and strict promises; {len(CLUSTER_SEEDS)} seeded runs ({ballots} ballots), including the "
            f"seeds {EXPOSING_SEEDS} that split the naive version: one value each time")
