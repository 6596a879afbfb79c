"""Exercise ``08-quorum-size``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.pbft.quorums import byzantine_quorum
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 81


def reference(n: int, f: int) -> int | None:
    """The smallest quorum whose every two meet in f+1 replicas; None when n < 3f+1."""
    return None if n < 3 * f + 1 else byzantine_quorum(n, f)


HINTS = {
    "none": "with n < 3f+1 no quorum size is both live (n - f replicas can always answer) and safe (two quorums "
            "share f+1 replicas): return None - and n = 3f+1 exactly is enough",
    "size": "two quorums of q among n share at least 2q - n replicas; they must share f+1 (one honest), so "
            "2q - n >= f+1, q >= (n+f+1)/2 - rounded up, and the smallest such q (2f+1 only when n = 3f+1)",
    "form": "return an int (or None), not a float or a bool",
}

#: (case, (n, f))
HAND: list[tuple[str, tuple[int, int]]] = [
    ("n = 3f+1 with f = 1", (4, 1)),
    ("n = 3f with f = 1: one replica short", (3, 1)),
    ("n = 5, f = 1 (not of the form 3f+1)", (5, 1)),
    ("n = 6, f = 1", (6, 1)),
    ("n = 7, f = 1", (7, 1)),
    ("n = 7, f = 2", (7, 2)),
    ("n = 8, f = 2", (8, 2)),
    ("n = 6, f = 2: two short", (6, 2)),
    ("f = 0, n = 1", (1, 0)),
    ("f = 0, n = 2", (2, 0)),
    ("f = 0, n = 5", (5, 0)),
    ("n = 10, f = 3", (10, 3)),
    ("n = 1000, f = 333", (1000, 333)),
    ("n = 1000, f = 334: one short", (1000, 334)),
    ("n = 1000, f = 100", (1000, 100)),
    ("n = 3001, f = 1000", (3001, 1000)),
    ("n = 3002, f = 999", (3002, 999)),
]


def _draw(rng: random.Random) -> tuple[int, int]:
    f = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 10, 33, 100, 333, 1000, 3000))
    base = 3 * f + 1
    n = max(1, rng.choice((base - 2, base - 1, base, base, base + 1, base + 2, base + 3,
                           base + rng.randint(0, 50), 2 * base + rng.randint(0, 3), base * 3)))
    return n, f


def _same(got: Any, expected: int | None) -> bool:
    if expected is None:
        return got is None
    return type(got) is int and got == expected


def _hint(got: Any, expected: int | None) -> str:
    if isinstance(got, (bool, float)):
        return HINTS["form"]
    if (got is None) != (expected is None):
        return HINTS["none"]
    return HINTS["size"]


@exercise("08-quorum-size", title="The Byzantine quorum size for any n", theme="T08", concepts=("B03",),
          reference="dsworkbook.consensus.pbft.quorums.byzantine_quorum")
def grade_quorum_size(quorum_size: Any) -> str:
    """A function ``quorum_size(n, f)``: the smallest quorum size q such that any two quorums of q
    among n replicas share at least f+1 (so an honest one), which is ceil((n+f+1)/2); ``None``
    when n < 3f+1 (no size is then safe and live at once).

    Checked on hand-made boundaries (n = 3f+1 and 3f, n not of the form 3f+1, f = 0, n in the
    thousands) and 600 random cases around n = 3f+1 and far above it, and in two worlds.
    """
    need_callable(quorum_size, "function quorum_size(n, f)", allow_class=False)
    cases = [(c, a) for c, a in HAND] + list(random_cases(RANDOM_SEED, 600, _draw))
    for case, args in cases:
        shown = f"quorum_size{args}"
        got = attempt(quorum_size, *args, input=shown, case=case)
        expected = reference(*args)
        if not _same(got, expected):
            fail(case=case, input=shown, expected=expected, got=got, hint=_hint(got, expected))
    same_everywhere(quorum_size, 8, 2, input="quorum_size(8, 2)", case="n = 8, f = 2, run in two worlds")
    return (f"right on {len(HAND)} boundary cases (n = 3f and 3f+1, n not of the form 3f+1, f = 0, n in the "
            f"thousands) and 600 random ones; the same in two worlds")
