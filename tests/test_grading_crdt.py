"""The T05 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'.

tests/test_exercises.py runs every RIGHT, ALSO_RIGHT and WRONG answer of tests/wrong_answers/crdt.py;
here are the properties of the checks themselves: which classes of mistake each one catches and how
it says so (a law in words, what grew, two worlds), and that predictions and designs are judged
by running the simulator, not against constants.
"""

from __future__ import annotations

import sys

import pytest

from dsworkbook import grading
from dsworkbook.crdt import design
from dsworkbook.crdt.pitfalls import NaiveCompactORSet
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.crdt import predict_cart
from tests.wrong_answers import Answer, submit
from tests.wrong_answers import crdt as answers
from tests.wrong_answers.crdt import RIGHT, WRONG

EXERCISES = {
    "05-gcounter-merge": "implement",
    "05-drill-lww": "drill",
    "05-mv-register": "implement",
    "05-predict-cart": "predict",
    "05-drill-orset": "drill",
    "05-laws": "implement",
    "05-rga-order": "implement",
    "05-design-trip": "design",
}


def _rejected(exercise_id: str, answer) -> WrongAnswer:
    with pytest.raises(WrongAnswer) as info:
        submit(exercise_id, answer)
    return info.value


def test_every_t05_exercise_is_registered_with_its_kind_concepts_and_reference():
    reg = grading.registry()
    assert {i: reg[i].kind for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T05" and reg[i].concepts for i in EXERCISES)
    assert all(reg[i].reference for i in EXERCISES if reg[i].kind in ("implement", "drill"))
    assert reg["05-predict-cart"].parts == ("why",)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    covered = {c for i in EXERCISES for c in reg[i].concepts}
    assert covered == {"R01", "R02", "R03", "R04", "R05", "R06"}


def _stub(*args, **kwargs):
    raise NotImplementedError


class StubORSet(NaiveCompactORSet):
    def remove(self, element):
        raise NotImplementedError

    def merge(self, other):
        raise NotImplementedError


@pytest.mark.parametrize("exercise_id, stub", [
    ("05-gcounter-merge", _stub), ("05-drill-lww", _stub), ("05-mv-register", _stub), ("05-laws", _stub),
    ("05-rga-order", _stub), ("05-drill-orset", StubORSet), ("05-predict-cart", ...), ("05-design-trip", ...),
])
def test_a_stub_is_not_attempted(exercise_id, stub):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, stub, **({"why": "b"} if exercise_id == "05-predict-cart" else {}))


def test_a_prediction_without_its_reason_is_not_attempted():
    with pytest.raises(NotAttempted, match="why"):
        grading.check("05-predict-cart", answers.CART, why=...)


def test_a_stub_that_raises_only_inside_a_simulated_replica_is_not_attempted_either():
    def merge_then_stub(a, b):  # right on the hand-written pairs and the laws, a stub inside a replica
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "on_message":
                raise NotImplementedError
            frame = frame.f_back
        return RIGHT["05-gcounter-merge"](a, b)

    with pytest.raises(NotAttempted):
        grading.check("05-gcounter-merge", merge_then_stub)


def test_the_summaries_name_the_seeds_of_the_simulated_runs_and_the_random_cases(capsys):
    line = grading.check("05-gcounter-merge", RIGHT["05-gcounter-merge"])
    assert "seeds 501-508" in line and "3 replicas under faults" in line and "400 random ones (seed 506)" in line


# -- the classes of mistakes, and how each is reported -----------------------------------------------------


def test_a_broken_law_is_said_in_words():
    def right_but_not_commutative_on_ties(a, b):  # passes the hand cases only if lucky: here it cannot
        return answers.lww_keep_own(a, b)

    err = _rejected("05-drill-lww", right_but_not_commutative_on_ties)
    assert "kept the first argument" in err.hint
    from dsworkbook.crdt.laws import LawViolation
    from dsworkbook.grading.crdt._common import say_law

    v = LawViolation("commutative", ("a", "b"), 1, 2)
    assert say_law(v, "lww_merge") == "lww_merge(a, b) gave 1 but lww_merge(b, a) gave 2"
    v = LawViolation("associative", ("a", "b", "c"), 1, 2)
    assert say_law(v) == "merge(merge(a, b), c) gave 1 but merge(a, merge(b, c)) gave 2"


