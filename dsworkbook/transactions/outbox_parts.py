"""The pieces of the transactional outbox on sqlite3: producer, relay, broker and consumer.

Theory of operation (Richardson, microservices.io, "Pattern: Transactional outbox"): a service
that must change its database *and* tell other services cannot do both atomically, because the
broker is not part of the database transaction. The pattern writes the business row and an
*outbox* row in one local transaction; a separate *message relay* reads unpublished outbox rows,
publishes them and then marks them published. A relay that dies between publish and mark
publishes that row again after it restarts, so delivery is at-least-once and the consumer must
be idempotent (microservices.io, "Pattern: Idempotent Consumer": record the ids of processed
messages in the consumer's own database, in the same transaction as the effect).

Each piece here owns a real sqlite3 database file opened in autocommit mode with explicit
``BEGIN``/``COMMIT``. A *crash* is an exception raised at a named point; the piece then closes its
connection without committing, which rolls back the open transaction (SQLite documentation,
"Transaction": an uncommitted transaction is rolled back when the connection closes), and
restarts from what its database holds. Nothing else survives a crash.

The broken variants are switchable modes of the same pieces:

* producer ``commit_then_publish`` (the dual write): commit the row, then publish; a crash in
  between loses the message for good;
* producer ``publish_then_commit``: publish, then write the row; a crash in between, or a row the
  database rejects, leaves a *phantom* message about an order that does not exist;
* relay ``mark_then_publish``: mark first, then publish; a crash in between loses the message;
* consumer ``naive``: no dedup table, so every redelivery applies the effect again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dsworkbook.errors import ConfigError

__all__ = ["Message", "Crash", "Broker", "Producer", "Relay", "Consumer", "CRASH_POINTS",
           "PRODUCER_MODES", "RELAY_MODES", "CONSUMER_MODES"]

PRODUCER_MODES = ("outbox", "commit_then_publish", "publish_then_commit")
RELAY_MODES = ("publish_then_mark", "mark_then_publish")
CONSUMER_MODES = ("idempotent", "naive")

#: every named point where a crash can be injected, by the mode that passes through it
CRASH_POINTS: dict[str, tuple[str, ...]] = {
    "outbox": ("producer.after_business_write",),
    "commit_then_publish": ("producer.after_commit",),
    "publish_then_commit": ("producer.after_publish",),
    "publish_then_mark": ("relay.after_publish",),
    "mark_then_publish": ("relay.after_mark",),
    "idempotent": ("consumer.after_effect", "consumer.after_commit"),
    "naive": ("consumer.after_effect", "consumer.after_commit"),
}


class Crash(Exception):
    """The process died at ``point``: its open transaction is rolled back, its memory is gone."""

    def __init__(self, point: str) -> None:
        super().__init__(point)
        self.point = point


@dataclass(frozen=True, slots=True)
class Message:
    """An event on the broker: ``message_id`` is what an idempotent consumer deduplicates on."""

    message_id: str
    order_id: int
    amount: int


@dataclass
class Broker:
    """An append-only log with one committed offset per consumer (at-least-once: fetch, then ack)."""

    log: list[Message] = field(default_factory=list)
    offsets: dict[str, int] = field(default_factory=dict)

    def publish(self, message: Message) -> None:
        self.log.append(message)

    def fetch(self, consumer: str) -> Message | None:
        """The next unacknowledged message for ``consumer``; the same one again until it is acked."""
        offset = self.offsets.get(consumer, 0)
        return self.log[offset] if offset < len(self.log) else None

    def ack(self, consumer: str) -> None:
        self.offsets[consumer] = self.offsets.get(consumer, 0) + 1


Hook = Callable[[str], None]   # called at every crash point; raises Crash to kill the caller


def _open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)      # autocommit: BEGIN/COMMIT are ours
    conn.execute("PRAGMA synchronous=OFF")
    return conn


def _check_mode(kind: str, mode: str, modes: tuple[str, ...]) -> None:
    if mode not in modes:
        raise ConfigError(f"unknown {kind} mode {mode!r}; choose one of {list(modes)}")


class Producer:
    """The order service: ``place(order_id, amount)`` records an order and announces it."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS orders (order_id INTEGER PRIMARY KEY, amount INTEGER NOT NULL "
              "CHECK (amount > 0))",
              "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT UNIQUE, "
              "order_id INTEGER, amount INTEGER, published INTEGER NOT NULL DEFAULT 0)")

    def __init__(self, path: Path, broker: Broker, hook: Hook, mode: str = "outbox") -> None:
        _check_mode("producer", mode, PRODUCER_MODES)
        self.path, self.broker, self.hook, self.mode = path, broker, hook, mode
        self.conn = _open(path)
        for statement in self.SCHEMA:
            self.conn.execute(statement)

    def crash(self) -> None:
        self.conn.close()                  # the open transaction, if any, is rolled back
        self.conn = _open(self.path)

    def place(self, order_id: int, amount: int) -> bool:
        """True when the order was committed; False when the database rejected it (amount <= 0)."""
        message = Message(f"order-{order_id}", order_id, amount)
        if self.mode == "publish_then_commit":
            self.broker.publish(message)
            self.hook("producer.after_publish")
            return self._write(order_id, amount)
        if self.mode == "commit_then_publish":
            committed = self._write(order_id, amount)
            if committed:
                self.hook("producer.after_commit")
                self.broker.publish(message)
            return committed
        return self._write(order_id, amount, outbox=message)

    def _write(self, order_id: int, amount: int, outbox: Message | None = None) -> bool:
        self.conn.execute("BEGIN")
        try:
            self.conn.execute("INSERT INTO orders VALUES (?, ?)", (order_id, amount))
        except sqlite3.IntegrityError:
            self.conn.execute("ROLLBACK")
            return False
        if outbox is not None:
            self.hook("producer.after_business_write")
            self.conn.execute("INSERT INTO outbox (message_id, order_id, amount) VALUES (?, ?, ?)",
                              (outbox.message_id, outbox.order_id, outbox.amount))
        self.conn.execute("COMMIT")
        return True

    def committed_orders(self) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT order_id FROM orders")}


