"""The T01 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'."""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading import network as t01
from dsworkbook import reliability as dw_rel
from dsworkbook.reliability import NaiveRetryClient
from tests.wrong_answers.network import ALSO_RIGHT, RIGHT, WRONG

EXERCISES = {
    "01-backoff": "implement",
    "01-dedup": "implement",
    "01-partition-detect": "implement",
    "01-trace-stats": "implement",
    "01-predict-retry": "predict",
    "01-predict-timeout": "predict",
    "01-drill-retry": "drill",
    "01-drill-determinism": "drill",
}


def test_every_t01_exercise_is_registered_with_its_kind():
    reg = grading.registry()
    assert {i: reg[i].kind for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T01" and reg[i].concepts for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


def _stub(*args, **kwargs):
    raise NotImplementedError


class _StubCounter:
    def handle(self, req_id, idem_key, amount):
        raise NotImplementedError


class _StubClient(NaiveRetryClient):
    def idempotency_key(self, index, attempt):
        raise NotImplementedError


STUBS = {"01-backoff": _stub, "01-dedup": _StubCounter, "01-partition-detect": _stub, "01-trace-stats": _stub,
         "01-drill-retry": _StubClient}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, STUBS[exercise_id])


@pytest.mark.parametrize("exercise_id", ["01-predict-retry", "01-predict-timeout"])
def test_an_unanswered_prediction_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, ...)


# -- specific feedback for the classic mistakes --------------------------------------------------------------


@pytest.mark.parametrize("exercise_id, index, words", [
    ("01-backoff", 0, "without jitter"),
    ("01-backoff", 1, "never exceed the cap"),
    ("01-backoff", 2, "doubles with each attempt"),
    ("01-backoff", 3, "global random"),
    ("01-dedup", 1, "same idem_key"),
    ("01-dedup", 2, "not the counter's current value"),
    ("01-partition-detect", 0, "one-way link"),
    ("01-partition-detect", 1, "older than `timeout`"),
    ("01-trace-stats", 0, "distinct msg_id"),
    ("01-trace-stats", 1, "'delivered'"),
    ("01-drill-retry", 1, "same idempotency key"),
    ("01-drill-retry", 2, "jitter"),
    ("01-drill-retry", 3, "error reply"),
])
def test_hint_names_the_mistake(exercise_id, index, words):
    with pytest.raises(WrongAnswer, match="(?s)hint:.*" + words.replace("(", r"\(").replace("`", "`")):
        grading.check(exercise_id, WRONG[exercise_id][index])


# -- predictions: the truth comes from running the scenario -----------------------------------------------------


def test_predict_retry_truth_is_what_the_run_left_in_the_counter():
    sim = dw_rel.lost_reply_run()
    applied = [n for n in sim.trace.of_kind("note") if "applied" in n.detail]
    dropped = [d for d in sim.trace.of_kind("drop") if d.node == "client"]
    assert len(applied) == 2 and len(dropped) == 1 and sim.history[0].outcome == "ok"
    line = grading.check("01-predict-retry", sim.storage("server")["value"])
    assert f"holds {sim.storage('server')['value']}" in line


def test_predict_timeout_runs_show_one_observation_and_different_server_states():
    runs = {letter: t01.predict_timeout._timeout_scenario(letter, 62) for letter in "abcd"}
    assert len({seen for seen, _ in runs.values()}) == 1
    assert {letter: applied for letter, (_, applied) in runs.items()} == {"a": 0, "b": 0, "c": 1, "d": 1}


def test_the_storm_without_jitter_hits_the_server_with_every_client_at_once():
    assert t01.storm(t01.STORM_SEEDS[0], jitter="none").peak_load == t01.STORM_CLIENTS


def test_grading_is_deterministic():
    assert grading.check("01-backoff", RIGHT["01-backoff"]) == grading.check("01-backoff", RIGHT["01-backoff"])


def test_in_simulation_turns_node_errors_into_verdicts():
    from dsworkbook.errors import NodeError
    from dsworkbook.grading.core import _Current, in_simulation

    def node_error(cause: BaseException) -> NodeError:
        err = NodeError("node 'a' raised", seed=1, step=2, time=3.0)
        err.cause = cause
        return err

    _Current.exercise = "01-x"
    try:
        with pytest.raises(NotAttempted, match="not attempted yet"):
            with in_simulation(case="c", input="i"):
                raise node_error(NotImplementedError())
        with pytest.raises(WrongAnswer, match="expected: a run without errors"):
            with in_simulation(case="c", input="i"):
                raise node_error(KeyError("k"))
        inner = WrongAnswer("01-x", case="inner", input=1, expected=2, got=3)
        with pytest.raises(WrongAnswer) as info:
            with in_simulation(case="c", input="i"):
                raise node_error(inner)
        assert info.value is inner
    finally:
        _Current.exercise = ""
