"""Anti-entropy between two replicas by walking Merkle trees over messages (Dynamo §4.7).

Theory of operation
-------------------
Every ``anti_entropy_every`` ms a replica picks a random peer (from ``self.rng``) and the two
compare the keys they both hold, each building a :class:`~dsworkbook.storage.merkle.MerkleTree`
of its own copies. The walk alternates between them, one tree level per message:

1. the initiator sends :class:`TreeLevel` ``(level 0, [root hash])``;
2. whoever receives a ``TreeLevel`` compares the hashes with its own tree at that level. If
   none differ, the replicas agree and the walk stops. Otherwise it answers with *its* hashes
   of the children of the differing nodes (the next level);
3. at the leaves, the receiver sends :class:`BucketSync` with its entries of the differing
   buckets; the other side merges them (last write wins) and answers with its own entries of
   those buckets, which the first merges in turn.

Each message's ``size`` is the number of hashes or entries it carries, so the trace measures
what the walk exchanged (:func:`merkle_traffic`), to be compared with sending every entry both
ways. A walk that crosses a write in flight may miss it; the next round catches it - anti-entropy
is a background safety net, not a synchronisation barrier.

The host class (an :class:`~dsworkbook.storage.ap.APReplica`) provides ``data`` (key ->
versioned value), ``apply(key, item)``, ``owns(key)``-style placement through
``preference_list`` and calls :meth:`AntiEntropy.data_changed` after every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError
from dsworkbook.storage.common import preference_list
from dsworkbook.storage.merkle import MerkleTree, bucket_of, check_buckets

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.sim import Simulation

__all__ = ["TreeLevel", "BucketSync", "AntiEntropy", "merkle_traffic", "anti_entropy_run"]


@dataclass(frozen=True, slots=True)
class TreeLevel:
    """The sender's hashes of some nodes of one level of its tree over the keys shared with you."""

    sync: tuple
    level: int
    hashes: tuple[tuple[int, str], ...]

    @property
    def size(self) -> int:
        return len(self.hashes)


@dataclass(frozen=True, slots=True)
class BucketSync:
    """The sender's entries of the differing buckets; ``reply`` asks for yours of those buckets back."""

    sync: tuple
    buckets: tuple[int, ...]
    entries: tuple[tuple[Any, Any], ...]
    reply: bool

    @property
    def size(self) -> int:
        return len(self.entries)


class AntiEntropy:
    """Mixin: periodic Merkle-tree anti-entropy for a replica with ``data`` and ``apply``."""

    def configure_anti_entropy(self, every: float | None, buckets: int, start: float = 0.0) -> None:
        if every is not None and (isinstance(every, bool) or not isinstance(every, (int, float)) or every <= 0):
            raise ConfigError(f"anti_entropy_every must be a number of ms > 0, or None for off; got {every!r}")
        if isinstance(start, bool) or not isinstance(start, (int, float)) or start < 0:
            raise ConfigError(f"anti_entropy_from must be a time >= 0 ms, got {start!r}")
        self.anti_entropy_every = None if every is None else float(every)
        self.anti_entropy_from = float(start)
        self.buckets = check_buckets(buckets)

    def start_anti_entropy(self) -> None:
        self._trees: dict[str, tuple[int, MerkleTree]] = {}
        self._version = 0
        self._syncs = 0
        if self.anti_entropy_every is not None:
            first = max(0.0, self.anti_entropy_from - self.now()) + self.rng.uniform(0, self.anti_entropy_every)
            self.set_timer("anti-entropy", first)

    def data_changed(self) -> None:
        self._version += 1

    def shared_items(self, peer: str) -> dict[Any, Any]:
        """This replica's entries of the keys that ``peer`` replicates too."""
        if self.n == len(self.replicas):
            return dict(self.data)
        return {k: v for k, v in self.data.items() if peer in preference_list(k, self.replicas, self.n)}

    def tree_for(self, peer: str) -> MerkleTree:
        cached = self._trees.get(peer)
        if cached is None or cached[0] != self._version:
            cached = (self._version, MerkleTree(self.shared_items(peer), self.buckets))
            self._trees[peer] = cached
        return cached[1]

    def on_anti_entropy_timer(self, name: Any) -> None:
        if name != "anti-entropy":
            raise ConfigError(f"{self.id}: unknown timer {name!r}")
        peers = [r for r in self.replicas if r != self.id]
        if peers:
            peer = self.rng.choice(peers)
            self._syncs += 1
            self.send(peer, TreeLevel((self.id, self._syncs), 0, ((0, self.tree_for(peer).root),)))
        self.set_timer("anti-entropy", self.anti_entropy_every)

    def on_anti_entropy(self, src: str, msg: Any) -> bool:
        """Handle a TreeLevel or BucketSync; False if ``msg`` is neither."""
        if type(msg) is TreeLevel:
            self._on_tree_level(src, msg)
        elif type(msg) is BucketSync:
            self._on_bucket_sync(src, msg)
        else:
            return False
        return True

    def _on_tree_level(self, src: str, msg: TreeLevel) -> None:
        tree = self.tree_for(src)
        differ = [i for i, h in msg.hashes if tree.hash(msg.level, i) != h]
        if not differ:
            return
        if msg.level == tree.depth:
            self.send(src, BucketSync(msg.sync, tuple(differ), self._entries(src, differ), reply=True))
            return
        below = msg.level + 1
        kids = [c for i in differ for c in MerkleTree.children(i)]
        self.send(src, TreeLevel(msg.sync, below, tuple((c, tree.hash(below, c)) for c in kids)))

    def _entries(self, peer: str, buckets: list[int] | tuple[int, ...]) -> tuple[tuple[Any, Any], ...]:
        wanted = set(buckets)
        items = self.shared_items(peer)
        return tuple(sorted(((k, v) for k, v in items.items() if bucket_of(k, self.buckets) in wanted),
                            key=lambda kv: repr(kv[0])))

    def _on_bucket_sync(self, src: str, msg: BucketSync) -> None:
        mine = self._entries(src, msg.buckets) if msg.reply else ()
        repaired = sum(1 for k, v in msg.entries if self.apply(k, v))
        if repaired:
            self.note(anti_entropy=src, repaired=repaired)
        if msg.reply:
            self.send(src, BucketSync(msg.sync, msg.buckets, mine, reply=False))


