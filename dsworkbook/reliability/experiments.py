"""Request-reply runs, measured: duplicates applied, operations lost, peak load - and the named scenarios.

:func:`run_request_reply` builds, runs and measures a client/server run; :func:`summarize` reads
the trace, so the figures are measured, not assumed. The named scenarios are the four causes of
a timeout (:func:`timeout_scenario`), a lost reply without keys (:func:`lost_reply_run`), and the
scenarios of the predictions ``01-predict-timeout`` (:func:`slow_server_run`) and
``01-predict-retry`` (:func:`paused_server_run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.reliability.client import RetryClient, _check_ops
from dsworkbook.reliability.policy import BackoffFn, RetryPolicy, _check_ms
from dsworkbook.reliability.server import CounterServer
from dsworkbook.sim import Constant, Node, Request, Simulation

__all__ = [
    "RequestReplyResult", "request_reply_sim", "run_request_reply", "attempts_by_op", "peak_load",
    "summarize", "TIMEOUT_CAUSES", "timeout_scenario", "client_view", "lost_reply_run", "slow_server_run",
    "paused_server_run",
]


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
