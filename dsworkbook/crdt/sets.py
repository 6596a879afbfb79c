"""Sets without coordination: the G-Set and the 2P-Set (R03).

Theory of operation
-------------------
**G-Set** (grow-only set; Shapiro et al. 2011, INRIA RR-7506): the state is the set of
elements added; merge is union; the order is inclusion. It cannot remove - a removal would be
undone by the next merge with a replica that still holds the element.

**2P-Set** (two-phase set, same report): two G-Sets, ``added`` and ``removed`` (the
*tombstones*). An element is in the set when it was added and never removed. Merge is union
of both halves, so a removal is never undone - and an element, once removed, can **never be
added back** (its tombstone wins forever). The report's precondition is kept: a replica may
only remove an element it currently sees, so removing something never added (or already
removed) is an error here, not a silent tombstone for an element nobody added. Re-adding a
removed element is an error too: it would be a no-op, and a silent no-op is a bug report
waiting to happen. The OR-Set (:mod:`dsworkbook.crdt.orset`) lifts both limits.

The registers of R03 (``LWWRegister``, ``MVRegister``) live in :mod:`dsworkbook.crdt.registers`.
"""

from __future__ import annotations

from typing import Any, Hashable, Iterable

from dsworkbook.crdt._base import CRDT, sorted_repr
from dsworkbook.errors import ConfigError

__all__ = ["GSet", "TwoPSet"]


def _frozen(elements: Iterable[Hashable], what: str) -> frozenset:
    if isinstance(elements, (str, bytes)):
        raise ConfigError(f"{what} must be a collection of elements, got the string {elements!r}; "
                          f"write [{elements!r}] for one element")
    try:
        return frozenset(elements)
    except TypeError as exc:
        raise ConfigError(f"{what} must be hashable elements (strings, numbers, tuples): {exc}") from None


def _check_element(element: Any) -> Hashable:
    try:
        hash(element)
    except TypeError:
        raise ConfigError(f"set elements must be hashable (strings, numbers, tuples), got {element!r}") from None
    return element


class GSet(CRDT):
    """A grow-only set: ``GSet().add("milk").value == frozenset({"milk"})``."""

    __slots__ = ("elements",)
    type_name = "G-Set"
    elements: frozenset

    def __init__(self, elements: Iterable[Hashable] = ()) -> None:
        self._init(elements=_frozen(elements, "GSet(elements)"))

    def add(self, element: Hashable) -> "GSet":
        return type(self)(self.elements | {_check_element(element)})

    def __contains__(self, element: object) -> bool:
        return element in self.elements

    @property
    def value(self) -> frozenset:
        return self.elements

    def _key(self) -> tuple:
        return (self.elements,)

    def _merge(self, other: "GSet") -> "GSet":
        return type(self)(self.elements | other.elements)

    def _leq(self, other: "GSet") -> bool:
        return self.elements <= other.elements

    def __repr__(self) -> str:
        return f"GSet({sorted_repr(self.elements)})"


class TwoPSet(CRDT):
    """A two-phase set: add, then remove for good. ``value`` = added - removed."""

    __slots__ = ("added", "removed")
    type_name = "2P-Set"
    added: frozenset
    removed: frozenset

    def __init__(self, added: Iterable[Hashable] = (), removed: Iterable[Hashable] = ()) -> None:
        a, r = _frozen(added, "TwoPSet(added)"), _frozen(removed, "TwoPSet(removed)")
        if not r <= a:
            raise ConfigError(f"a 2P-Set can only have removed what it added; {sorted_repr(r - a)} "
                              "are removed but were never added")
        self._init(added=a, removed=r)

    def add(self, element: Hashable) -> "TwoPSet":
        """Add ``element``; an element that was removed cannot come back (use an OR-Set for that)."""
        if _check_element(element) in self.removed:
            raise ConfigError(f"{element!r} was removed from this 2P-Set and can never be added again (its "
                              "tombstone wins every merge); use an ORSet if elements must come back")
        return type(self)(self.added | {element}, self.removed)

    def remove(self, element: Hashable) -> "TwoPSet":
        """Remove ``element``, which this replica must currently see in the set."""
        _check_element(element)
        if element in self.removed:
            raise ConfigError(f"{element!r} is already removed from this 2P-Set")
        if element not in self.added:
            raise ConfigError(f"cannot remove {element!r}: it was never added to this replica's 2P-Set "
                              f"(it holds {sorted_repr(self.value)}); a replica removes only what it has seen added")
        return type(self)(self.added, self.removed | {element})

    def __contains__(self, element: object) -> bool:
        return element in self.added and element not in self.removed

    @property
    def value(self) -> frozenset:
        return self.added - self.removed

    def _key(self) -> tuple:
        return (self.added, self.removed)

    def _merge(self, other: "TwoPSet") -> "TwoPSet":
        return type(self)(self.added | other.added, self.removed | other.removed)

    def _leq(self, other: "TwoPSet") -> bool:
        return self.added <= other.added and self.removed <= other.removed

    def __repr__(self) -> str:
        return f"TwoPSet(added={sorted_repr(self.added)}, removed={sorted_repr(self.removed)})"
