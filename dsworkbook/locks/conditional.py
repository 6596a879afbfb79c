"""L05: a lease lock on a store with conditional writes, in the style of DynamoDB.

Theory of operation
-------------------
A :class:`ConditionalStore` holds one :class:`LockItem` per key and applies a write only when
its condition holds on the current item, atomically: ``attribute_not_exists`` (the key is
free), a record version number (RVN) match, an owner match, or a conjunction of them. A failed
condition changes nothing and returns the current item, as DynamoDB's
``ConditionalCheckFailedException`` does with ``ReturnValuesOnConditionCheckFailure=ALL_OLD``
(AWS DynamoDB Developer Guide, "Condition expressions" and "Optimistic locking with version
number": a write carries the version the writer last read and fails if the item has moved on).

A :class:`LeaseLockClient` builds a lease lock on it the way the Amazon DynamoDB Lock Client
does (awslabs/amazon-dynamodb-lock-client README; AWS Database Blog, "Building Distributed
Locks with the DynamoDB Lock Client", 2017):

* **acquire**: read the item; if absent, put it with ``attribute_not_exists``. If another owner
  holds it, remember its RVN and when it was first seen (on the client's own clock). A lock
  whose RVN has *not changed for a whole lease duration* is taken to be abandoned and is taken
  over with a put conditioned on that RVN - so a holder that heartbeated in the meantime wins.
  Attempts are retried with exponential backoff and full jitter (Brooker, "Exponential Backoff
  and Jitter", AWS Architecture Blog, 2015), drawn from the node's seeded stream.
* **heartbeat**: every ``renew_fraction * lease`` ms the holder rewrites the item with a new RVN,
  conditioned on its owner and current RVN. A success extends the lease to *send time* + lease
  (the store may have applied it any time after the send). A condition failure means the lease
  was taken over: the client stops at once. When the reply was lost but the write applied, the
  next reply shows our own pending RVN and is counted a success (the Kinesis Client Library's
  lease renewer does the same re-check).
* **release**: a delete conditioned on owner and RVN; a non-owner's release is refused and
  deletes nothing.

The guarantee is about *validity intervals*: a client claims the lock only while its local
clock is before send-time + lease, and a taker waits a full lease after it first *saw* the RVN,
which was written after that send. So claims of two owners never overlap in true time while
clocks run at the same rate - pauses, crashes, partitions and lost messages included. A
clock that runs fast or jumps breaks it (the interval is measured on two clocks), and a claim
acted on *later* (after a GC pause) is Kleppmann's problem ("How to do distributed locking",
2016), solved by fencing tokens (L03), not by the lease. Gray & Cheriton ("Leases", SOSP 1989)
state the same bounded-drift assumption.

:class:`LockManager` is a synchronous facade for notebooks: ``with manager.lock("k") as lease:``
drives the simulation until the lease is held (or gives up with :class:`LockNotAcquired`),
``lease.work(ms)`` advances virtual time while heartbeats run, and leaving the block releases.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from dsworkbook.errors import ConfigError, DSWorkbookError
from dsworkbook.sim import Constant, FaultSchedule, FuzzReport, Node, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign

__all__ = ["LockItem", "AttributeNotExists", "VersionIn", "OwnerIs", "All", "Condition", "holds",
           "GetItem", "PutItem", "DeleteItem", "ItemReply", "Acquire", "Release", "ConditionalStore",
           "LeaseLockClient", "LEASE_VARIANTS", "LockManager", "Lease", "LockNotAcquired", "LeaseLost",
           "check_lease_config", "backoff_delay", "RenewalOutcome", "renewal_under_pause", "claim_intervals",
           "lease_invariant", "run_lease", "fuzz_lease", "LEASE_FAULT_KINDS"]

#: The correct client and its classic bugs, each a switch on :class:`LeaseLockClient`.
LEASE_VARIANTS = ("correct", "put-without-condition", "release-no-owner-check", "validity-from-reply")


class LockNotAcquired(DSWorkbookError):
    """The lock manager gave up: another owner held the lock for the whole acquire timeout."""


class LeaseLost(DSWorkbookError):
    """The lease ended (taken over or expired) while the caller still thought it held the lock."""


# -- items and conditions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockItem:
    """The lock's row: who owns it, its record version number, and the lease it promises."""

    key: str
    owner: str
    rvn: str
    lease_ms: float


