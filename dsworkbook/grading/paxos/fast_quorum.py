"""Exercise ``07-fast-quorum``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.paxos.quorums import can_miss, fast_paxos_safe, fast_quorum, missing_quorums
from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere

SMALL = 9  # every (n, classic) up to here, each answer confirmed by brute force
RANDOM_SEED, RANDOM_COUNT = 1717, 300


def _draw(rng: random.Random) -> tuple[int, int]:
    n = rng.choice([rng.randint(10, 60), rng.randint(100, 999), rng.randint(1000, 9999), 1000, 1001, 4096, 9999])
    majority = n // 2 + 1
    classic = rng.choice([majority, n, rng.randint(majority, n), (2 * n) // 3, (2 * n) // 3 + 1, (3 * n) // 4])
    return n, max(majority, min(n, classic))


def _witness(n: int, classic: int, f: int) -> str:
    """Why a fast quorum of ``f`` is too small: the quorums that miss each other (brute force when small)."""
    for sizes, what in (((f, f, classic), "two fast quorums and a classic quorum"),
                        ((f, f, f), "three fast quorums")):
        if can_miss(n, *sizes):
            found = missing_quorums(n, *sizes) if n <= SMALL else None
            if found:
                shown = ", ".join("{" + ", ".join(map(str, sorted(q))) + "}" for q in found)
                return f"{what} with no acceptor in common: {shown}"
            return f"{what} can miss each other: the acceptors they leave out number {sum(n - s for s in sizes)} >= {n}"
    return ""


@exercise("07-fast-quorum", title="Fast Paxos: how big must a fast quorum be?", theme="T07", concepts=("P02",),
          reference="dsworkbook.consensus.paxos.quorums.fast_quorum")
def grade_fast_quorum(answer: Any) -> str:
    """A function ``fast_quorum(n, classic) -> int``.

    With ``n`` acceptors and classic quorums of ``classic`` (> n/2) acceptors, return the smallest
    fast quorum size such that any two fast quorums and any classic quorum share an acceptor, and
    any three fast quorums do too (Fast Paxos, Lamport 2006). Checked for every n from 1 to 9 and
    every classic size, each answer confirmed by a brute-force search over all choices of
    quorums; then on 300 random (n, classic) up to n = 9,999 (majority, all-acceptor, two-thirds
    and three-quarter classic quorums), against the exact count of the acceptors each quorum leaves
    out. Each answer is asked twice, in two worlds.
    """
    need_callable(answer, "function fast_quorum(n, classic)", allow_class=False)
    cases = [(f"fast_quorum(n={n}, classic={c})", (n, c)) for n in range(1, SMALL + 1)
             for c in range(n // 2 + 1, n + 1)]
    cases += [(f"{label}: fast_quorum(n={n}, classic={c})", (n, c))
              for label, (n, c) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw)]
    for case, (n, c) in cases:
        shown = f"fast_quorum(n={n}, classic={c}): {n} acceptors, classic quorums of {c}"
        got = same_everywhere(answer, n, c, input=shown, case=case)
        want = fast_quorum(n, c)
        if n <= SMALL:  # the reference, confirmed by brute force
            assert missing_quorums(n, want, want, c) is None and missing_quorums(n, want, want, want) is None
        if type(got) is not int or got != want:
            if type(got) is int and 1 <= got <= n and not fast_paxos_safe(n, c, got):
                hint = (f"too small - {_witness(n, c, got)}. Count the acceptors each quorum leaves out: "
                        "quorums miss each other when those add up to n or more")
            elif type(got) is int and 1 <= got <= n:
                hint = ("safe, but not the smallest: one fewer still keeps two fast quorums and a classic one, and "
                        "three fast ones, sharing an acceptor")
            else:
                hint = "return an int between 1 and n: the smallest safe fast quorum size"
            fail(case=case, input=shown, expected=want, got=got, hint=hint)
    return (f"{len(cases)} (n, classic) pairs right, n from 1 to 9,999 (the small ones confirmed by brute force); "
            f"e.g. n=5: classic 3, fast {fast_quorum(5, 3)}; n=1000: classic 501, fast {fast_quorum(1000, 501)}")
