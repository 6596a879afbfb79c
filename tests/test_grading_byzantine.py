"""The T08 checks discriminate, and their references agree with the PBFT library.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that the references the
checks compare with agree with the library on their own inputs, that each prediction's truth
(and its reason) is computed from a run and unique, and that the design's goals bind.
"""

from __future__ import annotations

import random

import pytest

from dsworkbook import grading
from dsworkbook.consensus.pbft.quorums import min_intersection
from dsworkbook.consensus.pbft.viewchange import compute_new_view
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.byzantine import (client_accept, design_pbft, drill_pre_prepare, drill_prepared, new_view,
                                          predict_traitor, predict_view_change, quorum_size)
from tests.wrong_answers.byzantine import RIGHT, WRONG

EXERCISES = {
    "08-quorum-size": ("implement", {"B03"}),
    "08-drill-prepared": ("drill", {"B01", "B04"}),
    "08-new-view": ("implement", {"B02"}),
    "08-client-accept": ("implement", {"B01", "B04"}),
    "08-predict-traitor": ("predict", {"B03", "B01"}),
    "08-predict-view-change": ("predict", {"B02"}),
    "08-drill-pre-prepare": ("drill", {"B04", "B01"}),
    "08-design-pbft": ("design", {"B02", "B03"}),
}


def test_every_t08_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert {i for i, ex in reg.items() if ex.theme == "T08"} == set(EXERCISES)
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


@pytest.mark.parametrize("exercise_id", ["08-quorum-size", "08-drill-prepared", "08-new-view", "08-client-accept"])
def test_a_stub_is_not_attempted(exercise_id):
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check(exercise_id, stub)


def test_an_unanswered_prediction_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("08-predict-traitor", grading.UNANSWERED, why=grading.UNANSWERED)


def test_the_quorum_size_is_the_smallest_whose_pairs_share_f_plus_1_by_enumeration():
    for n in range(1, 11):
        for f in range(0, n):
            q = quorum_size.reference(n, f)
            if n < 3 * f + 1:
                assert q is None
                continue
            assert min_intersection(n, q) >= f + 1 and q <= n - f
            assert q == 1 or min_intersection(n, q - 1) < f + 1


def test_the_new_view_reference_is_the_librarys_choice_on_random_sets():
    rng = random.Random(5)
    for _ in range(200):
        vcs = new_view._draw(rng)
        min_s, max_s, chosen = compute_new_view(new_view._as_messages(vcs))
        assert new_view.reference(vcs) == (min_s, max_s, {n: d for n, (d, _) in chosen.items()})
        best = {}
        for _, prepared in vcs:
            for seq, view, digest in prepared:
                if seq > min_s and view >= best.get(seq, (-1, ""))[0]:
                    best[seq] = (view, digest)
        assert {n: d for n, (v, d) in best.items()} == {n: d for n, d in new_view.reference(vcs)[2].items()
                                                        if d != "null"}


def test_the_random_logs_reach_both_verdicts_and_every_relaxation_matters():
    rng = random.Random(3)
    keys = drill_prepared.keyring()
    verdicts, differs = set(), set()
    for _ in range(300):
        log, q = drill_prepared._draw(rng)
        right = drill_prepared.reference(log, keys, *q)
        verdicts.add(right)
        for i, (relax, _) in enumerate(drill_prepared.RELAXED):
            if drill_prepared._rule(log, keys, *q, **relax) != right:
                differs.add(i)
    assert verdicts == {True, False}
    assert differs == set(range(len(drill_prepared.RELAXED)))


def test_the_random_replies_accept_and_refuse_and_every_relaxation_matters():
    rng = random.Random(4)
    keys = client_accept.keyring()
    verdicts, differs = set(), set()
    for _ in range(300):
        replies, q = client_accept._draw(rng)
        right = client_accept.reference(replies, keys, *q)
        verdicts.add(right[0])
        for i, (relax, _) in enumerate(client_accept.RELAXED):
            if client_accept._rule(replies, keys, *q, **relax) != right:
                differs.add(i)
    assert verdicts == {True, False}
    assert differs == set(range(len(client_accept.RELAXED)))


def test_the_random_pre_prepare_sequences_reach_every_label():
    rng = random.Random(6)
    seen = set()
    for _ in range(100):
        n, window, steps = drill_pre_prepare._draw(rng)
        b = drill_pre_prepare.ReferenceBackup(drill_pre_prepare.keyring(), n, window=window)
        for kind, x in steps:
            if kind == "offer":
                seen.add(b.on_pre_prepare(x))
            else:
                setattr(b, kind, x)
    assert seen == set(drill_pre_prepare.LABELS)


def test_the_predictions_are_read_off_runs_with_exactly_one_reason():
    answer, reason = predict_traitor.truth()
    assert set(answer.values()) == {True, False} and reason in predict_traitor.REASONS
    view, why = predict_view_change.truth()
    assert why in predict_view_change.REASONS and view["final view"] >= 1


def test_the_design_goals_bind_in_every_direction():
    assert design_pbft._goals(7, 4, 60) is None
    assert "checkpoints" in design_pbft._goals(7, 2, 60)
    assert "pre-prepares" in design_pbft._goals(7, 6, 60)
    assert "deadline" in design_pbft._goals(7, 4, 160)
    assert design_pbft._goals(8, 4, 60) is None  # safe with more replicas too; not the fewest
