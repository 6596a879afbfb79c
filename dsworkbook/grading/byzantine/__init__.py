"""The checks of theme T08: Byzantine fault tolerance (PBFT).

Theory of operation
-------------------
Functions are compared with the library's rule on hand-made cases (each with a pointed hint:
n = 3f exactly, a vote sent twice, the primary's own prepare, a forged or tampered signature,
the first reply from a traitor) and on seeded random inputs over the whole domain
(:func:`~dsworkbook.grading.core.random_cases`), where a wrong result is matched against the
rule with one condition dropped to name the condition that is missing; each answer is also run
in two worlds (:func:`~dsworkbook.grading.core.same_everywhere`). Messages are really signed
(Ed25519, :class:`~dsworkbook.consensus.pbft.crypto.Keyring`), so an answer must verify them.
Predictions are graded against the truth measured by running the PBFT simulation they describe,
and so is their reason; the design exercise runs the chosen configuration under the stated
traitors.

=======================  ==========  ===============================================================
``08-quorum-size``       implement   ``quorum_size(n, f)``: ceil((n+f+1)/2), None when n < 3f+1
``08-drill-prepared``    drill       ``is_prepared(log, keys, n, f, view, seq, digest)``: the notes'
                                     counter fixed (distinct senders, 2f, the primary, signatures)
``08-new-view``          implement   ``new_view_requests(view_changes)``: min-s, max-s and per number
                                     the highest-view certificate's digest, null requests for gaps
``08-client-accept``     implement   ``accepted_result(replies, keys, client, timestamp, f)``: f+1
                                     matching verified replies from distinct replicas
``08-predict-traitor``   predict     which of eight runs (thresholds, n, client, traitor) break
                                     agreement or client validity; why
``08-predict-view-change``  predict  two silent primaries in a row at n = 7: final view, progress,
                                     safety; why
``08-drill-pre-prepare``  drill      ``CheckedBackup.on_pre_prepare``: the primary of the view, the
                                     view, the water marks, signatures; equivocation kept as evidence
``08-design-pbft``       design      n, checkpoint interval and view-change timeout for f = 2 traitors,
                                     a deadline, a log bound and a checkpoint budget, run on 3 seeds
=======================  ==========  ===============================================================
"""

from dsworkbook.grading.byzantine.client_accept import grade_client_accept
from dsworkbook.grading.byzantine.design_pbft import grade_design_pbft
from dsworkbook.grading.byzantine.drill_pre_prepare import grade_drill_pre_prepare
from dsworkbook.grading.byzantine.drill_prepared import grade_drill_prepared
from dsworkbook.grading.byzantine.new_view import grade_new_view
from dsworkbook.grading.byzantine.predict_traitor import grade_predict_traitor
from dsworkbook.grading.byzantine.predict_view_change import grade_predict_view_change
from dsworkbook.grading.byzantine.quorum_size import grade_quorum_size

__all__ = ["grade_quorum_size", "grade_drill_prepared", "grade_new_view", "grade_client_accept",
           "grade_predict_traitor", "grade_predict_view_change", "grade_drill_pre_prepare", "grade_design_pbft"]
