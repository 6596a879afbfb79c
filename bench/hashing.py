"""Theme T11's ring against ``uhashring``: lookup speed, batch lookup speed, balance, placement.

Workload (identical on both): 10 nodes ``node0..node9`` x 160 virtual nodes, 1,000,000 keys
``keys_for_seed(seed, n)``. ``dsworkbook.partitioning.HashRing`` (scheme ``md5``) places points
exactly as ``uhashring.HashRing(nodes, vnodes=160)`` does (each point the 128-bit MD5 of
``f"{node}-{i}"``), and the script checks that every key gets the same node from both.

The anchor is uhashring's ``get_node`` called once per key, measured in the same run. Printed
(median of ``--repeats`` runs, interleaved):

* single-key lookups per second, ours (``ring.lookup`` per key) and uhashring's, and their ratio;
* batch: ``ring.lookup_many(keys)`` (MD5 of all keys in numpy, then ``searchsorted``) against
  the anchor, and their ratio;
* balance: keys per node, max / mean, for both;
* placement: the share of keys placed on the same node (must be 1.0), and the same for the
  ketama layout (``scheme="ketama"`` against ``hash_fn="ketama", vnodes=40``).

Timings on a shared machine are noisy; nothing here is asserted. Run:
``python bench/hashing.py [--keys N] [--repeats R] [--seed S]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from importlib.metadata import version
from typing import Any, Callable

import numpy as np
from uhashring import HashRing as UHashRing

from dsworkbook.partitioning import HashRing, keys_for_seed, load_stats


def _best(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def compare(*, nodes: int = 10, vnodes: int = 160, keys: int = 1_000_000, seed: int = 0,
            repeats: int = 3) -> dict[str, Any]:
    """Measure both rings on the same keys; returns the figures the script prints."""
    names = [f"node{i}" for i in range(nodes)]
    ks = keys_for_seed(seed, keys)
    ours, theirs = HashRing(names, vnodes=vnodes), UHashRing(nodes=names, vnodes=vnodes)
    single, anchor, batch = [], [], []
    for _ in range(repeats):  # interleaved, so a noisy neighbour hurts both alike
        t, a = _best(lambda: [ours.lookup(k) for k in ks])
        single.append(t)
        t, b = _best(lambda: [theirs.get_node(k) for k in ks])
        anchor.append(t)
        t, c = _best(lambda: ours.lookup_many(ks))
        batch.append(t)
    k_ours = HashRing(names, vnodes=vnodes, scheme="ketama")
    k_theirs = UHashRing(nodes=names, vnodes=vnodes // 4, hash_fn="ketama")
    sample = ks[: min(keys, 100_000)]
    ketama_same = np.mean([k_ours.lookup(k) == k_theirs.get_node(k) for k in sample])
    med = statistics.median
    return {
        "keys": keys, "nodes": nodes, "vnodes": vnodes, "seed": seed, "uhashring": version("uhashring"),
        "ours single /s": keys / med(single), "uhashring single /s": keys / med(anchor),
        "ours batch /s": keys / med(batch),
        "single ratio": med(anchor) / med(single), "batch ratio": med(anchor) / med(batch),
        "same placement": float(np.mean(np.asarray(a, dtype=object) == np.asarray(b, dtype=object))),
        "batch equals single": bool(list(c) == a),
        "ketama same placement": float(ketama_same),
        "ours max/mean": load_stats(list(Counter(a).values()))["max/mean"],
        "uhashring max/mean": load_stats(list(Counter(b).values()))["max/mean"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    r = compare(keys=args.keys, repeats=args.repeats, seed=args.seed)
    print(f"workload: {r['nodes']} nodes x {r['vnodes']} vnodes, {r['keys']:,} keys (seed {r['seed']}), "
          f"uhashring {r['uhashring']}, median of {args.repeats}")
    print(f"placement: same node for {r['same placement']:.6f} of keys; batch == single: {r['batch equals single']}; "
          f"ketama layout same for {r['ketama same placement']:.6f}")
    print(f"balance max/mean: ours {r['ours max/mean']:.4f}, uhashring {r['uhashring max/mean']:.4f}")
    print(f"single-key: ours {r['ours single /s']:,.0f} lookups/s, uhashring {r['uhashring single /s']:,.0f} lookups/s")
    print(f"batch:      ours {r['ours batch /s']:,.0f} lookups/s (lookup_many)")
    print(f"single ratio (ours/uhashring): {r['single ratio']:.2f}")
    print(f"batch ratio (ours batch/uhashring per key): {r['batch ratio']:.2f}")


if __name__ == "__main__":
    main()
