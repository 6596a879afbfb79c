"""A single-instance lock server (L01): set-if-absent with expiry, compare-and-delete, extend.

Theory of operation
-------------------
The server keeps one table, resource -> (value, expiry). It offers the three operations of
the single-instance lock in the Redis documentation (redis.io, "Distributed Locks with
Redis", section "Correct Implementation with a Single Instance"):

* :class:`SetNX` - ``SET resource value NX PX ttl``: set only if the key is absent, with an
  expiry ``ttl`` ms from now. ``value`` is a random string unique to one acquisition, so that
  the holder can be told apart from everyone else.
* :class:`DelIfValue` - the release script ``if GET == value then DEL``: delete the key only
  if it still holds the caller's value. Without that check a client whose lock expired deletes
  the lock of whoever took it over (the Redis docs give exactly this example).
* :class:`ExtendIfValue` - extend the expiry, again only for the current holder.

**Expiry is measured on the server's own clock** (``self.now()``). A key whose expiry has
passed is absent, whether or not anyone has looked at it since (Redis expires keys lazily on
access and in a background sweep; the effect seen by a client is the same). So a clock jump on
the server (a :class:`~dsworkbook.sim.ClockJump` fault) frees a lock early - one of the
failures Kleppmann lists ("How to do distributed locking", 2016, "Making the lock safe with
fencing" and "Using time to solve consensus").

The table is volatile: a crash loses it, as a Redis without ``appendfsync always`` may (the
Redis docs, "Performance, crash recovery and fsync"). The docs' remedy is the **delayed
restart**: after a restart the server refuses new grants for ``restart_delay`` ms, a bit more
than the longest TTL, so every lock it forgot has expired anyway. ``check_owner=False`` is
the broken variant that releases and extends without comparing the value.

:class:`LockTable` is the state machine alone (no node, no messages), so its rules can be
tested one by one; :class:`LockServer` wraps it as a simulator node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["SetNX", "SetNXReply", "DelIfValue", "DelReply", "ExtendIfValue", "ExtendReply", "LOCK_MESSAGES",
           "check_ttl", "LockTable", "LockServer"]


def check_ttl(ttl: Any) -> float:
    """A lock's time to live in ms: a finite number > 0, else :class:`ConfigError`."""
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl) or ttl <= 0:
        raise ConfigError(f"a lock ttl must be a number of ms > 0, got {ttl!r}; a lock that expires at once "
                          "protects nothing - pick a ttl longer than the work done under the lock")
    return float(ttl)


@dataclass(frozen=True, slots=True)
class SetNX:
    """``SET resource value NX PX ttl``: take the lock if nobody holds it."""

    req: int
    resource: str
    value: str
    ttl: float

    def __post_init__(self) -> None:
        check_ttl(self.ttl)


@dataclass(frozen=True, slots=True)
class SetNXReply:
    """``ok`` when the key was set; otherwise ``holder`` is the value that holds it (or None while
    the server refuses grants after a restart)."""

    req: int
    ok: bool
    holder: str | None = None


@dataclass(frozen=True, slots=True)
class DelIfValue:
    """The release script: ``if GET resource == value then DEL resource``."""

    req: int
    resource: str
    value: str


@dataclass(frozen=True, slots=True)
class DelReply:
    req: int
    ok: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ExtendIfValue:
    """Extend the lock to ``ttl`` ms from now, only if it still holds ``value``."""

    req: int
    resource: str
    value: str
    ttl: float

    def __post_init__(self) -> None:
        check_ttl(self.ttl)


@dataclass(frozen=True, slots=True)
class ExtendReply:
    req: int
    ok: bool
    reason: str = ""


LOCK_MESSAGES = (SetNX, SetNXReply, DelIfValue, DelReply, ExtendIfValue, ExtendReply)


class LockTable:
    """resource -> (value, expiry on the owner's clock). Every method takes the clock reading ``now``."""

    def __init__(self, *, check_owner: bool = True) -> None:
        self.check_owner = bool(check_owner)
        self.entries: dict[str, tuple[str, float]] = {}

    def holder(self, resource: str, now: float) -> str | None:
        """The value holding ``resource`` at ``now``, or None (an expired key counts as absent)."""
        entry = self.entries.get(resource)
        if entry is None:
            return None
        if now >= entry[1]:
            del self.entries[resource]
            return None
        return entry[0]

    def set_nx(self, resource: str, value: str, ttl: float, now: float) -> bool:
        """Set ``resource`` to ``value`` for ``ttl`` ms if it is absent; True if it was set."""
        ttl = check_ttl(ttl)
        if self.holder(resource, now) is not None:
            return False
        self.entries[resource] = (value, now + ttl)
        return True

    def release(self, resource: str, value: str, now: float) -> tuple[bool, str]:
        """Delete ``resource`` if ``value`` holds it: ``(True, "released")``; a refusal says why."""
        current = self.holder(resource, now)
        if current is None:
            return False, "not held: the lock is free (it may have expired)"
        if current != value and self.check_owner:
            return False, f"not the owner: the lock is held by {current!r}, not {value!r}"
        del self.entries[resource]
        return True, "released"

    def extend(self, resource: str, value: str, ttl: float, now: float) -> tuple[bool, str]:
        """Make ``resource`` expire ``ttl`` ms from ``now`` if ``value`` holds it."""
        ttl = check_ttl(ttl)
        current = self.holder(resource, now)
        if current is None:
            return False, "not held: the lock is free (it may have expired); acquire it again"
        if current != value and self.check_owner:
            return False, f"not the owner: the lock is held by {current!r}, not {value!r}"
        self.entries[resource] = (current, now + ttl)
        return True, "extended"


class LockServer(Node):
    """One lock server (one Redis instance of the Redis docs' algorithm)."""

    def __init__(self, node_id: str, *, check_owner: bool = True, restart_delay: float = 0.0) -> None:
        super().__init__(node_id)
        if isinstance(restart_delay, bool) or not isinstance(restart_delay, (int, float)) or restart_delay < 0:
            raise ConfigError(f"restart_delay must be a number of ms >= 0, got {restart_delay!r}")
        self.check_owner = bool(check_owner)
        self.restart_delay = float(restart_delay)

    def on_start(self) -> None:
        self.table = LockTable(check_owner=self.check_owner)
        # the first start is a fresh server; a restart (it ran before: see the durable marker) waits
        self.ready = not self.storage.get("started") or self.restart_delay == 0
        if not self.storage.get("started"):
            self.persist(started=True)
        if not self.ready:
            self.set_timer("ready", self.restart_delay)
            self.note(lock_server="recovering", until=self.restart_delay)

    def on_timer(self, name: Any) -> None:
        if name == "ready":
            self.ready = True
            self.note(lock_server="ready")

    def on_message(self, src: str, msg: Any) -> None:
        now = self.now()
        if isinstance(msg, SetNX):
            ok = self.ready and self.table.set_nx(msg.resource, msg.value, msg.ttl, now)
            holder = None if ok or not self.ready else self.table.holder(msg.resource, now)
            if ok:
                self.note(granted=msg.value, resource=msg.resource, expires=now + msg.ttl)
            self.send(src, SetNXReply(msg.req, ok, holder))
        elif isinstance(msg, DelIfValue):
            ok, reason = self.table.release(msg.resource, msg.value, now)
            if ok:
                self.note(released=msg.value, resource=msg.resource)
            self.send(src, DelReply(msg.req, ok, reason))
        elif isinstance(msg, ExtendIfValue):
            ok, reason = self.table.extend(msg.resource, msg.value, msg.ttl, now)
            self.send(src, ExtendReply(msg.req, ok, reason))
