"""The consumer-group panel of notebook 12, driven headless."""

from __future__ import annotations

import time

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.messaging.assignment import owners  # noqa: E402
from dsworkbook.widgets.queues import (MEMBERS, ConsumerGroupPanel, consumer_group_panel,  # noqa: E402
                                       group_timeline, timeline_table)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel() -> ConsumerGroupPanel:
    return consumer_group_panel(seed=1)


def test_the_panel_runs_once_and_shows_the_seed_the_rebalance_and_the_counts(panel):
    assert panel.runs == 1 and panel.error is None and panel.result.seed == 1
    text = panel.verdict_text
    assert text.startswith("seed: 1 — sticky, at-least-once: m2 killed at t=250")
    assert "partitions moved" in text and "redelivered" in text and "lost" in text and "duplicated" in text
    assert list(panel.result.table.columns) == ["owner before", "owner at end", "moved", "records", "redelivered",
                                                "lost", "duplicated"]
    assert bytes(panel.diagram.value).startswith(PNG)


def test_each_commit_mode_does_what_its_name_says_on_the_same_crash(panel):
    got = {}
    for mode in ("at-most-once", "at-least-once", "effectively-once"):
        panel.set(mode=mode)
        got[mode] = panel.run_data
    most, least, eff = got["at-most-once"], got["at-least-once"], got["effectively-once"]
    assert most.crash_batch == least.crash_batch == eff.crash_batch is not None  # the same kill, mid-batch
    p, applied, size = least.crash_batch
    assert most.counts["lost"] == size - applied and most.counts["duplicated"] == 0
    assert least.counts["lost"] == 0 and least.counts["duplicated"] == applied and least.counts["redelivered"] == size
    assert eff.counts["lost"] == eff.counts["duplicated"] == 0 and eff.counts["redelivered"] == size
    panel.set(mode="at-least-once")


def test_the_rebalance_waits_for_the_session_timeout_and_moves_the_dead_members_partitions(panel):
    run = panel.run_data
    (reb,) = run.rebalances
    assert run.kill_at + 100 <= reb["time"] <= run.kill_at + run.session_timeout + 10  # heartbeats every 30 ms
    assert "m2" not in reb["assignment"] and reb["moved"] == run.counts["moved"] >= 2
    owners(reb["assignment"])  # no partition with two owners
    table = timeline_table(run)
    assert set(table[table["moved"] == "yes"]["owner before"]) == {"m2"}  # sticky: only the dead member's move
    longer = group_timeline(kill_at=250, session_timeout=400, seed=1)
    assert longer.rebalances[0]["time"] > reb["time"] + 200


def test_strategies_move_different_numbers_of_partitions():
    moved = {s: group_timeline(s, kill="m2", seed=1).counts["moved"] for s in ("range", "round-robin", "sticky")}
    assert moved["sticky"] == 2 and moved["round-robin"] > moved["sticky"]


def test_nobody_killed_means_nothing_redelivered_lost_or_duplicated():
    run = group_timeline(kill=None, seed=3)
    assert run.rebalances == [] and run.crash_batch is None
    assert run.counts["redelivered"] == run.counts["lost"] == run.counts["duplicated"] == 0
    assert sum(1 for _ in run.effects) == run.counts["produced"]


def test_controls_replay_cached_runs_and_a_change_answers_quickly(panel):
    panel.set(mode="at-least-once", seed=1)
    before = panel.computed
    times = []
    for mode in ("at-most-once", "effectively-once", "at-least-once"):
        t0 = time.perf_counter()
        panel.set(mode=mode)
        times.append(1000 * (time.perf_counter() - t0))
    assert panel.computed == before  # the three modes of a setting are computed together
    print(f"\nmode change (cached, redraw only): {', '.join(f'{t:.0f}' for t in times)} ms")
    t0 = time.perf_counter()
    panel.set(seed=2)
    print(f"new seed (simulated): {1000 * (time.perf_counter() - t0):.0f} ms")
    assert panel.computed == before + 1 and panel.verdict_text.startswith("seed: 2 — ")
    panel.set(seed=1)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a, b = group_timeline(seed=5), group_timeline(seed=5)
    assert a.effects == b.effects and a.deliveries == b.deliveries and a.verdict() == b.verdict()
    assert group_timeline(seed=6).effects != a.effects


def test_bad_input_is_refused_with_a_message():
    p = ConsumerGroupPanel(run_now=False)
    with pytest.raises(ConfigError, match="must be one of"):
        p.set(strategy="cooperative")
    with pytest.raises(ConfigError, match="between 60 and 600"):
        p.set(session_timeout=10)
    with pytest.raises(ConfigError, match="unknown control"):
        p.set(partitions=8)
    with pytest.raises(ConfigError, match="kill must be one of"):
        group_timeline(kill="m9")
    with pytest.raises(ConfigError, match="kill_at must be between"):
        group_timeline(kill_at=50)
    with pytest.raises(ConfigError, match="unknown delivery mode"):
        group_timeline(mode="exactly-once")
    assert set(MEMBERS) == {"m1", "m2", "m3"}
