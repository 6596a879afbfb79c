"""Exercise ``04-drill-vc-compare``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.run import clock_run
from dsworkbook.clocks.vector import Order, compare
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.clocks._common import guarded, need_callable

VC_SEEDS = (61, 62)
ANSWERS = tuple(str(o) for o in Order)

#: Cases that the two bugs of naive_compare (and their cousins) get wrong, each with why.
EDGE_CASES = [
    ({"A": 1, "B": 2}, {"A": 1, "B": 2}, "equal clocks are equal, not concurrent"),
    ({}, {}, "two empty clocks are equal"),
    ({"A": 1}, {"A": 1, "B": 1}, "b also counts an event on B that a has not seen: a is before b"),
    ({"A": 1, "B": 1}, {"A": 1}, "a has seen everything b has, and more: a is after b"),
    ({"A": 2}, {"A": 1, "B": 1}, "each has an event the other has not seen: concurrent"),
    ({"A": 0, "B": 3}, {"B": 3}, "a missing entry reads 0, so these are equal"),
    ({"A": 1, "B": 2}, {"A": 2, "B": 1}, "each is ahead on one entry: concurrent"),
    ({"A": 1}, {"B": 1}, "disjoint nodes: concurrent"),
    ({"A": 1, "B": 1}, {"A": 2, "B": 2}, "b is ahead on every entry: a is before b"),
    ({"C": 5}, {"A": 1, "C": 5}, "a is before b (b has seen a's C:5 and one more event)"),
]


def _label(got: Any) -> str | None:
    text = str(got) if isinstance(got, (str, Order)) else None
    return text if text in ANSWERS else None


def _one(fn: Any, a: dict, b: dict, case: str, why: str = "") -> str:
    got = attempt(fn, dict(a), dict(b), input=(a, b), case=case)
    label = _label(got)
    want = str(compare(a, b))
    if label is None:
        fail(case=case, input=(a, b), expected=f"one of {list(ANSWERS)}", got=got,
             hint="return exactly one of the four words")
    if label != want:
        fail(case=case, input=(a, b), expected=want, got=label,
             hint=why or "look at every node named by either clock (a missing entry is 0); "
                         "equal clocks are equal, and 'concurrent' needs each side ahead somewhere")
    return label


def _random_pairs(rng: random.Random, n: int) -> list[tuple[dict, dict]]:
    nodes = ["A", "B", "C", "D"]
    out = []
    for _ in range(n):
        a = {x: rng.randint(0, 3) for x in rng.sample(nodes, rng.randint(0, 4))}
        b = dict(a) if rng.random() < 0.2 else {x: rng.randint(0, 3) for x in rng.sample(nodes, rng.randint(0, 4))}
        out.append((a, b))
    return out


def _check_runs(fn: Any) -> int:
    checked = 0
    for seed in VC_SEEDS:
        run = guarded(lambda: clock_run(seed, nodes=("A", "B", "C", "D"), events=15, loss=0.1),
                      case=f"clocks of a simulated run (seed={seed})", input=f"seed={seed}")
        evs = run.diagram.events
        for j, eb in enumerate(evs):
            for ea in evs[max(0, j - 12):j]:  # each event against its 12 predecessors in the run
                truth = str(run.diagram.relation(ea, eb))
                a, b = dict(run.stamps[ea.id].vector), dict(run.stamps[eb.id].vector)
                got = _label(attempt(fn, a, b, input=(a, b), case=f"events {ea.id}, {eb.id} (seed={seed})"))
                if got != truth:
                    fail(case=f"events {ea.id} and {eb.id} of a simulated run (seed={seed})", input=(a, b),
                         expected=f"{truth} (from the run's happens-before)", got=got,
                         hint="a vector clock comparison must reproduce happens-before exactly")
                checked += 1
    return checked


@exercise("04-drill-vc-compare", title="Drill: fix a vector clock comparison", theme="T04", concepts=("C03",),
          kind="drill")
def grade_drill_vc_compare(compare_clocks: Any) -> str:
    """A function ``compare_clocks(a, b) -> str`` on two dicts node -> counter (a missing node is 0).

    It returns exactly one of "before" (a happened before b), "after", "equal", "concurrent" -
    ``dw.clocks.naive_compare`` with its bugs fixed. Checked on ten edge cases (equal and empty
    clocks, nodes only one side knows, zero entries), 300 random pairs, and every event of two
    simulated runs against its 12 predecessors, with the truth taken from the runs' happens-before.
    """
    need_callable(compare_clocks, "function compare_clocks(a, b)")
    for a, b, why in EDGE_CASES:
        _one(compare_clocks, a, b, f"a={a}, b={b}", why)
    pairs = _random_pairs(random.Random(606), 300)
    for a, b in pairs:
        _one(compare_clocks, a, b, f"the random pair a={a}, b={b}")
    checked = _check_runs(compare_clocks)
    return (f"{len(EDGE_CASES)} edge cases, {len(pairs)} random pairs and {checked} pairs of events from simulated "
            f"runs (seeds {VC_SEEDS}) all get the true relation")
