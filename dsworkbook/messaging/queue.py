"""A broker queue in the style of RabbitMQ: push delivery, ack/nack, prefetch, redelivery, dead-lettering (Q12).

Theory of operation
-------------------
The broker *pushes* messages to subscribed consumers; each delivery has a **delivery tag** and
stays *unacknowledged* until the consumer answers (RabbitMQ docs, "Consumer Acknowledgements and
Publisher Confirms"):

* ``ack(tag)`` - processed, the broker forgets the message;
* ``nack(tag, requeue=True)`` - put it back, it will be delivered again with ``redelivered``
  set; ``nack(tag, requeue=False)`` (or ``basic.reject``) - drop it, or dead-letter it when the
  queue has a dead-letter target;
* a consumer whose channel closes (:meth:`BrokerQueue.consumer_gone`) has all its unacked
  deliveries requeued - the source of at-least-once redelivery.

**Prefetch** (``basic.qos`` prefetch count, RabbitMQ docs "Consumer Prefetch") caps the
unacknowledged deliveries per consumer; the broker sends a consumer nothing more until it acks.
The **delivery limit** is the quorum queue argument ``x-delivery-limit`` (RabbitMQ docs, "Quorum
Queues", poison message handling): each return of a message to the queue counts a failed
delivery, and once the count exceeds the limit the message is **dead-lettered** - moved to the
dead-letter target with reason ``delivery_limit`` (RabbitMQ docs "Dead Letter Exchanges"; a
``nack`` without requeue gives reason ``rejected``). Without a target it is dropped.

This is a pure data structure (no simulator); consumers are names.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from dsworkbook.errors import ConfigError

__all__ = ["QueueMessage", "Delivery", "DeadLetter", "BrokerQueue"]


@dataclass
class QueueMessage:
    msg_id: int
    body: Any
    returns: int = 0  # how many times it came back (nack with requeue, consumer gone)
    delivered_before: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    tag: int
    consumer: str
    msg_id: int
    body: Any
    redelivered: bool
    returns: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    msg_id: int
    body: Any
    reason: str  # "rejected" or "delivery_limit"
    returns: int


@dataclass
class BrokerQueue:
    """A queue with subscribers, unacked deliveries per consumer, an optional delivery limit and DLQ."""

    name: str = "q"
    delivery_limit: int | None = None
    dead_letter: "BrokerQueue | None" = None
    ready: deque = field(default_factory=deque)
    unacked: dict[int, tuple[str, QueueMessage]] = field(default_factory=dict)
    prefetch: dict[str, int] = field(default_factory=dict)
    dead: list[DeadLetter] = field(default_factory=list)
    _next_id: int = 0
    _next_tag: int = 0
    _rr: int = 0

    def __post_init__(self) -> None:
        if self.delivery_limit is not None and (isinstance(self.delivery_limit, bool)
                                                or not isinstance(self.delivery_limit, int) or self.delivery_limit < 0):
            raise ConfigError(f"delivery_limit must be an int >= 0 or None, got {self.delivery_limit!r}")

    def publish(self, body: Any) -> int:
        self._next_id += 1
        self.ready.append(QueueMessage(self._next_id, body))
        return self._next_id

    def subscribe(self, consumer: str, prefetch: int = 1) -> None:
        """Add ``consumer`` with a prefetch count (max unacked deliveries) >= 1."""
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 1:
            raise ConfigError(f"prefetch must be an int >= 1 (the most unacknowledged deliveries a consumer may "
                              f"hold), got {prefetch!r}")
        self.prefetch[consumer] = prefetch

    def in_flight(self, consumer: str) -> int:
        return sum(1 for c, _ in self.unacked.values() if c == consumer)

    def dispatch(self) -> list[Delivery]:
        """Push ready messages to consumers round-robin while each is below its prefetch."""
        out: list[Delivery] = []
        cons = list(self.prefetch)
        while self.ready and cons:
            free = [c for c in cons if self.in_flight(c) < self.prefetch[c]]
            if not free:
                break
            c = cons[self._rr % len(cons)]
            self._rr += 1
            if c not in free:
                continue
            msg = self.ready.popleft()
            self._next_tag += 1
            self.unacked[self._next_tag] = (c, msg)
            out.append(Delivery(self._next_tag, c, msg.msg_id, msg.body, msg.delivered_before, msg.returns))
            msg.delivered_before = True
        return out

    def _take(self, tag: int, consumer: str | None) -> QueueMessage:
        if tag not in self.unacked:
            raise ConfigError(f"unknown delivery tag {tag}: already acknowledged, or never delivered (RabbitMQ closes "
                              "the channel with PRECONDITION_FAILED for this)")
        owner, msg = self.unacked[tag]
        if consumer is not None and owner != consumer:
            raise ConfigError(f"delivery tag {tag} belongs to {owner!r}, not {consumer!r}")
        del self.unacked[tag]
        return msg

    def ack(self, tag: int, consumer: str | None = None) -> None:
        self._take(tag, consumer)

    def nack(self, tag: int, *, requeue: bool = True, consumer: str | None = None) -> None:
        msg = self._take(tag, consumer)
        if requeue:
            self._return(msg)
        else:
            self._dead(msg, "rejected")

    def consumer_gone(self, consumer: str) -> int:
        """The consumer's channel closed: requeue its unacked deliveries (in order); returns how many."""
        self.prefetch.pop(consumer, None)
        tags = sorted(t for t, (c, _) in self.unacked.items() if c == consumer)
        for t in reversed(tags):  # requeued at the front, original order kept
            _, msg = self.unacked.pop(t)
            self._return(msg, front=True)
        return len(tags)

    def _return(self, msg: QueueMessage, front: bool = False) -> None:
        msg.returns += 1
        if self.delivery_limit is not None and msg.returns > self.delivery_limit:
            self._dead(msg, "delivery_limit")
        elif front:
            self.ready.appendleft(msg)
        else:
            self.ready.append(msg)

    def _dead(self, msg: QueueMessage, reason: str) -> None:
        letter = DeadLetter(msg.msg_id, msg.body, reason, msg.returns)
        self.dead.append(letter)
        if self.dead_letter is not None:
            self.dead_letter.publish(letter)
