"""The T04 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted, WrongAnswer
from tests.wrong_answers import Answer, submit
from tests.wrong_answers.clocks import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "04-ntp-offset": ("implement", {"C01"}),
    "04-lamport-receive": ("implement", {"C02"}),
    "04-drill-vc-compare": ("drill", {"C03"}),
    "04-predict-concurrent": ("predict", {"C02", "C03"}),
    "04-siblings": ("implement", {"C04"}),
    "04-drill-pruning": ("drill", {"C04"}),
    "04-hlc-update": ("implement", {"C05"}),
    "04-commit-wait": ("implement", {"C06"}),
    "04-design-clock-sync": ("design", {"C01", "C06"}),
}


def test_every_t04_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T04" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert {c for _, cs in EXERCISES.values() for c in cs} == {"C01", "C02", "C03", "C04", "C05", "C06"}


def test_summaries_name_their_seeds():
    for exercise_id in EXERCISES:
        if exercise_id != "04-predict-concurrent":
            assert "seed" in submit(exercise_id, RIGHT[exercise_id])


def test_every_exercise_that_asks_for_code_names_a_narrow_reference():
    reg = grading.registry()
    refs = {i: reg[i].reference for i in EXERCISES if reg[i].kind in ("implement", "drill")}
    assert refs == {"04-ntp-offset": "dsworkbook.clocks.physical.ntp_offset",
                    "04-lamport-receive": "dsworkbook.clocks.lamport.lamport_receive",
                    "04-drill-vc-compare": "dsworkbook.clocks.vector.VectorTimestamp.compare",
                    "04-siblings": "dsworkbook.clocks.version.reconcile",
                    "04-drill-pruning": "dsworkbook.clocks.pruning.prune",
                    "04-hlc-update": "dsworkbook.clocks.hlc.hlc_update",
                    "04-commit-wait": "dsworkbook.clocks.truetime.spanner_commit"}


def _stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id", [i for i in EXERCISES if i not in ("04-predict-concurrent",
                                                                          "04-design-clock-sync")])
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, _stub)


def test_an_unanswered_prediction_or_design_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check("04-predict-concurrent", ..., why="c")
    with pytest.raises(NotAttempted, match="why"):
        grading.check("04-predict-concurrent", RIGHT["04-predict-concurrent"].value, why=...)
    with pytest.raises(NotAttempted):
        grading.check("04-design-clock-sync", ...)


def _stub_inside_nodes(state, pt, msg):
    if msg is not None:  # right for sends, a stub for receives: it first raises inside a simulated node
        raise NotImplementedError
    return RIGHT["04-hlc-update"](state, pt, msg)


def test_a_stub_raised_inside_a_simulated_node_is_still_not_attempted():
    from dsworkbook.grading.clocks._common import guarded
    from dsworkbook.clocks import clock_run

    with pytest.raises(NotAttempted, match="not attempted yet"):
        guarded(lambda: clock_run(1, hlc_rule=_stub_inside_nodes), case="a run", input="seed=1")


def _crashes_in_a_node(local, received):
    if received > 3:
        raise KeyError("oops")
    return max(local, received) + 1


def test_a_crash_inside_a_node_is_a_wrong_answer_that_names_the_seed():
    from dsworkbook.grading.clocks.lamport import _check_runs

    grading.core._Current.exercise = "04-lamport-receive"
    try:
        with pytest.raises(WrongAnswer, match="seed=51"):
            _check_runs(_crashes_in_a_node)
    finally:
        grading.core._Current.exercise = ""


def lamport_almost(local, received):
    return max(local, received) + (1 if local or received else 2)  # right except at (0, 0): a unit case


def compare_right_but_slow_to_say_equal(a, b):
    nodes = set(a) | set(b)
    if all(a.get(n, 0) == b.get(n, 0) for n in nodes):
        return "EQUAL"  # not one of the four words
    return RIGHT["04-drill-vc-compare"](a, b)


@pytest.mark.parametrize("exercise_id, answer, where", [
    ("04-lamport-receive", lamport_almost, "local=0, received=0"),
    ("04-drill-vc-compare", compare_right_but_slow_to_say_equal, "a={'A': 1, 'B': 2}"),
    ("04-predict-concurrent", Answer("before, concurrent, after, concurrent, concurrent", why="c"),
     "the form of the answer"),
    ("04-predict-concurrent", Answer(RIGHT["04-predict-concurrent"].value, why="e"), "the form of `why`"),
    ("04-ntp-offset", 42, "the answer itself"),
    ("04-design-clock-sync", {"poll_every": 10_000}, "the form of the answer"),
])
def test_wrong_answers_name_the_case(exercise_id, answer, where):
    with pytest.raises(WrongAnswer, match=f"wrong answer on {where}"):
        submit(exercise_id, answer)


def test_the_commit_wait_check_runs_the_experiment_before_the_rules():
    # a rule that is safe in the experiment (it waits long enough) but claims a timestamp below latest
    def early_but_waiting(now):
        s = now.latest - 0.5
        return s, now.latest - now.earliest

    with pytest.raises(WrongAnswer, match=r"wrong answer on TT.now\(\) = \[95.000, 105.000\]"):
        grading.check("04-commit-wait", early_but_waiting)


# -- the classes of mistakes each check must close -----------------------------------------------------------


def test_the_prediction_and_its_reason_are_computed_from_the_diagram():
    from dsworkbook.clocks import PUZZLE_PAIRS, puzzle_diagram
    from dsworkbook.grading.clocks.predict_concurrent import why_truth

    d = puzzle_diagram()
    assert [str(d.relation(a, b)) for a, b in PUZZLE_PAIRS] == RIGHT["04-predict-concurrent"].value
    assert why_truth(d) == RIGHT["04-predict-concurrent"].parts["why"]
    lam = d.lamport()  # reading Lamport times as happens-before goes wrong both ways in this diagram
    assert any(lam[a] < lam[b] and str(d.relation(a, b)) == "concurrent" for a, b in PUZZLE_PAIRS)
    assert any(lam[a] > lam[b] and str(d.relation(a, b)) == "concurrent" for a, b in PUZZLE_PAIRS)


def test_the_prediction_scenario_is_not_shown_by_the_themed_notebook():
    from pathlib import Path

    text = Path(__file__).resolve().parents[1].joinpath("notebooks", "04_time_and_clocks.ipynb").read_text()
    assert "puzzle_diagram" not in text and "PUZZLE" not in text


def prune_sets_iteration_order(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    # ties decided by set iteration order (string hashes differ per process): caught by the differential cases
    newest = sorted(set(entries), key=lambda n: -entries[n].updated)[:limit]
    return {n: entries[n] for n in newest}


def prune_random_tiebreak(entries, limit):
    import random

    if len(entries) <= limit:
        return dict(entries)
    names = list(entries)
    random.shuffle(names)  # global random: a different tie-break in every run
    newest = sorted(names, key=lambda n: -entries[n].updated)[:limit]
    return {n: entries[n] for n in newest}


@pytest.mark.parametrize("answer", [prune_sets_iteration_order, prune_random_tiebreak])
def test_tie_breaks_that_lean_on_hashing_or_randomness_are_rejected(answer):
    with pytest.raises(WrongAnswer):
        grading.check("04-drill-pruning", answer)


def test_a_hash_tiebreak_is_caught_by_the_worlds_even_when_it_happens_to_agree():
    from dsworkbook.grading.clocks import pruning

    grading.core._Current.exercise = "04-drill-pruning"
    try:
        with pytest.raises(WrongAnswer, match="run twice"):
            pruning._same_on_ties(WRONG["04-drill-pruning"][-1])
    finally:
        grading.core._Current.exercise = ""


def commit_rule_on_the_wall_clock(now):
    import time

    return now.latest, (now.latest - now.earliest) + (time.time() % 1e-3)  # leans on the clock


def test_a_commit_rule_that_reads_the_clock_is_rejected():
    with pytest.raises(WrongAnswer, match="run twice"):
        grading.check("04-commit-wait", commit_rule_on_the_wall_clock)


def siblings_doubling(stored, incoming):
    return list(stored) * 2 + list(incoming) * 2  # grows on every merge: stopped at once, with what grew


def test_a_merge_that_grows_is_stopped_with_a_message_that_says_so():
    with pytest.raises(WrongAnswer, match="at most 1 siblings"):
        grading.check("04-siblings", siblings_doubling)


def test_the_design_check_passes_several_setups_and_at_the_exact_bounds():
    for setup in [RIGHT["04-design-clock-sync"], *ALSO_RIGHT["04-design-clock-sync"]]:
        assert "no violation" in submit("04-design-clock-sync", setup)


def test_the_design_check_shows_an_out_of_order_pair_in_words():
    with pytest.raises(WrongAnswer) as info:
        grading.check("04-design-clock-sync", {"poll_every": 10_000, "eps": 2.5})
    text = str(info.value)
    assert "the worst case" in text and "two transactions in the wrong order" in text and "eps = 2.5 ms" in text
