"""L01/L02: one test per rule of the single-instance lock and of Redlock (redis.io, "Distributed Locks with Redis")."""

from __future__ import annotations

import random

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.locks import (Backoff, LockServer, LockTable, RedlockClient, SetNX, check_quorum, majority,
                              validity_time)
from dsworkbook.locks.scenarios import lock_sim
from dsworkbook.locks.server import DelIfValue, DelReply, ExtendIfValue, ExtendReply, SetNXReply


def test_set_if_absent_grants_a_free_lock_and_refuses_a_held_one():
    table = LockTable()
    assert table.set_nx("r", "a", 100, now=0)
    assert not table.set_nx("r", "b", 100, now=50)
    assert table.holder("r", now=50) == "a"


def test_a_lock_expires_ttl_after_it_was_set_and_can_then_be_taken():
    table = LockTable()
    table.set_nx("r", "a", 100, now=0)
    assert table.holder("r", now=99.9) == "a"
    assert table.holder("r", now=100) is None
    assert table.set_nx("r", "b", 100, now=100)


def test_release_deletes_only_when_the_value_matches():
    table = LockTable()
    table.set_nx("r", "a", 100, now=0)
    ok, reason = table.release("r", "b", now=10)
    assert not ok and "not the owner" in reason and "'a'" in reason
    assert table.holder("r", now=10) == "a"
    assert table.release("r", "a", now=10) == (True, "released")
    assert table.holder("r", now=10) is None


def test_release_of_an_expired_lock_is_refused_as_not_held():
    table = LockTable()
    table.set_nx("r", "a", 100, now=0)
    ok, reason = table.release("r", "a", now=150)
    assert not ok and reason.startswith("not held")


def test_extend_moves_the_expiry_only_for_the_owner():
    table = LockTable()
    table.set_nx("r", "a", 100, now=0)
    assert not table.extend("r", "b", 100, now=50)[0]
    assert table.extend("r", "a", 100, now=50) == (True, "extended")
    assert table.holder("r", now=140) == "a" and table.holder("r", now=150) is None


def test_without_the_owner_check_anyone_releases_and_extends():
    table = LockTable(check_owner=False)
    table.set_nx("r", "a", 100, now=0)
    assert table.extend("r", "b", 100, now=10)[0]
    assert table.release("r", "b", now=20) == (True, "released")


@pytest.mark.parametrize("ttl", [0, -5, float("nan"), float("inf"), "100", True])
def test_a_ttl_that_is_not_a_positive_number_is_a_config_error(ttl):
    with pytest.raises(ConfigError, match="ttl must be a number of ms > 0"):
        SetNX(1, "r", "a", ttl)
    with pytest.raises(ConfigError, match="ttl"):
        LockTable().set_nx("r", "a", ttl, now=0)


def test_the_server_measures_expiry_on_its_own_clock_so_a_clock_jump_frees_the_lock():
    server = LockServer("s1")
    server.on_start()
    server.on_message("c1", SetNX(1, "r", "a", 100))
    assert server.take_effects()[-1].msg == SetNXReply(1, True)
    server._clock = type("Jumped", (), {"read": staticmethod(lambda t: t + 150)})()  # the server's clock is +150 ms
    server.on_message("c2", SetNX(2, "r", "b", 100))
    assert server.take_effects()[-1].msg == SetNXReply(2, True)


def test_the_server_refuses_a_release_by_a_non_owner_and_says_who_holds_it():
    server = LockServer("s1")
    server.on_start()
    server.on_message("c1", SetNX(1, "r", "a", 100))
    server.on_message("c2", DelIfValue(2, "r", "b"))
    server.on_message("c2", ExtendIfValue(3, "r", "b", 100))
    replies = [e.msg for e in server.take_effects() if hasattr(e, "msg")]
    assert isinstance(replies[1], DelReply) and not replies[1].ok and "held by 'a'" in replies[1].reason
    assert isinstance(replies[2], ExtendReply) and not replies[2].ok


def test_a_restarted_server_refuses_grants_for_its_restart_delay():
    sim = lock_sim(0, clients=[])
    sim.run(until=10)
    sim.crash("s1")
    sim.restart("s1")
    sim.run(until=20)
    node = sim.node("s1")
    assert not node.ready
    sim.run(until=20 + 110 + 1)
    assert node.ready


def test_backoff_is_exponential_with_full_jitter_capped_and_bounded():
    b = Backoff(base=5, cap=40, attempts=4)
    assert [b.ceiling(k) for k in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 40]
    rng = random.Random(1)
    draws = [b.delay(3, rng) for _ in range(200)]
    assert all(0 <= d <= 20 for d in draws) and max(draws) > 15 and min(draws) < 5
    with pytest.raises(ConfigError, match="attempts must be an int >= 1"):
        Backoff(attempts=0)


def test_a_contended_client_retries_with_backoff_and_gives_up_after_its_attempts():
    sim = lock_sim(3, clients=[dict(rounds=1, work=(400.0, 400.0)),
                               dict(rounds=1, start_at=5.0, backoff=Backoff(base=5, cap=10, attempts=3))])
    sim.run(until=300)
    gave_up = sim.trace.notes("c2", "lock")
    assert [r[5]["lock"] for r in gave_up] == ["gave up"] and gave_up[0][5]["attempts"] == 3
    assert sim.node("c2").refusals  # its clean-up releases were refused: it never held the lock


def test_validity_is_ttl_less_elapsed_less_the_redis_drift_allowance():
    assert validity_time(10_000, 50) == pytest.approx(10_000 - 50 - (100 + 2))
    assert validity_time(100, 0, drift_factor=0.0, drift_ms=0.0) == 100


def test_redlock_needs_a_majority_and_refuses_a_quorum_above_the_server_count():
    assert [majority(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    with pytest.raises(ConfigError, match="quorum 6 is larger than the 5 lock servers"):
        check_quorum(6, 5)
    with pytest.raises(ConfigError, match="larger than the 5 lock servers"):
        RedlockClient("c1", servers=["s1", "s2", "s3", "s4", "s5"], storage="store", quorum=6)
    with pytest.raises(ConfigError, match="quorum must be an int >= 1"):
        check_quorum(0, 5)


def test_redlock_holds_with_three_of_five_grants_and_not_with_two():
    def run(reachable):
        sim = lock_sim(0, servers=5, clients=[dict(rounds=1)])
        for s in ("s1", "s2", "s3", "s4", "s5")[reachable:]:
            sim.net.cut("c1", s)
        sim.run(until=60)
        return [r[5]["lock"] for r in sim.trace.notes("c1", "lock")]

    assert run(3)[0] == "acquired"
    assert "acquired" not in run(2)


def test_a_failed_redlock_attempt_releases_on_every_server():
    sim = lock_sim(0, servers=5, clients=[dict(rounds=1, backoff=Backoff(attempts=1))])
    for s in ("s4", "s5", "s3"):
        sim.net.cut("c1", s)
    sim.run(until=60)
    assert all(sim.node(s).table.holder("file", sim.now) is None for s in ("s1", "s2"))
    assert sim.node("c1").refusals == []  # the two granted keys were released by their owner


def test_an_acquisition_slower_than_the_ttl_is_not_a_hold():
    sim = lock_sim(0, servers=5, latency=60, clients=[dict(rounds=1, backoff=Backoff(attempts=1),
                                                           attempt_timeout=99.0)])
    sim.run(until=400)
    assert "acquired" not in [r[5]["lock"] for r in sim.trace.notes("c1", "lock")]
