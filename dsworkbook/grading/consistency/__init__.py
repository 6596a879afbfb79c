"""The checks of theme T03: histories, linearizability, and the weaker consistency models.

Theory of operation
-------------------
Each grader takes the learner's answer and runs it on many seeded cases, comparing with the
checkers of :mod:`dsworkbook.checkers` (the reference). The predictions are not compared with
constants: the grader runs the checker on the history the question shows and derives the truth
from it. The drills run the learner's fix inside the simulator (a gossiping replicated store,
with and without a partition) and checks the recorded histories.

Exercises (see each grader's docstring for the exact signature):

============================  ==========  =================================================================
``03-pair-events``            implement   ``pair_events(events)``: Jepsen events -> operations (M01)
``03-linearize-by-hand``      predict     a list of op indices: a linearization of a tiny history (M02)
``03-predict-linearizable``   predict     ``{name: True/False}`` for four gallery histories (M02)
``03-strongest``              predict     ``{name: level}``: the strongest model of three histories (M03)
``03-ryw-check``              implement   ``ryw_violations(session)``: reads that miss the session's write (M03)
``03-monotonic-reads``        implement   ``first_regression(values)``: where a session's reads go back (M03)
``03-drill-resolver``         drill       ``resolve(versions)``: the seed notes' LWW resolver, fixed (M03)
``03-drill-eventual``         drill       ``merge(mine, theirs)``: the eventual store's sibling merge (M04)
============================  ==========  =================================================================
"""

from dsworkbook.grading.consistency.drill_eventual import grade_drill_eventual
from dsworkbook.grading.consistency.drill_resolver import grade_drill_resolver, version_sets
from dsworkbook.grading.consistency.linearize import (BY_HAND, PREDICT, grade_linearize_by_hand,
                                                      grade_predict_linearizable, order_problem)
from dsworkbook.grading.consistency.pair_events import event_stream, grade_pair_events
from dsworkbook.grading.consistency.sessions import grade_monotonic_reads, grade_ryw, random_reads, random_session
from dsworkbook.grading.consistency.strongest import STRONGEST, grade_strongest

__all__ = ["grade_pair_events", "grade_linearize_by_hand", "grade_predict_linearizable", "grade_strongest",
           "grade_ryw", "grade_monotonic_reads", "grade_drill_resolver", "grade_drill_eventual", "event_stream", "version_sets",
           "random_session", "random_reads", "order_problem", "BY_HAND", "PREDICT", "STRONGEST"]
