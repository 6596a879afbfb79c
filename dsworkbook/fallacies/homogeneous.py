"""Fallacy 8: the network is homogeneous."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.sim import Node, Simulation, Uniform

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 8. the network is homogeneous --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Write:
    n: int


@dataclass(frozen=True, slots=True)
class WriteAck:
    n: int


class QuorumWriter(Node):
    """Writes ``writes`` values one after another to every replica; a write is done after
    ``wait_for`` acknowledgements (all replicas, or a majority)."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], writes: int, wait_for: int) -> None:
        super().__init__(node_id)
        self.replicas, self.writes, self.wait_for = list(replicas), writes, wait_for

    def on_start(self) -> None:
        self.n, self.latencies = -1, []
        self._next()

    def _next(self) -> None:
        self.n += 1
        if self.n < self.writes:
            self.started, self.acks = self.now(), set()
            for r in self.replicas:
                self.send(r, Write(self.n))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, WriteAck) and msg.n == self.n:
            self.acks.add(src)
            if len(self.acks) == self.wait_for:
                self.latencies.append(self.now() - self.started)
                self._next()


class Replica(Node):
    """Stores every write it receives and acknowledges it."""

    def on_start(self) -> None:
        self.log: list[int] = []

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Write):
            self.log.append(msg.n)
            self.send(src, WriteAck(msg.n))


def _replicate_run(seed: int, wait_for: int, writes: int) -> dict[str, Any]:
    import statistics

    sim = Simulation(seed=seed, latency=(1, 10))
    replicas = [f"r{i}" for i in range(5)]
    sim.add_nodes(replicas, Replica)
    writer = sim.add_node("w", QuorumWriter, replicas=replicas, writes=writes, wait_for=wait_for)
    sim.net.set_link("w", "r4", latency=Uniform(100, 200), both=True)  # the replica in another region
    sim.run(until=60_000)
    lat = sorted(writer.latencies)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("nan")
    return {"writes done": len(lat), "wait for": wait_for, "p50 ms": round(statistics.median(lat), 1) if lat else None,
            "p99 ms": round(p99, 1), "slow replica has all": len(set(sim.node("r4").log)) == writes}


def network_is_homogeneous(seed: int = 0, slo_ms: float = 50.0) -> FallacyResult:
    """Waiting for every replica vs for the first majority when one link crosses a region."""
    seed = _check_seed(seed)
    naive, fixed = _replicate_run(seed, 5, 20), _replicate_run(seed, 3, 20)
    broke = naive["p99 ms"] > slo_ms
    held = fixed["p99 ms"] <= slo_ms and fixed["writes done"] == 20 and fixed["slow replica has all"]
    return _result(8, seed, f"""
        A writer stores twenty values on five replicas and promises a p99 write latency of
        {slo_ms:g} ms. Four replicas share its data centre (1-10 ms away); the fifth sits in
        another region behind a 100-200 ms link. The naive writer waits for every replica, as if
        all links were alike, so every write pays the slowest link. The fixed writer waits for
        the first majority (3 of 5) and lets the far replica catch up in the background: the
        promise holds and the far replica still receives every write.""", naive, fixed, broke, held,
        f"naive: p99 {naive['p99 ms']} ms; fixed: p99 {fixed['p99 ms']} ms (SLO {slo_ms:g} ms), far replica has "
        f"all writes: {fixed['slow replica has all']}.")
