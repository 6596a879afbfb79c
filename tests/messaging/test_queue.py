"""Broker queues (Q12): RabbitMQ-style acks, prefetch, DLQ; SQS-style visibility timeout and FIFO."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.queue import BrokerQueue
from dsworkbook.messaging.sqs import DEDUP_INTERVAL_MS, FifoQueue, SqsQueue


def test_prefetch_caps_unacked_deliveries_per_consumer():
    q = BrokerQueue()
    q.subscribe("c", prefetch=2)
    for i in range(5):
        q.publish(i)
    first = q.dispatch()
    assert [d.body for d in first] == [0, 1] and q.dispatch() == []
    q.ack(first[0].tag)
    assert [d.body for d in q.dispatch()] == [2]


def test_nack_with_requeue_redelivers_with_the_redelivered_flag():
    q = BrokerQueue()
    q.subscribe("c", prefetch=1)
    q.publish("x")
    d = q.dispatch()[0]
    assert d.redelivered is False
    q.nack(d.tag, requeue=True)
    again = q.dispatch()[0]
    assert again.msg_id == d.msg_id and again.redelivered is True and again.returns == 1


def test_a_closed_consumer_s_unacked_messages_go_to_another_consumer_in_order():
    q = BrokerQueue()
    q.subscribe("a", prefetch=3)
    for i in range(3):
        q.publish(i)
    q.dispatch()
    assert q.consumer_gone("a") == 3
    q.subscribe("b", prefetch=3)
    assert [(d.consumer, d.body, d.redelivered) for d in q.dispatch()] == [("b", 0, True), ("b", 1, True),
                                                                          ("b", 2, True)]


def test_delivery_limit_dead_letters_a_poison_message_and_reject_dead_letters_at_once():
    dlq = BrokerQueue("dlq")
    q = BrokerQueue(delivery_limit=2, dead_letter=dlq)
    q.subscribe("c", prefetch=1)
    q.publish("poison")
    for _ in range(3):  # fails three times: returned 3 > limit 2
        q.nack(q.dispatch()[0].tag, requeue=True)
    assert q.dispatch() == [] and [(d.reason, d.returns) for d in q.dead] == [("delivery_limit", 3)]
    q.publish("bad")
    q.nack(q.dispatch()[0].tag, requeue=False)
    assert q.dead[-1].reason == "rejected" and len(dlq.ready) == 2


def test_bad_queue_input_is_refused():
    q = BrokerQueue()
    with pytest.raises(ConfigError, match="prefetch must be an int >= 1"):
        q.subscribe("c", prefetch=0)
    with pytest.raises(ConfigError, match="unknown delivery tag"):
        q.ack(99)
    with pytest.raises(ConfigError, match="delivery_limit"):
        BrokerQueue(delivery_limit=-1)


def test_a_message_not_deleted_within_the_visibility_timeout_comes_back_with_a_higher_receive_count():
    q = SqsQueue(visibility_timeout=100)
    q.send("job", now=0)
    first = q.receive(now=0)
    assert q.receive(now=99) == []  # invisible while in flight
    second = q.receive(now=100)
    assert [m.receive_count for m in first + second] == [1, 2]
    assert q.delete(first[0].receipt) is False  # a stale receipt handle deletes nothing
    assert q.delete(second[0].receipt) is True and len(q) == 0


def test_deleting_in_time_means_no_redelivery():
    q = SqsQueue(visibility_timeout=100)
    q.send("job")
    q.delete(q.receive(now=0)[0].receipt)
    assert q.receive(now=500) == []


def test_max_receive_count_redrives_to_the_dead_letter_queue():
    dlq = SqsQueue()
    q = SqsQueue(visibility_timeout=10, max_receive_count=3, dlq=dlq)
    q.send("poison")
    counts = [m.receive_count for t in range(0, 50, 10) for m in q.receive(now=t)]
    assert counts == [1, 2, 3] and len(q) == 0 and [m.body for m in dlq.messages] == ["poison"]


def test_fifo_drops_a_duplicate_within_five_minutes_and_accepts_it_after():
    q = FifoQueue()
    first = q.send("pay 10", now=0, group="acct-1", dedup_id="tx-1")
    assert q.send("pay 10", now=DEDUP_INTERVAL_MS - 1, group="acct-1", dedup_id="tx-1") == first
    assert len(q) == 1
    assert q.send("pay 10", now=DEDUP_INTERVAL_MS, group="acct-1", dedup_id="tx-1") != first
    assert len(q) == 2


def test_fifo_content_based_dedup_hashes_the_body():
    q = FifoQueue(content_based_dedup=True)
    assert q.send("same", group="g") == q.send("same", group="g", now=5)
    assert len(q) == 1


def test_fifo_delivers_a_group_in_order_and_nothing_more_of_it_while_some_is_in_flight():
    q = FifoQueue(visibility_timeout=100)
    for i, g in enumerate(["g1", "g2", "g1", "g1"]):
        q.send(f"{g}-{i}", group=g, dedup_id=str(i))
    got = q.receive(now=0, max_messages=2)  # as many of one group as possible, in order
    assert [m.body for m in got] == ["g1-0", "g1-2"]
    assert [m.body for m in q.receive(now=1, max_messages=10)] == ["g2-1"]  # g1-3 waits: g1 is in flight
    assert q.receive(now=2, max_messages=10) == []
    q.delete(got[0].receipt)
    assert q.receive(now=3, max_messages=10) == []  # g1-2 is still in flight
    q.delete(got[1].receipt)
    assert [m.body for m in q.receive(now=4, max_messages=10)] == ["g1-3"]


def test_bad_sqs_input_is_refused():
    with pytest.raises(ConfigError, match="MessageGroupId"):
        FifoQueue().send("x", dedup_id="1")
    with pytest.raises(ConfigError, match="dead-letter queue"):
        SqsQueue(max_receive_count=3)
    with pytest.raises(ConfigError, match="1..10"):
        SqsQueue().receive(now=0, max_messages=11)
