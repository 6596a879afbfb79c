"""Failover (G04): lost acknowledged writes, unavailability, false failovers, split brain and epochs.

Each test is one sentence of dsworkbook/regions/failover.py's docstring, in arrange / act / check form.
"""

from __future__ import annotations

import math

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions.failover import (failover_run, false_failovers, lost_writes, lost_writes_table,
                                         split_brain)


@pytest.mark.parametrize("kwargs, words", [
    (dict(mode="eventual"), "mode must be one of"),
    (dict(fault="flood"), "fault must be one of"),
    (dict(timeout=0), "detector timeout"),
    (dict(timeout=-5.0), "detector timeout"),
])
def test_bad_arguments_are_clear_errors(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        failover_run(1, **kwargs)


# -- lost acknowledged writes: mode x fault x detector timeout ----------------------------------------------

@pytest.mark.parametrize("fault", ["crash", "partition"])
@pytest.mark.parametrize("mode, loses", [("sync", False), ("semi-sync", False), ("async", True)])
def test_only_asynchronous_replication_loses_acknowledged_writes_on_failover(fault, mode, loses):
    run = failover_run(1, mode=mode, timeout=150.0, fault=fault)
    assert run.promotions, "sometimes: a follower was promoted"
    assert run.acked, "sometimes: writes were acknowledged"
    assert bool(run.lost) is loses


def test_a_partition_shorter_than_the_detector_timeout_loses_nothing_even_asynchronously():
    short = failover_run(1, mode="async", timeout=900.0, fault="partition", fault_for=600.0)
    long = failover_run(1, mode="async", timeout=300.0, fault="partition", fault_for=600.0)
    assert not short.promotions and not short.lost
    assert long.promotions and len(long.lost) > len(failover_run(1, mode="async", timeout=300.0).lost)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_new_leader_has_every_write_a_semi_sync_leader_acknowledged(seed):
    run = failover_run(seed, mode="semi-sync", timeout=200.0, fault="crash")
    kept = {e.value for e in run.final_log}
    assert all(a.value in kept for a in run.acked) and run.leader != "us-east-1"


def test_the_lost_writes_table_has_a_row_per_fault_mode_and_timeout():
    frame = lost_writes(1, timeouts=(150.0, 900.0))
    assert len(frame) == 2 * 3 * 2
    table = lost_writes_table(frame)
    assert table.loc[("partition", "async"), 150.0] > 0 == table.loc[("partition", "async"), 900.0]
    assert (table.loc[[("crash", "sync"), ("crash", "semi-sync")]] == 0).all().all()


# -- unavailability and false failovers ---------------------------------------------------------------------

def test_unavailability_grows_with_the_detector_timeout():
    times = [failover_run(1, mode="semi-sync", timeout=t, fault="crash").unavailability() for t in (100, 300, 900)]
    assert times[0] < times[1] < times[2] < math.inf
    assert times[0] > 100


def test_synchronous_replication_to_every_follower_blocks_when_one_of_them_is_dead():
    run = failover_run(1, mode="sync", timeout=150.0, fault="crash")  # the old leader is a sync follower now
    assert run.promotions and run.unavailability() == math.inf


def test_a_timeout_near_the_heartbeat_interval_fails_over_without_a_failure():
    df = false_failovers(1).set_index("timeout ms")["false failovers"]
    assert df.iloc[0] > df.iloc[-1] == 0
    assert list(df) == sorted(df, reverse=True)


def test_a_run_without_a_fault_and_a_safe_timeout_never_fails_over():
    run = failover_run(2, mode="semi-sync", timeout=250.0, fault=None)
    assert not run.promotions and run.acked and run.unavailability() == 0.0


# -- split brain and epochs ---------------------------------------------------------------------------------

def test_without_fencing_the_returning_leader_keeps_acknowledging_and_the_histories_diverge():
    df = split_brain(1).set_index("fencing")
    fenced, unfenced = df.loc[True], df.loc[False]
    assert fenced["leaders after heal"] == ["eu-west-1"] and fenced["lost"] == 0 and fenced["logs agree"]
    assert fenced["positions acknowledged twice"] == 0
    assert len(unfenced["leaders after heal"]) == 2 and unfenced["lost"] > 0 and not unfenced["logs agree"]


def test_with_fencing_the_old_leader_steps_down_and_every_promotion_bumps_the_epoch():
    run = failover_run(1, mode="semi-sync", timeout=150.0, fault="partition", fault_for=600.0)
    epochs = [e for _, e, _ in run.promotions]
    assert epochs == sorted(set(epochs)) and epochs[0] >= 2
    old = run.sim.node("us-east-1")
    assert not old.leading and old.epoch == epochs[-1]
    assert all(len(leaders) == 1 for leaders in run.leaders_per_epoch().values())
