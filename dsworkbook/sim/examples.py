"""Small example nodes: the first things a reader runs, and fixtures for tests.

Each is a complete sans-IO node in a dozen lines, meant to be read (notebook 01 prints their
source): ``Echo`` answers pings, ``Pinger`` sends them on a timer, ``Heartbeater`` tells every
peer it is alive and remembers when it last heard from each, ``Burst`` sends numbered
messages all at once and ``Sink`` records what arrives. ``NaiveGossip`` is a pitfall: it
works, but no seed can replay it (exercise ``01-drill-determinism`` fixes it).
"""

from __future__ import annotations

import random
import time
from typing import Any

from dsworkbook.sim.node import Node

__all__ = ["Echo", "Pinger", "Heartbeater", "Burst", "Sink", "NaiveGossip"]


class Echo(Node):
    """Replies to every ("ping", i) with ("pong", i).

    ``seen`` is volatile (lost in a crash); the number of starts is durable (persisted).
    """

    def on_start(self) -> None:
        self.seen: list[Any] = []
        self.starts = self.storage.get("starts", 0) + 1
        self.persist(starts=self.starts)

    def on_message(self, src: str, msg: Any) -> None:
        self.seen.append((src, msg))
        if msg[0] == "ping":
            self.send(src, ("pong", msg[1]))


class Pinger(Node):
    """Sends ``count`` pings to ``target``, one every ``every`` ms, and records the pongs."""

    def __init__(self, node_id: str, target: str = "b", count: int = 10, every: float = 10.0) -> None:
        super().__init__(node_id)
        self.target, self.count, self.every = target, count, every

    def on_start(self) -> None:
        self.sent = 0
        self.pongs: list[int] = []
        self.set_timer("tick", 0)

    def on_timer(self, name: Any) -> None:
        if self.sent < self.count:
            self.send(self.target, ("ping", self.sent))
            self.sent += 1
            self.set_timer("tick", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        if msg[0] == "pong":
            self.pongs.append(msg[1])


class Heartbeater(Node):
    """Every ``every`` ms, tells each peer "I am alive"; ``last_heard[peer]`` is its local time of the last one."""

    def __init__(self, node_id: str, every: float = 20.0) -> None:
        super().__init__(node_id)
        self.every = every

    def on_start(self) -> None:
        self.last_heard: dict[str, float] = {}
        self.set_timer("beat", 0)

    def on_timer(self, name: Any) -> None:
        self.broadcast(("alive",))
        self.set_timer("beat", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        self.last_heard[src] = self.now()

    def suspects(self, timeout: float) -> set[str]:
        """Peers not heard from within ``timeout`` ms of local time."""
        now = self.now()
        return {p for p in self.peers if now - self.last_heard.get(p, float("-inf")) > timeout}


class Burst(Node):
    """Sends ``n`` numbered messages ("data", 0) ... ("data", n-1) to ``target`` when it starts."""

    def __init__(self, node_id: str, target: str = "b", n: int = 1000) -> None:
        super().__init__(node_id)
        self.target, self.n = target, n

    def on_start(self) -> None:
        for i in range(self.n):
            self.send(self.target, ("data", i))


class Sink(Node):
    """Records the number of every message that arrives, in arrival order, in ``got``."""

    def on_start(self) -> None:
        self.got: list[Any] = []

    def on_message(self, src: str, msg: Any) -> None:
        self.got.append(msg[1])


class NaiveGossip(Node):
    """Spreads a rumour: every ``period`` ms, a node that knows it tells one peer at random.

    It spreads the rumour fine, yet two runs with the same seed differ, because it breaks the
    two rules that make a simulated node replayable:

    * it draws from the **global** ``random`` module instead of ``self.rng`` (the simulation's
      seeded generator), so its choices change from run to run;
    * it reads the **wall clock** (``time.time()``) instead of its own clock ``self.now()``, so
      ``learned_at`` measures the speed of your laptop, not the simulated world.
    """

    def __init__(self, node_id: str, period: float = 10.0) -> None:
        super().__init__(node_id)
        self.period = period

    def on_start(self) -> None:
        self.knows = self.id == "n1"
        self.learned_at: float | None = time.time() * 1000 if self.knows else None
        self.told: list[str] = []
        self.set_timer("gossip", random.uniform(0, self.period))

    def on_timer(self, name: Any) -> None:
        if self.knows:
            peer = random.choice(self.peers)
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)

    def on_message(self, src: str, msg: Any) -> None:
        if not self.knows:
            self.knows = True
            self.learned_at = time.time() * 1000
