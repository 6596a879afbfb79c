"""Exercise ``07-fast-quorum``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.multipaxos import quorums_intersect
from dsworkbook.grading.core import attempt, exercise, fail


def _truth(n: int, classic: int) -> int:
    return next(f for f in range(1, n + 1) if quorums_intersect(n, classic, f))


@exercise("07-fast-quorum", title="Fast Paxos: how big must a fast quorum be?", theme="T07", concepts=("P02",))
def grade_fast_quorum(fast_quorum: Any) -> str:
    """A function ``fast_quorum(n, classic) -> int``.

    With ``n`` acceptors and classic quorums of ``classic`` (> n/2) acceptors, return the smallest
    fast quorum size such that any two fast quorums and any classic quorum share at least one
    acceptor (Fast Paxos, Lamport 2006). Checked for every n from 1 to 9 and every valid classic
    size against a brute-force check over all choices of quorums
    (:func:`dsworkbook.consensus.multipaxos.quorums_intersect`).
    """
    if not callable(fast_quorum):
        fail(case="the answer itself", input=repr(fast_quorum), expected="a function", got=type(fast_quorum).__name__,
             hint="pass the function itself")
    checked = 0
    for n in range(1, 10):
        for classic in range(n // 2 + 1, n + 1):
            shown = f"fast_quorum(n={n}, classic={classic})"
            got = attempt(fast_quorum, n, classic, input=shown, case=shown)
            want = _truth(n, classic)
            if got != want or isinstance(got, bool):
                small = isinstance(got, int) and 1 <= got <= n and not quorums_intersect(n, classic, got)
                fail(case=shown, input=f"{n} acceptors, classic quorums of {classic}", expected=want, got=got,
                     hint=("too small: two fast quorums of that size and a classic quorum can miss each other - "
                           "count the acceptors outside each quorum: 2*(n - f) + (n - c) must stay below n"
                           if small else "the smallest f with 2*f + classic > 2*n (and at least 1)"))
            checked += 1
    return f"{checked} (n, classic) pairs right, each checked by brute force; e.g. n=5: classic 3, fast {_truth(5, 3)}"
