"""The failure-detector panel of notebook 10, driven headless."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets.coordination import (CRASH_AT, DetectorPanel, arrivals, detector_panel,  # noqa: E402
                                             detector_run)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel() -> DetectorPanel:
    return detector_panel(seed=1)


def test_the_panel_runs_once_and_shows_the_seed_and_both_costs(panel):
    assert panel.runs == 1 and panel.error is None and panel.result.seed == 1
    assert panel.verdict_text.startswith("seed: 1 — fixed timeout 200 ms: live peer suspected")
    assert "false suspicions" in panel.verdict_text and "crash detected after" in panel.verdict_text
    assert list(panel.result.table.columns) == ["heartbeats received", "live time suspected %", "false suspicions",
                                                "per minute", "detection ms"]
    assert bytes(panel.diagram.value).startswith(PNG)


def test_a_longer_timeout_trades_false_suspicions_for_detection_time(panel):
    panel.set(timeout=200)
    short = panel.result.data
    panel.set(timeout=400)
    long = panel.result.data
    assert short["false_suspicions"] > 0 and long["false_suspicions"] == 0
    assert long["detection_ms"] == pytest.approx(short["detection_ms"] + 200)  # the same last heartbeat
    panel.set(timeout=200)


def test_phi_accrual_adapts_to_a_slower_network_where_the_fixed_timeout_flaps():
    fixed = detector_run(1, slowdown=4.0)
    phi = detector_run(1, slowdown=4.0, detector="phi accrual")
    calm = detector_run(1)
    assert fixed["false_suspicions"] > calm["false_suspicions"]
    assert phi["false_suspicions"] < fixed["false_suspicions"]
    assert phi["detection_ms"] > fixed["detection_ms"]  # it learnt that heartbeats come late
    assert phi["limit"] == 8.0 and all(v >= 0 or math.isnan(v) for v in phi["levels"])


def test_detector_controls_replay_precomputed_arrivals_without_a_new_simulation(panel):
    panel.set(timeout=200, detector="fixed timeout")
    before = arrivals.cache_info()
    panel.set(detector="phi accrual")
    panel.set(threshold=4.0)
    panel.set(timeout=300, detector="fixed timeout")
    after = arrivals.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 3
    panel.set(seed=2)  # a new network draw: simulated once
    assert arrivals.cache_info().misses == after.misses + 1 and panel.verdict_text.startswith("seed: 2 — ")
    panel.set(seed=1, timeout=200, threshold=8.0)


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    assert detector_run(3) == detector_run(3)
    assert detector_run(3)["samples"] == detector_run(4)["samples"]
    assert arrivals(3, 40.0, 4.0, 100.0, 1.0) != arrivals(4, 40.0, 4.0, 100.0, 1.0)
    assert all(t <= CRASH_AT + 2000 for t in arrivals(3, 40.0, 4.0, 100.0, 1.0))  # nothing after the crash


def test_bad_input_is_refused_with_a_message():
    p = DetectorPanel(run_now=False)
    with pytest.raises(ConfigError, match="between 1.0 and 100.0"):
        p.set(median=1000)
    with pytest.raises(ConfigError, match="must be one of"):
        p.set(detector="gossip")
    with pytest.raises(ConfigError, match="unknown control"):
        p.set(latency=3)
    with pytest.raises(ConfigError, match="detector must be one of"):
        detector_run(1, detector="gossip")
    with pytest.raises(ConfigError, match="slowdown"):
        detector_run(1, slowdown=0.5)
