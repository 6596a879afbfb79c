"""The checks of theme T04: time and ordering.

Theory of operation
-------------------
Each grader runs the learner's answer on hand-made cases that probe one rule at a time and on
random cases drawn over the whole domain from a seeded generator (ties, zero and missing
entries, equal physical times, node ids such as n9 and n10, sizes in the thousands), compares
with the reference, and - for everything about more than one node - runs it as a pluggable
part of a simulated system, under faults, checking the property the concept promises (the
true offset within NTP's bound, the clock condition, happens-before reproduced, no lost
writes, external consistency). Where an answer could lean on ``hash()``, the global
``random`` or the clock, it is run in two worlds (``same_everywhere``). The first wrong case
raises :class:`~dsworkbook.grading.core.WrongAnswer` with its input, the expected and actual
result, and a hint; a right answer gets one line naming the seeds. The prediction and its
reason are graded against the truth computed from the diagram's happens-before; the design
is graded by simulating it, in the worst case its bounds allow.

==========================  ==========  =========  =======================================================
``04-ntp-offset``           implement   C01        ``ntp_estimate(t0, t1, t2, t3) -> (offset, bound)``
``04-lamport-receive``      implement   C02        ``lamport_receive(local, received) -> int``
``04-drill-vc-compare``     drill       C03        ``compare_clocks(a, b)``: naive_compare fixed
``04-predict-concurrent``   predict     C02, C03   five relations in the puzzle diagram, and why
``04-siblings``             implement   C04        ``reconcile_siblings(stored, incoming)``
``04-drill-pruning``        drill       C04        ``prune_entries(entries, limit)``: prune by time, not counter
``04-hlc-update``           implement   C05        ``hlc_update(state, pt, msg) -> (l, c)``
``04-commit-wait``          implement   C06        ``commit_rule(now) -> (s, wait)``
``04-design-clock-sync``    design      C01, C06   ``{"poll_every": ms, "eps": ms}`` for stated drift and budgets
==========================  ==========  =========  =======================================================
"""

from dsworkbook.grading.clocks.commit_wait import grade_commit_wait
from dsworkbook.grading.clocks.design_sync import grade_design_clock_sync
from dsworkbook.grading.clocks.hlc import grade_hlc_update
from dsworkbook.grading.clocks.lamport import grade_lamport_receive
from dsworkbook.grading.clocks.ntp import grade_ntp_offset
from dsworkbook.grading.clocks.predict_concurrent import grade_predict_concurrent
from dsworkbook.grading.clocks.pruning import grade_drill_pruning
from dsworkbook.grading.clocks.siblings import grade_siblings
from dsworkbook.grading.clocks.vc_compare import grade_drill_vc_compare

__all__ = ["grade_ntp_offset", "grade_lamport_receive", "grade_drill_vc_compare", "grade_predict_concurrent",
           "grade_siblings", "grade_drill_pruning", "grade_hlc_update", "grade_commit_wait",
           "grade_design_clock_sync"]
