"""Merkle trees over a replica's keys: find what differs by exchanging a few hashes.

Theory of operation
-------------------
Anti-entropy compares two replicas' copies of a key range and repairs the differences
(Dynamo §4.7; Cassandra's repair). Sending every key with its version works but costs as much
as the data set, even when the replicas differ in one key. A **Merkle tree** (Merkle 1987)
avoids that: the keys are spread over ``buckets`` leaves by a stable hash; each leaf holds the
hash of its bucket's entries, each inner node the hash of its two children, so equal roots
mean equal data, with overwhelming probability. Two replicas compare top-down and descend only
into subtrees whose hashes differ:

```
level 0            root                 equal roots: done after one hash
level 1        h01        h23           otherwise compare the children of what differs
level 2     h0    h1   h2    h3         ... down to the leaves (buckets)
buckets    {..}  {..} {..}  {..}        then exchange only the entries of differing buckets
```

With ``d`` differing keys among ``K`` and ``B`` buckets, a comparison exchanges about
``2 d log2(B)`` hashes and the entries of at most ``d`` buckets (``~ d K / B`` entries)
instead of ``K`` entries. :func:`merkle_diff` is that walk (the reference of exercise
``02-merkle-diff``); :func:`exchange_cost` counts what it and a full comparison exchange.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

from dsworkbook.errors import ConfigError

__all__ = ["MerkleTree", "MerkleDiff", "merkle_diff", "bucket_of", "exchange_cost", "check_buckets"]


def check_buckets(buckets: int) -> int:
    if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1 or buckets & (buckets - 1):
        raise ConfigError(f"buckets must be a power of two (1, 2, 4, ... 1024), got {buckets!r}")
    return buckets


def bucket_of(key: Any, buckets: int) -> int:
    """The leaf that ``key`` falls into: a stable hash of its repr (the same in every process)."""
    return zlib.crc32(repr(key).encode()) % buckets


def _digest(parts: list[str]) -> str:
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


class MerkleTree:
    """A binary hash tree over ``items`` (key -> anything with a stable repr, e.g. a version).

    ``levels[0]`` is ``[root]`` and ``levels[-1]`` the ``buckets`` leaf hashes; node ``i`` of
    level ``L`` has children ``2i`` and ``2i + 1`` on level ``L + 1``.
    """

    def __init__(self, items: Mapping[Any, Any], buckets: int = 16) -> None:
        self.buckets = check_buckets(buckets)
        groups: list[list[str]] = [[] for _ in range(buckets)]
        for key, entry in items.items():
            groups[bucket_of(key, buckets)].append(repr((key, entry)))
        leaves = [_digest(sorted(g)) if g else "" for g in groups]
        levels = [leaves]
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append([_digest([below[i], below[i + 1]]) if below[i] or below[i + 1] else ""
                           for i in range(0, len(below), 2)])
        self.levels: list[list[str]] = levels[::-1]

    @property
    def depth(self) -> int:
        """The index of the leaf level (0 for a single bucket)."""
        return len(self.levels) - 1

    @property
    def root(self) -> str:
        return self.levels[0][0]

    def hash(self, level: int, index: int) -> str:
        return self.levels[level][index]

    @staticmethod
    def children(index: int) -> tuple[int, int]:
        return 2 * index, 2 * index + 1

    def __repr__(self) -> str:
        return f"MerkleTree(buckets={self.buckets}, root={self.root!r})"


@dataclass(frozen=True)
class MerkleDiff:
    """The buckets whose contents differ, and how many hash pairs the walk compared."""

    buckets: frozenset[int]
    compared: int


def merkle_diff(a: MerkleTree, b: MerkleTree) -> MerkleDiff:
    """Walk both trees from the root, descending only where the hashes differ.

    Returns the differing leaf buckets and the number of (a, b) hash pairs compared: one for
    the root, then two for each inner node found different.
    """
    if a.buckets != b.buckets:
        raise ConfigError(f"trees of {a.buckets} and {b.buckets} buckets cannot be compared; use the same number")
    frontier, compared = [0], 0
    for level in range(a.depth + 1):
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return MerkleDiff(frozenset(differ), compared)
        frontier = [c for i in differ for c in MerkleTree.children(i)]
    raise AssertionError("unreachable")  # pragma: no cover


def exchange_cost(a: Mapping[Any, Any], b: Mapping[Any, Any], buckets: int = 16) -> dict[str, int]:
    """What comparing two replicas' ``key -> version`` maps costs, Merkle walk versus full.

    * ``full_entries``: without a tree, each side sends the other every entry it holds;
    * ``merkle_hashes``: hashes sent during the walk (each compared pair costs one hash on
      the wire: one side sends it, the other compares it with its own);
    * ``merkle_entries``: the entries of the differing buckets only, sent both ways.
    """
    ta, tb = MerkleTree(a, buckets), MerkleTree(b, buckets)
    diff = merkle_diff(ta, tb)
    in_diff = lambda m: [k for k in m if bucket_of(k, buckets) in diff.buckets]  # noqa: E731
    differing = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    return {"keys": len(set(a) | set(b)), "differing_keys": len(differing),
            "full_entries": len(a) + len(b),
            "merkle_hashes": diff.compared, "merkle_entries": len(in_diff(a)) + len(in_diff(b)),
            "differing_buckets": len(diff.buckets)}
