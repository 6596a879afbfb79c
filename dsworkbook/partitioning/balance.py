"""H02 figures: how evenly a ring spreads keys, against the number of virtual nodes and weights.

Theory of operation
-------------------
With ``v`` points per node a node's share of the circle is a sum of ``v`` arc lengths, so its
relative spread shrinks roughly like ``1 / sqrt(v)``; with one point per node the largest
share is typically several times the mean (Karger et al. 1997 map each cache to
``O(log C)`` points for this reason; Dynamo sec. 4.2 names the non-uniform load of one point
per node as the problem virtual nodes solve). :func:`balance_table` measures it: keys per node, the largest
over the mean, and the coefficient of variation (standard deviation over mean).
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.ring import HashRing, keys_for_seed

__all__ = ["load_stats", "ring_loads", "balance_table", "weighted_table"]


def load_stats(counts: Sequence[float]) -> dict[str, float]:
    """``max/mean`` and the coefficient of variation of per-node loads."""
    a = np.asarray(counts, float)
    if a.size == 0 or a.mean() == 0:
        raise ConfigError("load_stats needs at least one node with a non-zero load")
    return {"max/mean": float(a.max() / a.mean()), "cv": float(a.std() / a.mean())}


def ring_loads(ring: HashRing, keys: Sequence[object]) -> dict[str, int]:
    """Keys per node (every node listed, zero included)."""
    counts = np.bincount(ring.lookup_indices(keys), minlength=len(ring))
    return dict(zip(ring.nodes, map(int, counts)))


def balance_table(nodes: int = 10, vnodes: Sequence[int] = (1, 10, 50, 100, 160, 500), *,
                  keys: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """Per ``vnodes`` value: keys max/mean and cv over ``nodes`` nodes, and the largest circle share over the mean."""
    if nodes < 1:
        raise ConfigError(f"nodes must be >= 1, got {nodes}")
    ks = keys_for_seed(seed, keys)
    rows = []
    for v in vnodes:
        ring = HashRing([f"node{i}" for i in range(nodes)], vnodes=v)
        stats = load_stats(list(ring_loads(ring, ks).values()))
        share = max(ring.shares().values()) * nodes
        rows.append({"vnodes": v, "keys max/mean": stats["max/mean"], "keys cv": stats["cv"],
                     "circle share max/mean": share})
    return pd.DataFrame(rows).set_index("vnodes")


def weighted_table(weights: Mapping[str, float], *, vnodes: int = 160, keys: int = 100_000,
                   seed: int = 0) -> pd.DataFrame:
    """Each node's weight, expected share (weight / total) and measured share of seeded keys."""
    ring = HashRing(dict(weights), vnodes=vnodes)
    loads = ring_loads(ring, keys_for_seed(seed, keys))
    total = sum(weights.values())
    return pd.DataFrame([{"node": n, "weight": weights[n], "points": len(ring.points_of(n)),
                          "expected share": weights[n] / total, "measured share": loads[n] / keys}
                         for n in ring.nodes]).set_index("node")
