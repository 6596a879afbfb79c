"""Fallacy 3: bandwidth is infinite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.sim import Network, Node, Simulation, Uniform

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 3. bandwidth is infinite ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a bulk transfer; ``size`` is what the link's bandwidth is charged for."""

    seq: int
    size: float


@dataclass(frozen=True, slots=True)
class ChunkAck:
    seq: int
    size: float = 1.0


@dataclass(frozen=True, slots=True)
class Heartbeat:
    size: float = 1.0


class BulkSender(Node):
    """Sends ``chunks`` chunks to ``peer`` and a heartbeat every ``every`` ms.

    ``window=None`` hands the whole transfer to the link at once; ``window=k`` keeps at most
    ``k`` unacknowledged chunks on the link (flow control), so a heartbeat never queues behind
    more than ``k`` chunks.
    """

    def __init__(self, node_id: str, *, peer: str, chunks: int, chunk_size: float, window: int | None,
                 every: float) -> None:
        super().__init__(node_id)
        self.peer, self.chunks, self.chunk_size, self.window, self.every = peer, chunks, chunk_size, window, every

    def on_start(self) -> None:
        self.sent = self.acked = 0
        self.on_timer("beat")
        self._pump()

    def _pump(self) -> None:
        limit = self.chunks if self.window is None else min(self.chunks, self.acked + self.window)
        while self.sent < limit:
            self.send(self.peer, Chunk(self.sent, self.chunk_size))
            self.sent += 1

    def on_timer(self, name: Any) -> None:
        self.send(self.peer, Heartbeat())
        self.set_timer("beat", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, ChunkAck):
            self.acked += 1
            self._pump()


class HeartbeatMonitor(Node):
    """Suspects ``peer`` when no heartbeat came for ``suspect_after`` ms; acknowledges chunks."""

    def __init__(self, node_id: str, *, peer: str, suspect_after: float, check_every: float = 5.0) -> None:
        super().__init__(node_id)
        self.peer, self.suspect_after, self.check_every = peer, suspect_after, check_every

    def on_start(self) -> None:
        self.last = self.now()
        self.suspected, self.suspicions, self.longest_gap = False, 0, 0.0
        self.chunks, self.last_chunk_at = 0, None
        self.set_timer("check", self.check_every)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Heartbeat):
            self.longest_gap = max(self.longest_gap, self.now() - self.last)
            self.last, self.suspected = self.now(), False
        elif isinstance(msg, Chunk):
            self.chunks += 1
            self.last_chunk_at = self.now()
            self.send(src, ChunkAck(msg.seq))

    def on_timer(self, name: Any) -> None:
        if not self.suspected and self.now() - self.last > self.suspect_after:
            self.suspected, self.suspicions = True, self.suspicions + 1
            self.note(suspect=self.peer)
        self.set_timer("check", self.check_every)


def _bulk_run(seed: int, window: int | None, chunks: int) -> dict[str, Any]:
    sim = Simulation(seed=seed, network=Network(Uniform(1, 3), bandwidth=10.0))
    sim.add_node("a", BulkSender, peer="b", chunks=chunks, chunk_size=50.0, window=window, every=20.0)
    monitor = sim.add_node("b", HeartbeatMonitor, peer="a", suspect_after=100.0)
    sim.run(until=1500)
    return {"chunks delivered": monitor.chunks, "transfer done at ms": round(monitor.last_chunk_at or float("nan"), 1),
            "longest heartbeat gap ms": round(monitor.longest_gap, 1), "false suspicions": monitor.suspicions}


def bandwidth_is_infinite(seed: int = 0) -> FallacyResult:
    """A bulk transfer dumped on a thin link vs one paced by a small window of acknowledged chunks."""
    seed = _check_seed(seed)
    chunks = 100
    naive, fixed = _bulk_run(seed, None, chunks), _bulk_run(seed, 2, chunks)
    broke = naive["false suspicions"] > 0
    held = fixed["false suspicions"] == 0 and fixed["chunks delivered"] == chunks
    return _result(3, seed, """
        Node a sends b a 5000-unit file over a link that carries 10 units per ms, and also a tiny
        heartbeat every 20 ms; b suspects a is dead after 100 ms without one. The naive sender
        hands all 100 chunks to the link at once, as if it could carry anything instantly: the
        heartbeats queue behind half a second of data and b falsely suspects a healthy peer (in a
        real cluster: a needless fail-over). The fixed sender keeps at most two unacknowledged
        chunks on the link (flow control), so a heartbeat waits behind at most two chunks; the
        transfer takes about as long and nobody is suspected.""", naive, fixed, broke, held,
        f"naive: longest heartbeat gap {naive['longest heartbeat gap ms']} ms, {naive['false suspicions']} false "
        f"suspicion(s); fixed: gap {fixed['longest heartbeat gap ms']} ms, {fixed['false suspicions']} suspicions, "
        f"{fixed['chunks delivered']}/{chunks} chunks.")
