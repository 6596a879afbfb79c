"""The server fixtures: loopback only, free ports, private directories, nothing left behind."""

from __future__ import annotations


import psutil
import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.realservers import servers
from dsworkbook.realservers.servers import (ServerUnavailable, four_letter_word, redis_servers,
                                            zookeeper_server)
from tests.fixtures.servers import require


def gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie counts as gone: it runs nothing)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def listening(pid: int) -> set[tuple[str, int]]:
    return {(c.laddr.ip, c.laddr.port) for c in psutil.Process(pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


class Boom(Exception):
    pass


# -- Redis ------------------------------------------------------------------------------------

def test_redis_servers_listen_on_loopback_only_and_answer(redis_factory):
    rs = redis_factory(3)
    assert len({r.port for r in rs}) == 3
    for r in rs:
        assert r.client().ping() is True
        assert listening(r.pid) == {("127.0.0.1", r.port)}
        assert r.client().config_get("save") == {"save": ""}
        assert r.client().config_get("appendonly") == {"appendonly": "no"}
        assert r.client().config_get("dir")["dir"] == str(r.data_dir)


def test_redis_servers_stop_and_remove_their_data_even_when_the_body_raises():
    require("redis")
    with pytest.raises(Boom):
        with redis_servers(2) as rs:
            seen = [(r.pid, r.data_dir) for r in rs]
            assert all(not gone(pid) and d.is_dir() for pid, d in seen)
            raise Boom
    for pid, data_dir in seen:
        assert gone(pid)
        assert not data_dir.exists()


@pytest.mark.parametrize("n", [0, -1, 1.5, True])
def test_redis_servers_refuse_a_bad_count(n):
    with pytest.raises(ConfigError, match="n >= 1"):
        with redis_servers(n):
            pass


# -- ZooKeeper --------------------------------------------------------------------------------

def test_zookeeper_answers_ruok_and_listens_only_on_its_loopback_port(zookeeper):
    assert four_letter_word(zookeeper.host, zookeeper.port, "ruok") == "imok"
    assert "Mode: standalone" in four_letter_word(zookeeper.host, zookeeper.port, "srvr")
    assert listening(zookeeper.pid) == {("127.0.0.1", zookeeper.port)}   # no admin server, no JMX
    assert (zookeeper.data_dir / "zoo.cfg").read_text().count("admin.enableServer=false") == 1


def test_zookeeper_stops_and_removes_its_directory_even_when_the_body_raises():
    require("zookeeper")
    with pytest.raises(Boom):
        with zookeeper_server() as zk:
            pid, root = zk.pid, zk.data_dir
            assert not gone(pid) and (root / "data").is_dir()
            raise Boom
    assert gone(pid)
    assert not root.exists()


# -- a missing server: skip with the install command, or fail under CI=true -------------------

@pytest.fixture
def nothing_installed(monkeypatch):
    monkeypatch.setattr(servers.shutil, "which", lambda name: None)


@pytest.mark.parametrize("server, command", [("redis", "sudo apt-get install redis-server"),
                                             ("zookeeper", "sudo apt-get install zookeeper")])
def test_a_missing_server_skips_with_the_install_command_outside_ci(nothing_installed, monkeypatch, server, command):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=command) as info:
        require(server)
    assert "brew install" in str(info.value) and "conda install" in str(info.value)


@pytest.mark.parametrize("server", ["redis", "zookeeper"])
def test_a_missing_server_fails_under_ci(nothing_installed, monkeypatch, server):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but .* not installed"):
        require(server)


def test_the_context_managers_name_the_install_command_when_the_server_is_missing(nothing_installed):
    assert not servers.redis_available() and not servers.zookeeper_available()
    with pytest.raises(ServerUnavailable, match="sudo apt-get install redis-server"):
        with redis_servers(1):
            pass
    with pytest.raises(ServerUnavailable, match="sudo apt-get install zookeeper"):
        with zookeeper_server():
            pass


def test_homebrew_and_conda_zookeeper_scripts_are_found_too(monkeypatch):
    # the other half of the pair above: with no Debian jars, a zkServer script on PATH is used
    monkeypatch.setattr(servers, "DEBIAN_ZOOKEEPER_JARS", ("/nonexistent/zookeeper.jar",))
    found = {"java": "/opt/bin/java", "zkServer": "/opt/bin/zkServer"}
    monkeypatch.setattr(servers.shutil, "which", found.get)
    assert servers.zookeeper_available()
    assert servers._zookeeper_command(servers.Path("/t/zoo.cfg")) == ["/opt/bin/zkServer", "start-foreground", "/t/zoo.cfg"]
    monkeypatch.setattr(servers.shutil, "which", {"redis-server": "/opt/bin/redis-server"}.get)
    assert servers.redis_available() and not servers.zookeeper_available()      # no java: no ZooKeeper
