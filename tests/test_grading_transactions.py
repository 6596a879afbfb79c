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
