"""Pruned ("compressed") vector clocks, and the ordering mistakes pruning causes (concept C04).

Theory of operation
-------------------
With one entry per actor, a vector grows with every client or server that ever wrote. Dynamo
(SOSP 2007, §4.4) caps it: each ``(node, counter)`` entry also records when that node last
updated it, and when the vector holds more than a threshold of entries, the **least recently
updated** one is dropped (:func:`prune`; Riak does the same with its young/old/small/big
vclock settings). A dropped entry reads as 0 afterwards, so comparisons can go wrong:

* an event that happened *before* another can look **concurrent** (a false conflict: an
  unnecessary sibling, annoying but safe), and
* two *concurrent* events can look **ordered** (a false order: the "later" one silently
  supersedes the other - a lost write, which is the dangerous kind).

:func:`pruning_experiment` measures both on random causal histories (the ground truth is the
diagram's happens-before, diagram.py) as the size limit shrinks. One actor is *hot* (it does
a large share of the updates, so its counter grows fast) and the others are occasional.

A pitfall from interview notes: prune by comparing **counters** - "drop the nodes whose
counter is far below the largest counter" - as if counters were times. Counters of different
nodes count different things; a quiet node that updated a moment ago has a small counter and
is dropped, while a busy node that has been silent for an hour is kept.
:class:`NaivePrunedClock` does exactly that (:func:`naive_prune`); exercise ``04-drill-pruning``
fixes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from dsworkbook.clocks.diagram import SpaceTimeDiagram
from dsworkbook.clocks.vector import Order, VectorTimestamp
from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Entry", "prune", "naive_prune", "PrunedClock", "NaivePrunedClock", "pruning_experiment",
           "pruning_table", "PruneRule"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One actor's entry: its counter, and the (wall-clock) time it last updated it."""

    counter: int
    updated: float


PruneRule = Callable[[Mapping[str, Entry], int], Mapping[str, Entry]]


def _limit(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"limit must be an int >= 1 (how many entries a clock may keep), got {limit!r}")
    return limit


def prune(entries: Mapping[str, Entry], limit: int) -> dict[str, Entry]:
    """Keep at most ``limit`` entries: the most recently updated ones (Dynamo §4.4).

    Ties on ``updated`` keep the smaller node id. Nothing is dropped while the clock is within
    the limit; entries are returned unchanged.
    """
    limit = _limit(limit)
    if len(entries) <= limit:
        return dict(entries)
    keep = sorted(entries, key=lambda n: (-entries[n].updated, n))[:limit]
    return {n: entries[n] for n in sorted(keep)}


def naive_prune(entries: Mapping[str, Entry], limit: int, owner: str = "", window: int | None = None) -> dict[str, Entry]:
    """The pitfall (see the module docstring): when over ``limit``, keep the owner and the entries whose
    *counter* is within ``window`` (default: ``limit``) of the largest counter - treating counters as if
    they were times. It may also keep more than ``limit`` entries: nothing bounds what is within the window."""
    limit = _limit(limit)
    if len(entries) <= limit:
        return dict(entries)
    window = limit if window is None else window
    newest = max(e.counter for e in entries.values())
    return {n: e for n, e in entries.items() if e.counter > newest - window or n == owner}


class PrunedClock:
    """A vector clock whose entries carry their last-update time and are pruned to ``limit`` by ``rule``."""

    def __init__(self, node: str, limit: int, rule: PruneRule = prune) -> None:
        self.node, self.limit, self.rule = node, _limit(limit), rule
        self.entries: dict[str, Entry] = {}

    def _pruned(self) -> None:
        if len(self.entries) > self.limit:
            self.entries = dict(self.rule(dict(self.entries), self.limit))

    def tick(self, now: float) -> VectorTimestamp:
        """A local update at (wall-clock) time ``now``."""
        own = self.entries.get(self.node, Entry(0, now))
        self.entries[self.node] = Entry(own.counter + 1, now)
        self._pruned()
        return self.vector()

    def receive(self, entries: Mapping[str, Entry], now: float) -> VectorTimestamp:
        """Merge another clock's entries (the larger counter wins, with its time), then tick."""
        for n, e in entries.items():
            mine = self.entries.get(n)
            if mine is None or e.counter > mine.counter:
                self.entries[n] = e
        return self.tick(now)

    def vector(self) -> VectorTimestamp:
        """The counters as a plain vector (dropped entries read 0)."""
        return VectorTimestamp({n: e.counter for n, e in self.entries.items()})


