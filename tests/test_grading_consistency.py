"""The T03 checks: stubs are 'not attempted', predictions are graded against what the checkers
compute now, and the drill's cases really contain what its checks look for."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.checkers.replicas import dominates
from dsworkbook.grading.consistency import event_stream, version_sets
from tests.wrong_answers.consistency import RIGHT


def stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id", ["03-pair-events", "03-ryw-check", "03-monotonic-reads", "03-drill-resolver",
                                         "03-drill-eventual"])
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(grading.NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, stub)


@pytest.mark.parametrize("exercise_id", ["03-linearize-by-hand", "03-predict-linearizable", "03-strongest"])
def test_an_unanswered_prediction_is_not_attempted(exercise_id):
    with pytest.raises(grading.NotAttempted):
        grading.check(exercise_id, ...)


def test_the_linearizability_prediction_follows_the_checker_not_a_constant(monkeypatch):
    import dsworkbook.grading.consistency.linearize as mod

    real = mod.check_linearizable
    flipped = lambda h, *a, **k: type(real(h))(ok=not real(h).ok, reason="flipped")  # noqa: E731
    monkeypatch.setattr(mod, "check_linearizable", flipped)
    with pytest.raises(grading.WrongAnswer):
        grading.check("03-predict-linearizable", RIGHT["03-predict-linearizable"])


def test_the_strongest_model_prediction_follows_the_classifier(monkeypatch):
    import dsworkbook.grading.consistency.strongest as mod

    class Fake:
        strongest = "linearizable"

        def __getitem__(self, level):
            return type("R", (), {"reason": "faked"})()

    monkeypatch.setattr(mod, "classify", lambda *a, **k: Fake())
    with pytest.raises(grading.WrongAnswer, match="expected: linearizable"):
        grading.check("03-strongest", RIGHT["03-strongest"])


def test_the_event_streams_hold_fails_infos_and_operations_left_open():
    kinds, open_at_end = set(), 0
    for seed in range(300, 340):
        events = event_stream(seed)
        kinds |= {ev["type"] for ev in events}
        opened = sum(ev["type"] == "invoke" for ev in events)
        open_at_end += opened - sum(ev["type"] != "invoke" for ev in events)
    assert kinds == {"invoke", "ok", "fail", "info"} and open_at_end >= 10


def test_the_drill_version_sets_hold_dominated_versions_and_concurrent_ties():
    sets = [vs for seed in range(700, 740) for vs in version_sets(seed)]
    assert sum(any(dominates(a, b) for a in vs for b in vs) for vs in sets) >= 20
    tied = 0
    for vs in sets:
        tops = [v for v in vs if not any(dominates(o, v) for o in vs)]
        tied += len(tops) > 1
    assert tied >= 10


def test_the_drill_summary_names_its_seeds(capsys):
    line = grading.check("03-drill-resolver", RIGHT["03-drill-resolver"])
    assert "seeds 700-739" in line and "(1, 2, 3, 5, 9)" in line
