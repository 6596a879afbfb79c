"""Dots and version vectors: the causal bookkeeping under MV-Registers, OR-Sets and RGA.

Theory of operation
-------------------
A **dot** ``Dot(replica, counter)`` names one update: the ``counter``-th update issued by
``replica``. Dots are unique without coordination because each replica numbers its own.

A **version vector** maps every replica to the number of its updates a state has seen. When
a replica numbers its updates 1, 2, 3... and every state it sends includes all its earlier
updates, the vector ``{A: 3}`` summarises the whole set of dots ``A:1, A:2, A:3`` in one
integer: this is what lets the optimised OR-Set (:mod:`dsworkbook.crdt.orset`) forget removed
elements without keeping a tombstone per element (Bieniusa et al. 2012, §3), and what
:class:`~dsworkbook.crdt.registers.MVRegister` compares to tell "newer" from "concurrent"
(Parker et al. 1983; Dynamo's vector clocks, DeCandia et al. 2007 §4.4).

A version vector is itself a state-based CRDT (merge = entry-wise max, order = entry-wise
``<=``), so the law checks apply to it too. Theme 04 (``dsworkbook.clocks``) teaches vector
clocks and version vectors as clocks; here they are only the CRDTs' bookkeeping.
"""

from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple

from dsworkbook.crdt._base import ReplicatedCRDT, UnknownReplicaError, check_replicas
from dsworkbook.errors import ConfigError

__all__ = ["Dot", "VersionVector"]


class Dot(NamedTuple):
    """One update: the ``counter``-th (from 1) issued by ``replica``."""

    replica: str
    counter: int

    def __repr__(self) -> str:
        return f"{self.replica}:{self.counter}"


def _check_count(replica: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"a version vector's entry for {replica!r} must be a whole number >= 0, got {n!r}")
    return n


class VersionVector(ReplicatedCRDT):
    """An immutable version vector over a fixed replica set: ``VersionVector(["A", "B"], {"A": 2})``."""

    __slots__ = ("counts",)
    type_name = "version vector"
    counts: tuple[int, ...]

    def __init__(self, replicas: Iterable[str], counts: Mapping[str, int] | None = None) -> None:
        ids = check_replicas(replicas)
        given = dict(counts or {})
        unknown = [r for r in given if r not in ids]
        if unknown:
            raise UnknownReplicaError(unknown[0], ids)
        self._init(replicas=ids, counts=tuple(_check_count(r, given.get(r, 0)) for r in ids))

    @classmethod
    def _raw(cls, replicas: tuple[str, ...], counts: tuple[int, ...]) -> "VersionVector":
        vv = cls.__new__(cls)
        vv._init(replicas=replicas, counts=counts)
        return vv

    def __getitem__(self, replica: str) -> int:
        return self.counts[self.replicas.index(self._check_replica(replica))]

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.replicas, self.counts))

    def increment(self, replica: str) -> "VersionVector":
        """The vector after ``replica`` issues one more update."""
        i = self.replicas.index(self._check_replica(replica))
        return self._raw(self.replicas, self.counts[:i] + (self.counts[i] + 1,) + self.counts[i + 1:])

    def next_dot(self, replica: str) -> Dot:
        """The dot ``replica``'s next update gets."""
        return Dot(replica, self[replica] + 1)

    def covers(self, dot: Dot) -> bool:
        """True when this vector has seen ``dot`` (its counter is at most our entry for its replica)."""
        return dot.counter <= self[dot.replica]

    def add(self, dot: Dot) -> "VersionVector":
        """The vector that has also seen ``dot`` (entry-wise max with it)."""
        i = self.replicas.index(self._check_replica(dot.replica))
        if dot.counter <= self.counts[i]:
            return self
        return self._raw(self.replicas, self.counts[:i] + (dot.counter,) + self.counts[i + 1:])

    def __lt__(self, other: "VersionVector") -> bool:
        """Strictly older: ``self <= other`` and not equal (``other`` dominates ``self``)."""
        return self <= other and self.counts != other.counts

    def concurrent(self, other: "VersionVector") -> bool:
        """Neither has seen everything the other has: the updates were concurrent."""
        return not self <= other and not other <= self

    @property
    def value(self) -> dict[str, int]:
        return self.as_dict()

    def _key(self) -> tuple:
        return (self.replicas, self.counts)

    def _merge(self, other: "VersionVector") -> "VersionVector":
        return self._raw(self.replicas, tuple(max(a, b) for a, b in zip(self.counts, other.counts)))

    def _leq(self, other: "VersionVector") -> bool:
        return all(a <= b for a, b in zip(self.counts, other.counts))

    def __repr__(self) -> str:
        inner = ", ".join(f"{r}={n}" for r, n in zip(self.replicas, self.counts) if n)
        return f"VV({inner})"
