"""Fuzzing request-reply under random faults: always exactly-once with keys, and the fuzzer
finds (and shrinks) the duplicate that appears without them."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.reliability import RetryPolicy, request_reply_sim, summarize
from dsworkbook.sim import FaultSchedule, Simulation, fuzz

CLIENTS = ["c0", "c1", "c2"]


def faults(seed: int) -> FaultSchedule:
    """Network faults anywhere; crashes and pauses only at the server (clients keep their state)."""
    net = FaultSchedule.random(seed, ["server", *CLIENTS], duration=3000, faults=4,
                               kinds=["partition", "cut", "network", "clock"])
    server = FaultSchedule.random(seed + 1, ["server"], duration=3000, faults=2, kinds=["crash", "pause"], max_down=1)
    return net + server


def runner(keys: bool):
    def run(seed: int, schedule: FaultSchedule) -> Simulation:
        sim = request_reply_sim(seed, clients=len(CLIENTS), ops=8, dedup=keys,
                                policy=RetryPolicy(timeout=40, max_attempts=8, base=10, cap=400, idempotency=keys))
        schedule.apply_to(sim)
        sim.run(until=6000)
        return sim
    return run


def applied_once(sim: Simulation) -> str | None:
    r = summarize(sim)
    return None if r.duplicates == 0 else f"{r.duplicates} operation(s) applied more than once (final value {r.final_value})"


def some_ok(sim: Simulation) -> bool:
    return sim.history.counts()["ok"] > 0


def test_with_idempotency_keys_no_operation_is_ever_applied_twice():
    report = fuzz(runner(keys=True), applied_once, seeds=range(60), schedule=faults, progress=some_ok)
    assert report.violations == [], report.first.describe()
    assert report.seeds == 60 and report.progress >= 55, report.summary()
    assert report.summary() == f"seeds: 60, violations: 0, progress: {report.progress}"


def test_without_keys_the_fuzzer_finds_a_duplicate_and_shrinks_its_schedule():
    report = fuzz(runner(keys=False), applied_once, seeds=range(60), schedule=faults, progress=some_ok, stop_after=1)
    first = report.first
    assert first is not None, "dropping idempotency keys must be caught"
    assert "applied more than once" in first.message
    assert len(first.shrunk.schedule) < len(first.schedule)
    assert applied_once(runner(keys=False)(first.seed, first.shrunk.schedule)) is not None  # replays
    assert f"seed {first.seed}" in first.describe() and "smallest failing schedule" in first.describe()


def test_stop_after_must_be_positive():
    with pytest.raises(ConfigError, match="stop_after"):
        fuzz(runner(True), applied_once, seeds=[1], schedule=faults, stop_after=0)


def _no_keys_campaign(seeds: list[int]):
    return fuzz(runner(keys=False), applied_once, seeds=seeds, schedule=faults, progress=some_ok, shrink_first=False)


def test_a_campaign_split_over_any_executor_adds_up_to_the_same_report():
    from concurrent.futures import ThreadPoolExecutor

    from dsworkbook.sim.fuzz import fuzz_in_processes

    one = _no_keys_campaign(list(range(24)))
    assert one.violations, "without keys some seed should apply an operation twice"
    with ThreadPoolExecutor(2) as pool:
        split = fuzz_in_processes(_no_keys_campaign, range(24), 2, executor=pool)
    procs = fuzz_in_processes(_no_keys_campaign, range(24), 2)
    for report in (split, procs):
        assert (report.seeds, report.progress) == (one.seeds, one.progress)
        assert [(v.seed, v.message) for v in report.violations] == [(v.seed, v.message) for v in one.violations]
    early = fuzz_in_processes(_no_keys_campaign, range(24), 2, stop_after=1)
    assert early.violations and early.seeds < 24
