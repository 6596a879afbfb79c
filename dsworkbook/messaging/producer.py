"""The producer client: retries until acknowledged, optionally idempotent (Q11, Q13).

Theory of operation
-------------------
A :class:`Producer` sends records ``m0 .. m{N-1}`` one at a time (one request in flight, as
Kafka's ``max.in.flight.requests.per.connection=1``) to the partition leader it learned from
the controller. It retries on a timeout or an error: a lost acknowledgement makes it send the
same record again, which a plain broker appends a second time - the duplicate that at-least-once
producing implies (Kafka design section 4.6 "Message Delivery Semantics"). With ``idempotent``
(producer config ``enable.idempotence``) each record carries the producer id and a sequence
number and the leader drops a repeat (:class:`~dsworkbook.messaging.replication.Broker`).
``acks`` is the producer config of that name; ``acks=0`` counts a record as sent when it leaves.

:func:`acks_failover_demo` is the Kafka "Replication" section's trade-off in one run: a record
acknowledged with ``acks=1`` is gone when the leader fails before a follower fetched it.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.replication import (ACKS, CONTROLLER, Metadata, MetadataResult, Produce, ProduceResult,
                                              replicated_sim)
from dsworkbook.sim import Node

__all__ = ["Producer", "acks_failover_demo"]


class Producer(Node):
    """Produces ``messages`` records with ``acks``; ``acked`` holds the ids the broker acknowledged."""

    def __init__(self, node_id: str, *, messages: int = 10, acks: Any = "all", idempotent: bool = True,
                 start_at: float = 20.0, timeout: float = 40.0, backoff: float = 10.0, every: float = 0.0) -> None:
        super().__init__(node_id)
        if acks not in ACKS:
            raise ConfigError(f"acks must be one of {ACKS} (Kafka producer config), got {acks!r}")
        if isinstance(messages, bool) or not isinstance(messages, int) or messages < 0:
            raise ConfigError(f"messages must be an int >= 0, got {messages!r}")
        self.messages, self.acks, self.idempotent = messages, acks, idempotent
        self.start_at, self.timeout, self.backoff, self.every = start_at, timeout, backoff, every
        self.acked: list[str] = []
        self.attempts = 0

    def on_start(self) -> None:
        self.i, self.req, self.leader = 0, 0, None
        self.set_timer("metadata", self.start_at)

    def _msg_id(self) -> str:
        return f"m{self.i}"

    def on_timer(self, name: Any) -> None:
        if name == "metadata":
            self.req += 1
            self.send(CONTROLLER, Metadata(self.req))
            self.set_timer(("timeout", self.req), self.timeout)
        elif name == "send":
            self._send()
        elif isinstance(name, tuple) and name[1] == self.req:  # no answer: the leader may have moved
            self.set_timer("metadata", self.backoff)

    def _send(self) -> None:
        if self.i >= self.messages:
            return
        if self.leader is None:
            self.set_timer("metadata", self.backoff)
            return
        self.req += 1
        self.attempts += 1
        pid, seq = (self.id, self.i) if self.idempotent else (None, None)
        self.send(self.leader, Produce(self.req, self._msg_id(), f"value-{self.i}", self.acks, pid, seq))
        if self.acks == 0:
            self._done()
        else:
            self.set_timer(("timeout", self.req), self.timeout)

    def _done(self) -> None:
        self.acked.append(self._msg_id())
        self.note(acked=self._msg_id())
        self.i += 1
        self.set_timer("send", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        if getattr(msg, "req_id", None) != self.req:
            return
        self.cancel_timer(("timeout", self.req))
        if isinstance(msg, MetadataResult):
            self.leader = msg.leader
            self.set_timer("send", 0.0) if msg.leader is not None else self.set_timer("metadata", self.backoff)
        elif isinstance(msg, ProduceResult):
            if msg.error is None:
                self._done()
            elif msg.error == "NOT_LEADER":
                self.set_timer("metadata", self.backoff)
            else:  # NOT_ENOUGH_REPLICAS, OUT_OF_ORDER_SEQUENCE...: try again later
                self.set_timer("send", self.backoff)


def acks_failover_demo(acks: Any, *, seed: int = 1, writes: int = 5) -> dict[str, Any]:
    """The leader b1 is cut off from its followers, takes ``writes`` records, then crashes; b2 takes over.

    With ``acks=1`` the leader acknowledged records no follower had: after failover they are
    gone, and b1 truncates them when it returns. With ``acks="all"`` (and ``min.insync.replicas=2``)
    none of them was acknowledged, so nothing acknowledged is lost; the producer retries them
    on the new leader.
    """
    if acks not in ACKS:
        raise ConfigError(f"acks must be one of {ACKS}, got {acks!r}")
    sim = replicated_sim(seed, min_insync=2)
    sim.add_node("p", Producer, messages=writes, acks=acks, idempotent=False, start_at=100.0)
    sim.run(until=90.0)
    for f in ("b2", "b3"):
        sim.net.cut("b1", f)
    sim.run(until=150.0)
    sim.crash("b1")
    sim.run(until=400.0)
    sim.net.heal()
    sim.restart("b1")
    sim.run(until=800.0)
    acked = list(sim.node("p").acked)
    leader = sim.node(CONTROLLER).leader
    log = [e.msg_id for e in sim.node(leader).log]
    return {"acks": acks, "acked": acked, "leader": leader, "lost": [m for m in acked if m not in log], "log": log,
            "b1_log": [e.msg_id for e in sim.node("b1").log]}