class Relay:
    """The message relay: ``step()`` publishes the oldest unpublished outbox row (False when none)."""

    def __init__(self, path: Path, broker: Broker, hook: Hook, mode: str = "publish_then_mark") -> None:
        _check_mode("relay", mode, RELAY_MODES)
        self.path, self.broker, self.hook, self.mode = path, broker, hook, mode
        self.conn = _open(path)

    def crash(self) -> None:
        self.conn.close()
        self.conn = _open(self.path)

    def step(self) -> bool:
        row = self.conn.execute("SELECT id, message_id, order_id, amount FROM outbox WHERE published = 0 "
                                "ORDER BY id LIMIT 1").fetchone()
        if row is None:
            return False
        message = Message(row[1], row[2], row[3])
        if self.mode == "mark_then_publish":
            self._mark(row[0])
            self.hook("relay.after_mark")
            self.broker.publish(message)
        else:
            self.broker.publish(message)
            self.hook("relay.after_publish")
            self._mark(row[0])
        return True

    def _mark(self, row_id: int) -> None:
        self.conn.execute("UPDATE outbox SET published = 1 WHERE id = ?", (row_id,))


class Consumer:
    """The shipping service: applies each message's effect; ``idempotent`` mode dedups on message id."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS shipments (order_id INTEGER, message_id TEXT)",
              "CREATE TABLE IF NOT EXISTS processed (message_id TEXT PRIMARY KEY)")

    def __init__(self, path: Path, broker: Broker, hook: Hook, mode: str = "idempotent",
                 name: str = "shipping") -> None:
        _check_mode("consumer", mode, CONSUMER_MODES)
        self.path, self.broker, self.hook, self.mode, self.name = path, broker, hook, mode, name
        self.conn = _open(path)
        for statement in self.SCHEMA:
            self.conn.execute(statement)
        self.delivered = 0
        self.absorbed = 0

    def crash(self) -> None:
        self.conn.close()
        self.conn = _open(self.path)

    def step(self) -> bool:
        """Handle the next message (False when caught up): effect and dedup row commit together."""
        message = self.broker.fetch(self.name)
        if message is None:
            return False
        self.delivered += 1
        self.conn.execute("BEGIN")
        if self.mode == "idempotent":
            try:
                self.conn.execute("INSERT INTO processed VALUES (?)", (message.message_id,))
            except sqlite3.IntegrityError:            # seen before: absorb the duplicate
                self.conn.execute("ROLLBACK")
                self.absorbed += 1
                self.broker.ack(self.name)
                return True
        self.conn.execute("INSERT INTO shipments VALUES (?, ?)", (message.order_id, message.message_id))
        self.hook("consumer.after_effect")
        self.conn.execute("COMMIT")
        self.hook("consumer.after_commit")
        self.broker.ack(self.name)
        return True

    def shipments(self) -> dict[int, int]:
        """How many times each order's effect was applied."""
        return dict(self.conn.execute("SELECT order_id, COUNT(*) FROM shipments GROUP BY order_id").fetchall())
