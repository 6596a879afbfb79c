"""Isolation anomalies, two-phase commit and SKIP LOCKED relays on a real PostgreSQL (one cluster)."""

from __future__ import annotations

import pytest

from dsworkbook.transactions.isolation import anomaly_matrix, isolation_runs
from dsworkbook.transactions.postgres_2pc import PgParticipant, coordinator_crash_demo, prepared_xacts
from dsworkbook.transactions.postgres_isolation import isolation_comparison, postgres_isolation_runs
from dsworkbook.transactions.postgres_outbox import run_relays
from dsworkbook.errors import ConfigError

ANOMALIES = ["dirty read", "non-repeatable read", "lost update", "write skew", "phantom"]


def test_postgres_anomalies_per_level_match_the_documented_table_and_the_simulated_store(postgres):
    pg = postgres_isolation_runs(postgres)
    got = anomaly_matrix(pg)
    # PostgreSQL 13.2 Table 13.1, with READ UNCOMMITTED behaving as READ COMMITTED
    for level in ("READ UNCOMMITTED", "READ COMMITTED"):
        assert [got[(a, level)] for a in ANOMALIES] == [False, True, True, True, True]
    assert [got[(a, "REPEATABLE READ")] for a in ANOMALIES] == [False, False, False, True, False]
    assert [got[(a, "SERIALIZABLE")] for a in ANOMALIES] == [False] * 5
    sim = anomaly_matrix(isolation_runs())
    for level in ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"):
        assert all(sim[(a, level)] == got[(a, level)] for a in ANOMALIES)
    table = isolation_comparison(isolation_runs(), pg)
    assert not table[("READ UNCOMMITTED", "agree")]["dirty read [P1 (A1; Adya G1a)]"]


def test_postgres_blocks_the_second_writer_and_serializable_aborts_with_40001_then_retries(postgres):
    runs = {(r.scenario, r.level): r for r in postgres_isolation_runs(postgres, ("READ COMMITTED", "SERIALIZABLE"))}
    assert runs[("lost update", "READ COMMITTED")].blocked == ["T2: Write x"]
    assert runs[("lost update", "READ COMMITTED")].rows == {"x": 120}       # T1's +10 is lost
    skew = runs[("write skew", "SERIALIZABLE")]
    assert skew.failures == ["T2: 40001: could not serialize access due to read/write dependencies "
                             "among transactions"]
    assert skew.retried == ["T2"] and skew.rows == {"x": 0, "y": 1}


def test_prepared_transactions_outlive_the_coordinator_block_writers_and_recover_from_the_log(postgres, tmp_path):
    demo = coordinator_crash_demo(postgres, tmp_path / "coordinator.db", lock_timeout_ms=300)
    assert demo.votes == {"bank_a": "yes", "bank_b": "yes"}
    assert demo.prepared_after_crash == ["transfer-1@bank_a", "transfer-1@bank_b"]
    assert demo.blocked_sqlstate == "55P03" and 0.29 <= demo.blocked_seconds < 2.0   # lock_not_available
    assert demo.recovered == [("transfer-1@bank_a", "commit"), ("transfer-1@bank_b", "commit")]
    assert demo.prepared_after_recovery == [] and demo.balances == {"bank_a": 90, "bank_b": 10}


def test_a_participant_votes_no_when_its_work_failed_and_abort_rolls_back_a_prepared_one(postgres):
    with postgres.connect() as c:
        c.execute("DROP TABLE IF EXISTS t2pc")
        c.execute("CREATE TABLE t2pc (id int PRIMARY KEY)")
        bad = PgParticipant(postgres.connect())
        with pytest.raises(Exception):
            bad.execute("INSERT INTO t2pc VALUES (1), (1)")
        assert bad.prepare("tx-no") == "no"
        good = PgParticipant(postgres.connect())
        good.execute("INSERT INTO t2pc VALUES (2)")
        assert good.prepare("tx-yes") == "yes"
        assert "tx-yes@postgres" in [r["gid"] for r in prepared_xacts(c)]
        good.abort("tx-yes")
        assert prepared_xacts(c) == [] and c.execute("SELECT count(*) FROM t2pc").fetchone() == (0,)
        bad.conn.close(), good.conn.close()
        with pytest.raises(ConfigError, match="txid"):
            good.gid("it's")


def test_skip_locked_relays_publish_each_message_once_and_never_hold_the_same_row(postgres):
    run = run_relays(postgres, relays=3, messages=60)
    assert run.unpublished == 0 and run.duplicates == 0 and run.overlaps == 0
    assert set(run.publishes.values()) == {1} and len(run.by_relay) >= 2      # the work was shared


def test_relays_without_row_locks_claim_the_same_rows_and_publish_twice(postgres):
    run = run_relays(postgres, relays=3, messages=30, locking="none")
    assert run.overlaps > 0 and run.duplicates > 0 and run.unpublished == 0
    with pytest.raises(ConfigError, match="unknown locking"):
        run_relays(postgres, locking="nowait")
