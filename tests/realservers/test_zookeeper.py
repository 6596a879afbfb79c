"""kazoo's Lock and Election recipes on a real standalone ZooKeeper."""

from __future__ import annotations

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import LockTimeout

from dsworkbook.errors import ConfigError
from dsworkbook.realservers import check_path, contend, elect, lock_czxid


@pytest.fixture
def client(zookeeper):
    zk = KazooClient(hosts=zookeeper.hosts, timeout=5.0)
    zk.start(timeout=10)
    yield zk
    zk.stop()
    zk.close()


def test_ephemeral_sequential_nodes_get_increasing_numbers(client):
    client.ensure_path("/group")
    a = client.create("/group/member-", ephemeral=True, sequence=True)
    b = client.create("/group/member-", ephemeral=True, sequence=True)
    assert (a, b) == ("/group/member-0000000000", "/group/member-0000000001")


def test_a_second_client_cannot_take_a_held_lock(zookeeper, client):
    other = KazooClient(hosts=zookeeper.hosts, timeout=5.0)
    other.start(timeout=10)
    try:
        mine, theirs = client.Lock("/locks/x", "me"), other.Lock("/locks/x", "them")
        assert mine.acquire(timeout=2)
        with pytest.raises(LockTimeout):           # kazoo raises rather than returning False
            theirs.acquire(timeout=0.3)
        assert theirs.contenders() == ["me"]
        token = lock_czxid(client, mine)
        mine.release()
        assert theirs.acquire(timeout=2) and lock_czxid(other, theirs) > token
        theirs.release()
    finally:
        other.stop()
        other.close()


def test_contending_clients_never_overlap_and_their_czxids_grow(zookeeper):
    r = contend(zookeeper, contenders=3, rounds=2)
    assert len(r.holds) == 6 and {h.who for h in r.holds} == {"c0", "c1", "c2"}
    assert r.overlaps == 0
    assert r.tokens_increase


def test_the_election_recipe_elects_the_first_and_fails_over_to_the_next(zookeeper):
    r = elect(zookeeper, candidates=3)
    assert r.contenders == ("n0", "n1", "n2")
    assert r.leaders == ("n0", "n1")
    assert r.failover_s < 2.0


def test_asking_for_the_token_of_a_lock_not_held_is_refused(client):
    with pytest.raises(ConfigError, match="not held"):
        lock_czxid(client, client.Lock("/locks/y"))


@pytest.mark.parametrize("path", ["locks/x", "", "/locks/", None])
def test_a_znode_path_without_a_leading_slash_is_refused(path):
    with pytest.raises(ConfigError, match="starts with '/'"):
        check_path(path)
