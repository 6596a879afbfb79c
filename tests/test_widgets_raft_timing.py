"""The timing panel of notebook 06b, driven headless: set controls, read the run and the verdict."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.consensus.raft.timing import timing_run  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets.raft_timing import DOWNTIME, DURATION, RaftTimingPanel, raft_timing_panel  # noqa: E402

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel() -> RaftTimingPanel:
    return raft_timing_panel(seed=3)


def test_the_panel_runs_once_and_shows_the_seed_the_figures_and_both_sides_of_the_requirement(panel):
    assert panel.runs == 1 and panel.error is None
    text = panel.verdict_text
    assert text.startswith("seed: 3 — links 5-20 ms, timeouts 80-160 ms: availability ")
    assert "x the broadcast time" in text and "x the highest timeout" in text
    assert bytes(panel.diagram.value).startswith(PNG)


def test_the_panel_shows_what_timing_run_measures_for_the_same_settings(panel):
    panel.set(timeout_low=160, heartbeat=40, mtbf=3000)
    expected = timing_run(3, latency=(5.0, 20.0), election_timeout=(160.0, 320.0), heartbeat=40.0, mtbf=3000.0,
                          downtime=DOWNTIME, duration=DURATION)
    got = panel.run_data
    assert {k: got[k] for k in expected} == expected
    assert f"availability {100 * expected['availability']:.1f}%" in panel.verdict_text


def test_a_latency_is_chosen_by_its_label_and_a_short_timeout_on_slow_links_never_settles():
    p = raft_timing_panel(latency="20-60 ms", timeout_low=10, heartbeat=2, seed=1)
    assert p.run_data["availability"] == 0.0 and p.run_data["never settled"] >= 1
    assert "0.1 x the broadcast time" in p.verdict_text


def test_coming_back_to_a_setting_only_redraws():
    p = raft_timing_panel(seed=2)
    p.set(timeout_low=40, heartbeat=10)
    computed, image = p.computed, p.diagram.value
    p.set(timeout_low=80, heartbeat=20)
    assert p.computed == computed and p.runs == 3 and p.diagram.value != image


def test_a_heartbeat_at_the_timeout_is_shown_as_an_error_not_raised():
    p = raft_timing_panel(seed=1)
    p.set(heartbeat=80)
    assert p.result is None and isinstance(p.error, ConfigError)
    assert "heartbeat" in p.verdict_text and "shorter than the lowest election timeout" in p.verdict_text
    with pytest.raises(ConfigError, match="no result"):
        p.run_data


@pytest.mark.parametrize("values, words", [
    ({"latency": "7-9 ms"}, "latency must be one of"),
    ({"timeout_low": 2000}, "between 5 and 1000"),
    ({"colour": "red"}, "unknown control"),
])
def test_bad_control_values_are_refused_with_a_clear_error(panel, values, words):
    with pytest.raises(ConfigError, match=words):
        panel.set(**values)
