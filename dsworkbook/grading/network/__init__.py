"""The checks of theme T01: the network model, the eight fallacies, reliable request-reply.

Theory of operation
-------------------
Each grader takes the learner's answer, runs it on many seeded cases and - where the idea is
about distributed behaviour - inside the simulator under loss, duplication, partitions, pauses
or an outage, and compares with a reference. Every grader mixes hand cases with pointed hints
and *differential* cases drawn over the whole domain from a seeded generator (boundaries
included: values exactly at a timeout, caps that bind after thousands of attempts, chains of
thousands of nodes, ids such as ``n9`` and ``n10``), and where an answer could lean on
``hash()``, the global ``random`` or the clock it runs the answer in two worlds
(:func:`~dsworkbook.grading.core.same_everywhere`). The first wrong case raises
:class:`~dsworkbook.grading.core.WrongAnswer` with its input, the expected and the actual
result, and a hint; a right answer gets one line naming the seeds used. The cases are fixed
seeds with wide margins on every statistical test, so a correct answer never fails and the
same answer always gets the same verdict.

The two predictions are not compared with a constant: the grader runs the scenario the
question describes and derives the truth - and the true reason - from what the run showed.
The design exercise is graded by its properties: the grader runs the stated scenarios under
the learner's policy and checks each goal.

Exercises (see each grader's module docstring for exactly what is checked):

========================  ==========  =============================================================
``01-drill-determinism``  drill       a fixed ``NaiveGossip``: self.rng and self.now(), not random/time
``01-partition-detect``   implement   ``reachability_groups(last_heard, now, timeout)``
``01-predict-timeout``    predict     two withdrawals at a slow server: outcomes, balance, and why
``01-predict-retry``      predict     retries without keys at a paused server: counter, outcome, why
``01-backoff``            implement   ``backoff_delay(attempt, base, cap, rng) -> float``, full jitter
``01-dedup``              implement   ``class DedupCounter`` with ``handle(req_id, idem_key, amount)``
``01-drill-retry``        drill       a fixed ``NaiveRetryClient`` (three bugs)
``01-trace-stats``        implement   ``delivery_stats(messages)`` over ``trace.messages()``
``01-design-retry``       design      a retry policy meeting six stated goals in the simulator
========================  ==========  =============================================================
"""

from dsworkbook.grading.network.backoff import STORM_CLIENTS, STORM_SEEDS, grade_backoff, storm
from dsworkbook.grading.network.dedup import grade_dedup
from dsworkbook.grading.network.design_retry import grade_design_retry
from dsworkbook.grading.network.determinism import grade_drill_determinism
from dsworkbook.grading.network.drill_retry import grade_drill_retry
from dsworkbook.grading.network.partition import grade_partition_detect
from dsworkbook.grading.network.predict_retry import grade_predict_retry
from dsworkbook.grading.network.predict_timeout import grade_predict_timeout
from dsworkbook.grading.network.trace_stats import grade_trace_stats

__all__ = ["grade_backoff", "grade_dedup", "grade_partition_detect", "grade_trace_stats", "grade_predict_retry",
           "grade_predict_timeout", "grade_drill_retry", "grade_drill_determinism", "grade_design_retry", "storm",
           "STORM_CLIENTS", "STORM_SEEDS"]
