"""Fallacy 6: there is one administrator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.reliability import CounterServer
from dsworkbook.sim import Node, Request, Response, Simulation

if TYPE_CHECKING:  # pragma: no cover
    pass

from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result


# -- 6. there is one administrator ------------------------------------------------------------------------


class Dispatcher(Node):
    """Sends ``jobs`` jobs, one every ``every`` ms, to ``backends`` in turn.

    ``check="send"`` (naive) counts a backend alive when sending to it does not fail - and a
    send never fails. ``check="reply"`` pings every backend and counts it alive only while it
    answers; a job is a request that must be answered within ``timeout`` ms, else it is resent
    to the next live backend (backends deduplicate by job key).
    """

    PING = 10**9

    def __init__(self, node_id: str, *, backends: Sequence[str], jobs: int, every: float, check: str,
                 timeout: float = 30.0, suspect_after: float = 50.0) -> None:
        super().__init__(node_id)
        if check not in ("send", "reply"):
            raise ConfigError(f"check must be 'send' or 'reply', got {check!r}")
        self.backends, self.jobs, self.every, self.check = list(backends), jobs, every, check
        self.timeout, self.suspect_after = timeout, suspect_after

    def on_start(self) -> None:
        self.next_job, self.turn, self.pings = 0, 0, 0
        self.heard = {b: self.now() for b in self.backends}
        self.tries: dict[int, int] = {}
        self.detected: dict[str, float] = {}
        self.set_timer("job", 0)
        if self.check == "reply":
            self.set_timer("ping", 0)

    def alive(self, backend: str) -> bool:
        return self.check == "send" or self.now() - self.heard[backend] <= self.suspect_after

    def _pick(self) -> str:
        for _ in self.backends:
            self.turn += 1
            b = self.backends[self.turn % len(self.backends)]
            if self.alive(b):
                return b
            self.detected.setdefault(b, self.now())
        return self.backends[self.turn % len(self.backends)]

    def _send_job(self, job: int) -> None:
        self.tries[job] = self.tries.get(job, 0) + 1
        self.send(self._pick(), Request(job * 100 + self.tries[job], "incr", 1, f"job{job}"))
        if self.check == "reply":
            self.set_timer(("retry", job), self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "job" and self.next_job < self.jobs:
            self._send_job(self.next_job)
            self.next_job += 1
            self.set_timer("job", self.every)
        elif name == "ping":
            self.pings += 1
            for b in self.backends:
                self.send(b, Request(self.PING + self.pings, "read"))
            self.set_timer("ping", self.suspect_after / 3)
        elif isinstance(name, tuple):
            self._send_job(name[1])

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Response):
            self.heard[src] = self.now()
            if msg.req_id < self.PING:
                self.cancel_timer(("retry", msg.req_id // 100))


def _dispatch_run(seed: int, check: str, cut_at: float, jobs: int) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 10))
    sim.add_nodes(["b1", "b2"], CounterServer, dedup=True)
    lb = sim.add_node("lb", Dispatcher, backends=["b1", "b2"], jobs=jobs, every=10.0, check=check)
    sim.at(cut_at, sim.net.cut, "lb", "b1")  # someone else's firewall rule: lb -> b1 only
    sim.run(until=jobs * 10.0 + 500)
    done = {d["applied"] // 100 for _t, k, n, _p, _m, d in sim.trace.records
            if k == "note" and n in ("b1", "b2") and "applied" in d}
    detected = lb.detected.get("b1")
    return {"jobs": jobs, "processed": len(done), "lost": jobs - len(done),
            "b1 seen as down after ms": None if detected is None else round(detected - cut_at, 1)}


def one_administrator(seed: int = 0) -> FallacyResult:
    """A one-way firewall rule fools an "I can send, so you are alive" check, not request-reply."""
    seed = _check_seed(seed)
    naive, fixed = _dispatch_run(seed, "send", 100.0, 30), _dispatch_run(seed, "reply", 100.0, 30)
    broke = naive["lost"] > 0
    held = fixed["lost"] == 0 and fixed["b1 seen as down after ms"] is not None
    return _result(6, seed, """
        A dispatcher hands thirty jobs to two backends in turn. At 100 ms an administrator of
        another team adds a firewall rule that drops traffic from the dispatcher to backend b1
        (only that direction: b1 can still reach the dispatcher). The naive dispatcher thinks a
        backend is alive because sending to it does not fail, so half the jobs after the change
        vanish and it never notices. The fixed dispatcher asks for replies: it pings both
        backends, stops using b1 once b1 stops answering, and resends a job that got no answer to
        the other backend (the job key makes a resend harmless).""", naive, fixed, broke, held,
        f"naive: {naive['lost']} of {naive['jobs']} jobs lost, b1 never seen as down; fixed: {fixed['lost']} lost, "
        f"b1 seen as down {fixed['b1 seen as down after ms']} ms after the rule.")
