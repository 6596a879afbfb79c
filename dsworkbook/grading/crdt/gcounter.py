"""Exercise ``05-gcounter-merge``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.crdt.workloads import ReplicatedType
from dsworkbook.grading.core import exercise, fail, random_cases
from dsworkbook.grading.crdt._common import (check_learner_laws, check_sim_convergence, guarded, need_callable,
                                             too_big, unchanged)

GCOUNTER_SEEDS = tuple(range(501, 509))
RANDOM_SEED, RANDOM_COUNT = 506, 400


def _normal(state: Any) -> dict:
    """A G-Counter dict without its zero entries (a missing replica counts 0)."""
    return {r: n for r, n in state.items() if n}


def _reference(a: dict, b: dict) -> dict:
    return {r: max(a.get(r, 0), b.get(r, 0)) for r in set(a) | set(b)}


def _checked(merge: Any) -> Any:
    call = guarded(merge, "gcounter_merge")

    def checked(a: dict, b: dict) -> dict:
        x, y = dict(a), dict(b)
        out = call(x, y)
        if not isinstance(out, dict) or not all(isinstance(n, int) and not isinstance(n, bool) for n in out.values()):
            fail(case=f"gcounter_merge({a!r}, {b!r})", input=(a, b), expected="a new dict replica -> count",
                 got=repr(out), hint="return the merged dict (do not just update one argument and return None)")
        unchanged("gcounter_merge", "a", a, x, (a, b))
        unchanged("gcounter_merge", "b", b, y, (a, b))
        limit = len(set(a) | set(b))
        if len(out) > limit:
            too_big("gcounter_merge", (a, b), out, got=len(out), limit=limit, what="replica entries",
                    hint="the merge knows only the replicas that appear in a or b")
        return out

    return checked


def _increment(state: dict, replica: str, choice: int, now: float) -> tuple[Any, dict]:
    amount = 1 + choice % 3
    new = dict(state)
    new[replica] = new.get(replica, 0) + amount
    return ("inc", amount), new


def gcounter_kind(merge: Any) -> ReplicatedType:
    """A G-Counter over plain dicts whose merge is ``merge``."""
    return ReplicatedType(
        "G-Counter (dict)", lambda replicas: {}, _increment, merge=_checked(merge),
        value=lambda s: sum(s.values()), expected=lambda effects: sum(n for _, n in effects),
        leq=lambda a, b: all(n <= b.get(r, 0) for r, n in a.items()),
        equal=lambda a, b: _normal(a) == _normal(b), copy=dict)


_UNITS = [
    ("two replicas, each counted once", {"A": 3}, {"B": 2}),
    ("the same replica on both sides: one has seen more", {"A": 3, "B": 1}, {"A": 1, "B": 1}),
    ("the larger count may be on either side", {"A": 1}, {"A": 4, "C": 2}),
    ("a state merged with itself (a duplicate delivery)", {"A": 2, "B": 5}, {"A": 2, "B": 5}),
    ("an empty state", {}, {"C": 7}),
    ("two empty states", {}, {}),
    ("a zero entry counts as a missing one", {"A": 0, "B": 4}, {"A": 2}),
    ("replicas r9 and r10", {"r9": 5, "r10": 1}, {"r10": 6, "r2": 1}),
]


def _draw(rng: random.Random) -> tuple[dict, dict]:
    """Two states of one G-Counter system: one may have seen the other, or both moved on; any replica ids."""
    n = rng.choice([1, 2, 3, 4, 10, 12]) if rng.random() < 0.95 else rng.randint(500, 2000)
    ids = rng.choice([[f"r{k}" for k in range(1, n + 1)], [f"n{k}" for k in range(n)],
                      [chr(65 + k % 26) * (1 + k // 26) for k in range(n)]])
    big = rng.choice([3, 10, 10**12])
    base = {r: rng.randint(0, big) for r in ids if rng.random() < 0.7}
    a, b = dict(base), dict(base)
    for side in (a, b):
        for r in ids:
            if rng.random() < rng.choice([0.0, 0.3, 1.0]):
                side[r] = side.get(r, 0) + rng.randint(1, big)
        if rng.random() < 0.2:
            side.setdefault(rng.choice(ids), 0)  # an explicit zero entry, sometimes
    shape = rng.random()
    if shape < 0.08:
        a = {}
    elif shape < 0.14:
        b = dict(a)
    return a, b


def _hint(a: dict, b: dict, got: dict) -> str:
    total = {r: a.get(r, 0) + b.get(r, 0) for r in set(a) | set(b)}
    if _normal(got) == _normal(total):
        return ("you added the two states: a state that arrives twice (or by two gossip paths) would be counted "
                "again. Each replica's count only grows, so the larger copy has seen every increment: take the max")
    if any(r not in got for r in set(a) | set(b) if (a.get(r) or b.get(r))):
        return "keep every replica that appears in either state"
    return "for each replica, keep the larger of its two counts (a missing replica counts 0)"


def _compare(merge: Any, name: str, x: dict, y: dict) -> None:
    got = merge(x, y)
    want = _reference(x, y)
    if _normal(got) != _normal(want):
        fail(case=f"{name}: gcounter_merge(a, b)", input={"a": x, "b": y}, expected=want, got=got,
             hint=_hint(x, y, got))


@exercise("05-gcounter-merge", title="Merge two G-Counters", theme="T05", concepts=("R02", "R05"),
          reference="dsworkbook.crdt.counters.GCounter._merge")
def grade_gcounter(gcounter_merge: Any) -> str:
    """``gcounter_merge(a, b) -> dict``: merge two G-Counter states.

    A state is a dict ``replica -> count of the increments that replica made`` (a missing
    replica counts 0); each replica only increments its own entry. Return a new dict, the
    merge, without changing ``a`` or ``b``. Checked on hand-written pairs and 400 random pairs
    (both argument orders; empty states, zero entries, ids such as ``"r9"`` and ``"r10"``, up to
    2,000 replicas, counts up to 10**12), then the laws over 40 random histories, then as the
    merge of three replicas gossiping in the simulator under partitions, loss, duplication,
    crashes and pauses.
    """
    need_callable(gcounter_merge, "function gcounter_merge(a, b)")
    merge = _checked(gcounter_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            _compare(merge, name, x, y)
    for case, (a, b) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        for x, y in ((a, b), (b, a)):
            _compare(merge, case, x, y)
    kind = gcounter_kind(gcounter_merge)
    cases = check_learner_laws(kind, seed=505, runs=40, name="gcounter_merge", hints={
        "idempotent": "merging a state with itself must change nothing (duplicates happen): max, not +",
        "commutative": "gcounter_merge(a, b) and gcounter_merge(b, a) must be equal: treat both sides alike",
        "upper bound": "the merge must keep every replica's count, at least as large as on either side"})
    updates = check_sim_convergence(kind, GCOUNTER_SEEDS, hint="take the max of each replica's count")
    return (f"{len(_UNITS)} hand-written pairs and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) in both orders, "
            f"the laws on {cases} triples, and 3 replicas under faults on seeds {GCOUNTER_SEEDS[0]}-"
            f"{GCOUNTER_SEEDS[-1]} ({updates} increments, every one counted exactly once)")
