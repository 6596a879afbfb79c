"""Kleppmann's process pause on real servers: a double holder and a lost write; fencing stops it.

Client 1 runs in a child process and is frozen with SIGSTOP between its lock check and its write.
"""

from __future__ import annotations

import psutil
import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.realservers import Storage, redis_pause_experiment, zookeeper_pause_experiment

pytestmark = pytest.mark.slow


def no_client_left() -> bool:
    return not any("paused_client" in " ".join(p.cmdline()) for p in psutil.Process().children(recursive=True)
                   if p.status() != psutil.STATUS_ZOMBIE)


# -- the storage --------------------------------------------------------------------------------

def test_fenced_storage_rejects_an_older_token_and_unfenced_accepts_it():
    fenced, plain = Storage(fenced=True), Storage(fenced=False)
    for s in (fenced, plain):
        s.write("second", "B", 2)
        s.write("first", "A", 1)
    assert fenced.value == "B" and [w.accepted for w in fenced.writes] == [True, False]
    assert plain.value == "A" and [w.accepted for w in plain.writes] == [True, True]
    with pytest.raises(ConfigError, match="fencing token"):
        fenced.write("x", "C", None)


# -- Redis: Redlock on five servers, fencing tokens by INCR on a sixth ----------------------------

def test_redis_pause_past_the_ttl_gives_two_holders_and_a_lost_write(redis6):
    r = redis_pause_experiment(redis6[:5], redis6[5], fenced=False, ttl_ms=500)
    assert r.second_acquired and r.second_waited_s < 2.0
    assert r.first_believed_holder and r.event("checked")["valid"]
    assert r.double_holder and r.lost_write
    assert r.final_value == "first" and [w.writer for w in r.writes] == ["second", "first"]
    assert no_client_left()


def test_redis_pause_with_fencing_tokens_rejects_the_stale_write(redis6):
    r = redis_pause_experiment(redis6[:5], redis6[5], fenced=True, ttl_ms=500)
    assert r.double_holder                        # fencing does not stop two clients believing...
    assert r.tokens[0] < r.tokens[1]
    assert r.stale_write_rejected and not r.lost_write and r.final_value == "second"  # ...it stops the harm
    assert r.event("reply")["reply"] == "rejected"
    assert no_client_left()


def test_redis_without_the_pause_the_renewed_lease_keeps_client_2_out(redis6):
    # the control: same timeline, no SIGSTOP; client 1's watchdog keeps extending its lease
    r = redis_pause_experiment(redis6[:5], redis6[5], fenced=False, ttl_ms=500, pause=False)
    assert not r.second_acquired and not r.double_holder and not r.lost_write
    assert r.event("lease_lost") is None and r.event("reply")["released_on"] == 5


# -- ZooKeeper: kazoo's Lock, session expiry, czxid as the fencing token --------------------------

def test_zookeeper_pause_past_session_expiry_gives_two_holders_and_a_lost_write(zookeeper):
    r = zookeeper_pause_experiment(zookeeper, fenced=False, session_timeout_s=1.0)
    assert r.second_acquired and 0.9 < r.second_waited_s < 4.5      # the session timeout, clamped to 1-4 s
    assert r.double_holder and r.lost_write and r.final_value == "first"
    states = [d["state"] for ev, d in r.events if ev == "state"]
    assert states[0] == "CONNECTED" and "LOST" in states
    write_at, lost_at = r.event("write")["t"], next(d["t"] for ev, d in r.events if d.get("state") == "LOST")
    assert write_at < lost_at                     # it wrote before it learned that it had lost the lock
    assert r.event("after_lost")["saw_lost"]
    assert no_client_left()


def test_zookeeper_pause_with_the_czxid_as_fencing_token_rejects_the_stale_write(zookeeper):
    r = zookeeper_pause_experiment(zookeeper, fenced=True, session_timeout_s=1.0)
    assert r.double_holder and r.tokens[0] < r.tokens[1]
    assert r.stale_write_rejected and r.final_value == "second" and not r.lost_write
