"""The trace: every send, delivery, drop, timer, fault and client operation of a run.

Records are plain tuples ``(time, kind, node, peer, msg_id, detail)`` appended to a list, so
tracing costs one append on the hot path. ``kind`` is one of :data:`KINDS`. For a message,
``msg_id`` links its send to its delivery or drop (a duplicated message is delivered twice
under one id); ``detail`` holds the message, the timer name, or the reason for a drop.

:meth:`Trace.to_dataframe` gives the pandas view a reader analyses; :meth:`Trace.digest` is a
hash of the whole run used to show that the same seed gives the same trace, bit for bit.

Faults are also kept as data, in :attr:`Trace.faults`: one :class:`FaultRecord` per fault -
its kind, the nodes it touches, when it began and when it ended (``None`` while in force) and
its particulars (a partition's groups, a cut's link, a pause's length). Diagrams draw fault
periods from these records, never by reading the text of ``fault`` records back. They are
kept even when ``enabled`` is False (there are few of them).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Record", "Trace", "KINDS", "FaultRecord", "FAULT_RECORD_KINDS"]

#: What a :class:`FaultRecord` can be.
FAULT_RECORD_KINDS = ("crash", "pause", "partition", "cut", "clock", "network")

KINDS = (
    "send",  # node -> peer, detail = message
    "deliver",  # delivered at node from peer, detail = message
    "drop",  # a message lost, detail = reason: loss, partition, node down, ...
    "duplicate",  # the network made a second copy of msg_id
    "timer",  # a timer fired at node, detail = timer name
    "persist",  # node wrote durable state, detail = the values
    "note",  # a node-reported state change, detail = fields
    "fault",  # crash, restart, pause, resume, partition, heal, clock change; detail = text
    "invoke",  # a client operation began, detail = op
    "complete",  # a client operation ended, detail = (outcome, value)
)


class Record(NamedTuple):
    time: float
    kind: str
    node: str | None
    peer: str | None
    msg_id: int | None
    detail: Any


@dataclasses.dataclass
class FaultRecord:
    """One fault as data: what, on which nodes, from ``start`` to ``end`` (None: still in force).

    ``detail`` holds the particulars: a partition's groups (tuples of node ids, the unnamed
    rest included), a cut's ``(src, dst)``, a pause's planned length, a clock change's
    ``("jump", delta)`` / ``("drift", d)`` / ``("offset", o)``, a network change's settings,
    and for a crash that tore a handler, ``("torn", kept, of)``.
    """

    kind: str
    nodes: tuple[str, ...]
    start: float
    end: float | None = None
    detail: Any = None

    @property
    def open(self) -> bool:
        return self.end is None

    def label(self) -> str:
        """Short text for a diagram: ``{n1,n2} | {n3}``, ``cut n1→n2``, ``crash n1``..."""
        if self.kind == "partition":
            return " | ".join("{" + ",".join(sorted(g)) + "}" for g in self.detail)
        if self.kind == "cut":
            return f"cut {self.detail[0]}→{self.detail[1]}"
        return f"{self.kind} {','.join(self.nodes)}"


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _stable_repr(value: Any) -> str:
    """``repr`` that is the same in every process: sets are sorted, memory addresses refused.

    A set's iteration order depends on string hashing, which Python randomises per process, so
    two runs that are identical would otherwise hash differently.
    """
    if isinstance(value, (set, frozenset)):
        inner = ", ".join(sorted(_stable_repr(v) for v in value))
        return f"{type(value).__name__}({{{inner}}})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_stable_repr(k)}: {_stable_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        inner = ", ".join(_stable_repr(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ", ".join(f"{f.name}={_stable_repr(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__name__}({inner})"
    text = repr(value)
    if _ADDRESS.search(text):
        raise ConfigError(
            f"cannot hash a trace holding {text}: its repr contains a memory address, which "
            "changes from run to run. Give the message type a stable repr (a dataclass has one)."
        )
    return text


class Trace:
    """An append-only log of a run. ``enabled=False`` records nothing (for huge fuzz runs)."""

    __slots__ = ("records", "enabled", "faults")

    def __init__(self, enabled: bool = True) -> None:
        self.records: list[tuple] = []
        self.enabled = enabled
        self.faults: list[FaultRecord] = []

    def fault_began(self, kind: str, nodes: tuple[str, ...], time: float, detail: Any = None, *,
                    end: float | None = None) -> FaultRecord:
        """Record the start of a fault (``end`` given for an instantaneous one)."""
        if kind not in FAULT_RECORD_KINDS:
            raise ConfigError(f"unknown fault record kind {kind!r}; kinds are {list(FAULT_RECORD_KINDS)}")
        rec = FaultRecord(kind, tuple(nodes), time, end, detail)
        self.faults.append(rec)
        return rec

    def fault_ended(self, kind: str, time: float, *, nodes: tuple[str, ...] | None = None,
                    detail: Any = None) -> list[FaultRecord]:
        """Close the open faults of ``kind`` (only those on ``nodes`` / with ``detail``, if given)."""
        closed = []
        for rec in self.faults:
            if (rec.end is None and rec.kind == kind and (nodes is None or rec.nodes == tuple(nodes))
                    and (detail is None or rec.detail == detail)):
                rec.end = time
                closed.append(rec)
        return closed

    def fault_periods(self, *kinds: str) -> list[FaultRecord]:
        """The fault records of the given kinds (all kinds if none given), in the order they began."""
        return [r for r in self.faults if not kinds or r.kind in kinds]

    def add(self, time: float, kind: str, node: str | None = None, peer: str | None = None,
            msg_id: int | None = None, detail: Any = None) -> None:
        if self.enabled:
            self.records.append((time, kind, node, peer, msg_id, detail))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return (Record(*r) for r in self.records)

    def of_kind(self, *kinds: str) -> list[Record]:
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ConfigError(f"unknown trace kind(s) {sorted(unknown)}; kinds are {list(KINDS)}")
        return [Record(*r) for r in self.records if r[1] in kinds]

    def notes(self, node: str | None = None, key: str | None = None) -> list[Record]:
        """The ``note`` records (state changes nodes reported), of one node and/or holding ``key``."""
        return [Record(*r) for r in self.records
                if r[1] == "note" and (node is None or r[2] == node) and (key is None or key in r[5])]

    def digest(self) -> str:
        """SHA-256 of the whole trace: equal digests mean identical runs."""
        h = hashlib.sha256()
        for rec in self.records:
            h.update(_stable_repr(rec).encode())
            h.update(b"\n")
        return h.hexdigest()

    def to_dataframe(self) -> "pd.DataFrame":
        """One row per record: time, kind, node, peer, msg_id, detail (as text)."""
        import pandas as pd

        rows = [
            (t, k, n, p, m, "" if d is None else (d if isinstance(d, str) else repr(d)))
            for (t, k, n, p, m, d) in self.records
        ]
        df = pd.DataFrame(rows, columns=["time", "kind", "node", "peer", "msg_id", "detail"])
        df["msg_id"] = df["msg_id"].astype("Int64")
        return df

    def messages(self) -> "pd.DataFrame":
        """One row per message copy: send time, delivery (or drop) time, latency, outcome.

        The columns are ``msg_id, src, dst, sent, arrived, latency, outcome, reason, message``;
        ``outcome`` is ``delivered`` or ``dropped`` (``reason`` says why); a duplicated message
        has one row per copy. Messages still in flight when the run stopped have outcome
        ``in flight``.
        """
        import pandas as pd

        sends: dict[int, tuple] = {}
        rows: list[tuple] = []
        ended: dict[int, int] = {}
        for t, kind, node, peer, mid, detail in self.records:
            if kind == "send":
                sends[mid] = (t, node, peer, detail)
            elif kind == "deliver" or (kind == "drop" and mid is not None):
                sent_at, src, dst, msg = sends[mid]
                ended[mid] = ended.get(mid, 0) + 1
                delivered = kind == "deliver"
                rows.append((mid, src, dst, sent_at, t, t - sent_at,
                             "delivered" if delivered else "dropped",
                             "" if delivered else str(detail), repr(msg)))
        copies: dict[int, int] = {}
        for t, kind, node, peer, mid, detail in self.records:
            if kind == "duplicate":
                copies[mid] = copies.get(mid, 1) + 1
        for mid, (sent_at, src, dst, msg) in sends.items():
            missing = copies.get(mid, 1) - ended.get(mid, 0)
            for _ in range(max(missing, 0)):
                rows.append((mid, src, dst, sent_at, float("nan"), float("nan"), "in flight", "", repr(msg)))
        cols = ["msg_id", "src", "dst", "sent", "arrived", "latency", "outcome", "reason", "message"]
        return pd.DataFrame(rows, columns=cols).sort_values(["msg_id", "arrived"], kind="stable").reset_index(drop=True)
