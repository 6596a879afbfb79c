"""The T01 checks discriminate: right answers pass, plausible wrong ones fail, stubs are 'not attempted'.

tests/test_exercises.py proves every answer of tests/wrong_answers/network.py right or wrong;
here: registration, stubs, the hints the classic mistakes get, and that the truths of the
predictions and the design's goals come from the runs.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook import reliability as dw_rel
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading import network as t01
from dsworkbook.grading.network import determinism, partition, predict_retry, predict_timeout
from dsworkbook.reliability import NaiveRetryClient
from tests.wrong_answers import Answer, submit
from tests.wrong_answers.network import RIGHT, WRONG

EXERCISES = {
    "01-backoff": "implement",
    "01-dedup": "implement",
    "01-partition-detect": "implement",
    "01-trace-stats": "implement",
    "01-predict-retry": "predict",
    "01-predict-timeout": "predict",
    "01-drill-retry": "drill",
    "01-drill-determinism": "drill",
    "01-design-retry": "design",
}


def test_every_t01_exercise_is_registered_with_its_kind_parts_and_reference():
    reg = grading.registry()
    t01_ids = {i for i, ex in reg.items() if ex.theme == "T01"}
    assert t01_ids == set(EXERCISES)
    assert {i: reg[i].kind for i in EXERCISES} == EXERCISES
    assert all(reg[i].concepts for i in EXERCISES)
    assert all(reg[i].parts == ("why",) for i in EXERCISES if EXERCISES[i] == "predict")
    assert all(reg[i].reference for i in EXERCISES if EXERCISES[i] in ("implement", "drill"))
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)


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


@pytest.mark.parametrize("exercise_id", ["01-predict-retry", "01-predict-timeout", "01-design-retry"])
def test_an_unanswered_answer_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, ..., **({"why": "b"} if "predict" in exercise_id else {}))


@pytest.mark.parametrize("exercise_id", ["01-predict-retry", "01-predict-timeout"])
def test_a_prediction_without_its_reason_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="give `why` an answer"):
        grading.check(exercise_id, RIGHT[exercise_id].value, why=...)


# -- specific feedback for the classic mistakes --------------------------------------------------------------


def _wrong(exercise_id, name):
    return next(a for a in WRONG[exercise_id] if getattr(a, "__name__", "") == name)


@pytest.mark.parametrize("exercise_id, name, words", [
    ("01-backoff", "backoff_no_jitter", "without jitter"),
    ("01-backoff", "backoff_no_cap", "never exceed the cap"),
    ("01-backoff", "backoff_linear", "doubles with each attempt"),
    ("01-backoff", "backoff_global_random", "global random"),
    ("01-backoff", "backoff_clamped_after", "exactly on the cap"),
    ("01-backoff", "backoff_overflows", "raised an exception"),
    ("01-dedup", "DedupByReqId", "same idem_key"),
    ("01-dedup", "DedupCurrentValue", "not the counter's current value"),
    ("01-dedup", "DedupShared", "class attributes"),
    ("01-partition-detect", "groups_one_way", "one-way link"),
    ("01-partition-detect", "groups_ignore_now", "older than `timeout`"),
    ("01-partition-detect", "groups_strict", "exactly `timeout` old still counts"),
    ("01-trace-stats", "stats_copies_as_sent", "distinct msg_id"),
    ("01-trace-stats", "stats_dropped_as_delivered", "'delivered'"),
    ("01-drill-retry", "DrillKeyPerAttempt", "same idempotency key"),
    ("01-drill-retry", "DrillNoJitter", "jitter"),
    ("01-drill-retry", "DrillRetriesErrors", "error reply"),
    ("01-drill-retry", "DrillGlobalRandom", "outside its input"),
    ("01-drill-retry", "DrillLinear", "double with each retry"),
    ("01-drill-retry", "DrillForgetsValue", "response.value"),
    ("01-drill-determinism", "GossipSetOrder", "how its ids hash"),
    ("01-drill-determinism", "GossipHashChoice", "hash()"),
    ("01-drill-determinism", "GossipReseeds", "re-seeding self.rng"),
    ("01-drill-determinism", "GossipTellsAnyone", "self.peers"),
])
def test_hint_names_the_mistake(exercise_id, name, words):
    with pytest.raises(WrongAnswer) as info:
        grading.check(exercise_id, _wrong(exercise_id, name))
    assert words in info.value.hint


@pytest.mark.parametrize("design, goal", [
    ({"timeout": 30}, "retry budget"),
    ({"timeout": 400}, "p99 latency"),
    ({"max_attempts": 1}, "success"),
    ({"max_attempts": 6}, "storm: all ok"),
    ({"jitter": "none"}, "storm: no overload"),
    ({"cap": 5000}, "storm: recovery"),
])
def test_each_goal_of_the_design_rejects_the_design_that_misses_it(design, goal):
    answer = {**RIGHT["01-design-retry"], **design}
    with pytest.raises(WrongAnswer) as info:
        grading.check("01-design-retry", answer)
    assert info.value.case.startswith(f"goal '{goal}'")


# -- predictions: the truth comes from running the scenario -----------------------------------------------------


def test_predict_timeout_truth_is_read_from_the_run():
    sim = dw_rel.slow_server_run()
    truth, why, story = predict_timeout.timeout_truth(sim)
    assert truth == {"first": "unknown", "second": "unknown", "balance": 40} and why == "b"
    assert [op.outcome for op in sim.history] == ["unknown", "unknown"]
    assert len(sim.trace.notes("server", "applied")) == 1  # the second withdrawal was refused, too late to hear
    assert "refusing the second" in story


def test_predict_retry_truth_is_read_from_the_run():
    sim = dw_rel.paused_server_run()
    truth, why, _ = predict_retry.retry_truth(sim)
    sends = [r for r in sim.trace.of_kind("send") if r.node == "client"]
    assert truth == {"counter": 5 * len(sends), "outcome": "unknown"} and len(sends) == 4 and why == "b"
    assert not list(sim.trace.of_kind("duplicate"))


def test_the_notebook_does_not_run_the_prediction_scenarios():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "notebooks" / "01_network_and_fallacies.ipynb").read_text()
    assert "slow_server_run" not in text and "paused_server_run" not in text


def test_a_right_prediction_with_the_wrong_reason_fails_on_why():
    with pytest.raises(WrongAnswer) as info:
        submit("01-predict-retry", Answer(RIGHT["01-predict-retry"].value, why="a"))
    assert info.value.case.startswith("why")


def test_the_storm_without_jitter_hits_the_server_with_every_client_at_once():
    assert t01.storm(t01.STORM_SEEDS[0], jitter="none").peak_load == t01.STORM_CLIENTS


def test_the_reference_groups_are_components_of_the_both_ways_graph():
    table = {"a": {"b": 90.0}, "b": {"a": 90.0, "c": 90.0}, "c": {"b": 80.0}, "d": {"a": 99.0}}
    got = sorted(sorted(g) for g in partition.reference_groups(table, 100.0, 10.0))
    assert got == [["a", "b"], ["c"], ["d"]]


def test_salted_ids_equal_their_text_but_hash_apart():
    from dsworkbook.grading.core import SaltedStr

    a, b = SaltedStr("n1", 1), SaltedStr("n1", 2)
    assert a == b == "n1" and hash(a) != hash(b)
    assert len(determinism._salts_that_reorder()) == 3


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
