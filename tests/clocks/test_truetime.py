"""TrueTime intervals and commit wait: external consistency measured over many seeds."""

from __future__ import annotations

import pytest

from dsworkbook.clocks import (TrueTime, TTInterval, commit_wait_experiment, no_wait_commit, spanner_commit,
                               spanner_run)
from dsworkbook.errors import ConfigError


def test_tt_now_is_an_interval_of_half_width_eps_around_the_local_clock():
    tt = TrueTime(5)
    assert tt.now(100) == TTInterval(95, 105) and tt.now(100).width == 10 and tt.now(100).contains(103)
    assert tt.after(94, local=100) and not tt.after(95, local=100)
    assert tt.before(106, local=100) and not tt.before(105, local=100)
    assert tt.holds(-5) and not tt.holds(5.1)


@pytest.mark.parametrize("make, match", [(lambda: TTInterval(2, 1), "earliest"), (lambda: TrueTime(-1), ">= 0"),
                                         (lambda: TrueTime(5).now(float("nan")), "finite")])
def test_bad_intervals_are_refused(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


def test_spanner_commits_at_latest_and_waits_until_earliest_passes_it():
    s, wait = spanner_commit(TTInterval(95, 105))
    assert (s, wait) == (105, 10)
    assert TrueTime(5).after(s, local=100 + wait + 1e-9)


def test_commit_wait_keeps_external_consistency_and_no_wait_does_not():
    table = commit_wait_experiment(seeds=range(40))
    assert table.loc["commit wait", "violations"] == 0
    assert table.loc["no wait", "runs with a violation"] > 10  # sometimes is plenty here
    assert table.loc["commit wait", "pairs checked"] > 10_000
    assert table.loc["commit wait", "mean commit latency (ms)"] > table.loc["no wait", "mean commit latency (ms)"] + 8


def test_a_clock_beyond_eps_breaks_external_consistency_even_with_the_wait():
    runs = [spanner_run(seed, bad_clock=9.0) for seed in range(40)]
    assert any(r.violations for r in runs)


def test_a_violation_is_a_later_transaction_with_a_smaller_timestamp():
    r = spanner_run(7, commit_rule=no_wait_commit)
    ops = {op.input: op for op in r.sim.history}
    assert r.violations
    for t1, t2, s1, s2 in r.violations:
        a, b = ops[t1], ops[t2]
        assert (a.complete_time < b.invoke_time or (a.complete_time == b.invoke_time and a.process == b.process))
        assert s1 >= s2


def test_a_client_that_starts_on_the_acknowledgement_is_ordered_after_it():
    # a client invokes its next transaction in the instant the last one is acknowledged: still after it
    r = spanner_run(3, commit_rule=no_wait_commit, clients=1, offsets=(5.0, -5.0, 0.0), latency=0.01, txns=20)
    ops = [op for op in r.sim.history if op.outcome == "ok"]
    assert all(a.complete_time == b.invoke_time for a, b in zip(ops, ops[1:]))
    assert r.pairs == len(ops) * (len(ops) - 1) // 2
    assert r.violations  # the no-wait rule with clocks at the edge of the promise puts some out of order


def _slow_external_consistency(sim):
    """The definition, pair by pair: T1 completed before T2 was invoked (or in that instant on one client)."""
    ops = [op for op in sim.history if op.outcome == "ok"]
    pairs, bad = 0, set()
    for t1 in ops:
        for t2 in ops:
            if t1 is not t2 and (t1.complete_time < t2.invoke_time or (t1.complete_time == t2.invoke_time
                                                                       and t1.process == t2.process)):
                pairs += 1
                if not t1.output < t2.output:
                    bad.add((t1.input, t2.input, t1.output, t2.output))
    return pairs, bad


@pytest.mark.parametrize("seed", range(8))
def test_the_fast_external_consistency_check_agrees_with_the_definition(seed):
    from dsworkbook.clocks import external_consistency

    r = spanner_run(seed, commit_rule=no_wait_commit, clients=3)
    pairs, bad = external_consistency(r.sim)
    assert (pairs, set(bad)) == _slow_external_consistency(r.sim) and len(bad) == len(set(bad))


def test_leaders_exactly_at_the_edge_of_the_promise_keep_the_order_with_the_wait_and_break_it_with_less():
    runs = [spanner_run(seed, offsets=(5.0, -5.0, 5.0), latency=0.01, txns=30) for seed in range(3)]
    assert all(not r.violations for r in runs) and sum(r.pairs for r in runs) > 1000
    short = [spanner_run(seed, commit_rule=lambda now: (now.latest, 0.98 * now.width), offsets=(5.0, -5.0, 5.0),
                         latency=0.01, txns=30) for seed in range(3)]
    assert any(r.violations for r in short)


@pytest.mark.parametrize("offsets, match", [((1.0, 2.0), "one clock offset"), ((1.0, 2.0, float("inf")), "finite"),
                                            ("abc", "one clock offset")])
def test_offsets_are_checked(offsets, match):
    with pytest.raises(ConfigError, match=match):
        spanner_run(1, offsets=offsets)


def test_a_commit_rule_returning_nonsense_stops_the_run_with_a_clear_error():
    from dsworkbook.errors import NodeError

    with pytest.raises(NodeError, match="commit_rule must return"):
        spanner_run(1, commit_rule=lambda now: now.latest)
    with pytest.raises(NodeError, match="negative wait"):
        spanner_run(1, commit_rule=lambda now: (now.latest, -1.0))
