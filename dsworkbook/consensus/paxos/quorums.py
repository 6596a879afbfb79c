"""Quorum arithmetic for Paxos's variants: Fast Paxos's fast quorums, Flexible Paxos's two phases.

Theory of operation
-------------------
Paxos is safe because quorums that must learn from each other share an acceptor. Which ones
must depends on the variant:

* **Classic Paxos** ("Paxos Made Simple", §2.2): any two quorums meet - majorities do.
* **Flexible Paxos** (Howard, Malkhi and Spiegelman, 2016): only a phase-1 quorum and a phase-2
  quorum must meet, so sizes ``q1`` and ``q2`` of ``n`` acceptors are safe iff
  ``q1 + q2 > n``; two phase-2 quorums may be disjoint. A leader then waits for ``q2``
  acceptances per command and for ``q1`` promises once per leader change.
* **Fast Paxos** (Lamport, 2006, its Quorum Requirement): with classic quorums of size ``c``
  and fast quorums of size ``f``, any two classic quorums meet (``2c > n``); any two fast
  quorums and any classic quorum meet (``2f + c > 2n``); and, since a fast round may follow a
  fast round, any three fast quorums meet (``3f > 2n``).

All of these are one question - can quorums of the given sizes be picked so that no acceptor is
in all of them? - and it has an exact answer by counting: they can iff the acceptors each
quorum leaves out (``n - size``) add up to at least ``n`` (lay the left-out sets side by side
around the ring of acceptors). :func:`can_miss` counts; :func:`missing_quorums` searches every
choice by brute force (small ``n``) and returns a witness, which the tests use to confirm the
count.
"""

from __future__ import annotations

import itertools
from typing import Sequence

from dsworkbook.errors import ConfigError

__all__ = ["can_miss", "missing_quorums", "fast_quorum", "fast_paxos_safe", "flexible_safe", "BRUTE_FORCE_MAX_N"]

#: The largest number of acceptors :func:`missing_quorums` searches by brute force.
BRUTE_FORCE_MAX_N = 10


def _check(n: int, sizes: Sequence[int]) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a number of acceptors >= 1, got {n!r}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= n:
            raise ConfigError(f"quorum sizes must be ints between 1 and n={n}, got {s!r}")


def can_miss(n: int, *sizes: int) -> bool:
    """Can quorums of these ``sizes`` (of ``n`` acceptors) be chosen with no acceptor in all of them?

    Exact, by counting: yes iff the acceptors left out, ``sum(n - s)``, number at least ``n``.
    """
    _check(n, sizes)
    return sum(n - s for s in sizes) >= n


def missing_quorums(n: int, *sizes: int) -> tuple[frozenset[int], ...] | None:
    """Brute force: quorums of these sizes (acceptors numbered 1..n) sharing no acceptor, or None.

    Tries every choice of the first quorums and checks whether the last can avoid their common
    part; only for ``n <= BRUTE_FORCE_MAX_N``.
    """
    _check(n, sizes)
    if n > BRUTE_FORCE_MAX_N:
        raise ConfigError(f"the brute-force search tries every choice of quorums; keep n <= {BRUTE_FORCE_MAX_N}, "
                          f"or use can_miss(n, ...), which counts")
    acceptors = range(1, n + 1)
    *first, last = sizes
    choices = [[frozenset(c) for c in itertools.combinations(acceptors, s)] for s in first]
    for picked in itertools.product(*choices):
        common = frozenset(acceptors).intersection(*picked)
        outside = [a for a in acceptors if a not in common]
        if len(outside) >= last:  # the last quorum fits entirely outside the common part
            return (*picked, frozenset(outside[:last]))
    return None


def fast_paxos_safe(n: int, classic: int, fast: int) -> bool:
    """Fast Paxos's Quorum Requirement for classic quorums of ``classic`` and fast quorums of ``fast``."""
    return not (can_miss(n, classic, classic) or can_miss(n, fast, fast, classic) or can_miss(n, fast, fast, fast))


def fast_quorum(n: int, classic: int) -> int:
    """The smallest fast quorum for ``n`` acceptors and classic quorums of ``classic`` (> n/2).

    It is the smallest ``f`` with ``2f + classic > 2n`` (two fast quorums and a classic one meet)
    and ``3f > 2n`` (three fast quorums meet): Lamport, "Fast Paxos" (2006). For majority
    classic quorums the first condition is the one that binds: about three quarters of ``n``.
    """
    _check(n, (classic,))
    if 2 * classic <= n:
        raise ConfigError(f"classic quorums of {classic} of {n} acceptors can miss each other; use more than n/2")
    return max((2 * n - classic) // 2 + 1, (2 * n) // 3 + 1)


def flexible_safe(n: int, q1: int, q2: int) -> bool:
    """Flexible Paxos: does every phase-1 quorum of ``q1`` meet every phase-2 quorum of ``q2``?"""
    return not can_miss(n, q1, q2)
