"""Exercise ``05-drill-lww``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.workloads import LWW_RESOLUTION, ReplicatedType
from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence, guarded, need_callable

EMPTY = (None, -1, "")
LWW_SEEDS = tuple(range(511, 521))
#: Values that collide when printed (1 and "1") or compared as text.
VALUES = (1, "1", "apple", "pear", 2.5, "2.5", "Zebra", "zebra")


def _reference(a: tuple, b: tuple) -> tuple:
    return b if (b[1], b[2]) > (a[1], a[2]) else a


def _checked(merge: Any) -> Any:
    call = guarded(merge, "lww_merge")

    def checked(a: tuple, b: tuple) -> tuple:
        out = call(a, b)
        if not (isinstance(out, tuple) and len(out) == 3):
            fail(case=f"lww_merge({a!r}, {b!r})", input=(a, b), expected="one of the two writes, a (value, time, "
                 "replica) tuple", got=repr(out), hint="return a or b itself")
        return out

    return checked


def _write(state: tuple, replica: str, choice: int, now: float) -> tuple[Any, tuple]:
    t = LWW_RESOLUTION * (now // LWW_RESOLUTION)
    if (t, replica) == (state[1], state[2]):
        value = state[0]  # the replica already wrote in this clock tick: one stamp, one value
    else:
        value = VALUES[choice % len(VALUES)]
    new = (value, t, replica)
    return ("write", value, (t, replica)), _reference(state, new)


def lww_kind(merge: Any) -> ReplicatedType:
    """An LWW register over ``(value, time, replica)`` tuples whose merge is ``merge``."""

    def expected(effects: list) -> Any:
        return max(effects, key=lambda w: w[2])[1] if effects else None

    return ReplicatedType("LWW (tuples)", lambda replicas: EMPTY, _write, merge=_checked(merge),
                          value=lambda s: s[0], expected=expected,
                          leq=lambda a, b: (a[1], a[2]) <= (b[1], b[2]),
                          equal=lambda a, b: a == b and type(a[0]) is type(b[0]))


_UNITS = [
    ("the later write wins", ("old", 3, "B"), ("new", 7, "A")),
    ("a tie in time: the larger replica id wins", ("x", 5, "A"), ("y", 5, "B")),
    ("a tie where the values print alike", (1, 5, "A"), ("1", 5, "C")),
    ("a tie where the larger value is on the smaller replica", ("zebra", 9, "A"), ("apple", 9, "B")),
    ("the empty register loses to any write", EMPTY, ("x", 0, "A")),
    ("a write merged with itself", ("x", 4, "B"), ("x", 4, "B")),
]


def _hint(a: tuple, b: tuple, got: Any, swapped: Any) -> str:
    if a[1] == b[1] and a[2] != b[2]:
        smaller = a if a[2] < b[2] else b
        if got == smaller and swapped == smaller:
            return (f"in both argument orders you picked the write of replica {smaller[2]!r}: a tie in time goes to "
                    "the LARGER replica id, whatever the values are (a value is not a tie-break every replica "
                    "reads the same way: 1 and '1' print alike)")
        if got == a:
            return ("on a tie you kept the first argument (your own value): the other replica keeps its own too, "
                    "and the two never agree. Break the tie by something both sides see the same way: the replica id")
        return "on a tie in time, compare the replica ids: the write of the larger replica id wins, on every replica"
    return "the write with the larger time wins"


@exercise("05-drill-lww", title="Drill: an LWW register whose replicas never agree", theme="T05",
          concepts=("R01", "R03"), kind="drill")
def grade_drill_lww(lww_merge: Any) -> str:
    """``lww_merge(a, b)``: a fixed version of ``dsworkbook.crdt.pitfalls.naive_lww_merge``.

    A write is ``(value, time, replica)``; the empty register is ``(None, -1, "")``. Return the
    write with the larger ``(time, replica)`` pair: the later time wins, and a tie in time is
    won by the larger replica id - never by the value. Checked on hand-written pairs (both
    argument orders), on the laws over 40 random histories whose values include ``1`` and
    ``"1"``, and with three replicas whose clocks tick every 50 ms (so writes tie) gossiping
    under partitions, loss, duplication, crashes and pauses.
    """
    need_callable(lww_merge, "function lww_merge(a, b)")
    merge = _checked(lww_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            got, want = merge(x, y), _reference(x, y)
            if got != want or type(got[0]) is not type(want[0]):
                fail(case=f"{name}: lww_merge({x!r}, {y!r})", input=(x, y), expected=want, got=got,
                     hint=_hint(x, y, got, merge(y, x)))
    kind = lww_kind(lww_merge)
    cases = check_learner_laws(kind, seed=515, runs=40, hints={
        "commutative": "the winner must not depend on which replica merges into which: compare (time, replica)"})
    updates = check_sim_convergence(kind, LWW_SEEDS, hint="every replica must pick the same winner: the "
                                    "largest (time, replica id), whatever the values are")
    return (f"{len(_UNITS)} hand-written pairs in both orders, the laws on {cases} triples, and 3 replicas with "
            f"50 ms clocks under faults on seeds {LWW_SEEDS[0]}-{LWW_SEEDS[-1]} ({updates} writes): every replica "
            "ends on the write with the largest (time, replica)")
