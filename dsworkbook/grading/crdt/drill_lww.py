"""Exercise ``05-drill-lww``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.crdt.workloads import LWW_RESOLUTION, ReplicatedType
from dsworkbook.grading.core import exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence, guarded, need_callable

EMPTY = (None, -1, "")
LWW_SEEDS = tuple(range(511, 521))
RANDOM_SEED, RANDOM_COUNT = 516, 600
#: Values that collide when printed (1 and "1") or compared as text, and values that are false.
VALUES = (1, "1", "apple", "pear", 2.5, "2.5", "Zebra", "zebra", 0, "", False)
#: Replica ids whose order as strings is not their order as numbers or by length.
IDS = ("A", "B", "C", "Z", "a", "r1", "r2", "r9", "r10", "r11", "n10", "n9", "replica-2", "replica-10")


def _reference(a: tuple, b: tuple) -> tuple:
    return b if (b[1], b[2]) > (a[1], a[2]) else a


def _same_write(x: Any, y: tuple) -> bool:
    return x == y and type(x[0]) is type(y[0])


def _checked(merge: Any) -> Any:
    call = guarded(merge, "lww_merge")

    def checked(a: tuple, b: tuple) -> tuple:
        out = call(a, b)
        if not (isinstance(out, tuple) and len(out) == 3) or not (_same_write(out, a) or _same_write(out, b)):
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
    ("times 9 and 10", ("old", 9, "B"), ("new", 10, "A")),
    ("a tie in time: the larger replica id wins", ("x", 5, "A"), ("y", 5, "B")),
    ("a tie where the values print alike", (1, 5, "A"), ("1", 5, "C")),
    ("a tie where the larger value is on the smaller replica", ("zebra", 9, "A"), ("apple", 9, "B")),
    ("a tie between replicas r9 and r10 (as strings, 'r9' > 'r10')", ("x", 4, "r10"), ("y", 4, "r9")),
    ("a tie between replicas 'Z' and 'a' (as strings, 'a' > 'Z')", ("x", 4, "a"), ("y", 4, "Z")),
    ("a tie in time written 5 and 5.0", ("x", 5, "B"), ("y", 5.0, "A")),
    ("times 5.25 and 5.5", ("x", 5.5, "A"), ("y", 5.25, "B")),
    ("the empty register loses to any write", EMPTY, ("x", 0, "A")),
    ("a write of a false value is still a write", ("", 7, "A"), ("x", 3, "B")),
    ("a write of 0 at time 0 beats the empty register", EMPTY, (0, 0, "B")),
    ("a write merged with itself", ("x", 4, "B"), ("x", 4, "B")),
]


def _draw(rng: random.Random) -> tuple[tuple, tuple]:
    """Two writes: mostly ties in time (5 and 5.0 count as one time), any ids; one stamp, one value."""
    def write() -> tuple:
        if rng.random() < 0.05:
            return EMPTY
        t: float = rng.choice([rng.randint(0, 3), rng.randint(0, 12), rng.randint(0, 10**9)])
        if rng.random() < 0.2:
            t = float(t)
        if rng.random() < 0.1:
            t += rng.choice([0.25, 0.5])  # a clock that reads fractions of a millisecond
        return (rng.choice(VALUES), t, rng.choice(IDS))

    a, b = write(), write()
    if rng.random() < 0.5 and EMPTY not in (a, b):  # a tie in time
        b = (b[0], a[1], b[2])
    if (a[1], a[2]) == (b[1], b[2]):
        b = a  # one stamp names one write
    return a, b


def _hint(a: tuple, b: tuple, got: Any, swapped: Any) -> str:
    want = _reference(a, b)
    if a[1] == b[1] and a[2] != b[2]:
        smaller = a if a[2] < b[2] else b
        if _same_write(got, smaller) and _same_write(swapped, smaller):
            return (f"in both argument orders you picked the write of replica {smaller[2]!r}: a tie in time goes to "
                    "the LARGER replica id, compared as strings ('r9' > 'r10', 'a' > 'Z'), whatever the values are "
                    "(a value is not a tie-break every replica reads the same way: 1 and '1' print alike)")
        if _same_write(got, a) and not _same_write(swapped, a):
            return ("on a tie you kept the first argument (your own value): the other replica keeps its own too, "
                    "and the two never agree. Break the tie by something both sides see the same way: the replica id")
        return ("on a tie in time, compare the replica ids as strings: the write of the larger replica id wins, "
                "on every replica")
    if want[0] is not None and not want[0]:
        return ('a write of 0, "" or False is a real write: only the empty register (None, -1, "") is empty - '
                "compare the stamps, never the values")
    return "the write with the larger time wins (compare times as numbers)"


def _compare(merge: Any, name: str, a: tuple, b: tuple) -> None:
    got, want = merge(a, b), _reference(a, b)
    if not _same_write(got, want):
        fail(case=f"{name}: lww_merge(a, b)", input={"a": a, "b": b}, expected=want, got=got,
             hint=_hint(a, b, got, merge(b, a)))


def _ties(rng: random.Random) -> list[tuple[tuple, tuple]]:
    pairs = []
    for _ in range(80):
        a, b = rng.sample(IDS, 2)
        t = rng.randint(0, 5)
        pairs.append(((rng.choice(VALUES), t, a), (rng.choice(VALUES), t, b)))
    return pairs


@exercise("05-drill-lww", title="Drill: an LWW register whose replicas never agree", theme="T05",
          concepts=("R01", "R03"), kind="drill", reference="dsworkbook.crdt.registers.LWWRegister._merge")
def grade_drill_lww(lww_merge: Any) -> str:
    """``lww_merge(a, b)``: a fixed version of ``dsworkbook.crdt.pitfalls.naive_lww_merge``.

    A write is ``(value, time, replica)``; the empty register is ``(None, -1, "")``. Return the
    write with the larger ``(time, replica)`` pair: the later time wins, and a tie in time is
    won by the larger replica id, compared as strings - never by the value. Checked on
    hand-written pairs and 600 random ones in both argument orders (ties, ``5`` and ``5.0``,
    ids ``"r9"``/``"r10"``, false values), on 80 ties run twice in two worlds (a tie broken by
    ``hash()``, ``random`` or the clock differs between them), on the laws over 40 random
    histories, and with three replicas whose clocks tick every 50 ms (so writes tie) gossiping
    under partitions, loss, duplication, crashes and pauses.
    """
    need_callable(lww_merge, "function lww_merge(a, b)")
    merge = _checked(lww_merge)
    for name, a, b in _UNITS:
        for x, y in ((a, b), (b, a)):
            _compare(merge, name, x, y)
    ties = _ties(random.Random(517))
    same_everywhere(lambda: [merge(x, y) for x, y in ties], input=f"{len(ties)} ties in time, e.g. {ties[:3]!r}",
                    case=f"{len(ties)} ties in time (seed 517)")
    for case, (a, b) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        for x, y in ((a, b), (b, a)):
            _compare(merge, case, x, y)
    kind = lww_kind(lww_merge)
    cases = check_learner_laws(kind, seed=515, runs=40, name="lww_merge", hints={
        "commutative": "the winner must not depend on which replica merges into which: compare (time, replica)"})
    updates = check_sim_convergence(kind, LWW_SEEDS, hint="every replica must pick the same winner: the "
                                    "largest (time, replica id), whatever the values are")
    return (f"{len(_UNITS)} hand-written pairs and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) in both orders, "
            f"{len(ties)} ties in two worlds, the laws on {cases} triples, and 3 replicas with 50 ms clocks under "
            f"faults on seeds {LWW_SEEDS[0]}-{LWW_SEEDS[-1]} ({updates} writes): every replica ends on the write "
            "with the largest (time, replica)")
