"""The membership-change checks of T06 (F08) discriminate, and the prediction's truth comes from runs.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references; stubs are reported as not attempted; the quorum rule's
reference agrees with the library's quorum test (``Configuration.is_quorum``) on random cases;
the cluster runs alone catch a joint rule that lets one majority commit; the prediction's truth
is computed from the two runs, and the broken variant's run really breaks.
"""

from __future__ import annotations

import random

import pytest

from dsworkbook import grading
from dsworkbook.consensus.raft.membership import Configuration
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.raft import config_quorum, predict_membership
from tests.wrong_answers.raft_membership import (RIGHT, WRONG, half_is_enough, leader_not_counted, max_of_two,
                                                 new_voters_only, quorum_right)

EXERCISES = {
    "06-config-quorum": ("implement", {"F08"}),
    "06-predict-membership": ("predict", {"F08"}),
}


def test_every_exercise_is_registered_with_its_theme_kind_concepts_and_parts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T06" for i in EXERCISES)
    assert reg["06-predict-membership"].parts == ("why",)
    assert reg["06-config-quorum"].reference == "dsworkbook.consensus.raft.membership.Configuration.agreed"
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert all(len(WRONG[i]) >= 10 for i in EXERCISES)


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id, stub, parts", [
    ("06-config-quorum", _stub, {}),
    ("06-predict-membership", ..., {"why": ...}),
])
def test_an_untouched_exercise_is_not_attempted(exercise_id, stub, parts):
    with pytest.raises(NotAttempted):
        grading.check(exercise_id, stub, **parts)


def test_the_reference_index_is_the_highest_one_whose_holders_make_a_quorum():
    # always: for every index, "stored on a quorum" (is_quorum) holds exactly up to the reference's answer
    rng = random.Random(15)
    for _ in range(300):
        voters, old, match, leader, last = config_quorum.draw_case(rng)
        config = Configuration(voters, frozenset(), old)
        held = {**match, leader: last}
        answer = config_quorum.reference_commit_index(voters, old, match, leader, last)
        for index in range(1, last + 2):
            holders = {s for s, i in held.items() if i >= index}
            assert config.is_quorum(holders) == (index <= answer), (voters, old, match, leader, last, index)


def test_the_hand_made_cases_cover_the_domain():
    shapes = {(len(v) % 2, old is None, leader in v) for _, v, old, _, leader, _, _ in config_quorum.CASES if v}
    assert {(0, True, True), (1, True, True), (1, True, False), (0, True, False), (1, False, True)} <= shapes
    assert any(not v for _, v, *_ in config_quorum.CASES)
    assert any(old is not None and not (old & v) for _, v, old, *_ in config_quorum.CASES)


def test_the_random_cases_reach_every_shape():
    drawn = [c for _, c in grading.core.random_cases(config_quorum.RANDOM_SEED, config_quorum.RANDOM_COUNT,
                                                      config_quorum.draw_case)]
    assert {len(v) for v, *_ in drawn} == set(range(1, 10))
    assert any(old is not None and not (old & v) for v, old, *_ in drawn)
    assert any(old is not None and old == v for v, old, *_ in drawn)
    assert any(leader not in v and (old is None or leader not in old) for v, old, _, leader, _ in drawn)
    assert any(set(m) - set(v) - set(old or ()) for v, old, m, *_ in drawn)   # learners or departed servers
    assert any(set(v) - set(m) - {leader} for v, _, m, leader, _ in drawn)    # voters missing from match


def test_the_cluster_runs_commit_with_the_right_rule():
    answered, changes = config_quorum.cluster_runs(quorum_right)
    assert answered > 0 and changes > 0     # sometimes: commands and membership changes did commit


@pytest.mark.parametrize("wrong, found", [(max_of_two, "leader completeness"), (new_voters_only, "leader completeness"),
                                          (half_is_enough, "broken"), (leader_not_counted, "commands answered")])
def test_the_cluster_runs_alone_catch_a_wrong_rule(wrong, found):
    with pytest.raises(WrongAnswer, match=found):
        config_quorum.cluster_runs(wrong)


def test_the_prediction_truth_comes_from_the_two_runs():
    runs = predict_membership.runs()
    assert set(runs) == set(predict_membership.RUNS)
    assert all(r["family"] == "membership race" for r in runs.values())
    assert runs["change_before_term_commit"]["breaks"] and runs["change_before_term_commit"]["first violation"]
    assert not runs["correct"]["breaks"] and runs["correct"]["changes committed"] > 0
    truth, reason = predict_membership.truth()
    assert truth == {k: v["breaks"] for k, v in runs.items()}
    assert reason == predict_membership.reason_that_holds(runs) == "a"


@pytest.mark.parametrize("pattern, letter", [((False, True), "a"), ((True, True), "b"), ((False, False), "c"),
                                             ((True, False), "d")])
def test_each_reason_describes_one_pattern_of_the_runs(pattern, letter):
    runs = {"correct": {"breaks": pattern[0]}, "change_before_term_commit": {"breaks": pattern[1]}}
    assert predict_membership.reason_that_holds(runs) == letter
