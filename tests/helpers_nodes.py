"""Small nodes shared by the simulator tests."""

from __future__ import annotations

from typing import Any

from dsworkbook.sim import Node


class Echo(Node):
    """Replies to every ("ping", i) with ("pong", i); remembers what it saw (volatile)."""

    def on_start(self) -> None:
        self.seen: list[Any] = []
        self.started = self.storage.get("starts", 0) + 1
        self.persist(starts=self.started)

    def on_message(self, src: str, msg: Any) -> None:
        self.seen.append((src, msg))
        if msg[0] == "ping":
            self.send(src, ("pong", msg[1]))


class Pinger(Node):
    """Sends ``count`` pings to ``target`` every ``every`` ms; records pongs."""

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
