"""Exercise ``07-choose-value``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.consensus.paxos import Ballot, PaxosNode, Promise, choose_value
from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.grading.paxos._common import IDS, ROUNDS, paxos_cluster_checks

B = Ballot
CLUSTER_SEEDS = tuple(range(70, 110))
RANDOM_SEED, RANDOM_COUNT = 707, 400
BIG = 1500


def _p(ballot: Ballot | None = None, value: Any = None, mine: Ballot = B(12, "a1")) -> Promise:
    return Promise(mine, ballot, value)


NOTHING = _p()

#: (what it tests, the promises, own value, hint)
CASES: list[tuple[str, list[Promise], Any, str]] = [
    ("no acceptor accepted anything", [NOTHING] * 3, "mine", "with no acceptance reported, propose your own value"),
    ("one acceptor accepted a value", [NOTHING, _p(B(1, "a2"), "X"), NOTHING], "mine",
     "if any acceptor accepted a value, that value may already be chosen: propose it, not your own"),
    ("the highest ballot listed first", [_p(B(4, "a2"), "X"), _p(B(2, "a3"), "Y"), _p(B(2, "a3"), "Y")], "mine",
     "propose the value of the highest accepted_ballot, wherever it is in the list"),
    ("the highest ballot listed last", [_p(B(2, "a3"), "Y"), NOTHING, _p(B(4, "a2"), "X")], "mine",
     "propose the value of the highest accepted_ballot, wherever it is in the list"),
    ("the highest ballot in the middle", [_p(B(2, "a3"), "Y"), _p(B(4, "a2"), "X"), _p(B(3, "a1"), "Z")], "mine",
     "propose the value of the highest accepted_ballot, wherever it is in the list"),
    ("the most common value is not the answer", [_p(B(2, "a2"), "old"), _p(B(2, "a2"), "old"), _p(B(7, "a3"), "new")],
     "mine", "not a vote: only the highest accepted_ballot counts"),
    ("rounds 9 and 10", [_p(B(10, "a1"), "ten"), _p(B(9, "a3"), "nine")], "mine",
     "compare Ballots, not their text: round 10 is above round 9"),
    ("one round, proposers a2 and a4", [_p(B(6, "a2"), "P"), _p(B(6, "a4"), "Q")], "mine",
     "compare whole Ballots: in one round the proposer id breaks the tie"),
    ("one round, proposers p9 and p10", [_p(B(3, "p9"), "nine"), _p(B(3, "p10"), "ten")], "mine",
     "compare whole Ballots with < and > (ids compare as text, so 3.p9 is above 3.p10), not the numbers in the ids"),
    ("an accepted value that is falsy", [NOTHING, _p(B(2, "a2"), 0), NOTHING], "mine",
     "test accepted_ballot is not None to see whether an acceptor accepted something; the value itself may be 0"),
    ("an accepted empty string beats a lower ballot", [_p(B(1, "a3"), "X"), _p(B(5, "a1"), "")], "mine",
     "test accepted_ballot is not None; an accepted value may be falsy"),
    ("an own value that is falsy", [NOTHING, NOTHING], 0, "with no acceptance reported, return own as it is"),
]


def _draw(rng: random.Random) -> tuple[list[Promise], Any]:
    n = BIG if rng.random() < 0.01 else rng.randint(1, 7)
    promises = []
    for _ in range(n):
        if rng.random() < 0.35:
            promises.append(NOTHING)
        else:
            b = Ballot(rng.choice(ROUNDS), rng.choice(IDS))
            promises.append(_p(b, rng.choice([f"v{b}", f"v{b}", 0, ""]) if rng.random() < 0.1 else f"v{b}"))
    accepted = [i for i, p in enumerate(promises) if p.accepted_ballot is not None]
    if accepted and rng.random() < 0.6:  # put the winner first, last or in the middle
        win = max(accepted, key=lambda i: promises[i].accepted_ballot)
        where = rng.choice([0, len(promises) - 1, len(promises) // 2])
        promises[win], promises[where] = promises[where], promises[win]
    return promises, rng.choice(["mine", "mine", 0, ""])


def _fix(promises: list[Promise]) -> list[Promise]:
    """Make ballots carry one value each (as in Paxos: a ballot proposes one value)."""
    seen: dict[Ballot, Any] = {}
    return [Promise(p.ballot, p.accepted_ballot, seen.setdefault(p.accepted_ballot, p.accepted_value))
            if p.accepted_ballot is not None else p for p in promises]


def _shown(promises: list[Promise], own: Any) -> str:
    if len(promises) > 40:
        head = ", ".join(_one(p) for p in promises[:6])
        return f"choose([{head}, ... {len(promises)} promises in all], own={own!r})"
    return f"choose([{', '.join(_one(p) for p in promises)}], own={own!r})"


def _one(p: Promise) -> str:
    if p.accepted_ballot is None:
        return "Promise(accepted_ballot=None)"
    return f"Promise(accepted_ballot={p.accepted_ballot}, accepted_value={p.accepted_value!r})"


def _node_class(fn: Callable[..., Any]) -> type[PaxosNode]:
    class WithYourChoice(PaxosNode):
        def choose(self, promises: Any, own: Any) -> Any:
            return fn(promises, own)

    return WithYourChoice


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


@exercise("07-choose-value", title="Which value may a proposer propose?", theme="T07", concepts=("P01",),
          reference="dsworkbook.consensus.paxos.node.choose_value")
def grade_choose_value(choose: Any) -> str:
    """A function ``choose(promises, own) -> value``: phase 2's value.

    ``promises`` are the :class:`Promise` records of a majority, each with ``accepted_ballot``
    (a ``Ballot`` or None) and ``accepted_value``. Return the value accepted with the highest
    ballot (ballots compare by round, then proposer id), or ``own`` if none accepted anything
    (§2.2 of "Paxos Made Simple"). Checked on hand-made cases (the winner first, last or in the
    middle; rounds 9 and 10; proposers p9 and p10; falsy values), on 400 random cases - one in a
    hundred with 1,500 promises - each run in two worlds, then as the rule of every proposer in
    40 seeded runs under faults.
    """
    need_callable(choose, "function choose(promises, own)", allow_class=False)
    cases = [(name, promises, own, hint) for name, promises, own, hint in CASES]
    for name, (promises, own) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        cases.append((name, _fix(promises), own, "propose the value of the highest accepted_ballot (compare whole "
                      "Ballots; test accepted_ballot is not None), else own"))
    for name, promises, own, hint in cases:
        shown = _shown(promises, own)
        got = same_everywhere(lambda: choose(list(promises), own), input=shown, case=name)
        want = choose_value(promises, own)
        if not _same(got, want):
            fail(case=name, input=shown, expected=want, got=got, hint=hint)
    ballots = paxos_cluster_checks(_node_class(choose), CLUSTER_SEEDS,
                                   hint="your rule let a later proposer replace a value that was already chosen")
    return (f"{len(cases)} cases right, each the same in two worlds; in {len(CLUSTER_SEEDS)} seeded runs under faults "
            f"({ballots} ballots) every node decided the same value")
