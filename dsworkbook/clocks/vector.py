"""Vector clocks: a timestamp per event that captures happens-before exactly (concept C03).

Theory of operation
-------------------
Lamport's clock (lamport.py) gives ``a -> b  =>  L(a) < L(b)`` but not the converse: two
concurrent events get ordered timestamps anyway. Fidge (1988) and Mattern (1989) keep one
counter **per process** instead, and then the converse holds too:

    a -> b   <=>   V(a) < V(b)          (V(a) <= V(b) entry by entry, and V(a) != V(b))

so comparing two timestamps answers exactly one of four questions (:class:`Order`):
``before``, ``after``, ``equal`` or ``concurrent``. The rules, for process ``p``:

=================  ===========================================================
local event        ``V[p] += 1``
send m             ``V[p] += 1``; the message carries a copy of ``V``
receive m          ``V = max(V, m.V)`` entry by entry, then ``V[p] += 1``
=================  ===========================================================

Two types keep the value and the process apart:

* :class:`VectorTimestamp` is an immutable value (a mapping ``node -> counter``; an absent
  node reads 0 and is not stored, so equal vectors are equal objects). It is what events and
  messages carry, and what :meth:`~VectorTimestamp.compare` works on.
* :class:`VectorClock` is one process's clock: it owns a timestamp and applies the rules.
  Given ``nodes=``, it knows the membership and rejects unknown node ids.

A vector compared with something that is not one (an int, a string, None) is a usage error,
never a silent ``False``.

:func:`naive_compare` is a pitfall from interview notes, kept for exercise
``04-drill-vc-compare``: it looks only at the nodes of its first argument, and it answers
"concurrent" whenever neither side is strictly smaller - so equal clocks come out concurrent,
and ``{A:1}`` versus ``{A:1, B:1}`` (plainly *before*) too.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Iterable, Iterator, Mapping

from dsworkbook.errors import ConfigError, UnknownNodeError

__all__ = ["Order", "VectorTimestamp", "VectorClock", "compare", "as_vector", "naive_compare"]


class Order(StrEnum):
    """How two timestamps (or events) relate: exactly one of these holds."""

    BEFORE = "before"
    AFTER = "after"
    EQUAL = "equal"
    CONCURRENT = "concurrent"

    def flip(self) -> "Order":
        """The relation seen from the other side (before <-> after)."""
        return {Order.BEFORE: Order.AFTER, Order.AFTER: Order.BEFORE}.get(self, self)


def _check_entry(node: Any, counter: Any) -> tuple[str, int]:
    if not isinstance(node, str) or not node:
        raise ConfigError(f"a vector's keys are node ids (non-empty strings), got {node!r}")
    if isinstance(counter, bool) or not isinstance(counter, int):
        raise ConfigError(f"the counter of {node!r} must be an int, got {counter!r}")
    if counter < 0:
        raise ConfigError(f"the counter of {node!r} must be >= 0, got {counter}; counters only grow")
    return node, counter


class VectorTimestamp(Mapping[str, int]):
    """An immutable vector of counters, one per node; absent nodes read 0.

    >>> a = VectorTimestamp({"A": 2, "B": 1})
    >>> a["C"], a.compare({"A": 2, "B": 2})
    (0, <Order.BEFORE: 'before'>)
    """

    __slots__ = ("_entries", "_hash")

    def __init__(self, entries: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        items = entries.items() if isinstance(entries, Mapping) else entries
        try:
            checked = [_check_entry(n, c) for n, c in items]
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"a vector timestamp is built from a dict node -> counter, got {entries!r}") from None
        self._entries: dict[str, int] = {n: c for n, c in sorted(checked) if c}
        self._hash: int | None = None

    # -- the mapping --------------------------------------------------------------------------

    def __getitem__(self, node: str) -> int:
        return self._entries.get(node, 0)

    def __contains__(self, node: object) -> bool:
        return node in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._entries.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, VectorTimestamp):
            return self._entries == other._entries
        if isinstance(other, Mapping):
            try:
                return self._entries == VectorTimestamp(other)._entries
            except ConfigError:
                return False
        return NotImplemented

    # -- the rules ----------------------------------------------------------------------------

    def increment(self, node: str) -> "VectorTimestamp":
        """A copy with ``node``'s counter one higher (a local event or a send at ``node``)."""
        _check_entry(node, 0)
        out = VectorTimestamp()
        out._entries = dict(self._entries)
        out._entries[node] = out._entries.get(node, 0) + 1
        return out

    def merge(self, other: Mapping[str, int]) -> "VectorTimestamp":
        """The entry-by-entry maximum (what a receive does before its own increment)."""
        other = as_vector(other, "merge")
        out = VectorTimestamp()
        merged = dict(self._entries)
        for n, c in other._entries.items():
            if c > merged.get(n, 0):
                merged[n] = c
        out._entries = dict(sorted(merged.items()))
        return out

    def compare(self, other: Mapping[str, int]) -> Order:
        """``before`` if self happened before other, ``after``, ``equal``, or ``concurrent``."""
        other = as_vector(other, "compare")
        less = greater = False
        for n in self._entries.keys() | other._entries.keys():  # every node named by either side
            a, b = self._entries.get(n, 0), other._entries.get(n, 0)
            if a < b:
                less = True
            elif a > b:
                greater = True
        if less and greater:
            return Order.CONCURRENT
        if less:
            return Order.BEFORE
        return Order.AFTER if greater else Order.EQUAL

    def concurrent(self, other: Mapping[str, int]) -> bool:
        return self.compare(other) is Order.CONCURRENT

    def __le__(self, other: Mapping[str, int]) -> bool:
        return self.compare(other) in (Order.BEFORE, Order.EQUAL)

    def __lt__(self, other: Mapping[str, int]) -> bool:
        return self.compare(other) is Order.BEFORE

    def __ge__(self, other: Mapping[str, int]) -> bool:
        return self.compare(other) in (Order.AFTER, Order.EQUAL)

    def __gt__(self, other: Mapping[str, int]) -> bool:
        return self.compare(other) is Order.AFTER

    # -- showing ------------------------------------------------------------------------------

    def as_list(self, nodes: Iterable[str]) -> list[int]:
        """The counters in the order of ``nodes`` (zeros included): ``[1, 0, 2]``."""
        return [self._entries.get(n, 0) for n in nodes]

    def __repr__(self) -> str:
        return f"VectorTimestamp({self._entries!r})"

    def __str__(self) -> str:
        return "{" + ", ".join(f"{n}:{c}" for n, c in self._entries.items()) + "}"


