"""Exercise ``05-mv-register``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.crdt.workloads import ReplicatedType
from dsworkbook.grading.core import exercise, fail, random_cases
from dsworkbook.grading.crdt._common import (check_learner_laws, check_sim_convergence, guarded, need_callable,
                                             too_big, unchanged)

MV_SEEDS = tuple(range(521, 529))
RANDOM_SEED, RANDOM_COUNT = 526, 400


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


def _copy(state: list) -> list:
    return [(v, dict(vv)) for v, vv in state]


def _checked(merge: Any) -> Any:
    call = guarded(merge, "mv_merge")

    def checked(a: list, b: list) -> list:
        x, y = _copy(a), _copy(b)
        out = call(x, y)
        try:
            got = canonical(out)
            out = list(out)
        except (TypeError, ValueError, AttributeError):
            fail(case=f"mv_merge({a!r}, {b!r})", input=(a, b), expected="a list of (value, version vector) pairs",
                 got=repr(out), hint="return a new list of (value, vv-dict) pairs: the siblings that survive")
        unchanged("mv_merge", "a", a, x, (a, b))
        unchanged("mv_merge", "b", b, y, (a, b))
        given = canonical(a) | canonical(b)
        if len(out) > len(given):
            too_big("mv_merge", (a, b), out, got=len(out), limit=len(given), what="siblings",
                    hint=f"the inputs hold {len(given)} different siblings and you returned {len(out)}: keep each "
                         "sibling once ({'A': 1, 'B': 0} and {'A': 1} are the same version vector)")
        invented = got - given
        if invented:
            fail(case=f"mv_merge({a!r}, {b!r})", input=(a, b), expected="only siblings that a or b holds",
                 got=f"{out!r}, with {sorted(invented, key=repr)!r} in neither input",
                 hint="a merge chooses among the siblings it was given; it never makes up a new one")
        return out

    return checked


def _assign(state: list, replica: str, choice: int, now: float) -> tuple[Any, list]:
    vv: dict[str, int] = {}
    for _, other in state:
        for r, n in other.items():
            vv[r] = max(vv.get(r, 0), n)
    vv[replica] = vv.get(replica, 0) + 1
    value = f"{replica}{choice % 10}" if choice % 4 else "same"  # equal values with different versions, often
    return ("write", value, dict(vv)), [(value, vv)]


def _expected(effects: list) -> frozenset:
    return frozenset(v for _, v, vv in effects if not any(_below(vv, other) for _, _, other in effects))


def mv_kind(merge: Any) -> ReplicatedType:
    """An MV register over lists of (value, vv dict) whose merge is ``merge``."""
    return ReplicatedType(
        "MV-Register (lists)", lambda replicas: [], _assign, merge=_checked(merge),
        value=lambda s: frozenset(v for v, _ in s), expected=_expected,
        leq=lambda a, b: all((v, _vv(x)) in canonical(b) or any(_below(x, y) for _, y in b) for v, x in a),
        equal=lambda a, b: canonical(a) == canonical(b) and len(a) == len(b), copy=_copy)


_UNITS = [
    ("a newer write replaces the one it saw", [("x", {"A": 1})], [("y", {"A": 1, "B": 1})]),
    ("two concurrent writes: both survive as siblings", [("x", {"A": 1})], [("y", {"B": 1})]),
    ("concurrent writes of the same value: two siblings", [("x", {"A": 1})], [("x", {"B": 1})]),
    ("concurrent writes, one by a replica that wrote more often", [("x", {"A": 3})], [("y", {"B": 1})]),
    ("the same sibling on both sides is kept once", [("x", {"A": 1}), ("y", {"B": 1})], [("y", {"B": 1})]),
    ("a zero entry: {'A': 1, 'B': 0} is the same version as {'A': 1}", [("x", {"A": 1, "B": 0})], [("x", {"A": 1})]),
    ("a write that saw both siblings replaces both", [("x", {"A": 1}), ("y", {"B": 1})],
     [("z", {"A": 1, "B": 1, "C": 1})]),
    ("concurrent with one sibling, newer than the other", [("x", {"A": 2}), ("y", {"B": 1})],
     [("z", {"B": 1, "C": 1})]),
    ("vectors with no replica in common", [("x", {"r9": 2})], [("y", {"r10": 1, "r2": 1})]),
    ("an empty register", [], [("x", {"C": 3})]),
    ("two empty registers", [], []),
]


def _draw(rng: random.Random) -> tuple[list, list]:
    """Two states of one MV-register system with 2-12 replicas, written with few values (they collide)."""
    n = rng.choice([2, 3, 3, 4, 5, 12])
    ids = rng.choice([[f"r{k}" for k in range(1, n + 1)], [f"r{k}" for k in range(8, 8 + n)],
                      [chr(65 + k) for k in range(n)]])
    reps: dict[str, list] = {r: [] for r in ids}
    seen: list[list] = []
    for _ in range(rng.randint(0, 24)):
        r = rng.choice(ids)
        if rng.random() < 0.55:
            _, reps[r] = _assign(reps[r], r, 0, 0.0)
            reps[r] = [(rng.choice("xyz"), reps[r][0][1])]
        else:
            reps[r] = _reference(reps[r], reps[rng.choice(ids)])
        seen.append(reps[r])
    states = seen + list(reps.values())
    a, b = rng.choice(states), rng.choice(states)

    def dressed(state: list) -> list:  # any order, and now and then an explicit zero entry
        out = []
        for v, vv in state:
            vv = dict(vv)
            if rng.random() < 0.3:
                vv.setdefault(rng.choice(ids), 0)
            out.append((v, vv))
        rng.shuffle(out)
        return out

    return dressed(a), dressed(b)


def _hint(got: Any, want: list) -> str:
    got_set, want_set = canonical(got), canonical(want)
    if got_set == want_set:
        return ("you returned a sibling more than once: keep each (value, version vector) once - and {'A': 1, 'B': 0} "
                "is the same version vector as {'A': 1}")
    if want_set < got_set:
        return ("you kept a sibling that another one dominates (its version vector is <= the other's in every "
                "entry, a missing entry counting 0): that write was already seen and replaced")
    if got_set < want_set:
        lost = want_set - got_set
        if any(v in {w for w, _ in got_set} for v, _ in lost):
            return ("you dropped a sibling whose value equals another's: siblings are different writes (different "
                    "version vectors), even when they wrote the same value - keep both")
        return ("you dropped a sibling that nothing dominates: concurrent writes (neither vector >= the other in "
                "every entry, a missing entry counting 0) must all survive - compare entry by entry, not by sums")
    return "keep exactly the siblings whose version vector no other sibling dominates, each once"


def _compare(merge: Any, name: str, a: list, b: list) -> None:
    got, want = merge(a, b), _reference(a, b)
    if canonical(got) != canonical(want) or len(got) != len(want):
        fail(case=f"{name}: mv_merge(a, b)", input={"a": a, "b": b}, expected=want, got=got, hint=_hint(got, want))


@exercise("05-mv-register", title="Merge multi-value registers: siblings by version vectors", theme="T05",
          concepts=("R01", "R03"), reference=("dsworkbook.crdt.registers.MVRegister._merge",
                                              "dsworkbook.crdt.registers.MVRegister._maximal"))
def grade_mv_register(mv_merge: Any) -> str:
    """``mv_merge(a, b) -> list``: merge two MV-register states.

    A state is a list of siblings ``(value, vv)`` where ``vv`` is a dict ``replica -> count``
    (missing = 0, so ``{"A": 1, "B": 0}`` is the version ``{"A": 1}``). A write at replica ``r``
    has the vector of everything it saw plus one at ``r``. Return the siblings of both sides
    that no sibling dominates (``y`` dominates ``x`` when ``x[r] <= y[r]`` for every replica and
    they differ), each once; order does not matter; ``a`` and ``b`` stay unchanged. Checked on
    hand-written pairs and 400 random pairs of states of systems with 2-12 replicas (both
    orders; equal values with different vectors, zero entries, empty states), the laws over 40
    random histories, and three replicas writing concurrently in the simulator under faults.
    """
    need_callable(mv_merge, "function mv_merge(a, b)")
    merge = _checked(mv_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            _compare(merge, name, x, y)
    for case, (a, b) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        for x, y in ((a, b), (b, a)):
            _compare(merge, case, x, y)
    kind = mv_kind(mv_merge)
    cases = check_learner_laws(kind, seed=525, runs=40, name="mv_merge", hints={
        "commutative": "treat both sides alike: prune every sibling dominated by any sibling of either side",
        "upper bound": "the merge lost a write that neither side had seen superseded: compare version vectors "
                       "entry by entry, not by their sums",
        "idempotent": "merging a state with itself must give it back: keep a sibling once, and never let a sibling "
                      "dominate itself"})
    updates = check_sim_convergence(kind, MV_SEEDS, hint="after healing, the siblings must be exactly the writes "
                                    "no other write has seen")
    return (f"{len(_UNITS)} hand-written pairs and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) in both orders, "
            f"the laws on {cases} triples, and 3 replicas under faults on seeds {MV_SEEDS[0]}-{MV_SEEDS[-1]} "
            f"({updates} writes): the siblings are exactly the concurrent writes")
