"""The T06 checks discriminate, and the cluster runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds and concepts, other right answers, stubs reported as not attempted, and - for the
drill - that each seeded bug is caught by a *run* (not only by the hand-made cases).
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.raft import ELECTION_LOGS
from dsworkbook.grading.raft.drill_seed import CLUSTER_SEEDS
from dsworkbook.sim import Crash, FaultSchedule
from tests.wrong_answers.raft import (ALSO_RIGHT, RIGHT, WRONG, AppendTruncateAlways, FixedAllButCount,
                                     FixedAllButTerm, FixedAllButVotes, VoteNoLogCheck)

EXERCISES = {
    "06-request-vote": ("implement", {"F01", "F04"}),
    "06-append-entries": ("implement", {"F02"}),
    "06-commit-index": ("implement", {"F03"}),
    "06-predict-election": ("predict", {"F01"}),
    "06-drill-seed-raft": ("drill", {"F01", "F03"}),
    "06-safety-check": ("implement", {"F04"}),
    "06-predict-batching": ("predict", {"F05"}),
    "06-kv-session": ("implement", {"F06"}),
}


def test_every_t06_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T06" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert set().union(*(c for _, c in EXERCISES.values())) == {"F01", "F02", "F03", "F04", "F05", "F06"}


@pytest.mark.parametrize("exercise_id, answer", [(i, a) for i, answers in ALSO_RIGHT.items() for a in answers])
def test_other_right_answers_pass_too(exercise_id, answer):
    grading.check(exercise_id, answer)


class _StubVoter(RaftNode):
    def handle_request_vote(self, src, msg):
        raise NotImplementedError


class _StubFollower(RaftNode):
    def handle_append_entries(self, src, msg):
        raise NotImplementedError


class _StubStore(KVStore):
    def apply(self, command):
        raise NotImplementedError


def _stub(*args):
    raise NotImplementedError


STUBS = {"06-request-vote": _StubVoter, "06-append-entries": _StubFollower, "06-commit-index": _stub,
         "06-safety-check": _stub, "06-kv-session": _StubStore, "06-predict-election": ...,
         "06-predict-batching": ...}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, STUBS[exercise_id])


def test_each_seeded_bug_of_the_drill_is_exposed_by_a_run():
    # bug 1 (one vote too many): with two servers down for good, nothing commits
    two_down = raft_run(21, FaultSchedule([Crash(0.0, "n4"), Crash(0.0, "n5")]), node_class=FixedAllButVotes)
    assert not raft_progress(two_down)
    # bug 3 (no current-term rule): Figure 8 loses a committed entry
    assert not check_safety(figure8(node_class=FixedAllButTerm)).ok
    # bug 2 (one replica too few): the cluster runs of the check break a safety property
    assert any(not check_safety(raft_run(s, raft_schedule(s), node_class=FixedAllButCount)).ok for s in CLUSTER_SEEDS)


def test_the_cluster_runs_alone_reject_a_voter_without_the_log_check():
    """Hand-made cases catch it first; the cluster would too (the variant breaks every seed)."""
    assert not check_safety(raft_run(3, raft_schedule(3), node_class=VoteNoLogCheck)).ok


def test_the_cluster_runs_alone_reject_the_seed_notes_merge():
    broken = [s for s in (6, 7, 8) if not check_safety(raft_run(s, raft_schedule(s), node_class=AppendTruncateAlways)).ok
              or not raft_progress(raft_run(s, raft_schedule(s), node_class=AppendTruncateAlways))]
    assert broken, "reordered AppendEntries should make the truncate-always follower lose acknowledged entries"


def test_the_election_question_has_winners_and_losers():
    from dsworkbook.consensus.raft.scenarios import election_experiment

    table = election_experiment({k: list(v) for k, v in ELECTION_LOGS.items()})
    assert 0 < table["won"].sum() < len(table)
