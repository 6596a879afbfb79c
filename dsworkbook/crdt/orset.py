"""The observed-remove set, with tombstones and with safe compaction (R04).

Theory of operation
-------------------
A 2P-Set cannot re-add; an OR-Set can. Every ``add(e)`` is tagged with a fresh **dot** (a
unique id, :class:`~dsworkbook.crdt.causal.Dot`); ``remove(e)`` removes the dots of ``e`` that
*this replica has observed*. An add concurrent with a remove carries a dot the remover never
saw, so it survives: **add wins** (Shapiro et al. 2011, INRIA RR-7506, the OR-Set).

Two representations of the same semantics are here.

:class:`TombstoneORSet` is the textbook one: the set of ``(element, dot)`` pairs ever added,
and the set of removed dots (**tombstones**). Merge is union of both. It is obviously correct
and grows without bound: every removal leaves a tombstone forever.

Dropping tombstones is where implementations go wrong. If a replica forgets the tombstone of
dot ``d`` and later merges with a replica that still holds ``(e, d)`` but never saw the
removal, ``e`` comes back from the dead. The seeds' "compress" does exactly this
(:class:`dsworkbook.crdt.pitfalls.NaiveCompactORSet`; exercise ``05-drill-orset``).

:class:`ORSet` is the **optimised OR-Set** of Bieniusa, Zawirski, Preguiça, Shapiro, Baquero,
Balegas & Duarte, "An optimized conflict-free replicated set" (2012), §3. It keeps *no*
tombstones: the live ``(element, dot)`` pairs, plus a version vector ``vv`` of every dot the
state has seen. Because each replica numbers its dots 1, 2, 3..., ``vv`` summarises all of them
- added and removed - in one integer per replica. Merge tells "removed over there" from
"not seen over there yet" with it:

    keep (e, d) if both sides hold it,
    or only this side holds it and the other side's vv does not cover d  (not seen there yet),
    drop it  if only this side holds it and the other side's vv covers d  (seen, then removed).

Metadata is O(live elements + replicas), whatever the number of removals.
:meth:`TombstoneORSet.compacted` converts the tombstone form into this one, which is safe at
any time because the version vector remembers what the tombstones did.
"""

from __future__ import annotations

from typing import Hashable, Iterable

from dsworkbook.crdt._base import ReplicatedCRDT, check_replicas, sorted_repr
from dsworkbook.crdt.causal import Dot, VersionVector
from dsworkbook.crdt.sets import _check_element
from dsworkbook.errors import ConfigError

__all__ = ["ORSet", "TombstoneORSet"]


def _entries(replicas: tuple[str, ...], items: Iterable[tuple[Hashable, Dot]]) -> frozenset:
    out = set()
    for element, dot in items:
        dot = Dot(*dot)
        if dot.replica not in replicas or isinstance(dot.counter, bool) or not isinstance(dot.counter, int) \
                or dot.counter < 1:
            raise ConfigError(f"an OR-Set entry's dot must be (replica, counter >= 1) with a replica of "
                              f"{list(replicas)}, got {dot!r}")
        out.add((_check_element(element), dot))
    return frozenset(out)


def _absent(element: Hashable, present: frozenset) -> ConfigError:
    return ConfigError(f"cannot remove {element!r}: this replica does not see it in the set (it holds "
                       f"{sorted_repr(present)}); an observed-remove set removes only what it has observed")


