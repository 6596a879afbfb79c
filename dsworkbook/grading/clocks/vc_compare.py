"""Exercise ``04-drill-vc-compare``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.run import clock_run
from dsworkbook.clocks.vector import Order, compare
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.clocks._common import guarded, need_callable

VC_SEEDS = (61, 62)
RANDOM_SEED, RANDOM_COUNT = 606, 600
ANSWERS = tuple(str(o) for o in Order)
_HINT = ("look at every node named by either clock (a missing entry is 0); equal clocks are equal, 'before' needs a "
         "at or below b on every entry and below somewhere, and 'concurrent' needs each side ahead somewhere")

_TWELVE = {f"n{i}": (i * 7) % 5 + 1 for i in range(12)}


def _bump(vector: dict, node: str, by: int = 1) -> dict:
    out = dict(vector)
    out[node] = out.get(node, 0) + by
    return out


#: Cases that the two bugs of naive_compare (and their cousins) get wrong, each with why.
EDGE_CASES = [
    ({"A": 1, "B": 2}, {"A": 1, "B": 2}, "equal clocks are equal, not concurrent"),
    ({}, {}, "two empty clocks are equal"),
    ({"A": 1}, {"A": 1, "B": 1}, "b also counts an event on B that a has not seen: a is before b"),
    ({"A": 1, "B": 1}, {"A": 1}, "a has seen everything b has, and more: a is after b"),
    ({"A": 2}, {"A": 1, "B": 1}, "each has an event the other has not seen: concurrent"),
    ({"A": 0, "B": 3}, {"B": 3}, "a missing entry reads 0, so these are equal"),
    ({"B": 3}, {"A": 0, "B": 3, "C": 0}, "zero entries on one side only: still equal"),
    ({"A": 0}, {}, "a clock of zeros equals the empty clock"),
    ({"A": 1, "B": 2}, {"A": 2, "B": 1}, "each is ahead on one entry: concurrent"),
    ({"A": 1}, {"B": 1}, "disjoint nodes: concurrent"),
    ({"A": 1, "B": 1}, {"A": 2, "B": 2}, "b is ahead on every entry: a is before b"),
    ({"A": 1, "B": 1}, {"A": 1, "B": 2}, "the clocks differ in one entry only: a is before b"),
    ({"C": 5}, {"A": 1, "C": 5}, "a is before b (b has seen a's C:5 and one more event)"),
    ({"B": 2, "A": 1}, {"A": 1, "B": 2}, "the same clock written in another key order: equal"),
    ({"n9": 1, "n10": 2}, {"n10": 1, "n9": 2}, "n9 and n10 are different nodes, whatever order they sort in"),
    ({"n10": 3}, {"n9": 3}, "n10 and n9 each ahead on their own entry: concurrent"),
    ({"n1": 1, "n10": 1}, {"n1": 1, "n10": 1, "n2": 0}, "node ids that sort oddly as text, and a zero entry: equal"),
    (_TWELVE, _bump(_TWELVE, "n0"), "twelve nodes, b ahead on the first entry only"),
    (_TWELVE, _bump(_TWELVE, "n6"), "twelve nodes, b ahead on a middle entry only"),
    (_bump(_TWELVE, "n11"), _TWELVE, "twelve nodes, a ahead on the last entry only"),
    (_bump(_TWELVE, "n0"), _bump(_TWELVE, "n11"), "twelve nodes, a ahead on the first, b on the last: concurrent"),
]


def _label(got: Any) -> str | None:
    text = str(got) if isinstance(got, (str, Order)) else None
    return text if text in ANSWERS else None


def _one(fn: Any, a: dict, b: dict, case: str, why: str = "") -> str:
    got = attempt(fn, dict(a), dict(b), input={"a": a, "b": b}, case=case)
    label = _label(got)
    want = str(compare(a, b))
    if label is None:
        fail(case=case, input={"a": a, "b": b}, expected=f"one of {list(ANSWERS)}", got=got,
             hint="return exactly one of the four words")
    if label != want:
        fail(case=case, input={"a": a, "b": b}, expected=want, got=label, hint=(why + ". " if why else "") + _HINT)
    return label


def _pair(rng: random.Random) -> tuple[dict, dict]:
    """Two clocks: node ids that sort oddly (n1, n10, n9...), explicit zeros, one-entry differences, any key order."""
    pool = [f"n{i}" for i in rng.choice([(1, 2), (0, 1, 2, 3), (1, 9, 10, 11), range(12)])]
    a = {n: rng.choice([0, 0, 1, 2, 3, rng.randint(0, 10**6)]) for n in rng.sample(pool, rng.randint(0, len(pool)))}
    kind = rng.randrange(6)
    if kind == 0:  # the same clock, keys shuffled, zero entries added or dropped
        b = {n: c for n, c in a.items() if c or rng.random() < 0.5}
        b.update({n: 0 for n in pool if n not in a and rng.random() < 0.3})
    elif kind in (1, 2):  # ahead (or behind) on exactly one entry
        b = _bump(a, rng.choice(pool), rng.choice([1, 1, 2, 10**6]))
    elif kind == 3:  # ahead on some entries, equal elsewhere
        b = dict(a)
        for n in rng.sample(pool, rng.randint(1, len(pool))):
            b[n] = b.get(n, 0) + rng.randint(1, 3)
    elif kind == 4:  # each ahead somewhere
        x, y = rng.sample(pool, 2) if len(pool) > 1 else (pool[0], pool[0])
        b = _bump(a, x)
        a = _bump(a, y)
    else:  # independent
        b = {n: rng.randint(0, 3) for n in rng.sample(pool, rng.randint(0, len(pool)))}
    items_a, items_b = list(a.items()), list(b.items())
    rng.shuffle(items_a)
    rng.shuffle(items_b)
    return (dict(items_a), dict(items_b)) if rng.random() < 0.5 else (dict(items_b), dict(items_a))


def _big(rng: random.Random, n: int) -> list[tuple[dict, dict, str]]:
    """Clocks of ``n`` nodes: equal, one entry ahead (first, middle or last), each side ahead once."""
    base = {f"n{i}": rng.randint(0, 50) for i in range(n)}
    last, mid = f"n{n - 1}", f"n{n // 2}"
    return [(base, dict(reversed(list(base.items()))), f"{n} nodes, equal, keys in reverse order"),
            (base, _bump(base, last), f"{n} nodes, b ahead on the last entry only"),
            (_bump(base, "n0"), base, f"{n} nodes, a ahead on the first entry only"),
            (_bump(base, mid), _bump(base, last), f"{n} nodes, a ahead on {mid}, b on {last}: concurrent"),
            (base, {**base, f"n{n}": 1}, f"{n} nodes, b also knows one more node")]


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
                got = _label(attempt(fn, a, b, input={"a": a, "b": b}, case=f"events {ea.id}, {eb.id} (seed={seed})"))
                if got != truth:
                    fail(case=f"events {ea.id} and {eb.id} of a simulated run (seed={seed})", input={"a": a, "b": b},
                         expected=f"{truth} (from the run's happens-before)", got=got,
                         hint="a vector clock comparison must reproduce happens-before exactly: " + _HINT)
                checked += 1
    return checked


@exercise("04-drill-vc-compare", title="Drill: fix a vector clock comparison", theme="T04", concepts=("C03",),
          kind="drill", reference="dsworkbook.clocks.vector.VectorTimestamp.compare")
def grade_drill_vc_compare(compare_clocks: Any) -> str:
    """A function ``compare_clocks(a, b) -> str`` on two dicts node -> counter (a missing node is 0).

    It returns exactly one of "before" (a happened before b), "after", "equal", "concurrent" -
    ``dw.clocks.naive_compare`` with its bugs fixed. Checked on 21 edge cases (equal and empty
    clocks, zero entries, nodes only one side knows, clocks that differ in one entry - first,
    middle or last - node ids n9 and n10, keys in another order), 600 random pairs, clocks of
    3,000 nodes, and every event of two simulated runs against its 12 predecessors, with the
    truth taken from the runs' happens-before.
    """
    need_callable(compare_clocks, "function compare_clocks(a, b)")
    for a, b, why in EDGE_CASES:
        _one(compare_clocks, a, b, f"a={a}, b={b}" if len(str(a)) < 80 else why, why)
    for case, (a, b) in random_cases(RANDOM_SEED, RANDOM_COUNT, _pair):
        _one(compare_clocks, a, b, case)
    big = _big(random.Random(RANDOM_SEED + 1), 3000)
    for a, b, why in big:
        _one(compare_clocks, a, b, why, why)
    checked = _check_runs(compare_clocks)
    return (f"{len(EDGE_CASES)} edge cases, {RANDOM_COUNT} random pairs (seed {RANDOM_SEED}), {len(big)} clocks of "
            f"3,000 nodes and {checked} pairs of events from simulated runs (seeds {VC_SEEDS}) all get the true relation")