def merkle_traffic(sim: "Simulation") -> dict[str, int]:
    """What the anti-entropy walks of a run sent, read from its trace: messages, hashes, entries."""
    out = {"messages": 0, "hashes": 0, "entries": 0}
    for _t, kind, _node, _peer, _mid, detail in sim.trace.records:
        if kind != "send":
            continue
        if type(detail) is TreeLevel:
            out["messages"] += 1
            out["hashes"] += detail.size
        elif type(detail) is BucketSync:
            out["messages"] += 1
            out["entries"] += detail.size
    return out


def anti_entropy_run(seed: int = 1, *, keys: int = 1000, buckets: int = 256, missed_window: tuple[float, float]
                     = (400.0, 420.0), every: float = 200.0, clients: int = 10) -> dict[str, Any]:
    """Load ``keys`` keys into three replicas while ``n3`` is cut off for ``missed_window`` ms, then
    let Merkle anti-entropy (alone: no hinted handoff, no read repair) repair it; measure the walks.

    Returns the simulation and the figures: how many keys ``n3`` missed, how many walks ran,
    what they sent (hashes, entries), what sending every entry both ways would have cost for the
    same walks, and whether the replicas ended identical.
    """
    from dsworkbook.sim import Simulation
    from dsworkbook.storage.ap import APReplica
    from dsworkbook.storage.common import KVClient, client_ids, replica_ids

    reps = replica_ids(3)
    load_end = 1500.0
    sim = Simulation(seed=seed, latency=(1, 5))
    for r in reps:
        sim.add_node(r, APReplica, replicas=reps, hinted_handoff=False, read_repair=False,
                     anti_entropy_every=every, anti_entropy_from=load_end + 500.0, buckets=buckets)
    per = keys // clients
    for i, c in enumerate(client_ids(clients)):
        ops = [("write", f"k{i * per + j:04d}", i * per + j) for j in range(per)]
        sim.add_node(c, KVClient, servers=[reps[i % 2]], ops=ops, req_base=(i + 1) * 100_000)
    sim.at(missed_window[0], sim.net.isolate, "n3")
    sim.at(missed_window[1], sim.net.heal)
    sim.run(until=load_end)
    missed = sum(1 for k in sim.node("n1").data if k not in sim.node("n3").data)
    before = len(sim.trace.records)
    sim.run(until=load_end + 500.0 + 4 * every)
    walk = merkle_traffic(sim)
    walks = sum(1 for r in sim.trace.records[before:] if r[1] == "send" and type(r[5]) is TreeLevel and r[5].level == 0)
    data = [dict(sim.node(r).data) for r in reps]
    return {"sim": sim, "keys": keys, "missed": missed, "walks": walks, "hashes": walk["hashes"],
            "entries": walk["entries"], "messages": walk["messages"], "full_entries": walks * 2 * keys,
            "identical": all(d == data[0] for d in data), "buckets": buckets, "seed": seed}
