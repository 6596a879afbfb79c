"""The checks of theme T10 (coordination and leader election).

Theory of operation
-------------------
Functions are compared with the rule they implement on hand-made cases (each with a pointed
hint), then on seeded random cases over the whole domain (:func:`~dsworkbook.grading.core.random_cases`),
and run in two worlds (:func:`~dsworkbook.grading.core.same_everywhere`). Designs are run on the
simulator and judged by the goals the statement states, so several answers can pass.

==========================  ==========  ===========================================================
``10-sequential-create``    implement   ``created_name(tree, path, sequential)``: the sequential
                                        counter and the parent checks of a create
``10-watch-predecessor``    implement   ``whom_to_watch(children, mine)``: the election recipe's
                                        predecessor, by sequence number
``10-design-heartbeat``     design      heartbeat period and timeout for stated false-suspicion,
                                        detection-time and message goals
``10-phi``                  implement   ``phi(intervals, elapsed, min_std)``: phi accrual from the
                                        inter-arrival window
``10-predict-bully``        predict     the bully coordinators through a partition, a crash and a
                                        heal, and why
``10-predict-suspicions``   predict     false suspicions of a fixed timeout on two networks with one
                                        median, and why
``10-drill-lease-drift``    drill       ``stop_at(sent_at, received_at, lease, drift_bound)``: the
                                        notes' lease that trusts its own clock, fixed
``10-drill-seed-timers``    drill       ``election_timeout(rng, heartbeat, max_delay)``: the notes'
                                        election timer, drawn fresh and clear of the heartbeat
==========================  ==========  ===========================================================
"""

from dsworkbook.grading.coordination.design_heartbeat import grade_design_heartbeat
from dsworkbook.grading.coordination.drill_lease import grade_drill_lease
from dsworkbook.grading.coordination.drill_timers import grade_drill_timers
from dsworkbook.grading.coordination.phi import grade_phi
from dsworkbook.grading.coordination.predict_bully import grade_predict_bully
from dsworkbook.grading.coordination.predict_suspicions import grade_predict_suspicions
from dsworkbook.grading.coordination.sequential_create import grade_sequential_create
from dsworkbook.grading.coordination.watch_predecessor import grade_watch_predecessor

__all__ = ["grade_watch_predecessor", "grade_design_heartbeat", "grade_phi", "grade_predict_bully",
           "grade_predict_suspicions", "grade_drill_lease",
           "grade_drill_timers", "grade_sequential_create"]
