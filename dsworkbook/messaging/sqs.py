"""A queue in the style of Amazon SQS: visibility timeout, receive count, redrive to a DLQ, FIFO de-dup (Q12).

Theory of operation
-------------------
Consumers *pull* (``ReceiveMessage``). A received message is not deleted: it becomes invisible
for the **visibility timeout** (Amazon SQS Developer Guide, "Amazon SQS visibility timeout"),
and the consumer must ``DeleteMessage`` with the receipt handle before it runs out; otherwise
the message becomes visible again and another receive gets it, with its
``ApproximateReceiveCount`` one higher. Each receive issues a new receipt handle, and only the
latest one deletes the message. A **redrive policy** moves a message to a dead-letter queue
when its receive count exceeds ``maxReceiveCount`` (Developer Guide, "Using dead-letter queues
in Amazon SQS").

A **FIFO queue** (Developer Guide, "Amazon SQS FIFO queues"; "Exactly-once processing in Amazon
SQS") keeps order within a ``MessageGroupId``: while a message of a group is in flight, no later
message of that group is delivered. A send whose ``MessageDeduplicationId`` was already accepted
within the **5-minute deduplication interval** is acknowledged but not enqueued again; with
content-based de-duplication the id is the SHA-256 of the body.

Time is passed in explicitly (``now``, ms) so the same calls give the same result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from dsworkbook.errors import ConfigError

__all__ = ["SqsMessage", "Received", "SqsQueue", "FifoQueue", "DEDUP_INTERVAL_MS"]

DEDUP_INTERVAL_MS = 5 * 60 * 1000.0


@dataclass
class SqsMessage:
    msg_id: int
    body: Any
    group: str | None = None
    receive_count: int = 0
    visible_at: float = 0.0
    receipt: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    msg_id: int
    body: Any
    receipt: str
    receive_count: int


def _ms(name: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
        raise ConfigError(f"{name} must be a number of ms {'> 0' if positive else '>= 0'}, got {value!r}")
    return float(value)


@dataclass
class SqsQueue:
    """A standard queue: at-least-once, visibility timeout, optional redrive to ``dlq``."""

    visibility_timeout: float = 30_000.0
    max_receive_count: int | None = None
    dlq: "SqsQueue | None" = None
    messages: list[SqsMessage] = field(default_factory=list)
    _ids: int = 0
    _receipts: int = 0

    def __post_init__(self) -> None:
        _ms("visibility_timeout", self.visibility_timeout)
        if self.max_receive_count is not None and (isinstance(self.max_receive_count, bool)
                                                   or not isinstance(self.max_receive_count, int)
                                                   or self.max_receive_count < 1):
            raise ConfigError(f"maxReceiveCount must be an int >= 1, got {self.max_receive_count!r}")
        if self.max_receive_count is not None and self.dlq is None:
            raise ConfigError("a redrive policy (maxReceiveCount) needs a dead-letter queue: pass dlq=SqsQueue()")

    def send(self, body: Any, now: float = 0.0, group: str | None = None) -> int:
        self._ids += 1
        self.messages.append(SqsMessage(self._ids, body, group, visible_at=_ms("now", now)))
        return self._ids

    def _eligible(self, now: float) -> list[SqsMessage]:
        return [m for m in self.messages if m.visible_at <= now]

    def receive(self, now: float, max_messages: int = 1, visibility_timeout: float | None = None) -> list[Received]:
        """Up to ``max_messages`` visible messages; each turns invisible for the visibility timeout."""
        _ms("now", now)
        if isinstance(max_messages, bool) or not isinstance(max_messages, int) or not 1 <= max_messages <= 10:
            raise ConfigError(f"MaxNumberOfMessages must be 1..10, got {max_messages!r}")
        timeout = self.visibility_timeout if visibility_timeout is None else _ms("visibility_timeout",
                                                                                visibility_timeout)
        out: list[Received] = []
        for m in self._eligible(now):
            if len(out) >= max_messages:
                break
            if self.max_receive_count is not None and m.receive_count >= self.max_receive_count:
                self.messages.remove(m)  # redrive: received maxReceiveCount times and never deleted
                self.dlq.send(m.body, now, m.group)  # type: ignore[union-attr]
                continue
            m.receive_count += 1
            self._receipts += 1
            m.receipt = f"r{self._receipts}"
            m.visible_at = now + timeout
            out.append(Received(m.msg_id, m.body, m.receipt, m.receive_count))
        return out

    def delete(self, receipt: str, now: float = 0.0) -> bool:
        """Delete the message whose latest receipt is ``receipt``; False for a stale or unknown handle."""
        for m in self.messages:
            if m.receipt == receipt:
                self.messages.remove(m)
                return True
        return False

    def change_visibility(self, receipt: str, timeout: float, now: float) -> None:
        for m in self.messages:
            if m.receipt == receipt and m.visible_at > now:
                m.visible_at = now + _ms("timeout", timeout)
                return
        raise ConfigError(f"receipt {receipt!r} is not in flight (deleted, expired or replaced by a newer receive)")

    def __len__(self) -> int:
        return len(self.messages)


@dataclass
class FifoQueue(SqsQueue):
    """A FIFO queue: ordered per message group, de-duplicated within :data:`DEDUP_INTERVAL_MS`."""

    content_based_dedup: bool = False
    dedup_interval: float = DEDUP_INTERVAL_MS
    _dedup: dict[str, tuple[float, int]] = field(default_factory=dict)

    def send(self, body: Any, now: float = 0.0, group: str | None = None,  # type: ignore[override]
             dedup_id: str | None = None) -> int:
        """Enqueue ``body`` in ``group``; a repeat of ``dedup_id`` within the interval returns the first id."""
        if not isinstance(group, str) or not group:
            raise ConfigError("a FIFO queue needs a MessageGroupId (group='...') on every send")
        if dedup_id is None:
            if not self.content_based_dedup:
                raise ConfigError("give a MessageDeduplicationId (dedup_id=...) or enable content_based_dedup")
            dedup_id = hashlib.sha256(repr(body).encode()).hexdigest()
        now = _ms("now", now)
        seen = self._dedup.get(dedup_id)
        if seen is not None and now - seen[0] < self.dedup_interval:
            return seen[1]
        msg_id = super().send(body, now, group)
        self._dedup[dedup_id] = (now, msg_id)
        return msg_id

    def _eligible(self, now: float) -> list[SqsMessage]:
        """The messages of every group with nothing in flight, group by group, each group in order.

        A receive then takes as many messages of one group as it may before moving to the next:
        ReceiveMessage on a FIFO queue "first attempts to return as many messages with the same
        message group ID as possible" (API Reference, ReceiveMessage). While any message of a
        group is in flight, none of that group is eligible.
        """
        blocked = {m.group for m in self.messages if m.receipt is not None and m.visible_at > now}  # in flight
        by_group: dict[Any, list[SqsMessage]] = {}
        for m in self.messages:
            if m.group not in blocked and m.visible_at <= now:
                by_group.setdefault(m.group, []).append(m)
        return [m for group in by_group.values() for m in group]
