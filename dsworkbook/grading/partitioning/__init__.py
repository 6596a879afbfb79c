"""The checks of theme T11: partitioning and distributed hash tables.

Theory of operation
-------------------
Functions and classes are compared with the library's reference (:mod:`dsworkbook.partitioning`)
on hand-made cases with pointed hints (a key exactly on a point, the wrap-around past the last
point, all virtual nodes of one node side by side, one node, one zone, N equal to the node
count, one bucket, keys 0 and 2**64 - 1) and on seeded random inputs over the whole domain
(:func:`~dsworkbook.grading.core.random_cases`), and run in two worlds
(:func:`~dsworkbook.grading.core.same_everywhere`). Predictions are graded against the truth
measured by running the scenario they describe, never a constant, and so is their reason. The
design exercise builds the ring the learner chose and measures the goals on it.

============================  ==========  ============================================================
``11-jump-hash``              implement   ``jump_hash(key, buckets)``: Lamping & Veach's jump hash
``11-drill-preference-list``  drill       ``preference_list(ring, key, n, zones)``: n distinct nodes
                                          clockwise, two zone walks, ValueError for n > nodes (the
                                          seed notes' getNodes looped forever)
``11-predict-remap``          predict     moved shares when 1 of 7 nodes leaves, modulo vs ring; why
``11-predict-hot-key``        predict     hottest node's share under Zipf: 20 vs 500 points, salting; why
``11-drill-tie-break``        drill       ``TieRing``: a shared position goes to the smallest (node, index)
                                          whatever the join order; a leave gives it back (the seed notes'
                                          put overwrote and remove deleted other nodes' points)
``11-bounded-load``           implement   ``bounded_load_assign(ring, keys, eps)``: capacity ceil((1 + eps) m / n),
                                          overflow clockwise (Mirrokni et al. 2018)
``11-chord-route``            implement   ``RoutingNode(ChordNode)._route`` / ``_closest_preceding``: settle
                                          in (id, successor] or forward to the farthest preceding node;
                                          run beside the library's ChordNode on adversarial rings
``11-design-ring``            design      vnodes, copies and racks for 12 nodes: balance, few points, survive
                                          a rack plus a node, fewest copies (all measured on the ring)
============================  ==========  ============================================================
"""

from dsworkbook.grading.partitioning.bounded_load import grade_bounded_load
from dsworkbook.grading.partitioning.chord_route import grade_chord_route
from dsworkbook.grading.partitioning.design_ring import grade_design_ring
from dsworkbook.grading.partitioning.drill_preference_list import grade_drill_preference_list
from dsworkbook.grading.partitioning.drill_tie_break import grade_drill_tie_break
from dsworkbook.grading.partitioning.jump_hash import grade_jump_hash
from dsworkbook.grading.partitioning.predict_hot_key import grade_predict_hot_key
from dsworkbook.grading.partitioning.predict_remap import grade_predict_remap

__all__ = ["grade_jump_hash", "grade_drill_preference_list", "grade_predict_remap",
           "grade_predict_hot_key", "grade_design_ring",
           "grade_drill_tie_break", "grade_bounded_load", "grade_chord_route"]
