"""The T07 checks discriminate; stubs are 'not attempted'; the drill's exposing seeds really expose it;
each grader's adversarial cases say what they claim; predictions and designs are judged by runs."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import (Accept, Ballot, NaiveBallots, PaxosNode, Prepare, Promise, check_consensus,
                                        duel)
from dsworkbook.consensus.paxos.flexible import DEPLOYMENTS, valid_quorums
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.paxos import EXPOSING_SEEDS
from dsworkbook.grading.paxos import acceptor as acceptor_grader
from dsworkbook.grading.paxos import predict_duel
from dsworkbook.grading.paxos._common import PaxosBench, fmt
from tests.wrong_answers import Answer, submit
from tests.wrong_answers.paxos import (DESIGN, DUEL, RIGHT, WRONG, AcceptorRight, AcceptorStrictPrepare,
                                       FixedBallots, choose_right)

EXERCISES = {
    "07-acceptor": ("implement", {"P01"}),
    "07-choose-value": ("implement", {"P01"}),
    "07-predict-duel": ("predict", {"P01", "P03"}),
    "07-drill-ballots": ("drill", {"P01"}),
    "07-fast-quorum": ("implement", {"P02"}),
    "07-multipaxos-recovery": ("implement", {"P02"}),
    "07-consensus-check": ("implement", {"P03"}),
    "07-design-quorums": ("design", {"P02"}),
}


def test_every_t07_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    t07 = {i for i, ex in reg.items() if ex.theme == "T07"}
    assert t07 == set(EXERCISES)
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert reg["07-predict-duel"].parts == ("why",)


def test_protocol_handlers_have_ten_wrong_answers_and_the_rest_eight():
    for exercise_id, answers in WRONG.items():
        assert len(answers) >= (10 if exercise_id in ("07-acceptor", "07-drill-ballots") else 8), exercise_id


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
         "07-predict-duel": ..., "07-design-quorums": ...}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        if exercise_id == "07-predict-duel":
            grading.check(exercise_id, STUBS[exercise_id], why=...)
        else:
            grading.check(exercise_id, STUBS[exercise_id])


def test_a_prediction_without_its_reason_is_not_attempted():
    with pytest.raises(NotAttempted, match="`why`"):
        grading.check("07-predict-duel", DUEL, why=...)


@pytest.mark.parametrize("seed", EXPOSING_SEEDS)
def test_the_drill_seeds_split_the_naive_ballots(seed):
    assert not check_consensus(paxos_run(seed, paxos_schedule(seed), variant="naive_ballots")).ok
    assert check_consensus(paxos_run(seed, paxos_schedule(seed))).ok


# -- the acceptor's adversarial scripts ------------------------------------------------------------------------


def _script(name):
    return next(script for n, script, _ in acceptor_grader.SCRIPTS if n == name)


def test_the_acceptor_scripts_include_the_adversarial_cases_the_paper_implies():
    names = {n for n, _, _ in acceptor_grader.SCRIPTS}
    assert {"a duplicated Prepare of the ballot already promised", "a crash after a promise, then a lower Accept",
            "an Accept of the promised ballot", "an Accept below the promise", "rounds 9 and 10",
            "one round, proposers p9 and p10"} <= names
    restart = _script("a crash after a promise, then a lower Accept")
    assert acceptor_grader.RESTART in restart and type(restart[-2]) is Accept
    assert restart[-2].ballot < restart[0].ballot


def test_a_restarted_acceptor_refuses_a_lower_accept_because_promises_are_durable():
    """Paxos Made Simple §2.3/§2.5: an acceptor must remember its promise even if it fails and restarts."""
    bench = PaxosBench(PaxosNode, case="test")
    bench.deliver("a3", Prepare(Ballot(5, "a3")))
    bench.restart()
    reply = bench.replies(bench.deliver("a1", Accept(Ballot(4, "a1"), "X")))
    assert [fmt(m) for _, m in reply] == ["Nack(4.a1, promised 5.a3)"]


def test_a_duplicated_prepare_gets_the_same_promise_twice():
    bench = PaxosBench(PaxosNode, case="test")
    first = bench.replies(bench.deliver("a1", Prepare(Ballot(3, "a1"))))
    again = bench.replies(bench.deliver("a1", Prepare(Ballot(3, "a1"))))
    assert first == again == [("a1", Promise(Ballot(3, "a1"), None, None))]


def test_refusing_a_duplicated_prepare_is_rejected_at_that_script():
    with pytest.raises(WrongAnswer) as info:
        submit("07-acceptor", AcceptorStrictPrepare)
    assert info.value.case.startswith("a duplicated Prepare of the ballot already promised, step 2")
    assert "Promise(3.a1, nothing accepted)" in str(info.value.expected)


def test_the_acceptor_check_runs_the_cluster_twice_in_two_worlds():
    class GlobalRandomAcceptor(AcceptorRight):
        def on_start(self):
            import random

            super().on_start()
            self.retry = 1 + random.random() * 20  # the global random module leaks into the retry delay

    with pytest.raises(WrongAnswer, match="run twice"):
        submit("07-acceptor", GlobalRandomAcceptor)


# -- the other graders ------------------------------------------------------------------------------------------


def test_choose_value_cases_put_the_winner_first_last_and_in_the_middle():
    from dsworkbook.grading.paxos.choose_value import CASES

    names = {n for n, *_ in CASES}
    assert {"the highest ballot listed first", "the highest ballot listed last",
            "the highest ballot in the middle"} <= names
    assert submit("07-choose-value", choose_right).startswith("✔ 07-choose-value: 412 cases right")


def test_the_drill_asks_each_proposer_twice_and_ids_with_one_and_two_digits():
    from dsworkbook.grading.paxos.drill_ballots import PROPOSERS

    assert {"p9", "p10", "p1", "p11"} <= set(PROPOSERS)
    assert "unique, increasing ballots" in submit("07-drill-ballots", FixedBallots)


def test_the_fast_quorum_check_reaches_thousands_of_acceptors():
    from dsworkbook.grading.paxos.fast_quorum import RANDOM_COUNT, RANDOM_SEED, _draw
    from dsworkbook.grading.core import random_cases

    sizes = [n for _, (n, _c) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw)]
    assert max(sizes) >= 4096 and min(sizes) >= 10


def test_the_duel_prediction_is_computed_from_the_runs(monkeypatch):
    predict_duel._runs.cache_clear()
    truth = predict_duel._runs()
    assert {k: c for k, (c, _) in truth.items()} == DUEL
    for name, kw in predict_duel.SCENARIOS.items():
        assert bool(check_consensus(duel(7, backoff="fixed", until=3000.0, **kw)).decided) == DUEL[name]
    monkeypatch.setattr(predict_duel, "_runs", lambda: {**truth, "small-values": (False, 99)})
    with pytest.raises(WrongAnswer, match="small-values"):
        submit("07-predict-duel", Answer(DUEL, why="a"))


def test_the_design_answers_are_properties_not_a_constant():
    assert valid_quorums(DEPLOYMENTS["one-region"]) == [(2, 4), (3, 3), (3, 4)]
    assert valid_quorums(DEPLOYMENTS["three-regions"]) == [(4, 2)]
    assert valid_quorums(DEPLOYMENTS["four-nodes"]) == []
    assert all(DESIGN[name] in valid_quorums(d) or (DESIGN[name] is None and not valid_quorums(d))
               for name, d in DEPLOYMENTS.items())


def test_an_unsafe_design_is_shown_deciding_two_values_in_the_simulator():
    with pytest.raises(WrongAnswer) as info:
        submit("07-design-quorums", {**DESIGN, "three-regions": (3, 2)})
    assert "agreement broken" in str(info.value.got) and "share none" in str(info.value.got)