class ORSet(ReplicatedCRDT):
    """The optimised, tombstone-free OR-Set: live ``(element, dot)`` pairs and a version vector."""

    __slots__ = ("entries", "vv")
    type_name = "OR-Set"
    entries: frozenset  # of (element, Dot)
    vv: VersionVector

    def __init__(self, replicas: Iterable[str], entries: Iterable[tuple[Hashable, Dot]] = (),
                 vv: VersionVector | None = None) -> None:
        ids = check_replicas(replicas)
        items = _entries(ids, entries)
        if vv is None:
            vv = VersionVector(ids, {r: max((d.counter for _, d in items if d.replica == r), default=0) for r in ids})
        if not isinstance(vv, VersionVector) or vv.replicas != ids:
            raise ConfigError(f"an OR-Set's vv must be a VersionVector over {list(ids)}, got {vv!r}")
        unseen = [d for _, d in items if not vv.covers(d)]
        if unseen:
            raise ConfigError(f"the version vector {vv!r} must cover every entry's dot; it misses {unseen}")
        if len({d for _, d in items}) != len(items):
            raise ConfigError("two OR-Set entries share a dot; a dot must tag exactly one add")
        self._init(replicas=ids, entries=items, vv=vv)

    def _with(self, entries: frozenset, vv: VersionVector) -> "ORSet":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, entries=entries, vv=vv)
        return new

    def add(self, element: Hashable, replica: str) -> "ORSet":
        """Add ``element`` at ``replica`` with a fresh dot (older dots of ``element`` from ``replica`` go)."""
        dot = self.vv.next_dot(self._check_replica(replica))
        kept = frozenset(x for x in self.entries if not (x[0] == element and x[1].replica == replica))
        return self._with(kept | {(_check_element(element), dot)}, self.vv.increment(replica))

    def remove(self, element: Hashable) -> "ORSet":
        """Remove every dot of ``element`` this replica has observed (no tombstone is kept)."""
        if element not in self:
            raise _absent(element, self.value)
        return self._with(frozenset(x for x in self.entries if x[0] != element), self.vv)

    def dots(self, element: Hashable) -> frozenset:
        """The dots under which ``element`` is present here (what a remove here would remove)."""
        return frozenset(d for e, d in self.entries if e == element)

    def __contains__(self, element: object) -> bool:
        return any(e == element for e, _ in self.entries)

    @property
    def value(self) -> frozenset:
        return frozenset(e for e, _ in self.entries)

    @property
    def metadata(self) -> int:
        """How many things the state stores: entries plus one integer per replica."""
        return len(self.entries) + len(self.replicas)

    def _key(self) -> tuple:
        return (self.replicas, self.entries, self.vv.counts)

    def _merge(self, other: "ORSet") -> "ORSet":
        both = self.entries & other.entries
        mine = frozenset(x for x in self.entries - other.entries if not other.vv.covers(x[1]))
        theirs = frozenset(x for x in other.entries - self.entries if not self.vv.covers(x[1]))
        return self._with(both | mine | theirs, self.vv.merge(other.vv))

    def _leq(self, other: "ORSet") -> bool:
        # other has seen every dot we have, and removed at least what we removed
        return self.vv <= other.vv and all(x in self.entries for x in other.entries if self.vv.covers(x[1]))

    def __repr__(self) -> str:
        inner = ", ".join(sorted(f"{e!r} {d!r}" for e, d in self.entries))
        return f"ORSet({{{inner}}}, {self.vv!r})"


class TombstoneORSet(ReplicatedCRDT):
    """The textbook OR-Set: every ``(element, dot)`` ever added, and the removed dots (tombstones)."""

    __slots__ = ("adds", "tombstones")
    type_name = "OR-Set (tombstones)"
    adds: frozenset  # of (element, Dot)
    tombstones: frozenset  # of Dot

    def __init__(self, replicas: Iterable[str], adds: Iterable[tuple[Hashable, Dot]] = (),
                 tombstones: Iterable[Dot] = ()) -> None:
        ids = check_replicas(replicas)
        items = _entries(ids, adds)
        tombs = frozenset(Dot(*d) for d in tombstones)
        stray = tombs - {d for _, d in items}
        if stray:
            raise ConfigError(f"tombstones {sorted(stray)} name dots that were never added")
        self._init(replicas=ids, adds=items, tombstones=tombs)

    def _with(self, adds: frozenset, tombstones: frozenset) -> "TombstoneORSet":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, adds=adds, tombstones=tombstones)
        return new

    def _next_dot(self, replica: str) -> Dot:
        return Dot(replica, 1 + max((d.counter for _, d in self.adds if d.replica == replica), default=0))

    def add(self, element: Hashable, replica: str) -> "TombstoneORSet":
        dot = self._next_dot(self._check_replica(replica))
        return self._with(self.adds | {(_check_element(element), dot)}, self.tombstones)

    def remove(self, element: Hashable) -> "TombstoneORSet":
        """Tombstone every live dot of ``element`` this replica has observed."""
        dots = self.dots(element)
        if not dots:
            raise _absent(element, self.value)
        return self._with(self.adds, self.tombstones | dots)

    def dots(self, element: Hashable) -> frozenset:
        return frozenset(d for e, d in self.adds if e == element and d not in self.tombstones)

    def __contains__(self, element: object) -> bool:
        return bool(self.dots(element))  # type: ignore[arg-type]

    @property
    def value(self) -> frozenset:
        return frozenset(e for e, d in self.adds if d not in self.tombstones)

    @property
    def metadata(self) -> int:
        """How many things the state stores: every add ever made, plus every tombstone."""
        return len(self.adds) + len(self.tombstones)

    def compacted(self) -> ORSet:
        """The same set as a tombstone-free :class:`ORSet` (safe: its version vector keeps the removals)."""
        vv = VersionVector(self.replicas, {r: max((d.counter for _, d in self.adds if d.replica == r), default=0)
                                           for r in self.replicas})
        return ORSet(self.replicas, [(e, d) for e, d in self.adds if d not in self.tombstones], vv)

    def _key(self) -> tuple:
        return (self.replicas, self.adds, self.tombstones)

    def _merge(self, other: "TombstoneORSet") -> "TombstoneORSet":
        return self._with(self.adds | other.adds, self.tombstones | other.tombstones)

    def _leq(self, other: "TombstoneORSet") -> bool:
        return self.adds <= other.adds and self.tombstones <= other.tombstones

    def __repr__(self) -> str:
        inner = ", ".join(sorted(f"{e!r} {d!r}" + (" †" if d in self.tombstones else "") for e, d in self.adds))
        return f"TombstoneORSet({{{inner}}})"