@dataclass(frozen=True, slots=True)
class AttributeNotExists:
    """``attribute_not_exists(key)``: the key has no item."""


@dataclass(frozen=True, slots=True)
class VersionIn:
    """The item exists and its RVN is one of ``rvns``."""

    rvns: frozenset[str]


@dataclass(frozen=True, slots=True)
class OwnerIs:
    """The item exists and ``owner`` owns it."""

    owner: str


@dataclass(frozen=True, slots=True)
class All:
    """Every one of ``conditions`` holds."""

    conditions: tuple[Any, ...]


Condition = AttributeNotExists | VersionIn | OwnerIs | All


def holds(condition: Condition | None, item: LockItem | None) -> bool:
    """Does ``condition`` hold on ``item`` (None: no item)? ``None`` as condition always holds."""
    match condition:
        case None:
            return True
        case AttributeNotExists():
            return item is None
        case VersionIn(rvns):
            return item is not None and item.rvn in rvns
        case OwnerIs(owner):
            return item is not None and item.owner == owner
        case All(conds):
            return all(holds(c, item) for c in conds)
    raise ConfigError(f"unknown condition {condition!r}; use AttributeNotExists, VersionIn, OwnerIs or All")


# -- messages (named after the DynamoDB API) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetItem:
    req_id: int
    key: str


@dataclass(frozen=True, slots=True)
class PutItem:
    req_id: int
    item: LockItem
    condition: Condition | None


@dataclass(frozen=True, slots=True)
class DeleteItem:
    req_id: int
    key: str
    condition: Condition | None


@dataclass(frozen=True, slots=True)
class ItemReply:
    """``ok`` False is a failed condition; ``item`` is the item now (after a success) or as it was."""

    req_id: int
    ok: bool
    item: LockItem | None


@dataclass(frozen=True, slots=True)
class Acquire:
    """Command to a lock client from its application: acquire the lock."""


@dataclass(frozen=True, slots=True)
class Release:
    """Command to a lock client from its application: release the lock."""


class ConditionalStore(Node):
    """A single-node item store with conditional put and delete; items are durable.

    ``condition_holds(condition, item)`` decides whether a write applies (:func:`holds` by
    default; an exercise swaps in a learner's)."""

    def __init__(self, node_id: str, *, condition_holds: Callable[[Any, Any], bool] | None = None) -> None:
        super().__init__(node_id)
        self.condition_holds = holds if condition_holds is None else condition_holds

    def on_start(self) -> None:
        self.items: dict[str, LockItem] = dict(self.storage.get("items", {}))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, GetItem):
            self.send(src, ItemReply(msg.req_id, True, self.items.get(msg.key)))
        elif isinstance(msg, PutItem | DeleteItem):
            key = msg.item.key if isinstance(msg, PutItem) else msg.key
            old = self.items.get(key)
            if not self.condition_holds(msg.condition, old):
                self.send(src, ItemReply(msg.req_id, False, old))
                return
            if isinstance(msg, PutItem):
                self.items[key] = msg.item
            else:
                self.items.pop(key, None)
            self.persist(items=dict(self.items))  # persist before the reply
            self.send(src, ItemReply(msg.req_id, True, self.items.get(key)))


# -- the lease lock client -----------------------------------------------------------------------------

IDLE, ACQUIRING, HELD, RELEASING = "idle", "acquiring", "held", "releasing"

