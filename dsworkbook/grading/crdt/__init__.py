"""The checks of theme T05: conflict resolution and CRDTs.

Theory of operation
-------------------
Each grader runs the learner's merge (or class, or checker) on hand-written cases with a hint
per mistake, then on random cases drawn over the whole domain and its boundaries (ties broken
by replica id, ``"r9"`` against ``"r10"``, zero entries, equal values with different versions,
empty states, many replicas, long runs of typing) compared with the reference in both
argument orders, then through the CRDT laws (:mod:`dsworkbook.crdt.laws`) on the states of
random replicated histories - a broken law is said in words, "merge(a, b) gave X but
merge(b, a) gave Y" - then, where the idea is about replicas, as the merge of three replicas
gossiping in the simulator under partitions, one-way cuts, loss and duplication bursts,
crashes and pauses (:mod:`dsworkbook.crdt.replication`): after healing they must hold equal
states whose value reflects every update. A merge whose result grows (kept copies) fails at
once, saying what grew; a tie broken by ``hash()``, ``random`` or the clock fails in two
worlds (:func:`~dsworkbook.grading.core.same_everywhere`). The first wrong case raises
:class:`~dsworkbook.grading.core.WrongAnswer` with its input, the expected and actual result
and a hint; a right answer gets one line naming the seeds.

The prediction is not compared with a constant: the grader runs its cart scenario and reads
each strategy's cart - and which adds the remove had observed - from the replicas. The design
exercise runs each field of the learner's design on the simulator and judges the stated
requirements; every type that meets them is accepted.

========================  ==========  =============================================================
``05-gcounter-merge``     implement   ``gcounter_merge(a, b)`` over dicts replica -> count
``05-drill-lww``          drill       ``lww_merge(a, b)`` over (value, time, replica): a total tie-break
``05-mv-register``        implement   ``mv_merge(a, b)`` over lists of (value, version vector) siblings
``05-predict-cart``       predict     ``{"LWW": set, "MV": set, "OR-Set": set}`` and ``why``: the carts
``05-drill-orset``        drill       ``class CompactORSet``: no tombstones, and no resurrection
``05-laws``               implement   ``law_violations(merge, states)``: which merge laws break
``05-rga-order``          implement   ``rga_text(nodes, tombstones)``: the RGA ordering rule
``05-design-trip``        design      ``{field: type name}``: the replicated state of a trip planner
========================  ==========  =============================================================
"""

from dsworkbook.grading.crdt.design_trip import grade_design_trip
from dsworkbook.grading.crdt.drill_lww import grade_drill_lww
from dsworkbook.grading.crdt.drill_orset import grade_drill_orset
from dsworkbook.grading.crdt.gcounter import grade_gcounter
from dsworkbook.grading.crdt.laws import grade_laws
from dsworkbook.grading.crdt.mv_register import grade_mv_register
from dsworkbook.grading.crdt.predict_cart import grade_predict_cart
from dsworkbook.grading.crdt.rga_order import grade_rga_order

__all__ = ["grade_gcounter", "grade_drill_lww", "grade_mv_register", "grade_predict_cart", "grade_drill_orset",
           "grade_laws", "grade_rga_order", "grade_design_trip"]
