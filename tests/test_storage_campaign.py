"""CAP demonstrated (fuzz campaigns), the A/B harness, and the anomaly zoo."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, Heal, Partition, Simulation, fuzz
from dsworkbook.storage import (AP, CP, SETTINGS, ZOO, CPReplica, KVClient, Setting, cp_campaign, fault_schedule,
                                find_ap_violation, measure, random_workload, reproduce, run_setting, zoo_table)
from dsworkbook.storage.campaign import linearizability_violation
from dsworkbook.storage.common import client_ids, replica_ids

#: CI runs at least this many seeds of the CP campaign (the notebook and bench/storage.py run 500).
CI_SEEDS = 120


@pytest.mark.slow
def test_always_the_cp_store_is_linearizable_and_sometimes_the_faults_make_it_refuse():
    report = cp_campaign(range(CI_SEEDS))
    assert report.seeds == CI_SEEDS
    assert report.violations == [], report.first.describe()
    assert report.progress >= CI_SEEDS // 3  # the schedules did bite: operations were refused


class TwoOfFive(CPReplica):
    """A "majority" of 2 out of 5: two quorums can miss each other."""

    def quorum_size(self, n):
        return 2


def test_the_campaign_catches_a_store_whose_quorums_need_not_intersect():
    reps, cls = replica_ids(5), client_ids(4)

    def run(seed, schedule):
        sim = Simulation(seed=seed, latency=(1, 10))
        for r in reps:
            sim.add_node(r, TwoOfFive, replicas=reps)
        work = random_workload(seed, cls, ops=15)
        for i, c in enumerate(cls):
            sim.add_node(c, KVClient, servers=reps[i:] + reps[:i], ops=work.ops[c], think=5.0,
                         req_base=(i + 1) * 100_000)
        schedule.apply_to(sim)
        sim.run(until=4000)
        return sim

    report = fuzz(run, linearizability_violation, seeds=range(200), stop_after=1,
                  schedule=lambda seed: fault_schedule(seed, reps, cls), max_shrink_runs=60)
    assert report.violations, "a quorum of 2 of 5 should lose linearizability under partitions"
    assert report.first.shrunk is not None and len(report.first.shrunk.schedule) <= len(report.first.schedule)


def test_the_ap_store_is_caught_not_linearizable_and_the_violation_is_explained():
    v = find_ap_violation(range(50))
    assert v is not None and v.result.ok is False and v.result.counterexample
    assert f"seed {v.seed}" in v.describe()


def test_a_fault_schedule_crashes_only_replicas_but_partitions_everyone():
    reps, cls = replica_ids(5), client_ids(3)
    crashed, named = set(), set()
    for seed in range(30):
        for f in fault_schedule(seed, reps, cls):
            if type(f).__name__ in ("Crash", "Restart", "Pause"):
                crashed |= set(f.nodes())
            named |= set(f.nodes())
    assert crashed <= set(reps) and named & set(cls)
    with pytest.raises(ConfigError):
        fault_schedule(1, reps, cls, faults=-1)


# -- the A/B harness ------------------------------------------------------------------------------------------


def test_the_same_seed_and_schedule_give_every_setting_the_same_faults_and_workload():
    sched = FaultSchedule([Partition(100, (("c1", "n1"),)), Heal(800)])
    rows = {s.name: measure(run_setting(s, 3, schedule=sched)) for s in SETTINGS}
    assert {r["ops"] for r in rows.values()} == {45}
    assert rows["AP"]["availability %"] == 100.0 and rows["CP"]["availability %"] < 100.0
    assert rows["CP"]["linearizable"] == "linearizable" and rows["CP"]["stale reads"] == 0
    assert rows["CP"]["strongest model"] == "linearizable"
    again = measure(run_setting(CP(3), 3, schedule=sched))
    assert again == rows["CP"]


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="kind is 'cp' or 'ap'"):
        Setting("x", "ca")
    assert AP(5).label() == "AP (N=5, R=1, W=1)" and CP(5).label() == "CP (N=5, majority 3)"


# -- the anomaly zoo -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ZOO))
def test_each_anomaly_shows_under_its_setting_and_not_under_the_one_that_prevents_it(name):
    for seed in (1, 2, 3):
        z = reproduce(name, seed)
        assert z.reproduced and z.prevented, (name, seed, z.bad_evidence, z.good_evidence)
        assert z.good.history.counts()["ok"] > 0  # the preventing setting still did work
        assert list(z.table().columns) == ["setting", f"{name}?", "evidence"]


def test_the_zoo_table_and_unknown_names():
    table = zoo_table(seed=1)
    assert list(table.index) == list(ZOO) and table["reproduced"].all() and table["prevented"].all()
    with pytest.raises(ConfigError, match="the zoo has"):
        reproduce("phantom read")
