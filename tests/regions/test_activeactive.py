"""The active-active store on the simulator: the seed notes' three bugs, each caught; the fixed design converges."""

from __future__ import annotations


import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions.activeactive import FIXED, SEED, Variant
from dsworkbook.regions.activeactive_run import active_active_run
from dsworkbook.regions.conflicts import conflict_pairs
from dsworkbook.regions.world import World

SEEDS = range(1, 7)
#: Faults every fixed run must survive: lost, duplicated and reordered replication, a partition.
FAULTS = dict(loss=0.1, duplicate=0.1, reorder=0.2, partition=(300.0, 900.0), clock_resolution=100.0)


def _state(run):
    return {r: run.stores[r].snapshot() for r in run.regions}, [w for w in run.writes]


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b, c = (active_active_run(s, loss=0.1) for s in (5, 5, 6))
    assert _state(a) == _state(b)
    assert _state(a) != _state(c)


@pytest.mark.parametrize("resolution", ["lww", "siblings", "orset", "counter"])
def test_always_the_fixed_design_converges_under_faults_and_its_cache_agrees(resolution):
    for seed in SEEDS:
        run = active_active_run(seed, resolution=resolution, variant=FIXED, **FAULTS)
        assert run.converged, (resolution, seed)
        assert run.cache_mismatches == 0, (resolution, seed)


def test_sometimes_writes_conflict_and_lww_discards_some():
    runs = [active_active_run(seed, **FAULTS) for seed in SEEDS]
    assert all(conflict_pairs(r) for r in runs)
    assert all(r.discarded for r in runs)
    assert all(r.acked == len(r.writes) > 50 for r in runs)  # every write acknowledged at once


@pytest.mark.parametrize("bug, setting, caught", [
    # strict > with no tie-break: regions that tie keep their own versions (clocks read to 100 ms tie often)
    ("strict_gt", dict(clock_resolution=100.0), lambda r: not r.converged),
    # no retry: a dropped replication message is gone for good
    ("retry", dict(loss=0.1), lambda r: not r.converged),
    # cache before resolve: the cache shows a version the database discarded
    ("cache_first", dict(), lambda r: r.cache_mismatches > 0),
])
def test_each_seed_bug_alone_is_caught_and_the_fixed_design_is_not(bug, setting, caught):
    on = Variant(**{**vars(FIXED), bug: not getattr(FIXED, bug)})
    assert any(caught(active_active_run(seed, variant=on, **setting)) for seed in SEEDS)
    assert not any(caught(active_active_run(seed, variant=FIXED, **setting)) for seed in SEEDS)


def test_the_seed_design_has_all_three_bugs():
    assert SEED == Variant(strict_gt=True, retry=False, cache_first=True) and SEED.name == "seed"
    runs = [active_active_run(seed, variant="seed", loss=0.1, clock_resolution=100.0) for seed in SEEDS]
    assert not any(r.converged for r in runs)
    assert any(r.cache_mismatches for r in runs)


def test_a_single_write_region_per_key_has_no_conflicts_and_remote_writers_pay_a_round_trip():
    local = active_active_run(2, keys=6)
    homed = active_active_run(2, keys=6, home=True)
    assert conflict_pairs(local) and not conflict_pairs(homed)
    assert homed.converged
    for region in homed.regions:
        assert max(local.latencies[region]) < 5  # acknowledged in the region
        assert max(homed.latencies[region]) > 80  # two keys in three live elsewhere: at least one RTT


def test_a_clock_behind_moves_its_regions_timestamps():
    run = active_active_run(1, skew=500)
    assert run.skew == {"us-east-1": 0.0, "eu-west-1": 0.0, "ap-northeast-1": -500.0}
    assert min(w.timestamp for w in run.writes if w.region == "ap-northeast-1") < 0


def test_a_scripted_workload_writes_exactly_the_script():
    script = {"us-east-1": [(10.0, "x", "A")], "eu-west-1": [(20.0, "x", "B"), (30.0, "y", "C")]}
    run = active_active_run(1, script=script)
    assert sorted(w.value for w in run.writes) == ["A", "B", "C"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(regions=("us-east-1",)), "at least two regions"),
    (dict(regions=("us-east-1", "mars-1")), "unknown region"),
    (dict(resolution="quorum"), "resolution must be one of"),
    (dict(variant="buggy"), "variant must be"),
    (dict(rate=-1), "rate must be"),
    (dict(duration=0), "duration must be"),
    (dict(keys=0), "keys must be"),
    (dict(clock_resolution=0), "clock_resolution must be"),
    (dict(partition=(500.0, 100.0)), "partition must be"),
    (dict(skew=-5), "skew must be"),
    (dict(skew={"mars-1": 5}), "not in the run"),
    (dict(loss=1.5), "probability"),
    (dict(script={"us-east-1": [(10.0, 3, "A")]}), "scripted write"),
    (dict(script={"mars-1": [(10.0, "x", "A")]}), "not in the run"),
    (dict(resolution="orset", resolve=lambda e, i: i), "only applies to resolution 'lww'"),
])
def test_bad_input_is_a_clear_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        active_active_run(1, **kwargs)


def test_a_negative_latency_in_a_custom_world_is_refused():
    with pytest.raises(ConfigError, match=">= 0 ms"):
        World.custom({("A", "B"): -3})