def as_vector(value: Any, what: str = "compare") -> VectorTimestamp:
    """``value`` as a :class:`VectorTimestamp` (a dict node -> counter is accepted); else a clear error."""
    if isinstance(value, VectorTimestamp):
        return value
    if isinstance(value, VectorClock):
        return value.time
    if isinstance(value, Mapping):
        return VectorTimestamp(value)
    raise ConfigError(f"{what}() needs a vector timestamp (or a dict node -> counter), got "
                      f"{type(value).__name__} {value!r}; a vector only compares with another vector")


def compare(a: Mapping[str, int], b: Mapping[str, int]) -> Order:
    """How ``a`` relates to ``b``: before / after / equal / concurrent (absent nodes read 0)."""
    return as_vector(a, "compare").compare(b)


class VectorClock:
    """The vector clock of process ``node`` (Fidge 1988, Mattern 1989).

    ``tick()`` for a local event, ``send()`` for a send (returns the stamp the message carries),
    ``receive(stamp)`` for a receive. Each returns the event's timestamp. With ``nodes=`` the
    membership is fixed and a stamp naming another node is an error.
    """

    __slots__ = ("node", "nodes", "time")

    def __init__(self, node: str, nodes: Iterable[str] | None = None,
                 time: Mapping[str, int] | None = None) -> None:
        _check_entry(node, 0)
        self.node = node
        self.nodes: frozenset[str] | None = None
        if nodes is not None:
            if isinstance(nodes, str):
                raise ConfigError(f"nodes must be a list of node ids, got the string {nodes!r}")
            self.nodes = frozenset(nodes)
            if node not in self.nodes:
                raise UnknownNodeError(node, self.nodes)
        self.time = VectorTimestamp() if time is None else self._known(as_vector(time, "VectorClock"))

    def _known(self, stamp: VectorTimestamp) -> VectorTimestamp:
        if self.nodes is not None:
            for n in stamp:
                if n not in self.nodes:
                    raise UnknownNodeError(n, self.nodes)
        return stamp

    def tick(self) -> VectorTimestamp:
        """A local event."""
        self.time = self.time.increment(self.node)
        return self.time

    def send(self) -> VectorTimestamp:
        """A send: tick, and return the timestamp to put on the message."""
        return self.tick()

    def receive(self, stamp: Mapping[str, int]) -> VectorTimestamp:
        """A receive: merge the message's timestamp, then tick."""
        self.time = self.time.merge(self._known(as_vector(stamp, "receive"))).increment(self.node)
        return self.time

    def __repr__(self) -> str:
        return f"VectorClock({self.node!r}, time={self.time})"


def naive_compare(a: Mapping[str, int], b: Mapping[str, int]) -> str:
    """A plausible compare with two bugs (exercise ``04-drill-vc-compare`` fixes them; see the module docstring)."""
    a_le_b = all(a[n] <= b.get(n, 0) for n in a)   # only a's nodes are looked at
    b_le_a = all(b.get(n, 0) <= a[n] for n in a)
    if a_le_b and not b_le_a:
        return "before"
    if b_le_a and not a_le_b:
        return "after"
    return "concurrent"                             # equal clocks end up here too
