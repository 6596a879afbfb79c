"""The T07 checks discriminate; stubs are 'not attempted'; the drill's exposing seeds really expose it."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import NaiveBallots, PaxosNode, check_consensus
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.paxos import EXPOSING_SEEDS
from tests.wrong_answers.paxos import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "07-acceptor": ("implement", {"P01"}),
    "07-choose-value": ("implement", {"P01"}),
    "07-predict-duel": ("predict", {"P01", "P03"}),
    "07-drill-ballots": ("drill", {"P01"}),
    "07-fast-quorum": ("implement", {"P02"}),
    "07-multipaxos-recovery": ("implement", {"P02"}),
    "07-consensus-check": ("implement", {"P03"}),
}


def test_every_t07_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T07" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


class _StubAcceptor(PaxosNode):
    def on_prepare(self, src, msg):
        raise NotImplementedError

    def on_accept(self, src, msg):
        raise NotImplementedError


class _StubBallots(NaiveBallots):
    def new_ballot(self):
        raise NotImplementedError


def _stub(*args):
    raise NotImplementedError


STUBS = {"07-acceptor": _StubAcceptor, "07-choose-value": _stub, "07-fast-quorum": _stub,
         "07-multipaxos-recovery": _stub, "07-consensus-check": _stub, "07-drill-ballots": _StubBallots,
         "07-predict-duel": ...}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, STUBS[exercise_id])


@pytest.mark.parametrize("seed", EXPOSING_SEEDS)
def test_the_drill_seeds_split_the_naive_ballots(seed):
    assert not check_consensus(paxos_run(seed, paxos_schedule(seed), variant="naive_ballots")).ok
    assert check_consensus(paxos_run(seed, paxos_schedule(seed))).ok
