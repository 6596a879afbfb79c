"""The transaction timeline panel of notebook 13, headless: place a crash, read locks, votes and the verdict."""

from __future__ import annotations


import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from dsworkbook.errors import ConfigError  # noqa: E402
from dsworkbook.widgets.transactions import (CRASH_POINTS, DOWNTIMES, PROTOCOLS, TransactionTimeline,  # noqa: E402
                                             timeline_run, timeline_table, transaction_panel)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def panel():
    return transaction_panel(protocol="2PC", crash="coordinator, after logging its decision", downtime=750, seed=0)


def test_the_panel_runs_at_once_and_shows_the_seed_a_verdict_and_a_diagram(panel):
    assert panel.error is None and panel.result.seed == 0
    assert panel.verdict_text.startswith("seed: 0 — 2PC, coordinator, after logging its decision crashes, "
                                         "down 750 ms: atomic (committed); BLOCKED")
    assert bytes(panel.diagram.value).startswith(PNG)
    table = panel.result.table
    assert list(table.columns) == ["t (ms)", "who", "what"]
    assert list(table["t (ms)"]) == sorted(table["t (ms)"])
    whats = list(table["what"])
    # the decision is logged, then the coordinator dies before telling anyone; after the restart it resends
    assert whats.index("logs its decision: commit") < whats.index("restarts and reads its log")
    assert whats.index("restarts and reads its log") < whats.index("sends Commit to rm1")


def test_the_blocked_time_grows_with_the_coordinators_downtime_and_is_precomputed(panel):
    computed = panel.computed
    held = {}
    for d in (250, 1000, 2000):
        panel.set(downtime=d)                                 # a redraw: nothing simulated (checked below)
        held[d] = panel.run_data.blocked_ms
        assert panel.run_data.blocked and panel.run_data.atomic
    assert panel.computed == computed                         # every downtime came with the first run
    assert held[250] == pytest.approx(250, abs=1) and held[2000] == pytest.approx(2000, abs=1)
    panel.set(downtime=750)


def test_where_the_crash_falls_decides_the_outcome_and_whether_anyone_blocks():
    before = timeline_run("2PC", "coordinator, before logging its decision", 500, seed=0)
    after = timeline_run("2PC", "coordinator, after logging its decision", 500, seed=0)
    assert before.outcome == "aborted" and after.outcome == "committed"      # presumed abort vs the logged decision
    assert before.blocked and after.blocked
    told_one = timeline_run("2PC", "coordinator, after telling one participant", 500, seed=0, cooperative=True)
    assert told_one.outcome == "committed" and not told_one.blocked          # the others asked the one that knew
    alone = timeline_run("2PC", "coordinator, after telling one participant", 500, seed=0, cooperative=False)
    assert alone.outcome == "committed" and alone.blocked
    rm = timeline_run("2PC", "participant, after it answers", 500, seed=0)
    assert not rm.blocked and rm.max_lock_ms > 500                          # its own lock waits for its restart
    none = timeline_run("2PC", "nobody", 500, seed=0)
    assert none.down == () and none.max_lock_ms < 50


def test_sagas_end_all_applied_or_all_compensated_in_reverse_under_crashes_and_duplicates():
    for protocol in PROTOCOLS[1:]:
        for crash in CRASH_POINTS:
            if protocol == "saga (choreographed)" and crash.startswith("coordinator"):
                continue
            for fail in (False, True):
                run = timeline_run(protocol, crash, 500, fail=fail, duplicate=0.3, seed=3)
                assert run.atomic and run.outcome == ("compensated" if fail else "applied"), run.verdict()
    run = timeline_run("saga (orchestrated)", "nobody", 0, fail=True, seed=0)
    comp = [what for _t, _n, kind, what in run.events if kind == "compensate"]
    assert comp == ["compensates: release-stock", "compensates: cancel-order"]  # reverse step order
    assert "no locks held" in run.verdict()


def test_changing_the_protocol_reruns_and_a_choreography_has_no_coordinator_to_crash(panel):
    runs = panel.runs
    panel.set(protocol="saga (orchestrated)", fail=True)
    assert panel.runs == runs + 1 and panel.error is None and panel.run_data.outcome == "compensated"
    panel.set(protocol="saga (choreographed)")
    assert panel.result is None and "has no coordinator" in panel.verdict_text and panel.verdict_text.startswith("seed: 0")
    panel.set(crash="participant, before it answers")
    assert panel.error is None and panel.run_data.atomic
    panel.set(protocol="2PC", crash="coordinator, after logging its decision", fail=False)


def test_bad_input_is_an_error_naming_what_was_wrong():
    with pytest.raises(ConfigError, match="protocol must be one of"):
        timeline_run("3PC")
    with pytest.raises(ConfigError, match="crash must be one of"):
        timeline_run("2PC", "everyone")
    with pytest.raises(ConfigError, match="downtime"):
        timeline_run("2PC", "nobody", -5)
    p = TransactionTimeline(run_now=False)
    with pytest.raises(ConfigError, match="between"):
        p.set(downtime=DOWNTIMES[-1] + 1000)
    with pytest.raises(ConfigError, match="must be one of"):
        p.set(crash="the network")


def test_the_same_seed_gives_the_same_timeline():
    a = timeline_run("saga (orchestrated)", "coordinator, after telling one participant", 750, duplicate=0.2, seed=5)
    b = timeline_run("saga (orchestrated)", "coordinator, after telling one participant", 750, duplicate=0.2, seed=5)
    assert a == b and timeline_table(a).equals(timeline_table(b))
