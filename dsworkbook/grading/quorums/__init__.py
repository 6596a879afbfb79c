"""The checks of theme T02 (CAP and quorums).

Theory of operation
-------------------
Each grader runs the learner's answer on hand-made cases first (the precise rule, with a
pointed hint), then inside the simulator - as part of a replicated store, under partitions,
cuts, crashes or lost messages - and checks what the run produced: the history against the
linearizability checker, the replicas' data against the reference, the trace against the
protocol's rules. The predictions are graded against the truth measured by running the
scenario the question describes, never against a constant.

========================  ==========  ==================================================================
``02-cp-outcome``         implement   ``record_outcome(f, reply) -> (outcome, output)``: ok / fail / unknown
``02-drill-quorum``       drill       ``FixedQuorumReplica``: the notes' quorum store, four mistakes fixed
``02-read-repair``        implement   ``resolve_read(replies) -> (newest, to_repair)``
``02-merkle-diff``        implement   ``merkle_diff(a, b) -> (buckets, compared)``: the top-down walk
``02-predict-stale``      predict     was the read stale, in five runs (four N/W/R worst cases, one fast
                                      clock under strict quorums); and why, for the fast clock
``02-stale-reads``        implement   ``stale_read_indices(history) -> set``
``02-predict-pacelc``     predict     W=1, W=3, W=5, CP in order of p50 write latency with a far replica;
                                      and why
``02-design-quorum``      design      N, R, W and repair mechanisms for stated SLOs, cheapest in N
========================  ==========  ==================================================================

Every grader of a function compares it with the library's reference on seeded random inputs
(:func:`~dsworkbook.grading.core.random_cases`) besides its hand cases, and runs it in two worlds
(:func:`~dsworkbook.grading.core.same_everywhere`); the drill also checks each method alone.
"""

from dsworkbook.grading.quorums.design import grade_design_quorum
from dsworkbook.grading.quorums.drill_quorum import grade_drill_quorum
from dsworkbook.grading.quorums.merkle import grade_merkle_diff
from dsworkbook.grading.quorums.outcome import grade_cp_outcome
from dsworkbook.grading.quorums.predict_pacelc import grade_predict_pacelc
from dsworkbook.grading.quorums.predict_stale import grade_predict_stale
from dsworkbook.grading.quorums.read_repair import grade_read_repair
from dsworkbook.grading.quorums.stale import grade_stale_reads

__all__ = ["grade_cp_outcome", "grade_drill_quorum", "grade_read_repair", "grade_merkle_diff", "grade_predict_stale",
           "grade_stale_reads", "grade_predict_pacelc", "grade_design_quorum"]
