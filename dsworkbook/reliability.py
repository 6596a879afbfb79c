"""Reliable request-reply: timeouts, retries, exponential backoff with jitter, idempotency keys.

Theory of operation
-------------------
A client that sent a request and heard nothing cannot tell a lost request from a lost reply, a
crashed server or a slow one: all four look like silence until its timeout fires. So it
retries, and two habits decide whether retrying is safe and kind:

* **Idempotency keys.** Every attempt of one logical operation carries the same key, and the
  server keeps a table ``key -> first response``: a retried (or network-duplicated) request is
  applied once and answered with the original result (Amazon Builders' Library, "Making retries
  safe with idempotent APIs"; Stripe's ``Idempotency-Key`` header).
* **Capped exponential backoff with jitter.** Retries wait longer and longer, up to a cap, and
  the wait is randomised, so clients that failed together do not retry together and a
  recovering server is not flattened by synchronised waves (AWS Architecture Blog, Marc
  Brooker, "Exponential Backoff and Jitter", 2015).

Rules this module keeps
-----------------------
* A timeout is never a failure. An operation that gives up after ``max_attempts`` ends
  ``unknown`` (it may have been applied); it ends ``fail`` only on an explicit error reply,
  and an error reply is not retried (the server answered: asking again gets the same answer).
* ``Request.req_id`` is unique per *attempt*; ``Request.idem_key`` is shared by every attempt of
  one logical operation (``None`` when the policy turns idempotency off).
* The nodes are sans-IO: time comes from timers and ``self.now()``, randomness from
  ``self.rng``, so a run is reproduced exactly by its seed.
* The server writes a trace note ``applied=req_id, client=src`` every time it applies a
  mutating operation; :func:`summarize` reads the trace, so the counts it reports (duplicates
  applied, operations never applied, peak load) are measured, not assumed.

Experiments
-----------
:func:`run_request_reply` builds, runs and measures a client/server run. Named scenarios: the
four causes of a timeout (:func:`timeout_scenario`) and a lost reply without keys
(:func:`lost_reply_run`), shown in notebook 01; a slow server and two withdrawals
(:func:`slow_server_run`) and a paused server meeting retries without keys
(:func:`paused_server_run`), the scenarios of the predictions ``01-predict-timeout`` and
``01-predict-retry``. :func:`retry_goals` measures a :class:`RetryPolicy` against the goals of
the design exercise ``01-design-retry`` (:data:`DESIGN_GOALS`): a success rate, a p99 latency
and a retry budget in steady state under loss and a long-tailed latency (Dean and Barroso, "The
Tail at Scale"; the retry budget of Google's SRE book, ch. 21), and a recovery storm after an
outage that must not overload the server.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Constant, LongTail, Node, Request, Response, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "JITTERS", "RetryPolicy", "backoff_delay", "BackoffFn", "Attempt", "RetryClient", "NaiveRetryClient",
    "CounterServer", "RequestReplyResult", "request_reply_sim", "run_request_reply", "summarize",
    "attempts_by_op", "peak_load", "TIMEOUT_CAUSES", "timeout_scenario", "lost_reply_run", "client_view",
    "slow_server_run", "paused_server_run",
    "DESIGN_LATENCY", "DESIGN_SEEDS", "DESIGN_GOALS", "GoalCheck", "steady_run", "storm_run", "retry_goals",
    "goals_table",
]

JITTERS = ("none", "full", "equal", "decorrelated")

#: ``backoff(retry, base, cap, rng) -> delay in ms``: the shape of a pluggable backoff function.
BackoffFn = Callable[[int, float, float, random.Random], float]


def _check_ms(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number of ms, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ConfigError(f"{name} must be {bound} ms, got {value}")
    return float(value)


def _check_jitter(jitter: Any) -> str:
    if jitter not in JITTERS:
        raise ConfigError(f"unknown jitter {jitter!r}; choose one of {list(JITTERS)} "
                          "(see AWS Architecture Blog, 'Exponential Backoff and Jitter')")
    return jitter


def _check_base_cap(base: Any, cap: Any) -> tuple[float, float]:
    base, cap = _check_ms("base", base), _check_ms("cap", cap)
    if cap < base:
        raise ConfigError(f"cap ({cap} ms) must be >= base ({base} ms): the cap bounds the longest wait, "
                          "the base is the first one")
    return base, cap


# -- the policy and the reference backoff ----------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries: per-attempt ``timeout``, at most ``max_attempts`` attempts in all,
    capped exponential backoff (``base``, ``cap``, ``jitter``), and idempotency keys on or off.
    """

    timeout: float = 50.0
    max_attempts: int = 5
    base: float = 10.0
    cap: float = 1000.0
    jitter: str = "full"
    idempotency: bool = True

    def __post_init__(self) -> None:
        _check_ms("timeout", self.timeout, positive=True)
        m = self.max_attempts
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise ConfigError(f"max_attempts must be an int >= 1 (1 means: never retry), got {m!r}")
        _check_base_cap(self.base, self.cap)
        _check_jitter(self.jitter)
        if not isinstance(self.idempotency, bool):
            raise ConfigError(f"idempotency must be True or False, got {self.idempotency!r}")

    def delay(self, retry: int, rng: random.Random, previous: float | None = None) -> float:
        """The wait before retry number ``retry`` (0 for the first retry)."""
        return backoff_delay(retry, self.base, self.cap, rng, self.jitter, previous=previous)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random, jitter: str = "full",
                  *, previous: float | None = None) -> float:
    """How long to wait before a retry, in ms: the reference of exercise ``01-backoff``.

    ``attempt`` counts retries already made: 0 before the first retry. With
    ``ceiling = min(cap, base * 2**attempt)`` (AWS Architecture Blog, "Exponential Backoff and
    Jitter"):

    * ``none``:  ``ceiling`` - every client that failed together retries together;
    * ``full``:  uniform in ``[0, ceiling]`` - the spread that minimises work in the article;
    * ``equal``: ``ceiling / 2`` plus uniform in ``[0, ceiling / 2]`` - never very short;
    * ``decorrelated``: ``min(cap, uniform(base, 3 * previous))``, with ``previous`` the last
      wait (``base`` before the first) - grows from the last wait rather than the attempt.

    Every random draw comes from ``rng``, so a seeded run repeats exactly.
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise ConfigError(f"attempt must be an int >= 0 (0 before the first retry), got {attempt!r}")
    base, cap = _check_base_cap(base, cap)
    _check_jitter(jitter)
    if not isinstance(rng, random.Random):
        raise ConfigError(f"rng must be a random.Random (a node's self.rng, or random.Random(seed)), got {rng!r}")
    ceiling = cap if attempt >= 1000 else min(cap, base * 2.0 ** attempt)
    if jitter == "none":
        return ceiling
    if jitter == "full":
        return rng.uniform(0.0, ceiling)
    if jitter == "equal":
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)
    last = base if previous is None else _check_ms("previous", previous)
    return min(cap, rng.uniform(base, max(base, 3 * last)))


# -- the client --------------------------------------------------------------------------------------


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


# -- the server ----------------------------------------------------------------------------------

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


# -- experiments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestReplyResult:
    """What one client/server run did, measured from its trace and history.

    ``applied`` counts applications of mutating operations at the server, ``duplicates`` the
    applications beyond the first of one logical operation, ``never_applied`` the mutating
    operations that were not refused yet never took effect. ``peak_load`` is the most requests
    delivered to the server within any ``window`` ms.
    """

    seed: int
    ops: int
    ok: int
    fail: int
    unknown: int
    applied: int
    duplicates: int
    never_applied: int
    attempts: int
    messages: int
    peak_load: int
    window: float
    final_value: Any
    applications: dict = field(repr=False, compare=False, default_factory=dict)
    sim: Simulation | None = field(repr=False, compare=False, default=None)

    def summary(self) -> str:
        return (f"seed={self.seed}: {self.ops} ops -> ok {self.ok}, fail {self.fail}, unknown {self.unknown}; "
                f"applied {self.applied} times ({self.duplicates} duplicates, {self.never_applied} never applied); "
                f"{self.attempts} requests, {self.messages} messages; peak load {self.peak_load} requests "
                f"per {self.window:g} ms; final value {self.final_value}")

    def as_row(self) -> dict[str, Any]:
        """The counts as a flat dict (one row of a comparison table)."""
        skip = {"applications", "sim", "window"}
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in skip}


def _workload(ops: int | Sequence[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    if isinstance(ops, int) and not isinstance(ops, bool):
        if ops < 0:
            raise ConfigError(f"ops must be >= 0 operations, got {ops}")
        return (("incr", 1),) * ops
    return _check_ops(ops)


def request_reply_sim(seed: int, *, clients: int = 1, ops: int | Sequence[tuple[str, Any]] = 5,
                      policy: RetryPolicy | None = None, dedup: bool = False, latency: Any = (1, 10),
                      loss: float = 0.0, duplicate: float = 0.0, service_time: float = 0.0,
                      capacity: int | None = None, initial: int = 0, outage: tuple[float, float] | None = None,
                      backoff: BackoffFn | None = None, client_cls: type[Node] = RetryClient,
                      start_spread: float = 0.0) -> Simulation:
    """Build (do not run) a simulation: ``clients`` clients ``c0, c1...`` and one ``server``.

    Each client runs the workload ``ops`` (an int n means n times ``incr 1``). ``outage =
    (down, up)`` crashes the server at ``down`` ms and restarts it at ``up`` (its counter and
    idempotency table are durable). Client ``i`` starts at a time drawn uniformly from
    ``[0, start_spread]``.
    """
    if isinstance(clients, bool) or not isinstance(clients, int) or clients < 1:
        raise ConfigError(f"clients must be an int >= 1, got {clients!r}")
    work = _workload(ops)
    sim = Simulation(seed=seed, latency=latency, loss=loss, duplicate=duplicate)
    sim.add_node("server", CounterServer, dedup=dedup, service_time=service_time, capacity=capacity, initial=initial)
    for i in range(clients):
        start = sim.rng.uniform(0, start_spread) if start_spread else 0.0
        sim.add_node(f"c{i}", client_cls, server="server", ops=work, policy=policy or RetryPolicy(),
                     backoff=backoff, start_at=start, req_base=i * 1_000_000)
    if outage is not None:
        down, up = (_check_ms("outage start", outage[0]), _check_ms("outage end", outage[1]))
        if up <= down:
            raise ConfigError(f"outage must be (down, up) with up > down, got {outage!r}")
        sim.at(down, sim.crash, "server")
        sim.at(up, sim.restart, "server")
    return sim


def run_request_reply(seed: int, *, until: float = 60_000.0, window: float = 10.0,
                      max_events: int = 2_000_000, **options: Any) -> RequestReplyResult:
    """Build a client/server experiment (see :func:`request_reply_sim`), run it, and measure it.

    >>> r = run_request_reply(1, clients=3, ops=4, loss=0.2, dedup=True)
    >>> r.duplicates, r.ok
    (0, 12)
    """
    sim = request_reply_sim(seed, **options)
    sim.run(until=until, max_events=max_events)
    return summarize(sim, window=window)


def attempts_by_op(sim: Simulation) -> tuple[dict[int, list[tuple[float, int]]], dict[tuple[str, int], int]]:
    """Walk the trace: for each history op index, the ``(sent_at, req_id)`` of its requests.

    Also returns ``(client, req_id) -> op index``. A client runs one op at a time, so every
    request it sends between an op's invoke and its completion is an attempt of that op: this
    works for any client, not only :class:`RetryClient`.
    """
    current: dict[str, int] = {}
    attempts: dict[int, list[tuple[float, int]]] = {op.index: [] for op in sim.history}
    owner: dict[tuple[str, int], int] = {}
    for t, kind, node, _peer, _mid, detail in sim.trace.records:
        if kind == "invoke":
            current[node] = detail[0]
        elif kind == "complete":
            current.pop(node, None)
        elif kind == "send" and type(detail) is Request and node in current:
            attempts[current[node]].append((t, detail.req_id))
            owner[(node, detail.req_id)] = current[node]
    return attempts, owner


def _applications(sim: Simulation, server: str, owner: dict[tuple[str, int], int]) -> dict[int, int]:
    counts = {op.index: 0 for op in sim.history}
    for _t, kind, node, _peer, _mid, detail in sim.trace.records:
        if kind == "note" and node == server and "applied" in detail:
            idx = owner.get((detail["client"], detail["applied"]))
            if idx is not None:
                counts[idx] += 1
    return counts


def peak_load(sim: Simulation, server: str = "server", window: float = 10.0) -> int:
    """The most requests delivered to ``server`` within any ``window`` ms of the run."""
    times = [r[0] for r in sim.trace.records if r[1] == "deliver" and r[2] == server and type(r[5]) is Request]
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def summarize(sim: Simulation, *, server: str = "server", window: float = 10.0) -> RequestReplyResult:
    """Measure a finished client/server run from its trace and history."""
    if not sim.trace.enabled:
        raise ConfigError("summarize() reads the trace; build the Simulation with trace=True")
    attempts, owner = attempts_by_op(sim)
    applied = _applications(sim, server, owner)
    counts = sim.history.counts()
    mutating = [op for op in sim.history if op.f in ("incr", "withdraw") and op.outcome != "fail"]
    storage = sim.storage(server)
    return RequestReplyResult(
        seed=sim.seed, ops=len(sim.history), ok=counts["ok"], fail=counts["fail"], unknown=counts["unknown"],
        applied=sum(applied.values()), duplicates=sum(max(0, n - 1) for n in applied.values()),
        never_applied=sum(1 for op in mutating if applied[op.index] == 0),
        attempts=sum(len(a) for a in attempts.values()),
        messages=sum(1 for r in sim.trace.records if r[1] == "send"),
        peak_load=peak_load(sim, server, window), window=window,
        final_value=storage.get("value"),
        applications=applied, sim=sim)


# -- the four causes of a timeout, and a retry without keys (notebook 01, section 5) ---------------

#: The four causes of a timeout, which look the same to the client.
TIMEOUT_CAUSES = ("lost request", "crashed server", "lost reply", "slow server")


def timeout_scenario(cause: str, seed: int = 62) -> Simulation:
    """One ``incr 1`` with a 50 ms timeout and no retry, timing out for the given ``cause``.

    The network delays every message 5 ms; the slow server takes 200 ms to serve a request.
    Run and returned, so its trace and history can be examined.
    """
    if cause not in TIMEOUT_CAUSES:
        raise ConfigError(f"unknown cause {cause!r}; choose one of {list(TIMEOUT_CAUSES)}")
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer, service_time=200.0 if cause == "slow server" else 0.0)
    sim.add_node("client", RetryClient, server="server", ops=[("incr", 1)],
                 policy=RetryPolicy(timeout=50, max_attempts=1))
    if cause == "lost request":
        sim.net.cut("client", "server")
    elif cause == "crashed server":
        sim.at(0, sim.crash, "server")
    elif cause == "lost reply":
        sim.net.cut("server", "client")
    sim.run(until=1000)
    return sim


def client_view(sim: Simulation, client: str = "client") -> tuple[tuple[float, str, Any], ...]:
    """What ``client`` observed until its first operation ended: sends, deliveries, timers, the outcome."""
    end = sim.history[0].complete_time
    return tuple((r.time, r.kind, "request" if r.kind == "send" else r.detail)
                 for r in sim.trace if r.node == client and r.time <= end
                 and r.kind in ("send", "deliver", "timer", "complete"))


def lost_reply_run(seed: int = 61) -> Simulation:
    """``incr 1`` without idempotency keys whose first reply is lost (server->client cut until t=30).

    The client times out after 50 ms and retries; the retry's reply arrives. Run and returned.
    """
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer)
    sim.add_node("client", RetryClient, server="server", ops=[("incr", 1)],
                 policy=RetryPolicy(timeout=50, max_attempts=3, base=10, idempotency=False))
    sim.net.cut("server", "client")
    sim.at(30, sim.net.restore, "server", "client")
    sim.run(until=1000)
    return sim


# -- the scenarios behind the predictions 01-predict-timeout and 01-predict-retry --------------------


def slow_server_run(seed: int = 63) -> Simulation:
    """Two ``withdraw 60`` from a balance of 100, one 50 ms attempt each, at a server that needs 80 ms each.

    The network delays every message 5 ms and loses nothing; the server serves one request at a
    time (``service_time=80``). The client never retries (``max_attempts=1``) and starts the
    second withdrawal as soon as the first has ended. Run to t=1000 and returned.
    """
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer, service_time=80.0, initial=100)
    sim.add_node("client", RetryClient, server="server", ops=[("withdraw", 60), ("withdraw", 60)],
                 policy=RetryPolicy(timeout=50, max_attempts=1))
    sim.run(until=1000)
    return sim


def paused_server_run(seed: int = 64) -> Simulation:
    """``incr 5`` without idempotency keys while the server sits in a 300 ms stop-the-world pause.

    The network delays every message 5 ms and loses nothing. The server pauses at t=2 (before
    the first request arrives) until t=302. The client tries 4 times in all, 30 ms per attempt,
    with full-jitter backoff (base 10 ms, cap 100 ms) between attempts. Run to t=1000 and returned.
    """
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer)
    sim.add_node("client", RetryClient, server="server", ops=[("incr", 5)],
                 policy=RetryPolicy(timeout=30, max_attempts=4, base=10, cap=100, idempotency=False))
    sim.at(2, sim.pause, "server", 300)
    sim.run(until=1000)
    return sim


# -- designing a retry policy for stated goals (exercise 01-design-retry) -----------------------------

#: One-way delay of the design scenarios: log-normal, median 10 ms, p99 60 ms (a round trip:
#: p50 about 23 ms, p90 about 48 ms, p99 about 89 ms, p99.9 about 144 ms).
DESIGN_LATENCY = LongTail(median=10, p99=60)
#: The seeds every goal is measured on.
DESIGN_SEEDS = (1, 2, 3)
#: The goals: name -> (what is measured, the bound).
DESIGN_GOALS = {
    "success": "steady state: at least 99.9% of all operations end ok",
    "p99 latency": "steady state: the 99th percentile of ok operations' latency is at most 250 ms",
    "retry budget": "steady state: at most 1.10 requests per operation (retries at most 10% of operations)",
    "storm: all ok": "recovery storm: every operation ends ok",
    "storm: no overload": "recovery storm: the server sheds no request",
    "storm: recovery": "recovery storm: the last operation completes by t = 2,000 ms (within 1 s of the server's return)",
}
_STEADY = dict(clients=20, ops=25, loss=0.02)
_STORM = dict(clients=100, ops=1, start_spread=50.0, outage=(0.0, 1000.0), service_time=1.0, capacity=20)


def steady_run(policy: RetryPolicy, seed: int) -> RequestReplyResult:
    """Steady state: 20 clients x 25 ``incr 1``, 2% of messages lost, a de-duplicating server that answers at once."""
    return run_request_reply(seed, policy=policy, dedup=True, latency=DESIGN_LATENCY, until=300_000.0, **_STEADY)


def storm_run(policy: RetryPolicy, seed: int) -> RequestReplyResult:
    """A recovery storm: 100 clients send one ``incr 1`` each in the first 50 ms; the server is down
    until t=1000 ms, then serves one request per ms and queues at most 20 (it sheds the rest)."""
    return run_request_reply(seed, policy=policy, dedup=True, latency=DESIGN_LATENCY, until=30_000.0, **_STORM)


@dataclass(frozen=True)
class GoalCheck:
    """One goal of the design exercise, measured: its name, what it asks, what the runs showed, met or not."""

    goal: str
    asks: str
    measured: str
    met: bool


def _latencies(results: Sequence[RequestReplyResult]) -> list[float]:
    return [op.complete_time - op.invoke_time for r in results for op in r.sim.history  # type: ignore[union-attr]
            if op.outcome == "ok"]


def _p99(values: list[float]) -> float:
    import pandas as pd

    return float(pd.Series(values, dtype=float).quantile(0.99)) if values else math.inf


def retry_goals(policy: RetryPolicy, seeds: Sequence[int] = DESIGN_SEEDS) -> list[GoalCheck]:
    """Run the steady state and the recovery storm on each seed under ``policy``; check each goal.

    The goals are :data:`DESIGN_GOALS`; the figures are measured from the runs' histories and
    traces (``shed`` notes for overload). Several policies meet every goal.
    """
    if not isinstance(policy, RetryPolicy):
        raise ConfigError(f"policy must be a RetryPolicy(...), got {policy!r}")
    steady = [steady_run(policy, s) for s in seeds]
    storm = [storm_run(policy, s) for s in seeds]
    ops, ok = sum(r.ops for r in steady), sum(r.ok for r in steady)
    p99 = _p99(_latencies(steady))
    per_op = sum(r.attempts for r in steady) / ops
    storm_ok = [r.ok for r in storm]
    shed = [len(r.sim.trace.notes("server", "shed")) for r in storm]  # type: ignore[union-attr]
    done = [max((op.complete_time if op.complete_time is not None else math.inf)
                for op in r.sim.history) for r in storm]  # type: ignore[union-attr]
    seeds_text = ", ".join(map(str, seeds))
    return [
        GoalCheck("success", DESIGN_GOALS["success"], f"{ok} of {ops} ok ({ok / ops:.2%})", ok >= 0.999 * ops),
        GoalCheck("p99 latency", DESIGN_GOALS["p99 latency"], f"p99 {p99:.0f} ms", p99 <= 250.0),
        GoalCheck("retry budget", DESIGN_GOALS["retry budget"], f"{per_op:.3f} requests per operation",
                  per_op <= 1.10),
        GoalCheck("storm: all ok", DESIGN_GOALS["storm: all ok"],
                  f"ok {storm_ok} of {storm[0].ops} (seeds {seeds_text})", all(k == r.ops for k, r in zip(storm_ok, storm))),
        GoalCheck("storm: no overload", DESIGN_GOALS["storm: no overload"], f"shed {shed} (seeds {seeds_text})",
                  not any(shed)),
        GoalCheck("storm: recovery", DESIGN_GOALS["storm: recovery"],
                  "last completion at " + ", ".join("never" if math.isinf(t) else f"{t:.0f}" for t in done)
                  + f" ms (seeds {seeds_text})", max(done) <= 2000.0),
    ]


def goals_table(checks: Sequence[GoalCheck]) -> "pd.DataFrame":
    """The goal checks as a table, one row per goal."""
    import pandas as pd

    return pd.DataFrame([{"goal": c.goal, "asks": c.asks, "measured": c.measured, "met": c.met} for c in checks])
