"""Exercise ``07-choose-value``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.consensus.paxos import Ballot, PaxosNode, Promise, choose_value
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.paxos._common import paxos_cluster_checks

B = Ballot
CLUSTER_SEEDS = tuple(range(70, 110))

CASES: list[tuple[str, list[Promise], str]] = [
    ("no acceptor accepted anything", [Promise(B(3, "a1"), None, None)] * 3, "mine"),
    ("one acceptor accepted a value", [Promise(B(3, "a1"), None, None), Promise(B(3, "a1"), B(1, "a2"), "X")], "X"),
    ("two acceptances: the higher ballot wins",
     [Promise(B(5, "a1"), B(2, "a3"), "Y"), Promise(B(5, "a1"), B(4, "a2"), "X"), Promise(B(5, "a1"), B(2, "a3"), "Y")],
     "X"),
    ("the same round from two proposers: the proposer id breaks the tie",
     [Promise(B(6, "a1"), B(3, "a2"), "P"), Promise(B(6, "a1"), B(3, "a4"), "Q")], "Q"),
    ("the most common value is not the answer",
     [Promise(B(9, "a1"), B(2, "a2"), "old"), Promise(B(9, "a1"), B(2, "a2"), "old"),
      Promise(B(9, "a1"), B(7, "a3"), "new")], "new"),
]


def _random_cases(n: int) -> list[tuple[str, list[Promise], str]]:
    rng = random.Random(707)
    out = []
    for i in range(n):
        promises = []
        for _ in range(rng.randint(1, 5)):
            if rng.random() < 0.4:
                promises.append(Promise(B(9, "a1"), None, None))
            else:
                b = B(rng.randint(1, 8), rng.choice(["a1", "a2", "a3", "a4"]))
                promises.append(Promise(B(9, "a1"), b, f"v{b.round}{b.proposer}"))
        out.append((f"random case {i} (seed 707)", promises, "mine"))
    return out


def _node_class(fn: Callable[..., Any]) -> type[PaxosNode]:
    class WithYourChoice(PaxosNode):
        def choose(self, promises: Any, own: Any) -> Any:
            return fn(promises, own)

    return WithYourChoice


@exercise("07-choose-value", title="Which value may a proposer propose?", theme="T07", concepts=("P01",))
def grade_choose_value(choose: Any) -> str:
    """A function ``choose(promises, own) -> value``: phase 2's value.

    ``promises`` are the :class:`Promise` records of a majority, each with ``accepted_ballot``
    (a ``Ballot`` or None) and ``accepted_value``. Return the value accepted with the highest
    ballot (ballots compare by round, then proposer id), or ``own`` if none accepted anything
    (§2.2 of "Paxos Made Simple"). Checked on 5 hand-made and 200 random cases, then as the rule
    of every proposer in 40 seeded runs under faults.
    """
    if not callable(choose):
        fail(case="the answer itself", input=repr(choose), expected="a function", got=type(choose).__name__,
             hint="pass the function itself")
    for name, promises, own in CASES + _random_cases(200):
        shown = f"choose({promises}, own={own!r})"
        got = attempt(choose, list(promises), own, input=shown, case=name)
        want = choose_value(promises, own)
        if got != want:
            fail(case=name, input=shown, expected=want, got=got,
                 hint="if any acceptor accepted a value, a value may already be chosen: propose the one with the "
                      "highest accepted ballot (the whole Ballot, not its round alone); only otherwise your own")
    ballots = paxos_cluster_checks(_node_class(choose), CLUSTER_SEEDS,
                                   hint="your rule let a later proposer replace a value that was already chosen")
    return (f"205 cases right; in {len(CLUSTER_SEEDS)} seeded runs under faults ({ballots} ballots) every node "
            "decided the same value")
