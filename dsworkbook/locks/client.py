"""A lock client (L01): acquire with retry and jittered exponential backoff, then read-modify-write.

Theory of operation
-------------------
A :class:`LockClient` runs ``rounds`` rounds of the critical section in Kleppmann's example
("How to do distributed locking", 2016): acquire the lock, read the storage, work on what it
read, write the result back, release. Like the code in the article it does not look at the
clock between acquiring and writing - a check would not help, since a pause can fall between
the check and the write.

Acquiring (one *attempt*): send ``SET resource value NX PX ttl`` with a fresh random ``value``
to every server (one here; :class:`~dsworkbook.locks.redlock.RedlockClient` uses N), wait for
``quorum`` grants or ``attempt_timeout`` ms, then compute the **validity time**
(:func:`validity_time`): the TTL less the time the attempt took less a clock-drift allowance
(the Redis docs, redis.io "Distributed Locks with Redis", "The Redlock Algorithm", steps 2-4).
With enough grants and validity left, the client holds the lock; otherwise it releases on every
server (step 5: a failed attempt must not leave keys behind) and retries after a random delay.

The delay is exponential backoff with **full jitter** (Brooker, "Exponential Backoff And
Jitter", AWS Architecture Blog, 2015): attempt k waits ``uniform(0, min(cap, base * 2**(k-1)))``
ms, drawn from ``node.rng`` so the run stays reproducible; after ``attempts`` attempts the
round gives up. Random delays desynchronise clients that collide, which is why the Redis docs
ask for them.

With a token source (:mod:`~dsworkbook.locks.fencing`) the client fetches a fencing token
once it holds the lock and sends it with its read and its write. ``auto_release`` is the
broken variant from the workbook's source notes: a timer set at every acquisition releases,
``ttl`` ms later, whatever lock the client holds *then* - a newer one if it has acquired again.

Trace notes: ``lock="acquired"`` and ``lock="released"`` bracket the time the client believes
it holds the lock (:func:`holding_periods`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.locks.fencing import Read, ReadReply, TokenFactory, Write, WriteReply
from dsworkbook.locks.server import DelIfValue, DelReply, SetNX, SetNXReply, check_ttl
from dsworkbook.sim import Node, Simulation

__all__ = ["Backoff", "validity_time", "LockClient", "holding_periods", "overlapping_holders"]


def _ms(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0 \
            or (positive and value == 0):
        raise ConfigError(f"{name} must be a number of ms {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, at most ``attempts`` attempts per acquisition."""

    base: float = 5.0
    cap: float = 80.0
    attempts: int = 6

    def __post_init__(self) -> None:
        _ms("backoff base", self.base, positive=True)
        _ms("backoff cap", self.cap, positive=True)
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int) or self.attempts < 1:
            raise ConfigError(f"attempts must be an int >= 1 (a bound on retries), got {self.attempts!r}")

    def ceiling(self, attempt: int) -> float:
        """The largest delay after failed attempt ``attempt`` (1, 2, ...)."""
        return min(self.cap, self.base * 2 ** (attempt - 1))

    def delay(self, attempt: int, rng: Any) -> float:
        return rng.uniform(0.0, self.ceiling(attempt))


def validity_time(ttl: float, elapsed: float, drift_factor: float = 0.01, drift_ms: float = 2.0) -> float:
    """How long a just-acquired lock may be used: ``ttl - elapsed - (drift_factor * ttl + drift_ms)``.

    The drift allowance is the Redis docs' (0.01 of the TTL plus 2 ms for the clock's
    granularity): the servers' clocks may run a little fast, so their keys may vanish early.
    """
    check_ttl(ttl)
    return ttl - elapsed - (drift_factor * ttl + drift_ms)


