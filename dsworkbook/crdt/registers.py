"""Registers: last-write-wins with a deterministic tie-break, and multi-value registers (R01, R03).

Theory of operation
-------------------
Two replicas write a register concurrently. Something has to give; there are two honest
answers and one common bug.

**Last-write-wins** (:class:`LWWRegister`; Shapiro et al. 2011, INRIA RR-7506, the state-based
LWW-Register; Thomas's write rule, 1979). Every write carries a stamp ``(time, replica)``; merge
keeps the write with the larger stamp. Stamps are compared as pairs, so two writes at the same
time are ordered by replica id: **every replica picks the same winner**. The price is that the
other write is lost silently - and with skewed clocks, the "last" write may be the older one
(notebook 04 measures how often). A write whose stamp is not newer than what the replica
already holds loses at once.

The bug (seeds, turned into exercise ``05-drill-lww``): break ties some other way - keep your
own value on a tie, or compare ``str(value)`` (``1`` and ``"1"`` tie, so the result depends
on who merges into whom). Then merge is not commutative and replicas that saw the same
writes can hold different values forever. :mod:`dsworkbook.crdt.pitfalls` has both.

**Multi-value register** (:class:`MVRegister`; RR-7506's MV-Register; Dynamo's siblings,
DeCandia et al. 2007 §4.4). Every write carries a version vector that dominates every version
the writer had seen. Merge keeps every write that no other write dominates: a newer write
replaces an older one, but **concurrent writes are all kept as siblings**, and the reader
decides. Writing again (with :meth:`MVRegister.resolve`) replaces all the siblings it read.

The application merge - what the reader does with siblings - is where a shopping cart goes
wrong: union the siblings and a deleted item comes back (:mod:`dsworkbook.crdt.scenarios`
runs it, next to LWW losing an item and an OR-Set getting both right); :func:`shopping_cart`
is re-exported here for that reason.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Iterable, NamedTuple

from dsworkbook.crdt._base import ReplicatedCRDT, check_replicas
from dsworkbook.crdt.causal import VersionVector
from dsworkbook.errors import ConfigError

__all__ = ["Stamp", "LWWRegister", "MVRegister", "shopping_cart"]


class Stamp(NamedTuple):
    """A write's timestamp: compared by ``time``, then by ``replica`` (the deterministic tie-break)."""

    time: float
    replica: str

    def __repr__(self) -> str:
        return f"{self.time:g}@{self.replica}"


