"""A cache in front of a store (G03): the two rules, the policies' figures, the herd, the race, losses."""

from __future__ import annotations

import re

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions import cache_races as cr
from dsworkbook.regions.cache import MODES, POLICIES, Ledger, apply_versioned, single_flight

# -- apply_versioned: one test per rule -------------------------------------------------------------------


@pytest.mark.parametrize("start, op, result, after", [
    # get: a live entry's value; a tombstone or a missing key is a miss
    ({"k": ("x", 1)}, ("get", "k"), "x", {"k": ("x", 1)}),
    ({"k": (None, 1)}, ("get", "k"), None, {"k": (None, 1)}),
    ({}, ("get", "k"), None, {}),
    # fill: refused only by a greater version; an equal version is applied
    ({}, ("fill", "k", "x", 0), True, {"k": ("x", 0)}),
    ({"k": ("x", 3)}, ("fill", "k", "y", 2), False, {"k": ("x", 3)}),
    ({"k": (None, 3)}, ("fill", "k", "y", 2), False, {"k": (None, 3)}),
    ({"k": (None, 3)}, ("fill", "k", "y", 3), True, {"k": ("y", 3)}),
    ({"k": ("x", 3)}, ("fill", "k", "y", 4), True, {"k": ("y", 4)}),
    # delete: a tombstone with the greater version
    ({}, ("delete", "k", 2), None, {"k": (None, 2)}),
    ({"k": ("x", 5)}, ("delete", "k", 3), None, {"k": (None, 5)}),
    ({"k": (None, 1)}, ("delete", "k", 4), None, {"k": (None, 4)}),
])
def test_a_versioned_cache_refuses_fills_older_than_what_it_has_seen(start, op, result, after):
    entries = dict(start)
    assert apply_versioned(entries, op) == result
    assert entries == after


def test_an_unknown_operation_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown cache operation"):
        apply_versioned({}, ("put", "k", 1))


# -- single_flight -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("requests, fetch_ms, ttl, fetched", [
    ([(0, "k")] * 4, 10, 100, [True, False, False, False]),                    # a burst: one fetch
    ([(0, "k"), (10, "k")], 10, 100, [True, False]),                             # at completion: a hit
    ([(0, "k"), (110, "k")], 10, 100, [True, True]),                             # at fill + ttl: expired
    ([(0, "k"), (109, "k")], 10, 100, [True, False]),                            # just before: a hit
    ([(0, "a"), (1, "b")], 10, 100, [True, True]),                               # keys are separate
    ([], 10, 100, []),
])
def test_single_flight_fetches_once_per_key_in_flight(requests, fetch_ms, ttl, fetched):
    assert single_flight(requests, fetch_ms, ttl) == fetched


@pytest.mark.parametrize("fetch_ms, ttl", [(0, 10), (5, 0), (5, -1), (-1, 5), (5, float("nan")), (True, 5)])
def test_single_flight_refuses_a_bad_fetch_time_or_ttl(fetch_ms, ttl):
    with pytest.raises(ConfigError):
        single_flight([(0, "k")], fetch_ms, ttl)


# -- the policies on a seeded workload ---------------------------------------------------------------------


def test_the_same_seed_gives_the_same_figures_and_another_seed_others():
    a, b, c = cr.cache_run(seed=3).row(), cr.cache_run(seed=3).row(), cr.cache_run(seed=4).row()
    assert a == b and a != c


@pytest.mark.parametrize("policy", POLICIES)
def test_a_longer_ttl_raises_the_hit_rate_and_lowers_the_store_reads(policy):
    short, long = cr.cache_run(policy, ttl=50), cr.cache_run(policy, ttl=1000)
    assert long.hit_rate > short.hit_rate + 0.2  # sometimes: the cache does serve
    assert long.store_reads < short.store_reads
    assert short.reads == long.reads and short.lost_writes == long.lost_writes == 0


def test_without_invalidation_staleness_grows_with_the_ttl_and_with_it_stays_small():
    ttl_only = cr.cache_run("ttl-only", ttl=1000, ops=60)
    aside = cr.cache_run("cache-aside", ttl=1000, ops=60)
    assert ttl_only.stale_reads > 2 * aside.stale_reads
    assert ttl_only.max_stale_ms > 300 > aside.max_stale_ms


def test_the_sweep_is_a_dataframe_per_mode_and_ttl():
    df = cr.cache_sweep()
    assert len(df) == len(MODES) * 3 and set(df.policy) == set(MODES)
    assert {"hit_rate", "stale_fraction", "mean_versions_behind", "max_stale_ms", "store_reads"} <= set(df.columns)


