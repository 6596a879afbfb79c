"""The T09 checks discriminate, and the runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that each prediction's
truth (and its reason) is computed from a run and unique, that the references agree with the
library, and that the runs of the drill and the design catch their bugs without the hand cases.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.locks import deadlock_cycles, design_lock, drill_auto_release, predict_herd, predict_pressure
from dsworkbook.grading.locks.redlock_decision import reference as decision_reference
from dsworkbook.locks.client import LockClient, overlapping_holders
from dsworkbook.locks.deadlock import find_deadlock, random_transfers, run_transfers
from dsworkbook.locks.fencing import stale_writes
from dsworkbook.realservers.redlock import redlock_decision
from tests.wrong_answers.locks import RIGHT, WRONG, ClientSameRound

EXERCISES = {
    "09-drill-release": ("drill", {"L01"}),
    "09-redlock-decision": ("implement", {"L02"}),
    "09-deadlock-cycles": ("implement", {"L06"}),
    "09-predict-herd": ("predict", {"L04"}),
    "09-predict-pressure": ("predict", {"L03"}),
    "09-drill-auto-release": ("drill", {"L01"}),
    "09-design-lock": ("design", {"L02", "L03"}),
    "09-fencing-storage": ("implement", {"L03"}),
    "09-lease-conditions": ("implement", {"L05"}),
    "09-redlock-real": ("implement", {"L07", "L02"}),
}


def test_every_t09_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert {i for i, ex in reg.items() if ex.theme == "T09"} == set(EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


def test_predictions_ask_why_and_code_exercises_name_a_narrow_reference():
    reg = grading.registry()
    assert all(reg[i].parts == ("why",) for i, (kind, _) in EXERCISES.items() if kind == "predict")
    for i, (kind, _) in EXERCISES.items():
        if kind in ("implement", "drill"):
            ref = reg[i].reference
            assert ref
            for dotted in (ref,) if isinstance(ref, str) else ref:
                assert dotted.split(".")[-1].lstrip("_")[0].islower(), dotted


def test_a_stub_is_not_attempted():
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("09-redlock-decision", stub)
    with pytest.raises(NotAttempted):
        grading.check("09-deadlock-cycles", stub)
    with pytest.raises(NotAttempted):
        grading.check("09-predict-herd", ..., why="a")


def test_the_redlock_reference_is_the_real_clients_arithmetic():
    for args in [(3, 5, 10_000, 50), (2, 4, 100, 1), (5, 5, 100, 97), (1001, 2001, 2000, 30), (26, 51, 2000, 30)]:
        assert decision_reference(*args) == redlock_decision(*args)


def test_the_deadlock_reference_agrees_with_the_librarys_detector():
    for seed in range(60):
        run = run_transfers(random_transfers(5, 4, seed), ordered=False, seed=seed)
        graph = run.wait_for
        waits = {t: sorted(graph.successors(t)) for t in graph.nodes}
        on_cycle, stuck = deadlock_cycles.reference(waits)
        cycle = find_deadlock(graph)
        assert bool(on_cycle) == (cycle is not None)
        assert set(cycle or ()) <= on_cycle <= stuck


def test_each_predictions_truth_comes_from_a_run_and_has_exactly_one_reason():
    numbers, reason, rows = predict_herd.truth()
    assert reason == "a" and numbers["predecessor total"] == predict_herd.WAITERS - 1
    assert rows["herd"].notifications > rows["predecessor"].notifications
    lost, reason, runs = predict_pressure.truth()
    assert reason == "a" and lost["clock jump 150 ms"] and not lost["pause 150 ms"]
    assert runs["delayed packet 190 ms"].two_holders and not lost["delayed packet 190 ms"]


def test_the_auto_release_runs_catch_the_notes_timer_without_the_hand_scenario():
    caught = sum(bool(overlapping_holders(s) or stale_writes(s.node("store").accepted))
                 for s in (drill_auto_release._run(drill_auto_release.build(LockClient, seed), 2100.0, "test")
                           for seed in drill_auto_release.ONE_SERVER_SEEDS))
    assert caught >= 3
    fixed = [drill_auto_release._run(drill_auto_release.build(ClientSameRound, seed), 2100.0, "test")
             for seed in drill_auto_release.ONE_SERVER_SEEDS]
    assert not any(overlapping_holders(s) for s in fixed)


def test_the_design_goals_conflict_without_fencing():
    """No unfenced ttl meets both the safety goal and the takeover goal; fenced ones within a range do."""
    for ttl in (200, 380, 700, 1000):
        safe, _ = design_lock.no_lost_write(ttl, False)
        waited = design_lock.takeover_after_crash(ttl, False, None, 0)
        assert not (safe and waited is not None and waited <= design_lock.AVAILABLE_WITHIN)
    assert design_lock.no_lost_write(250, True)[0]
    assert design_lock.token_server_down(250, "counter", 0) == []


def test_the_lease_runs_catch_a_store_that_ignores_conditions():
    from dsworkbook.grading.locks.conditions import _lease_run
    from dsworkbook.locks.conditional import holds

    assert _lease_run(lambda condition, item: True, 2, False)[0] is not None
    assert _lease_run(holds, 2, True)[0] is None


def test_the_real_redlock_check_is_skipped_with_the_install_command_when_redis_is_missing(monkeypatch, capsys):
    from dsworkbook.realservers import servers

    monkeypatch.setattr(servers, "redis_available", lambda: False)
    monkeypatch.delenv("CI", raising=False)
    line = grading.check("09-redlock-real", RIGHT["09-redlock-real"])
    assert line.startswith("- 09-redlock-real: skipped") and "apt-get install redis-server" in line
    assert capsys.readouterr().out == line + "\n"


def test_under_ci_a_missing_redis_fails_the_real_redlock_check(monkeypatch):
    from dsworkbook.realservers import servers

    monkeypatch.setattr(servers, "redis_available", lambda: False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(servers.ServerUnavailable, match="CI=true but 09-redlock-real needs a real server"):
        grading.check("09-redlock-real", RIGHT["09-redlock-real"])


def test_the_real_redlock_reference_is_the_library_round():
    from dsworkbook.grading.locks import redlock_real
    from dsworkbook.realservers.redlock import acquire_round

    assert redlock_real.acquire_round is acquire_round
    assert grading.get("09-redlock-real").servers == ("redis",)