def _check_value(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:
        raise ConfigError(f"a register's value must be hashable (use a tuple or frozenset, not a list, "
                          f"set or dict), got {value!r}") from None
    return value


def _check_time(time: Any) -> float:
    if isinstance(time, bool) or not isinstance(time, (int, float)) or math.isnan(time):
        raise ConfigError(f"a write's time must be a number (the writer's clock reading), got {time!r}")
    return time


class LWWRegister(ReplicatedCRDT):
    """Last-write-wins: ``LWWRegister(["A", "B"]).assign("x", time=5, replica="A").value == "x"``."""

    __slots__ = ("_value", "stamp")
    type_name = "LWW-Register"
    _value: Any
    stamp: Stamp | None

    def __init__(self, replicas: Iterable[str], value: Any = None, stamp: tuple[float, str] | None = None) -> None:
        self._init(replicas=check_replicas(replicas))
        if stamp is None:
            if value is not None:
                raise ConfigError("a written value needs its stamp: LWWRegister(replicas, value, stamp=(time, replica))")
            self._init(_value=None, stamp=None)
            return
        time, replica = stamp
        self._init(_value=_check_value(value), stamp=Stamp(_check_time(time), self._check_replica(replica)))

    def assign(self, value: Any, time: float, replica: str) -> "LWWRegister":
        """Write ``value`` at ``replica`` whose clock reads ``time``.

        If the register already holds a write with a larger stamp, this write loses (LWW keeps
        the newest write it has seen); the state returned is then unchanged.
        """
        stamp = Stamp(_check_time(time), self._check_replica(replica))
        new = type(self)(self.replicas, _check_value(value), stamp)
        if self.stamp is not None and stamp <= self.stamp:
            if stamp == self.stamp and value != self._value:
                raise ConfigError(f"replica {replica!r} already wrote {self._value!r} at time {time:g}; two writes "
                                  "need two stamps - give the second one a later time")
            return self
        return new

    @property
    def value(self) -> Any:
        """The winning write's value (None before the first write)."""
        return self._value

    def _key(self) -> tuple:
        return (self.replicas, self.stamp, self._value)

    def _same_stamp(self, other: "LWWRegister") -> None:
        if self.stamp == other.stamp and self._value != other._value:
            raise ConfigError(f"two different values ({self._value!r} and {other._value!r}) carry the same stamp "
                              f"{self.stamp!r}; a stamp must identify exactly one write")

    def _merge(self, other: "LWWRegister") -> "LWWRegister":
        self._same_stamp(other)
        if other.stamp is None:
            return self
        if self.stamp is None or other.stamp > self.stamp:
            return other
        return self

    def _leq(self, other: "LWWRegister") -> bool:
        self._same_stamp(other)
        return self.stamp is None or (other.stamp is not None and self.stamp <= other.stamp)

    def __repr__(self) -> str:
        return "LWWRegister(empty)" if self.stamp is None else f"LWWRegister({self._value!r} @ {self.stamp!r})"


class MVRegister(ReplicatedCRDT):
    """Multi-value register: concurrent writes survive as siblings; a later write replaces what it saw."""

    __slots__ = ("entries",)
    type_name = "MV-Register"
    entries: frozenset  # of (value, VersionVector), none dominated by another

    def __init__(self, replicas: Iterable[str], entries: Iterable[tuple[Any, VersionVector]] = ()) -> None:
        ids = check_replicas(replicas)
        self._init(replicas=ids)
        items = frozenset((_check_value(v), self._check_vv(vv)) for v, vv in entries)
        if len(items) != len({vv for _, vv in items}):
            raise ConfigError("two siblings of an MV-Register carry the same version vector with different "
                              "values; a version vector must identify exactly one write")
        if self._maximal(items) != items:
            raise ConfigError("an MV-Register's siblings must be concurrent; some entries given are dominated "
                              "by others (merge the states instead of listing them)")
        self._init(entries=items)

    def _check_vv(self, vv: Any) -> VersionVector:
        if not isinstance(vv, VersionVector) or vv.replicas != self.replicas:
            raise ConfigError(f"an MV-Register entry needs a VersionVector over {list(self.replicas)}, got {vv!r}")
        return vv

    @staticmethod
    def _maximal(items: Iterable[tuple[Any, VersionVector]]) -> frozenset:
        items = set(items)
        return frozenset((v, vv) for v, vv in items if not any(vv < other for _, other in items))

    def _with(self, entries: frozenset) -> "MVRegister":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, entries=entries)
        return new

    @property
    def version(self) -> VersionVector:
        """The join of the siblings' version vectors: everything this replica has seen."""
        vv = VersionVector(self.replicas)
        for _, other in self.entries:
            vv = vv.merge(other)
        return vv

    def assign(self, value: Any, replica: str) -> "MVRegister":
        """Write ``value`` at ``replica``; it supersedes every sibling this replica currently holds."""
        vv = self.version.increment(self._check_replica(replica))
        return self._with(frozenset({(_check_value(value), vv)}))

    def resolve(self, merge: Callable[[tuple], Any], replica: str) -> "MVRegister":
        """The application merge: write back ``merge(siblings)`` at ``replica`` (one value again)."""
        return self.assign(merge(self.value), replica)

    @property
    def value(self) -> tuple:
        """The siblings' values (one value when there was no conflict), in a stable order."""
        return tuple(v for v, _ in sorted(self.entries, key=lambda e: (e[1].counts, repr(e[0]))))

    @property
    def siblings(self) -> tuple:
        return self.value

    def _key(self) -> tuple:
        return (self.replicas, self.entries)

    def _merge(self, other: "MVRegister") -> "MVRegister":
        return self._with(self._maximal(self.entries | other.entries))

    def _leq(self, other: "MVRegister") -> bool:
        return all(e in other.entries or any(e[1] < vv for _, vv in other.entries) for e in self.entries)

    def __repr__(self) -> str:
        inner = ", ".join(sorted(f"{v!r} {vv!r}" for v, vv in self.entries))
        return f"MVRegister({{{inner}}})"


def shopping_cart(*args: Any, **kwargs: Any) -> Any:
    """The shopping-cart experiment of R01 (see :func:`dsworkbook.crdt.scenarios.shopping_cart`)."""
    from dsworkbook.crdt.scenarios import shopping_cart as run

    return run(*args, **kwargs)
