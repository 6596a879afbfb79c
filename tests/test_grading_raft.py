"""The T06 checks discriminate, and the runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that each prediction's
truth (and its reason) is computed from a run and unique, that the hand-made and random cases
agree with the reference, and - for handlers, the drill and the design - that the runs catch
each bug on their own (not only the hand-made cases).
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import RaftNode, majority_commit_index, server_ids
from dsworkbook.consensus.raft.commit_rules import CANDIDATES, TRIALS, commit_trials, rule_node, run_trial
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.raft import ELECTION_LOGS, predict_batching, predict_election
from dsworkbook.grading.raft.commit_index import CASES as COMMIT_CASES
from dsworkbook.grading.raft.commit_index import term_at_of
from dsworkbook.grading.raft.design_commit_rule import safe_bound
from dsworkbook.grading.raft.drill_seed import CLUSTER_SEEDS
from dsworkbook.grading.raft.safety_check import STREAMS, reference_violations
from tests.wrong_answers.raft import (RIGHT, WRONG, AppendTruncateAlways, FixedAllButCount,
                                     FixedAllButTerm, FixedAllButVotes, FixedLastTerm, VoteCoinOnTies, VoteNoLogCheck)

EXERCISES = {
    "06-request-vote": ("implement", {"F01", "F04"}),
    "06-predict-election": ("predict", {"F01"}),
    "06-append-entries": ("implement", {"F02"}),
    "06-commit-index": ("implement", {"F03"}),
    "06-drill-seed-raft": ("drill", {"F01", "F03"}),
    "06-safety-check": ("implement", {"F04"}),
    "06-predict-batching": ("predict", {"F05"}),
    "06-kv-session": ("implement", {"F06"}),
    "06-design-commit-rule": ("design", {"F03", "F04"}),
}


def test_every_t06_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert all(reg[i].theme == "T06" for i in EXERCISES)
    assert set(RIGHT) == set(WRONG) == set(EXERCISES)
    assert set().union(*(c for _, c in EXERCISES.values())) == {"F01", "F02", "F03", "F04", "F05", "F06"}


def test_predictions_ask_why_and_code_exercises_name_a_narrow_reference():
    reg = grading.registry()
    assert all(reg[i].parts == ("why",) for i, (kind, _) in EXERCISES.items() if kind == "predict")
    refs = {i: reg[i].reference for i, (kind, _) in EXERCISES.items() if kind in ("implement", "drill")}
    assert all(refs.values()), refs
    for ref in refs.values():  # methods and functions, never a whole class or module
        for dotted in (ref,) if isinstance(ref, str) else ref:
            assert dotted.split(".")[-1][0].islower(), dotted


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
         "06-predict-batching": ..., "06-design-commit-rule": _stub}


@pytest.mark.parametrize("exercise_id", list(STUBS))
def test_a_stub_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="not attempted yet"):
        grading.check(exercise_id, STUBS[exercise_id], **({"why": "a"} if exercise_id.startswith("06-predict") else {}))


@pytest.mark.parametrize("exercise_id", ["06-predict-election", "06-predict-batching"])
def test_a_prediction_without_its_reason_is_not_attempted(exercise_id):
    with pytest.raises(NotAttempted, match="give `why` an answer"):
        grading.check(exercise_id, RIGHT[exercise_id].value, why=...)


# -- predictions: the truth comes from a run, and exactly one reason fits it ---------------------------


def test_the_election_question_has_winners_losers_and_exactly_one_reason_that_predicts_them():
    won, reason, table = predict_election.truth()
    assert 0 < len(won) < len(ELECTION_LOGS) and won == {n for n, w in table["won"].items() if w}
    predictions = {k: frozenset(predict_election._winners_by(k, ELECTION_LOGS)) for k in predict_election.REASONS}
    assert len(set(predictions.values())) == len(predictions)  # every reason predicts something different
    assert predictions[reason] == won and RIGHT["06-predict-election"].parts["why"] == reason


def test_the_election_question_is_not_the_one_the_themed_notebook_runs():
    from dsworkbook.grading.build import read_notebook
    from pathlib import Path

    cells = read_notebook(Path(__file__).parents[1] / "notebooks" / "06_raft.ipynb").cells
    text = "\n".join("".join(c.source) if isinstance(c.source, list) else c.source for c in cells)
    assert "ELECTION_LOGS" not in text and "9, 10, 10" not in text and "9 10 10" not in text


def test_the_batching_question_has_a_margin_and_exactly_one_reason_that_holds():
    table = predict_batching.table()
    (faster, fewest), reason = predict_batching.truth()
    p50 = table["latency p50 (ms)"]
    assert abs(p50["batching"] - p50["pipelining"]) > 5  # not a coin toss
    msgs = table["messages/command"].sort_values()
    assert msgs.iloc[1] > 1.5 * msgs.iloc[0]
    assert sum(holds(table) for _, holds in predict_batching.REASONS.values()) == 1
    assert ((faster, fewest), reason) == (RIGHT["06-predict-batching"].value, RIGHT["06-predict-batching"].parts["why"])


# -- handlers: hand-made cases agree with the reference, and runs catch bugs on their own ---------------


def test_the_commit_rule_cases_agree_with_the_reference_and_cover_even_clusters_and_big_terms():
    sizes = {len(m) for _, m, *_ in COMMIT_CASES}
    assert {1, 3, 4, 5, 6, 7} <= sizes and any(max(t) >= 10 for _, _, t, _, _ in COMMIT_CASES)


def test_the_safe_range_of_the_design_exercise_is_raft_plus_entries_on_every_server():
    term_at = term_at_of([1, 2, 4])
    assert safe_bound([2, 2, 2, 1, 1], term_at, 4, 1) == 1  # Figure 8: the old entry is not safe
    assert safe_bound([3, 3, 3, 1, 1], term_at, 4, 1) == 3
    assert safe_bound([2, 2, 2, 2, 2], term_at, 4, 1) == 2  # on every server: safe (§5.4.2's remark)
    assert majority_commit_index([2, 2, 2, 2, 2], term_at, 4, 1) == 1


def test_each_candidate_rule_fails_a_trial_and_raft_survives_them_all():
    verdicts = {k: [run_trial(t, rule)[1] for t in TRIALS] for k, (_, rule) in CANDIDATES.items()}
    assert all(any(v != "ok" for v in row) for row in verdicts.values()), verdicts
    assert any(v.startswith("STUCK") for v in verdicts["C"])
    assert any(v.startswith("UNSAFE") for v in verdicts["B"]) and verdicts["B"][0] == "ok"  # only with no-ops
    table = commit_trials(majority_commit_index)
    assert list(table["verdict"]) == ["ok"] * len(TRIALS)


def test_each_seeded_bug_of_the_drill_is_exposed_by_a_run():
    from dsworkbook.consensus.fuzzing import raft_config
    from dsworkbook.consensus.raft_kv import kv_sim

    # bug 1 (one vote too many): with two servers down for good, nothing commits
    sim = kv_sim(21, clients=3, ops=10, config=raft_config(), node_class=FixedAllButVotes)
    sim.at(0.0, sim.crash, "n4")
    sim.at(0.0, sim.crash, "n5")
    sim.run(until=3000.0)
    assert not raft_progress(sim)
    # bug 3 (no current-term rule): Figure 8 loses a committed entry; the last-entry variant only with no-ops
    assert not check_safety(figure8(node_class=FixedAllButTerm)).ok
    assert check_safety(figure8(node_class=FixedLastTerm)).ok and not check_safety(
        figure8(noop=True, node_class=FixedLastTerm)).ok
    # bug 2 (one replica too few): the cluster runs of the check break a safety property
    assert any(not check_safety(raft_run(s, raft_schedule(s), node_class=FixedAllButCount)).ok for s in CLUSTER_SEEDS)


def test_the_cluster_runs_alone_reject_a_voter_without_the_log_check():
    """Hand-made cases catch it first; the cluster would too (the variant breaks every seed)."""
    assert not check_safety(raft_run(3, raft_schedule(3), node_class=VoteNoLogCheck)).ok


def test_the_cluster_runs_alone_reject_the_seed_notes_merge():
    runs = {s: raft_run(s, raft_schedule(s), node_class=AppendTruncateAlways) for s in (6, 7, 8)}
    broken = [s for s, sim in runs.items() if not check_safety(sim).ok or not raft_progress(sim)]
    assert broken, "reordered AppendEntries should make the truncate-always follower lose acknowledged entries"


def test_a_voter_that_tosses_a_coin_is_caught_by_the_two_worlds_alone():
    from dsworkbook.grading.core import _Current
    from dsworkbook.grading.raft._common import same_run_everywhere

    _Current.exercise = "06-request-vote"
    try:
        with pytest.raises(WrongAnswer, match="the same result both times"):
            same_run_everywhere(lambda: raft_run(3, raft_schedule(3), node_class=VoteCoinOnTies), "seed 3")
        same_run_everywhere(lambda: raft_run(3, raft_schedule(3)), "seed 3")  # the reference is the same twice
    finally:
        _Current.exercise = ""


def test_seven_server_clusters_elect_and_commit():
    sim = raft_run(6, raft_schedule(6, server_ids(7)), servers=7)
    assert check_safety(sim).ok and raft_progress(sim) and len(sim.node_ids) == 7 + 5


def test_a_rule_node_uses_the_rule():
    calls = []

    def rule(matches, term_at, current_term, commit_index):
        calls.append(len(matches))
        return majority_commit_index(matches, term_at, current_term, commit_index)

    sim = figure8(node_class=rule_node(rule))
    assert calls and set(calls) == {5} and check_safety(sim).ok


# -- the safety-check streams ------------------------------------------------------------------------------


def test_the_hand_made_streams_break_what_their_names_say():
    truth = {name: reference_violations(notes) for name, notes, _ in STREAMS}
    assert truth["two servers leaders of one term"] == {"election safety"}
    assert truth["a server noted leader twice in its own term"] == set()
    assert truth["a restart, then a different entry at an index applied before"] == {"state machine safety"}
    assert truth["a restart that re-applies the same entries"] == set()
    assert sum(1 for t in truth.values() if t) >= 5 and sum(1 for t in truth.values() if not t) >= 4
