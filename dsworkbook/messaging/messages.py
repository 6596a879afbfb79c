"""The wire messages of the replicated partition, its clients and the offset store (Q11).

Named after the Kafka protocol requests they stand for (``Produce``, ``Fetch``, ``Metadata``,
``OffsetCommit``, ``OffsetFetch``, ``AlterPartition`` as :class:`AlterIsr`, ``LeaderAndIsr``);
each is a frozen record. :class:`Entry` is one record of the log with the leader epoch it was
appended in and, for an idempotent producer, its producer id and sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Entry", "Produce", "ProduceResult", "Fetch", "FetchResult", "ReadRecords", "Records", "BrokerHeartbeat", "LeaderAndIsr", "AlterIsr", "AlterIsrResult", "Metadata", "MetadataResult", "OffsetCommit", "OffsetCommitted", "OffsetFetch", "OffsetFetched"]


@dataclass(frozen=True, slots=True)
class Entry:
    epoch: int
    msg_id: str
    value: Any = None
    producer: str | None = None
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Produce:
    req_id: int
    msg_id: str
    value: Any
    acks: Any = "all"
    producer: str | None = None  # set with seq: an idempotent produce
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class ProduceResult:
    req_id: int
    offset: int | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Fetch:
    replica: str
    offset: int
    last_epoch: int
    epoch: int


@dataclass(frozen=True, slots=True)
class FetchResult:
    epoch: int
    start: int
    entries: tuple
    hw: int
    truncate_to: int | None = None


@dataclass(frozen=True, slots=True)
class ReadRecords:
    req_id: int
    offset: int
    max_records: int = 5


@dataclass(frozen=True, slots=True)
class Records:
    req_id: int
    start: int
    entries: tuple
    hw: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BrokerHeartbeat:
    epoch: int


@dataclass(frozen=True, slots=True)
class LeaderAndIsr:
    epoch: int
    leader: str | None
    isr: tuple


@dataclass(frozen=True, slots=True)
class AlterIsr:
    epoch: int
    isr: tuple


@dataclass(frozen=True, slots=True)
class AlterIsrResult:
    epoch: int
    isr: tuple
    ok: bool


@dataclass(frozen=True, slots=True)
class Metadata:
    req_id: int


@dataclass(frozen=True, slots=True)
class MetadataResult:
    req_id: int
    leader: str | None
    epoch: int


@dataclass(frozen=True, slots=True)
class OffsetCommit:
    req_id: int
    group: str
    offset: int


@dataclass(frozen=True, slots=True)
class OffsetCommitted:
    req_id: int
    offset: int


@dataclass(frozen=True, slots=True)
class OffsetFetch:
    req_id: int
    group: str


@dataclass(frozen=True, slots=True)
class OffsetFetched:
    req_id: int
    offset: int
