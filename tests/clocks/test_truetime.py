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
        assert ops[t1].complete_time < ops[t2].invoke_time and s1 >= s2


def test_a_commit_rule_returning_nonsense_stops_the_run_with_a_clear_error():
    from dsworkbook.errors import NodeError

    with pytest.raises(NodeError, match="commit_rule must return"):
        spanner_run(1, commit_rule=lambda now: now.latest)
    with pytest.raises(NodeError, match="negative wait"):
        spanner_run(1, commit_rule=lambda now: (now.latest, -1.0))
