"""Isolation anomalies, two-phase commit and SKIP LOCKED relays on a real PostgreSQL (one cluster)."""

from __future__ import annotations

import pytest

from dsworkbook.transactions.isolation import anomaly_matrix, isolation_runs
from dsworkbook.transactions.postgres_2pc import (BRIDGE_CRASHES, CoordinatorLog, PgBridge, PgParticipant,
                                                  coordinator_crash_demo, prepared_xacts, simulated_coordinator_crash)
from dsworkbook.transactions.twophase import commit_sim
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


# --- the simulator's 2PC coordinator driving two PostgreSQL databases (PgBridge) ---------------------

def test_the_simulated_coordinator_crashes_after_its_decision_and_the_prepared_transactions_block_a_writer(
        postgres, tmp_path):
    run = simulated_coordinator_crash(postgres, tmp_path / "log.db", seed=0, crash="after_decision",
                                      recovery="restart", outage=500.0, lock_timeout_ms=200)
    # while the coordinator is down: both prepared in PostgreSQL, the decision is only in its log
    assert run.votes == {"rm1": "yes", "rm2": "yes"} and run.tm_down and run.logged_decision == "commit"
    assert run.states_while_down == {"rm1": "prepared", "rm2": "prepared"}
    assert run.prepared_while_down == ["transfer-sim@bank_a", "transfer-sim@bank_b"]
    assert run.blocked_sqlstate == "55P03" and 0.19 <= run.blocked_seconds < 2.0   # lock_not_available
    # the restarted coordinator reads its log and resends Commit: COMMIT PREPARED on both
    assert [op.sql.split(" '")[0] for op in run.ops] == ["PREPARE TRANSACTION", "PREPARE TRANSACTION",
                                                         "decision transfer-sim = commit", "COMMIT PREPARED",
                                                         "COMMIT PREPARED"]
    assert all(op.time >= 500.0 for op in run.ops if op.sql.startswith("COMMIT"))
    assert run.final_states == {"rm1": "committed", "rm2": "committed"} and run.violation is None
    assert run.prepared_after == [] and run.update_after_ok and run.balances == {"bank_a": 90, "bank_b": 10}
    assert all(held is not None and held > 490.0 for held in run.lock_held_ms.values())   # held for the outage
    assert "atomic" in run.verdict() and "seed=0" in run.verdict()


def test_a_crash_before_the_decision_record_restarts_into_presumed_abort_rollback_prepared(postgres, tmp_path):
    run = simulated_coordinator_crash(postgres, tmp_path / "log.db", crash="before_decision")
    assert run.logged_decision is None and len(run.prepared_while_down) == 2 and run.blocked_sqlstate == "55P03"
    assert [op.sql.split(" '")[0] for op in run.ops][-2:] == ["ROLLBACK PREPARED", "ROLLBACK PREPARED"]
    assert run.final_states == {"rm1": "aborted", "rm2": "aborted"} and run.balances == {"bank_a": 100, "bank_b": 0}


def test_recover_from_the_coordinator_log_finishes_what_the_simulated_coordinator_left_prepared(postgres, tmp_path):
    run = simulated_coordinator_crash(postgres, tmp_path / "log.db", recovery="log")
    assert run.recovered == [("transfer-sim@bank_a", "commit"), ("transfer-sim@bank_b", "commit")]
    assert run.prepared_after == [] and run.balances == {"bank_a": 90, "bank_b": 10}


def test_without_a_crash_nothing_stays_prepared_and_a_failed_work_votes_no_and_both_abort(postgres, tmp_path):
    ok = simulated_coordinator_crash(postgres, tmp_path / "a.db", crash=None)
    assert not ok.tm_down and ok.prepared_while_down == [] and ok.blocked_sqlstate is None
    assert ok.balances == {"bank_a": 90, "bank_b": 10}
    # 500 > bank_a's 100: the CHECK constraint fails the work, rm1 votes no; rm2 learns abort by asking rm1
    no = simulated_coordinator_crash(postgres, tmp_path / "b.db", amount=500)
    assert no.votes == {"rm1": "no", "rm2": "yes"} and no.final_states == {"rm1": "aborted", "rm2": "aborted"}
    assert no.balances == {"bank_a": 100, "bank_b": 0} and no.prepared_after == []


def test_the_bridge_rejects_bad_arguments(postgres, tmp_path):
    with pytest.raises(ConfigError, match="crash point"):
        simulated_coordinator_crash(postgres, tmp_path / "x.db", crash="midway")
    with pytest.raises(ConfigError, match="recovery"):
        simulated_coordinator_crash(postgres, tmp_path / "x.db", recovery="pray")
    with pytest.raises(ConfigError, match="outage"):
        simulated_coordinator_crash(postgres, tmp_path / "x.db", outage=10)
    assert set(BRIDGE_CRASHES) == {"after_decision", "before_decision", None}


def test_the_bridge_needs_the_trace_of_persist_records(tmp_path):
    log = CoordinatorLog(tmp_path / "log.db")
    with pytest.raises(ConfigError, match="trace=True"):
        PgBridge(commit_sim(0, participants=2, trace=False), {}, log)
    log.close()


def test_skip_locked_relays_publish_each_message_once_and_never_hold_the_same_row(postgres):
    run = run_relays(postgres, relays=3, messages=60)
    assert run.unpublished == 0 and run.duplicates == 0 and run.overlaps == 0
    assert set(run.publishes.values()) == {1} and len(run.by_relay) >= 2      # the work was shared


def test_relays_without_row_locks_claim_the_same_rows_and_publish_twice(postgres):
    run = run_relays(postgres, relays=3, messages=30, locking="none")
    assert run.overlaps > 0 and run.duplicates > 0 and run.unpublished == 0
    with pytest.raises(ConfigError, match="unknown locking"):
        run_relays(postgres, locking="nowait")
