"""The PostgreSQL server fixture: loopback only, a private cluster, nothing left behind."""

from __future__ import annotations

import psutil
import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.realservers import servers
from dsworkbook.realservers.servers import ServerUnavailable, postgres_server
from tests.fixtures.servers import require


class Boom(Exception):
    pass


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_postgres_answers_listens_on_loopback_only_and_allows_prepared_transactions(postgres):
    with postgres.connect() as c:
        assert c.execute("SHOW max_prepared_transactions").fetchone() == ("10",)
        assert c.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
    listening = {(c.laddr.ip, c.laddr.port) for c in psutil.Process(postgres.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN}
    assert listening == {("127.0.0.1", postgres.port)}


def test_postgres_stops_with_all_its_processes_and_removes_its_cluster_even_when_the_body_raises():
    require("postgresql")
    with pytest.raises(Boom):
        with postgres_server() as pg:
            children = [p.pid for p in psutil.Process(pg.pid).children(recursive=True)]
            root, pid = pg.data_dir, pg.pid
            assert children and (root / "data" / "PG_VERSION").exists()
            raise Boom
    assert gone(pid) and all(gone(c) for c in children)
    assert not root.exists()


def test_a_bad_setting_and_a_missing_server_are_config_errors(monkeypatch):
    with pytest.raises(ConfigError, match="max_prepared_transactions"):
        with postgres_server(-1):
            pass
    monkeypatch.setattr(servers, "_postgres_bin", lambda: None)
    assert not servers.postgres_available()
    with pytest.raises(ServerUnavailable, match="sudo apt-get install postgresql"):
        with postgres_server():
            pass
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="brew install postgresql@15"):
        require("postgresql")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but"):
        require("postgresql")
