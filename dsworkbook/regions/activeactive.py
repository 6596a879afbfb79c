"""Active-active across regions: every region takes writes to every key and replicates them (G02, G05).

Theory of operation
-------------------
One :class:`RegionReplica` per region and one :class:`RegionClient` beside it (the region's
users); :func:`~dsworkbook.regions.activeactive_run.active_active_run` places them with
:meth:`~dsworkbook.regions.world.World.wire`, so every message pays the measured latency
between its regions. A client writes random keys at a rate (a Poisson process
from its own stream); its region applies the write, acknowledges it at once and replicates it
to every other region. How a region resolves two writes of one key is its store's business
(resolution.py); this module is the protocol around it.

**The seed notes' design** is kept faithfully as :data:`SEED`, each of its three bugs a flag of
:class:`Variant`:

=================  ==================================================================================
flag (seed value)  what it does, and what goes wrong
=================  ==================================================================================
``strict_gt``      resolve by ``incoming.timestamp > existing.timestamp`` with no tie-break
(True)             (:func:`~dsworkbook.regions.resolution.seed_resolve`): on equal timestamps each
                   region keeps its own value, and the replicas never converge.
``retry``          replication is fire-and-forget: a dropped message is only logged and the write
(False)            is missing in that region for good. Fixed: every replication is acknowledged
                   and resent every ``retry_every`` ms until it is (applying a write twice is
                   harmless: every resolution here is idempotent).
``cache_first``    a region writes the incoming value into its cache before the database resolves
(True)             it; when the incoming write loses, cache and database disagree. Fixed: the cache
                   takes the value the database kept.
=================  ==================================================================================

:data:`FIXED` turns all three off. A write's timestamp is its region's clock (``node.now()``,
so an offset set with ``sim.set_clock_offset`` - the clock model of theme 04 - moves it),
rounded down to ``clock_resolution`` ms; a region's stamps for one key only grow (a second write
of the key in one tick gets the next millisecond), so ``(key, timestamp, region)`` names one write.

**A single write region per item** (``home=``): every key has a home region; a write to it
from anywhere is forwarded to the home region, which applies it and replicates it. Two writes
of one key then always meet in one place, in order: no conflicts; remote writers pay a round
trip to the home region. The Amazon DynamoDB Developer Guide, "Write modes with DynamoDB global
tables", calls this *write to your Region* (mixed primary): each item has a home Region and is
written only through it, to avoid the write conflicts of writing anywhere.

Every region also tracks, per key, the merge of the version vectors of every write it has
received (``seen``); a local write's vector is that merge with the region's own entry one
higher. Conflicts and causality are measured on these vectors (conflicts.py), whatever the
store keeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.regions.resolution import ResolveFn, RegionStore, WriteInfo, make_store, seed_resolve
from dsworkbook.sim import Node, Request, Response

__all__ = ["Variant", "SEED", "FIXED", "Replicate", "ReplicateAck", "Forward", "ForwardDone", "RegionReplica",
           "RegionClient", "variant_of"]


@dataclass(frozen=True)
class Variant:
    """Which of the seed notes' three bugs are on (see the module docstring)."""

    strict_gt: bool = False
    retry: bool = True
    cache_first: bool = False

    @property
    def name(self) -> str:
        if self == SEED:
            return "seed"
        if self == FIXED:
            return "fixed"
        bugs = [n for n, on in (("strict >", self.strict_gt), ("no retry", not self.retry),
                                ("cache first", self.cache_first)) if on]
        return "+".join(bugs) or "fixed"


SEED = Variant(strict_gt=True, retry=False, cache_first=True)
FIXED = Variant(strict_gt=False, retry=True, cache_first=False)


def variant_of(v: Variant | str) -> Variant:
    if isinstance(v, Variant):
        return v
    if v in ("seed", "fixed"):
        return SEED if v == "seed" else FIXED
    raise ConfigError(f"variant must be 'seed', 'fixed' or a Variant(strict_gt=..., retry=..., cache_first=...), "
                      f"got {v!r}")


@dataclass(frozen=True, slots=True)
class Replicate:
    """A write (or a key's state) on its way to another region; ``rid`` names this message for its ack."""

    rid: int
    key: str
    payload: Any
    write: WriteInfo


@dataclass(frozen=True, slots=True)
class ReplicateAck:
    rid: int


@dataclass(frozen=True, slots=True)
class Forward:
    """A write sent on to the key's home region (single write region per item)."""

    req: int
    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class ForwardDone:
    req: int


