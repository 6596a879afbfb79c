"""Lock primitives on one real Redis: the single-instance lock (L01) and a fencing-token counter.

The rules follow redis.io, "Distributed Locks with Redis", section "Correct Implementation with a
Single Instance":

* acquire is ``SET resource token NX PX ttl``: set only if absent, with an expiry, in one command,
  so a crashed holder cannot keep the lock forever;
* the token is a random value unique to this acquisition, and release is a Lua script that deletes
  the key only if it still holds *this* token (compare-and-delete). A plain ``DEL`` would free a
  lock that expired and was taken by someone else;
* extend is the same comparison followed by ``PEXPIRE`` (compare-and-extend).

Redis runs a Lua script atomically (redis.io, "Scripting with Lua"), which is what makes the
comparison and the delete one step. :class:`RedisLockServer` gives them the acquire / release /
extend(owner token) shape of the simulator's single-instance lock server.

A lease alone does not make a lock safe when the holder can pause (Kleppmann, "How to do
distributed locking", 2016): :class:`FencingCounter` issues a monotonically increasing fencing
token with ``INCR`` on a separate key, and the storage rejects writes carrying an older one. On a
single Redis with persistence off the counter does not survive a restart; the simulator's fencing
tokens come from the Raft KV store for that reason.
"""

from __future__ import annotations

import secrets

import redis

from dsworkbook.errors import ConfigError

__all__ = ["RELEASE_SCRIPT", "EXTEND_SCRIPT", "NotLockOwner", "RedisLockServer", "FencingCounter",
           "new_token", "check_ttl"]

RELEASE_SCRIPT = """\
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end
"""

EXTEND_SCRIPT = """\
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
else
    return 0
end
"""


class NotLockOwner(ConfigError):
    """A release or extend by a token that does not hold the lock (never held it, or its lease expired)."""


def new_token() -> str:
    """A random lock token, unique across clients and acquisitions (redis.io asks for exactly that).

    It comes from :mod:`secrets`, not from a seeded generator: two clients started with the same
    seed would otherwise share a token and each could release the other's lock.
    """
    return secrets.token_hex(16)


def check_ttl(ttl_ms: int) -> int:
    """Return ``ttl_ms`` if it is a positive whole number of milliseconds, else raise ConfigError."""
    if not isinstance(ttl_ms, int) or isinstance(ttl_ms, bool) or ttl_ms <= 0:
        raise ConfigError(f"a lock TTL must be a whole number of milliseconds > 0, got {ttl_ms!r}; "
                          "a lease that expires at once (or never) is no lease")
    return ttl_ms


def _check_owner(owner: str) -> str:
    if not isinstance(owner, str) or not owner:
        raise ConfigError(f"the owner token must be a non-empty string, got {owner!r}; use new_token()")
    return owner


class RedisLockServer:
    """One Redis instance used as a lock server: acquire, release, extend, each with an owner token."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._release = client.register_script(RELEASE_SCRIPT)
        self._extend = client.register_script(EXTEND_SCRIPT)

    def acquire(self, resource: str, owner: str, ttl_ms: int) -> bool:
        """``SET resource owner NX PX ttl_ms``: True when this owner now holds the lock."""
        check_ttl(ttl_ms)
        return bool(self.client.set(resource, _check_owner(owner), nx=True, px=ttl_ms))

    def try_release(self, resource: str, owner: str) -> bool:
        """Compare-and-delete: True when the lock was ``owner``'s and is now free."""
        return int(self._release(keys=[resource], args=[_check_owner(owner)])) == 1

    def try_extend(self, resource: str, owner: str, ttl_ms: int) -> bool:
        """Compare-and-extend: True when ``owner`` still held the lock and it now lives ``ttl_ms`` more."""
        check_ttl(ttl_ms)
        return int(self._extend(keys=[resource], args=[_check_owner(owner), ttl_ms])) == 1

    def release(self, resource: str, owner: str) -> None:
        """Release, raising :class:`NotLockOwner` when ``owner`` does not hold the lock."""
        if not self.try_release(resource, owner):
            raise NotLockOwner(self._refusal("release", resource, owner))

    def extend(self, resource: str, owner: str, ttl_ms: int) -> None:
        """Extend, raising :class:`NotLockOwner` when ``owner`` does not hold the lock."""
        if not self.try_extend(resource, owner, ttl_ms):
            raise NotLockOwner(self._refusal("extend", resource, owner))

    def holder(self, resource: str) -> str | None:
        """The token now holding ``resource`` (None when free)."""
        value = self.client.get(resource)
        return None if value is None else str(value)

    def remaining_ms(self, resource: str) -> int:
        """Milliseconds until the lease on ``resource`` expires (-2 when there is no lock)."""
        return int(self.client.pttl(resource))

    def _refusal(self, what: str, resource: str, owner: str) -> str:
        holder = self.holder(resource)
        now = "nobody holds it (the lease expired or was never taken)" if holder is None \
            else f"it is held by token {holder[:8]}..."
        return (f"cannot {what} lock {resource!r} with token {owner[:8]}...: {now}. Only the holder's "
                "token may release or extend; acquire it again instead")


class FencingCounter:
    """Fencing tokens from ``INCR`` on a key of its own: each call returns a larger number."""

    def __init__(self, client: redis.Redis, prefix: str = "fence:") -> None:
        self.client = client
        self.prefix = prefix

    def next(self, resource: str) -> int:
        """The next fencing token for ``resource`` (1, 2, 3, ...)."""
        return int(self.client.incr(self.prefix + resource))
