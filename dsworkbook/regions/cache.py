"""A cache in front of a store (G03): cache-aside, write-through and write-behind, on the simulator.

Theory of operation
-------------------
Three kinds of node. The :class:`Store` is the database: it keeps ``key -> (value, version)`` and
numbers each key's writes 1, 2, 3... (version 0 is the initial value, ``"<key>@initial"``). The :class:`CacheServer`
is a memcached-like box: entries with a TTL, no logic of its own beyond the write policy. An
:class:`App` is an application server running a script of reads and writes.

Write policies (:data:`POLICIES`):

* ``cache-aside`` ("lazy loading" in the AWS whitepaper *Database Caching Strategies Using
  Redis*, 2017; the "look-aside cache" of Nishtala et al., *Scaling Memcache at Facebook*,
  NSDI 2013, §2): a read asks the cache; on a miss the app reads the store and *fills* the cache
  with a TTL. A write goes to the store, then the app *deletes* the cache entry (the paper
  deletes rather than updates, because deletes are idempotent).
* ``write-through`` (named in the same whitepaper): a write goes to the cache, which writes the
  store synchronously and keeps the new value once the store acknowledges it; reads as above.
* ``write-behind``: the cache acknowledges a write at once and flushes dirty entries to the store
  in batches every ``flush_every`` ms. A crash of the cache before a flush loses the acknowledged
  writes not yet flushed; :func:`~dsworkbook.regions.cache_races.write_behind_losses` counts them.
  Here the cache is the authority for versions; its per-key counters survive a crash (as if drawn
  from a durable sequence), its data and dirty set do not.

Two rules of the lesson are pure functions, so they can be graded and reused by the nodes:

* :func:`apply_versioned` - the **versioned entry** fix of the invalidation race: a fill carries
  the version it read, a delete carries the version of the write that caused it and leaves a
  *tombstone*; a fill older than what the key holds is refused. A fill that reads the old value,
  then arrives after the delete of the new one, no longer caches the old value until the TTL.
  (Facebook's memcache solves the same race with *leases*, §3.2.1: a delete invalidates the lease
  token the reader got on its miss, so its late fill is refused.)
* :func:`single_flight` - **request coalescing** on a timeline: one store fetch per key in flight,
  later requests wait for it, so an expiring hot key costs one store read, not a herd.

Measurement is not protocol: a :class:`Ledger` shared by the nodes records when the authority
(store, or cache under write-behind) committed each version, and which fills and hits were stale.
Nodes never read it to decide anything. Bad input raises :class:`~dsworkbook.errors.ConfigError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["POLICIES", "MODES", "apply_versioned", "single_flight", "check_ttl", "Ledger", "Store", "CacheServer", "App",
           "StoreGet", "StoreValue", "StorePut", "StoreAck", "StoreBatch", "CacheGet", "CacheValue", "CacheFill",
           "CacheDelete", "CacheWrite", "CacheWritten"]

POLICIES = ("cache-aside", "write-through", "write-behind")
#: The three policies and a foil: ``ttl-only`` is cache-aside whose writes never delete the entry,
#: so a cached value stays stale until its TTL runs out (staleness then grows with the TTL).
MODES = POLICIES + ("ttl-only",)


# -- the two rules ---------------------------------------------------------------------------------


def apply_versioned(entries: dict, op: tuple) -> Any:
    """Apply one operation to a versioned cache's ``entries`` (changed in place); return its result.

    ``entries`` maps key -> ``(value, version)``; ``(None, version)`` is a tombstone. Operations:

    * ``("get", key)`` -> the value of a live entry, else None (missing or tombstone);
    * ``("fill", key, value, version)`` -> True if applied, False if refused. It is refused when
      the key holds an entry or a tombstone with a *greater* version; otherwise the key becomes
      ``(value, version)`` - an equal version is applied (a fill that read the very version a
      delete announced is fresh);
    * ``("delete", key, version)`` -> None. The key becomes a tombstone whose version is the
      greater of ``version`` and the version it held (a late delete never lowers the bar).
    """
    kind, key = op[0], op[1]
    held = entries.get(key)
    if kind == "get":
        return None if held is None else held[0]
    if kind == "fill":
        _, _, value, version = op
        if held is not None and held[1] > version:
            return False
        entries[key] = (value, version)
        return True
    if kind == "delete":
        version = op[2]
        entries[key] = (None, version if held is None else max(version, held[1]))
        return None
    raise ConfigError(f"unknown cache operation {op!r}; use ('get', key), ('fill', key, value, version) "
                      "or ('delete', key, version)")


def single_flight(requests: Sequence[tuple[float, Hashable]], fetch_ms: float, ttl: float) -> list[bool]:
    """Which requests of a timeline trigger a store fetch, with one fetch per key in flight.

    ``requests`` is a list of ``(time, key)`` in time order (ties in list order) on a cold cache.
    A request for ``key`` at time ``t``:

    * is a **hit** if the key was filled at ``f`` and ``t < f + ttl`` (at exactly ``f + ttl`` it has expired);
    * else **waits** (no fetch) if a fetch of the key started at ``s`` and ``t < s + fetch_ms``;
    * else starts a fetch (True): it completes, and fills the key, at ``t + fetch_ms``. At exactly
      the moment a fetch completes the key is already filled, so a request then is a hit.
    """
    check_ttl(ttl)
    if isinstance(fetch_ms, bool) or not isinstance(fetch_ms, (int, float)) or not fetch_ms > 0:
        raise ConfigError(f"fetch_ms must be a number of ms > 0, got {fetch_ms!r}")
    done_at: dict[Hashable, float] = {}  # key -> when its latest fetch completes (= its fill time)
    out = []
    for t, key in requests:
        fill = done_at.get(key)
        fresh = fill is not None and t < fill + ttl  # in flight (t < fill) or filled and not expired
        out.append(not fresh)
        if not fresh:
            done_at[key] = t + fetch_ms
    return out


def check_ttl(ttl: float, name: str = "ttl") -> float:
    """``ttl`` as a float, or a ConfigError: a TTL is a number of ms > 0."""
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or math.isnan(ttl) or not ttl > 0:
        raise ConfigError(f"{name} must be a number of ms > 0, got {ttl!r}; an entry that expires at once "
                          "caches nothing (use a small TTL, e.g. 1, for an almost-uncached run)")
    return float(ttl)


# -- messages --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreGet:
    rid: int
    key: Hashable


@dataclass(frozen=True, slots=True)
class StoreValue:
    rid: int
    key: Hashable
    value: Any
    version: int


@dataclass(frozen=True, slots=True)
class StorePut:
    rid: int
    key: Hashable
    value: Any


@dataclass(frozen=True, slots=True)
class StoreAck:
    rid: int
    key: Hashable
    version: int


@dataclass(frozen=True, slots=True)
class StoreBatch:
    """Write-behind's flush: ``writes`` is a tuple of (key, value, version) chosen by the cache."""

    writes: tuple


