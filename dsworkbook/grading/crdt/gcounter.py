"""Exercise ``05-gcounter-merge``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.workloads import ReplicatedType
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence, guarded, need_callable

GCOUNTER_SEEDS = tuple(range(501, 509))


def _normal(state: Any) -> dict:
    """A G-Counter dict without its zero entries (a missing replica counts 0)."""
    return {r: n for r, n in state.items() if n}


def _reference(a: dict, b: dict) -> dict:
    return {r: max(a.get(r, 0), b.get(r, 0)) for r in set(a) | set(b)}


def _checked(merge: Any) -> Any:
    call = guarded(merge, "gcounter_merge")

    def checked(a: dict, b: dict) -> dict:
        out = call(dict(a), dict(b))
        if not isinstance(out, dict) or not all(isinstance(n, int) and not isinstance(n, bool) for n in out.values()):
            fail(case=f"gcounter_merge({a!r}, {b!r})", input=(a, b), expected="a new dict replica -> count",
                 got=repr(out), hint="return the merged dict (do not just update one argument and return None)")
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
]


def _unit_hint(a: dict, b: dict, got: dict) -> str:
    total = {r: a.get(r, 0) + b.get(r, 0) for r in set(a) | set(b)}
    if _normal(got) == _normal(total):
        return ("you added the two states: a state that arrives twice (or by two gossip paths) would be counted "
                "again. Each replica's count only grows, so the larger copy has seen every increment: take the max")
    if any(r not in got for r in set(a) | set(b) if (a.get(r) or b.get(r))):
        return "keep every replica that appears in either state"
    return "for each replica, keep the larger of its two counts"


@exercise("05-gcounter-merge", title="Merge two G-Counters", theme="T05", concepts=("R02", "R05"))
def grade_gcounter(gcounter_merge: Any) -> str:
    """``gcounter_merge(a, b) -> dict``: merge two G-Counter states.

    A state is a dict ``replica -> count of the increments that replica made`` (a missing
    replica counts 0); each replica only increments its own entry. Return a new dict, the
    merge. Checked on hand-written pairs, then on the laws (commutative, associative,
    idempotent, upper bound) over 40 random histories, then as the merge of three replicas
    gossiping in the simulator under partitions, loss, duplication, crashes and pauses.
    """
    need_callable(gcounter_merge, "function gcounter_merge(a, b)")
    merge = _checked(gcounter_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            got = merge(x, y)
            if _normal(got) != _normal(_reference(x, y)):
                fail(case=f"{name}: gcounter_merge({x!r}, {y!r})", input=(x, y), expected=_reference(x, y), got=got,
                     hint=_unit_hint(x, y, got))
    kind = gcounter_kind(gcounter_merge)
    cases = check_learner_laws(kind, seed=505, runs=40, hints={
        "idempotent": "merging a state with itself must change nothing (duplicates happen): max, not +",
        "commutative": "merge(a, b) and merge(b, a) must be equal: treat both sides alike"})
    updates = check_sim_convergence(kind, GCOUNTER_SEEDS, hint="take the max of each replica's count")
    return (f"{len(_UNITS)} hand-written pairs, the laws on {cases} triples, and 3 replicas under faults on "
            f"seeds {GCOUNTER_SEEDS[0]}-{GCOUNTER_SEEDS[-1]} ({updates} increments, every one counted exactly once)")
