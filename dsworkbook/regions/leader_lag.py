"""Measured single-leader replication: write latency per mode, replication lag, reads from followers (G04).

Theory of operation
-------------------
Every figure here comes from running :func:`~dsworkbook.regions.leader_sim.leader_sim` with a
seed; nothing is computed from a formula.

* :func:`write_latency` - p50/p99 of the time from a write's invoke to its acknowledgement, per
  replication mode and client region. Synchronous waits for the slowest follower, semi-synchronous
  for the nearest one (wait count 1), asynchronous for nobody.
* :func:`replication_lag` - sampled every ``every`` ms: for each follower, how many positions its
  applied log is behind the leader's, and how many ms behind (now minus the leader's append time
  of the oldest entry it has not applied; 0 when caught up) - the idea of MySQL's
  ``Seconds_Behind_Source``, measured on the entries' own timestamps.
* :func:`follower_reads` - clients write and read; reads go where a router says
  (:mod:`dsworkbook.regions.leader_reads`); the read-your-writes and monotonic-read violations
  are counted from the history and judged by the checkers.
* :func:`consistent_prefix` - DDIA's question-and-answer example on two partitions (or one).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import pandas as pd

from dsworkbook.errors import ConfigError
from dsworkbook.regions.leader import MODES, Read, Replica, Topology, Write, topology
from dsworkbook.regions.leader_reads import (Anomalies, ReplicaView, Session, check_consistent_prefix,
                                             count_anomalies)
from dsworkbook.regions.leader_sim import client_name, leader_sim
from dsworkbook.regions.world import world
from dsworkbook.sim import Node, Simulation

__all__ = ["LEADER_REGION", "FOLLOWER_REGIONS", "write_latency", "replication_lag", "follower_reads",
           "consistent_prefix", "PrefixRun"]

LEADER_REGION = "us-east-1"
FOLLOWER_REGIONS = ("eu-west-1", "ap-northeast-1")


def _pct(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    return float(s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))])


def write_latency(seed: int = 1, *, modes: Sequence[str] = MODES, leader: str = LEADER_REGION,
                  followers: Sequence[str] = FOLLOWER_REGIONS, duration: float = 1000.0,
                  think: float = 10.0) -> pd.DataFrame:
    """p50/p99 write latency (ms) per mode and client region, every follower in that mode."""
    rows = []
    for mode in modes:
        if mode not in MODES:
            raise ConfigError(f"mode must be one of {MODES}, got {mode!r}")
        topo = topology(leader, *((f, mode) for f in followers))
        sim = leader_sim(seed, topo, think=think, stop=duration)
        sim.run(until=duration + 1000.0)
        for region in topo.regions.values():
            lat = [op.complete_time - op.invoke_time for op in sim.history
                   if op.process == client_name(region) and op.f == "write" and op.outcome == "ok"]
            rows.append({"mode": mode, "client region": region, "writes": len(lat),
                         "p50 ms": round(_pct(lat, 0.5), 1), "p99 ms": round(_pct(lat, 0.99), 1)})
    return pd.DataFrame(rows)


def replication_lag(seed: int = 1, *, mode: str = "async", leader: str = LEADER_REGION,
                    followers: Sequence[str] = FOLLOWER_REGIONS, duration: float = 1000.0, every: float = 20.0,
                    apply_ms: float = 1.0, think: float = 2.0) -> pd.DataFrame:
    """Lag per follower over time: columns t, follower, positions behind, ms behind."""
    if not every > 0:
        raise ConfigError(f"every must be > 0 ms, got {every!r}")
    topo = topology(leader, *((f, mode) for f in followers))
    sim = leader_sim(seed, topo, think=think, apply_ms=apply_ms, stop=duration)
    rows: list[dict[str, Any]] = []

    def sample() -> None:
        lead = sim.node(topo.leader)
        for f in topo.followers_of(topo.leader):
            node = sim.node(f)
            behind = len(lead.log) - node.applied
            ms = sim.now - lead.log[node.applied].t if behind > 0 else 0.0
            rows.append({"t": sim.now, "follower": f, "positions behind": behind, "ms behind": round(ms, 1)})
        if sim.now + every <= duration:
            sim.schedule(every, sample)

    sim.schedule(every, sample)
    sim.run(until=duration)
    return pd.DataFrame(rows, columns=["t", "follower", "positions behind", "ms behind"])


Router = Callable[[Session, tuple[ReplicaView, ...], str], "str | None"]


def follower_reads(seed: int = 1, *, router: Router | None = None, leader: str = LEADER_REGION,
                   followers: Sequence[str] = ("us-east-1", "us-east-1", "eu-west-1"),
                   clients: Sequence[str] = ("us-east-1", "eu-west-1"), slow: dict[str, float] | None = None,
                   duration: float = 800.0, writes: float = 0.5, keys: Sequence[str] = ("a", "b")
                   ) -> tuple[Simulation, Anomalies]:
    """Clients in ``clients`` write (``writes`` of their operations, 1 ms apart) and read ``keys``;
    reads go where ``router(session, replicas, region)`` says (default: the leader). Followers are
    asynchronous and apply 1 ms per entry, except those in ``slow`` (default: ``us-east-1b``, a busy
    replica at 6 ms per entry, which falls further behind as the load goes on).

    Returns the run and the anomalies counted from its history.
    """
    topo = topology(leader, *((f, "async") for f in followers))
    slow = {"us-east-1b": 6.0} if slow is None else dict(slow)
    for name in slow:
        if name not in topo.regions:
            raise ConfigError(f"slow names {name!r}, which is no replica; the replicas are {list(topo.regions)}")
    sim = leader_sim(seed, topo, clients=list(clients), router=router, writes=writes, keys=keys,
                     apply_ms=slow, think=1.0, stop=duration)
    sim.run(until=duration + 1000.0)
    return sim, count_anomalies(sim.history)


# -- consistent prefix reads: DDIA's question and answer ---------------------------------------------------

class _Script(Node):
    """A scripted client: Poons asks, Mrs. Cake answers once she has read the question, an observer
    reads the answer and then the question from the followers in her region until she saw an answer."""

    def __init__(self, node_id: str, *, role: str, targets: dict[str, str], start: float = 0.0,
                 every: float = 5.0, load_until: float = 0.0) -> None:
        super().__init__(node_id)
        self.role, self.targets, self.start, self.every, self.load_until = role, targets, start, every, load_until

    def on_start(self) -> None:
        self.req, self.handle, self.step, self.seen = 0, None, 0, False
        self.set_timer("go", self.start)

    def _op(self, f: str, key: str, value: Any = None) -> None:
        self.req += 1
        self.handle = self.invoke(f, value, key=key)
        dst = self.targets[key]
        self.send(dst, Write(self.req, key, value) if f == "write" else Read(self.req, key))

    def on_timer(self, name: Any) -> None:
        if self.role == "poons":
            self._op("write", "question", "how far into the future can you see, Mrs. Cake?")
        elif self.role == "cake":
            self._op("read", "question")
        elif self.role == "load":
            self.step += 1
            self._op("write", "load", f"{self.id}:{self.step}")
        else:
            self.step = 0
            self._op("read", "answer")

    def on_message(self, src: str, msg: Any) -> None:
        if self.handle is None or getattr(msg, "req_id", None) != self.req:
            return
        value = getattr(msg, "value", None)
        out = value if hasattr(msg, "applied") else (msg.position, msg.epoch)
        self.complete(self.handle, "ok", out)
        self.handle = None
        if self.role == "cake" and self.seen:
            return
        if self.role == "cake" and value is None:
            self.set_timer("go", self.every)
        elif self.role == "cake":
            self.seen = True
            self._op("write", "answer", "about ten seconds usually, Mr. Poons")
        elif self.role == "load" and self.now() < self.load_until:
            self.set_timer("go", 1.0)
        elif self.role == "observer" and self.step == 0:
            self.step, self.seen = 1, value is not None
            self._op("read", "question")
        elif self.role == "observer" and not self.seen:
            self.set_timer("go", self.every)


class PrefixRun:
    """A consistent-prefix run: its history and the causal checker's verdict."""

    def __init__(self, sim: Simulation, partitioned: bool) -> None:
        self.sim, self.partitioned = sim, partitioned
        self.verdict = check_consistent_prefix(sim.history)

    @property
    def anomaly(self) -> bool:
        return self.verdict.ok is False


