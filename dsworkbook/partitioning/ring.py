"""H02: a consistent-hashing ring with virtual nodes (Karger et al. 1997; Dynamo sec. 4.2).

Theory of operation
-------------------
Keys and nodes are hashed onto one circle of positions; a key belongs to the first node point
*after* it walking clockwise (Karger et al. 1997, "Consistent hashing and random trees"). A
node owns many points ("virtual nodes", Dynamo sec. 4.2) so that its share of the circle is
the sum of many small arcs and the shares even out.

How points are derived, exactly (``str(x).encode("utf-8")`` is hashed everywhere):

* ``scheme="md5"`` (the default): the circle is [0, 2**128). Virtual node ``i`` of node ``n``
  (``i = 0 .. count-1``) sits at ``int.from_bytes(md5(f"{n}-{i}").digest(), "big")`` and a key
  at ``int.from_bytes(md5(key).digest(), "big")``. This is the placement of ``uhashring``'s
  default ring (its ``MetaRing`` hashes ``int(md5(...).hexdigest(), 16)``).
* ``scheme="ketama"``: the circle is [0, 2**32). Digest ``j`` of node ``n`` is
  ``md5(f"{n}-{j}")`` and gives four points, its little-endian 32-bit words 0..3, so
  ``count`` must be a multiple of 4 and node ``n`` hashes ``count // 4`` digests. A key sits at
  word 0 of ``md5(key)``. This is libketama's point layout as ``uhashring`` implements it with
  ``hash_fn="ketama"``, ``vnodes=count // 4`` and its default ``replicas=4``.

A node of weight ``w`` gets ``count = max(1, round(vnodes * w))`` points. A key exactly on a
point belongs to the *next* point (``bisect_right``), as in ``uhashring``. Two virtual nodes on
the same position (possible with 32-bit points) are resolved by keeping the smaller
``(node, index)``, so placement depends only on the set of nodes, never on the order they
joined; ``uhashring`` keeps whichever node was written last, which depends on insertion order.
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.keyhash import md5_words

try:  # CPython's built-in MD5 has less call overhead than OpenSSL's for short inputs
    from _md5 import md5 as _md5
except ImportError:  # pragma: no cover
    _md5 = hashlib.md5

__all__ = ["HashRing", "Arc", "SCHEMES", "key_position", "keys_for_seed", "moved_arcs"]

SCHEMES = {"md5": 128, "ketama": 32}


def keys_for_seed(seed: int, count: int) -> list[str]:
    """``count`` keys drawn from ``seed`` (the same seed gives the same keys)."""
    # key i is f"key-{getrandbits(64):016x}" from random.Random(seed): randbytes(8 n) is those n
    # draws as little-endian 64-bit words, so one call and one hex conversion make all of them
    # (2.4x faster for 100,000 keys; the ring panel draws them on every change of seed)
    if count <= 0:
        return []
    words = np.frombuffer(random.Random(seed).randbytes(8 * count), "<u8").astype(">u8")
    digits = words.tobytes().hex()
    return ["key-" + digits[i:i + 16] for i in range(0, 16 * count, 16)]


def key_position(key: object, scheme: str = "md5") -> int:
    """The position of ``key`` on the circle of ``scheme`` (see the module docstring)."""
    d = _md5(str(key).encode("utf-8")).digest()
    return int.from_bytes(d, "big") if scheme == "md5" else int.from_bytes(d[:4], "little")


@dataclass(frozen=True, slots=True)
class Arc:
    """Positions ``start <= p < end`` (wrapping when ``end <= start``) moved from one node to another."""

    start: int
    end: int
    from_node: str
    to_node: str

    def fraction(self, bits: int) -> float:
        """The share of the circle this arc covers."""
        return ((self.end - self.start) % (1 << bits) or (1 << bits)) / (1 << bits)

    def contains(self, pos: int) -> bool:
        if self.start < self.end:
            return self.start <= pos < self.end
        return pos >= self.start or pos < self.end


class HashRing:
    """A consistent-hashing ring with virtual nodes; ``nodes`` is names or ``{name: weight}``."""

    def __init__(self, nodes: Iterable[str] | Mapping[str, float] = (), *, vnodes: int = 160,
                 scheme: str = "md5") -> None:
        if scheme not in SCHEMES:
            raise ConfigError(f"unknown scheme {scheme!r}; use one of {sorted(SCHEMES)}")
        if not isinstance(vnodes, int) or vnodes < 1:
            raise ConfigError(f"vnodes must be an integer >= 1, got {vnodes!r}; "
                              "use 100-200 virtual nodes per node for an even spread")
        if scheme == "ketama" and vnodes % 4:
            raise ConfigError(f"scheme 'ketama' takes 4 points per MD5 digest, so vnodes must be a "
                              f"multiple of 4, got {vnodes}; use {vnodes + 4 - vnodes % 4}")
        self.vnodes, self.scheme, self.bits = vnodes, scheme, SCHEMES[scheme]
        self._weights: dict[str, float] = {}
        self._vpoints: dict[str, list[int]] = {}
        self._ints: list[int] = []
        self._owners: list[str] = []
        items = nodes.items() if isinstance(nodes, Mapping) else ((n, 1.0) for n in nodes)
        for name, weight in items:
            self._add(name, weight)
        self._rebuild()

    # -- membership ----------------------------------------------------------------------

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes on the ring, sorted by name."""
        return tuple(sorted(self._weights))

    def __len__(self) -> int:
        return len(self._weights)

    def __contains__(self, node: object) -> bool:
        return node in self._weights

    def points_of(self, node: str) -> list[int]:
        """The positions of ``node``'s virtual nodes, in index order."""
        self._check_member(node)
        return list(self._vpoints[node])

    def _derive(self, node: str, count: int) -> list[int]:
        if self.scheme == "md5":
            return [int.from_bytes(_md5(f"{node}-{i}".encode()).digest(), "big") for i in range(count)]
        out: list[int] = []
        for j in range(count // 4):
            d = _md5(f"{node}-{j}".encode()).digest()
            out += [int.from_bytes(d[r:r + 4], "little") for r in range(0, 16, 4)]
        return out

    def _add(self, node: str, weight: float) -> None:
        if not isinstance(node, str) or not node:
            raise ConfigError(f"a node name must be a non-empty string, got {node!r}")
        if node in self._weights:
            raise ConfigError(f"node {node!r} is already on the ring; remove it first to change it")
        if not weight > 0:
            raise ConfigError(f"weight of {node!r} must be > 0, got {weight!r}")
        count = max(1, round(self.vnodes * weight))
        if self.scheme == "ketama":
            count = max(4, count - count % 4)
        self._weights[node] = weight
        self._vpoints[node] = self._derive(node, count)

    def _rebuild(self) -> None:
        entries = sorted((p, n, i) for n, ps in self._vpoints.items() for i, p in enumerate(ps))
        ints: list[int] = []
        owners: list[str] = []
        for p, n, _ in entries:
            if ints and ints[-1] == p:
                continue  # a collision: the smaller (node, index) keeps the point
            ints.append(p)
            owners.append(n)
        self._ints, self._owners = ints, owners
        # md5 points as 16-byte big-endian strings: bytes compare like the integers they encode,
        # so a lookup can bisect the raw digest without converting it
        self._digests = [p.to_bytes(16, "big") for p in ints] if self.scheme == "md5" else []
        self._names = sorted(self._weights)
        index = {n: k for k, n in enumerate(self._names)}
        self._owner_idx = np.array([index[n] for n in owners], np.int64)
        if self.scheme == "md5":
            self._hi = np.array([p >> 64 for p in ints], np.uint64)
            self._lo = np.array([p & ((1 << 64) - 1) for p in ints], np.uint64)
        else:
            self._hi = np.array(ints, np.uint64)
        # _first[b]: index of the first point whose top 16 bits are >= b. A key whose 16-bit
        # bucket holds no point is owned by point _first[b] without any search.
        self._shift = np.uint64(self.bits - 16 if self.bits == 32 else 48)
        starts = np.arange(1 << 16, dtype=np.uint64) << self._shift
        self._first = np.append(np.searchsorted(self._hi, starts, side="left"), len(ints)).astype(np.int64)
        self._name_array = np.array(self._names, dtype=object)

    def _check_member(self, node: str) -> None:
        if node not in self._weights:
            raise ConfigError(f"node {node!r} is not on the ring; nodes are {list(self.nodes)}. "
                              "Check the name or add it first with add_node()")

    def add_node(self, node: str, weight: float = 1.0) -> list[Arc]:
        """Add ``node``; returns the arcs of the circle that moved to it."""
        before = self.copy()
        self._add(node, weight)
        self._rebuild()
        return moved_arcs(before, self)

    def remove_node(self, node: str) -> list[Arc]:
        """Remove ``node``; returns the arcs of the circle that moved away from it."""
        self._check_member(node)
        before = self.copy()
        del self._weights[node], self._vpoints[node]
        self._rebuild()
        return moved_arcs(before, self)

    def copy(self) -> "HashRing":
        other = HashRing(vnodes=self.vnodes, scheme=self.scheme)
        other._weights, other._vpoints = dict(self._weights), dict(self._vpoints)
        other._rebuild()
        return other

    # -- lookups -------------------------------------------------------------------------

    def _require_nodes(self) -> None:
        if not self._ints:
            raise ConfigError("the ring is empty: add a node (ring.add_node('n1')) before looking keys up")

    def position(self, key: object) -> int:
        """The position of ``key`` on this ring's circle."""
        return key_position(key, self.scheme)

    def owner_at(self, pos: int) -> str:
        """The node owning circle position ``pos``: the first point strictly after it, wrapping."""
        self._require_nodes()
        i = bisect_right(self._ints, pos)
        return self._owners[i if i < len(self._ints) else 0]

    def point_index(self, key: object) -> int:
        """Index (into the sorted points) of the point that owns ``key``."""
        self._require_nodes()
        i = bisect_right(self._ints, key_position(key, self.scheme))
        return i if i < len(self._ints) else 0

    def lookup(self, key: object) -> str:
        """The node that owns ``key``."""
        ints = self._ints
        if not ints:
            self._require_nodes()
        d = _md5((key if key.__class__ is str else str(key)).encode()).digest()
        if self.bits == 128:
            i = bisect_right(self._digests, d)
        else:
            i = bisect_right(ints, int.from_bytes(d[:4], "little"))
        return self._owners[i if i < len(ints) else 0]

    def lookup_indices(self, keys: Sequence[object]) -> np.ndarray:
        """For each key, the index into :attr:`nodes` of its owner (vectorised; same answers as lookup)."""
        self._require_nodes()
        w = md5_words(keys)
        if self.scheme == "ketama":
            hi = w[:, 0].astype(np.uint64)
        else:
            be = w.byteswap()
            hi = (be[:, 0].astype(np.uint64) << np.uint64(32)) | be[:, 1]
        bucket = (hi >> self._shift).astype(np.int64)
        idx = self._first[bucket]
        busy = np.flatnonzero(self._first[bucket + 1] != idx)  # a point shares the key's bucket
        if busy.size:
            idx[busy] = np.searchsorted(self._hi, hi[busy], side="right")
            if self.scheme == "md5":
                for r in busy[(idx[busy] > 0) & (self._hi[idx[busy] - 1] == hi[busy])]:
                    # equal top 64 bits: settle on all 128 (points with equal tops are adjacent)
                    lo = (int(be[r, 2]) << 32) | int(be[r, 3])
                    left = int(np.searchsorted(self._hi, hi[r], side="left"))
                    idx[r] = left + int(np.count_nonzero(self._lo[left:idx[r]] <= lo))
        idx[idx == len(self._ints)] = 0
        return self._owner_idx[idx]

    def lookup_many(self, keys: Sequence[object]) -> np.ndarray:
        """The owner of each key, as an array of node names."""
        return self._name_array[self.lookup_indices(keys)]

    # -- figures -------------------------------------------------------------------------

    def arcs(self) -> list[tuple[int, int, str]]:
        """``(start, end, node)``: node owns positions ``start <= p < end`` (the last arc wraps)."""
        self._require_nodes()
        p = self._ints
        return [(p[i - 1], p[i], self._owners[i]) for i in range(len(p))]

    def shares(self) -> dict[str, float]:
        """Each node's share of the circle."""
        out = dict.fromkeys(self.nodes, 0.0)
        for start, end, node in self.arcs():
            out[node] += ((end - start) % (1 << self.bits) or (1 << self.bits)) / (1 << self.bits)
        return out

    def __repr__(self) -> str:
        return f"HashRing({len(self)} nodes, vnodes={self.vnodes}, scheme={self.scheme!r})"


def moved_arcs(before: HashRing, after: HashRing) -> list[Arc]:
    """The arcs of the circle whose owner differs between two rings of the same scheme."""
    if not before._ints or not after._ints:
        return []
    cuts = sorted(set(before._ints) | set(after._ints))
    out: list[Arc] = []
    for k, start in enumerate(cuts):
        end = cuts[(k + 1) % len(cuts)]
        a, b = before.owner_at(start), after.owner_at(start)
        if a == b:
            continue
        if out and out[-1].end == start and (out[-1].from_node, out[-1].to_node) == (a, b):
            out[-1] = Arc(out[-1].start, end, a, b)
        else:
            out.append(Arc(start, end, a, b))
    return out
