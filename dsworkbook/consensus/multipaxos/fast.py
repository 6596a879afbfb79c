"""Fast Paxos's quorums (Lamport, "Fast Paxos", 2006), for majority classic quorums.

Theory of operation
-------------------
Fast Paxos lets clients send straight to the acceptors, saving a message delay when there is no
collision, at the price of bigger quorums: any two fast quorums and any classic quorum must
share an acceptor. :func:`fast_quorums` gives the smallest sizes for majority classic quorums and
:func:`quorums_intersect` checks that requirement by brute force over every choice of quorums.
(When a fast round may follow a fast round, any three fast quorums must meet too; with majority
classic quorums that holds already. :mod:`dsworkbook.consensus.paxos.quorums` has the general
arithmetic.)
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

from dsworkbook.errors import ConfigError

__all__ = ["fast_quorums", "quorums_intersect", "fast_paxos_table"]


def fast_quorums(n: int) -> tuple[int, int]:
    """(classic, fast): a majority, and the smallest fast quorum with 2*fast + classic > 2n."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a number of acceptors >= 1, got {n!r}")
    classic = n // 2 + 1
    fast = max(classic, math.floor((2 * n - classic) / 2) + 1)
    return classic, min(fast, n)


def quorums_intersect(n: int, classic: int, fast: int) -> bool:
    """Brute force: do any two fast quorums and any classic quorum of ``n`` acceptors share one?

    Also requires two classic quorums to intersect. Small ``n`` only (it tries every choice).
    """
    if not (1 <= classic <= n and 1 <= fast <= n):
        raise ConfigError(f"quorum sizes must be between 1 and n={n}, got classic={classic}, fast={fast}")
    if n > 9:
        raise ConfigError("the brute-force check tries every choice of quorums; keep n <= 9")
    acceptors = range(n)
    classics = [frozenset(c) for c in itertools.combinations(acceptors, classic)]
    fasts = [frozenset(f) for f in itertools.combinations(acceptors, fast)]
    if any(not (a & b) for a, b in itertools.combinations_with_replacement(classics, 2)):
        return False
    return all(f1 & f2 & q for f1, f2 in itertools.combinations_with_replacement(fasts, 2) for q in classics)


def fast_paxos_table(sizes: Sequence[int] = (3, 4, 5, 6, 7, 9)) -> "Any":
    """A table: n, classic quorum, fast quorum, failures tolerated by each, and the brute-force check."""
    import pandas as pd

    rows = []
    for n in sizes:
        c, f = fast_quorums(n)
        smaller = quorums_intersect(n, c, f - 1) if f > 1 else None
        rows.append((n, c, f, n - c, n - f, quorums_intersect(n, c, f), smaller))
    return pd.DataFrame(rows, columns=["n", "classic quorum", "fast quorum", "classic tolerates", "fast tolerates",
                                       "intersect", "one smaller fast quorum intersects"])
