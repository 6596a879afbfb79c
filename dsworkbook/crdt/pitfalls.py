"""Broken merges from real notes, kept on purpose: the law checks and the simulator must catch them.

Theory of operation
-------------------
Each class or function here looks right and is wrong in a way interviewers probe. They are
the starting points of the pitfall drills and the targets of the "a broken merge is caught"
tests; nothing else in the package uses them.

=========================  ==================================================================
``SumMergeGCounter``       merges by **adding** the entries: a duplicated or re-gossiped state
                           is counted again (not idempotent), so replicas count without bound
``LeftBiasedLWW``          breaks a timestamp tie by **keeping its own value**: merge is not
                           commutative, and two replicas that tied keep different values forever
``naive_lww_merge``        breaks a tie by comparing ``str(value)``: ``1`` and ``"1"`` tie again
                           (and the receiver keeps its own), and the replica id is never used
``NaiveCompactORSet``      garbage-collects tombstones locally: a merge with a replica that has
                           not seen the removal brings the element back (resurrection)
=========================  ==================================================================

:data:`BROKEN` wraps the first three as :class:`~dsworkbook.crdt.workloads.ReplicatedType` so the
same law checks and convergence campaigns that pass for the real types can be run on them.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from dsworkbook.crdt.counters import GCounter
from dsworkbook.crdt.registers import LWWRegister
from dsworkbook.crdt.workloads import ELEMENTS, TYPES, ReplicatedType

__all__ = ["SumMergeGCounter", "LeftBiasedLWW", "naive_lww_merge", "NaiveCompactORSet", "BROKEN",
           "naive_orset_type"]


class SumMergeGCounter(GCounter):
    """A G-Counter whose merge adds the two states' entries ("merge: sum all counters")."""

    type_name = "G-Counter (sum merge)"

    def _merge(self, other: GCounter) -> GCounter:
        return self._with(tuple(a + b for a, b in zip(self.counts, other.counts)))


class LeftBiasedLWW(LWWRegister):
    """An LWW register that compares only the time, and on a tie keeps the value it already has."""

    type_name = "LWW-Register (keeps its own on a tie)"

    def _merge(self, other: LWWRegister) -> LWWRegister:
        if other.stamp is None:
            return self
        if self.stamp is None or other.stamp.time > self.stamp.time:
            return other
        return self  # a tie: "ours is as recent as theirs, keep ours"


def naive_lww_merge(a: tuple, b: tuple) -> tuple:
    """Merge two LWW writes ``(value, time, replica)``: keep the later one; on a tie, the larger value.

    The tie-break compares the values as text, so two different values that print the same
    (``1`` and ``"1"``) still tie - and then each replica keeps what it had. It never looks at
    the replica ids, which are what make a tie-break total.
    """
    if b[1] > a[1]:
        return b
    if b[1] == a[1] and str(b[0]) > str(a[0]):
        return b
    return a


class NaiveCompactORSet:
    """An OR-Set that drops its tombstones to stay small (the seeds' "compress").

    ``entries`` holds ``(element, (replica, counter))`` pairs, ``removed`` the dots removed
    (tombstones) and ``clock`` how many dots each replica has issued, as far as this state knows.
    """

    def __init__(self, replicas: Any) -> None:
        self.clock = {r: 0 for r in replicas}
        self.entries: set = set()
        self.removed: set = set()

    def add(self, element: Any, replica: str) -> None:
        self.clock[replica] += 1
        self.entries.add((element, (replica, self.clock[replica])))

    def remove(self, element: Any) -> None:
        self.removed |= {dot for e, dot in self.entries if e == element}

    def value(self) -> set:
        return {e for e, dot in self.entries if dot not in self.removed}

    def merge(self, other: "NaiveCompactORSet") -> "NaiveCompactORSet":
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        merged.entries = self.entries | other.entries
        merged.removed = self.removed | other.removed
        return merged

    def compress(self) -> None:
        """Forget what was removed, so the state stops growing."""
        self.entries = {(e, dot) for e, dot in self.entries if dot not in self.removed}
        self.removed = set()

    def __repr__(self) -> str:
        entries = ", ".join(sorted(f"{e!r} {r}:{n}" for e, (r, n) in self.entries))
        removed = ", ".join(sorted(f"{r}:{n}" for r, n in getattr(self, "removed", ())))
        return f"{type(self).__name__}({{{entries}}}, removed={{{removed}}}, clock={dict(sorted(self.clock.items()))})"


def _plain_copy(state: Any) -> Any:
    """A copy of a plain object whose attributes are sets, dicts and lists of immutable items (fast)."""
    if not hasattr(state, "__dict__"):
        return copy.deepcopy(state)
    new = object.__new__(type(state))
    new.__dict__.update({k: v.copy() if isinstance(v, (set, dict, list)) else copy.deepcopy(v)
                         for k, v in vars(state).items()})
    return new


def _plain_equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and vars(a) == vars(b)


def _inclusion(a: Any, b: Any) -> bool:
    """The tombstone representation's order: b holds every entry, tombstone and dot a holds."""
    return (a.entries <= b.entries and getattr(a, "removed", set()) <= getattr(b, "removed", set())
            and all(n <= b.clock.get(r, 0) for r, n in a.clock.items()))


def naive_orset_type(cls: type = NaiveCompactORSet, name: str = "OR-Set (compress)",
                     leq: Callable[[Any, Any], bool] | None = _inclusion) -> ReplicatedType:
    """A class shaped like :class:`NaiveCompactORSet` as a replicated type: compress after every change.

    ``leq`` is the order its states are checked in (inclusion of entries, tombstones and clock).
    """

    def update(state: Any, replica: str, choice: int, now: float) -> tuple[Any, Any]:
        present = sorted(state.value(), key=repr)
        before = set(state.entries)
        if present and choice % 3 == 0:
            element = present[(choice // 3) % len(present)]
            dots = frozenset(d for e, d in before if e == element and d not in getattr(state, "removed", ()))
            state.remove(element)
            effect = ("remove", element, dots)
        else:
            element = ELEMENTS[(choice // 3) % len(ELEMENTS)]
            state.add(element, replica)
            (added,) = set(state.entries) - before
            effect = ("add", element, added[1])
        _compress(state)
        return effect, state

    def merge(a: Any, b: Any) -> Any:
        merged = a.merge(b)
        _compress(merged)
        return merged

    return ReplicatedType(name, cls, update, merge=merge, value=lambda s: frozenset(s.value()),
                          expected=TYPES["OR-Set"].expected, leq=leq, equal=_plain_equal, copy=_plain_copy)


def _compress(state: Any) -> None:
    compress = getattr(state, "compress", None)
    if callable(compress):
        compress()


BROKEN: dict[str, ReplicatedType] = {
    "G-Counter (sum merge)": ReplicatedType("G-Counter (sum merge)", SumMergeGCounter, TYPES["G-Counter"].update,
                                            expected=TYPES["G-Counter"].expected),
    "LWW-Register (keeps its own on a tie)": ReplicatedType(
        "LWW-Register (keeps its own on a tie)", LeftBiasedLWW, TYPES["LWW-Register"].update,
        expected=TYPES["LWW-Register"].expected),
    "OR-Set (compress)": naive_orset_type(),
}
