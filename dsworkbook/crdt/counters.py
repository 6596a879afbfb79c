"""Counters that replicas update without coordination: the G-Counter and the PN-Counter (R02).

Theory of operation
-------------------
**G-Counter** (grow-only; Shapiro, Preguiça, Baquero & Zawirski, "A comprehensive study of
Convergent and Commutative Replicated Data Types", INRIA RR-7506, 2011: the state-based
increment-only counter). The state is one entry per replica; replica ``r`` only ever increments its
*own* entry. The value is the sum of the entries. Merge takes the **maximum** of each entry:

    A: {A: 3, B: 0}    B: {A: 1, B: 2}    merge: {A: 3, B: 2}  -> value 5

Why the maximum and not the sum? Entry ``A`` only grows and only ``A`` writes it, so the larger
of two copies has seen every increment the smaller one has: max loses nothing and counts
nothing twice. A sum would count an increment again each time a state is delivered twice or
arrives by two gossip paths - the merge would not be idempotent, and replicas would count
without bound (``dsworkbook.crdt.pitfalls.SumMergeGCounter`` shows it; exercise
``05-gcounter-merge`` asks for the right one).

**PN-Counter** (same report: the state-based PN-Counter). Decrements cannot go into a G-Counter (entries must only grow), so
keep two: ``P`` counts increments, ``N`` counts decrements, value = sum(P) - sum(N). Each half
merges as a G-Counter.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from dsworkbook.crdt._base import ReplicatedCRDT, check_replicas
from dsworkbook.errors import ConfigError

__all__ = ["GCounter", "PNCounter"]


def _check_amount(amount: object, what: str, hint: str) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ConfigError(f"{what} takes a whole number, got {amount!r}")
    if amount < 1:
        raise ConfigError(f"{what} takes an amount >= 1, got {amount}; {hint}")
    return amount


class GCounter(ReplicatedCRDT):
    """A grow-only counter: ``GCounter(["A", "B", "C"]).increment("A", 2).value == 2``."""

    __slots__ = ("counts",)
    type_name = "G-Counter"
    counts: tuple[int, ...]

    def __init__(self, replicas: Iterable[str], counts: Mapping[str, int] | None = None) -> None:
        ids = check_replicas(replicas)
        self._init(replicas=ids)
        given = dict(counts or {})
        for r, n in given.items():
            self._check_replica(r)
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ConfigError(f"a G-Counter's entry for {r!r} must be a whole number >= 0, got {n!r}")
        self._init(counts=tuple(given.get(r, 0) for r in ids))

    def _with(self, counts: tuple[int, ...]) -> "GCounter":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, counts=counts)
        return new

    def increment(self, replica: str, amount: int = 1) -> "GCounter":
        """The state after ``replica`` adds ``amount`` (>= 1) to its own entry."""
        i = self.replicas.index(self._check_replica(replica))
        amount = _check_amount(amount, "GCounter.increment",
                               "a G-Counter only grows; use a PNCounter to count down")
        return self._with(self.counts[:i] + (self.counts[i] + amount,) + self.counts[i + 1:])

    @property
    def value(self) -> int:
        return sum(self.counts)

    def entries(self) -> dict[str, int]:
        """Each replica's own count, e.g. ``{"A": 3, "B": 2, "C": 0}``."""
        return dict(zip(self.replicas, self.counts))

    def _key(self) -> tuple:
        return (self.replicas, self.counts)

    def _merge(self, other: "GCounter") -> "GCounter":
        return self._with(tuple(max(a, b) for a, b in zip(self.counts, other.counts)))

    def _leq(self, other: "GCounter") -> bool:
        return all(a <= b for a, b in zip(self.counts, other.counts))

    def __repr__(self) -> str:
        inner = ", ".join(f"{r}={n}" for r, n in zip(self.replicas, self.counts))
        return f"GCounter({inner})"


class PNCounter(ReplicatedCRDT):
    """A counter that goes up and down: two G-Counters, ``value = P.value - N.value``."""

    __slots__ = ("p", "n")
    type_name = "PN-Counter"
    p: GCounter
    n: GCounter

    def __init__(self, replicas: Iterable[str], increments: Mapping[str, int] | None = None,
                 decrements: Mapping[str, int] | None = None) -> None:
        ids = check_replicas(replicas)
        self._init(replicas=ids, p=GCounter(ids, increments), n=GCounter(ids, decrements))

    def _with(self, p: GCounter, n: GCounter) -> "PNCounter":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, p=p, n=n)
        return new

    def increment(self, replica: str, amount: int = 1) -> "PNCounter":
        """The state after ``replica`` adds ``amount`` (>= 1); to subtract, call :meth:`decrement`."""
        self._check_replica(replica)
        amount = _check_amount(amount, "PNCounter.increment", "to count down call decrement(replica, amount)")
        return self._with(self.p.increment(replica, amount), self.n)

    def decrement(self, replica: str, amount: int = 1) -> "PNCounter":
        """The state after ``replica`` subtracts ``amount`` (>= 1)."""
        self._check_replica(replica)
        amount = _check_amount(amount, "PNCounter.decrement", "to count up call increment(replica, amount)")
        return self._with(self.p, self.n.increment(replica, amount))

    @property
    def value(self) -> int:
        return self.p.value - self.n.value

    def _key(self) -> tuple:
        return (self.replicas, self.p.counts, self.n.counts)

    def _merge(self, other: "PNCounter") -> "PNCounter":
        return self._with(self.p._merge(other.p), self.n._merge(other.n))  # same replicas: checked by merge()

    def _leq(self, other: "PNCounter") -> bool:
        return self.p._leq(other.p) and self.n._leq(other.n)

    def __repr__(self) -> str:
        inner = ", ".join(f"{r}=+{a}-{b}" for r, a, b in zip(self.replicas, self.p.counts, self.n.counts))
        return f"PNCounter({inner})"
