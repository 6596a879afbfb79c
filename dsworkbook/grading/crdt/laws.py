"""Exercise ``05-laws``: see its grader's docstring for what the learner writes.

The learner's law checker is run on many merges - right ones, broken ones, and ones that break
only on particular states (a tie in time, an empty side, a state met twice, three different
states, the entry of a third replica) - each on states where the break shows and on states
where it does not. The truth always comes from running :func:`dsworkbook.crdt.laws.check_laws`
on the same states, never from a table.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any, Callable

from dsworkbook.crdt.laws import LawViolation, check_laws
from dsworkbook.crdt.pitfalls import BROKEN, naive_lww_merge
from dsworkbook.crdt.workloads import TYPES, random_run
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.crdt._common import need_callable, say_law

THREE_LAWS = ("commutative", "associative", "idempotent")
RANDOM_SEED, RANDOM_COUNT = 546, 160
Merge = Callable[[Any, Any], Any]


# -- merges: right ones --------------------------------------------------------------------------------


def _union(a: frozenset, b: frozenset) -> frozenset:
    return a | b


def _intersection(a: frozenset, b: frozenset) -> frozenset:
    return a & b


def _max(a: Any, b: Any) -> Any:
    return max(a, b)


def _min(a: Any, b: Any) -> Any:
    return min(a, b)


def _gcd(a: int, b: int) -> int:
    return math.gcd(a, b)


def _bit_or(a: int, b: int) -> int:
    return a | b


def _gcounter_tuple(a: tuple, b: tuple) -> tuple:
    return tuple(max(x, y) for x, y in zip(a, b))


def _gcounter_dict(a: dict, b: dict) -> dict:
    """Right, and its result lists the keys in argument order: equal dicts that print differently."""
    return {r: max(a.get(r, 0), b.get(r, 0)) for r in list(a) + [k for k in b if k not in a]}


def _lww(a: tuple, b: tuple) -> tuple:
    return max(a, b, key=lambda w: (w[1], w[2]))


def _mv(a: frozenset, b: frozenset) -> frozenset:
    """MV-register siblings as frozensets of (value, ((replica, count), ...)): keep the undominated."""
    both = a | b

    def below(x: tuple, y: tuple) -> bool:
        dx, dy = dict(x), dict(y)
        return x != y and all(n <= dy.get(r, 0) for r, n in dx.items())

    return frozenset(e for e in both if not any(below(e[1], o[1]) for o in both))


# -- merges: broken everywhere, or only on some states ---------------------------------------------------


def _sum_tuple(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _sum_dict(a: dict, b: dict) -> dict:
    return {r: a.get(r, 0) + b.get(r, 0) for r in list(a) + [k for k in b if k not in a]}


def _lww_keep_own(a: tuple, b: tuple) -> tuple:
    return b if b[1] > a[1] else a  # a tie in time keeps the first argument: broken only on ties


def _newest_by_sum(a: tuple, b: tuple) -> tuple:
    return a if sum(a) >= sum(b) else b  # a tie of sums keeps the first argument


def _average(a: Fraction, b: Fraction) -> Fraction:
    return (a + b) / 2  # commutative and idempotent; associative only on some triples


def _first(a: Any, b: Any) -> Any:
    return a


def _second(a: Any, b: Any) -> Any:
    return b


def _concat(a: str, b: str) -> str:
    return a + b


def _xor(a: frozenset, b: frozenset) -> frozenset:
    return a ^ b


def _minus(a: int, b: int) -> int:
    return a - b


def _first_truthy(a: int, b: int) -> int:
    return a or b  # commutative only when one side is 0 or both are equal


def _sum_unless_equal(a: int, b: int) -> int:
    return a if a == b else a + b  # commutative and idempotent; associativity breaks on a repeated state


def _near_max(a: int, b: int) -> int:
    return max(a, b) if abs(a - b) <= 1 else min(a, b)  # breaks only on some triples


def _union_unless_empty(a: frozenset, b: frozenset) -> frozenset:
    return a | b if a and b else a  # an empty side breaks it


def _third_replica_summed(a: tuple, b: tuple) -> tuple:
    return (max(a[0], b[0]), max(a[1], b[1]), a[2] + b[2])  # right for two replicas, not for a third


def _plus_one_on_zero(a: int, b: int) -> int:
    return 1 if a == b == 0 else max(a, b)  # breaks idempotence on the state 0 only


_SETS = [frozenset(), frozenset({"a"}), frozenset({"a", "b"}), frozenset({"c"})]
_COUNTERS = [(0, 0, 0), (2, 0, 1), (1, 3, 0), (2, 3, 1)]
_TWO_REPLICAS = [(0, 0, 0), (2, 0, 0), (1, 3, 0), (2, 3, 0)]
_WRITES_TIED = [("x", 1, "A"), ("y", 1, "B"), ("z", 2, "A"), ("w", 0, "C")]
_WRITES_UNTIED = [("x", 1, "A"), ("y", 2, "B"), ("z", 3, "A"), ("w", 0, "C")]
_VV = lambda **kv: tuple(sorted(kv.items()))  # noqa: E731 - a version vector as sorted pairs
_MV_STATES = [frozenset({("x", _VV(A=1))}), frozenset({("y", _VV(B=1))}), frozenset({("z", _VV(A=1, B=1))}),
              frozenset({("x", _VV(A=1)), ("y", _VV(B=1))})]

#: (what the merge is, the merge, the states it is checked on).
CASES: list[tuple[str, Merge, list[Any]]] = [
    ("set union", _union, _SETS),
    ("set intersection", _intersection, _SETS),
    ("G-Counter merge by max", _gcounter_tuple, _COUNTERS),
    ("G-Counter merge by max, over dicts (equal results may print in another order)", _gcounter_dict,
     [{"A": 1}, {"B": 2, "A": 0}, {"A": 3, "C": 1}]),
    ("G-Counter merge by sum", _sum_tuple, _COUNTERS),
    ("G-Counter merge by sum, over dicts", _sum_dict, [{"A": 1}, {"B": 2}]),
    ("LWW with a replica-id tie-break", _lww, _WRITES_TIED),
    ("LWW that keeps its own value on a tie, with ties", _lww_keep_own, _WRITES_TIED),
    ("LWW that keeps its own value on a tie, without ties", _lww_keep_own, _WRITES_UNTIED),
    ("LWW broken by the value as text, values 1 and '1' tied", naive_lww_merge, [(1, 5, "A"), ("1", 5, "B")]),
    ("LWW broken by the value as text, no tie", naive_lww_merge, [(1, 5, "A"), ("1", 6, "B")]),
    ("MV-register siblings", _mv, _MV_STATES),
    ("the newest by the sum of the counts, with a tie of sums", _newest_by_sum, [(2, 0), (0, 2), (1, 0)]),
    ("the newest by the sum of the counts, no tie", _newest_by_sum, [(3, 0), (0, 2), (1, 0)]),
    ("the average of two numbers", _average, [Fraction(0), Fraction(1), Fraction(4)]),
    ("the average of two numbers, two states", _average, [Fraction(0), Fraction(1)]),
    ("keep the first argument", _first, [1, 2, 3]),
    ("keep the second argument", _second, [1, 2, 3]),
    ("keep the first argument, on one state only", _first, [7]),
    ("string concatenation", _concat, ["a", "b", ""]),
    ("symmetric difference of sets", _xor, _SETS),
    ("max of two numbers", _max, [3, 1, 2]),
    ("max of numbers where 1 and 1.0 are both states", _max, [1, 1.0, 2]),
    ("min of two numbers", _min, [3, 1, 2]),
    ("greatest common divisor", _gcd, [4, 6, 9]),
    ("bitwise or", _bit_or, [1, 2, 4, 6]),
    ("subtraction", _minus, [0, 1, 5]),
    ("the first non-zero argument", _first_truthy, [0, 1, 2]),
    ("the first non-zero argument, one non-zero state", _first_truthy, [0, 3]),
    ("sum unless equal, two states", _sum_unless_equal, [1, 2]),
    ("max unless more than one apart", _near_max, [1, 2, 3]),
    ("union unless a side is empty, with an empty state", _union_unless_empty, _SETS),
    ("union unless a side is empty, no empty state", _union_unless_empty, _SETS[1:]),
    ("the third replica's count summed, three replicas active", _third_replica_summed, _COUNTERS),
    ("the third replica's count summed, two replicas active", _third_replica_summed, _TWO_REPLICAS),
    ("max, but 1 from two zeros", _plus_one_on_zero, [0, 1, 2]),
    ("max, but 1 from two zeros, no zero state", _plus_one_on_zero, [1, 2, 5]),
    ("LWW that keeps its own value on a tie, the tie only between the last two of six", _lww_keep_own,
     [("x", 1, "A"), ("y", 2, "B"), ("z", 3, "A"), ("w", 4, "C"), ("v", 5, "B"), ("u", 5, "A")]),
]


# -- random cases: a family of merges, and states drawn over its domain ----------------------------------

def _ints(rng: random.Random) -> int:
    return rng.choice([0, 0, 1, 2, 3, rng.randint(-3, 9)])


def _a_set(rng: random.Random) -> frozenset:
    return frozenset(rng.sample("abc", rng.randint(0, 3)))


def _counts(rng: random.Random) -> tuple:
    return tuple(rng.choice([0, 0, 1, 2, 3]) for _ in range(3))


def _write(rng: random.Random) -> tuple:
    return (rng.choice([1, "1", "x", "y"]), rng.randint(0, 2), rng.choice("ABC"))


def _count_dict(rng: random.Random) -> dict:
    keys = rng.sample(["A", "B", "C", "r9", "r10"], rng.randint(0, 3))
    return {k: rng.randint(0, 3) for k in keys}


def _fraction(rng: random.Random) -> Fraction:
    return Fraction(rng.randint(0, 6))


FAMILIES: list[tuple[str, Merge, Callable[[random.Random], Any]]] = [
    ("set union", _union, _a_set), ("set intersection", _intersection, _a_set),
    ("symmetric difference", _xor, _a_set), ("union unless a side is empty", _union_unless_empty, _a_set),
    ("max", _max, _ints), ("min", _min, _ints), ("subtraction", _minus, _ints),
    ("the first non-zero argument", _first_truthy, _ints), ("sum unless equal", _sum_unless_equal, _ints),
    ("max unless more than one apart", _near_max, _ints), ("max, but 1 from two zeros", _plus_one_on_zero, _ints),
    ("keep the first argument", _first, _ints), ("keep the second argument", _second, _a_set),
    ("G-Counter by max", _gcounter_tuple, _counts), ("G-Counter by sum", _sum_tuple, _counts),
    ("the third replica's count summed", _third_replica_summed, _counts),
    ("the newest by the sum of the counts", _newest_by_sum, _counts),
    ("G-Counter by max over dicts", _gcounter_dict, _count_dict), ("G-Counter by sum over dicts", _sum_dict,
                                                                    _count_dict),
    ("LWW with a replica-id tie-break", _lww, _write), ("LWW that keeps its own on a tie", _lww_keep_own, _write),
    ("LWW broken by the value as text", naive_lww_merge, _write),
    ("the average", _average, _fraction),
]


def _draw(rng: random.Random) -> tuple[str, Merge, list[Any]]:
    name, merge, state = rng.choice(FAMILIES)
    states: list[Any] = []
    for _ in range(rng.choice([1, 2, 2, 3, 4, 5])):
        s = state(rng)
        if s not in states or rng.random() < 0.2:
            states.append(s)
    return name, merge, states


def _library_cases() -> list[tuple[str, Merge, list[Any]]]:
    """States of random replicated histories of every library type, and of two broken merges."""
    rng = random.Random(547)
    kinds = list(TYPES.values()) + [BROKEN["G-Counter (sum merge)"], BROKEN["LWW-Register (keeps its own on a tie)"]]
    out = []
    for kind in kinds:
        run = random_run(kind, rng, steps=14)
        states = run.states if len(run.states) <= 4 else rng.sample(run.states, 4)
        out.append((f"{kind.name} states from a random history", kind.merge, states))
    return out


# -- grading --------------------------------------------------------------------------------------------

_WHY = {
    "commutative": "check merge(a, b) == merge(b, a) for every ordered pair of states",
    "associative": "check every triple, with repeats: merge(merge(a, b), c) == merge(a, merge(b, c)); some merges "
                   "break only this law, and only on some triples",
    "idempotent": "check merge(a, a) == a for every state",
}


def _as_names(got: Any, case: str) -> set[str]:
    if isinstance(got, str) or not hasattr(got, "__iter__"):
        fail(case=case, input="law_violations(merge, states)", expected=f"a set of law names among {THREE_LAWS}",
             got=repr(got), hint='return a set such as {"idempotent"} - or set() when every law holds')
    names = set(got)
    unknown = names - set(THREE_LAWS)
    if unknown:
        fail(case=case, input="law_violations(merge, states)", expected=f"names among {THREE_LAWS}",
             got=repr(got), hint=f"unknown law name(s) {sorted(map(str, unknown))}; spell them as listed")
    return names


def _counterexample(v: LawViolation) -> str:
    names = ", ".join(f"{'abc'[k]}={s!r}" for k, s in enumerate(v.states[:3]))
    return f"with {names}: {say_law(v)}"


def _grade_one(law_violations: Any, name: str, merge: Merge, states: list[Any], case: str) -> bool:
    found = check_laws(merge, states, laws=THREE_LAWS)
    truth = {v.law for v in found}
    shown = f"law_violations(<{name}>, {states!r})"
    got = _as_names(attempt(law_violations, merge, list(states), input=shown, case=case), case)
    if got != truth:
        missed, extra = sorted(truth - got), sorted(got - truth)
        expected: Any = sorted(truth) if truth else "set()"
        if missed:
            v = next(v for v in found if v.law == missed[0])
            expected = f"{expected}: '{missed[0]}' is broken {_counterexample(v)}"
            hint = f"you missed '{missed[0]}': {_WHY[missed[0]]}"
        else:
            expected = f"{expected}: '{extra[0]}' holds on every pair and triple of these states"
            hint = (f"'{extra[0]}' holds here when results are compared with ==, not with `is`, repr() or str(): "
                    "report a law only when you found a counterexample")
        fail(case=f"{case}: the merge '{name}'", input=shown, expected=expected, got=sorted(got) if got else "set()",
             hint=hint)
    return bool(truth)


@exercise("05-laws", title="Write the law checks, and find the broken merges", theme="T05", concepts=("R05",),
          reference="dsworkbook.crdt.laws.check_laws")
def grade_laws(law_violations: Any) -> str:
    """``law_violations(merge, states) -> set``: which of the three merge laws ``merge`` breaks.

    Return the names among ``"commutative"``, ``"associative"``, ``"idempotent"`` of the laws for
    which some states drawn from ``states`` (with repeats) are a counterexample; ``set()`` when
    none is. Compare results with ``==``. Checked against ``dsworkbook.crdt.laws.check_laws`` on
    the same states: on 38 hand-picked merges - right ones, broken ones, and ones that break
    only on a tie, an empty side, a repeated state, some triples or a third replica's entry,
    each also on states where the break does not show - on 160 random (merge, states) cases
    over 23 families (seed 546), on the states of random histories of every library type and
    two broken ones, and twice in two worlds (a checker that samples with ``random`` differs).
    """
    need_callable(law_violations, "function law_violations(merge, states)")
    broken = 0
    for name, merge, states in CASES:
        broken += _grade_one(law_violations, name, merge, states, "a hand-picked merge")
    library = _library_cases()
    for name, merge, states in library:
        broken += _grade_one(law_violations, name, merge, states, "a library type")
    worlds = [(name, merge, states) for name, merge, states in CASES + library if len(states) >= 3][:8]
    same_everywhere(lambda: [sorted(_as_names(law_violations(m, list(s)), n)) for n, m, s in worlds],
                    input=f"{len(worlds)} merges, e.g. '{worlds[0][0]}' on {worlds[0][2]!r}",
                    case=f"{len(worlds)} hand-picked merges")
    for case, (name, merge, states) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        broken += _grade_one(law_violations, name, merge, states, case)
    total = len(CASES) + len(library) + RANDOM_COUNT
    return (f"right on all {total} merges ({len(CASES)} hand-picked, {len(library)} library types, {RANDOM_COUNT} "
            f"random, seed {RANDOM_SEED}): {broken} break a law, {total - broken} keep all three on their states "
            "(and only a merge that keeps all three, on states that only grow, makes replicas converge)")
