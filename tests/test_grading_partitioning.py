"""The T11 checks discriminate, and their truths come from runs.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that each prediction's
truth (and its reason) is computed from a run and unique, and that the references agree with
the library.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from tests.wrong_answers.partitioning import RIGHT, WRONG

EXERCISES = {
    "11-jump-hash": ("implement", {"H04"}),
    "11-drill-preference-list": ("drill", {"H03"}),
    "11-predict-remap": ("predict", {"H01", "H02"}),
    "11-predict-hot-key": ("predict", {"H05", "H02"}),
    "11-design-ring": ("design", {"H02", "H03"}),
    "11-drill-tie-break": ("drill", {"H02"}),
    "11-bounded-load": ("implement", {"H04"}),
    "11-chord-route": ("implement", {"H04"}),
}


def test_every_t11_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert {i for i, ex in reg.items() if ex.theme == "T11"} == set(EXERCISES)
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
    def stub(*args, **kwargs):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("11-jump-hash", stub)


def test_an_unanswered_prediction_is_not_attempted():
    for i, (kind, _) in EXERCISES.items():
        if kind == "predict":
            with pytest.raises(NotAttempted):
                grading.check(i, ..., why=...)


def test_each_prediction_truth_comes_from_its_run_and_one_reason_holds():
    from dsworkbook.grading.partitioning import predict_hot_key, predict_remap

    moved, reason, share = predict_remap.truth()
    assert reason == "a" and moved["modulo"] > 0.8 and abs(moved["ring"] - share) < 0.02
    shares, reason, hot = predict_hot_key.truth()
    assert reason == "a" and shares["vnodes 500"] > hot > 1 / 8 > shares["salted x8"] - 0.1


def test_the_design_goals_are_measured_and_tight():
    from dsworkbook.grading.partitioning import design_ring

    cheapest = design_ring.cheapest_vnodes()
    assert design_ring.balance(cheapest) <= design_ring.BALANCE
    assert all(design_ring.balance(v) > design_ring.BALANCE for v in range(10, cheapest, 10))
    ring = design_ring.HashRing(list(design_ring.NODES), vnodes=cheapest)
    racks = {f"n{i}": f"r{i % 3 + 1}" for i in range(12)}
    assert design_ring.lost_key(ring, 3, racks) is None and design_ring.lost_key(ring, 2, racks) is not None


def test_the_tie_rule_is_the_rings_own():
    """The check's rule for shared positions is HashRing's: the smallest (node, index) keeps the point."""
    from dsworkbook.grading.partitioning.drill_tie_break import reference_owner, reference_points
    from dsworkbook.partitioning import HashRing

    ring = HashRing(["n9", "n10", "a"], vnodes=3)
    members = {n: ring.points_of(n) for n in ring.nodes}
    members["n9"][1] = members["n10"][2]  # force a shared position
    ring._vpoints["n9"] = members["n9"]
    ring._rebuild()
    assert reference_points(members) == list(zip(ring._ints, ring._owners))
    assert all(reference_owner(reference_points(members), p) == ring.owner_at(p) for p in ring._ints)


def test_the_chord_check_runs_adversarial_rings():
    """The small rings put lookups exactly on node identifiers and past 0, and a ring of one node is among them."""
    from dsworkbook.grading.partitioning.chord_route import _names, _stable
    from dsworkbook.partitioning import ChordNode, chord_id

    names = _names(8, 6, 4)
    ids = {chord_id(n, 6) for n in names}
    targets = [o.input for o in _stable(ChordNode, names, 6, 4, 3000.0).history if o.f == "lookup"]
    assert ids & set(targets) and any(t < min(ids) or t > max(ids) for t in targets)
    one = _stable(ChordNode, _names(1, 5, 1), 5, 1, 1000.0)
    assert all(o.outcome == "ok" and o.output[1] == 0 for o in one.history)
