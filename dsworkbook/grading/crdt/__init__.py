"""The checks of theme T05: conflict resolution and CRDTs.

Theory of operation
-------------------
Each grader runs the learner's merge (or class, or checker) on hand-written cases in both
argument orders, then through the CRDT laws (:mod:`dsworkbook.crdt.laws`) on the states of
random replicated histories, then - where the idea is about replicas - as the merge of three
replicas gossiping in the simulator under partitions, one-way cuts, loss and duplication
bursts, crashes and pauses (:mod:`dsworkbook.crdt.replication`): after healing they must hold
equal states whose value reflects every update. The first wrong case raises
:class:`~dsworkbook.grading.core.WrongAnswer` with its input, the expected and actual result
and a hint; a right answer gets one line naming the seeds.

The prediction is not compared with a constant: the grader runs the shopping-cart scenario
and reads each strategy's cart from the replicas.

========================  ==========  =============================================================
``05-gcounter-merge``     implement   ``gcounter_merge(a, b)`` over dicts replica -> count
``05-drill-lww``          drill       ``lww_merge(a, b)`` over (value, time, replica): a total tie-break
``05-mv-register``        implement   ``mv_merge(a, b)`` over lists of (value, version vector) siblings
``05-predict-cart``       predict     ``{"LWW": set, "MV": set, "OR-Set": set}``: the carts after healing
``05-drill-orset``        drill       ``class CompactORSet``: no tombstones, and no resurrection
``05-laws``               implement   ``law_violations(merge, states)``: which merge laws break
``05-rga-order``          implement   ``rga_text(nodes, tombstones)``: the RGA ordering rule
========================  ==========  =============================================================
"""

from dsworkbook.grading.crdt.drill_lww import grade_drill_lww
from dsworkbook.grading.crdt.drill_orset import grade_drill_orset
from dsworkbook.grading.crdt.gcounter import grade_gcounter
from dsworkbook.grading.crdt.laws import grade_laws
from dsworkbook.grading.crdt.mv_register import grade_mv_register
from dsworkbook.grading.crdt.predict_cart import grade_predict_cart
from dsworkbook.grading.crdt.rga_order import grade_rga_order

__all__ = ["grade_gcounter", "grade_drill_lww", "grade_mv_register", "grade_predict_cart", "grade_drill_orset",
           "grade_laws", "grade_rga_order"]
