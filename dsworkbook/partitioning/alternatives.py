"""H04: rendezvous hashing, jump consistent hash, and consistent hashing with bounded loads.

Theory of operation
-------------------
* **Rendezvous / highest random weight** (Thaler & Ravishankar 1998, "Using name-based
  mappings to increase hit rates"): every node scores the key, ``md5(f"{node}:{key}")`` read
  big-endian here, and the highest score owns it. Removing a node moves only the keys it owned,
  each to its second-highest scorer; sorting by score gives a replica list for free. A lookup
  costs one hash per node, so it suits tens or hundreds of nodes, not millions.
* **Jump consistent hash** (Lamping & Veach 2014, "A Fast, Minimal Memory, Consistent Hash
  Algorithm", the C++ function ``JumpConsistentHash`` in the paper): maps a 64-bit key to a bucket in ``[0, n)`` with no table at all,
  stepping a 64-bit linear congruential generator (multiplier 2862933555777941757) to find
  where the key "jumps" as buckets are added. When ``n`` grows to ``n + 1`` a key either stays
  or moves to bucket ``n``. Buckets are numbers, not names: only the last bucket can leave.
* **Bounded loads** (Mirrokni, Thorup & Zadimoghaddam, "Consistent Hashing with Bounded Loads",
  SODA 2018): with ``m`` keys and ``n`` nodes every node has capacity
  ``ceil((1 + eps) * m / n)``; a key goes to the first node clockwise from it on the ring that
  is below capacity, so no node ever holds more than the capacity.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.ring import HashRing, _md5, keys_for_seed

__all__ = ["rendezvous_scores", "rendezvous_owner", "rendezvous_ranking", "jump_hash", "key64",
           "BoundedAssignment", "bounded_load_assign", "bounded_load_table"]

_MASK64 = (1 << 64) - 1


def rendezvous_scores(key: object, nodes: Sequence[str]) -> dict[str, int]:
    """Each node's score for ``key``: ``md5(f"{node}:{key}")`` as a big-endian integer."""
    return {n: int.from_bytes(_md5(f"{n}:{key}".encode()).digest(), "big") for n in nodes}


def rendezvous_ranking(key: object, nodes: Sequence[str]) -> list[str]:
    """Nodes from the highest score down (ties, which need an MD5 collision, by name)."""
    if not nodes:
        raise ConfigError("rendezvous hashing needs at least one node")
    scores = rendezvous_scores(key, nodes)
    return sorted(nodes, key=lambda n: (-scores[n], n))


def rendezvous_owner(key: object, nodes: Sequence[str]) -> str:
    """The node with the highest score for ``key``."""
    return rendezvous_ranking(key, nodes)[0]


def key64(key: object) -> int:
    """A 64-bit integer for ``key``: the first 8 bytes of ``md5(str(key))``, little-endian."""
    return int.from_bytes(_md5(str(key).encode()).digest()[:8], "little")


def jump_hash(key: int, buckets: int) -> int:
    """Lamping & Veach's jump consistent hash of the 64-bit ``key`` into ``[0, buckets)``."""
    if not isinstance(buckets, int) or buckets < 1:
        raise ConfigError(f"the bucket count must be an integer >= 1, got {buckets!r}")
    if not isinstance(key, int) or not 0 <= key <= _MASK64:
        raise ConfigError(f"jump_hash takes an unsigned 64-bit integer key, got {key!r}; hash it with key64()")
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & _MASK64
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


@dataclass(frozen=True)
class BoundedAssignment:
    """Where each key went, each node's load, the capacity, and how many keys overflowed."""

    owner: dict[str, str]
    loads: dict[str, int]
    capacity: int
    overflowed: int


def bounded_load_assign(ring: HashRing, keys: Sequence[object], eps: float) -> BoundedAssignment:
    """Place ``keys`` in order; a key whose ring owner is full goes to the next non-full node clockwise."""
    if not eps >= 0:
        raise ConfigError(f"eps must be >= 0 (capacity is ceil((1 + eps) * m / n)), got {eps!r}")
    if len(ring) == 0:
        raise ConfigError("the ring is empty: add nodes before placing keys")
    capacity = math.ceil((1 + eps) * len(keys) / len(ring))
    loads = dict.fromkeys(ring.nodes, 0)
    owner: dict[str, str] = {}
    ints, owners, overflowed = ring._ints, ring._owners, 0
    for key in keys:
        i = bisect_right(ints, ring.position(key))
        for k in range(len(ints)):
            node = owners[(i + k) % len(ints)]
            if loads[node] < capacity:
                break
        overflowed += k > 0
        loads[node] += 1
        owner[str(key)] = node
    return BoundedAssignment(owner, loads, capacity, overflowed)


def bounded_load_table(eps_values: Sequence[float] = (0.0, 0.1, 0.25, 0.5, 1.0), *, nodes: int = 10,
                       vnodes: int = 10, keys: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Max load / mean and overflowed keys for each ``eps``, plus the unbounded ring (eps = inf)."""
    ring = HashRing([f"node{i}" for i in range(nodes)], vnodes=vnodes)
    ks = keys_for_seed(seed, keys)
    rows = []
    for eps in (*eps_values, math.inf):
        a = bounded_load_assign(ring, ks, eps) if eps != math.inf else None
        loads = a.loads if a else dict.fromkeys(ring.nodes, 0)
        if a is None:
            for k in ks:
                loads[ring.lookup(k)] += 1
        rows.append({"eps": eps, "capacity": a.capacity if a else None,
                     "max load / mean": max(loads.values()) / (keys / nodes),
                     "overflowed keys": a.overflowed if a else 0})
    return pd.DataFrame(rows).set_index("eps")
