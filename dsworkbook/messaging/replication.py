"""One partition replicated on brokers: leader, followers that fetch, ISR, high watermark, acks, failover (Q11).

Theory of operation
-------------------
This follows the Kafka documentation, design section 4.8 "Replication". Each partition has one
**leader** and followers; followers *fetch* from the leader like consumers. The leader tracks
the **in-sync replicas** (ISR): a follower that has not caught up to the leader's log end for
``lag_max`` ms (``replica.lag.time.max.ms``) leaves the ISR; one that catches up joins again.
A record is *committed* when every ISR member has it; the offset below which everything is
committed is the **high watermark** (HW), and consumers read only up to it ("only committed
messages are ever given out to the consumer"). A producer chooses ``acks`` (producer config):
``0`` no answer, ``1`` the leader's own append, ``all`` (``-1``) the whole ISR, and
``min_insync`` (topic config ``min.insync.replicas``) refuses ``acks=all`` writes while the ISR
is smaller (``NOT_ENOUGH_REPLICAS``), and answers ``NOT_ENOUGH_REPLICAS_AFTER_APPEND`` to one that
was appended before the ISR shrank (the record stays; the producer retries). When the leader fails, a new one is chosen **from the ISR** (no unclean election:
``unclean.leader.election.enable=false``), so committed records survive. A record acknowledged
with ``acks=1`` but not yet fetched is lost on failover (:func:`dsworkbook.messaging.producer.acks_failover_demo`).

Nodes
-----
* :class:`Controller` (``ctl``) watches broker heartbeats (a session timeout, as KRaft's
  ``broker.session.timeout.ms``), elects leaders from the ISR, bumps the *leader epoch* and
  accepts ISR changes only from the current leader (``AlterPartition``, Kafka KIP-497); a leader
  uses a shrunk ISR for the HW only after the controller accepted it, and an enlarged one at
  once (the larger set is the safe side). It also stores consumer groups' committed offsets -
  standing for Kafka's replicated ``__consumer_offsets`` topic - and is not crashed in this model.
* :class:`Broker` keeps its log durable (one ``Persist`` per append). A follower's fetch names
  its last entry's leader epoch; if the leader's log diverges there, the leader answers with
  the offset to truncate to - the end of that epoch in its own log (Kafka KIP-101,
  ``OffsetsForLeaderEpoch``), so a returning old leader drops what was never committed.
* Idempotent produce (producer config ``enable.idempotence``; design section 4.6 "Message
  Delivery Semantics"): records carry a producer id and a per-partition sequence number; the
  leader answers a repeated sequence with the first append's offset instead of appending again.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.messages import (AlterIsr, AlterIsrResult, BrokerHeartbeat, Entry, Fetch, FetchResult,
                                           LeaderAndIsr, Metadata, MetadataResult, OffsetCommit, OffsetCommitted,
                                           OffsetFetch, OffsetFetched, Produce, ProduceResult, ReadRecords, Records)
from dsworkbook.sim import Node, Simulation

__all__ = ["Entry", "Produce", "ProduceResult", "Fetch", "FetchResult", "ReadRecords", "Records", "BrokerHeartbeat",
           "LeaderAndIsr", "AlterIsr", "AlterIsrResult", "Metadata", "MetadataResult", "OffsetCommit",
           "OffsetCommitted", "OffsetFetch", "OffsetFetched", "Controller", "Broker", "ACKS", "CONTROLLER",
           "broker_names", "replicated_sim"]

ACKS = (0, 1, "all")
CONTROLLER = "ctl"


def broker_names(n: int) -> list[str]:
    return [f"b{i}" for i in range(1, n + 1)]


class Controller(Node):
    """Elects partition leaders from the ISR on broker session timeouts; stores group offsets."""

    def __init__(self, node_id: str, *, brokers: tuple, tick: float = 10.0, session_timeout: float = 60.0) -> None:
        super().__init__(node_id)
        self.brokers, self.tick, self.session_timeout = tuple(brokers), tick, session_timeout
        self.last_seen: dict[str, float] = {}

    def on_start(self) -> None:
        st = self.storage
        self.epoch = st.get("epoch", 1)
        self.leader = st.get("leader", self.brokers[0])
        self.isr = st.get("isr", self.brokers)
        self.offsets: dict[str, int] = dict(st.get("offsets", {}))
        self.last_seen = {b: self.now() for b in self.brokers}
        self._publish()
        self.set_timer("tick", self.tick)

    def _publish(self) -> None:
        self.persist(epoch=self.epoch, leader=self.leader, isr=self.isr)
        self.note(epoch=self.epoch, leader=self.leader, isr=self.isr)
        for b in self.brokers:
            self.send(b, LeaderAndIsr(self.epoch, self.leader, self.isr))

    def _alive(self, b: str) -> bool:
        return self.now() - self.last_seen.get(b, -1e18) <= self.session_timeout

    def on_timer(self, name: Any) -> None:
        self.set_timer("tick", self.tick)
        if self.leader is not None and self._alive(self.leader):
            return
        candidates = [b for b in self.isr if self._alive(b)]
        if self.leader is None and not candidates:
            return
        old = self.leader
        self.epoch += 1
        self.leader = candidates[0] if candidates else None
        if self.leader is not None:  # the failed leader leaves the ISR; unclean election stays off
            self.isr = tuple(b for b in self.isr if b != old)
        self._publish()

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, BrokerHeartbeat):
            self.last_seen[src] = self.now()
            if msg.epoch != self.epoch:
                self.send(src, LeaderAndIsr(self.epoch, self.leader, self.isr))
        elif isinstance(msg, AlterIsr):
            ok = src == self.leader and msg.epoch == self.epoch and src in msg.isr
            if ok:
                self.isr = tuple(msg.isr)
                self.persist(isr=self.isr)
                self.note(epoch=self.epoch, leader=self.leader, isr=self.isr)
            self.send(src, AlterIsrResult(self.epoch, self.isr, ok))
        elif isinstance(msg, Metadata):
            self.send(src, MetadataResult(msg.req_id, self.leader, self.epoch))
        elif isinstance(msg, OffsetCommit):
            self.offsets[msg.group] = msg.offset
            self.persist(offsets=dict(self.offsets))
            self.send(src, OffsetCommitted(msg.req_id, msg.offset))
        elif isinstance(msg, OffsetFetch):
            self.send(src, OffsetFetched(msg.req_id, self.offsets.get(msg.group, 0)))


class Broker(Node):
    """A replica of one partition: leader or follower as the controller's latest epoch says."""

    def __init__(self, node_id: str, *, heartbeat: float = 15.0, fetch_every: float = 5.0, lag_max: float = 80.0,
                 min_insync: int = 1, max_fetch: int = 10) -> None:
        super().__init__(node_id)
        if isinstance(min_insync, bool) or not isinstance(min_insync, int) or min_insync < 1:
            raise ConfigError(f"min_insync must be an int >= 1, got {min_insync!r}")
        self.heartbeat, self.fetch_every, self.lag_max = heartbeat, fetch_every, lag_max
        self.min_insync, self.max_fetch = min_insync, max_fetch
        self.epoch, self.leader, self.isr = 0, None, ()
        self.hw = 0
        self.log: list[Entry] = []

    # -- shared -------------------------------------------------------------------------------------------
    def on_start(self) -> None:
        self.log = list(self.storage.get("log", ()))
        self._producers()
        self.set_timer("heartbeat", 0.0)

    def _producers(self) -> None:
        self.seqs: dict[str, tuple[int, int]] = {}
        for off, e in enumerate(self.log):
            if e.producer is not None:
                self.seqs[e.producer] = (e.seq, off)

    @property
    def is_leader(self) -> bool:
        return self.leader == self.id

    def on_timer(self, name: Any) -> None:
        if name == "heartbeat":
            self.send(CONTROLLER, BrokerHeartbeat(self.epoch))
            self.set_timer("heartbeat", self.heartbeat)
        elif name == "fetch" and not self.is_leader and self.leader is not None:
            last = self.log[-1].epoch if self.log else 0
            self.send(self.leader, Fetch(self.id, len(self.log), last, self.epoch))
            self.set_timer("fetch", self.fetch_every)
        elif name == "lag" and self.is_leader:
            self.set_timer("lag", self.lag_max / 4)
            self._check_lag()

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, LeaderAndIsr):
            self._become(msg)
        elif isinstance(msg, Produce):
            self._produce(src, msg)
        elif isinstance(msg, Fetch):
            self._fetch(src, msg)
        elif isinstance(msg, FetchResult):
            self._fetched(msg)
        elif isinstance(msg, ReadRecords):
            if not self.is_leader:
                self.send(src, Records(msg.req_id, msg.offset, (), self.hw, "NOT_LEADER"))
            else:
                start = msg.offset  # nothing at or past the high watermark is given out
                self.send(src, Records(msg.req_id, start, tuple(self.log[start:min(self.hw, start + msg.max_records)]),
                                       self.hw))
        elif isinstance(msg, AlterIsrResult):
            if msg.epoch == self.epoch and self.is_leader:
                self.isr, self.pending_isr = tuple(msg.isr), None
                self._advance()

    def _become(self, msg: LeaderAndIsr) -> None:
        if msg.epoch < self.epoch:
            return
        new_term = msg.epoch > self.epoch or not self.is_leader
        self.epoch, self.leader, self.isr = msg.epoch, msg.leader, tuple(msg.isr)
        self.note(epoch=self.epoch, leader=self.leader, role="leader" if self.is_leader else "follower")
        if self.is_leader:
            self.cancel_timer("fetch")
            if new_term:
                self.leo = {b: 0 for b in self.isr}
                self.caught_up = {b: self.now() for b in self.isr}
                self.pending: list[tuple[int, str, int]] = []
                self.pending_isr: tuple | None = None
            self.set_timer("lag", self.lag_max / 4)
            self._advance()  # an ISR of the leader alone commits what it has at once
        else:
            self.cancel_timer("lag")
            self.set_timer("fetch", 0.0)

    # -- leader -------------------------------------------------------------------------------------------
    def _produce(self, src: str, msg: Produce) -> None:
        if not self.is_leader:
            self.send(src, ProduceResult(msg.req_id, None, "NOT_LEADER"))
            return
        if msg.acks == "all" and len(self.isr) < self.min_insync:
            self.send(src, ProduceResult(msg.req_id, None, "NOT_ENOUGH_REPLICAS"))
            return
        if msg.producer is not None:
            last_seq, last_off = self.seqs.get(msg.producer, (-1, -1))
            if msg.seq <= last_seq:  # a retry of an appended record: answer with the first offset
                offset = last_off if msg.seq == last_seq else None
                self._answer(src, msg, offset)
                return
            if msg.seq > last_seq + 1:
                self.send(src, ProduceResult(msg.req_id, None, "OUT_OF_ORDER_SEQUENCE"))
                return
        offset = len(self.log)
        self.log.append(Entry(self.epoch, msg.msg_id, msg.value, msg.producer, msg.seq))
        if msg.producer is not None:
            self.seqs[msg.producer] = (msg.seq, offset)
        self.persist(log=tuple(self.log))
        self._answer(src, msg, offset)
        self._advance()

    def _answer(self, src: str, msg: Produce, offset: int | None) -> None:
        if msg.acks == 0:
            return
        if msg.acks == 1 or (offset is not None and offset < self.hw):
            self.send(src, ProduceResult(msg.req_id, offset))
        elif offset is None:
            self.send(src, ProduceResult(msg.req_id, None, "DUPLICATE_SEQUENCE"))
        else:
            self.pending.append((offset, src, msg.req_id))

    def _fetch(self, src: str, msg: Fetch) -> None:
        if not self.is_leader or msg.epoch != self.epoch:
            return  # the follower learns the current epoch from the controller
        if msg.offset > 0 and (msg.offset > len(self.log) or self.log[msg.offset - 1].epoch != msg.last_epoch):
            end = next((i for i, e in enumerate(self.log) if e.epoch > msg.last_epoch), len(self.log))
            self.send(src, FetchResult(self.epoch, min(end, msg.offset), (), self.hw, min(end, msg.offset)))
            return
        self.leo[src] = msg.offset
        if msg.offset >= len(self.log):
            self.caught_up[src] = self.now()
            if src not in self.isr and self.pending_isr is None:
                self._propose(self.isr + (src,))
        self.send(src, FetchResult(self.epoch, msg.offset, tuple(self.log[msg.offset:msg.offset + self.max_fetch]),
                                   self.hw))
        self._advance()

    def _propose(self, isr: tuple) -> None:
        self.pending_isr = isr
        self.send(CONTROLLER, AlterIsr(self.epoch, isr))

    def _check_lag(self) -> None:
        if self.pending_isr is not None:
            return
        late = [b for b in self.isr if b != self.id and self.now() - self.caught_up.get(b, -1e18) > self.lag_max]
        if late:
            self._propose(tuple(b for b in self.isr if b not in late))

    def _advance(self) -> None:
        members = set(self.isr) | set(self.pending_isr or ())  # the larger set until a shrink is accepted
        ends = [len(self.log) if b == self.id else self.leo.get(b, 0) for b in members]
        hw = min(ends)
        if hw > self.hw:
            self.hw = hw
            keep = []
            for offset, src, req in self.pending:
                if offset >= hw:
                    keep.append((offset, src, req))
                elif len(self.isr) < self.min_insync:
                    # committed by an ISR smaller than min.insync.replicas: the record stays, the
                    # producer is told it is not durable enough (Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND)
                    self.send(src, ProduceResult(req, None, "NOT_ENOUGH_REPLICAS_AFTER_APPEND"))
                else:
                    self.send(src, ProduceResult(req, offset))
            self.pending = keep

    # -- follower -----------------------------------------------------------------------------------------
    def _fetched(self, msg: FetchResult) -> None:
        if msg.epoch != self.epoch or self.is_leader:
            return
        if msg.truncate_to is not None:
            if msg.truncate_to < len(self.log):
                self.note(truncate=msg.truncate_to, lost=[e.msg_id for e in self.log[msg.truncate_to:]])
                del self.log[msg.truncate_to:]
                self._producers()
                self.persist(log=tuple(self.log))
        elif msg.start == len(self.log) and msg.entries:
            self.log.extend(msg.entries)
            self._producers()
            self.persist(log=tuple(self.log))
        self.hw = max(self.hw, min(msg.hw, len(self.log)))


def replicated_sim(seed: int, *, brokers: int = 3, min_insync: int = 1, latency: tuple = (1.0, 5.0),
                   trace: bool = True, **broker_kwargs: Any) -> Simulation:
    """A controller and ``brokers`` replicas of one partition (b1 leads first)."""
    if isinstance(brokers, bool) or not isinstance(brokers, int) or brokers < 1:
        raise ConfigError(f"brokers must be an int >= 1, got {brokers!r}")
    if min_insync > brokers:
        raise ConfigError(f"replication factor {brokers} is below min_insync={min_insync}: acks=all could never "
                          "succeed; lower min_insync or add brokers")
    sim = Simulation(seed, latency=latency, trace=trace)
    names = broker_names(brokers)
    sim.add_node(CONTROLLER, Controller, brokers=tuple(names))
    for b in names:
        sim.add_node(b, Broker, min_insync=min_insync, **broker_kwargs)
    return sim
