"""The checks of theme T13: distributed transactions.

Theory of operation
-------------------
Protocol handlers written by the learner (a 2PC participant) run in hand-driven adversarial
scenarios - a crash torn between the effects of one handler, a coordinator down after every yes
vote, a decision that cannot reach one participant - and on the ``commit`` campaign's fault
schedules, checked for atomicity (always) and for progress (sometimes). Functions are compared
with the library's reference on every reachable state of a model or on seeded random inputs
(:func:`~dsworkbook.grading.core.random_cases`), and run in two worlds
(:func:`~dsworkbook.grading.core.same_everywhere`). Predictions are graded against the truth
measured by running the scenario they describe - never a constant - and so is their reason.
The design exercise runs each chosen mechanism under its flow's faults and checks the flow's goals.

==========================  ==========  ==================================================================
``13-drill-participant``    drill       ``SafeParticipant``: persist the prepared record and the lock
                                        before the yes vote; on the timer ask, never decide alone
``13-design-flow``          design      per business flow: 2PC, a saga or an outbox, and the experiment
                                        that defends the choice; each flow's goals measured by running
``13-compensation-plan``    implement   the steps a saga owes a compensation (latest record done or unknown),
                                        in reverse step order; hand, 400 random and a 2,000-step case
``13-twophase-next``        implement   TwoPhase's next-state relation, compared with the specification on
                                        every reachable state of 14 models (288 / 8,832 states)
``13-predict-isolation``    predict     a transfer between an audit's two reads at four levels, and why;
                                        truth from running the interleaving on the multi-version store
``13-drill-saga-undo``      drill       ``KeyedSagaService``: a step and its compensation once per key, a late
                                        step refused; hand-driven duplicates and crashes, then the saga campaign
``13-predict-commit-runs``  predict     2PC and 3PC, four participants, under a coordinator crash and under a
                                        partition: committed, aborted, blocked or split, and why; truth by running
``13-anomaly-classifier``   implement   the anomalies (P1, P2, P3, P4, A5B) of a two-transaction history, by the
                                        stated rules; hand cases and 600 random histories (half run on MVStore)
==========================  ==========  ==================================================================
"""

from dsworkbook.grading.transactions.drill_participant import grade_drill_participant

__all__ = ["grade_drill_participant"]
from dsworkbook.grading.transactions.design_flow import grade_design_flow

__all__ += ["grade_design_flow"]
from dsworkbook.grading.transactions.compensation_plan import grade_compensation_plan

__all__ += ["grade_compensation_plan"]
from dsworkbook.grading.transactions.twophase_next import grade_twophase_next

__all__ += ["grade_twophase_next"]
from dsworkbook.grading.transactions.predict_isolation import grade_predict_isolation

__all__ += ["grade_predict_isolation"]
from dsworkbook.grading.transactions.drill_saga_undo import grade_drill_saga_undo

__all__ += ["grade_drill_saga_undo"]
from dsworkbook.grading.transactions.predict_commit_runs import grade_predict_commit_runs

__all__ += ["grade_predict_commit_runs"]
from dsworkbook.grading.transactions.anomaly_classifier import grade_anomaly_classifier

__all__ += ["grade_anomaly_classifier"]
