"""The T13 checks discriminate, and the runs inside them expose each bug on their own.

tests/test_exercises.py proves every right answer passes and every listed wrong answer fails;
here: kinds, concepts and references, stubs reported as not attempted, that each prediction's
truth (and its reason) is computed from a run, and that the scenarios of the drill catch the
library's own broken variants without the hand cases around them.
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.grading import NotAttempted
from dsworkbook.grading.transactions import drill_participant
from dsworkbook.transactions.twophase import Participant
from tests.wrong_answers.transactions import RIGHT

EXERCISES = {
    "13-drill-participant": ("drill", {"X01"}),
    "13-design-flow": ("design", {"X01", "X03", "X04"}),
    "13-compensation-plan": ("implement", {"X03"}),
    "13-twophase-next": ("implement", {"X01"}),
    "13-predict-isolation": ("predict", {"X05"}),
    "13-drill-saga-undo": ("drill", {"X03"}),
    "13-predict-commit-runs": ("predict", {"X01", "X02"}),
    "13-anomaly-classifier": ("implement", {"X05"}),
}


def test_every_t13_exercise_is_registered_with_its_kind_and_concepts():
    reg = grading.registry()
    assert {i: (reg[i].kind, set(reg[i].concepts)) for i in EXERCISES} == EXERCISES
    assert {i for i, ex in reg.items() if ex.theme == "T13"} == set(EXERCISES)


def test_a_stub_is_not_attempted():
    class Stub(Participant):
        def _vote(self, src, txn):
            raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("13-drill-participant", Stub)


def test_the_library_participant_passes_the_drill(capsys):
    grading.check("13-drill-participant", Participant)
    assert "✔ 13-drill-participant" in capsys.readouterr().out


@pytest.mark.parametrize("bug", ["vote_before_persist", "presumed_commit_on_timeout"])
def test_the_drill_scenarios_catch_the_library_bugs(bug):
    class Buggy(Participant):
        def __init__(self, node_id, **kw):
            super().__init__(node_id, bug=bug, **kw)

    with pytest.raises(grading.WrongAnswer):
        grading.check("13-drill-participant", Buggy)


def test_the_campaign_runs_alone_catch_a_participant_that_commits_on_timeout():
    class Buggy(Participant):
        def __init__(self, node_id, **kw):
            super().__init__(node_id, bug="presumed_commit_on_timeout", **kw)

    from dsworkbook.transactions.commit_campaign import commit_violation
    assert any(commit_violation(drill_participant.campaign_run(Buggy, seed)) for seed in drill_participant.CAMPAIGN_SEEDS)
    assert not any(commit_violation(drill_participant.campaign_run(RIGHT["13-drill-participant"], seed))
                   for seed in drill_participant.CAMPAIGN_SEEDS)


def test_the_design_measures_each_goal_by_running():
    from dsworkbook.grading.transactions import design_flow

    assert design_flow._lock_2pc()[0] is False  # locks held at least as long as the outage
    assert design_flow._half_saga()[0] is False and design_flow._half_2pc()[0] is True
    assert design_flow._outbox()[0] is True and design_flow._dual_write()[0] is False
    for flow, goals in design_flow.FLOWS.items():  # every flow has exactly one mechanism meeting all its goals
        meeting = [m for m in design_flow.MECHANISMS if all(design_flow.MEASURE[(m, g)]()[0] for g in goals)]
        assert len(meeting) == 1, (flow, meeting)


def test_the_isolation_prediction_is_measured_by_running_the_interleaving():
    from dsworkbook.grading.transactions import predict_isolation
    from dsworkbook.transactions import SCENARIOS

    assert predict_isolation.TRANSFER.name not in SCENARIOS  # a fresh interleaving
    runs = predict_isolation.runs()
    assert {lv: r.anomaly for lv, r in runs.items()} == {"READ UNCOMMITTED": True, "READ COMMITTED": True,
                                                         "REPEATABLE READ": False, "SERIALIZABLE": False}
    assert predict_isolation.reasons_that_hold(runs) == ["b"]


def test_the_twophase_check_compares_every_reachable_state():
    from dsworkbook.grading.transactions import twophase_next

    assert twophase_next._compare(RIGHT["13-twophase-next"], 3, False, False) == 288
    assert twophase_next._compare(RIGHT["13-twophase-next"], 5, False, False) == 8832


def test_a_stub_next_or_plan_is_not_attempted():
    from dsworkbook.transactions.model import TwoPhaseModel

    class Stub(TwoPhaseModel):
        def next(self, s):
            raise NotImplementedError

    def plan(steps, log):
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("13-twophase-next", Stub)
    with pytest.raises(NotAttempted):
        grading.check("13-compensation-plan", plan)


def test_the_saga_drill_catches_the_library_broken_compensation_in_its_campaign_runs_alone():
    from dsworkbook.grading.transactions import drill_saga_undo as d
    from dsworkbook.transactions.saga import SagaService

    class Broken(SagaService):
        def __init__(self, node_id, **kw):
            super().__init__(node_id, bug="non_idempotent_compensation", **kw)

    def bad(cls):
        return [seed for seed in d.ORCHESTRATED_SEEDS
                if any(d.once_violation(sim, n, f"{s}:{i}") for sim in [d.campaign_run(cls, seed, False)]
                       for s in d.IDS for i, n in enumerate(d.SERVICES))]

    assert bad(Broken) and not bad(SagaService)


def test_the_saga_drill_repeats_a_do_that_fails_on_some_seeds_and_not_on_others():
    from dsworkbook.grading.transactions import drill_saga_undo as d
    from dsworkbook.transactions.saga import SagaService

    firsts = set()
    for seed in range(20, 28):
        sc = d.Scenario("x", tuple((1 + 15 * i, "Do s1") for i in range(5)), 0.5, (), {}, None, None, "", seed=seed)
        firsts.add(d.play(SagaService, sc)[1].replies[0])
    assert firsts == {"Done s1:2", "Failed s1:2"}


def test_a_stub_saga_service_is_not_attempted():
    from dsworkbook.transactions.saga import SagaService

    class Stub(SagaService):
        def apply_do(self, msg, also=None):
            raise NotImplementedError

    with pytest.raises(NotAttempted):
        grading.check("13-drill-saga-undo", Stub)


def test_the_commit_runs_are_measured_by_running_and_one_reason_holds():
    from dsworkbook.grading.transactions import predict_commit_runs as p

    r = p.runs()
    assert {n: run.end for n, run in r.items()} == {"2PC, coordinator crash": "blocked",
                                                    "3PC, coordinator crash": "aborted",
                                                    "2PC, partition": "committed", "3PC, partition": "split"}
    assert all(set(run.before.values()) == {"prepared"} for run in r.values())  # every vote in when the fault struck
    assert p.reasons_that_hold(r) == ["a"]
    assert p.end_of({"rm1": "committed", "rm2": "prepared"}) == "blocked"
    assert p.end_of({"rm1": "committed", "rm2": "aborted", "rm3": "prepared"}) == "split"


def test_the_anomaly_histories_from_the_store_show_every_anomaly_and_the_canonical_scenarios_are_named():
    from dsworkbook.grading.core import random_cases
    from dsworkbook.grading.transactions import anomaly_classifier as a

    seen = set()
    for _case, (initial, history, _level) in random_cases(13, 300, a.mv_history):
        seen |= a.anomalies(initial, history)
    assert seen == set(a.NAMES)
    named = {name: a.anomalies(initial, history) for name, initial, history in a.HAND}
    assert named["the dirty read: T2 reads what T1 wrote, T1 aborts"] == {"dirty read"}
    assert named["the write skew"] == {"write skew"} and named["the phantom"] == {"phantom"}
    assert named["an uncommitted write equal to the committed value, read"] == set()
