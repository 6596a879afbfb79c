"""The warm-up exercise of notebook 00: how a check reports a wrong answer.

``00-majority``: the smallest number of nodes that is a majority of ``n``. The seeds' CP store
computed it as ``ceil(n * 0.51)``, which is right for small clusters and too big from n = 200
on (102 instead of 101): quorums that are larger than needed cost availability for nothing.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail


@exercise("00-majority", title="The size of a majority", theme="T00", concepts=(), kind="implement")
def grade_majority(majority: Callable[[int], Any]) -> str:
    """``majority(n) -> int``: the smallest k such that k > n / 2, for n = 1..2000."""
    for n in range(1, 2001):
        got = attempt(majority, n, input=f"n={n}", case=f"n={n}")
        expected = n // 2 + 1
        if not isinstance(got, int) or isinstance(got, bool):
            fail(case=f"n={n}", input=f"n={n}", expected=f"an int ({expected})", got=got,
                 hint="a number of nodes is a whole number: return an int (// divides without a remainder)")
        if got != expected:
            hint = ("two majorities must share a node, and a majority should be no bigger than needed: "
                    "the smallest k with 2k > n")
            if isinstance(got, (int, float)) and got < expected:
                hint = f"{got} nodes are not more than half of {n}: two such groups could decide different things"
            elif isinstance(got, (int, float)) and got > expected:
                hint = f"{got} is more than needed; every extra node a quorum needs makes it fail sooner"
            fail(case=f"n={n}", input=f"n={n}", expected=expected, got=got, hint=hint)
    return "right for every cluster size from 1 to 2000"
