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
