"""The CAP scorecard panel of notebook 02, headless: compose a partition, set N/R/W, read the scores."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.sim import Heal, Partition  # noqa: E402
from dsworkbook.widgets import cap_scorecard  # noqa: E402
from dsworkbook.widgets.cap import CapScorecard, partition_schedule, scorecard  # noqa: E402

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel():
    return cap_scorecard(seed=1, side_a=("n1", "c1"), window=(100, 900), n=3, r=2, w=2)


def test_the_panel_runs_three_stores_under_one_partition_and_shows_the_seed(panel):
    assert panel.error is None and panel.result.seed == 1
    table = panel.result.table
    assert list(table.index) == ["CP (N=3, majority 2)", "AP (N=3, R=1, W=1)", "yours (N=3, R=2, W=2)"]
    assert {"availability %", "p50 ms", "p99 ms", "msgs/op", "stale reads", "linearizable",
            "strongest model"} <= set(table.columns)
    assert panel.verdict_text.startswith("seed: 1 — t=100: partition")
    assert bytes(panel.diagram.value).startswith(PNG)


def test_the_minority_client_loses_the_cp_store_but_not_the_ap_store(panel):
    t = panel.result.table
    assert t.loc["CP (N=3, majority 2)", "availability %"] < 100.0
    assert t.loc["AP (N=3, R=1, W=1)", "availability %"] == 100.0
    assert t.loc["CP (N=3, majority 2)", "linearizable"] == "linearizable"


def test_changing_a_slider_reruns_with_the_same_seed_and_schedule(panel):
    runs = panel.runs
    panel.set(r=1, w=1)
    assert panel.runs == runs + 1 and panel.error is None
    t = panel.result.table
    yours = t.loc["yours (N=3, R=1, W=1)"]
    assert yours.equals(t.loc["AP (N=3, R=1, W=1)"])  # the same store, seed and faults: the same scores


def test_an_impossible_setting_is_shown_as_an_error_not_raised():
    p = CapScorecard(run_now=False)
    p.set(n=3, r=5)
    p.run()
    assert p.result is None and "must each be <= N=3" in p.verdict_text
    p.set(r=2, side_a=("n6",))
    p.run()
    assert "side A names ['n6']" in p.verdict_text


def test_a_partition_schedule_is_data():
    s = partition_schedule(("n1", "c1"), 100, 900, 3)
    assert list(s) == [Partition(100.0, (("c1", "n1"),)), Heal(900.0)]
    assert len(partition_schedule((), 0, 10, 3)) == 0
    with pytest.raises(ConfigError, match="must start before it heals"):
        partition_schedule(("n1",), 900, 100, 3)


def test_the_scorecard_function_is_reproducible():
    a, _ = scorecard(4, side_a=("n2", "c2"), n=5, r=3, w=3)
    b, _ = scorecard(4, side_a=("n2", "c2"), n=5, r=3, w=3)
    assert a.equals(b)
