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

Compacted logs (§7 of the paper, ``RaftConfig.snapshot_every``): a frame shows what a server's
log *holds*. :class:`ServerView` keeps the log's ``base`` and ``base_term`` (the last index and
term its snapshot includes; 0 and 0 without one) and ``log``, the terms of the entries after the
base only; :attr:`ServerView.last_index` and :meth:`ServerView.term_at` use absolute indexes as
:class:`~dsworkbook.consensus.raft.log.RaftLog` does. The trace notes drive it: ``compact=(i, t)``
(a server snapshotted its own log) drops the entries through ``i``; ``snapshot=(i, t)`` with
``log``/``entries`` (a snapshot installed, or a restart from one) sets the base and the entries
kept; a restart without a snapshot resets the base to 0; ``log``/``entries`` are absolute
indexes, translated by the base. A drawing puts ``log[k]`` at index ``base + 1 + k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dsworkbook.consensus.raft_invariants import PROPERTIES, SafetyReport, check_safety
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

__all__ = ["ServerView", "InFlight", "Frame", "frames", "Frames"]


@dataclass(frozen=True)
class ServerView:
    """One server in a frame; ``log`` holds the terms of the entries after ``base`` (see the module doc)."""

    status: str
    role: str
    term: int
    log: tuple[int, ...]
    commit: int
    base: int = 0
    base_term: int = 0

    @property
    def last_index(self) -> int:
        """The index of the last entry (those in the snapshot counted)."""
        return self.base + len(self.log)

    def term_at(self, index: int) -> int | None:
        """The term at absolute ``index``: the snapshot's at the base, None below it or past the end."""
        if index == self.base:
            return self.base_term
        if self.base < index <= self.last_index:
            return self.log[index - self.base - 1]
        return None


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
        self.base: dict[str, tuple[int, int]] = {n: (0, 0) for n in servers}  # (index, term) of the snapshot
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
            if "snapshot" in detail:  # installed, or restarted from: the log now starts after it
                self.base[node] = tuple(detail["snapshot"])
                self.log[node] = []
                self.commit[node] = max(self.commit[node], detail["snapshot"][0])  # a snapshot is committed
            elif detail.get("start"):  # restarted without a snapshot
                self.base[node] = (0, 0)
            if "compact" in detail:  # its own snapshot: the entries through index are gone
                index, term = detail["compact"]
                del self.log[node][:index - self.base[node][0]]
                self.base[node] = (index, term)
            if "log" in detail:
                cut = max(detail["log"] - 1 - self.base[node][0], 0)
                del self.log[node][cut:]
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
        views = {n: ServerView(self.status[n], self.role[n], self.term[n], tuple(self.log[n]), self.commit[n],
                               *self.base[n])
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
    return list(Frames(sim, step=step, report=report))


class Frames(Sequence):
    """The frames of :func:`frames`, made when first asked for. Asking for frame ``i`` replays the
    trace up to ``i * step`` ms from where the last replay stopped (from the start if ``i`` is
    earlier), making only the frames asked for: a cluster view that shows one frame (the slider's)
    pays for applying the trace up to it, not for a picture of every frame before it.
    """

    def __init__(self, sim: Simulation, *, step: float = 5.0, report: SafetyReport | None = None) -> None:
        if not step > 0:
            raise ConfigError(f"step must be > 0 ms, got {step!r}")
        self.step = step
        self._count, self._end, t = 0, 0.0, 0.0
        while t <= sim.now + 1e-9:  # the replay's own clock, step by step: the same frames, counted
            self._count, self._end = self._count + 1, t
            t += step
        self._sim = sim
        self._report = report if report is not None else check_safety(sim)
        self._servers = [n for n in sim.node_ids if n.startswith("n")]
        self._msgs = _messages(sim.trace.records, set(self._servers))
        self._made: dict[int, Frame] = {}
        self._replay_from_start()

    def _replay_from_start(self) -> None:
        self._state = _State(self._servers)
        self._at, self._t = -1, 0.0  # the last frame index replayed to, and the time of the next one
        self._i = self._m = 0  # next trace record, next message
        self._active: list[tuple[float, float, str, str, str, str]] = []

    def _replay_to(self, index: int) -> Frame:
        """Apply the trace up to frame ``index`` (not before the last one replayed to) and picture it."""
        records, msgs, state = self._sim.trace.records, self._msgs, self._state
        t = self._t
        while True:
            while self._i < len(records) and records[self._i][0] <= t:
                r = records[self._i]
                state.apply(r[1], r[2], r[5])
                self._i += 1
            while self._m < len(msgs) and msgs[self._m][0] <= t:
                self._active.append(msgs[self._m])
                self._m += 1
            self._at += 1
            if self._at == index:
                break
            t += self.step  # the clock advances by adding steps, as the frame times always have
        self._t = t + self.step
        self._active = [a for a in self._active if a[1] > t]  # still in flight at t
        flight = tuple(InFlight(src, dst, kind, (t - s) / max(e - s, 1e-9), fate)
                       for s, e, src, dst, kind, fate in self._active)
        broken = tuple(p for p in PROPERTIES if any(v.property == p and v.time <= t for v in self._report.violations))
        return state.snapshot(t, flight, broken)

    def __len__(self) -> int:
        return self._count

    @property
    def end(self) -> float:
        """The time of the last frame, ms (no frame is made to answer)."""
        return self._end

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"frame {index} of {self._count}")
        if index not in self._made:
            if index <= self._at:
                self._replay_from_start()
            self._made[index] = self._replay_to(index)
        return self._made[index]
