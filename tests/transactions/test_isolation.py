"""The multi-version store: which level prevents which anomaly (Berenson et al. 1995; PostgreSQL 13.2)."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.isolation import MVStore, anomaly_matrix, isolation_runs, isolation_table
from dsworkbook.transactions.isolation_model import (Commit, Read, Scenario, SCENARIOS, Write, check_level,
                                                      run_scenario)

ANOMALIES = ["dirty read", "non-repeatable read", "lost update", "write skew", "phantom"]
# what each level allows, level by level (True = the anomaly happens)
EXPECTED = {
    "READ UNCOMMITTED": [True, True, True, True, True],
    "READ COMMITTED": [False, True, True, True, True],
    "REPEATABLE READ": [False, False, False, True, False],      # snapshot isolation: only write skew
    "SERIALIZABLE": [False, False, False, False, False],
}


def test_the_anomaly_table_of_the_simulated_store():
    got = anomaly_matrix(isolation_runs())
    for level, row in EXPECTED.items():
        assert [got[(a, level)] for a in ANOMALIES] == row, level


def test_snapshot_isolation_stops_the_lost_update_by_first_updater_wins_and_the_retry_succeeds():
    run = run_scenario(MVStore(), SCENARIOS["lost update"], "REPEATABLE READ")
    assert run.blocked == ["T2: Write x"] and run.retried == ["T2"]
    assert run.failures == ["T2: 40001: could not serialize access due to concurrent update"]
    assert run.rows == {"x": 130}


def test_serializable_aborts_one_side_of_write_skew_and_its_retry_sees_the_other():
    run = run_scenario(MVStore(), SCENARIOS["write skew"], "SERIALIZABLE")
    assert run.failures[0].startswith("T2: 40001") and run.retried == ["T2"]
    assert run.rows == {"x": 0, "y": 1} and run.vars["T2"] == {"x": 0, "y": 1}


def test_the_table_names_every_level_and_anomaly():
    table = isolation_table()
    assert list(table.columns) == list(EXPECTED)
    assert table.loc["write skew [A5B]", "REPEATABLE READ"] == "ANOMALY"


@pytest.mark.parametrize("level", ["read committed", "Repeatable_Read", "SERIALIZABLE"])
def test_level_names_are_normalised(level):
    assert check_level(level) in EXPECTED


def test_bad_input_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown isolation level"):
        run_scenario(MVStore(), SCENARIOS["phantom"], "SNAPSHOT")
    with pytest.raises(ConfigError, match="names transaction 'T3'"):
        Scenario("x", "P", (Read("T3", "x", "a"), Commit("T1"), Commit("T2")), {}, lambda v, r: False, "")
    with pytest.raises(ConfigError, match="must end with exactly one Commit"):
        Scenario("x", "P", (Read("T1", "x", "a"), Commit("T2")), {}, lambda v, r: False, "")
    # a deadlock: each waits for the other's row lock, so neither reaches its Commit
    stuck = Scenario("stuck", "P", (Write("T1", "x", lambda v: 1), Write("T2", "y", lambda v: 2),
                                    Write("T1", "y", lambda v: 3), Write("T2", "x", lambda v: 4),
                                    Commit("T1"), Commit("T2")), {"x": 0, "y": 0}, lambda v, r: False, "")
    with pytest.raises(ConfigError, match="still blocked"):
        run_scenario(MVStore(), stuck, "READ COMMITTED")
