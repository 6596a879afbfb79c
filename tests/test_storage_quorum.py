"""Q03 and Q04 · N/R/W: the arithmetic, stale reads found and measured; PACELC latencies measured."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import History
from dsworkbook.storage import AP, CP, overlap, quorum_setting, stale_read_table, stale_reads, strict
from dsworkbook.storage.pacelc import latencies, latency_table
from dsworkbook.storage.quorum import nrw_sim, worst_case


def _history(rows):
    h = History()
    events = sorted([(r[4], 1, i) for i, r in enumerate(rows)] + [(r[5], 0, i) for i, r in enumerate(rows)])
    ops = {}
    for t, invoke, i in events:
        process, f, key, value, _s, _e, outcome, output = rows[i]
        if invoke:
            ops[i] = h.invoke(process, f, value, t, key=key)
        else:
            h.complete(ops[i], outcome, output, t)
    return h


@pytest.mark.parametrize("n, r, w, shared", [(3, 1, 1, 0), (3, 2, 2, 1), (3, 1, 3, 1), (5, 2, 3, 0), (5, 3, 3, 1),
                                             (5, 5, 5, 5)])
def test_any_read_quorum_and_write_quorum_share_at_least_r_plus_w_minus_n(n, r, w, shared):
    assert overlap(n, r, w) == shared and strict(n, r, w) == (shared > 0)


def test_nrw_are_checked():
    with pytest.raises(ConfigError, match="must each be <= N"):
        overlap(3, 4, 1)
    with pytest.raises(ConfigError, match="whole number >= 1"):
        overlap(3, 0, 1)


# -- what a stale read is ------------------------------------------------------------------------------------


def test_a_read_that_misses_a_write_completed_before_it_began_is_stale():
    h = _history([("a", "write", "x", 1, 0, 10, "ok", None), ("b", "read", "x", None, 20, 30, "ok", None)])
    assert [s.read.index for s in stale_reads(h)] == [1]
    assert "had completed at t=10.0" in stale_reads(h)[0].describe()


@pytest.mark.parametrize("rows", [
    # concurrent with the write: either value is fine
    [("a", "write", "x", 1, 0, 10, "ok", None), ("b", "read", "x", None, 5, 30, "ok", None)],
    # two concurrent writes: either may have been last
    [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 5, 20, "ok", None),
     ("b", "read", "x", None, 25, 30, "ok", 1)],
    # a write that timed out need not have happened
    [("c", "write", "x", 2, 0, 10, "unknown", 2), ("b", "read", "x", None, 25, 30, "ok", None)],
    # another key
    [("a", "write", "y", 1, 0, 10, "ok", None), ("b", "read", "x", None, 20, 30, "ok", None)],
])
def test_reads_that_may_legitimately_miss_a_write_are_not_stale(rows):
    assert stale_reads(_history(rows)) == []


# -- the worst case: stale iff R + W <= N -------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_the_adversary_produces_a_stale_read_exactly_when_quorums_need_not_intersect(n):
    for r in range(1, n + 1):
        for w in range(1, n + 1):
            sim = worst_case(n, r, w)
            assert [op.outcome for op in sim.history] == ["ok", "ok"], (n, r, w)
            assert bool(stale_reads(sim.history)) == (r + w <= n), (n, r, w)


# -- measured rates ---------------------------------------------------------------------------------------------


def test_strict_quorums_never_read_stale_and_r_w_one_sometimes_does():
    table = stale_read_table([(3, 1, 1), (3, 2, 2), (3, 1, 3)], seeds=range(8))
    by = {(row.R, row.W): row for row in table.itertuples()}
    assert by[(2, 2)].stale == 0 and by[(1, 3)].stale == 0  # always
    assert by[(1, 1)].stale > 0 and by[(1, 1)].reads > 300  # sometimes (and the runs did read)


def test_the_same_seed_gives_the_same_history():
    a, b = nrw_sim(4, 3, 1, 1), nrw_sim(4, 3, 1, 1)
    assert a.trace.digest() == b.trace.digest()


# -- PACELC ---------------------------------------------------------------------------------------------------


def test_with_no_partition_consistency_costs_latency():
    p50 = {}
    for s in (AP(3), quorum_setting(3, 2, 2), CP(3)):
        lat = latencies(s, range(5), latency="tail:5:100")
        p50[s.name] = sorted(lat["write"])[len(lat["write"]) // 2]
        assert len(lat["write"]) > 50
    assert p50["AP"] < p50["quorum"] < p50["CP"]


def test_the_latency_table_reports_every_setting():
    table = latency_table([AP(3), CP(3)], seeds=range(2))
    assert list(table.index) == [AP(3).label(), CP(3).label()]
    assert {"read p50", "read p99", "write p50", "write p99", "msgs/op"} <= set(table.columns)
    with pytest.raises(ConfigError, match="at least one seed"):
        latency_table(seeds=[])


# -- the caveats of R + W > N, and latency with a far replica --------------------------------------------------


@pytest.mark.parametrize("n, r, w", [(3, 2, 2), (5, 3, 3), (3, 3, 1)])
def test_strict_quorums_still_read_stale_when_a_fast_clock_stamps_the_older_write(n, r, w):
    from dsworkbook.storage.quorum import skewed_lww

    sim = skewed_lww(n, r, w, skew=300.0)
    assert [op.outcome for op in sim.history] == ["ok", "ok", "ok"]
    assert stale_reads(sim.history) and sim.history[2].output == 1
    again = skewed_lww(n, r, w, skew=0.0)
    assert not stale_reads(again.history) and again.history[2].output == 2  # clocks in sync: no stale read


def test_with_a_far_replica_only_the_writes_that_wait_for_it_pay_its_round_trip():
    from dsworkbook.storage.pacelc import far_latencies

    m = far_latencies(seeds=range(3))
    p50 = {k: v["write p50"] for k, v in m.items()}
    assert p50["W=5"] > 80 > p50["CP"] > p50["W=4"] > p50["W=1"]
    with pytest.raises(ConfigError, match="at least one seed"):
        far_latencies(seeds=[])
