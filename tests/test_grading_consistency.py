"""The T03 checks: stubs are 'not attempted', predictions and their reasons are graded against what the
checkers compute now on histories the notebook never shows, and the random cases really reach the
boundaries the statements name (outcomes, missing values, zeros, ties, copies)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from dsworkbook import grading
from dsworkbook.checkers import parse_jsonl, parse_timeline
from dsworkbook.checkers.gallery import GALLERY
from dsworkbook.checkers.replicas import dominates
from dsworkbook.grading.build import read_notebook
from dsworkbook.grading.consistency import (BY_HAND, BY_HAND_WHY, PREDICT, PREDICT_WHY, STRONGEST, WHY, event_stream,
                                            random_pair, random_reads, random_session, random_versions,
                                            version_sets)
from dsworkbook.grading.consistency.linearize import by_hand_readings, predict_readings
from dsworkbook.grading.consistency.pair_events import reference as pair_reference
from dsworkbook.grading.consistency.strongest import readings as strongest_readings
from tests.wrong_answers import submit
from tests.wrong_answers.consistency import RIGHT

ROOT = Path(__file__).resolve().parents[1]


def stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id", ["03-pair-events", "03-ryw-check", "03-monotonic-reads", "03-drill-resolver",
                                         "03-drill-eventual"])
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(grading.NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, stub)


def test_a_session_rule_stub_is_not_attempted():
    class Stub:
        def start(self):
            raise NotImplementedError

        admit = advance = start

    with pytest.raises(grading.NotAttempted):
        grading.check("03-design-session", Stub)


@pytest.mark.parametrize("exercise_id", ["03-linearize-by-hand", "03-predict-linearizable", "03-strongest"])
def test_an_unanswered_prediction_or_reason_is_not_attempted(exercise_id):
    with pytest.raises(grading.NotAttempted):
        grading.check(exercise_id, ..., why="a")
    with pytest.raises(grading.NotAttempted, match="why"):
        grading.check(exercise_id, RIGHT[exercise_id].value, why=...)


# -- predictions: fresh histories, truths and reasons computed now ----------------------------------------


def _notebook_text(path: Path) -> str:
    return "\n".join("".join(c.source) if isinstance(c.source, list) else c.source
                     for c in read_notebook(path).cells)


def test_the_predictions_use_histories_that_notebook_03_and_the_gallery_never_draw():
    themed = _notebook_text(ROOT / "notebooks" / "03_consistency_models.ipynb")
    drawings = [BY_HAND, *PREDICT.values(), *STRONGEST.values()]
    for text in drawings:
        h = parse_timeline(text)
        assert all(parse_timeline(g) != h for g in GALLERY.values())
        assert text.strip("\n") not in themed
    assert not (set(PREDICT) | set(STRONGEST)) & set(GALLERY)
    for name in [*PREDICT, *STRONGEST]:
        assert f'"{name}"' not in themed


def test_each_prediction_exercise_holds_an_unknown_and_a_failed_operation():
    for texts in ([BY_HAND], PREDICT.values(), STRONGEST.values()):
        assert {"unknown", "fail"} <= {op.outcome for t in texts for op in parse_timeline(t)}


def test_each_why_has_exactly_one_reading_that_gives_the_checkers_answer():
    from dsworkbook.checkers import check_linearizable, classify

    assert [k for k, v in by_hand_readings().items() if v is check_linearizable(parse_timeline(BY_HAND)).ok] == ["c"]
    truth = tuple(check_linearizable(parse_timeline(PREDICT[n])).ok for n in ("timed-out write", "refused write"))
    assert [k for k, v in predict_readings().items() if v == truth] == ["a"]
    late = classify(parse_timeline(STRONGEST["late landing"])).strongest
    assert [k for k, v in strongest_readings().items() if v == late] == ["c"]
    assert set(BY_HAND_WHY) == set(PREDICT_WHY) == {"a", "b", "c", "d"} and set(WHY) == {"a", "b", "c"}


def test_the_linearizability_prediction_follows_the_checker_not_a_constant(monkeypatch):
    import dsworkbook.grading.consistency.linearize as mod

    real = mod.check_linearizable
    flipped = lambda h, *a, **k: type(real(h))(ok=not real(h).ok, reason="flipped")  # noqa: E731
    monkeypatch.setattr(mod, "check_linearizable", flipped)
    with pytest.raises(grading.WrongAnswer):
        submit("03-predict-linearizable", RIGHT["03-predict-linearizable"])


def test_the_strongest_model_prediction_follows_the_classifier(monkeypatch):
    import dsworkbook.grading.consistency.strongest as mod

    class Fake:
        strongest = "linearizable"

        def __getitem__(self, level):
            return type("R", (), {"reason": "faked"})()

    monkeypatch.setattr(mod, "classify", lambda *a, **k: Fake())
    with pytest.raises(grading.WrongAnswer, match="expected: linearizable"):
        submit("03-strongest", RIGHT["03-strongest"])


# -- the random cases reach the boundaries -----------------------------------------------------------


def test_the_event_streams_hold_errors_missing_values_repeated_values_and_operations_left_open():
    kinds, open_at_end, fail_errors, no_value, many = set(), 0, 0, 0, 0
    for seed in range(200):
        events = event_stream(seed)
        kinds |= {ev["type"] for ev in events}
        open_at_end += sum(ev["type"] == "invoke" for ev in events) - sum(ev["type"] != "invoke" for ev in events)
        fail_errors += sum(ev["type"] == "fail" and ev.get("value") in ("timeout", "refused", -1) for ev in events)
        no_value += sum(ev["type"] == "ok" and "value" not in ev for ev in events)
        many += len({ev["process"] for ev in events}) >= 8
    assert kinds == {"invoke", "ok", "fail", "info"}
    assert open_at_end >= 50 and fail_errors >= 50 and no_value >= 50 and many >= 20


def test_the_pairing_rule_is_the_checkers_reader():
    for seed in range(200):
        events = event_stream(seed)
        h = parse_jsonl("\n".join(json.dumps(ev) for ev in events))
        assert [(op.process, op.f, op.input, op.output, op.outcome) for op in h] == pair_reference(events)


def test_the_random_sessions_hold_every_outcome_and_the_value_zero():
    ops = [op for seed in range(200) for op in random_session(random.Random(seed))]
    assert {(f, o) for f, _, o in ops} == {(f, o) for f in ("read", "write") for o in ("ok", "fail", "unknown")}
    assert any(v == 0 and f == "write" for f, v, _ in ops)
    reads = [r for seed in range(200) for r in random_reads(random.Random(seed))]
    assert {o for _, o in reads} == {"ok", "fail", "unknown"} and (0, "ok") in reads


def test_the_drill_version_sets_hold_dominated_versions_ties_zero_entries_and_many_replicas():
    sets = [vs for seed in range(700, 740) for vs in version_sets(seed)]
    sets += [random_versions(random.Random(s)) for s in range(150)]
    assert sum(any(dominates(a, b) for a in vs for b in vs) for vs in sets) >= 60
    tops = [[v for v in vs if not any(dominates(o, v) for o in vs)] for vs in sets]
    assert sum(len(t) > 1 for t in tops) >= 30
    assert any(c == 0 for vs in sets for v in vs for _, c in v.clock)
    assert any(v.node == "r10" for vs in sets for v in vs)
    assert any(len({v.value for v in t}) < len(t) for t in tops)  # equal values on concurrent versions


def test_the_random_merges_hold_copies_equal_values_and_empty_sides():
    pairs = [random_pair(random.Random(s)) for s in range(200)]
    assert any(not mine or not theirs for mine, theirs in pairs)
    assert any(set(mine) & set(theirs) and not {id(s) for s in mine} & {id(s) for s in theirs}
               for mine, theirs in pairs)
    assert any(len({s.value for s in (*m, *t)}) < len(set((*m, *t))) for m, t in pairs)


def test_the_drill_summary_names_its_seeds():
    line = grading.check("03-drill-resolver", RIGHT["03-drill-resolver"])
    assert "seeds 700-739" in line and "(1, 2, 3, 5, 9)" in line


def test_the_design_check_accepts_a_rule_that_keeps_the_token_in_a_dict():
    from tests.wrong_answers.consistency import SessionDict

    assert "no covering replica was refused" in grading.check("03-design-session", SessionDict)
