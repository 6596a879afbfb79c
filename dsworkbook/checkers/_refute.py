"""Cheap refutations: read patterns that prove a register history non-linearizable without a search.

Theory of operation
-------------------
A search proves a history non-linearizable only by exhausting every order of the operations
before the point where it gets stuck, which with many clients and many unknown outcomes is
exponential. Two patterns of the most common anomaly - a read that returns a value it cannot
have seen - are decided in O(n log n) instead, before any search. Both are *sound*: each one
found is a proof (below), so a verdict never changes; a history neither pattern catches goes to
the search.

* **thin air**: an ``ok`` operation observed ``v`` (a read returned it, a compare-and-set
  found it), but no operation that could set ``v`` was invoked before it completed (and ``v``
  is not the initial value).
* **overwritten**: an ``ok`` operation ``o`` observed ``v``, and an ``ok`` write (or successful
  compare-and-set) ``newer`` of another value completed before ``o`` was invoked, while every
  operation that could set ``v`` and was invoked before ``o`` completed had completed before
  ``newer`` was invoked (an unknown outcome never completes). In every order ``newer`` comes
  after ``o`` had its last chance to be served and before ``o``: the state at ``o`` is not
  ``v``. (The initial value is set by nobody, so it is overwritten by any ``newer``.) This is
  the stale read of Jepsen's register tests, and the lost update of two compare-and-sets
  from the same value.

Both need a register-like model whose every operation is a read, write or cas, so that
``observes``/``produces`` describe every effect.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.checkers.datatypes import Model
from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation

__all__ = ["applies", "thin_air", "overwritten", "find", "Refutation", "THIN_AIR", "OVERWRITTEN"]

_RWC = READ_FS | WRITE_FS | {"cas"}


def applies(ops: Sequence[Operation], model: Model) -> bool:
    """True when the patterns can be checked: a register-like model, only reads, writes and cas."""
    return model.register_like() and all(op.f in _RWC for op in ops)


@dataclass(frozen=True)
class Refutation:
    """A pattern found: ``ops`` is a non-linearizable sub-history; ``observer`` saw the impossible value."""

    pattern: str                 # THIN_AIR or OVERWRITTEN
    ops: list[Operation]
    observer: Operation
    reason: str = ""


THIN_AIR, OVERWRITTEN = "thin air", "overwritten"


def thin_air(ops: Sequence[Operation], model: Model) -> Refutation | None:
    """An ok operation that saw a value nothing could have set before it completed."""
    return _Facts(ops, model).thin_air()


def overwritten(ops: Sequence[Operation], model: Model) -> Refutation | None:
    """An ok observer whose value was provably overwritten before it began (see the module docstring).

    Its ``ops`` - the observer, ``newer``, and the setters of the value invoked before the
    observer completed - form a sub-history that is itself not linearizable.
    """
    return _Facts(ops, model).overwritten()


def find(ops: Sequence[Operation], model: Model) -> Refutation | None:
    """The first pattern found, thin air before overwritten; None when neither applies."""
    facts = _Facts(ops, model)
    return facts.thin_air() or facts.overwritten()


class _Facts:
    """What each operation observes and sets, computed once for both patterns."""

    def __init__(self, ops: Sequence[Operation], model: Model) -> None:
        self.initial = model.init()
        self.setters: dict[Any, list[Operation]] = {}
        self.observers: list[tuple[Operation, Any]] = []
        self.definite: list[tuple[Operation, Any]] = []
        for op in ops:
            has, v = model.produces(op)
            if has:
                if v in self.setters:
                    self.setters[v].append(op)
                else:
                    self.setters[v] = [op]
                if op.outcome == "ok" and (op.f in WRITE_FS or op.output is not False):
                    self.definite.append((op, v))      # certainly set v: a write, or a cas that succeeded
            if op.outcome == "ok":
                has, v = model.observes(op)
                if has:
                    self.observers.append((op, v))

    def thin_air(self) -> tuple[list[Operation], str] | None:
        first = {v: min(s, key=lambda o: o.invoke_time) for v, s in self.setters.items()}
        for op, v in self.observers:
            if v == self.initial:
                continue
            w = first.get(v)
            if w is None:
                return Refutation(THIN_AIR, [op], op, f"{op} saw {v!r}, a value no operation (that did not fail) "
                                                      "wrote")
            if w.invoke_time > op.complete_time:
                return Refutation(THIN_AIR, [op, w], op, (
                    f"{op} saw {v!r} and completed at t={op.complete_time:g}, before any write of {v!r} began "
                    f"(the first, {w}, at t={w.invoke_time:g})"))
        return None

    def overwritten(self) -> Refutation | None:
        by_value: dict[Any, _Setters] = {}
        definite = sorted(self.definite, key=lambda d: d[0].complete_time)
        observers = sorted(self.observers, key=lambda ov: ov[0].invoke_time)
        # the two definite setters of different values with the latest invokes, among those completed so far
        first: tuple[float, Any, Operation | None] = (-math.inf, None, None)
        second: tuple[float, Any, Operation | None] = (-math.inf, None, None)
        j = 0
        for o, v in observers:
            while j < len(definite) and definite[j][0].complete_time < o.invoke_time:
                d, value = definite[j]
                j += 1
                if d.invoke_time > first[0]:
                    if value != first[1]:
                        second = first
                    first = (d.invoke_time, value, d)
                elif d.invoke_time > second[0] and value != first[1]:
                    second = (d.invoke_time, value, d)
            invoke, _, newer = first if first[1] != v else second
            if newer is None:
                continue
            if v in self.setters:
                if v not in by_value:
                    by_value[v] = _Setters(self.setters[v])
                if by_value[v].latest_before(o.complete_time, o) >= invoke:
                    continue
            sources = [w for w in self.setters.get(v, ()) if w.invoke_time <= o.complete_time and w is not o]
            return Refutation(OVERWRITTEN, sorted(sources + [newer, o], key=lambda x: x.invoke_time), o,
                              f"{o} saw {v!r}, overwritten by {newer} before it began")
        return None


class _Setters:
    """The operations that could set one value, by invoke time, with running maxima of their latest times."""

    def __init__(self, ops: list[Operation]) -> None:
        ops = sorted(ops, key=lambda o: o.invoke_time)
        self.invokes = [o.invoke_time for o in ops]
        self.best: list[tuple[float, Operation | None, float]] = []   # (max latest, its op, second max latest)
        top: tuple[float, Operation | None, float] = (-math.inf, None, -math.inf)
        for o in ops:
            if o.latest > top[0]:
                top = (o.latest, o, top[0])
            elif o.latest > top[2]:
                top = (top[0], top[1], o.latest)
            self.best.append(top)

    def latest_before(self, t: float, excluding: Operation) -> float:
        """The latest time any of them invoked at or before ``t`` (but ``excluding``) can take effect."""
        k = bisect_right(self.invokes, t)
        if not k:
            return -math.inf
        latest, op, second = self.best[k - 1]
        return second if op is excluding else latest