def test_a_merge_that_keeps_copies_fails_at_once_saying_what_grew():
    err = _rejected("05-mv-register", answers.mv_duplicates)
    assert "siblings" in str(err.got) and "from inputs of" in str(err.got)
    err = _rejected("05-mv-register", answers.mv_zero_entries_differ)
    assert "returned 2 siblings from inputs of 1 and 1" in str(err.got)


def test_a_merge_that_changes_its_argument_is_rejected():
    err = _rejected("05-gcounter-merge", answers.gcounter_mutate_a)
    assert "changed its argument a" in err.case
    err = _rejected("05-drill-orset", answers.OrsetSyncsOther)
    assert "changed other" in err.case


@pytest.mark.parametrize("answer", [answers.lww_hash_tie, answers.lww_random_tie, answers.lww_clock_tie])
def test_a_tie_broken_by_hash_random_or_the_clock_is_rejected(answer):
    _rejected("05-drill-lww", answer)


def test_a_tie_broken_by_hash_alone_is_caught_by_the_two_worlds(monkeypatch):
    from dsworkbook.grading.crdt import drill_lww

    monkeypatch.setattr(drill_lww, "_UNITS", [])  # only the worlds stand between it and the random cases
    monkeypatch.setattr(drill_lww, "RANDOM_COUNT", 0)
    err = _rejected("05-drill-lww", answers.lww_hash_tie)
    assert "run twice" in err.case


def test_replica_ids_are_compared_as_strings_r9_beats_r10():
    err = _rejected("05-drill-lww", answers.lww_natural_sort)
    assert "r9" in repr(err.input) or "r10" in repr(err.input)
    err = _rejected("05-rga-order", answers.rga_natural_replica)
    assert "r9" in err.case


def test_a_recursive_rga_walk_fails_on_a_long_run_of_typing_with_a_pointed_hint():
    err = _rejected("05-rga-order", answers.rga_recursive)
    assert "5,000" in err.case and "explicit stack" in err.hint


def test_the_orset_drill_compares_every_step_with_the_rule_on_many_replicas():
    err = _rejected("05-drill-orset", answers.OrsetByElement)  # same values, other entries: only the step-by-step
    assert "random case" in err.case and "stores" in str(err.expected)  # comparison with the rule sees it


@pytest.mark.parametrize("answer", [answers.laws_first_three, answers.laws_no_repeat_triples, answers.laws_by_text,
                                    answers.laws_sampled])
def test_the_law_checker_is_judged_on_merges_that_break_only_on_some_states(answer):
    err = _rejected("05-laws", answer)
    assert "merge" in err.case


def test_a_missed_law_is_explained_with_its_counterexample_in_words():
    err = _rejected("05-laws", answers.laws_pairs_only)
    assert "merge(merge(a, b), c) gave" in str(err.expected) and "associative" in err.hint


def test_many_merges_are_checked_right_and_broken():
    from dsworkbook.grading.crdt import laws

    line = grading.check("05-laws", RIGHT["05-laws"])
    assert len(laws.CASES) >= 35 and "160 random" in line
    assert any("two replicas active" in name for name, _, _ in laws.CASES)  # breaks only with a third replica


# -- predictions and designs are judged by running the simulator ---------------------------------------------


def test_the_prediction_is_graded_against_the_run_not_a_constant(monkeypatch):
    real = predict_cart.run_scenario

    def without_a_partition(*args, **kwargs):
        return real(*args, **{**kwargs, "partition": "none"})  # every edit seen in order: LWW loses nothing

    monkeypatch.setattr(predict_cart, "run_scenario", without_a_partition)
    with pytest.raises(WrongAnswer, match="the LWW cart"):
        submit("05-predict-cart", RIGHT["05-predict-cart"])


def test_the_reason_is_read_from_the_run():
    run = predict_cart.run_cart()
    assert predict_cart._milk_reason(run) == "b"
    err = _rejected("05-predict-cart", Answer(answers.CART, why="c"))
    assert "why" in err.case


@pytest.mark.parametrize("type_name, ok", [("G-Counter", True), ("PN-Counter", True), ("LWW-Register", False),
                                           ("MV-Register", False), ("OR-Set", False)])
def test_a_design_field_is_judged_by_its_requirement_and_every_type_that_meets_it_passes(type_name, ok):
    views = next(f for f in design.TRIP if f.name == "views")
    assert design.run_field(views, type_name).ok is ok


def test_a_design_failure_names_the_field_the_requirement_and_what_the_phones_showed():
    err = _rejected("05-design-trip", answers._trip(packing="MV-Register"))
    assert "packing" in err.case and "passport" in str(err.got) and "requirement" in str(err.expected)