def test_staleness_counts_the_versions_committed_after_the_one_read():
    ledger = Ledger()
    ledger.commit(10.0, "k", 1)
    ledger.commit(20.0, "k", 2)
    ledger.reads += [("a", "k", 0, 15.0, 0, True, False), ("a", "k", 0, 25.0, 0, True, False),
                     ("a", "k", 0, 25.0, 2, False, True)]
    assert cr.staleness(ledger) == [(1, 5.0), (2, 15.0), (0, 0.0)]


# -- write-behind loses what it had not flushed -------------------------------------------------------------


def test_a_write_behind_cache_crash_loses_acknowledged_writes_and_no_crash_loses_none():
    crashed = cr.write_behind_losses(seed=1)
    assert crashed.lost_writes > 0  # sometimes
    assert cr.cache_run("write-behind", read_fraction=0.5).lost_writes == 0  # always, without a crash
    assert cr.write_behind_losses(seed=1, flush_every=5).lost_writes <= crashed.lost_writes


def test_losses_are_counted_only_for_write_behind():
    with pytest.raises(ConfigError, match="write-behind"):
        cr.cache_run("cache-aside", crash_cache_at=10)


# -- the thundering herd -----------------------------------------------------------------------------------


def test_coalescing_cuts_the_herd_to_one_store_read_per_expiry():
    herd, single = cr.thundering_herd(False), cr.thundering_herd(True)
    assert herd.reads == single.reads
    assert herd.store_reads > 20 * single.store_reads and herd.peak > 5 and single.peak == 1
    expiries = sum(single_flight([(round(t, 1), k) for t, k in herd.arrivals], round(herd.fetch_ms), herd.ttl))
    assert abs(expiries - single.store_reads) <= 1  # the rule on the run's timeline agrees with the nodes


# -- the invalidation race ---------------------------------------------------------------------------------


def test_golden_race_a_late_fill_caches_the_old_value_until_the_ttl():
    run = cr.invalidation_race(False)
    order = [re.search(r"(\w+)\(", line).group(1) for line in run.transcript][:8]
    assert order.index("CacheDelete") < order.index("CacheFill")  # the fill lands after the delete
    assert run.race_hits == len(run.reads) - 1 == 8  # every later read hits version 0
    assert {r[4] for r in run.reads} == {0}


def test_golden_race_versioned_entries_refuse_the_late_fill():
    run = cr.invalidation_race(True)
    assert run.race_hits == 0 and run.stale_fills == 0
    assert [r[4] for r in run.reads] == [0] + [1] * 8


def test_under_random_load_the_race_happens_and_versions_remove_it():
    plain, versioned = cr.race_frequency(False), cr.race_frequency(True)
    assert (plain.race_hits > 0).sum() >= 5  # sometimes: on most seeds
    assert versioned.race_hits.sum() == 0  # always


@pytest.mark.parametrize("broken", [
    lambda e, op: e.__setitem__(op[1], (op[2], op[3])) or True if op[0] == "fill" else apply_versioned(e, op),
    lambda e, op: e.pop(op[1], None) if op[0] == "delete" else apply_versioned(e, op),
])
def test_the_race_scenarios_catch_a_broken_rule(broken):
    assert cr.invalidation_race(True, rule=broken).race_hits > 0
    assert cr.race_frequency(True, rule=broken).race_hits.sum() > 0


# -- bad input and speed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    ({"policy": "read-through"}, "unknown write policy"),
    ({"ttl": 0}, "ttl"), ({"ttl": -5}, "ttl"),
    ({"keys": 0}, "keys"), ({"apps": 0}, "apps"), ({"ops": 0}, "ops"),
    ({"zipf": -1}, "zipf"), ({"read_fraction": 1.5}, "read_fraction"),
    ({"flush_every": 0}, "flush_every"),
    ({"placement": {"store": "mars-1"}}, "unknown region"),
    ({"placement": {"apps": ()}}, "apps"),
])
def test_bad_input_is_a_config_error_saying_what_to_fix(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        cr.cache_run(**kwargs)


@pytest.mark.parametrize("call", [lambda: cr.cache_sweep(ttls=()), lambda: cr.thundering_herd(ttl=0),
                                  lambda: cr.invalidation_race(ttl=-1), lambda: cr.race_frequency(seeds=[])])
def test_the_experiments_refuse_bad_input(call):
    with pytest.raises(ConfigError):
        call()
