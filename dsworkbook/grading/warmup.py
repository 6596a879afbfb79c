"""The warm-up exercise of notebook 00: how a check reports a wrong answer.

``00-majority``: the smallest number of nodes that is a majority of ``n``, that is the
smallest ``k`` with ``2k > n``: ``n // 2 + 1``. The seeds' CP store computed it as
``ceil(n * 0.51)``, which is right for small clusters and one too big for many sizes from
``n = 51`` on (27 instead of 26): a quorum larger than needed costs availability for nothing.

The check runs every size from 1 to 2,000 (so every small-cluster slip shows, at the first size
where it shows) and 300 sizes drawn from 2,001 to 1,000,000 (seeded), and wants an ``int``.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases

__all__ = ["grade_majority", "reference_majority"]

_SEED, _COUNT = 5, 300


def reference_majority(n: int) -> int:
    """The smallest number of nodes that is more than half of ``n``."""
    return n // 2 + 1


def _check(majority: Callable[[int], Any], n: int, case: str) -> None:
    got = attempt(majority, n, input=f"n={n}", case=case)
    expected = reference_majority(n)
    if not isinstance(got, int) or isinstance(got, bool):
        fail(case=case, input=f"n={n}", expected=f"an int ({expected})", got=got,
             hint="a number of nodes is a whole number: return an int (// divides without a remainder)")
    if got != expected:
        hint = ("two majorities must share a node, and a majority should be no bigger than needed: "
                "the smallest k with 2k > n")
        if got < expected:
            hint = f"{got} nodes are not more than half of {n}: two such groups could decide different things"
        elif got > expected:
            hint = f"{got} is more than needed; every extra node a quorum needs makes it fail sooner"
        fail(case=case, input=f"n={n}", expected=expected, got=got, hint=hint)


@exercise("00-majority", title="The size of a majority", theme="T00", concepts=(), kind="implement",
          reference="dsworkbook.grading.warmup.reference_majority")
def grade_majority(majority: Callable[[int], Any]) -> str:
    """``majority(n) -> int``: the smallest k such that k > n / 2 (see the module docstring)."""
    for n in range(1, 2001):
        _check(majority, n, f"n={n}")
    for label, n in random_cases(_SEED, _COUNT, lambda rng: rng.randint(2001, 1_000_000)):
        _check(majority, n, f"{label}: n={n}")
    return f"right for every cluster size from 1 to 2,000 and for {_COUNT} sizes up to 1,000,000 (seed {_SEED})"
