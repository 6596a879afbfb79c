"""How a region resolves concurrent writes to one key: LWW, version vectors with siblings, CRDTs (G02, G05).

Theory of operation
-------------------
In an active-active design every region accepts writes to every key, so two regions can write
one key before either hears of the other. Each region keeps one **store** per resolution; the
region node (activeactive.py) hands it its own clients' writes (:meth:`RegionStore.write`) and the
writes replicated from other regions (:meth:`RegionStore.apply`), and reads what a client would see
(:meth:`RegionStore.read`). A store is pure data: no clock, no network, no randomness.

Every write carries a :class:`WriteInfo`: a unique id, the key, the writing region, the
timestamp read from that region's clock and a **version vector** (a
:class:`~dsworkbook.clocks.vector.VectorTimestamp`: per region, how many of its writes to this key
the writer had seen, its own included). Whatever the store keeps, the vectors say exactly who had
seen whom, and the measurements (conflicts.py) use them.

=============  =====================================================================================
resolution     what a region keeps per key
=============  =====================================================================================
``lww``        one :class:`Version` ``(timestamp, region, value)``; ``resolve(existing, incoming)``
               picks the one to keep. :func:`lww_resolve` is a total order - the larger timestamp,
               a tie won by the larger region name (compared as strings) - so every region picks
               the same winner whatever order replication delivers in; the loser is discarded
               silently. :func:`seed_resolve` is the seed notes' rule, ``incoming.timestamp >
               existing.timestamp`` with no tie-break: on equal timestamps each region keeps
               whichever version it had first, and the replicas never converge.
``siblings``   every version no other version dominates, as :class:`~dsworkbook.clocks.version.Sibling`
               s merged by :func:`~dsworkbook.clocks.version.reconcile` (Dynamo, DeCandia et al.,
               SOSP 2007 §4.4). A read returns all siblings; the region's next write to the key
               carries a vector that dominates them all, so it replaces them (the application's merge).
``orset``      an :class:`~dsworkbook.crdt.ORSet` (each write adds its id); merge is the CRDT join.
``counter``    a :class:`~dsworkbook.crdt.PNCounter` (each write adds one); merge is the CRDT join.
=============  =====================================================================================

The CRDT stores change the data type - a write becomes an add or an increment, which commute -
and that is why nothing is lost: there is no overwrite to lose (Shapiro, Preguiça, Baquero and
Zawirski, "Conflict-free Replicated Data Types", SSS 2011). The CRDT stores replicate the key's
whole state, so a later message repairs an earlier one that was lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Sequence

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.clocks.version import Sibling, reconcile
from dsworkbook.crdt import ORSet, PNCounter
from dsworkbook.errors import ConfigError

__all__ = ["Version", "WriteInfo", "ResolveFn", "lww_resolve", "seed_resolve", "RESOLUTIONS", "RegionStore", "LwwStore",
           "SiblingStore", "ORSetStore", "CounterStore", "make_store", "Outcome"]

RESOLUTIONS = ("lww", "siblings", "orset", "counter")


class Version(NamedTuple):
    """A version of one key in the LWW store: ``timestamp`` (ms on the writing region's clock), ``region``, ``value``.

    A region never stamps two of its writes of one key alike (its stamps only grow), so
    ``(timestamp, region)`` names one version of a key.
    """

    timestamp: float
    region: str
    value: Any


ResolveFn = Callable[["Version | None", Version], Version]


def lww_resolve(existing: Version | None, incoming: Version) -> Version:
    """The version to keep: the larger timestamp wins; equal timestamps go to the larger region name.

    A total order on ``(timestamp, region)``, so the result does not depend on which version
    arrived first (commutative), a version resolved against itself is kept (idempotent), and
    every region that has received the same versions keeps the same one. ``existing`` is None
    when the region holds nothing for the key yet.
    """
    if existing is None:
        return incoming
    if (incoming.timestamp, incoming.region) > (existing.timestamp, existing.region):
        return incoming
    return existing


def seed_resolve(existing: Version | None, incoming: Version) -> Version:
    """The seed notes' rule: ``incoming.timestamp > existing.timestamp`` (strict), no tie-break.

    On equal timestamps the region keeps what it has, so two regions that tie each keep their
    own value forever.
    """
    if existing is None or incoming.timestamp > existing.timestamp:
        return incoming
    return existing


@dataclass(frozen=True, slots=True)
class WriteInfo:
    """One acknowledged client write: who wrote it, when on whose clock, and what its writer had seen."""

    id: str
    key: str
    region: str
    timestamp: float
    vv: VectorTimestamp
    value: Any


@dataclass(frozen=True, slots=True)
class Outcome:
    """What applying one write did: the value a seed-style cache would have shown, and who lost.

    ``discarded`` pairs ``(loser id, winner id)`` for every write an LWW store dropped in this step.
    """

    incoming_value: Any
    discarded: tuple[tuple[str, str], ...] = ()


class RegionStore:
    """One region's data for every key, under one resolution. Subclasses fill in the four methods."""

    name = ""

    def __init__(self, regions: Sequence[str]) -> None:
        self.regions = tuple(regions)
        self.data: dict[str, Any] = {}

    def write(self, info: WriteInfo) -> tuple[Any, Outcome]:
        """A local client's write: apply it, return (what to replicate, outcome)."""
        raise NotImplementedError

    def apply(self, key: str, payload: Any) -> Outcome:
        """A write (or state) replicated from another region."""
        raise NotImplementedError

    def read(self, key: str) -> Any:
        """What a client reading ``key`` here sees."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """Every key's state in a form that compares equal across regions exactly when they agree."""
        return {k: self.read(k) for k in sorted(self.data)}


class LwwStore(RegionStore):
    """Last-write-wins with a pluggable ``resolve``; remembers which write each kept version is."""

    name = "lww"

    def __init__(self, regions: Sequence[str], resolve: ResolveFn = lww_resolve) -> None:
        super().__init__(regions)
        self.resolve = resolve
        self.ids: dict[tuple[str, float, str], str] = {}  # (key, timestamp, region) -> write id

    def _resolve(self, key: str, version: Version, wid: str) -> Outcome:
        self.ids[(key, version.timestamp, version.region)] = wid
        existing = self.data.get(key)
        kept = self.resolve(existing, version)
        if not (kept is version or kept is existing or kept == version or kept == existing):
            raise ConfigError(f"resolve({existing!r}, {version!r}) returned {kept!r}; it must return one of the "
                              "two versions it was given")
        self.data[key] = kept
        if existing is None or kept == existing == version:
            return Outcome(version.value)
        loser = existing if kept == version else version
        return Outcome(version.value, ((self.ids[(key, loser.timestamp, loser.region)],
                                        self.ids[(key, kept.timestamp, kept.region)]),))

    def write(self, info: WriteInfo) -> tuple[Any, Outcome]:
        version = Version(info.timestamp, info.region, info.value)
        return (version, info.id), self._resolve(info.key, version, info.id)

    def apply(self, key: str, payload: Any) -> Outcome:
        version, wid = payload
        return self._resolve(key, version, wid)

    def read(self, key: str) -> Any:
        v = self.data.get(key)
        return None if v is None else v.value

    def snapshot(self) -> dict[str, Any]:
        return {k: tuple(v) for k, v in sorted(self.data.items())}


class SiblingStore(RegionStore):
    """Version vectors with siblings: keeps every version no other dominates; a write replaces what it saw."""

    name = "siblings"

    def write(self, info: WriteInfo) -> tuple[Any, Outcome]:
        sib = Sibling(info.vv, (info.id, info.value))
        self.data[info.key] = reconcile(self.data.get(info.key, []), [sib])
        return sib, Outcome(info.value)

    def apply(self, key: str, payload: Any) -> Outcome:
        self.data[key] = reconcile(self.data.get(key, []), [payload])
        return Outcome(payload.value[1])

    def read(self, key: str) -> Any:
        """All siblings' values, ordered by write id (one value when there was no conflict)."""
        return tuple(v for _, v in sorted(s.value for s in self.data.get(key, [])))

    def ids(self, key: str) -> set[str]:
        return {s.value[0] for s in self.data.get(key, [])}

    def snapshot(self) -> dict[str, Any]:
        return {k: frozenset((s.version, s.value) for s in v) for k, v in sorted(self.data.items())}


class ORSetStore(RegionStore):
    """An OR-Set per key: a write adds its id; replication ships the key's whole state."""

    name = "orset"

    def _state(self, key: str) -> ORSet:
        return self.data.get(key) or ORSet(self.regions)

    def write(self, info: WriteInfo) -> tuple[Any, Outcome]:
        self.data[info.key] = self._state(info.key).add(info.id, info.region)
        return self.data[info.key], Outcome(self.data[info.key].value)

    def apply(self, key: str, payload: Any) -> Outcome:
        self.data[key] = self._state(key).merge(payload)
        return Outcome(payload.value)

    def read(self, key: str) -> Any:
        return frozenset(self._state(key).value)


class CounterStore(RegionStore):
    """A PN-Counter per key: a write adds one; replication ships the key's whole state."""

    name = "counter"

    def _state(self, key: str) -> PNCounter:
        return self.data.get(key) or PNCounter(self.regions)

    def write(self, info: WriteInfo) -> tuple[Any, Outcome]:
        self.data[info.key] = self._state(info.key).increment(info.region)
        return self.data[info.key], Outcome(self.data[info.key].value)

    def apply(self, key: str, payload: Any) -> Outcome:
        self.data[key] = self._state(key).merge(payload)
        return Outcome(payload.value)

    def read(self, key: str) -> Any:
        return self._state(key).value


def make_store(resolution: str, regions: Sequence[str], resolve: ResolveFn | None = None) -> RegionStore:
    """A fresh store for ``resolution`` (one of :data:`RESOLUTIONS`); ``resolve`` only for ``lww``."""
    if resolution not in RESOLUTIONS:
        raise ConfigError(f"resolution must be one of {RESOLUTIONS}, got {resolution!r}")
    if resolve is not None and resolution != "lww":
        raise ConfigError(f"a resolve function only applies to resolution 'lww', not {resolution!r}")
    if resolution == "lww":
        return LwwStore(regions, resolve or lww_resolve)
    return {"siblings": SiblingStore, "orset": ORSetStore, "counter": CounterStore}[resolution](regions)
