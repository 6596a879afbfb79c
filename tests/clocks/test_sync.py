"""TrueTime on NTP: eps must cover a poll's error plus the drift until the next poll (Spanner §3)."""

from __future__ import annotations

import pytest

from dsworkbook.clocks import SYNC_GOALS, SyncGoals, sync_run
from dsworkbook.errors import ConfigError


def test_the_setting_is_printed_in_words():
    text = str(SYNC_GOALS)
    assert "200 ppm" in text and "5000 ms" in text and "13 ms" in text and len(SYNC_GOALS.rows()) == 6


def test_in_the_worst_case_the_error_is_a_sawtooth_from_half_the_round_trip_to_that_plus_the_drift():
    run = sync_run(0, poll_every=10_000, eps=3.0, worst_case=True)
    errors = run.errors()
    l1 = [e for _, n, e in errors if n == "L1"]
    l2 = [e for _, n, e in errors if n == "L2"]
    assert min(l1) == pytest.approx(1.0, abs=0.01) and max(l1) == pytest.approx(3.0, abs=0.01)  # ahead
    assert max(l2) == pytest.approx(-1.0, abs=0.01) and min(l2) == pytest.approx(-3.0, abs=0.01)  # behind
    assert not run.violations and run.pairs > 100_000


def test_an_eps_below_the_sawtooth_puts_transactions_out_of_order_and_one_above_does_not():
    assert sync_run(0, poll_every=10_000, eps=2.9, worst_case=True).violations
    assert not sync_run(0, poll_every=10_000, eps=3.1, worst_case=True).violations


def test_exactly_at_the_bound_the_error_stays_within_eps_to_a_hundredth_of_a_ms():
    for poll_every in (5000, 20_000):
        eps = 1 + 0.0002 * poll_every
        run = sync_run(0, poll_every=poll_every, eps=eps, worst_case=True)
        assert not run.violations and abs(run.worst_error()[2]) <= eps + SYNC_GOALS.tolerance


def test_a_commit_costs_about_two_eps_plus_the_network():
    run = sync_run(1, poll_every=10_000, eps=3.0)
    assert run.commits() == 200 and run.mean_latency() == pytest.approx(2 * 3.0 + 2 * SYNC_GOALS.hop, abs=0.01)
    assert not run.violations and abs(run.worst_error()[2]) < 1.0  # random drifts and delays: well inside eps


def test_commits_that_arrive_before_the_first_sync_wait_for_it():
    run = sync_run(2, poll_every=5000, eps=2.0, goals=SyncGoals(rtt=40.0))  # the first sync takes up to 40 ms
    first = min(op.complete_time for op in run.sim.history)
    sync = min(r.time for r in run.sim.trace.notes(key="sync"))
    assert first > sync and run.commits() == 200


def test_runs_are_a_function_of_their_seed():
    a, b = (sync_run(4, poll_every=8000, eps=3.0) for _ in range(2))
    assert a.sim.trace.digest() == b.sim.trace.digest()


@pytest.mark.parametrize("kwargs, match", [({"poll_every": 0, "eps": 1}, "poll_every"),
                                           ({"poll_every": 1000, "eps": -1}, "eps"),
                                           ({"poll_every": float("nan"), "eps": 1}, "poll_every"),
                                           ({"poll_every": 1000, "eps": True}, "eps")])
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        sync_run(0, **kwargs)
