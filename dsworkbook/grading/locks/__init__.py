"""The checks of theme T09: distributed locks and leases.

Theory of operation
-------------------
Functions and table methods are compared with the library's reference on hand-made cases
(each with a pointed hint: the expiry instant, a quorum of an even number of servers, a
validity of exactly zero, a self-wait) and on seeded random inputs over the whole domain
(:func:`~dsworkbook.grading.core.random_cases`), and run in two worlds
(:func:`~dsworkbook.grading.core.same_everywhere`). Predictions are graded against the truth
measured by running the scenario they describe - never a constant - and so is their reason.
The design exercise is run in the simulator under the stated faults.

==========================  ==========  ==================================================================
``09-drill-release``        drill       ``OwnerCheckedTable``: release and extend only the caller's own,
                                        unexpired key (the seed notes released by name alone)
``09-redlock-decision``     implement   ``redlock_decision(granted, n, ttl, elapsed)``: a majority and
                                        validity = ttl - elapsed - drift > 0, else None
``09-deadlock-cycles``      implement   ``deadlocked(waits_for) -> (on_cycle, stuck)`` on a wait-for graph
``09-fencing-storage``      implement   ``FencedStorage._fence(token)``: refuse missing and older tokens
``09-lease-conditions``     implement   ``condition_holds(condition, item)``: DynamoDB-style write conditions
``09-predict-herd``         predict     notifications with 30 clients on a ZooKeeper lock, both recipes; why
``09-predict-pressure``     predict     which of five pauses, jumps and delays lose a write; why
``09-drill-auto-release``   drill       ``FixedClient.on_timer``: the notes' auto-release timer frees only
                                        the acquisition it was armed for
``09-design-lock``          design      ttl, fencing and token source for stated pause, jump and delay
                                        bounds, a crash-takeover goal and a token server down
``09-redlock-real``         implement   ``redlock_round(servers, resource, token, ttl_ms, clock)``: one
                                        Redlock round on real Redis servers (down, slow, held, lost
                                        replies); skipped with the install command when Redis is missing
==========================  ==========  ==================================================================
"""

from dsworkbook.grading.locks.conditions import grade_lease_conditions
from dsworkbook.grading.locks.deadlock_cycles import grade_deadlock_cycles
from dsworkbook.grading.locks.design_lock import grade_design_lock
from dsworkbook.grading.locks.drill_auto_release import grade_drill_auto_release
from dsworkbook.grading.locks.drill_release import grade_drill_release
from dsworkbook.grading.locks.fencing_storage import grade_fencing_storage
from dsworkbook.grading.locks.predict_herd import grade_predict_herd
from dsworkbook.grading.locks.predict_pressure import grade_predict_pressure
from dsworkbook.grading.locks.redlock_decision import grade_redlock_decision
from dsworkbook.grading.locks.redlock_real import grade_redlock_real

__all__ = ["grade_drill_release", "grade_redlock_decision", "grade_deadlock_cycles", "grade_predict_herd", "grade_predict_pressure",
           "grade_drill_auto_release", "grade_design_lock",
           "grade_fencing_storage", "grade_lease_conditions", "grade_redlock_real"]
