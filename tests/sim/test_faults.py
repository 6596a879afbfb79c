"""Fault schedules: data, random generation from a seed, replay, and shrinking."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import (ClockDrift, ClockJump, Crash, Cut, FaultSchedule, Heal, NetworkChange, Partition,
                            Pause, Restart, Restore, Simulation, shrink)
from dsworkbook.sim.examples import Echo, Pinger

NODES = ["n1", "n2", "n3", "n4", "n5"]


def cluster(seed: int, schedule: FaultSchedule, until: float = 2000) -> Simulation:
    sim = Simulation(seed=seed, latency=(1, 5))
    for n in NODES:
        sim.add_node(n, Pinger, target=NODES[(NODES.index(n) + 1) % 5], count=200, every=10)
    schedule.apply_to(sim)
    sim.run(until=until)
    return sim


def test_random_schedule_is_a_function_of_its_seed():
    a = FaultSchedule.random(7, NODES, duration=5000)
    b = FaultSchedule.random(7, NODES, duration=5000)
    c = FaultSchedule.random(8, NODES, duration=5000)
    assert a == b and a != c
    assert all(0 <= f.at <= 5000 for f in a)
    assert list(a) == sorted(a, key=lambda f: f.at)


def test_random_schedules_keep_a_majority_up():
    for seed in range(200):
        sched = FaultSchedule.random(seed, NODES, duration=10_000, faults=8, kinds=["crash"])
        events = sorted(((f.at, isinstance(f, Crash)) for f in sched if isinstance(f, (Crash, Restart))))
        down = 0
        for _, is_crash in events:
            down += 1 if is_crash else -1
            assert down <= 2, f"seed {seed}: more than a minority down"


def test_random_schedule_rejects_unknown_kinds_and_bad_args():
    with pytest.raises(ConfigError, match="unknown fault kinds"):
        FaultSchedule.random(1, NODES, duration=100, kinds=["meteor"])
    with pytest.raises(ConfigError, match="distinct"):
        FaultSchedule.random(1, ["a", "a"], duration=100)
    with pytest.raises(ConfigError, match="at must be a time >= 0"):
        Crash(-5, "n1")
    with pytest.raises(ConfigError, match="probability"):
        NetworkChange(0, loss=2)


def test_replaying_a_schedule_gives_the_same_trace():
    sched = FaultSchedule.random(3, NODES, duration=2000, faults=6)
    assert cluster(11, sched).trace.digest() == cluster(11, sched).trace.digest()


def test_every_fault_kind_applies_and_is_traced():
    sched = FaultSchedule([
        Crash(100, "n1"), Restart(300, "n1"), Pause(150, "n2", 100), Partition(200, (("n3",),)),
        Heal(400), Cut(450, "n4", "n5"), Restore(600, "n4", "n5"), ClockJump(500, "n3", -50),
        ClockDrift(500, "n4", 0.01), NetworkChange(700, loss=0.5), NetworkChange(900, loss=0.0),
    ])
    sim = cluster(1, sched)
    faults = [r.detail for r in sim.trace.of_kind("fault") if r.detail != "add"]
    for expected in ["crash", "restart", "pause 100ms", "resume", "partition {n3} | {n1,n2,n4,n5}", "heal",
                     "cut n4->n5", "restore n4->n5", "clock jump -50ms", "clock drift +0.01"]:
        assert expected in faults
    assert sim.clock("n3").offset_at(sim.now) == pytest.approx(-50)


def test_replay_is_lenient_about_restarts_without_crashes_and_says_so():
    sim = cluster(1, FaultSchedule([Restart(10, "n1"), Crash(20, "n2"), Crash(30, "n2")]), until=100)
    skipped = [r.detail for r in sim.trace.of_kind("fault") if str(r.detail).startswith("skipped")]
    assert skipped == ["skipped restart (not down)", "skipped crash (already down)"]


def test_schedule_names_are_checked_before_the_run():
    sim = Simulation(seed=0)
    sim.add_node("n1", Echo)
    with pytest.raises(ConfigError, match="unknown node 'n9'"):
        FaultSchedule([Crash(10, "n9")]).apply_to(sim)


def test_shrink_finds_the_one_fault_that_matters():
    # The "bug": n3 never hears from n2 in the first 1000 ms.  Only faults that stop n2->n3 matter.
    def fails(schedule: FaultSchedule) -> bool:
        sim = cluster(5, schedule, until=1000)
        return not any(r.node == "n3" and r.peer == "n2" for r in sim.trace.of_kind("deliver"))

    noise = FaultSchedule.random(9, NODES, duration=1000, faults=6, kinds=["pause", "clock", "cut"])
    culprit = FaultSchedule([Crash(0, "n2")])
    big = noise + culprit
    assert fails(big) and not fails(noise)
    result = shrink(big, fails)
    assert list(result.schedule) == [Crash(0, "n2")]
    assert result.runs < 100
    assert "shrunk" in result.describe()


def test_shrink_makes_faults_milder():
    def fails(schedule: FaultSchedule) -> bool:  # fails while n1 is paused for >= 100 ms
        return any(isinstance(f, Pause) and f.duration >= 100 for f in schedule)

    result = shrink(FaultSchedule([Pause(5, "n1", 1000), Heal(10)]), fails)
    assert list(result.schedule) == [Pause(5, "n1", 125.0)]


def test_shrink_drops_the_faults_of_a_node_together_when_dropping_either_alone_passes():
    # Fails while n5 pauses, and only if n1's crash and its restart are both there or both gone.
    def fails(schedule: FaultSchedule) -> bool:
        kinds = {type(f) for f in schedule if getattr(f, "node", None) == "n1"}
        return any(isinstance(f, Pause) for f in schedule) and len(kinds) != 1

    big = FaultSchedule([Crash(1, "n1"), Heal(2), ClockJump(3, "n2", 5.0), Restart(4, "n1"), Pause(5, "n5", 50)])
    assert [(type(f), f.node) for f in shrink(big, fails).schedule] == [(Pause, "n5")]


def test_shrink_drops_a_pair_of_faults_together_when_dropping_either_alone_passes():
    # Fails while n5 pauses, and only if the partition and its heal are both there or both gone.
    def fails(schedule: FaultSchedule) -> bool:
        kinds = {type(f) for f in schedule} & {Partition, Heal}
        return any(isinstance(f, Pause) for f in schedule) and len(kinds) != 1

    big = FaultSchedule([Partition(1, (("n1",),)), ClockJump(2, "n2", 5.0), Heal(3), Pause(5, "n5", 50)])
    assert [(type(f), f.node) for f in shrink(big, fails).schedule] == [(Pause, "n5")]


def test_shrink_refuses_a_passing_schedule():
    with pytest.raises(ConfigError, match="needs a schedule that fails"):
        shrink(FaultSchedule([Heal(1)]), lambda s: False)