class RegionReplica(Node):
    """One region's database and cache; takes client writes, replicates them, applies others' writes."""

    def __init__(self, node_id: str, *, region: str, servers: Sequence[str], regions: Sequence[str],
                 resolution: str = "lww", resolve: ResolveFn | None = None, variant: Variant = FIXED,
                 clock_resolution: float = 1.0, retry_every: float = 500.0,
                 home: Mapping[str, str] | None = None) -> None:
        super().__init__(node_id)
        self.region, self.variant = region, variant
        self.others = [s for s in servers if s != node_id]
        self.regions = tuple(regions)
        if resolve is None and resolution == "lww" and variant.strict_gt:
            resolve = seed_resolve
        self.resolution, self.resolve_fn = resolution, resolve
        self.clock_resolution, self.retry_every = clock_resolution, retry_every
        self.home = dict(home) if home is not None else None

    def on_start(self) -> None:
        self.store: RegionStore = make_store(self.resolution, self.regions, self.resolve_fn)
        self.cache: dict[str, Any] = {}
        self.seen: dict[str, VectorTimestamp] = {}
        self.last_ts: dict[str, float] = {}
        self.n = 0
        self.rid = 0
        self.pending: dict[int, tuple[str, Replicate]] = {}
        self.forwarded: dict[int, tuple[str, Request]] = {}
        self.taken: set[tuple[str, int]] = set()  # forwarded writes applied here (a duplicate is applied once)
        #: what happened here, read by the measurements: own writes, and (loser, winner) discards
        self.writes: list[WriteInfo] = []
        self.discarded: set[tuple[str, str]] = set()
        self.most_siblings = 0
        if self.variant.retry and self.others:
            self.set_timer("retry", self.retry_every)

    # -- writes -------------------------------------------------------------------------------

    def _stamp(self, key: str) -> float:
        res = self.clock_resolution
        ts = math.floor(self.now() / res) * res
        last = self.last_ts.get(key, -math.inf)
        if ts <= last:
            ts = last + 1.0
        self.last_ts[key] = ts
        return ts

    def _local_write(self, key: str, value: Any) -> None:
        self.n += 1
        vv = self.seen.get(key, VectorTimestamp()).increment(self.region)
        self.seen[key] = vv
        info = WriteInfo(f"{self.region}#{self.n}", key, self.region, self._stamp(key), vv, value)
        self.writes.append(info)
        payload, outcome = self.store.write(info)
        self._after(key, outcome)
        for dst in self.others:
            self.rid += 1
            msg = Replicate(self.rid, key, payload, info)
            if self.variant.retry:
                self.pending[self.rid] = (dst, msg)
            self.send(dst, msg)

    def _after(self, key: str, outcome: Any) -> None:
        self.discarded.update(outcome.discarded)
        if self.variant.cache_first:
            self.cache[key] = outcome.incoming_value  # the seed: cached before (and whatever) the database decides
        else:
            self.cache[key] = self.store.read(key)
        if self.resolution == "siblings":
            self.most_siblings = max(self.most_siblings, len(self.store.data.get(key, ())))

    def on_client_request(self, src: str, request: Request) -> None:
        if request.op != "write":
            self.reply(src, request, f"unknown op {request.op!r}; this store takes 'write'", ok=False)
            return
        key, value = request.arg
        owner = self.home.get(key, self.id) if self.home is not None else self.id
        if owner != self.id:
            self.forwarded[request.req_id] = (src, request)
            self.send(owner, Forward(request.req_id, key, value))
            return
        self._local_write(key, value)
        self.reply(src, request)

    # -- replication --------------------------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Replicate):
            w = msg.write
            self.seen[msg.key] = self.seen.get(msg.key, VectorTimestamp()).merge(w.vv)
            self._after(msg.key, self.store.apply(msg.key, msg.payload))
            if self.variant.retry:
                self.send(src, ReplicateAck(msg.rid))
        elif isinstance(msg, ReplicateAck):
            self.pending.pop(msg.rid, None)
        elif isinstance(msg, Forward):
            if (src, msg.req) not in self.taken:
                self.taken.add((src, msg.req))
                self._local_write(msg.key, msg.value)
            self.send(src, ForwardDone(msg.req))
        elif isinstance(msg, ForwardDone):
            entry = self.forwarded.pop(msg.req, None)
            if entry is not None:
                self.reply(entry[0], entry[1])

    def on_timer(self, name: Any) -> None:
        if name == "retry":
            for dst, msg in list(self.pending.values()):
                self.send(dst, msg)
            self.set_timer("retry", self.retry_every)


class RegionClient(Node):
    """The users of one region: write random keys at ``rate`` writes/s (Poisson) until ``until`` ms.

    Open loop (a write does not wait for the previous one, as many users do not); each write's
    latency - sent to acknowledged, on this region's clock - is kept in ``latencies``.
    """

    def __init__(self, node_id: str, *, server: str, keys: Sequence[str], rate: float, until: float,
                 script: Sequence[tuple[float, str, Any]] = ()) -> None:
        super().__init__(node_id)
        self.server, self.keys, self.rate, self.until = server, tuple(keys), rate, until
        self.script = tuple(script)

    def on_start(self) -> None:
        self.req = 0
        self.sent: dict[int, float] = {}
        self.latencies: list[float] = []
        if self.script:  # scripted writes at given times instead of the random workload
            for i, (t, _key, _value) in enumerate(self.script):
                self.set_timer(i, t)
        elif self.rate > 0:
            self.set_timer("write", self.rng.expovariate(self.rate / 1000.0))

    def _write(self, key: str, value: Any) -> None:
        self.req += 1
        self.sent[self.req] = self.now()
        self.send(self.server, Request(self.req, "write", (key, value)))

    def on_timer(self, name: Any) -> None:
        if name != "write":
            _t, key, value = self.script[name]
            self._write(key, value)
            return
        if self.now() > self.until:
            return
        self._write(self.rng.choice(self.keys), self.rng.randrange(100))
        self.set_timer("write", self.rng.expovariate(self.rate / 1000.0))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response) and msg.ok and msg.req_id in self.sent:
            self.latencies.append(self.now() - self.sent.pop(msg.req_id))
