"""Redlock (L02): one lock over N independent lock servers, held when a majority granted it in time.

Theory of operation
-------------------
The algorithm of the Redis docs (redis.io, "Distributed Locks with Redis", "The Redlock
Algorithm"), step by step, as :class:`RedlockClient` runs it:

1. read the local clock;
2. send ``SET resource value NX PX ttl`` with the same random ``value`` to all N servers at
   once (the docs suggest multiplexing), waiting at most a timeout small next to the TTL;
3. the lock is acquired when at least ``quorum`` servers - a majority, ``N // 2 + 1`` - granted
   it and time is left: ``validity = ttl - elapsed - drift`` with the docs' drift allowance
   ``0.01 * ttl + 2 ms`` (:func:`~dsworkbook.locks.client.validity_time`);
4. the holder may use the lock for ``validity`` ms;
5. otherwise it releases on **all** servers (even those that seemed not to answer) and retries
   after a random delay, so that clients that collided do not collide again.

Release is the compare-and-delete of every server. The servers restart with the docs' delayed
restart (:class:`~dsworkbook.locks.server.LockServer` ``restart_delay``), without which a
crashed server forgets a lock and a second majority can form.

Redlock's safety rests on timing: bounded pauses, bounded network delay, clocks that drift
at most the allowance. Kleppmann ("How to do distributed locking", 2016) shows each failing -
see :mod:`~dsworkbook.locks.scenarios` - and the quorum is the other place to go wrong: with
``N // 2`` (the ``loose_majority`` variant) two disjoint halves of five servers both "win".
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.locks.client import LockClient, validity_time

__all__ = ["majority", "check_quorum", "RedlockClient", "validity_time"]


def majority(n: int) -> int:
    """The smallest majority of ``n`` servers: ``n // 2 + 1`` (two majorities always share a server)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"the number of lock servers must be an int >= 1, got {n!r}")
    return n // 2 + 1


def check_quorum(quorum: Any, n: int) -> int:
    """``quorum`` if 1 <= quorum <= n, else a :class:`ConfigError` saying what to pass."""
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
        raise ConfigError(f"quorum must be an int >= 1, got {quorum!r}; Redlock uses a majority, {majority(n)} of {n}")
    if quorum > n:
        raise ConfigError(f"quorum {quorum} is larger than the {n} lock servers: no acquisition could ever succeed; "
                          f"use a majority, {majority(n)} of {n}")
    return quorum


class RedlockClient(LockClient):
    """A :class:`LockClient` over ``servers`` that needs ``quorum`` grants (default: a majority).

    A quorum below a majority is accepted (the ``loose_majority`` variant) - it is legal to
    configure and unsafe to run, which is what the campaign shows.
    """

    def __init__(self, node_id: str, *, servers: Sequence[str], quorum: int | None = None, **kwargs: Any) -> None:
        if isinstance(servers, str) or not servers:
            raise ConfigError(f"a Redlock client needs a list of lock server ids, got {servers!r}")
        super().__init__(node_id, server=tuple(servers), **kwargs)
        n = len(self.servers)
        self.quorum = majority(n) if quorum is None else check_quorum(quorum, n)