#: The client's legal transitions; anything else is a bug and raises.
_TRANSITIONS = {
    (IDLE, "acquire"): ACQUIRING,
    (ACQUIRING, "granted"): HELD, (ACQUIRING, "give-up"): IDLE,
    (HELD, "lost"): IDLE, (HELD, "release"): RELEASING,
    (RELEASING, "released"): IDLE,
}


def check_lease_config(lease_ms: float, renew_fraction: float) -> None:
    """Refuse a lease that is not positive and a renewal fraction outside (0, 1)."""
    if isinstance(lease_ms, bool) or not isinstance(lease_ms, (int, float)) or not lease_ms > 0 \
            or not math.isfinite(lease_ms):
        raise ConfigError(f"lease_ms must be a finite number of ms > 0, got {lease_ms!r}; a lease of 0 "
                          "expires before it can be used")
    if isinstance(renew_fraction, bool) or not isinstance(renew_fraction, (int, float)) \
            or not 0 < renew_fraction < 1:
        raise ConfigError(f"renew_fraction must be in (0, 1), got {renew_fraction!r}: the heartbeat must come "
                          "before the lease runs out (the DynamoDB Lock Client uses about 1/3)")


def backoff_delay(rng: Any, attempt: int, base_ms: float, cap_ms: float) -> float:
    """Full-jitter backoff: uniform in [0, min(cap, base * 2**attempt)] (Brooker, 2015)."""
    return rng.uniform(0.0, min(cap_ms, base_ms * 2.0 ** min(attempt, 30)))


