"""Redlock over N real Redis servers (L07), as redis.io, "Distributed Locks with Redis", describes it.

Section "The Redlock Algorithm", steps 1-5:

1. read the current time;
2. try ``SET resource token NX PX ttl`` on every server in turn with the same token, each with a
   short client timeout so a dead server costs little;
3. the lock is acquired only if a majority (N/2 + 1) said yes *and* the time spent is below the TTL;
4. its validity is ``ttl - elapsed - drift``, where the drift allowance is the reference
   implementation's ``ttl * 0.01 + 2 ms``;
5. on failure, unlock every server (even those that seemed to say no: the reply may have been
   lost), then retry after a random delay so competing clients do not stay in lockstep.

The decision in steps 3-4 is the pure function :func:`redlock_decision`, with no I/O, so the same
arithmetic can be checked against the simulator's Redlock. Kleppmann ("How to do distributed
locking", 2016) explains why none of this is safe when the holder pauses past its validity; see
:mod:`dsworkbook.realservers.pause`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from dsworkbook.errors import ConfigError
from dsworkbook.locks.client import validity_time
from dsworkbook.locks.redlock import check_quorum, majority
from dsworkbook.realservers.redis_lock import RELEASE_SCRIPT, FencingCounter, RedisLockServer, check_ttl, new_token

__all__ = ["DRIFT_FACTOR", "DRIFT_FLOOR_MS", "Lease", "majority", "drift_allowance_ms", "redlock_decision",
           "Round", "acquire_round", "monotonic_ms", "Redlock"]

DRIFT_FACTOR = 0.01
DRIFT_FLOOR_MS = 2.0


def drift_allowance_ms(ttl_ms: float, drift_factor: float = DRIFT_FACTOR) -> float:
    """The clock drift allowance subtracted from the validity: ``ttl * factor + 2 ms``."""
    return ttl_ms * drift_factor + DRIFT_FLOOR_MS


def redlock_decision(acquired: int, n: int, ttl_ms: float, elapsed_ms: float,
                     drift_factor: float = DRIFT_FACTOR, quorum: int | None = None) -> float | None:
    """Steps 3-4: the validity in ms when ``acquired`` of ``n`` servers suffice, else None.

    The arithmetic is the simulator's Redlock client's (:func:`dsworkbook.locks.majority`,
    :func:`dsworkbook.locks.check_quorum`, :func:`dsworkbook.locks.validity_time`), so the real
    client and the simulated one decide alike. A quorum below a majority is refused here: two
    clients could then both hold the lock with every server up.
    """
    need = majority(n) if quorum is None else check_quorum(quorum, n)
    if need < majority(n):
        raise ConfigError(f"a quorum of {need} of {n} servers is not a majority: two clients could both hold the lock; "
                          f"use at least {majority(n)}")
    validity = validity_time(ttl_ms, elapsed_ms, drift_factor, DRIFT_FLOOR_MS)
    return validity if acquired >= need and validity > 0 else None


def monotonic_ms() -> float:
    """This process's monotonic clock in milliseconds (the clock a Redlock round measures with)."""
    return time.monotonic() * 1000.0


@dataclass(frozen=True, slots=True)
class Round:
    """What one round of steps 1-5 found: the validity (None: not acquired), who granted, when it began."""

    validity_ms: float | None
    granted: tuple[int, ...]
    started_ms: float


def _each(clients: Sequence[redis.Redis], call: Callable[[redis.Redis], object]) -> list[int]:
    """Indices of the clients where ``call(client)`` returned something true; a Redis error counts as a no."""
    ok = []
    for i, client in enumerate(clients):
        try:
            if call(client):
                ok.append(i)
        except redis.RedisError:
            pass
    return ok


def acquire_round(clients: Sequence[redis.Redis], resource: str, token: str, ttl_ms: int,
                  clock: Callable[[], float] = monotonic_ms, drift_factor: float = DRIFT_FACTOR,
                  quorum: int | None = None) -> Round:
    """One round of steps 1-5 on plain redis-py clients, with time read from ``clock()`` (ms).

    Step 1 reads the clock before the first ``SET``; step 2 sends ``SET resource token NX PX ttl``
    to every server in order, a Redis error (refused connection, timeout) counting as a no; steps
    3-4 are :func:`redlock_decision` on the time the ``SET`` s took; step 5 unlocks *every* server
    with the compare-and-delete script when the round failed - a server whose reply was lost may
    hold the key although it looked like a no, and a plain ``DEL`` would free another client's lock.
    """
    check_ttl(ttl_ms)
    start = clock()
    won = _each(clients, lambda c: c.set(resource, token, nx=True, px=ttl_ms))
    elapsed_ms = clock() - start
    validity = redlock_decision(len(won), len(clients), ttl_ms, elapsed_ms, drift_factor, quorum)
    if validity is None:
        _each(clients, lambda c: c.eval(RELEASE_SCRIPT, 1, resource, token))
    return Round(validity, tuple(won), start)


