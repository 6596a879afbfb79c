"""Exercise ``09-redlock-decision``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.locks.client import validity_time
from dsworkbook.locks.redlock import majority

RANDOM_SEED = 23


def reference(granted: int, n: int, ttl: float, elapsed: float) -> float | None:
    """Steps 3-4 of Redlock: the validity in ms if a majority granted in time, else None."""
    validity = validity_time(ttl, elapsed)
    return validity if granted >= majority(n) and validity > 0 else None


HINTS = {
    "quorum": "a majority of n servers is n // 2 + 1 - for even n too (2 of 4 is half, not a majority) and for "
              "large n (26 of 51 is a majority)",
    "zero": "the lock is held only if the validity is strictly above zero: ttl - elapsed - drift == 0 leaves no "
            "time to use it",
    "validity": "validity = ttl - elapsed - drift, with drift = 0.01 * ttl + 2 (ms)",
    "none": "when the lock is not acquired return None - not 0, not False",
    "form": "when the lock is acquired return the validity in ms (a number), not True",
}

#: (case, (granted, n, ttl, elapsed), hint key)
HAND: list[tuple[str, tuple[int, int, float, float], str]] = [
    ("2 of 4 servers granted (half)", (2, 4, 10_000, 40), "quorum"),
    ("3 of 4 servers granted", (3, 4, 10_000, 40), "quorum"),
    ("3 of 6 servers granted (half)", (3, 6, 10_000, 40), "quorum"),
    ("4 of 6 servers granted", (4, 6, 10_000, 40), "quorum"),
    ("1 of 1 server granted", (1, 1, 500, 10), "quorum"),
    ("1 of 2 servers granted", (1, 2, 500, 10), "quorum"),
    ("26 of 51 servers granted", (26, 51, 2_000, 30), "quorum"),
    ("1000 of 2000 servers granted", (1000, 2000, 2_000, 30), "quorum"),
    ("1001 of 2001 servers granted", (1001, 2001, 2_000, 30), "quorum"),
    ("validity exactly zero: ttl 100, elapsed 97 (drift 3)", (5, 5, 100, 97), "zero"),
    ("validity exactly zero: ttl 1000, elapsed 988 (drift 12)", (3, 5, 1000, 988), "zero"),
    ("validity 0.5 ms: ttl 100, elapsed 96.5", (3, 5, 100, 96.5), "validity"),
    ("a long lease: ttl 30000, elapsed 12", (3, 5, 30_000, 12), "validity"),
    ("every server granted, but the attempt took longer than the ttl", (5, 5, 100, 150), "zero"),
    ("2 of 5 granted with plenty of time", (2, 5, 10_000, 5), "none"),
]


def _draw(rng: random.Random) -> tuple[int, int, float, float]:
    n = rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 50, 51, 100, 101, 999, 1000, 2001))
    need = majority(n)
    granted = max(0, min(n, need + rng.choice((-2, -1, -1, 0, 0, 0, 1, 3))))
    ttl = float(rng.choice((50, 100, 200, 1_000, 5_000, 30_000)) + rng.choice((0, 0, 0, 7, 33)))
    drift = 0.01 * ttl + 2
    elapsed = round(rng.choice((rng.uniform(0, ttl), ttl - drift + rng.uniform(-3, 3), rng.uniform(0, 30))), 1)
    return granted, n, ttl, max(0.0, elapsed)


def _same(got: Any, expected: float | None) -> bool:
    if expected is None:
        return got is None
    return (isinstance(got, (int, float)) and not isinstance(got, bool)
            and math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-6))


def _key(got: Any, expected: float | None, granted: int, n: int, ttl: float, elapsed: float) -> str:
    """Which rule a wrong result on these arguments breaks."""
    if isinstance(got, bool):
        return "form" if got else "none"
    if expected is None and got == 0:
        return "none"
    v = validity_time(ttl, elapsed)
    if v <= 0:
        return "zero" if abs(v) < 1e-9 else "validity"
    if (got is None) != (granted < majority(n)):
        return "quorum"
    return "validity"


@exercise("09-redlock-decision", title="Redlock's decision: a majority, in time", theme="T09", concepts=("L02",),
          reference="dsworkbook.realservers.redlock.redlock_decision")
def grade_redlock_decision(redlock_decision: Any) -> str:
    """A function ``redlock_decision(granted, n, ttl, elapsed)``: the validity time in ms if the
    lock is acquired (at least a majority ``n // 2 + 1`` of the ``n`` servers granted and
    ``ttl - elapsed - (0.01 * ttl + 2) > 0``), else None.

    Checked on hand-made boundaries (even ``n``: 2 of 4, 3 of 6; ``n`` = 1, 2; 26 of 51, where
    ``ceil(0.51 n)`` asks one too many; 1000 of 2000 and 1001 of 2001; a validity of exactly
    zero; an attempt longer than the ttl) and 600 random cases (``n`` up to 2,001, grants around
    the majority, elapsed times near the point where the validity crosses zero), and in two
    worlds.
    """
    need_callable(redlock_decision, "function redlock_decision(granted, n, ttl, elapsed)", allow_class=False)
    for case, args, key in HAND:
        shown = f"redlock_decision{args}"
        got = attempt(redlock_decision, *args, input=shown, case=case)
        expected = reference(*args)
        if not _same(got, expected):
            found = _key(got, expected, *args)
            fail(case=case, input=shown, expected=expected, got=got,
                 hint=HINTS[found] if found in ("form", "none") else HINTS[key])
    cases = [(c, a) for c, a in random_cases(RANDOM_SEED, 600, _draw) if abs(validity_time(a[2], a[3])) > 1e-6]
    for case, args in cases:
        shown = f"redlock_decision{args}"
        got = attempt(redlock_decision, *args, input=shown, case=case)
        expected = reference(*args)
        if not _same(got, expected):
            fail(case=case, input=shown, expected=expected, got=got, hint=HINTS[_key(got, expected, *args)])
    args = HAND[12][1]
    same_everywhere(redlock_decision, *args, input=f"redlock_decision{args}", case="a long lease, run in two worlds")
    return (f"right on {len(HAND)} boundary cases (even n, n = 1 and 2, 26 of 51, 2,001 servers, a validity of "
            f"exactly zero) and {len(cases)} random ones; the same in two worlds")
