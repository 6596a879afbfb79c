"""Exercise ``05-laws``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from dsworkbook.crdt.laws import check_laws
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.crdt._common import need_callable

THREE_LAWS = ("commutative", "associative", "idempotent")


def _union(a: frozenset, b: frozenset) -> frozenset:
    return a | b


def _xor(a: frozenset, b: frozenset) -> frozenset:
    return a ^ b


def _gcounter_max(a: tuple, b: tuple) -> tuple:
    return tuple(max(x, y) for x, y in zip(a, b))


def _gcounter_sum(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def _lww(a: tuple, b: tuple) -> tuple:
    return max(a, b, key=lambda w: (w[1], w[2]))


def _lww_keep_own(a: tuple, b: tuple) -> tuple:
    return b if b[1] > a[1] else a


def _average(a: Fraction, b: Fraction) -> Fraction:
    return (a + b) / 2


def _first(a: Any, b: Any) -> Any:
    return a


def _concat(a: str, b: str) -> str:
    return a + b


def _max(a: int, b: int) -> int:
    return max(a, b)


def _minus(a: int, b: int) -> int:
    return a - b


_SETS = [frozenset(), frozenset({"a"}), frozenset({"a", "b"}), frozenset({"c"})]
_COUNTERS = [(0, 0, 0), (2, 0, 1), (1, 3, 0), (2, 3, 1)]
_WRITES = [("x", 1, "A"), ("y", 1, "B"), ("z", 2, "A"), ("w", 0, "C")]

#: (what the merge is, the merge, the states it is checked on). The truth comes from running the
#: library's checker on the same states, never from this table.
CASES: list[tuple[str, Callable[[Any, Any], Any], list[Any]]] = [
    ("set union", _union, _SETS),
    ("G-Counter merge by max", _gcounter_max, _COUNTERS),
    ("G-Counter merge by sum", _gcounter_sum, _COUNTERS),
    ("LWW with a replica-id tie-break", _lww, _WRITES),
    ("LWW that keeps its own value on a tie", _lww_keep_own, _WRITES),
    ("the average of two numbers", _average, [Fraction(0), Fraction(1), Fraction(4)]),
    ("keep the first argument", _first, [1, 2, 3]),
    ("string concatenation", _concat, ["a", "b", ""]),
    ("symmetric difference of sets", _xor, _SETS),
    ("max of two numbers", _max, [3, 1, 2]),
    ("subtraction", _minus, [0, 1, 5]),
    ("keep the first argument, on one state only", _first, [7]),
]

_WHY = {
    "commutative": "check merge(a, b) == merge(b, a) for every ordered pair, including pairs of different states",
    "associative": "check every triple: merge(merge(a, b), c) == merge(a, merge(b, c)); some merges break only this "
                   "law (the average of two numbers is commutative and idempotent)",
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


@exercise("05-laws", title="Write the law checks, and find the broken merges", theme="T05", concepts=("R05",))
def grade_laws(law_violations: Any) -> str:
    """``law_violations(merge, states) -> set``: which of the three merge laws ``merge`` breaks.

    Return the names among ``"commutative"``, ``"associative"``, ``"idempotent"`` of the laws for
    which some states drawn from ``states`` (with repeats) are a counterexample; ``set()`` when
    none is. Compare results with ``==``. Checked on twelve merges - correct ones and broken ones
    (a sum, a left-biased tie, an average...) - against ``dsworkbook.crdt.laws.check_laws`` run on
    the same states.
    """
    need_callable(law_violations, "function law_violations(merge, states)")
    broken = 0
    for name, merge, states in CASES:
        case = f"the merge '{name}' on the states {states!r}"
        truth = {v.law for v in check_laws(merge, states, laws=THREE_LAWS)}
        got = _as_names(attempt(law_violations, merge, list(states), input=case, case=case), case)
        if got != truth:
            missed, extra = truth - got, got - truth
            hint = _WHY[sorted(missed)[0]] if missed else (
                f"{sorted(extra)[0]} holds on these states: report a law only when you found a counterexample")
            fail(case=case, input=f"law_violations({name}, {states!r})", expected=truth or "set()",
                 got=got or "set()", hint=hint)
        broken += bool(truth)
    return (f"right on all {len(CASES)} merges: {broken} break a law, {len(CASES) - broken} keep all three "
            "(and only a merge that keeps all three, on states that only grow, makes replicas converge)")