@dataclass(frozen=True, slots=True)
class Lease:
    """A held Redlock: its token, how long it is valid from ``acquired_at`` (a monotonic time)."""

    resource: str
    token: str
    validity_ms: float
    acquired_at: float
    servers: tuple[int, ...]
    attempts: int
    fence: int | None = None

    def remaining_ms(self, now: float | None = None) -> float:
        """Validity left by this process's monotonic clock (the holder's own belief)."""
        now = time.monotonic() if now is None else now
        return self.validity_ms - (now - self.acquired_at) * 1000.0


class Redlock:
    """A Redlock client over real Redis servers; optionally issues fencing tokens after acquiring."""

    def __init__(self, clients: Sequence[redis.Redis], *, retry_count: int = 3, retry_delay_ms: float = 200.0,
                 drift_factor: float = DRIFT_FACTOR, quorum: int | None = None,
                 fencing: FencingCounter | None = None, seed: int | None = None) -> None:
        if not clients:
            raise ConfigError("Redlock needs at least one Redis client")
        self.servers = [RedisLockServer(c) for c in clients]
        self.quorum = majority(len(clients)) if quorum is None else quorum
        if not majority(len(clients)) <= self.quorum <= len(clients):
            raise ConfigError(f"quorum {self.quorum} for {len(clients)} servers: it must be a majority "
                              f"({majority(len(clients))}) and at most {len(clients)}; a smaller one lets two "
                              "clients both win, a larger one does not exist")
        if retry_count < 1 or retry_delay_ms < 0:
            raise ConfigError("retry_count must be >= 1 and retry_delay_ms >= 0")
        self.retry_count = retry_count
        self.retry_delay_ms = retry_delay_ms
        self.drift_factor = drift_factor
        self.fencing = fencing
        self.rng = random.Random(seed)

    @classmethod
    def connect(cls, ports: Sequence[int], host: str = "127.0.0.1", timeout_s: float = 0.05,
                **options: object) -> Redlock:
        """Build clients for ``ports`` with a short per-server timeout (step 2) and a Redlock over them.

        redis-py's own retries are off: its default backoff would turn one frozen server into
        seconds of waiting, when step 2 wants a quick "no" from it.
        """
        clients = [redis.Redis(host=host, port=p, decode_responses=True, socket_timeout=timeout_s,
                               socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0)) for p in ports]
        return cls(clients, **options)  # type: ignore[arg-type]

    def _each(self, call) -> list[int]:
        """Indices of the servers where ``call(server)`` succeeded; a server error counts as a no."""
        return _each(self.servers, call)  # type: ignore[arg-type]

    def try_once(self, resource: str, ttl_ms: int, token: str | None = None) -> Lease | None:
        """One round of steps 1-5 (:func:`acquire_round`), and a fencing token when it succeeded."""
        token = new_token() if token is None else token
        found = acquire_round([s.client for s in self.servers], resource, token, ttl_ms, monotonic_ms,
                              self.drift_factor, self.quorum)
        if found.validity_ms is None:
            return None
        fence = self.fencing.next(resource) if self.fencing is not None else None
        return Lease(resource, token, found.validity_ms, found.started_ms / 1000.0, found.granted, 1, fence)

    def acquire(self, resource: str, ttl_ms: int) -> Lease | None:
        """Up to ``retry_count`` rounds with a random delay in [0, retry_delay_ms) between them."""
        for attempt in range(1, self.retry_count + 1):
            lease = self.try_once(resource, ttl_ms)
            if lease is not None:
                return Lease(lease.resource, lease.token, lease.validity_ms, lease.acquired_at, lease.servers,
                             attempt, lease.fence)
            if attempt < self.retry_count:
                time.sleep(self.rng.uniform(0, self.retry_delay_ms) / 1000.0)
        return None

    def extend(self, lease: Lease, ttl_ms: int) -> Lease | None:
        """Compare-and-extend on every server; a new lease when a majority extended in time."""
        check_ttl(ttl_ms)
        start = time.monotonic()
        won = self._each(lambda s: s.try_extend(lease.resource, lease.token, ttl_ms))
        elapsed_ms = (time.monotonic() - start) * 1000.0
        validity = redlock_decision(len(won), len(self.servers), ttl_ms, elapsed_ms, self.drift_factor, self.quorum)
        if validity is None:
            return None
        return Lease(lease.resource, lease.token, validity, start, tuple(won), lease.attempts, lease.fence)

    def release(self, lease: Lease) -> int:
        """Compare-and-delete on every server (step 5: all of them); how many held this token."""
        return len(self._each(lambda s: s.try_release(lease.resource, lease.token)))
