"""H05: range partitioning with split and merge; hot keys and two remedies.

Theory of operation
-------------------
**Ranges.** The keyspace (strings, in their natural order) is cut into contiguous ranges
``[start, end)``; the first starts at ``""`` (below every key) and the last has no end. The
ranges always *tile* the keyspace: each starts where the previous ended, none overlap, so
every key has exactly one range. A range holding more than ``max_keys`` keys is **split at its
median key** (the two halves get equal counts); two adjacent ranges whose keys together number
at most ``min_keys`` are **merged**. Bigtable's tablets (Chang et al., OSDI 2006, sec. 5:
tablets split when they grow too large, and merge) and HBase regions work this way; range
scans stay on few nodes, but a sequential key pattern sends all new writes to the last range.

**Hot keys.** Hashing spreads *keys*, not *requests*: under a Zipf workload one key can carry
a large share of the traffic, and its node carries it all, whatever the number of virtual
nodes. :func:`hot_key_table` measures the hottest node's share of requests and two remedies:

* **salting** the hot key: a write goes to one of ``k`` sub-keys ``f"{key}#{j}"`` (spread over
  nodes), but a read must fan in from all ``k`` - it helps write-heavy hot keys only;
* **read replicas**: reads go to one of ``r`` replicas (the key's preference list, Dynamo sec.
  4.3), writes to all ``r`` - it helps read-heavy hot keys only.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.replication import preference_list
from dsworkbook.partitioning.ring import HashRing

__all__ = ["Range", "RangePartitioner", "zipf_ranks", "hot_key_table"]


@dataclass
class Range:
    """Keys ``start <= k < end`` (``end`` None: no upper bound) and the keys stored in it."""

    start: str
    end: str | None
    keys: list[str] = field(default_factory=list)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.start <= key and (self.end is None or key < self.end)


class RangePartitioner:
    """Contiguous key ranges that split at ``max_keys`` (at the median) and merge at ``min_keys``."""

    def __init__(self, *, max_keys: int = 100, min_keys: int = 25) -> None:
        if not isinstance(max_keys, int) or max_keys < 2:
            raise ConfigError(f"max_keys must be an integer >= 2 (a split needs two keys), got {max_keys!r}")
        if not 0 <= min_keys < max_keys:
            raise ConfigError(f"min_keys must be in [0, max_keys), got {min_keys!r} with max_keys={max_keys}; "
                              "a merge threshold at or above the split threshold would undo every split")
        self.max_keys, self.min_keys = max_keys, min_keys
        self.ranges: list[Range] = [Range("", None)]
        self.splits = self.merges = 0

    def _index(self, key: str) -> int:
        if not isinstance(key, str):
            raise ConfigError(f"range keys are strings, got {key!r}")
        return bisect.bisect_right([r.start for r in self.ranges], key) - 1

    def range_of(self, key: str) -> Range:
        return self.ranges[self._index(key)]

    def put(self, key: str) -> None:
        """Store ``key``; split its range at the median if it grew past ``max_keys``."""
        i = self._index(key)
        r = self.ranges[i]
        j = bisect.bisect_left(r.keys, key)
        if j < len(r.keys) and r.keys[j] == key:
            return
        r.keys.insert(j, key)
        if len(r.keys) > self.max_keys:
            mid = r.keys[len(r.keys) // 2]
            self.ranges[i:i + 1] = [Range(r.start, mid, r.keys[:len(r.keys) // 2]),
                                    Range(mid, r.end, r.keys[len(r.keys) // 2:])]
            self.splits += 1

    def delete(self, key: str) -> None:
        """Remove ``key``; merge its range with a neighbour if together they fit in ``min_keys``."""
        i = self._index(key)
        r = self.ranges[i]
        j = bisect.bisect_left(r.keys, key)
        if j == len(r.keys) or r.keys[j] != key:
            raise ConfigError(f"key {key!r} is not stored; nothing to delete")
        del r.keys[j]
        for a in (i - 1, i):  # try the left neighbour, then the right one
            if 0 <= a and a + 1 < len(self.ranges):
                left, right = self.ranges[a], self.ranges[a + 1]
                if len(left.keys) + len(right.keys) <= self.min_keys:
                    self.ranges[a:a + 2] = [Range(left.start, right.end, left.keys + right.keys)]
                    self.merges += 1
                    return

    def check(self) -> None:
        """Raise AssertionError unless the ranges tile the keyspace and each key sits in its range."""
        assert self.ranges[0].start == "" and self.ranges[-1].end is None, "ranges do not cover the keyspace"
        for a, b in zip(self.ranges, self.ranges[1:]):
            assert a.end == b.start, f"gap or overlap between {a.start!r}..{a.end!r} and {b.start!r}"
            assert a.start < a.end, f"empty range at {a.start!r}"  # type: ignore[operator]
        for r in self.ranges:
            assert all(k in r for k in r.keys) and r.keys == sorted(set(r.keys)), f"misplaced key in {r.start!r}"


def zipf_ranks(rng: np.random.Generator, items: int, s: float, size: int) -> np.ndarray:
    """``size`` ranks in ``[0, items)`` with P(rank k) proportional to ``1 / (k + 1) ** s``."""
    if items < 1 or size < 0 or s < 0:
        raise ConfigError(f"need items >= 1, size >= 0 and s >= 0; got {items}, {size}, {s}")
    p = 1.0 / np.arange(1, items + 1) ** s
    return rng.choice(items, size=size, p=p / p.sum())


def _hottest(counts: dict[str, int]) -> float:
    return max(counts.values()) / sum(counts.values())


def hot_key_table(*, seed: int = 0, nodes: int = 10, items: int = 10_000, s: float = 1.2,
                  requests: int = 50_000, salts: tuple[int, ...] = (4, 8), replicas: tuple[int, ...] = (3,),
                  write_fractions: tuple[float, ...] = (0.1, 0.9)) -> pd.DataFrame:
    """The hottest node's share of requests, plain and with each remedy applied to the hottest key."""
    ring = HashRing([f"node{i}" for i in range(nodes)])
    rows = []
    for wf in write_fractions:
        rng = np.random.default_rng(seed)
        ranks = zipf_ranks(rng, items, s, requests)
        writes = rng.random(requests) < wf
        picks = rng.integers(0, 1 << 30, requests)
        keys = [f"item-{k}" for k in range(items)]
        owner = list(ring.lookup_many(keys))
        pref = {r: preference_list(ring, keys[0], r) for r in replicas}

        def run(remedy: str, k: int) -> dict[str, object]:
            load = dict.fromkeys(ring.nodes, 0)
            for rank, w, pick in zip(ranks.tolist(), writes.tolist(), picks.tolist()):
                if rank != 0 or remedy == "none":
                    load[owner[rank]] += 1
                elif remedy == "salt":
                    subs = [ring.lookup(f"{keys[0]}#{j}") for j in range(k)]
                    for node in ([subs[pick % k]] if w else subs):
                        load[node] += 1
                else:
                    for node in (pref[k] if w else [pref[k][pick % k]]):
                        load[node] += 1
            return {"write fraction": wf, "remedy": "none" if remedy == "none" else f"{remedy} x{k}",
                    "hottest node share": _hottest(load), "node requests per request": sum(load.values()) / requests}
        rows.append(run("none", 1))
        rows += [run("salt", k) for k in salts] + [run("read replicas", r) for r in replicas]
    table = pd.DataFrame(rows).set_index(["write fraction", "remedy"])
    table.attrs.update(seed=seed, ideal_share=1 / nodes)
    return table
