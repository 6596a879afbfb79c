"""Exercise ``05-mv-register``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.workloads import ReplicatedType
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence, guarded, need_callable

MV_SEEDS = tuple(range(521, 529))


def _vv(vv: dict) -> frozenset:
    return frozenset((r, n) for r, n in vv.items() if n)


def _below(x: dict, y: dict) -> bool:
    """x < y: y has seen everything x has, and more."""
    return all(n <= y.get(r, 0) for r, n in x.items()) and _vv(x) != _vv(y)


def canonical(state: Any) -> frozenset:
    """Siblings as a set of (value, version vector), whatever order or container they came in."""
    return frozenset((v, _vv(vv)) for v, vv in state)


def _reference(a: list, b: list) -> list:
    entries = {(v, _vv(vv)): (v, dict(vv)) for v, vv in list(a) + list(b)}
    return [e for e in entries.values() if not any(_below(e[1], other[1]) for other in entries.values())]


def _checked(merge: Any) -> Any:
    call = guarded(merge, "mv_merge")

    def checked(a: list, b: list) -> list:
        out = call([(v, dict(vv)) for v, vv in a], [(v, dict(vv)) for v, vv in b])
        try:
            canonical(out)
        except (TypeError, ValueError, AttributeError):
            fail(case=f"mv_merge({a!r}, {b!r})", input=(a, b), expected="a list of (value, version vector) pairs",
                 got=repr(out), hint="return a new list of (value, vv-dict) pairs: the siblings that survive")
        return list(out)

    return checked


def _assign(state: list, replica: str, choice: int, now: float) -> tuple[Any, list]:
    vv: dict[str, int] = {}
    for _, other in state:
        for r, n in other.items():
            vv[r] = max(vv.get(r, 0), n)
    vv[replica] = vv.get(replica, 0) + 1
    value = f"{replica}{choice % 10}"
    return ("write", value, dict(vv)), [(value, vv)]


def _expected(effects: list) -> frozenset:
    return frozenset(v for _, v, vv in effects if not any(_below(vv, other) for _, _, other in effects))


def mv_kind(merge: Any) -> ReplicatedType:
    """An MV register over lists of (value, vv dict) whose merge is ``merge``."""
    return ReplicatedType(
        "MV-Register (lists)", lambda replicas: [], _assign, merge=_checked(merge),
        value=lambda s: frozenset(v for v, _ in s), expected=_expected,
        leq=lambda a, b: all((v, _vv(x)) in canonical(b) or any(_below(x, y) for _, y in b) for v, x in a),
        equal=lambda a, b: canonical(a) == canonical(b), copy=lambda s: [(v, dict(vv)) for v, vv in s])


_UNITS = [
    ("a newer write replaces the one it saw", [("x", {"A": 1})], [("y", {"A": 1, "B": 1})]),
    ("two concurrent writes: both survive as siblings", [("x", {"A": 1})], [("y", {"B": 1})]),
    ("concurrent writes, one by a replica that wrote more often", [("x", {"A": 3})], [("y", {"B": 1})]),
    ("the same sibling on both sides is kept once", [("x", {"A": 1}), ("y", {"B": 1})], [("y", {"B": 1})]),
    ("a write that saw both siblings replaces both", [("x", {"A": 1}), ("y", {"B": 1})], [("z", {"A": 1, "B": 1, "C": 1})]),
    ("concurrent with one sibling, newer than the other", [("x", {"A": 2}), ("y", {"B": 1})],
     [("z", {"B": 1, "C": 1})]),
    ("an empty register", [], [("x", {"C": 3})]),
]


def _hint(a: list, b: list, got: Any, want: list) -> str:
    got_set, want_set = canonical(got), canonical(want)
    if want_set < got_set:
        return ("you kept a sibling that another one dominates (its version vector is <= the other's in every "
                "entry): that write was already seen and replaced")
    if got_set < want_set:
        return ("you dropped a sibling that nothing dominates: concurrent writes (neither vector >= the other) "
                "must all survive, compared entry by entry - not by their sums")
    return "keep exactly the entries whose version vector no other entry dominates, each once"


@exercise("05-mv-register", title="Merge multi-value registers: siblings by version vectors", theme="T05",
          concepts=("R01", "R03"))
def grade_mv_register(mv_merge: Any) -> str:
    """``mv_merge(a, b) -> list``: merge two MV-register states.

    A state is a list of siblings ``(value, vv)`` where ``vv`` is a dict ``replica -> count``
    (missing = 0). A write at replica ``r`` has the vector of everything it saw plus one at
    ``r``. Return the siblings of both sides that no sibling dominates (``y`` dominates ``x``
    when ``x[r] <= y[r]`` for every replica and they differ), each once; order does not matter.
    Checked on hand-written pairs (both orders), the laws over 40 random histories, and three
    replicas writing concurrently in the simulator under partitions, loss, duplication, crashes.
    """
    need_callable(mv_merge, "function mv_merge(a, b)")
    merge = _checked(mv_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            got, want = merge(x, y), _reference(x, y)
            if canonical(got) != canonical(want) or len(got) != len(want):
                fail(case=f"{name}: mv_merge({x!r}, {y!r})", input=(x, y), expected=want, got=got,
                     hint=_hint(x, y, got, want))
    kind = mv_kind(mv_merge)
    cases = check_learner_laws(kind, seed=525, runs=40, hints={
        "commutative": "treat both sides alike: prune every entry dominated by any entry of either side",
        "upper bound": "the merge lost a write that neither side had seen superseded: compare version vectors "
                       "entry by entry, not by their sums",
        "idempotent": "merging a state with itself must give it back: keep an entry once, and never let an entry "
                      "dominate itself"})
    updates = check_sim_convergence(kind, MV_SEEDS, hint="after healing, the siblings must be exactly the writes "
                                    "no other write has seen")
    return (f"{len(_UNITS)} hand-written pairs in both orders, the laws on {cases} triples, and 3 replicas under "
            f"faults on seeds {MV_SEEDS[0]}-{MV_SEEDS[-1]} ({updates} writes): the siblings are exactly the "
            "concurrent writes")
