"""A Raft run as a sequence of frames: what every server looked like at each moment.

Theory of operation
-------------------
:func:`frames` replays a finished run's trace once and takes a :class:`Frame` every ``step``
ms: for each server its status (up, down, paused), role, term, log (the terms of its entries)
and commit index, rebuilt from the trace notes and faults alone; the messages in flight at
that instant (sent, not yet delivered or dropped), each with how far along its journey it is;
the network's partition; and which safety properties had broken so far
(:func:`~dsworkbook.consensus.raft_invariants.check_safety` run once, its violations placed
in time). A widget can then move back and forth through the run without running anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsworkbook.consensus.raft_invariants import PROPERTIES, SafetyReport, check_safety
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

__all__ = ["ServerView", "InFlight", "Frame", "frames"]


@dataclass(frozen=True)
class ServerView:
    status: str
    role: str
    term: int
    log: tuple[int, ...]
    commit: int


@dataclass(frozen=True)
class InFlight:
    src: str
    dst: str
    kind: str
    progress: float
    fate: str  # "delivered" or "dropped"


@dataclass(frozen=True)
class Frame:
    time: float
    servers: dict[str, ServerView]
    messages: tuple[InFlight, ...]
    network: str
    broken: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def leaders(self) -> dict[str, int]:
        return {n: v.term for n, v in self.servers.items() if v.role == "leader" and v.status != "down"}


class _State:
    def __init__(self, servers: list[str]) -> None:
        self.status = {n: "up" for n in servers}
        self.role = {n: "follower" for n in servers}
        self.term = {n: 0 for n in servers}
        self.log: dict[str, list[int]] = {n: [] for n in servers}
        self.commit = {n: 0 for n in servers}
        self.partition = ""
        self.cuts: list[str] = []

    @property
    def network(self) -> str:
        parts = [self.partition] if self.partition else []
        if self.cuts:
            parts.append("cut " + ", ".join(self.cuts))
        return "; ".join(parts) or "connected"

    def apply(self, kind: str, node: str | None, detail: Any) -> None:
        if kind == "note" and node in self.role:
            if "role" in detail:
                self.role[node], self.term[node] = detail["role"], detail["term"]
                if detail.get("start"):
                    self.commit[node] = 0
            if "log" in detail:
                del self.log[node][detail["log"] - 1:]
                self.log[node].extend(e.term for e in detail["entries"])
            if "commit" in detail:
                self.commit[node] = detail["commit"]
        elif kind == "fault":
            self.fault(node, str(detail))

    def fault(self, node: str | None, text: str) -> None:
        if node in self.status:
            if text == "crash":
                self.status[node] = "down"
            elif text in ("restart", "resume"):
                self.status[node] = "up"
            elif text.startswith("pause"):
                self.status[node] = "paused"
        elif node is None and text == "heal":
            self.partition, self.cuts = "", []
        elif node is None and text.startswith("partition"):
            self.partition = text
        elif node is None and text.startswith("cut "):
            self.cuts.append(text[4:].replace("->", "→"))
        elif node is None and text.startswith("restore "):
            pair = text[8:].replace(" and back", "").replace("->", "→")
            self.cuts = [c for c in self.cuts if not c.startswith(pair)]

    def snapshot(self, t: float, flight: tuple[InFlight, ...], broken: tuple[str, ...]) -> Frame:
        views = {n: ServerView(self.status[n], self.role[n], self.term[n], tuple(self.log[n]), self.commit[n])
                 for n in self.status}
        return Frame(t, views, flight, self.network, broken)


def _messages(records: list[tuple], servers: set[str]) -> list[tuple[float, float, str, str, str, str]]:
    """(sent, ended, src, dst, kind, fate) for every message copy between servers."""
    sent: dict[int, tuple[float, str, str, str]] = {}
    out = []
    for t, kind, node, peer, mid, detail in records:
        if kind == "send" and node in servers and peer in servers:
            sent[mid] = (t, node, peer, type(detail).__name__)
        elif kind in ("deliver", "drop") and mid in sent:
            s = sent[mid]
            out.append((s[0], t, s[1], s[2], s[3], "delivered" if kind == "deliver" else "dropped"))
    return sorted(out)


def frames(sim: Simulation, *, step: float = 5.0, report: SafetyReport | None = None) -> list[Frame]:
    """One :class:`Frame` every ``step`` ms from 0 to the end of the run."""
    if not step > 0:
        raise ConfigError(f"step must be > 0 ms, got {step!r}")
    servers = [n for n in sim.node_ids if n.startswith("n")]
    report = report if report is not None else check_safety(sim)
    state = _State(servers)
    msgs = _messages(sim.trace.records, set(servers))
    records = sim.trace.records
    out: list[Frame] = []
    i = m = 0
    t = 0.0
    end = sim.now
    active: list[tuple[float, float, str, str, str, str]] = []
    while t <= end + 1e-9:
        while i < len(records) and records[i][0] <= t:
            r = records[i]
            state.apply(r[1], r[2], r[5])
            i += 1
        while m < len(msgs) and msgs[m][0] <= t:
            active.append(msgs[m])
            m += 1
        active = [a for a in active if a[1] > t]
        flight = tuple(InFlight(src, dst, kind, (t - s) / max(e - s, 1e-9), fate)
                       for s, e, src, dst, kind, fate in active)
        broken = tuple(p for p in PROPERTIES if any(v.property == p and v.time <= t for v in report.violations))
        out.append(state.snapshot(t, flight, broken))
        t += step
    return out