class LeaseLockClient(Node):
    """One owner's lease on one ``key`` of the store ``store``. See the module docstring.

    ``cycles`` > 0 makes the client run on its own: acquire, hold ``hold_ms`` claiming the lock
    every ``work_every`` ms, release, wait ``think_ms``, ``cycles`` times. Otherwise it obeys
    :class:`Acquire` / :class:`Release` commands. Every claim is a trace note ``claim=key``.
    """

    def __init__(self, node_id: str, *, store: str, key: str = "lock", lease_ms: float = 1000.0,
                 renew_fraction: float = 1 / 3, rpc_timeout_ms: float | None = None, backoff_base_ms: float = 10.0,
                 backoff_cap_ms: float = 200.0, acquire_timeout_ms: float = 5000.0, cycles: int = 0,
                 hold_ms: float = 0.0, work_every: float = 20.0, think_ms: float = 50.0, start_at: float = 0.0,
                 variant: str = "correct") -> None:
        super().__init__(node_id)
        check_lease_config(lease_ms, renew_fraction)
        if variant not in LEASE_VARIANTS:
            raise ConfigError(f"variant must be one of {list(LEASE_VARIANTS)}, got {variant!r}")
        for name, v in (("backoff_base_ms", backoff_base_ms), ("backoff_cap_ms", backoff_cap_ms),
                        ("acquire_timeout_ms", acquire_timeout_ms), ("work_every", work_every)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ConfigError(f"{name} must be a number of ms > 0, got {v!r}")
        self.store, self.key, self.variant = store, key, variant
        self.lease_ms, self.renew_fraction = float(lease_ms), float(renew_fraction)
        self.rpc_timeout = float(rpc_timeout_ms) if rpc_timeout_ms is not None else self.lease_ms / 4
        self.base, self.cap, self.acquire_timeout = float(backoff_base_ms), float(backoff_cap_ms), float(acquire_timeout_ms)
        self.cycles, self.hold_ms, self.work_every, self.think = cycles, float(hold_ms), float(work_every), float(think_ms)
        self.start_at = float(start_at)

    # -- state ------------------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.state = IDLE
        self.req = 0
        self.pending: tuple[int, str, Any] | None = None  # (req_id, what, extra)
        self.rvn: str | None = None            # our current RVN while held
        self.hb_rvn: str | None = None         # RVN of a heartbeat in flight
        self.valid_until = -math.inf
        self.observed: tuple[str, float] | None = None  # (rvn of another owner, local time first seen)
        self.attempt, self.acquire_started, self.done = 0, 0.0, 0
        self.put_rvn: str | None = None        # RVN of our latest acquisition put
        self.put_sent = 0.0
        self.outcome: str | None = None        # last acquire/release outcome, read by the manager
        self.tenure: str | None = None         # RVN of the acquisition: names this holding
        self.hold_until = math.inf
        if self.cycles:  # after a crash the process starts its loop again
            self.set_timer("cycle", self.start_at if not self.storage.get("began") else self.think)
            self.persist(began=True)

    def _move(self, event: str) -> None:
        nxt = _TRANSITIONS.get((self.state, event))
        if nxt is None:
            raise ConfigError(f"lock client {self.id}: {event!r} is not allowed while {self.state}")
        self.state = nxt

    def valid(self) -> bool:
        """Does this client hold the lease now, by its own clock?"""
        return self.state == HELD and self.now() < self.valid_until

    def _new_rvn(self) -> str:
        return f"{self.id}:{self.rng.getrandbits(32):08x}"

    def _rpc(self, msg_type: type, what: str, *args: Any, extra: Any = None) -> None:
        self.req += 1
        self.pending = (self.req, what, extra)
        self.send(self.store, msg_type(self.req, *args))
        self.set_timer("rpc", self.rpc_timeout)

    # -- commands -----------------------------------------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Acquire):
            self.start_acquire()
        elif isinstance(msg, Release):
            self.start_release()
        elif isinstance(msg, ItemReply) and self.pending is not None and msg.req_id == self.pending[0]:
            _, what, extra = self.pending
            self.pending = None
            self.cancel_timer("rpc")
            getattr(self, "_on_" + what)(msg, extra)

    def start_acquire(self) -> None:
        if self.state != IDLE:
            self.outcome = f"refused: already {self.state}"
            return
        self._move("acquire")
        self.attempt, self.acquire_started, self.outcome = 0, self.now(), None
        self._rpc(GetItem, "get", self.key)

    def start_release(self) -> None:
        if self.state == HELD:
            self._check_expiry()
        if self.state != HELD:
            self.outcome = f"refused: not holding the lock ({self.state})"
            self.note(release="refused", key=self.key, why=self.state)
            return
        self._move("release")
        rvns = frozenset(r for r in (self.rvn, self.hb_rvn) if r is not None)
        cond = None if self.variant == "release-no-owner-check" else All((OwnerIs(self.id), VersionIn(rvns)))
        self.pending = None
        self._rpc(DeleteItem, "delete", self.key, cond)

    # -- acquiring ----------------------------------------------------------------------------------------

    def _on_get(self, reply: ItemReply, _: Any) -> None:
        self._consider(reply.item)

    def _consider(self, item: LockItem | None) -> None:
        """Decide the next step of an acquisition from the item as the store last showed it."""
        now = self.now()
        if item is None:
            return self._put(AttributeNotExists())
        if item.owner == self.id and item.rvn == self.put_rvn:  # our put applied, its reply was lost
            return self._granted(self.put_sent)
        if self.observed is None or self.observed[0] != item.rvn:
            self.observed = (item.rvn, now)
        elif now - self.observed[1] >= item.lease_ms:  # unchanged for a whole lease: abandoned
            return self._put(VersionIn(frozenset({item.rvn})))
        self._retry()

    def _put(self, condition: Condition | None) -> None:
        if self.variant == "put-without-condition":  # check-then-set: two clients can both see it free
            condition = None
        self.put_rvn, self.put_sent = self._new_rvn(), self.now()
        self._rpc(PutItem, "put", LockItem(self.key, self.id, self.put_rvn, self.lease_ms), condition)

    def _on_put(self, reply: ItemReply, _: Any) -> None:
        if reply.ok:
            self._granted(self.put_sent)
        else:
            self._consider(reply.item)

    def _retry(self) -> None:
        if self.now() - self.acquire_started >= self.acquire_timeout:
            self._move("give-up")
            self.outcome = "not acquired"
            self.note(acquire="gave up", key=self.key, attempts=self.attempt)
            self._cycle_done()
            return
        self.set_timer("retry", backoff_delay(self.rng, self.attempt, self.base, self.cap))
        self.attempt += 1

    def _granted(self, sent_at: float) -> None:
        self._move("granted")
        self.rvn, self.hb_rvn, self.observed, self.outcome = self.put_rvn, None, None, "acquired"
        self.tenure = self.rvn
        self._extend(sent_at)
        self.note(lease="acquired", key=self.key, rvn=self.rvn, attempts=self.attempt)
        self.set_timer("heartbeat", self.renew_fraction * self.lease_ms)
        if self.cycles:
            self.hold_until = self.now() + self.hold_ms
            self._work()

    def _extend(self, sent_at: float) -> None:
        # validity-from-reply counts the lease from when the reply arrived: too late by the delay
        start = self.now() if self.variant == "validity-from-reply" else sent_at
        self.valid_until = start + self.lease_ms

    # -- holding -----------------------------------------------------------------------------------------------

    def on_timer(self, name: Any) -> None:
        if name == "rpc" and self.pending is not None:
            what = self.pending[1]
            self.pending = None
            if what in ("get", "put"):
                self._retry()
            elif what == "heartbeat":
                self.hb_rvn = None  # may have applied; the next reply will tell
                if self.state == HELD:
                    self._check_expiry()
            else:
                self._released("release unanswered (the lease will expire)")
        elif name == "retry" and self.state == ACQUIRING and self.pending is None:
            self._rpc(GetItem, "get", self.key)
        elif name == "heartbeat" and self.state == HELD:
            self.set_timer("heartbeat", self.renew_fraction * self.lease_ms)
            if self._check_expiry() and self.pending is None:
                self.hb_rvn = self._new_rvn()
                cond = All((OwnerIs(self.id), VersionIn(frozenset({self.rvn}))))
                self._rpc(PutItem, "heartbeat", LockItem(self.key, self.id, self.hb_rvn, self.lease_ms), cond,
                          extra=self.now())
        elif name == "work" and self.state == HELD:
            self._work()
        elif name == "cycle" and self.state == IDLE and self.done < self.cycles:
            self.start_acquire()

    def _check_expiry(self) -> bool:
        if self.now() < self.valid_until:
            return True
        self._lost("expired")
        return False

    def _on_heartbeat(self, reply: ItemReply, sent_at: float) -> None:
        item = reply.item
        if reply.ok or (item is not None and item.owner == self.id and item.rvn == self.hb_rvn):
            if self.state == HELD:
                self.rvn, self.hb_rvn = item.rvn if item else self.hb_rvn, None
                self._extend(sent_at)
            return
        self.hb_rvn = None
        if self.state == HELD:
            self._lost("taken over by " + (item.owner if item else "nobody (deleted)"))

    def _lost(self, why: str) -> None:
        self._move("lost")
        self.outcome = "lost: " + why
        self.note(lease="lost", key=self.key, why=why)
        self.pending = None  # a heartbeat in flight no longer matters
        self.cancel_timer("rpc")
        self.cancel_timer("heartbeat")
        self.cancel_timer("work")
        if self.variant == "release-no-owner-check" and self.cycles:
            # the classic `finally: delete(key)`: the aborted work still releases, unconditionally
            self.send(self.store, DeleteItem(0, self.key, None))
        self._cycle_done()

    def _work(self) -> None:
        if not self.valid():
            if self.state == HELD:
                self._lost("expired")
            return
        self.note(claim=self.key, tenure=self.tenure)
        if self.now() >= self.hold_until:
            self.start_release()
        else:
            self.set_timer("work", min(self.work_every, self.hold_until - self.now()))

    def _on_delete(self, reply: ItemReply, _: Any) -> None:
        if reply.ok:
            self._released("released")
        else:
            owner = reply.item.owner if reply.item else "nobody"
            self._released(f"release refused: the lock is held by {owner}")

    def _released(self, outcome: str) -> None:
        self._move("released")
        self.cancel_timer("heartbeat")
        self.cancel_timer("work")
        self.outcome = outcome
        self.note(lease="released", key=self.key, outcome=outcome)
        self._cycle_done()

    def _cycle_done(self) -> None:
        if self.cycles:
            self.done += 1
            if self.done < self.cycles:
                self.set_timer("cycle", self.think)


# -- a synchronous facade for notebooks -------------------------------------------------------------------


class _Caller(Node):
    """The application thread of a lock client: hands it one command, then has nothing to do."""

    def __init__(self, node_id: str, *, target: str, command: Any) -> None:
        super().__init__(node_id)
        self.target, self.command = target, command

    def on_start(self) -> None:
        self.send(self.target, self.command)


class Lease:
    """What ``with manager.lock(key) as lease`` gives: the lease's owner, key and state."""

    def __init__(self, manager: "LockManager", client_id: str, key: str) -> None:
        self.manager, self.client_id, self.key = manager, client_id, key

    @property
    def client(self) -> LeaseLockClient:
        return self.manager.sim.node(self.client_id)  # type: ignore[return-value]

    @property
    def owner(self) -> str:
        return self.client_id

    def valid(self) -> bool:
        """Does the holder still hold the lease, by its own clock?"""
        return self.client.valid()

    def work(self, ms: float) -> None:
        """Advance virtual time by ``ms`` while holding; heartbeats keep the lease alive meanwhile."""
        self.manager.sim.run_for(ms)

    def __repr__(self) -> str:
        return f"Lease(key={self.key!r}, owner={self.owner!r}, valid={self.valid()})"


class LockManager:
    """Acquire and release lease locks on a simulated :class:`ConditionalStore`, synchronously.

    Each call drives ``sim`` (its own, seeded with ``seed``, unless one is given) until the
    operation has an outcome; the virtual time it took is visible as ``sim.now``. One
    :class:`LeaseLockClient` node per key is added on first use, named ``OWNER-KEY``.
    """

    def __init__(self, sim: Simulation | None = None, *, seed: int = 0, store: str = "store", owner: str = "app",
                 lease_ms: float = 1000.0, renew_fraction: float = 1 / 3, acquire_timeout_ms: float = 5000.0,
                 backoff_base_ms: float = 10.0, backoff_cap_ms: float = 200.0) -> None:
        check_lease_config(lease_ms, renew_fraction)
        self.sim = Simulation(seed) if sim is None else sim
        if store not in self.sim.node_ids:
            self.sim.add_node(store, ConditionalStore)
        self.store, self.owner = store, owner
        self.options = dict(lease_ms=lease_ms, renew_fraction=renew_fraction, acquire_timeout_ms=acquire_timeout_ms,
                            backoff_base_ms=backoff_base_ms, backoff_cap_ms=backoff_cap_ms)
        self._commands = 0

    def client(self, key: str) -> LeaseLockClient:
        """The lock client node for ``key`` (added on first use)."""
        if not isinstance(key, str) or not key:
            raise ConfigError(f"a lock key must be a non-empty string, got {key!r}")
        node_id = f"{self.owner}-{key}"
        if node_id not in self.sim.node_ids:
            self.sim.add_node(node_id, LeaseLockClient, store=self.store, key=key, **self.options)
            self._until(lambda: self.sim.status(node_id) == "up", 0.0)
        return self.sim.node(node_id)  # type: ignore[return-value]

    def _command(self, client: LeaseLockClient, command: Any) -> None:
        self._commands += 1
        caller = f"{client.id}.call{self._commands}"
        self.sim.add_node(caller, _Caller, target=client.id, command=command)
        self.sim.net.set_link(caller, client.id, latency=Constant(0.0))  # an in-process call

    def _until(self, done: Any, within: float) -> None:
        deadline = self.sim.now + within
        while not done() and self.sim.now <= deadline and self.sim.step():
            pass

    def request_acquire(self, key: str) -> None:
        """Ask for ``key`` without waiting (the simulation moves on only when it is run)."""
        self._command(self.client(key), Acquire())

    def acquire(self, key: str) -> Lease:
        """Acquire ``key`` or raise :class:`LockNotAcquired` after the acquire timeout."""
        client = self.client(key)
        if client.state != IDLE:
            raise ConfigError(f"{client.id} is already {client.state} on {key!r}; release it first")
        self._command(client, Acquire())
        self._until(lambda: client.state == ACQUIRING, 1.0)
        self._until(lambda: client.state != ACQUIRING, 2 * float(self.options["acquire_timeout_ms"]))
        if client.state != HELD:
            raise LockNotAcquired(f"{client.id} did not acquire {key!r} within "
                                  f"{self.options['acquire_timeout_ms']:g} ms ({client.outcome}); another owner "
                                  "kept renewing it. Try later or raise acquire_timeout_ms.")
        return Lease(self, client.id, key)

    def release(self, lease: Lease) -> str:
        """Release ``lease``; returns the outcome (``released``, or why it was refused)."""
        client = lease.client
        if client.state != HELD:
            return f"refused: not holding the lock ({client.outcome})"
        self._command(client, Release())
        self._until(lambda: client.state != HELD, 1.0)
        self._until(lambda: client.state != RELEASING, 2 * float(self.options["lease_ms"]))
        return client.outcome or "unknown"

    @contextmanager
    def lock(self, key: str) -> Iterator[Lease]:
        """``with manager.lock(key) as lease: ...`` - acquire, run the block, release.

        Raises :class:`LeaseLost` on leaving the block if the lease ended inside it: the block's
        work was not protected for all of its duration.
        """
        lease = self.acquire(key)
        try:
            yield lease
        finally:
            held = lease.valid()
            outcome = self.release(lease)
        if not held:
            raise LeaseLost(f"the lease on {key!r} ended inside the block ({lease.client.outcome}; {outcome}); "
                            "renew more often (a smaller renew_fraction) or use fencing tokens")


# -- experiments: the heartbeat under a pause, and the campaign's invariant ------------------------------


@dataclass(frozen=True)
class RenewalOutcome:
    """How the holder fared when paused across its first heartbeat (see :func:`renewal_under_pause`)."""

    renew_fraction: float
    pause_ms: float
    holder_kept: bool
    holder_outcome: str
    owners: tuple[str, ...]
    overlap: str | None


def claim_intervals(sim: Simulation) -> list[tuple[float, float, str, str]]:
    """Each holding, as ``(first claim, last claim, owner, tenure)`` in true time, from the trace notes."""
    spans: dict[tuple[str, str], list[float]] = {}
    for rec in sim.trace.notes(key="claim"):
        span = spans.setdefault((rec.node, rec.detail["tenure"]), [rec.time, rec.time])
        span[1] = rec.time
    return sorted((a, b, owner, tenure) for (owner, tenure), (a, b) in spans.items())


def lease_invariant(sim: Simulation) -> str | None:
    """Always: no two holdings' claims overlap in true time. None if fine, else what overlapped."""
    last: tuple[float, float, str, str] | None = None
    for span in claim_intervals(sim):
        if last is not None and span[0] <= last[1]:
            return (f"{last[2]} claimed the lock until t={last[1]:g} but {span[2]} claimed it from "
                    f"t={span[0]:g} (seed={sim.seed})")
        if last is None or span[1] > last[1]:
            last = span
    return None


def renewal_under_pause(renew_fraction: float, pause_ms: float, *, lease_ms: float = 1000.0,
                        seed: int = 0) -> RenewalOutcome:
    """Holder ``a`` is paused for ``pause_ms`` just before its first heartbeat; ``b`` waits for the lock.

    ``a``'s heartbeat goes out only when it resumes. If that is later than ``b``'s takeover - a
    full lease after ``b`` first saw ``a``'s RVN - ``a`` finds the lease lost. Either way their
    claims never overlap (checked).
    """
    check_lease_config(lease_ms, renew_fraction)
    if isinstance(pause_ms, bool) or not isinstance(pause_ms, (int, float)) or pause_ms < 0:
        raise ConfigError(f"pause_ms must be a number of ms >= 0, got {pause_ms!r}")
    sim = Simulation(seed, latency=Constant(5.0))
    sim.add_node("store", ConditionalStore)
    common = dict(store="store", lease_ms=lease_ms, renew_fraction=renew_fraction, cycles=1, work_every=10.0,
                  acquire_timeout_ms=10 * lease_ms, backoff_cap_ms=lease_ms / 10)
    sim.add_node("a", LeaseLockClient, hold_ms=3 * lease_ms, **common)
    sim.add_node("b", LeaseLockClient, hold_ms=lease_ms, start_at=50.0, **common)
    # a's put is sent at t=10 (get, then put): its first heartbeat is due f * lease later
    sim.at(10.0 + renew_fraction * lease_ms - 1.0, sim.pause, "a", float(pause_ms))
    sim.run(until=5 * lease_ms)
    lost = [r for r in sim.trace.notes("a", key="lease") if r.detail["lease"] == "lost"]
    owners = tuple(dict.fromkeys(span[2] for span in claim_intervals(sim)))
    return RenewalOutcome(float(renew_fraction), float(pause_ms), not lost,
                          lost[0].detail["why"] if lost else "kept", owners, lease_invariant(sim))


def run_lease(seed: int, schedule: FaultSchedule, *, variant: str = "correct", clients: int = 3,
              duration: float = 4000.0, condition_holds: Callable[[Any, Any], bool] | None = None) -> Simulation:
    """``clients`` lock clients contend for one key for ``duration`` ms under ``schedule``.

    ``condition_holds`` replaces the store's condition check (see :class:`ConditionalStore`)."""
    sim = Simulation(seed)
    sim.add_node("store", ConditionalStore, condition_holds=condition_holds)
    for i in range(1, clients + 1):
        sim.add_node(f"c{i}", LeaseLockClient, store="store", lease_ms=300.0, cycles=10**6, hold_ms=150.0,
                     work_every=10.0, think_ms=20.0, start_at=7.0 * i, acquire_timeout_ms=2000.0,
                     backoff_cap_ms=100.0, variant=variant)
    schedule.apply_to(sim)
    sim.run(until=duration)
    return sim


#: What a lease campaign injects: every fault but clock faults (the lease assumes equal clock rates).
LEASE_FAULT_KINDS = ("crash", "pause", "partition", "cut", "network")


def fuzz_lease(seeds: Any, *, variant: str = "correct", clients: int = 3, duration: float = 4000.0,
               shrink_first: bool = True, max_shrink_runs: int = 300,
               on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run :func:`run_lease` on every seed under random faults; check :func:`lease_invariant`."""
    nodes = ["store"] + [f"c{i}" for i in range(1, clients + 1)]
    return fuzz(lambda seed, sched: run_lease(seed, sched, variant=variant, clients=clients, duration=duration),
                lease_invariant, seeds=seeds, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                on_seed=on_seed,
                schedule=lambda seed: FaultSchedule.random(seed, nodes, duration=duration, kinds=LEASE_FAULT_KINDS),
                progress=lambda sim: len({span[2] for span in claim_intervals(sim)}) >= 2)


def _lease_campaign(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool,
                    max_shrink_runs: int, on_seed: Callable[[int, FuzzReport], None] | None,
                    options: dict[str, Any]) -> FuzzReport:
    return fuzz_lease(list(seeds), variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                      on_seed=on_seed)


register_campaign(Campaign(
    "lease", "a lease lock on conditional writes (DynamoDB style; 1 store, 3 clients; crashes, pauses, partitions, "
    "cuts, loss): no two clients' claims on the lock overlap in true time; progress: two clients held it",
    _lease_campaign, LEASE_VARIANTS))
