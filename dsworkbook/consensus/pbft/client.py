"""A PBFT client (Castro and Liskov, OSDI 1999, §4.1): sign a request, wait for f+1 matching replies.

Theory of operation
-------------------
The client signs each :class:`Request` (operation, a timestamp that grows with each request, its
id) and sends it to the primary of the view it last heard of. A result is accepted only when
f+1 replies from **distinct** replicas carry the same timestamp and the same result: at most f
replicas lie, so one of the f+1 is honest and the result is one an honest replica produced. If
no such set arrives within the timeout, the client multicasts the request to every replica
(each relays it to the primary and arms its view-change timer, which is how a silent primary
is replaced) and keeps waiting, re-sending after each timeout.

``accept_first=True`` is a broken client that takes the first reply it receives - a traitor
that answers fast makes it accept a result no honest replica produced.
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import Reply, Request
from dsworkbook.sim import Node

__all__ = ["Client"]


class Client(Node):
    """Runs ``ops`` (a list of operation tuples) one after another; ``done`` once all were answered."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], f: int, keys: Keyring, ops: Sequence[tuple],
                 timeout: float = 150.0, think: float = 5.0, accept_first: bool = False) -> None:
        super().__init__(node_id)
        self.replicas, self.f, self.keys = tuple(replicas), f, keys
        self.ops, self.timeout, self.think = list(ops), timeout, think
        self.accept_first = accept_first
        self.view = 0
        self.index = 0
        self.handle: int | None = None
        self.request: Any = None
        self.replies: dict[str, Any] = {}
        self.results: list[Any] = []
        self.rejected = 0

    @property
    def done(self) -> bool:
        return self.index >= len(self.ops)

    def on_start(self) -> None:
        self.set_timer("next", self.think)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self.begin()
        elif name == "retry" and self.request is not None:
            for r in self.replicas:  # multicast: the primary may be faulty (§4.1)
                self.send(r, self.request)
            self.set_timer("retry", self.timeout)

    def begin(self) -> None:
        if self.done:
            return
        op = self.ops[self.index]
        self.handle = self.invoke(op[0], op, key=op[1])
        self.request = self.keys.sign(self.id, Request(op, self.index + 1, self.id))
        self.replies = {}
        self.send(self.replicas[self.view % len(self.replicas)], self.request)
        self.set_timer("retry", self.timeout)

    def on_message(self, src: str, msg: Any) -> None:
        if not self.keys.verify(msg) or type(msg.body) is not Reply:
            self.rejected += 1
            return
        reply: Reply = msg.body
        if self.request is None or reply.timestamp != self.request.body.timestamp or reply.client != self.id:
            return
        self.replies[reply.replica] = reply.result
        if self.accept_first:
            return self.finish(reply.result, reply.view)
        votes = [r for r, res in self.replies.items() if res == reply.result]
        if len(votes) >= self.f + 1:
            self.finish(reply.result, reply.view)

    def finish(self, result: Any, view: int) -> None:
        self.view = max(self.view, view)
        self.complete(self.handle, "ok", result)
        self.results.append(result)
        self.request, self.handle = None, None
        self.index += 1
        self.cancel_timer("retry")
        self.set_timer("next", self.think)
