"""The "Raft in production" checks of T06 (F09, F10, M05) discriminate, and their truths come from runs.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references; stubs are reported as not attempted; each prediction's
truth (and its one reason) is computed from a simulator run; the lease rule agrees with the
library's lease length; and the cluster runs inside the checks catch a bad rule on their own.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.raft import RaftConfig, RaftNode
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.raft import lease_expiry, predict_prevote, predict_read_modes, read_index
from tests.wrong_answers.raft_production import RIGHT, WRONG, ReadAtOnce

EXERCISES = {
    "06-lease-expiry": ("implement", {"F10"}),
    "06-read-index": ("implement", {"F10"}),
    "06-predict-prevote": ("predict", {"F09"}),
    "06-predict-read-modes": ("predict", {"F10", "M05"}),
}


def test_every_exercise_is_registered_with_its_theme_kind_concepts_and_parts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T06" for i in EXERCISES)
    assert all(reg[i].parts == ("why",) for i, (kind, _) in EXERCISES.items() if kind == "predict")
    assert all(reg[i].reference for i, (kind, _) in EXERCISES.items() if kind == "implement")
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert all(len(WRONG[i]) >= 10 for i in EXERCISES)


class _StubReads(RaftNode):
    def serve_read(self, src, request, command):
        raise NotImplementedError

    def serve_reads(self):
        raise NotImplementedError


def _stub(*args):
    raise NotImplementedError


@pytest.mark.parametrize("exercise_id, stub, parts", [
    ("06-lease-expiry", _stub, {}),
    ("06-read-index", _StubReads, {}),
    ("06-predict-prevote", ..., {"why": ...}),
    ("06-predict-read-modes", ..., {"why": ...}),
])
def test_an_untouched_exercise_is_not_attempted(exercise_id, stub, parts):
    with pytest.raises(NotAttempted):
        grading.check(exercise_id, stub, **parts)


@pytest.mark.parametrize("bound", [0.0, 0.2, 0.5])
def test_the_lease_rule_ends_where_the_library_lease_ends(bound):
    length = RaftConfig(clock_drift_bound=bound).lease_length
    assert lease_expiry.lease_holds(10.0, 10.0 + length * 0.999, 150.0, bound)
    assert not lease_expiry.lease_holds(10.0, 10.0 + length, 150.0, bound)


def test_the_cluster_run_alone_catches_a_lease_that_never_ends_and_the_right_rule_serves_reads():
    served, answered = lease_expiry.cluster_check(lease_expiry.lease_holds)
    assert served > 0 and answered > 0                      # sometimes: leases did serve reads
    with pytest.raises(WrongAnswer, match="linearizab"):    # always: a never-ending lease is caught
        lease_expiry.cluster_check(lambda s, n, m, b: True)


def test_the_read_index_cluster_runs_catch_an_unconfirmed_read_on_their_own():
    local, _ = read_index.cluster_checks(RaftNode)
    assert local > 0
    with pytest.raises(WrongAnswer, match="linearizab"):
        read_index.cluster_checks(ReadAtOnce)


def test_the_prevote_truth_comes_from_runs_and_one_reason_holds():
    r = predict_prevote.runs()
    want, reason = predict_prevote.truth()
    assert want == {k: v["deposed"] for k, v in r.items()} and reason == "a"
    assert r["paper"]["isolated server's term gain"] > 0 and r["PreVote"]["isolated server's term gain"] == 0
    assert predict_prevote.reasons_that_hold(r) == ["a"]


def test_the_read_modes_truth_comes_from_runs_and_one_reason_holds():
    r = predict_read_modes.runs()
    want, reason = predict_read_modes.truth()
    assert want == {k: all(p is None for p in v) for k, v in r.items()}
    assert "linearizability" in r["wall-clock lease"] and reason == "a"
