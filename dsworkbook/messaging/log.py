"""A partitioned, append-only log: topics, key -> partition, offsets, retention, consumer groups (Q11).

Theory of operation
-------------------
A **topic** is split into ``P`` **partitions**; each partition is an append-only sequence of
records numbered by **offset** (Kafka documentation, "Introduction: Topics and Logs" and
design section 4.2 "Persistence"). A keyed record goes to ``murmur2(key) & 0x7fffffff mod P``:
the hash of Kafka's default partitioner (``Utils.murmur2``, pinned by the vectors of Kafka's
``UtilsTest.testMurmur2``), which - unlike Python's salted ``hash()`` - is the same in every
process and every language. So all records of one key land in one partition, in the order they
were appended, and **per-key order is kept while global order is not**
(:func:`ordering_demo`): two partitions are read by different consumers at different speeds.

Retention removes the oldest records by count or by age (Kafka topic configs ``retention.ms``
and ``retention.bytes``; here a record count stands for bytes). Offsets are never reused: the
*log start offset* moves forward, and reading below it is an :class:`OffsetOutOfRange` error
unless a reset policy says where to go (consumer config ``auto.offset.reset``: ``earliest``,
``latest``, ``none``).

A **consumer group** keeps one *committed offset* per partition - the offset of the next record
to read, as in the Kafka design section "Consumer Position" ("the position of the consumer in
each partition is just a single integer, the offset of the next message to consume"). Because
the position is just an integer, a consumer can *seek* back and replay. A commit beyond the
log end is refused: it would skip records that do not exist yet.

This module is pure data (no simulator); :mod:`.replication` runs one partition's replicas on
the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from dsworkbook.errors import ConfigError

__all__ = ["murmur2", "partition_for", "Record", "OffsetOutOfRange", "UnknownTopic", "PartitionLog",
           "LogCluster", "ConsumerGroup", "RESET_POLICIES", "ordering_demo"]

RESET_POLICIES = ("earliest", "latest", "none")
_M32 = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 (``org.apache.kafka.common.utils.Utils.murmur2``) as a signed int."""
    if isinstance(data, str):
        data = data.encode()
    if not isinstance(data, (bytes, bytearray)):
        raise ConfigError(f"murmur2 hashes bytes or str, got {type(data).__name__}")
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & _M32
    for i in range(0, length - length % 4, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & _M32
        k ^= k >> r
        k = (k * m) & _M32
        h = ((h * m) & _M32) ^ k
    tail, rest = length & ~3, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & _M32
    h ^= h >> 13
    h = (h * m) & _M32
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for(key: Any, partitions: int) -> int:
    """The partition of ``key``: ``toPositive(murmur2(key)) % partitions`` as Kafka's default partitioner."""
    _check_partitions(partitions)
    if key is None:
        raise ConfigError("a record without a key has no hash partition; Kafka spreads such records "
                          "(sticky partitioner) - give a key to keep per-key order")
    return (murmur2(str(key).encode()) & 0x7FFFFFFF) % partitions


def _check_partitions(partitions: Any) -> int:
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ConfigError(f"a topic needs a partition count >= 1, got {partitions!r}")
    return partitions


def _check_offset(offset: Any, what: str = "offset") -> int:
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ConfigError(f"{what} must be an int >= 0 (offsets count records from 0), got {offset!r}")
    return offset


class OffsetOutOfRange(ConfigError):
    """A read below the log start offset (retention deleted it) or above the log end."""


class UnknownTopic(ConfigError):
    """A topic that was never created."""


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a partition: its offset, key, value and append time (ms)."""

    offset: int
    key: Any
    value: Any
    timestamp: float = 0.0


class PartitionLog:
    """One partition: records at offsets ``[log_start, log_end)``, oldest removed by retention."""

    def __init__(self, *, retention_count: int | None = None, retention_ms: float | None = None) -> None:
        if retention_count is not None and (isinstance(retention_count, bool) or not isinstance(retention_count, int)
                                            or retention_count < 1):
            raise ConfigError(f"retention_count must be an int >= 1 or None, got {retention_count!r}")
        if retention_ms is not None and (not isinstance(retention_ms, (int, float)) or retention_ms <= 0):
            raise ConfigError(f"retention_ms must be > 0 or None, got {retention_ms!r}")
        self.retention_count, self.retention_ms = retention_count, retention_ms
        self.records: list[Record] = []
        self.log_start = 0

    @property
    def log_end(self) -> int:
        """The offset the next appended record gets."""
        return self.log_start + len(self.records)

    def append(self, key: Any, value: Any, now: float = 0.0) -> int:
        offset = self.log_end
        self.records.append(Record(offset, key, value, float(now)))
        self.apply_retention(now)
        return offset

    def apply_retention(self, now: float) -> int:
        """Drop records past retention; returns how many went. The log start offset moves, offsets stay."""
        drop = 0
        if self.retention_count is not None:
            drop = max(0, len(self.records) - self.retention_count)
        if self.retention_ms is not None:
            while drop < len(self.records) and now - self.records[drop].timestamp > self.retention_ms:
                drop += 1
        if drop:
            del self.records[:drop]
            self.log_start += drop
        return drop

    def read(self, offset: int, max_records: int = 100) -> list[Record]:
        """Records from ``offset`` on (at most ``max_records``); raises below the log start or past the end."""
        _check_offset(offset)
        if offset < self.log_start:
            raise OffsetOutOfRange(f"offset {offset} is below the log start offset {self.log_start} (retention "
                                   "deleted it); seek to an offset >= log start or use reset policy earliest/latest")
        if offset > self.log_end:
            raise OffsetOutOfRange(f"offset {offset} is past the log end offset {self.log_end}")
        i = offset - self.log_start
        return self.records[i:i + max_records]


class LogCluster:
    """Topics by name, each a list of :class:`PartitionLog`; keyed produce and offset reads."""

    def __init__(self, brokers: int = 3) -> None:
        if isinstance(brokers, bool) or not isinstance(brokers, int) or brokers < 1:
            raise ConfigError(f"brokers must be an int >= 1, got {brokers!r}")
        self.brokers = brokers
        self.topics: dict[str, list[PartitionLog]] = {}
        self.replication: dict[str, int] = {}

    def create_topic(self, name: str, partitions: int, *, replication_factor: int = 1,
                     retention_count: int | None = None, retention_ms: float | None = None) -> None:
        """Create ``name`` with ``partitions`` partitions, each to be kept on ``replication_factor`` brokers."""
        _check_partitions(partitions)
        if isinstance(replication_factor, bool) or not isinstance(replication_factor, int) or replication_factor < 1:
            raise ConfigError(f"replication_factor must be an int >= 1, got {replication_factor!r}")
        if replication_factor > self.brokers:
            raise ConfigError(f"replication factor {replication_factor} is larger than the {self.brokers} available "
                              "brokers (Kafka: INVALID_REPLICATION_FACTOR); lower it or add brokers")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"a topic name must be a non-empty string, got {name!r}")
        if name in self.topics:
            raise ConfigError(f"topic {name!r} already exists")
        self.replication[name] = replication_factor
        self.topics[name] = [PartitionLog(retention_count=retention_count, retention_ms=retention_ms)
                             for _ in range(partitions)]

    def partitions(self, topic: str) -> list[PartitionLog]:
        try:
            return self.topics[topic]
        except KeyError:
            raise UnknownTopic(f"unknown topic {topic!r}; create it first (known: {sorted(self.topics)})") from None

    def produce(self, topic: str, key: Any, value: Any, now: float = 0.0) -> tuple[int, int]:
        """Append to ``key``'s partition; returns ``(partition, offset)``."""
        parts = self.partitions(topic)
        p = partition_for(key, len(parts))
        return p, parts[p].append(key, value, now)

    def log(self, topic: str, partition: int) -> PartitionLog:
        parts = self.partitions(topic)
        if isinstance(partition, bool) or not isinstance(partition, int) or not 0 <= partition < len(parts):
            raise ConfigError(f"topic {topic!r} has partitions 0..{len(parts) - 1}, got {partition!r}")
        return parts[partition]


@dataclass
class ConsumerGroup:
    """A group's committed offsets and one consumer's positions on a :class:`LogCluster`.

    ``position`` is where the next :meth:`poll` reads; ``committed`` is what survives a crash
    (a restarted consumer resumes from it). ``reset`` is ``auto.offset.reset``.
    """

    cluster: LogCluster
    group_id: str
    reset: str = "earliest"
    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    position: dict[tuple[str, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reset not in RESET_POLICIES:
            raise ConfigError(f"reset policy must be one of {RESET_POLICIES}, got {self.reset!r}")

    def _start(self, tp: tuple[str, int]) -> int:
        log = self.cluster.log(*tp)
        pos = self.position.get(tp, self.committed.get(tp))
        if pos is None or pos < log.log_start or pos > log.log_end:
            if self.reset == "none":
                raise OffsetOutOfRange(f"{tp}: position {pos} is outside [{log.log_start}, {log.log_end}] and the "
                                       "reset policy is none; seek, or use reset earliest/latest")
            pos = log.log_start if self.reset == "earliest" else log.log_end
        return pos

    def poll(self, topic: str, partition: int, max_records: int = 100) -> list[Record]:
        tp = (topic, partition)
        pos = self._start(tp)
        out = self.cluster.log(topic, partition).read(pos, max_records)
        self.position[tp] = pos + len(out)
        return out

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Move the position (replay from ``offset``); checked against the log on the next poll."""
        self.cluster.log(topic, partition)
        self.position[(topic, partition)] = _check_offset(offset)

    def commit(self, topic: str, partition: int, offset: int | None = None) -> None:
        """Commit ``offset`` (default: the current position) - the next record to read after a restart."""
        log = self.cluster.log(topic, partition)
        tp = (topic, partition)
        offset = self.position.get(tp, 0) if offset is None else _check_offset(offset)
        if offset > log.log_end:
            raise ConfigError(f"cannot commit offset {offset} for {tp}: the log ends at {log.log_end}; a commit "
                              "names the next record to read, at most the log end")
        self.committed[tp] = offset

    def restart(self) -> None:
        """A crash: positions are lost, committed offsets remain."""
        self.position.clear()


def ordering_demo(keys: Iterable[str] = ("alice", "bob", "carol", "dave"), per_key: int = 3,
                  partitions: int = 2) -> dict[str, Any]:
    """Produce ``per_key`` events per key in a global order, then read partition by partition.

    Returns the produced order, the order read, whether each key's events stayed in order
    (always true: one key, one partition) and whether the global order survived (false as
    soon as keys land in different partitions).
    """
    cluster = LogCluster()
    cluster.create_topic("events", partitions)
    keys = list(keys)
    produced = [(k, i) for i in range(per_key) for k in keys]
    for k, i in produced:
        cluster.produce("events", k, (k, i))
    group = ConsumerGroup(cluster, "readers")
    read = [r.value for p in range(partitions) for r in group.poll("events", p)]
    per_key_ok = all([v for v in read if v[0] == k] == [v for v in produced if v[0] == k] for k in keys)
    return {"produced": produced, "read": read, "per_key_order_kept": per_key_ok,
            "global_order_kept": read == produced,
            "partition_of": {k: partition_for(k, partitions) for k in keys}}
