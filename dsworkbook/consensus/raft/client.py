"""A Raft client: finds the leader, retries with the same sequence number, records its history.

Theory of operation
-------------------
A :class:`RaftClient` runs its ``ops`` one after another. Each operation becomes a
:class:`~dsworkbook.consensus.raft.messages.Command` numbered ``seq`` (1, 2, ... per client);
every attempt of it carries the **same** ``(client, seq)``, which is what lets the state
machine apply it once however many times it reaches the log (§8 of the paper).

It sends to the server it believes leads. A :class:`NotLeader` answer points it at the leader
(or, without a hint, at the next server); silence for ``timeout`` ms makes it try the next
server. It never gives up on its own: an operation still waiting when the run ends stays
*pending* in the history, which the checkers read as "may or may not have happened". A
command that is retried may still be applied once by the old leader's log - that is exactly
why it must not be recorded as failed.
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.raft.messages import Command, NotLeader
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response

__all__ = ["RaftClient"]


def _check_ops(ops: Any) -> tuple[tuple[str, Any, Any], ...]:
    try:
        return tuple((str(op), key, value) for op, key, value in ops)
    except (TypeError, ValueError):
        raise ConfigError(f"ops must be (op, key, value) triples such as [('put', 'x', 1)], got {ops!r}") from None


class RaftClient(Node):
    """Submits ``ops`` (``(op, key, value)`` triples) to the cluster ``servers``, one at a time."""

    def __init__(self, node_id: str, *, servers: Sequence[str], ops: Sequence[tuple[str, Any, Any]],
                 timeout: float = 100.0, redirect_delay: float = 5.0, think: float = 0.0,
                 start_at: float = 0.0) -> None:
        super().__init__(node_id)
        if not servers:
            raise ConfigError("a RaftClient needs the list of servers it may talk to")
        self.servers = tuple(servers)
        self.ops = _check_ops(ops)
        self.timeout, self.redirect_delay, self.think, self.start_at = timeout, redirect_delay, think, start_at

    def on_start(self) -> None:
        self.index = -1
        self.seq = 0
        self.req = 0
        self.handle: int | None = None
        self.current: set[int] = set()
        self.target = self.rng.choice(self.servers)
        self.attempts = 0
        self.latencies: list[float] = []
        self.set_timer("next", self.start_at)

    @property
    def done(self) -> bool:
        return self.index >= len(self.ops)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self._next_op()
        elif name == "timeout":
            self._rotate()
            self._send()
        elif name == "retry":
            self._send()

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Response) or msg.req_id not in self.current or self.handle is None:
            return  # an answer to an operation already finished
        if msg.ok:
            self.cancel_timer("timeout")
            self.latencies.append(self.now() - self.started)
            self.complete(self.handle, "ok", msg.value)
            self.handle, self.current = None, set()
            self.set_timer("next", self.think)
            return
        hint = msg.value.leader if isinstance(msg.value, NotLeader) else None
        if hint is not None and hint != src:
            self.target = hint
        else:
            self._rotate()
        self.cancel_timer("timeout")
        self.set_timer("retry", self.redirect_delay)

    def _rotate(self) -> None:
        i = self.servers.index(self.target) if self.target in self.servers else -1
        self.target = self.servers[(i + 1) % len(self.servers)]

    def _next_op(self) -> None:
        self.index += 1
        if self.done:
            return
        op, key, value = self.ops[self.index]
        self.seq += 1
        self.handle = self.invoke(op, value, key=key)
        self.started = self.now()
        self.current = set()
        self._send()

    def _send(self) -> None:
        if self.handle is None:
            return
        op, key, value = self.ops[self.index]
        self.req += 1
        self.attempts += 1
        self.current.add(self.req)
        self.send(self.target, Request(self.req, op, Command(self.id, self.seq, op, key, value)))
        self.set_timer("timeout", self.timeout)
