"""The "lock under pressure" panel of notebook 09, headless: pick a fault, read who held the lock."""

from __future__ import annotations


import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets.locks import (PRESSURES, LockUnderPressure, destroying_writes, lock_panel,  # noqa: E402
                                      pressure_run, pressure_table)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel():
    return lock_panel(scenario="pause", size=200, ttl=100, fenced=False, seed=0)


def test_the_panel_runs_at_once_and_shows_the_seed_and_a_diagram(panel):
    assert panel.error is None and panel.result.seed == 0
    assert panel.verdict_text.startswith("seed: 0 — c1 paused 200 ms, ttl 100 ms, unfenced: two holders: c1 and c2")
    assert "LOST a write" in panel.verdict_text
    assert bytes(panel.diagram.value).startswith(PNG)
    table = panel.result.table
    assert list(table.columns) == ["t (ms)", "who", "what"]
    assert list(table["t (ms)"]) == sorted(table["t (ms)"])
    assert any("built on a stale read" in w for w in table["what"])


def test_fencing_keeps_the_two_holders_but_not_the_lost_write(panel):
    panel.set(fenced=True)
    run = panel.run_data
    assert run.fenced and run.two_holders and not run.lost_write
    assert run.result.rejected == 1 and run.result.final_value == ("c2#1",)
    assert "rejected 1 stale request(s), nothing lost" in panel.verdict_text
    panel.set(fenced=False)
    assert panel.run_data.lost_write and panel.run_data.result.final_value == ("c1#1",)


def test_fenced_and_unfenced_are_precomputed_together_and_cached(panel):
    panel.set(scenario="delayed packet", size=250)
    computed, runs = panel.computed, panel.runs
    assert (("delayed packet", 250.0, 100.0, True, 0) in panel.cache
            and ("delayed packet", 250.0, 100.0, False, 0) in panel.cache)
    panel.set(fenced=True)
    assert panel.runs == runs + 1 and panel.computed == computed  # nothing simulated again: only redrawn
    panel.set(fenced=False, scenario="pause", size=200)
    assert panel.computed == computed  # coming back to a setting is free too


@pytest.mark.parametrize("scenario", PRESSURES)
def test_every_fault_is_harmless_when_small_and_breaks_the_lock_when_large(scenario):
    small = pressure_run(scenario, 20, ttl=100, seed=1)
    assert not small.two_holders and not small.lost_write
    assert small.result.final_value == ("c1#1", "c2#1")  # both writes survive, one after the other
    large = pressure_run(scenario, 300, ttl=100, seed=1)
    assert large.two_holders and large.lost_write and destroying_writes(large)
    fenced = pressure_run(scenario, 300, ttl=100, fenced=True, seed=1)
    assert fenced.two_holders and not fenced.lost_write and fenced.result.rejected >= 1


def test_a_longer_ttl_covers_the_same_pause():
    assert pressure_run("pause", 200, ttl=100, seed=2).two_holders
    assert not pressure_run("pause", 200, ttl=300, seed=2).two_holders


def test_each_control_changes_the_result(panel):
    panel.set(scenario="pause", size=200, ttl=100, fenced=False, seed=0)
    base = panel.verdict_text
    seen = {base}
    for change in (dict(scenario="clock jump"), dict(size=40), dict(ttl=300), dict(fenced=True)):
        panel.set(scenario="pause", size=200, ttl=100, fenced=False, seed=0)
        panel.set(**change)
        assert panel.error is None
        seen.add(panel.verdict_text)
    assert len(seen) == 5
    # the seed moves c2's retries, and so when it gets the lock
    starts = {pressure_run("pause", 120, ttl=100, seed=s).periods[1][1] for s in range(4)}
    assert len(starts) == 4


def test_the_same_seed_gives_the_same_run():
    a, b = pressure_run("clock jump", 150, ttl=120, seed=7), pressure_run("clock jump", 150, ttl=120, seed=7)
    assert a.periods == b.periods and a.result.final_value == b.result.final_value
    assert a.result.sim.trace.digest() == b.result.sim.trace.digest()
    assert pressure_table(a).equals(pressure_table(b))


def test_bad_input_is_refused_with_a_message():
    p = LockUnderPressure(run_now=False)
    with pytest.raises(ConfigError, match="scenario must be one of"):
        p.set(scenario="earthquake")
    with pytest.raises(ConfigError, match="size must be between 0 and 500"):
        p.set(size=900)
    with pytest.raises(ConfigError, match="ttl must be between 50 and 400"):
        p.set(ttl=10)
    with pytest.raises(ConfigError, match="unknown control"):
        p.set(pause=3)
    with pytest.raises(ConfigError, match="no result to show"):
        p.run_data
    for bad, match in ((dict(scenario="nope"), "unknown scenario"), (dict(size=-1), "size must be"),
                       (dict(ttl=30), "at least 50 ms"), (dict(ttl=0), "ttl must be a number"),
                       (dict(seed=1.5), "seed must be an int")):
        kwargs = dict(scenario="pause", size=100, ttl=100, seed=0) | bad
        with pytest.raises(ConfigError, match=match):
            pressure_run(kwargs.pop("scenario"), kwargs.pop("size"), **kwargs)
