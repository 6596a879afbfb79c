"""Partition assignment strategies for a consumer group: range, round-robin, sticky (Q11).

Theory of operation
-------------------
A consumer group spreads a topic's partitions over its members so each partition is read by
exactly one member (Kafka design section 4.4 "The Consumer", and the consumer config
``partition.assignment.strategy``, whose built-in classes are ``RangeAssignor``,
``RoundRobinAssignor``, ``StickyAssignor`` and ``CooperativeStickyAssignor``). Each strategy
here is a pure function ``(partitions, consumers, previous) -> {consumer: [partitions]}``:

* :func:`range_assign` (``RangeAssignor``): per topic, partitions in order, consumers sorted by
  id; each gets a consecutive range, the first ``P mod C`` one more. With several topics the
  same first consumers get the extra partitions every time, so the load can differ by more
  than one in total.
* :func:`round_robin_assign` (``RoundRobinAssignor``): all partitions of all topics, sorted,
  dealt one by one to the sorted consumers - balanced within one.
* :func:`sticky_assign` (``StickyAssignor``): balanced within one, and otherwise **keeps as many
  previous assignments as possible**, so a rebalance moves only what balance requires (the
  class documentation states both goals, balance first). A member that joins takes partitions
  only from members above their new quota; a member that leaves gives its partitions to those
  with the fewest.

Partitions are ``(topic, number)`` pairs (a bare int means topic ``"t"``); consumers are ids.
:func:`moves` counts partitions whose owner changed.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Sequence

from dsworkbook.errors import ConfigError

__all__ = ["Assignment", "STRATEGIES", "KAFKA_NAMES", "assignment", "range_assign", "round_robin_assign",
           "sticky_assign", "moves", "owners", "min_moves"]

Assignment = dict[str, list[tuple[str, int]]]


def _norm(partitions: Iterable[Any], consumers: Iterable[str]) -> tuple[list[tuple[str, int]], list[str]]:
    parts = [(("t", p) if isinstance(p, int) and not isinstance(p, bool) else tuple(p)) for p in partitions]
    if len(set(parts)) != len(parts):
        raise ConfigError("partitions must be distinct")
    cons = sorted(consumers)
    if len(set(cons)) != len(cons):
        raise ConfigError(f"consumer ids must be distinct, got {cons}")
    if not cons:
        raise ConfigError("a group needs at least one consumer to assign partitions to")
    return sorted(parts), cons


def range_assign(partitions: Iterable[Any], consumers: Iterable[str],
                 previous: Mapping[str, Sequence[Any]] | None = None) -> Assignment:
    parts, cons = _norm(partitions, consumers)
    out: Assignment = {c: [] for c in cons}
    for topic in sorted({t for t, _ in parts}):
        tp = [p for p in parts if p[0] == topic]
        base, extra = divmod(len(tp), len(cons))
        i = 0
        for k, c in enumerate(cons):
            n = base + (1 if k < extra else 0)
            out[c] += tp[i:i + n]
            i += n
    return out


def round_robin_assign(partitions: Iterable[Any], consumers: Iterable[str],
                       previous: Mapping[str, Sequence[Any]] | None = None) -> Assignment:
    parts, cons = _norm(partitions, consumers)
    out: Assignment = {c: [] for c in cons}
    for i, p in enumerate(parts):
        out[cons[i % len(cons)]].append(p)
    return out


def sticky_assign(partitions: Iterable[Any], consumers: Iterable[str],
                  previous: Mapping[str, Sequence[Any]] | None = None) -> Assignment:
    parts, cons = _norm(partitions, consumers)
    floor, extra = divmod(len(parts), len(cons))
    ceil = floor + (1 if extra else 0)
    alive, claimed = set(parts), set()
    kept: Assignment = {c: [] for c in cons}
    prev = {c: [(("t", p) if isinstance(p, int) else tuple(p)) for p in ps] for c, ps in (previous or {}).items()}
    # keep previous partitions, at most ceil each; the largest previous owners get the ceil slots
    for c in sorted(cons, key=lambda c: (-len(prev.get(c, ())), c)):
        for p in sorted(prev.get(c, ())):
            if p in alive and p not in claimed and len(kept[c]) < ceil:
                kept[c].append(p)
                claimed.add(p)
    at_ceil = [c for c in sorted(cons, key=lambda c: (-len(prev.get(c, ())), c)) if len(kept[c]) == ceil > floor]
    for c in at_ceil[extra:]:  # only `extra` members may hold ceil partitions
        claimed.discard(kept[c].pop())
    for p in (p for p in parts if p not in claimed):
        c = min(cons, key=lambda c: (len(kept[c]), c))
        kept[c].append(p)
    return {c: sorted(ps) for c, ps in kept.items()}


STRATEGIES: dict[str, Callable[..., Assignment]] = {
    "range": range_assign, "round-robin": round_robin_assign, "sticky": sticky_assign}
KAFKA_NAMES = {"range": "org.apache.kafka.clients.consumer.RangeAssignor",
               "round-robin": "org.apache.kafka.clients.consumer.RoundRobinAssignor",
               "sticky": "org.apache.kafka.clients.consumer.StickyAssignor"}


def assignment(strategy: str, partitions: Iterable[Any], consumers: Iterable[str],
               previous: Mapping[str, Sequence[Any]] | None = None) -> Assignment:
    """``{consumer: partitions}`` by ``strategy`` (``range``, ``round-robin``, ``sticky``)."""
    try:
        fn = STRATEGIES[strategy]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown assignment strategy {strategy!r}; choose one of {list(STRATEGIES)}") from None
    return fn(partitions, consumers, previous)


def owners(assign: Mapping[str, Sequence[Any]]) -> dict[Any, str]:
    """partition -> consumer; raises if a partition has two owners."""
    out: dict[Any, str] = {}
    for c, ps in assign.items():
        for p in ps:
            p = ("t", p) if isinstance(p, int) else tuple(p)
            if p in out:
                raise ConfigError(f"partition {p} is assigned to both {out[p]!r} and {c!r}")
            out[p] = c
    return out


def moves(before: Mapping[str, Sequence[Any]], after: Mapping[str, Sequence[Any]]) -> int:
    """How many partitions that had an owner before have a different owner after."""
    a, b = owners(before), owners(after)
    return sum(1 for p, c in a.items() if p in b and b[p] != c)


def min_moves(previous: Mapping[str, Sequence[Any]], partitions: Iterable[Any], consumers: Iterable[str]) -> int:
    """The fewest moves any assignment balanced within one can make from ``previous``."""
    parts, cons = _norm(partitions, consumers)
    floor, extra = divmod(len(parts), len(cons))
    alive = set(parts)
    had = sorted((sum(1 for p in owners({c: previous.get(c, ())}) if p in alive) for c in cons), reverse=True)
    keep = sum(min(h, floor + (1 if i < extra else 0)) for i, h in enumerate(had))
    owned = sum(1 for p in owners(previous) if p in alive)
    return owned - keep