@dataclass(frozen=True, slots=True)
class CacheGet:
    rid: int
    key: Hashable


@dataclass(frozen=True, slots=True)
class CacheValue:
    """The cache's answer: ``hit`` False means a miss (``lease`` True: the asker is the one to fetch)."""

    rid: int
    key: Hashable
    hit: bool
    value: Any = None
    version: int = -1
    lease: bool = False


@dataclass(frozen=True, slots=True)
class CacheFill:
    key: Hashable
    value: Any
    version: int


@dataclass(frozen=True, slots=True)
class CacheDelete:
    key: Hashable
    version: int


@dataclass(frozen=True, slots=True)
class CacheWrite:
    rid: int
    key: Hashable
    value: Any


@dataclass(frozen=True, slots=True)
class CacheWritten:
    rid: int
    key: Hashable
    version: int


# -- measurement -----------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What happened, for measuring; nodes write it and never read it to decide.

    ``commits[key]`` lists ``(time, version)`` in the authority's commit order; ``reads`` lists
    ``(app, key, start, end, version, hit, fetched)`` (fetched: this read went to the store), ``writes`` ``(app, key, start, end, version)``, ``flushed``
    (write-behind) ``(time, key, version)``; ``race_hits`` counts hits that returned a version older
    than a delete the cache had already processed (the invalidation race's stale reads).
    """

    commits: dict = field(default_factory=dict)
    reads: list = field(default_factory=list)
    writes: list = field(default_factory=list)
    flushed: list = field(default_factory=list)
    race_hits: int = 0
    stale_fills: int = 0

    def commit(self, t: float, key: Hashable, version: int) -> None:
        self.commits.setdefault(key, [(0.0, 0)]).append((t, version))

    def latest(self, key: Hashable, t: float) -> int:
        """The latest version of ``key`` committed at or before ``t``."""
        best = 0
        for when, v in self.commits.get(key, ()):
            if when <= t and v > best:
                best = v
        return best


# -- nodes -----------------------------------------------------------------------------------------


class Store(Node):
    """The database: per-key versions; counts the reads it serves (its load)."""

    def __init__(self, node_id: str, *, ledger: Ledger, authoritative: bool = True) -> None:
        super().__init__(node_id)
        self.ledger, self.authoritative = ledger, authoritative
        self.data: dict[Hashable, tuple[Any, int]] = {}
        self.read_times: list[tuple[float, Hashable]] = []

    def on_message(self, src: str, msg: Any) -> None:
        if type(msg) is StoreGet:
            self.read_times.append((self.now(), msg.key))
            value, version = self.data.get(msg.key, (f"{msg.key}@initial", 0))
            self.send(src, StoreValue(msg.rid, msg.key, value, version))
        elif type(msg) is StorePut:
            version = self.data.get(msg.key, (None, 0))[1] + 1
            self.data[msg.key] = (msg.value, version)
            if self.authoritative:
                self.ledger.commit(self.now(), msg.key, version)
            self.send(src, StoreAck(msg.rid, msg.key, version))
        elif type(msg) is StoreBatch:
            for key, value, version in msg.writes:  # a flush may arrive after a newer one: keep the newer
                if version > self.data.get(key, (None, 0))[1]:
                    self.data[key] = (value, version)


class CacheServer(Node):
    """A cache box: entries with a TTL; the write policy decides what a write does.

    ``versioned`` turns on :func:`apply_versioned` (or ``rule``, a function with its signature, for
    grading a learner's); ``coalesce`` hands one *lease* per key in flight and parks other misses
    until the fill arrives (or the lease times out after ``lease_ms``).
    """

    def __init__(self, node_id: str, *, policy: str, ttl: float, ledger: Ledger, store: str = "store",
                 versioned: bool = False, coalesce: bool = False, flush_every: float = 50.0,
                 lease_ms: float = 1000.0, rule: Callable[[dict, tuple], Any] = apply_versioned) -> None:
        super().__init__(node_id)
        self.policy, self.ttl, self.ledger, self.store = policy, ttl, ledger, store
        self.versioned, self.coalesce, self.flush_every, self.lease_ms, self.rule = (
            versioned, coalesce, flush_every, lease_ms, rule)
        self.entries: dict[Hashable, tuple[Any, int]] = {}
        self.expires: dict[Hashable, float] = {}
        self.dirty: dict[Hashable, tuple[Any, int]] = {}
        self.inflight: dict[Hashable, tuple[float, list]] = {}
        self.pending: dict[int, tuple[str, int, Any]] = {}
        self.deleted_upto: dict[Hashable, int] = {}
        self.arrivals: list[tuple[float, Hashable]] = []
        self._rid = 0

    def on_start(self) -> None:
        if self.policy == "write-behind":
            self.set_timer("flush", self.flush_every)

    def _expire(self, key: Hashable) -> None:
        if key in self.expires and self.now() >= self.expires[key] and key not in self.dirty:
            del self.expires[key]
            self.entries.pop(key, None)

    def _live(self, key: Hashable) -> tuple[Any, int] | None:
        self._expire(key)
        held = self.entries.get(key)
        if held is None:
            return None
        if self.versioned and self.rule(self.entries, ("get", key)) is None:
            return None
        return held if held[0] is not None else None

    def on_message(self, src: str, msg: Any) -> None:
        kind = type(msg)
        if kind is CacheGet:
            self._get(src, msg)
        elif kind is CacheFill:
            self._fill(msg)
        elif kind is CacheDelete:
            self._delete(msg)
        elif kind is CacheWrite:
            self._write(src, msg)
        elif kind is StoreAck:  # write-through: the store has it, so the cache keeps it and answers
            app, rid, value = self.pending.pop(msg.rid)
            self._expire(msg.key)
            held = self.entries.get(msg.key)
            if held is None or held[1] < msg.version:  # acks of concurrent writes may cross
                self.entries[msg.key] = (value, msg.version)
                self.expires[msg.key] = self.now() + self.ttl
            self.send(app, CacheWritten(rid, msg.key, msg.version))

    def _get(self, src: str, msg: CacheGet) -> None:
        self.arrivals.append((self.now(), msg.key))
        held = self._live(msg.key)
        if held is not None:
            if held[1] < self.deleted_upto.get(msg.key, -1):
                self.ledger.race_hits += 1
            self.send(src, CacheValue(msg.rid, msg.key, True, held[0], held[1]))
            return
        if self.coalesce:
            flight = self.inflight.get(msg.key)
            if flight is not None and self.now() < flight[0]:
                flight[1].append((src, msg.rid))
                return
            parked = flight[1] if flight is not None else []  # a lapsed lease: its waiters wait on the new one
            self.inflight[msg.key] = (self.now() + self.lease_ms, parked)
            self.send(src, CacheValue(msg.rid, msg.key, False, lease=True))
            return
        self.send(src, CacheValue(msg.rid, msg.key, False))

    def _fill(self, msg: CacheFill) -> None:
        key = msg.key
        self._expire(key)
        if self.versioned:
            accepted = bool(self.rule(self.entries, ("fill", key, msg.value, msg.version)))
        elif self.policy == "write-behind" and key in self.entries:
            accepted = False  # never overwrite a newer (possibly dirty) write with what the store had
        else:
            self.entries[key] = (msg.value, msg.version)
            accepted = True
        if accepted:
            self.expires[key] = self.now() + self.ttl
            if msg.version < self.ledger.latest(key, self.now()):
                self.ledger.stale_fills += 1
        flight = self.inflight.pop(key, None)
        if flight is not None:
            for app, rid in flight[1]:
                self.send(app, CacheValue(rid, key, False, msg.value, msg.version))

    def _delete(self, msg: CacheDelete) -> None:
        key = msg.key
        self.deleted_upto[key] = max(self.deleted_upto.get(key, -1), msg.version)
        if self.versioned:
            self._expire(key)
            self.rule(self.entries, ("delete", key, msg.version))
            self.expires[key] = self.now() + self.ttl  # the tombstone lives one TTL
        else:
            self.entries.pop(key, None)
            self.expires.pop(key, None)

    def _write(self, src: str, msg: CacheWrite) -> None:
        if self.policy == "write-through":
            self._rid += 1
            self.pending[self._rid] = (src, msg.rid, msg.value)
            self.send(self.store, StorePut(self._rid, msg.key, msg.value))
            return
        if self.policy != "write-behind":
            raise ConfigError(f"a {self.policy} cache takes no writes; the app writes the store")
        counter = f"version/{msg.key!r}"
        version = self.storage.get(counter, 0) + 1
        self.persist(**{counter: version})
        self.entries[msg.key] = self.dirty[msg.key] = (msg.value, version)
        self.expires[msg.key] = self.now() + self.ttl
        self.ledger.commit(self.now(), msg.key, version)
        self.send(src, CacheWritten(msg.rid, msg.key, version))

    def on_timer(self, name: Any) -> None:
        if name == "flush":
            if self.dirty:
                self.send(self.store, StoreBatch(tuple((k, v, ver) for k, (v, ver) in self.dirty.items())))
                for k, (_, ver) in self.dirty.items():
                    self.ledger.flushed.append((self.now(), k, ver))
                self.dirty.clear()
            self.set_timer("flush", self.flush_every)


class App(Node):
    """An application server: runs ``script`` - ``(time, "read" | "write", key)`` - under ``policy`` (one of :data:`MODES`).

    Each operation runs on its own (several may be in flight). Reads complete with the value the
    cache or the store gave; every operation is recorded in the ledger with its times.
    """

    def __init__(self, node_id: str, *, policy: str, script: Sequence[tuple[float, str, Hashable]], ledger: Ledger,
                 cache: str = "cache", store: str = "store") -> None:
        super().__init__(node_id)
        self.policy, self.script, self.ledger, self.cache, self.store = policy, tuple(script), ledger, cache, store
        self.ops: dict[int, tuple[str, Hashable, float]] = {}
        self._rid = 0

    def on_start(self) -> None:
        for i, (t, _, _) in enumerate(self.script):
            self.set_timer(("op", i), max(0.0, t - self.now()))

    def on_timer(self, name: Any) -> None:
        _, kind, key = self.script[name[1]]
        self._rid += 1
        rid = self._rid
        self.ops[rid] = (kind, key, self.now())
        if kind == "read":
            self.send(self.cache, CacheGet(rid, key))
        elif self.policy in ("cache-aside", "ttl-only"):
            self.send(self.store, StorePut(rid, key, f"{key}@{self.id}:{rid}"))
        else:
            self.send(self.cache, CacheWrite(rid, key, f"{key}@{self.id}:{rid}"))

    def on_message(self, src: str, msg: Any) -> None:
        kind = type(msg)
        if kind is CacheValue:
            if msg.hit or msg.version >= 0:  # a hit, or a parked miss answered by someone's fill
                self._done_read(msg.rid, msg.version, msg.hit, False)
            else:
                self.send(self.store, StoreGet(msg.rid, msg.key))
        elif kind is StoreValue:
            self.send(self.cache, CacheFill(msg.key, msg.value, msg.version))
            self._done_read(msg.rid, msg.version, False, True)
        elif kind is StoreAck:  # cache-aside: the store has it; now invalidate
            if self.policy == "cache-aside":
                self.send(self.cache, CacheDelete(msg.key, msg.version))
            self._done_write(msg.rid, msg.version)
        elif kind is CacheWritten:
            self._done_write(msg.rid, msg.version)

    def _done_read(self, rid: int, version: int, hit: bool, fetched: bool) -> None:
        _, key, start = self.ops.pop(rid)
        self.ledger.reads.append((self.id, key, start, self.now(), version, hit, fetched))

    def _done_write(self, rid: int, version: int) -> None:
        _, key, start = self.ops.pop(rid)
        self.ledger.writes.append((self.id, key, start, self.now(), version))
