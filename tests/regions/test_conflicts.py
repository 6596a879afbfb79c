"""Conflicts, lost writes and causality measured on active-active runs, and the notebook's tables."""

from __future__ import annotations


import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions import conflicts as c
from dsworkbook.regions.activeactive_run import active_active_run


def test_has_seen_is_the_version_vector_order():
    run = active_active_run(3, rate=40.0, keys=2, loss=0.1)
    ws = run.writes
    for a in ws:
        for b in ws:
            if a.key == b.key:
                assert c.has_seen(a, b) == (b.vv <= a.vv)


def test_a_conflict_is_a_pair_of_concurrent_writes_of_one_key():
    run = active_active_run(3, rate=40.0, keys=2)
    pairs = c.conflict_pairs(run)
    assert pairs and all(a.key == b.key and a.vv.concurrent(b.vv) for a, b in pairs)
    n = sum(1 for i, a in enumerate(run.writes) for b in run.writes[i + 1:]
            if a.key == b.key and a.vv.concurrent(b.vv))
    assert len(pairs) == n


@pytest.mark.parametrize("rate, rtt", [(20, 100), (50, 20)])
def test_conflicts_per_second_follow_the_model_on_a_long_run(rate, rtt):
    df = c.conflict_sweep(rates=(rate,), rtts=(rtt,), duration=20000.0)
    measured, model = df["conflicts/s"].iloc[0], df["model /s"].iloc[0]
    assert abs(measured - model) / model < 0.2


def test_conflicts_grow_with_write_rate_and_with_latency():
    df = c.conflict_sweep()
    table = df["conflicts/s"].unstack()  # rows: rtt, columns: rate
    assert (table.diff(axis=0).iloc[1:] >= 0).all().all()
    assert (table.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    assert table.iloc[-1, -1] > 10 * table.iloc[0, -1]


def test_always_no_causality_violation_with_clocks_in_sync_and_sometimes_one_with_skew():
    for seed in range(1, 6):
        assert c.causality_violations(active_active_run(seed)) == []
    skewed = [active_active_run(seed, skew=500) for seed in range(1, 6)]
    assert all(c.causality_violations(r) for r in skewed)
    for loser, winner in c.causality_violations(skewed[0]):
        assert loser.region == "ap-northeast-1" and loser.timestamp < winner.timestamp  # the clock that is behind


def test_lww_loses_writes_and_the_other_resolutions_lose_none():
    table = c.resolution_table()
    assert table.loc["LWW, fixed", "lost"] > 0 and table.loc["LWW, fixed", "converged"]
    assert not table.loc["LWW, the seed notes' design", "converged"]
    assert table.loc["LWW, the seed notes' design", "cache != db"] > 0
    for row in ("version vectors + siblings", "CRDT: OR-Set (a write adds)", "CRDT: PN-Counter (a write adds 1)"):
        assert table.loc[row, "lost"] == 0 and table.loc[row, "converged"], row
    assert table.loc["version vectors + siblings", "most siblings"] >= 2


def test_skew_raises_lww_causality_violations():
    df = c.skew_losses()
    assert df.loc[0, "causality violated"] == 0
    assert df.loc[500, "causality violated"] > df.loc[100, "causality violated"] > 0


def test_the_home_region_design_trades_conflicts_for_latency():
    df = c.home_region_cost()
    assert (df.loc["one write region per key", "conflicts (whole run)"] == 0).all()
    assert (df.loc["every region writes", "conflicts (whole run)"] > 0).all()
    assert (df.loc["one write region per key", "p50 ms"] > 10 * df.loc["every region writes", "p50 ms"]).all()
    with pytest.raises(ConfigError, match="at least one key per region"):
        c.home_region_cost(keys=2)


def test_a_summary_row_names_the_seed_and_the_figures():
    row = c.run_summary(active_active_run(4))
    assert row["seed"] == 4 and row["writes"] > 0 and row["converged"] is True and row["lost"] >= 0