class NaivePrunedClock(PrunedClock):
    """The pitfall: prunes by comparing counters of different nodes (:func:`naive_prune`)."""

    def __init__(self, node: str, limit: int, window: int | None = None) -> None:
        super().__init__(node, limit, rule=lambda entries, limit: naive_prune(entries, limit, node, window))


def _history(seed: int, nodes: int, events: int, hot: float) -> SpaceTimeDiagram:
    """A random causal history: one hot actor does ``hot`` of the events; messages carry versions around."""
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(nodes)]
    d = SpaceTimeDiagram(names)
    for _ in range(events):
        node = names[0] if rng.random() < hot else rng.choice(names[1:])
        pending = d.pending(node)
        if pending and rng.random() < 0.7:
            d.receive(node, rng.choice(pending).id)
        elif rng.random() < 0.5:
            d.send(node, rng.choice([n for n in names if n != node]))
        else:
            d.local(node)
    return d


def _pruned_stamps(d: SpaceTimeDiagram, limit: int, make: Callable[[str, int], PrunedClock]) -> dict[str, VectorTimestamp]:
    clocks = {n: make(n, limit) for n in d.nodes}
    carried: dict[str, dict[str, Entry]] = {}
    out: dict[str, VectorTimestamp] = {}
    for t, e in enumerate(d.events):
        c = clocks[e.node]
        out[e.id] = c.receive(carried[e.message], float(t)) if e.kind == "receive" else c.tick(float(t))
        if e.kind == "send":
            carried[e.message] = dict(c.entries)
    return out


def pruning_experiment(seed: int, *, limits: Iterable[int] = (10, 8, 6, 4, 3, 2), nodes: int = 10, events: int = 150,
                       hot: float = 0.4, rule: PruneRule = prune, naive: bool = False) -> list[dict[str, Any]]:
    """For each limit: how many pairs of events a pruned clock relates wrongly, by kind of mistake.

    ``rule`` is the pruning function (``naive=True`` uses :class:`NaivePrunedClock` instead).
    """
    d = _history(seed, nodes, events, hot)
    evs = d.events
    truth = {(a.id, b.id): d.relation(a, b) for j, b in enumerate(evs) for a in evs[:j]}
    rows = []
    for limit in limits:
        make = (lambda n, k: NaivePrunedClock(n, k)) if naive else (lambda n, k: PrunedClock(n, k, rule))
        stamps = _pruned_stamps(d, _limit(limit), make)
        counts = {"false conflict": 0, "false order": 0, "other": 0}
        for (a, b), rel in truth.items():
            got = stamps[a].compare(stamps[b])
            if got is rel:
                continue
            if rel is Order.CONCURRENT:
                counts["false order"] += 1
            elif got is Order.CONCURRENT:
                counts["false conflict"] += 1
            else:
                counts["other"] += 1
        wrong = sum(counts.values())
        sizes = [len(v) for v in stamps.values()]
        rows.append({"seed": seed, "limit": limit, "pairs": len(truth), **counts, "wrong": wrong,
                     "wrong %": round(100 * wrong / max(len(truth), 1), 2),
                     "mean entries": round(sum(sizes) / max(len(sizes), 1), 2), "max entries": max(sizes, default=0)})
    return rows


def pruning_table(seeds: Iterable[int] = (1, 2, 3), **kwargs: Any) -> "pd.DataFrame":
    """:func:`pruning_experiment` summed over ``seeds``, one row per limit."""
    import pandas as pd

    seeds = list(seeds)
    df = pd.DataFrame([r for s in seeds for r in pruning_experiment(s, **kwargs)])
    groups = df.groupby("limit", sort=False)
    out = groups[["pairs", "false conflict", "false order", "other", "wrong"]].sum()
    out["wrong %"] = (100 * out["wrong"] / out["pairs"]).round(2)
    out["mean entries"] = groups["mean entries"].mean().round(2)
    out["max entries"] = groups["max entries"].max()
    out.insert(0, "seeds", ", ".join(map(str, seeds)))
    return out
