"""The counter server: applies each idempotency key once and answers retries with the first result.

:class:`CounterServer` can take time per request and hold a bounded queue (so a retry storm
can overload it), and notes every application in the trace (``applied=req_id``), which is what
:func:`~dsworkbook.reliability.experiments.summarize` counts.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.reliability.policy import _check_ms
from dsworkbook.sim import Node, Request

__all__ = ["CounterServer"]


_RESULT = "result:"


class CounterServer(Node):
    """A counter (or an account balance) with non-idempotent operations.

    ``incr amount`` adds and returns the new value; ``withdraw amount`` subtracts if the value
    allows it, else answers an error; ``read`` returns the value. With ``dedup`` the server
    keeps an idempotency table ``idem_key -> (ok, value)``: a request whose key it has seen is
    not applied again but answered with the original response. The value and the table are
    persisted, so they survive a crash.

    With ``service_time > 0`` requests wait in a queue and are served one at a time; with
    ``capacity`` the queue holds at most that many and sheds the rest without a reply (like a
    full accept backlog): this is how overload and retry storms are modelled.
    """

    def __init__(self, node_id: str, *, dedup: bool = False, service_time: float = 0.0,
                 capacity: int | None = None, initial: int = 0) -> None:
        super().__init__(node_id)
        self.dedup = bool(dedup)
        self.service_time = _check_ms("service_time", service_time)
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
            raise ConfigError(f"capacity must be an int >= 1 (requests queued at once) or None, got {capacity!r}")
        self.capacity = capacity
        self.initial = initial

    def on_start(self) -> None:
        self.value = self.storage.get("value", self.initial)
        if "value" not in self.storage:
            self.persist(value=self.value)
        self.results = {k[len(_RESULT):]: v for k, v in self.storage.items() if k.startswith(_RESULT)}
        self.queue: deque[tuple[str, Request]] = deque()

    def on_client_request(self, src: str, request: Request) -> None:
        if not self.service_time:
            self._serve(src, request)
        elif self.capacity is not None and len(self.queue) >= self.capacity:
            self.note(shed=request.req_id, client=src)
        else:
            self.queue.append((src, request))
            if len(self.queue) == 1:
                self.set_timer("serve", self.service_time)

    def on_timer(self, name: Any) -> None:
        src, request = self.queue.popleft()
        self._serve(src, request)
        if self.queue:
            self.set_timer("serve", self.service_time)

    def _serve(self, src: str, request: Request) -> None:
        key = request.idem_key if self.dedup else None
        if key is not None and key in self.results:
            ok, value = self.results[key]
            self.note(replayed=request.req_id, client=src, key=key)
        else:
            ok, value = self.apply(src, request)
            if key is not None:
                self.results[key] = (ok, value)
                self.persist(**{_RESULT + key: (ok, value)})
        self.reply(src, request, value, ok=ok)

    def apply(self, src: str, request: Request) -> tuple[bool, Any]:
        """Carry out one request; returns ``(ok, value)``."""
        op, amount = request.op, request.arg
        if op == "read":
            return True, self.value
        if op not in ("incr", "withdraw"):
            return False, f"unknown op {op!r}; this server knows incr, withdraw and read"
        if isinstance(amount, bool) or not isinstance(amount, int):
            return False, f"{op} needs an int amount, got {amount!r}"
        if op == "withdraw" and amount > self.value:
            return False, f"insufficient funds: balance {self.value}, asked {amount}"
        self.value += amount if op == "incr" else -amount
        self.persist(value=self.value)
        self.note(applied=request.req_id, client=src, op=op)
        return True, self.value
