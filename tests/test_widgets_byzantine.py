"""The PBFT panel of notebook 08, headless: pick a traitor and a strategy, read the certificates and the verdict."""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.consensus.pbft import STRATEGIES, PrePrepare, Signed  # noqa: E402
from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets.byzantine import (F, KIND_COLORS, PHASES, REPLICAS, TRAITORS, PbftPanel,  # noqa: E402
                                          certificate_table, pbft_label, pbft_panel, pbft_run_for)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel():
    return pbft_panel(seed=1)


def test_the_panel_runs_at_once_precomputed_and_shows_the_seed_and_a_diagram(panel):
    assert panel.error is None and panel.result.seed == 1
    assert panel.precomputed == 1 + len(REPLICAS) * len(STRATEGIES[1:])  # every traitor and strategy, once
    assert panel.verdict_text.startswith("seed: 1 — no traitor; no view change (view 0, primary r0)")
    assert "safety check green" in panel.verdict_text and "all 4 requests answered" in panel.verdict_text
    assert bytes(panel.diagram.value).startswith(PNG)
    table = panel.result.table
    assert list(table.index) == list(REPLICAS)
    assert (table["prepares (2f=2 needed)"].astype(int) >= 2 * F).all()
    assert (table["commits (2f+1=3 needed)"].astype(int) >= 2 * F + 1).all()


def test_certificates_fill_up_in_order_prepared_then_committed_then_executed():
    run = pbft_run_for(1)
    for k in range(1, 5):
        for line in run.certificates(k).values():
            counts = [c for _, c in line.prepares]
            assert counts[:2 * F] == list(range(1, 2 * F + 1))  # one more distinct voter each time
            assert line.pre_prepare <= line.prepared <= line.committed <= line.executed


def test_a_silent_primary_is_replaced_by_a_view_change_and_safety_stays_green(panel):
    panel.set(traitor="r0", strategy="silent")
    assert panel.error is None
    assert "view change: now view 1, primary r1" in panel.verdict_text
    assert "safety check green" in panel.verdict_text and "all 4 requests answered" in panel.verdict_text
    assert panel.result.table.loc["r0", "role"] == "traitor: silent"


def test_honest_replicas_reject_a_forgers_messages_and_keep_evidence_of_equivocation(panel):
    panel.set(traitor="r2", strategy="forge")
    run = panel.result.data["run"]
    assert all(run.rejected[r].get("bad signature", 0) > 0 for r in run.honest)
    assert "bad signature" in panel.result.table.loc["r0", "rejected"]
    panel.set(traitor="r0", strategy="equivocate")
    run = panel.result.data["run"]
    assert run.evidence >= 1 and "signed proof(s) of equivocation" in panel.verdict_text
    assert run.problems == [] and run.done


@pytest.mark.parametrize("traitor", TRAITORS[1:])
def test_every_strategy_of_every_traitor_keeps_the_safety_check_green(traitor):
    for strategy in STRATEGIES[1:]:
        run = pbft_run_for(1, traitor, strategy)
        assert run.problems == [] and run.done, (traitor, strategy)


def test_the_phase_slider_widens_the_window_and_the_request_slider_moves_it(panel):
    panel.set(traitor="none", request=1, phase="pre-prepare")
    run = panel.result.data["run"]
    windows = run.window(1)
    ends = [windows[p][1] for p in PHASES[:4]]
    assert ends == sorted(ends) and windows["whole request"][0] <= windows["reply"][0]
    panel.set(request=3)
    assert run.window(3)["reply"][0] > windows["reply"][1]
    assert "request 3 at sequence number 3" in panel.verdict_text


def test_the_label_names_messages_as_the_paper_and_marks_forgeries():
    run = pbft_run_for(1, "r2", "forge")
    label = pbft_label(run.keys)
    kinds = {label(rec[5])[0] for rec in run.sim.trace.records if rec[1] == "send"}
    assert {"REQUEST", "PRE-PREPARE", "PREPARE", "COMMIT", "REPLY", "rejected: bad signature"} <= kinds
    assert kinds <= set(KIND_COLORS)
    pp = next(rec[5] for rec in run.sim.trace.records if rec[1] == "send" and type(rec[5].body) is PrePrepare)
    assert label(pp) == ("PRE-PREPARE", "PP 1")
    assert label(Signed(pp.body, b"\x00" * 64))[0] == "rejected: bad signature"


def test_runs_are_cached_and_reproducible():
    a = pbft_run_for(5, "r1", "lie")
    assert pbft_run_for(5, "r1", "lie") is a
    assert certificate_table(a, 2).equals(certificate_table(pbft_run_for(5, "r1", "lie"), 2))


def test_a_control_change_only_redraws(panel):
    """Measured, not asserted (shared machines vary): the median time of a control change."""
    times = []
    for kw in (dict(traitor="r1", strategy="replay"), dict(phase="prepare"), dict(request=2),
               dict(traitor="r0", strategy="delay"), dict(phase="reply")):
        t = time.perf_counter()
        panel.set(**kw)
        times.append(time.perf_counter() - t)
        assert panel.error is None
    print(f"PBFT panel: median control change {statistics.median(times) * 1000:.0f} ms")


@pytest.mark.parametrize("kwargs,words", [
    (dict(traitor="r7"), "traitor must be one of"),
    (dict(strategy="bribe"), "strategy must be one of"),
    (dict(strategy="mixed"), "strategy must be one of"),
])
def test_bad_input_raises_clear_config_errors(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        pbft_run_for(1, **kwargs)


def test_bad_controls_are_errors_not_silent_clamps():
    p = PbftPanel(run_now=False, precompute=False)
    with pytest.raises(ConfigError, match="request must be between 1 and 4"):
        p.set(request=9)
    with pytest.raises(ConfigError, match="traitor must be one of"):
        p.set(traitor="r9")
