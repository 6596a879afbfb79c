"""Message queues and delivery guarantees (theme T12), on the deterministic simulator.

* Q11 partitioned log:
  :mod:`.log` - topics, partitions, the murmur2 key -> partition hash, offsets, retention,
  consumer-group offsets, seek/replay, per-key vs global order;
  :mod:`.messages` - the wire messages (Produce, Fetch, Metadata, OffsetCommit...);
  :mod:`.replication` - one partition replicated: leader, followers fetching, ISR, high watermark,
  acks 0/1/all, ``min.insync.replicas``, failover from the ISR, idempotent produce;
  :mod:`.producer` - the retrying (optionally idempotent) producer and the acks=1 failover loss;
  :mod:`.assignment` - range, round-robin and sticky assignment as pure functions;
  :mod:`.groups` - the group protocol: coordinator, heartbeats, session timeout, rebalances.
* Q12 broker queues:
  :mod:`.queue` - RabbitMQ-style ack/nack, requeue, prefetch, delivery limit, dead-lettering;
  :mod:`.sqs` - SQS-style visibility timeout, receive count, redrive to a DLQ, FIFO groups and
  the 5-minute de-duplication interval.
* Q13 delivery guarantees:
  :mod:`.delivery` - at-most-once, at-least-once and effectively-once consumers with a sink;
  :mod:`.campaign` - the ``queue`` fuzz campaign and the lost/duplicated table per mode.
"""

from __future__ import annotations

from dsworkbook.messaging import (assignment, campaign, delivery, groups, log, messages, producer, queue,
                                  replication, sqs)
from dsworkbook.messaging.assignment import (KAFKA_NAMES, STRATEGIES, min_moves, moves, owners, range_assign,
                                             round_robin_assign, sticky_assign)
from dsworkbook.messaging.assignment import assignment as assign
from dsworkbook.messaging.campaign import (QUEUE_VARIANTS, delivery_table, fuzz_queue, lab_run, queue_run,
                                           queue_schedule)
from dsworkbook.messaging.delivery import (GUARANTEES, MODES, Consumer, Sink, delivery_progress, delivery_sim,
                                           delivery_violation, effect_counts)
from dsworkbook.messaging.groups import (GroupCoordinator, GroupMember, exclusive_ownership, group_sim,
                                         rebalance_demo)
from dsworkbook.messaging.log import (RESET_POLICIES, ConsumerGroup, LogCluster, OffsetOutOfRange, PartitionLog,
                                      Record, UnknownTopic, murmur2, ordering_demo, partition_for)
from dsworkbook.messaging.producer import Producer, acks_failover_demo
from dsworkbook.messaging.queue import BrokerQueue, DeadLetter, Delivery
from dsworkbook.messaging.replication import ACKS, Broker, Controller, Entry, replicated_sim
from dsworkbook.messaging.sqs import DEDUP_INTERVAL_MS, FifoQueue, Received, SqsQueue

__all__ = [
    "assignment", "campaign", "delivery", "groups", "log", "messages", "producer", "queue", "replication", "sqs",
    "murmur2", "partition_for", "Record", "PartitionLog", "LogCluster", "ConsumerGroup", "OffsetOutOfRange",
    "UnknownTopic", "RESET_POLICIES", "ordering_demo",
    "ACKS", "Entry", "Controller", "Broker", "replicated_sim", "Producer", "acks_failover_demo",
    "assign", "STRATEGIES", "KAFKA_NAMES", "range_assign", "round_robin_assign", "sticky_assign", "moves", "owners",
    "min_moves", "GroupCoordinator", "GroupMember", "group_sim", "rebalance_demo", "exclusive_ownership",
    "BrokerQueue", "Delivery", "DeadLetter", "SqsQueue", "FifoQueue", "Received", "DEDUP_INTERVAL_MS",
    "GUARANTEES", "MODES", "Consumer", "Sink", "delivery_sim", "effect_counts", "delivery_violation",
    "delivery_progress", "QUEUE_VARIANTS", "queue_schedule", "queue_run", "lab_run", "fuzz_queue", "delivery_table",
]