def consistent_prefix(seed: int = 1, *, partitioned: bool = True, apply_ms: float = 5.0) -> PrefixRun:
    """DDIA ch. 5's example. Poons (ap-northeast-1) writes the question; Mrs. Cake (ap-northeast-1)
    reads it and writes the answer; an observer in eu-west-1 reads the answer, then the question,
    from the followers in her region. A loader keeps the question's partition busy, so its
    follower lags (``apply_ms`` per entry).

    ``partitioned``: the question and the answer live in two partitions - leaders in
    ap-northeast-1 and us-east-1, each with a follower in eu-west-1 - so nothing orders them and the
    observer can see the answer without the question. Otherwise both live in one partition whose
    follower applies its one log in order: consistent prefix holds.
    """
    w = world("ap-northeast-1", "us-east-1", "eu-west-1")
    sim = Simulation(seed, trace=False)
    groups = {"p1": ("ap-northeast-1", "eu-west-1"), "p2": ("us-east-1", "eu-west-1")}
    if not partitioned:
        groups = {"p1": groups["p1"]}
    placement: dict[str, str] = {}
    for g, (lead, fol) in groups.items():
        topo = Topology({f"{g}-lead": lead, f"{g}-eu": fol}, f"{g}-lead", {f"{g}-lead": "async", f"{g}-eu": "async"})
        for name, region in topo.regions.items():
            sim.add_node(name, Replica, topology=topo, apply_ms=apply_ms if name.endswith("eu") else 0.0)
            placement[name] = region
    second = "p2" if partitioned else "p1"
    writes = {"question": "p1-lead", "answer": f"{second}-lead", "load": "p1-lead"}
    reads = {"question": "p1-eu", "answer": f"{second}-eu"}
    scripts = {"load": ("ap-northeast-1", writes, dict(start=0.0, load_until=600.0)),
               "poons": ("ap-northeast-1", writes, dict(start=300.0)),
               "cake": ("ap-northeast-1", {**writes, "question": "p1-lead"}, dict(start=305.0)),
               "observer": ("eu-west-1", reads, dict(start=300.0))}
    for role, (region, targets, kw) in scripts.items():
        sim.add_node(role, _Script, role=role, targets=targets, **kw)
        placement[role] = region
    w.wire(sim, placement)
    sim.run(until=3000.0)
    return PrefixRun(sim, partitioned)
