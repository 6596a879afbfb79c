"""H01: modulo hashing and its remap storm, against a consistent-hashing ring.

Theory of operation
-------------------
With ``owner = hash(key) mod n`` a key keeps its owner when ``n`` becomes ``n + 1`` only if
``h mod n == h mod (n + 1)``, i.e. ``h mod n(n + 1) < n``: a share ``1 / (n + 1)`` of uniform
hashes. So ``n / (n + 1)`` of all keys move when one node joins (90.9 % for 10 -> 11) and
``(n - 1) / n`` when one leaves (the last bucket removed; renumbering after removing another
bucket moves at least as many). On a consistent-hashing ring only the arcs the new node takes
change owner, about ``1 / (n + 1)`` of the keys on a join and the leaving node's ``1 / n`` on a
leave, which is the *monotonicity* property of Karger et al. 1997: when a bucket is added,
keys move only to the new bucket, never between old ones.

Keys come from a seed (:func:`~dsworkbook.partitioning.ring.keys_for_seed`), and the hash is
MD5, so every figure here is the same on every run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.keyhash import md5_words
from dsworkbook.partitioning.ring import HashRing, keys_for_seed

__all__ = ["modulo_owners", "remap_fraction", "remap_table"]


def modulo_owners(keys: list[str], n: int) -> np.ndarray:
    """``md5(key) mod n`` for every key (the digest read as a big-endian 128-bit integer)."""
    if not isinstance(n, int) or not 1 <= n < 2**31:
        raise ConfigError(f"the partition count must be an integer in [1, 2**31), got {n!r}; "
                          "a count of 0 leaves nowhere to put a key")
    w = md5_words(keys).byteswap()  # big-endian words: w0 is the most significant
    r = np.zeros(len(keys), np.uint64)
    for k in range(4):  # Horner's rule mod n; (r << 32) + word stays below 2**63 for n < 2**31
        r = ((r << np.uint64(32)) + w[:, k].astype(np.uint64)) % np.uint64(n)
    return r.astype(np.int64)


def remap_fraction(method: str, n: int, change: str = "join", *, keys: int = 100_000, seed: int = 0,
                   vnodes: int = 160) -> float:
    """The share of ``keys`` seeded keys whose owner changes when a node joins (n -> n + 1) or leaves (n -> n - 1).

    ``method`` is ``"modulo"`` or ``"ring"``; on the ring the node ``node{n}`` joins, or
    ``node{n-1}`` leaves.
    """
    if change not in ("join", "leave"):
        raise ConfigError(f"change must be 'join' or 'leave', got {change!r}")
    if not isinstance(n, int) or n < (1 if change == "join" else 2):
        raise ConfigError(f"n must be an integer >= {1 if change == 'join' else 2} for a {change}, got {n!r}")
    ks = keys_for_seed(seed, keys)
    m = n + 1 if change == "join" else n - 1
    if method == "modulo":
        return float(np.mean(modulo_owners(ks, n) != modulo_owners(ks, m)))
    if method == "ring":
        a = HashRing([f"node{i}" for i in range(n)], vnodes=vnodes).lookup_many(ks)
        b = HashRing([f"node{i}" for i in range(m)], vnodes=vnodes).lookup_many(ks)
        return float(np.mean(a != b))
    raise ConfigError(f"method must be 'modulo' or 'ring', got {method!r}")


def remap_table(n: int = 10, *, keys: int = 100_000, seed: int = 0, vnodes: int = 160) -> pd.DataFrame:
    """Measured and theoretical moved shares for modulo hashing and a ring, on a join and a leave."""
    theory = {("modulo", "join"): n / (n + 1), ("modulo", "leave"): (n - 1) / n,
              ("ring", "join"): 1 / (n + 1), ("ring", "leave"): 1 / n}
    rows = [{"method": m, "change": f"{c} ({n} -> {n + 1 if c == 'join' else n - 1})",
             "moved": remap_fraction(m, n, c, keys=keys, seed=seed, vnodes=vnodes), "theory": theory[m, c]}
            for m in ("modulo", "ring") for c in ("join", "leave")]
    return pd.DataFrame(rows).set_index(["method", "change"])
