"""The checks of theme T12: message queues and delivery guarantees.

Theory of operation
-------------------
Functions and classes are compared with a reference on hand-made cases (each with a pointed
hint: Integer.MIN_VALUE, two topics with the same partition number, a late older commit, a
crash just after a commit, a producer's retry at a new offset, consumers c9 and c10) and on
seeded random inputs over the whole domain (:func:`~dsworkbook.grading.core.random_cases`),
and run in two worlds (:func:`~dsworkbook.grading.core.same_everywhere`). The sticky assignor
is graded by its properties (each partition once, balanced within one, the fewest moves), not
against one answer. Predictions are graded against the truth measured by running the scenario
they describe - never a constant - and so is their reason. The design exercise is run in the
delivery lab under the stated faults.

=========================  ==========  ===================================================================
``12-drill-partitioner``   drill       ``to_partition(h, partitions)``: Kafka's sign-bit mask, not
                                       ``abs(h) % n`` (negative for Integer.MIN_VALUE in Java)
``12-drill-offsets``       drill       ``FixedGroup``: a position apart from the committed offset, keyed
                                       by (topic, partition), commits that only move forward
``12-drill-dedup``         drill       ``IdempotentConsumer.handle``: effect and de-dup mark (by message
                                       id) in one transaction, under crashes around every commit
``12-sticky-assign``       implement   ``sticky(partitions, consumers, previous)``: balanced within one,
                                       the fewest moves
``12-predict-delivery``    predict     lost / duplicated / exactly once in six runs of the delivery lab; why
``12-predict-sqs``         predict     an SQS queue with a slow consumer, a stale receipt and a DLQ; why
``12-design-delivery``     design      brokers, min_insync, acks, consumer mode and producer for no lost
                                       or repeated effect, a lost disk, one broker down; the fewest brokers
=========================  ==========  ===================================================================
"""

from dsworkbook.grading.queues.design_delivery import grade_design_delivery
from dsworkbook.grading.queues.drill_dedup import Crash, Database, Record, Transaction, grade_drill_dedup
from dsworkbook.grading.queues.drill_offsets import grade_drill_offsets
from dsworkbook.grading.queues.drill_partitioner import grade_drill_partitioner
from dsworkbook.grading.queues.predict_delivery import grade_predict_delivery
from dsworkbook.grading.queues.predict_sqs import grade_predict_sqs
from dsworkbook.grading.queues.sticky_assign import grade_sticky_assign

__all__ = ["grade_drill_partitioner", "grade_drill_offsets", "grade_drill_dedup", "grade_sticky_assign",
           "grade_predict_delivery", "grade_predict_sqs", "grade_design_delivery",
           "Database", "Transaction", "Record", "Crash"]
