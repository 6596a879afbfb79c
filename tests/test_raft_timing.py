"""The timing requirement of §5.6 (broadcastTime << electionTimeout << MTBF), measured by running.

The measurements first (broadcast time, outages, the failure schedule), then the two sides of the
requirement as always/sometimes pairs over seeds: a timeout below a few broadcast times loses
availability (and sometimes the cluster never settles); a long timeout makes each failure cost
more. Then determinism, the progress callback, the figure and the ConfigError cases.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.consensus.raft import RaftConfig  # noqa: E402
from dsworkbook.consensus.raft.timing import (LATENCIES, THINK, broadcast_time, plot_timing, timing_run,  # noqa: E402
                                              timing_sim, timing_sweep)
from dsworkbook.errors import ConfigError  # noqa: E402

SEEDS = (1, 2, 3)
SMALL = {"latencies": ((20.0, 60.0),), "timeouts": (10.0, 160.0), "mtbf": 1500.0, "downtime": 300.0,
         "duration": 3000.0}


# -- the measurements ----------------------------------------------------------------------------


def test_the_broadcast_time_is_a_round_trip_to_the_slowest_follower_and_grows_with_the_links():
    times = [broadcast_time(lat) for lat in LATENCIES]
    assert times == sorted(times)
    for (lo, hi), bt in zip(LATENCIES, times):
        assert 2 * lo <= bt <= 2 * hi  # one link each way, the slower of two followers


@pytest.mark.parametrize("latency", LATENCIES)
def test_a_failure_free_run_has_no_gap_between_answered_writes_as_long_as_an_outage(latency):
    sim = timing_sim(4, latency, RaftConfig())
    sim.run(until=3000.0)
    done = sorted(op.complete_time for op in sim.history if op.outcome == "ok")
    assert len(done) > 10
    assert max(b - a for a, b in zip(done, done[1:])) < THINK + 4 * latency[1]


def test_the_same_seed_crashes_at_the_same_times_whatever_the_timeouts():
    a = timing_run(1, latency=(5, 20), election_timeout=(40, 80), heartbeat=10, keep=True)
    b = timing_run(1, latency=(5, 20), election_timeout=(160, 320), heartbeat=40, keep=True)
    offsets = [[t - run["window"][0] for t, _ in run["crashes"]] for run in (a, b)]
    assert offsets[0] == offsets[1] and len(offsets[0]) >= 2
    assert all(t < run["window"][1] - 1000.0 for run in (a, b) for t, _ in run["crashes"])  # the last mtbf/2 is calm


def test_every_crash_takes_down_the_leader_and_the_failover_is_at_least_a_timeout_on_fast_links():
    run = timing_run(2, latency=(1, 5), election_timeout=(100, 200), heartbeat=25, keep=True)
    notes = run["sim"].trace.notes(key="role")
    for t, victim in run["crashes"]:
        last = [r.detail["role"] for r in notes if r.node == victim and r.time < t][-1]
        assert last == "leader"
    assert run["never settled"] == 0 and run["failover (ms)"] >= 100


# -- broadcastTime << electionTimeout: too short a timeout loses availability ---------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_always_a_timeout_below_the_broadcast_time_is_less_available_than_a_few_broadcast_times(seed):
    short, good = (timing_run(seed, latency=(20, 60), election_timeout=(low, 2 * low), heartbeat=low / 4)
                   for low in (20.0, 200.0))
    assert short["availability"] < good["availability"]
    assert short["elections"] > 5 * good["elections"]  # followers time out while leaders live


def test_sometimes_a_timeout_below_the_broadcast_time_never_settles_and_a_good_one_serves_most_of_the_time():
    short = [timing_run(s, latency=(20, 60), election_timeout=(10, 20), heartbeat=2.5) for s in SEEDS[:2]]
    good = [timing_run(s, latency=(20, 60), election_timeout=(200, 400), heartbeat=50) for s in SEEDS[:2]]
    assert any(r["never settled"] > 0 and r["availability"] == 0 for r in short)
    assert any(r["availability"] > 0.7 and r["never settled"] == 0 for r in good)


# -- electionTimeout << MTBF: too long a timeout makes each failure cost more ---------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_always_each_failure_costs_more_with_a_long_timeout(seed):
    short, long = (timing_run(seed, latency=(1, 5), election_timeout=(low, 2 * low), heartbeat=low / 4)
                   for low in (20.0, 640.0))
    assert long["failover (ms)"] is None or long["failover (ms)"] > short["failover (ms)"]
    assert long["unavailable per failure (ms)"] > short["unavailable per failure (ms)"]
    assert long["availability"] < short["availability"]


def test_sometimes_the_sweep_shows_both_sides_of_the_window():
    table = timing_sweep(1, latencies=((1, 5), (20, 60)), timeouts=(10, 160, 640))
    for label, part in table.groupby("latency (ms)", sort=False):
        best = part["availability"].idxmax()
        assert part["availability"].iloc[-1] < part.loc[best, "availability"]  # the longest timeout loses
    slow = table[table["latency (ms)"] == "20-60"]
    assert slow["availability"].iloc[0] == 0.0 and slow["availability"].max() > 0.6


# -- determinism, progress, the figure ----------------------------------------------------------------------


def test_same_seed_same_table_and_another_seed_another():
    a, b, c = timing_sweep(7, **SMALL), timing_sweep(7, **SMALL), timing_sweep(8, **SMALL)
    assert a.equals(b) and not a.equals(c)
    assert list(a["timeout (ms)"]) == ["10-20", "160-320"] and a.attrs["seed"] == 7


def test_the_progress_callback_climbs_to_one():
    seen: list[float] = []
    timing_sweep(1, progress=seen.append, **SMALL)
    assert seen == sorted(seen) and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and len(seen) == 3


def test_the_figure_has_one_line_per_latency_and_rings_the_chosen_point():
    table = timing_sweep(1, **(SMALL | {"latencies": ((1, 5), (20, 60))}))
    fig = plot_timing(table, mark=("20-60", 160.0))
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 2 and len(ax.lines) == 3
    assert "seed 1" in ax.get_title()


# -- clear errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, words", [
    ({"latencies": ((5, 1),)}, "low <= high"),
    ({"latencies": ((-1, 5),)}, "latency low"),
    ({"latencies": (5,)}, "(low, high) pair"),
    ({"latencies": ()}, "at least one"),
    ({"timeouts": ()}, "at least one"),
    ({"timeouts": (0,)}, "each timeout"),
    ({"spread": 0.5}, "spread"),
    ({"heartbeat": 1.0}, "fraction"),
    ({"mtbf": 500.0, "downtime": 500.0}, "downtime"),
    ({"duration": 1000.0}, "at least the mtbf"),
    ({"progress": 3}, "progress"),
])
def test_a_bad_sweep_is_refused_with_a_clear_error(kwargs, words):
    with pytest.raises(ConfigError, match=None) as info:
        timing_sweep(1, **kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"seed": "1"}, "seed"),
    ({"heartbeat": 200.0}, "heartbeat"),
    ({"election_timeout": (300.0, 150.0)}, "low <= high"),
    ({"latency": (0, 0)}, "high > 0"),
    ({"outage_after": -5}, "outage_after"),
])
def test_a_bad_run_is_refused_with_a_clear_error(kwargs, words):
    args = {"seed": 1} | kwargs
    with pytest.raises(ConfigError) as info:
        timing_run(args.pop("seed"), **args)
    assert words in str(info.value)
