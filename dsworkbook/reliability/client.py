"""The retrying client: timeouts, retries with backoff, idempotency keys - and the seed notes' buggy one.

A :class:`RetryClient` runs a list of operations one at a time against a server. Every attempt
of one logical operation carries the same idempotency key; a timeout is never a failure (an
operation that gives up ends ``unknown``), an error reply ends it ``fail`` and is not retried.
:class:`NaiveRetryClient` keeps the seed notes' three habits for the drill ``01-drill-retry``.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.reliability.policy import BackoffFn, RetryPolicy, backoff_delay, _check_ms
from dsworkbook.sim import Node, Request, Response

__all__ = ["Attempt", "RetryClient", "NaiveRetryClient"]


class Attempt(NamedTuple):
    """One request a client sent: which op (its index in the workload), which try, when."""

    index: int
    attempt: int
    req_id: int
    sent_at: float


def _check_ops(ops: Any) -> tuple[tuple[str, Any], ...]:
    try:
        out = tuple((str(op), arg) for op, arg in ops)
    except (TypeError, ValueError):
        raise ConfigError(f"ops must be a list of (op, arg) pairs such as [('incr', 1)], got {ops!r}") from None
    return out


class RetryClient(Node):
    """Runs ``ops`` one after another against ``server``, retrying each as ``policy`` says.

    Every logical operation is recorded in the history: ``ok`` on a reply, ``fail`` on an
    error reply, ``unknown`` when it gives up after ``policy.max_attempts`` timed-out attempts.
    Three small methods hold the decisions and can be overridden (the drill of exercise
    ``01-drill-retry`` does): :meth:`idempotency_key`, :meth:`retry_delay` and :meth:`on_reply`;
    :meth:`before_retry` is a hook for work before a retry (re-resolving the server's address).

    ``backoff`` replaces the policy's jitter with a function ``backoff(retry, base, cap, rng)``;
    ``start_at`` delays the first operation; ``think`` is the pause between operations;
    ``req_base`` offsets request ids so that several clients' ids never collide.
    """

    def __init__(self, node_id: str, *, server: str = "server", ops: Sequence[tuple[str, Any]] = (("incr", 1),),
                 policy: RetryPolicy | None = None, backoff: BackoffFn | None = None, start_at: float = 0.0,
                 think: float = 0.0, req_base: int = 0) -> None:
        super().__init__(node_id)
        if policy is not None and not isinstance(policy, RetryPolicy):
            raise ConfigError(f"policy must be a RetryPolicy(...), got {policy!r}")
        if backoff is not None and not callable(backoff):
            raise ConfigError(f"backoff must be a function backoff(retry, base, cap, rng), got {backoff!r}")
        self.server = server
        self.ops = _check_ops(ops)
        self.policy = policy if policy is not None else RetryPolicy()
        self.backoff = backoff
        self.start_at = _check_ms("start_at", start_at)
        self.think = _check_ms("think", think)
        self.req_base = int(req_base)

    def on_start(self) -> None:
        self.index = -1
        self.handle: int | None = None
        self.attempt = 0
        self.sent_ids: set[int] = set()
        self.next_req = self.req_base
        self.previous_delay: float | None = None
        self.log: list[Attempt] = []
        self.set_timer("next", self.start_at)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self._next_op()
        elif name == "timeout":
            self._on_timeout()
        elif name == "retry":
            self._send_attempt()

    def on_message(self, src: str, msg: Any) -> None:
        # A reply to any attempt of the current op answers it; replies to finished ops are late.
        if isinstance(msg, Response) and self.handle is not None and msg.req_id in self.sent_ids:
            self.on_reply(msg)

    # -- the three decisions ------------------------------------------------------------------

    def idempotency_key(self, index: int, attempt: int) -> str | None:
        """The key of op ``index``: the same for every attempt, so the server can apply it once."""
        return f"{self.id}/{index}" if self.policy.idempotency else None

    def retry_delay(self, retry: int) -> float:
        """The wait before retry ``retry`` (0 first): capped exponential backoff with jitter."""
        p = self.policy
        if self.backoff is not None:
            return self.backoff(retry, p.base, p.cap, self.rng)
        return backoff_delay(retry, p.base, p.cap, self.rng, p.jitter, previous=self.previous_delay)

    def on_reply(self, response: Response) -> None:
        """The server answered: an error reply is final (``fail``), it is not retried."""
        self.finish("ok" if response.ok else "fail", response.value)

    def before_retry(self, retry: int) -> None:
        """Called when an attempt timed out and retry ``retry`` will follow (a place to re-resolve)."""

    # -- helpers the decisions use --------------------------------------------------------------

    def finish(self, outcome: str, value: Any = None) -> None:
        """End the current op with ``outcome`` and start the next one after ``think`` ms."""
        self.cancel_timer("timeout")
        self.cancel_timer("retry")
        self.complete(self.handle, outcome, value)
        self.handle, self.sent_ids = None, set()
        self.set_timer("next", self.think)

    def resend(self) -> None:
        """Send another attempt of the current op right now."""
        self.cancel_timer("retry")
        self._send_attempt()

    # -- the loop --------------------------------------------------------------------------------

    def _next_op(self) -> None:
        self.index += 1
        if self.index >= len(self.ops):
            return
        op, arg = self.ops[self.index]
        self.handle = self.invoke(op, arg)
        self.attempt, self.sent_ids, self.previous_delay = 0, set(), None
        self._send_attempt()

    def _send_attempt(self) -> None:
        self.attempt += 1
        self.next_req += 1
        op, arg = self.ops[self.index]
        request = Request(self.next_req, op, arg, self.idempotency_key(self.index, self.attempt))
        self.sent_ids.add(request.req_id)
        self.log.append(Attempt(self.index, self.attempt, request.req_id, self.now()))
        self.send(self.server, request)
        self.set_timer("timeout", self.policy.timeout)

    def _on_timeout(self) -> None:
        if self.attempt >= self.policy.max_attempts:
            self.finish("unknown")  # it may have been applied: a timeout is never a failure
            return
        self.before_retry(self.attempt - 1)
        delay = self.retry_delay(self.attempt - 1)
        self.previous_delay = delay
        self.set_timer("retry", delay)


class NaiveRetryClient(RetryClient):
    """A retrying client with three classic bugs (the drill of exercise ``01-drill-retry``).

    Each bug is one method; fix them in a subclass:

    1. :meth:`idempotency_key` makes a new key for every attempt, so a dedup server sees each
       retry as a new operation and applies it again when only the reply was lost;
    2. :meth:`retry_delay` backs off exponentially but without jitter, so clients that failed
       together retry in lock-step waves;
    3. :meth:`on_reply` treats an error reply as "try again" and resends at once, with no limit
       of its own: the server gives the same answer every time, so on a network that loses
       nothing it never stops.
    """

    def idempotency_key(self, index: int, attempt: int) -> str | None:
        return f"{self.id}/{index}/{attempt}"  # bug 1: a fresh key per attempt

    def retry_delay(self, retry: int) -> float:
        return min(self.policy.cap, self.policy.base * 2 ** retry)  # bug 2: no jitter

    def on_reply(self, response: Response) -> None:
        if response.ok:
            self.finish("ok", response.value)
        else:
            self.resend()  # bug 3: an error is retried at once, again and again
