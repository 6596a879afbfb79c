"""Trade-off questions for T12, message queues and delivery guarantees (notebook 12).

The theme's interview questions: how to get exactly-once effects, what producer acks buy, how a
partitioned log keeps order, what a visibility timeout does, which queue to pick, and what a
consumer's death costs. Each question links the section of ``notebooks/12_queues.ipynb`` that
measures the answer; claims about Kafka, RabbitMQ and SQS cite their documentation.
"""

from __future__ import annotations

from dsworkbook.interview.questions import Question

__all__ = ["QUESTIONS"]

_NB = "notebooks/12_queues.ipynb#"
_KAFKA = "Apache Kafka documentation, https://kafka.apache.org/documentation/"
_SQS = "Amazon SQS Developer Guide, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
_RABBIT = 'RabbitMQ documentation, "Consumer Acknowledgements and Publisher Confirms", https://www.rabbitmq.com/docs/confirms'

QUESTIONS = [
    Question(
        id="T12-effect-once",
        theme="T12",
        kind="choice",
        prompt=(
            "A consumer reads payment events from a Kafka topic and, for each, inserts a row into its own "
            "PostgreSQL database. It can crash at any point. Which designs make each event's row appear exactly "
            "once? Choose all that apply."
        ),
        choices={
            "a": "Enable the idempotent producer (enable.idempotence) on the producing side",
            "b": "Commit the consumer's offset before inserting the row",
            "c": "Insert the row and a de-duplication entry keyed by the event id in one database transaction, skipping ids already present",
            "d": "Store the consumer's offset in the same database transaction as the row, and resume from that stored offset after a crash",
            "e": "Use Kafka transactions for the consumer's offset commit; the database insert needs nothing more",
        },
        answer=("c", "d"),
        reasons={
            "a": "The idempotent producer removes duplicates end to end, from producer to the consumer's side effects.",
            "b": "Delivery cannot be exactly once - a crash between the effect and the acknowledgement is indistinguishable from one before the effect - so the effect and the record that it happened must commit atomically in the same place.",
            "c": "Kafka's exactly-once semantics covers every side effect of a consumer that uses transactions.",
            "d": "Committing the offset first guarantees that no event is processed twice, which is all exactly-once needs.",
        },
        reason="b",
        rubric=(
            "delivery is at-least-once or at-most-once; only the effect can be made once",
            "de-dup entry or offset in the same transaction as the effect",
            "an in-memory de-dup table is forgotten in a crash",
            "Kafka transactions cover topic-to-topic with offsets, not an external database",
            "the idempotent producer prevents duplicates in the log, not repeated processing",
        ),
        reference=(
            "Designs c and d. No broker can deliver exactly once, because a consumer that crashed after acting "
            "and before acknowledging looks exactly like one that crashed before acting, so the message will be "
            "delivered again. What can be made once is the effect: keep a de-duplication record keyed by the "
            "message id, or the consumer's offset itself, in the same database transaction as the row, and a "
            "redelivery finds it and does nothing. Committing the offset first turns duplicates into losses, an "
            "idempotent producer only keeps retries from adding second copies to the log, and Kafka's "
            "transactions make read-process-write between topics atomic but do not reach an outside database. "
            "Notebook 12's delivery lab runs the same crash schedules in each mode: at-most-once lost effects, "
            "at-least-once duplicated them, and the transactional de-duplicating consumer did neither."
        ),
        links=(_NB + "Break it: the delivery-guarantee lab (Q13)", _NB + "What interviewers ask"),
        sources=(_KAFKA + ' ("Message Delivery Semantics")',),
    ),
    Question(
        id="T12-acks-all",
        theme="T12",
        kind="choice",
        prompt=(
            "A Kafka topic has replication factor 3. Which statements about producer acks are true? Choose all "
            "that apply."
        ),
        choices={
            "a": "With acks=1, a record acknowledged by the leader can be lost if the leader fails before the followers have it.",
            "b": "With acks=all and min.insync.replicas=2, an acknowledged record is on at least two replicas, and a failover to an in-sync replica keeps it.",
            "c": "acks=all on its own guarantees that every acknowledged record is on all three replicas.",
            "d": "acks=0 gives at-least-once delivery, because the producer retries unacknowledged records.",
        },
        answer=("a", "b"),
        reasons={
            "a": "acks=all waits for every replica assigned to the partition, in sync or not.",
            "b": "Followers copy the leader synchronously, so acks=1 is already durable on three brokers.",
            "c": "acks=all waits for the current in-sync replica set, which can shrink to the leader alone; min.insync.replicas puts a floor under it, so a write is refused rather than held by one broker.",
        },
        reason="c",
        rubric=(
            "acks=all waits for the ISR, not for every assigned replica",
            "min.insync.replicas refuses writes when the ISR is too small",
            "acks=1 loses acknowledged records when the leader fails before followers fetch them",
            "the new leader comes from the ISR",
        ),
        reference=(
            "Statements a and b. With acks=1 the leader acknowledges after its own append, so a leader that "
            "fails before its followers fetch the record takes the acknowledged record with it. With acks=all "
            "the leader waits for the full in-sync replica set, but that set can shrink to the leader alone when "
            "followers fall behind, so acks=all by itself is not a copy count; min.insync.replicas=2 makes the "
            "broker refuse such writes instead. A new leader is chosen from the in-sync replicas, so a record "
            "they all had survives. Notebook 12 cuts a leader off from its followers: with acks=1 every "
            "acknowledged record was gone after the failover, and with acks=all and min.insync.replicas=2 "
            "nothing was acknowledged until the records could land on the new leader."
        ),
        links=(_NB + "1.2 Producer acks and a replicated partition",),
        sources=(_KAFKA + ' ("Replication"; producer config acks; topic config min.insync.replicas)',),
    ),
    Question(
        id="T12-per-key-order",
        theme="T12",
        kind="choice",
        prompt=(
            "Account events go to a Kafka topic with 12 partitions, consumed by a group of several consumers. "
            "Each account's events must be processed in the order they were produced, and you want to keep "
            "12-way parallelism. What do you do?"
        ),
        choices={
            "a": "Use the account id as the record key",
            "b": "Use a random key so the load is even, and sort by timestamp in the consumer",
            "c": "Create the topic with a single partition",
            "d": "Use the event id as the key",
        },
        answer=("a",),
        reasons={
            "a": "Kafka orders records by their timestamps across the partitions of a topic.",
            "b": "A consumer group delivers records in the order they were produced, whatever their partition.",
            "c": "Kafka orders records only within a partition, and the default partitioner sends every record with the same key to the same partition (while the partition count stays the same), so one account's events stay in order.",
        },
        reason="c",
        rubric=(
            "order exists only within a partition",
            "key = the entity whose events must stay ordered",
            "changing the number of partitions moves keys between partitions",
            "a single partition keeps a global order but gives up parallelism",
        ),
        reference=(
            "Key the records by account id. Kafka keeps order only within a partition, and the default "
            "partitioner maps a key to a partition by hashing it, so all of one account's events go to one "
            "partition, are read by one consumer of the group, and stay in order, while different accounts "
            "spread over the 12 partitions. A single partition would also keep order but serialise the whole "
            "topic, and random or per-event keys scatter an account's events. Changing the partition count "
            "later remaps keys, so create the topic with enough partitions up front. Notebook 12 produces "
            "interleaved keys and shows per-key order kept and global order not."
        ),
        links=(_NB + "The idea: a partitioned log (Q11)",),
        sources=(_KAFKA + ' ("Introduction": topics and partitions; producer partitioner)',),
    ),
    Question(
        id="T12-visibility-timeout",
        theme="T12",
        kind="choice",
        prompt=(
            "An SQS standard queue has a visibility timeout of 30 s, and processing a message sometimes takes "
            "45 s. Which statements are true? Choose all that apply."
        ),
        choices={
            "a": "The message becomes visible again after 30 s and a second consumer may process it while the first is still working.",
            "b": "A consumer expecting a long job can extend the timeout with ChangeMessageVisibility.",
            "c": "The receipt handle locks the message, so no other consumer can receive it until the first deletes it.",
            "d": "Setting the visibility timeout to its maximum removes duplicates entirely, so the consumer need not be idempotent.",
        },
        answer=("a", "b"),
        reasons={
            "a": "SQS deletes a message as soon as it has been received.",
            "b": "The visibility timeout is a guess at processing time: too short gives duplicates, too long delays the retry after a crash, and standard queues are at-least-once anyway, so the consumer must be idempotent.",
            "c": "A receipt handle is an exclusive lease that the queue enforces until the message is deleted.",
        },
        reason="b",
        rubric=(
            "a received message is hidden, not deleted; it returns after the timeout",
            "set the timeout above the processing time's tail; extend it for long jobs",
            "too long a timeout delays redelivery after a crashed consumer",
            "standard queues are at-least-once: idempotent consumers, and a dead-letter queue for poison messages",
        ),
        reference=(
            "Statements a and b. Receiving a message does not delete it; it hides it for the visibility timeout, "
            "and if the consumer has not deleted it by then it becomes visible again, so a 45 s job on a 30 s "
            "timeout can be picked up by a second consumer while the first is still working. A consumer that "
            "knows a job is long can extend the timeout with ChangeMessageVisibility. A very long timeout does "
            "not remove duplicates: standard queues deliver at least once, and a long timeout also delays the "
            "retry of a message whose consumer crashed. Notebook 12's SQS model shows the late receive by a "
            "second consumer and a redrive policy moving a failing message to a dead-letter queue."
        ),
        links=(_NB + "A broker queue (Q12)",),
        sources=(_SQS + ' ("Amazon SQS visibility timeout"; "Amazon SQS standard queues")',),
    ),
    Question(
        id="T12-pick-a-queue",
        theme="T12",
        kind="open",
        prompt=(
            "For a new system, when would you choose Kafka, RabbitMQ or Amazon SQS? What delivery guarantee "
            "does each give your consumers in practice?"
        ),
        rubric=(
            "Kafka: a partitioned log with retention and replay, many independent consumer groups, per-key order, high throughput",
            "RabbitMQ: a broker that pushes with per-message acks, routing, prefetch and dead-lettering; acked messages are gone",
            "SQS: a managed pull queue with visibility timeouts, dead-letter queues, FIFO queues with message groups",
            "all three are at-least-once in practice: idempotent consumers make effects once",
        ),
        reference=(
            "Choose Kafka when the data is a stream that several consumers read independently, when you need "
            "replay by seeking back to an offset, per-key order and high throughput: it is a retained, "
            "partitioned log, and each consumer group only keeps an offset. Choose RabbitMQ for task queues "
            "with routing, priorities and per-message acknowledgement: the broker pushes deliveries, requeues "
            "the unacknowledged ones of a consumer that goes away, and dead-letters poison messages, but an "
            "acknowledged message is gone. Choose SQS when you want a managed queue without servers: consumers "
            "pull, a visibility timeout hides a message in flight, a redrive policy dead-letters it, and FIFO "
            "queues add per-group order and de-duplication of sends within five minutes. In practice all three "
            "give at-least-once delivery, so the consumer must be idempotent. Notebook 12 builds a model of "
            "each and fills the comparison table from its own runs."
        ),
        links=(_NB + "Kafka, RabbitMQ and SQS, side by side", _NB + "A broker queue (Q12)"),
        sources=(_KAFKA, _RABBIT, _SQS + ' ("Amazon SQS FIFO queues")'),
    ),
    Question(
        id="T12-consumer-dies",
        theme="T12",
        kind="open",
        prompt=(
            "A member of a Kafka consumer group dies in the middle of a batch. Walk through what happens to "
            "its partitions and to the records it was processing, and which settings matter."
        ),
        rubric=(
            "nothing happens until its session times out (session.timeout.ms)",
            "the group rebalances in a new generation and its partitions go to other members",
            "new owners start from the last committed offset: processed-but-uncommitted records are processed again",
            "sticky or cooperative assignment moves fewer partitions than range or round-robin",
            "shorter timeouts react faster but evict members that merely paused",
        ),
        reference=(
            "At first nothing: its partitions sit unread until the group coordinator has not heard a heartbeat "
            "for the session timeout. Then the coordinator starts a new generation and reassigns partitions with "
            "the group's assignment strategy. Each new owner resumes from the last committed offset, so every "
            "record the dead member processed but had not committed is processed again, which is why "
            "at-least-once consumers must be idempotent. A shorter session timeout reacts faster but evicts "
            "members that were only paused, for example by garbage collection, and each rebalance has its own "
            "cost. Sticky assignment moves only what balance requires, while range and round-robin recompute "
            "everything and can move the survivors' partitions too. Notebook 12 runs these rebalances for each "
            "strategy, and its consumer-group panel kills a member mid-batch and marks the redelivered and "
            "duplicated records."
        ),
        links=(
            _NB + "1.3 Rebalancing: range, round-robin, sticky",
            _NB + "The panel: a consumer group on a timeline",
        ),
        sources=(_KAFKA + ' (consumer configs session.timeout.ms and partition.assignment.strategy; "Consumer Position")',),
    ),
]
