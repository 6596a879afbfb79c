"""The checks of theme T03: histories, linearizability, the weaker consistency models and their stores.

Theory of operation
-------------------
Each grader takes the learner's answer and runs it on many seeded cases - hand-made ones aimed
at one rule each, random ones drawn over the whole domain (:func:`~dsworkbook.grading.core.random_cases`)
and long ones - comparing with the checkers of :mod:`dsworkbook.checkers` (the reference).
Every grader that reads a history also reads its outcomes: a ``fail`` did not happen, an
``unknown`` operation may take effect at any time after its invoke or never, and a completion
may carry no value. The predictions use histories of their own that notebook 03 never draws;
the truth - and the right reason of each graded ``why`` - is found by running the checkers on
them now, never a constant. The drills and the design exercise run the learner's code inside
the simulator, and answers that could depend on ``hash()``, the global ``random`` or the clock
are run in two worlds (:func:`~dsworkbook.grading.core.same_everywhere`).

Exercises (see each grader's docstring for the exact signature):

============================  ==========  =================================================================
``03-pair-events``            implement   ``pair_events(events)``: Jepsen events -> operations (M01)
``03-linearize-by-hand``      predict     a list of op indices: a linearization of a tiny history, and why (M02)
``03-predict-linearizable``   predict     ``{name: True/False}`` for four histories, and why (M02)
``03-strongest``              predict     ``{name: level}``: the strongest model of four histories, and why (M03)
``03-ryw-check``              implement   ``ryw_violations(session)``: reads that miss the session's write (M03)
``03-monotonic-reads``        implement   ``first_regression(reads)``: where a session's reads go back (M03)
``03-drill-resolver``         drill       ``resolve(versions)``: the seed notes' LWW resolver, fixed (M03)
``03-drill-eventual``         drill       ``merge(mine, theirs)``: the eventual store's sibling merge (M04)
``03-design-session``         design      a session token that keeps RYW and monotonic reads on any replica
============================  ==========  =================================================================
"""

from dsworkbook.grading.consistency.design_session import grade_design_session
from dsworkbook.grading.consistency.drill_eventual import grade_drill_eventual, random_pair
from dsworkbook.grading.consistency.drill_resolver import grade_drill_resolver, random_versions, version_sets
from dsworkbook.grading.consistency.linearize import (BY_HAND, BY_HAND_WHY, PREDICT, PREDICT_WHY,
                                                      grade_linearize_by_hand, grade_predict_linearizable,
                                                      order_problem)
from dsworkbook.grading.consistency.pair_events import event_stream, grade_pair_events
from dsworkbook.grading.consistency.sessions import (grade_monotonic_reads, grade_ryw, random_reads,
                                                     random_session)
from dsworkbook.grading.consistency.strongest import STRONGEST, WHY, grade_strongest

__all__ = ["grade_pair_events", "grade_linearize_by_hand", "grade_predict_linearizable", "grade_strongest",
           "grade_ryw", "grade_monotonic_reads", "grade_drill_resolver", "grade_drill_eventual",
           "grade_design_session", "event_stream", "version_sets", "random_versions", "random_pair",
           "random_session", "random_reads", "order_problem", "BY_HAND", "BY_HAND_WHY", "PREDICT", "PREDICT_WHY",
           "STRONGEST", "WHY"]