class LockClient(Node):
    """Rounds of acquire / read / work / write / release against one lock server."""

    def __init__(self, node_id: str, *, server: str | Sequence[str], storage: str, resource: str = "file",
                 ttl: float = 100.0, rounds: int = 3, work: tuple[float, float] = (5.0, 25.0),
                 think: tuple[float, float] = (0.0, 20.0), backoff: Backoff = Backoff(),
                 attempt_timeout: float = 20.0, drift_factor: float = 0.01, drift_ms: float = 2.0,
                 tokens: TokenFactory | None = None, auto_release: bool = False, start_at: float = 0.0) -> None:
        super().__init__(node_id)
        self.servers: tuple[str, ...] = (server,) if isinstance(server, str) else tuple(server)
        if not self.servers or len(set(self.servers)) != len(self.servers):
            raise ConfigError(f"a lock client needs distinct lock server ids, got {server!r}")
        self.quorum = len(self.servers)
        self.storage_id, self.resource = storage, resource
        self.ttl = check_ttl(ttl)
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
            raise ConfigError(f"rounds must be an int >= 0, got {rounds!r}")
        self.rounds = rounds
        self.work = (_ms("work low", work[0]), _ms("work high", work[1]))
        self.think = (_ms("think low", think[0]), _ms("think high", think[1]))
        if not isinstance(backoff, Backoff):
            raise ConfigError(f"backoff must be a Backoff(base, cap, attempts), got {backoff!r}")
        self.backoff = backoff
        self.attempt_timeout = _ms("attempt_timeout", attempt_timeout, positive=True)
        if self.attempt_timeout >= self.ttl:
            raise ConfigError(f"attempt_timeout ({attempt_timeout} ms) must be well below the ttl ({ttl} ms): the "
                              "Redis docs ask for a timeout small compared with the lock's auto-release time")
        self.drift_factor, self.drift_ms = float(drift_factor), _ms("drift_ms", drift_ms)
        self.token_factory, self.auto_release = tokens, bool(auto_release)
        self.start_at = _ms("start_at", start_at)

    # -- life cycle ------------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.state = "idle"
        self.round = 0
        self.attempt = 0
        self.req = 0
        self.releases = 0
        self.value: str | None = None
        self.token: int | None = None
        self.tokens = self.token_factory() if self.token_factory is not None else None
        self.refusals: list[str] = []
        self.written = 0
        self.set_timer("next", self.start_at)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self._next_round()
        elif name == "retry" and self.state == "backoff":
            self._attempt()
        elif name == "attempt" and self.state == "acquiring":
            self._decide()
        elif name == "token" and self.state == "token":
            self.tokens.on_timeout(self)
            self.set_timer("token", self.tokens.timeout)
        elif name == "work" and self.state == "working":
            self._write()
        elif isinstance(name, tuple) and name[0] == "auto_release" and self.value is not None:
            self._release_all(self.value)  # the bug: frees whatever lock is held now

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, SetNXReply):
            if self.state == "acquiring" and msg.req == self.req:
                self.answered.add(src)
                if msg.ok:
                    self.granted.add(src)
                if len(self.granted) >= self.quorum or len(self.answered) == len(self.servers):
                    self._decide()
        elif isinstance(msg, DelReply):
            if not msg.ok:
                self.refusals.append(msg.reason)
        elif isinstance(msg, ReadReply):
            if self.state == "reading" and msg.req == self.req:
                if not msg.ok:
                    self.note(read_refused=msg.reason)
                    self._end_round()
                    return
                self.base = msg.value
                self.state = "working"
                self.set_timer("work", self.rng.uniform(*self.work))
        elif isinstance(msg, WriteReply):
            if self.state == "writing" and msg.req == self.req:
                self.complete(self.handle, "ok" if msg.ok else "fail", msg.reason or None)
                self.written += msg.ok
                self._end_round()
        elif self.state == "token":
            token = self.tokens.on_message(self, src, msg)
            if token is not None:
                self.cancel_timer("token")
                self.token = token
                self._read()

    # -- acquiring -------------------------------------------------------------------------------------

    def _next_round(self) -> None:
        if self.round >= self.rounds:
            self.state = "done"
            return
        self.round += 1
        self.attempt = 0
        self._attempt()

    def _attempt(self) -> None:
        self.attempt += 1
        self.state = "acquiring"
        self.value = f"{self.id}:{self.rng.getrandbits(48):012x}"
        self.begun = self.now()
        self.granted: set[str] = set()
        self.answered: set[str] = set()
        self.req += 1
        for s in self.servers:
            self.send(s, SetNX(self.req, self.resource, self.value, self.ttl))
        self.set_timer("attempt", self.attempt_timeout)

    def _decide(self) -> None:
        self.cancel_timer("attempt")
        validity = validity_time(self.ttl, self.now() - self.begun, self.drift_factor, self.drift_ms)
        if len(self.granted) >= self.quorum and validity > 0:
            self._acquired(validity)
            return
        self._release_all(self.value)
        self.value = None
        if self.attempt < self.backoff.attempts:
            self.state = "backoff"
            self.set_timer("retry", self.backoff.delay(self.attempt, self.rng))
        else:
            self.note(lock="gave up", round=self.round, attempts=self.attempt)
            self.state = "idle"
            self.set_timer("next", self.rng.uniform(*self.think))

    def _acquired(self, validity: float) -> None:
        self.note(lock="acquired", value=self.value, round=self.round, validity=round(validity, 3),
                  grants=len(self.granted))
        if self.auto_release:
            self.set_timer(("auto_release", self.round), self.ttl)
        if self.tokens is not None:
            self.state = "token"
            self.tokens.request(self)
            self.set_timer("token", self.tokens.timeout)
        else:
            self.token = None
            self._read()

    def _release_all(self, value: str | None) -> None:
        if value is None:
            return
        self.releases += 1  # numbered apart from self.req, which matches the replies being awaited
        for s in self.servers:
            self.send(s, DelIfValue(self.releases, self.resource, value))

    # -- the critical section --------------------------------------------------------------------------

    def _read(self) -> None:
        self.state = "reading"
        self.req += 1
        self.send(self.storage_id, Read(self.req, self.token))

    def _write(self) -> None:
        self.state = "writing"
        entry = f"{self.id}#{self.round}"
        self.handle = self.invoke("write", entry, key=self.resource)
        self.req += 1
        self.send(self.storage_id, Write(self.req, tuple(self.base) + (entry,), entry, self.token))

    def _end_round(self) -> None:
        self._release_all(self.value)
        self.note(lock="released", value=self.value, round=self.round)
        self.value = None
        self.state = "idle"
        self.set_timer("next", self.rng.uniform(*self.think))


def holding_periods(sim: Simulation) -> list[tuple[str, float, float]]:
    """``(client, from, to)`` in true time for every period a client believed it held the lock.

    A period still open when the run ended ends at ``sim.now``.
    """
    open_: dict[str, float] = {}
    out: list[tuple[str, float, float]] = []
    for rec in sim.trace.notes(key="lock"):
        node, what = rec[2], rec[5]["lock"]
        if what == "acquired":
            open_[node] = rec[0]
        elif what == "released" and node in open_:
            out.append((node, open_.pop(node), rec[0]))
    out.extend((n, t, sim.now) for n, t in open_.items())
    return sorted(out, key=lambda p: p[1])


def overlapping_holders(sim: Simulation) -> list[tuple[str, str, float]]:
    """Pairs of clients that believed they held the lock at the same time, with when it began."""
    periods = holding_periods(sim)
    out = []
    for i, (a, a0, a1) in enumerate(periods):
        for b, b0, b1 in periods[i + 1:]:
            if a != b and b0 < a1 and a0 < b1:
                out.append((a, b, max(a0, b0)))
    return out
