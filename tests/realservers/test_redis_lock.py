"""The single-instance lock and Redlock on real redis-servers (redis.io, "Distributed Locks with Redis")."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.realservers import (FencingCounter, NotLockOwner, RedisLockServer, Redlock, drift_allowance_ms,
                                    majority, new_token, redlock_decision)

RES = "account"


@pytest.fixture
def lock(redis1) -> RedisLockServer:
    return RedisLockServer(redis1.client())


# -- single instance: "SET resource_name my_random_value NX PX 30000" --------------------------

def test_set_nx_px_grants_the_lock_once_with_an_expiry(lock):
    a, b = new_token(), new_token()
    assert a != b
    assert lock.acquire(RES, a, 5000) is True
    assert lock.acquire(RES, b, 5000) is False
    assert lock.holder(RES) == a
    assert 4000 < lock.remaining_ms(RES) <= 5000


def test_the_lock_expires_by_itself_so_a_crashed_holder_cannot_keep_it(lock):
    assert lock.acquire(RES, "crashed", 50)
    time.sleep(0.08)
    assert lock.acquire(RES, "next", 1000)


def test_release_deletes_only_the_callers_own_lock(lock):
    assert lock.acquire(RES, "owner", 5000)
    with pytest.raises(NotLockOwner, match="held by token"):
        lock.release(RES, "someone-else")
    assert lock.holder(RES) == "owner"
    lock.release(RES, "owner")
    assert lock.holder(RES) is None


def test_a_holder_whose_lease_expired_cannot_release_the_next_holders_lock(lock):
    # the bug of a plain DEL: client 1's late release would free client 2's lock
    assert lock.acquire(RES, "client-1", 30)
    time.sleep(0.06)
    assert lock.acquire(RES, "client-2", 5000)
    assert lock.try_release(RES, "client-1") is False
    assert lock.holder(RES) == "client-2"


def test_extend_only_by_the_owner(lock):
    assert lock.acquire(RES, "owner", 200)
    lock.extend(RES, "owner", 5000)
    assert lock.remaining_ms(RES) > 4000
    with pytest.raises(NotLockOwner):
        lock.extend(RES, "thief", 60000)
    assert lock.remaining_ms(RES) <= 5000
    with pytest.raises(NotLockOwner, match="nobody holds it"):
        lock.release("free-resource", "owner")


@pytest.mark.parametrize("ttl", [0, -100, 1.5, True])
def test_a_ttl_that_is_not_a_positive_whole_number_of_ms_is_refused(lock, ttl):
    with pytest.raises(ConfigError, match="TTL"):
        lock.acquire(RES, "owner", ttl)


def test_an_empty_owner_token_is_refused(lock):
    with pytest.raises(ConfigError, match="owner token"):
        lock.acquire(RES, "", 1000)


def test_fencing_tokens_from_incr_only_grow(redis1):
    counter = FencingCounter(redis1.client())
    assert [counter.next(RES) for _ in range(4)] == [1, 2, 3, 4]
    assert counter.next("other") == 1
    assert redis1.client().get(RES) is None        # the counter lives on a key of its own


# -- Redlock: the decision (steps 3-4), a table --------------------------------------------------

@pytest.mark.parametrize("acquired, n, ttl, elapsed, expected", [
    # a majority within the TTL: validity = ttl - elapsed - (ttl * 0.01 + 2)
    (3, 5, 1000, 10, 1000 - 10 - 12),
    (5, 5, 10000, 0, 10000 - 102),
    (2, 3, 1000, 0, 1000 - 12),
    # no majority
    (2, 5, 1000, 1, None),
    (2, 4, 1000, 1, None),
    # a majority, but too slow: nothing left after the drift allowance
    (5, 5, 1000, 988, None),
    (5, 5, 1000, 987.5, 0.5),
])
def test_redlock_decision(acquired, n, ttl, elapsed, expected):
    got = redlock_decision(acquired, n, ttl, elapsed)
    assert got == (None if expected is None else pytest.approx(expected))


def test_majorities_and_the_drift_allowance():
    assert [majority(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert drift_allowance_ms(500) == pytest.approx(7.0)


def test_a_quorum_larger_than_the_server_count_or_below_a_majority_is_refused(redis5):
    clients = [r.client() for r in redis5]
    with pytest.raises(ConfigError, match="at most 5"):
        Redlock(clients, quorum=6)
    with pytest.raises(ConfigError, match="must be a majority"):
        Redlock(clients, quorum=2)
    with pytest.raises(ConfigError, match="larger than the 5 lock servers"):
        redlock_decision(5, 5, 1000, 0, quorum=6)


# -- Redlock on five real servers ----------------------------------------------------------------

def test_redlock_holds_all_five_and_excludes_a_second_client(redis5):
    ports = [r.port for r in redis5]
    one, two = Redlock.connect(ports, seed=1), Redlock.connect(ports, retry_count=2, retry_delay_ms=20, seed=2)
    lease = one.acquire(RES, 2000)
    assert lease is not None and lease.servers == (0, 1, 2, 3, 4)
    assert 0 < 2000 - drift_allowance_ms(2000) - lease.validity_ms < 100      # elapsed: a few ms
    assert all(r.client().get(RES) == lease.token for r in redis5)
    assert two.acquire(RES, 2000) is None
    assert one.release(lease) == 5
    assert all(r.client().get(RES) is None for r in redis5)
    assert two.acquire(RES, 2000) is not None


def test_redlock_wins_with_two_of_five_servers_frozen(redis5):
    for r in redis5[:2]:
        os.kill(r.pid, signal.SIGSTOP)
    try:
        lease = Redlock.connect([r.port for r in redis5], seed=3).acquire(RES, 2000)
    finally:
        for r in redis5[:2]:
            os.kill(r.pid, signal.SIGCONT)
    assert lease is not None and lease.servers == (2, 3, 4)


def test_redlock_fails_on_a_minority_and_unlocks_only_its_own_keys(redis5):
    for r in redis5[:3]:                        # another client holds three of the five
        assert r.client().set(RES, "other", px=5000, nx=True)
    lock = Redlock.connect([r.port for r in redis5], retry_count=2, retry_delay_ms=10, seed=4)
    assert lock.acquire(RES, 2000) is None
    assert [r.client().get(RES) for r in redis5] == ["other"] * 3 + [None, None]


def test_redlock_fencing_tokens_grow_with_each_grant(redis6):
    lock = Redlock.connect([r.port for r in redis6[:5]], fencing=FencingCounter(redis6[5].client()))
    fences = []
    for _ in range(3):
        lease = lock.acquire(RES, 1000)
        fences.append(lease.fence)
        lock.release(lease)
    assert fences == [1, 2, 3]


def test_redlock_extend_keeps_the_lease_and_fails_once_it_is_gone(redis5):
    lock = Redlock.connect([r.port for r in redis5])
    lease = lock.acquire(RES, 100)
    longer = lock.extend(lease, 3000)
    assert longer is not None and longer.validity_ms > 2900
    time.sleep(0.15)
    assert all(r.client().get(RES) == lease.token for r in redis5)
    for r in redis5:
        r.client().delete(RES)
    assert lock.extend(lease, 3000) is None



def test_the_real_redlock_and_the_simulators_agree_on_majority_and_validity():
    sim = pytest.importorskip("dsworkbook.locks")
    from dsworkbook.locks.client import validity_time
    assert [majority(n) for n in range(1, 10)] == [sim.majority(n) for n in range(1, 10)]
    for ttl in (1, 50, 500, 1000, 30000):
        for elapsed in (0, 1, ttl / 2, ttl):
            ours = redlock_decision(5, 5, ttl, elapsed)
            theirs = validity_time(ttl, elapsed)
            assert ours == (pytest.approx(theirs) if theirs > 0 else None)
