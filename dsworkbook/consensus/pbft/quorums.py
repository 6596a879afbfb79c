"""Byzantine quorums, checked by enumeration (Malkhi and Reiter, "Byzantine Quorum Systems", 1998).

Theory of operation
-------------------
With f Byzantine replicas, two quorums must share at least f+1 replicas so that at least one
honest replica is in both: it will not vote for two conflicting values, so two conflicting
certificates cannot both form. Quorums of size q out of n meet in at least 2q - n replicas; with
q = 2f+1 and n = 3f+1 that is exactly f+1. Fewer replicas (n = 3f) or smaller quorums (f+1, the
seeds' threshold) leave pairs of quorums whose whole intersection may be traitors - or that do
not meet at all. Lamport, Shostak and Pease (1982) proved n >= 3f+1 necessary for agreement with
oral messages; Castro and Liskov §3 give the same bound for asynchronous replication.

:func:`min_intersection` does not trust the formula: it enumerates every pair of quorums
(``itertools.combinations``) and returns the smallest intersection it saw; :func:`quorum_table`
does it for every n up to 10.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["min_intersection", "quorum_table", "byzantine_quorum", "MAX_ENUMERATED"]

MAX_ENUMERATED = 10


def min_intersection(n: int, q: int) -> int:
    """The smallest intersection of two quorums of size ``q`` among ``n`` replicas, by enumeration."""
    for name, v in (("n", n), ("q", q)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{name} must be an int, got {v!r}")
    if not 1 <= q <= n:
        raise ConfigError(f"a quorum size must be between 1 and n={n}, got {q}")
    if n > MAX_ENUMERATED:
        raise ConfigError(f"enumeration is kept to n <= {MAX_ENUMERATED}, got n={n}")
    quorums = [frozenset(c) for c in combinations(range(n), q)]
    first = quorums[0]  # by symmetry every quorum is like the first; still check every pair for small n
    return min(len(a & b) for a in quorums for b in quorums) if n <= 8 else min(len(first & b) for b in quorums)


def byzantine_quorum(n: int, f: int) -> int:
    """The smallest quorum whose pairs meet in f+1 replicas: ceil((n+f+1)/2), which is 2f+1 at n = 3f+1."""
    if isinstance(n, bool) or not isinstance(n, int) or isinstance(f, bool) or not isinstance(f, int) or f < 0:
        raise ConfigError(f"n and f must be ints with f >= 0, got n={n!r}, f={f!r}")
    if n < 3 * f + 1:
        raise ConfigError(f"n={n} replicas cannot tolerate f={f} Byzantine faults: n >= 3f+1 = {3 * f + 1} is needed")
    return (n + f + 2) // 2


def quorum_table(max_n: int = MAX_ENUMERATED) -> "pd.DataFrame":
    """For n = 1..max_n and every f with n >= 3f (and f >= 1): the smallest intersection of 2f+1, n-f and
    f+1 quorums, by enumeration, and whether at least one honest replica is always in it (> f)."""
    import pandas as pd

    if isinstance(max_n, bool) or not isinstance(max_n, int) or not 1 <= max_n <= MAX_ENUMERATED:
        raise ConfigError(f"max_n must be an int from 1 to {MAX_ENUMERATED}, got {max_n!r}")
    rows = []
    for n in range(1, max_n + 1):
        for f in range(1, n // 3 + 1):
            row: dict[str, object] = {"n": n, "f": f, "n >= 3f+1": n >= 3 * f + 1}
            sizes = [("2f+1", 2 * f + 1), ("n-f", n - f), ("f+1", f + 1)]
            if n >= 3 * f + 1:
                sizes.append(("ceil((n+f+1)/2)", byzantine_quorum(n, f)))
            for label, q in sizes:
                if q <= n:
                    meet = min_intersection(n, q)
                    row[f"meet {label}"] = meet
                    row[f"honest in every {label} pair"] = meet > f
            rows.append(row)
    return pd.DataFrame(rows)
