"""TrueTime on top of NTP: how often to poll, and which uncertainty ``eps`` to advertise (C01, C06).

Theory of operation
-------------------
TrueTime (Corbett et al., "Spanner", OSDI 2012, §3) is not magic. A machine's time daemon
polls time masters; right after a poll its clock is off by at most the poll's error bound,
and from then on it assumes its oscillator drifts at a worst-case rate. So the uncertainty it
may advertise must satisfy

    eps  >=  (error right after a poll)  +  (drift rate) x (time since that poll)

The first term is NTP's bound: half the round trip to the master (physical.py; RFC 5905 §8).
The second grows until the next poll. Spanner's daemons poll every 30 s and apply a drift of
200 µs per second - a sawtooth from 0 to 6 ms - plus about 1 ms for the round trip to the
masters, so its eps moves between about 1 and 7 ms (§3). Commit wait costs about ``2 eps``
per write (§4.1.2), so the poll interval trades load on the time masters against commit
latency. (Spanner advertises the sawtooth itself; here eps is one constant, which must cover
the top of the sawtooth.)

:class:`SyncedLeader` is a Spanner-style leader whose clock is disciplined by NTP. It polls
the time master ``"tm"`` (a :class:`~dsworkbook.clocks.physical.TimeServer` with a perfect
clock) every ``poll_every`` ms of its own clock and keeps the estimated offset as a
correction of its raw clock (the raw clock is never stepped, as a daemon would slew it).
``TT.now()`` is ``[corrected - eps, corrected + eps]``. A commit gets ``s = TT.now().latest``
(the Start rule, §4.1.2) and is acknowledged once ``TT.now().earliest`` has reached ``s``,
re-checked after each timer since a sync may move the corrected clock during the wait
(commit wait). Commits that arrive before the first sync wait for it. Every ``TT.now()``
reading is noted with the true time it was taken at, so the run can measure the true error.

:func:`sync_run` builds the leaders, the time master and the clients:

* ``worst_case=False`` - three leaders with drift rates drawn within ``±drift`` and delays to
  the master drawn so that a poll's round trip is at most ``rtt``; two clients commit on random
  leaders over a link of ``hop`` ms each way. This measures what a commit costs.
* ``worst_case=True`` - the adversary, at the edge of every bound. L1's oscillator is fast by
  exactly ``drift`` and its requests take the whole round trip, so each sync leaves it ahead
  by ``rtt / 2`` and it runs further ahead until the next poll; L2 is slow by exactly
  ``drift`` and its replies take the whole round trip, so it falls behind the same way. One
  client commits on L1 and then at once on L2, over a near-instant link, and repeats that
  pair 1,200 times over two poll periods (evenly spread, whatever eps is). A commit on
  L1 followed by one on L2 is where an ``eps`` smaller than the clocks' real error shows up
  as two transactions whose timestamps contradict real time.

:class:`SyncRun` reports the violations of external consistency (truetime.py's check), the
largest true error of a ``TT.now()`` reading against ``eps``, the mean commit latency and the
polls per second. :data:`SYNC_GOALS` holds the setting of exercise ``04-design-clock-sync``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.clocks.physical import TimeReply, TimeRequest, TimeServer, ntp_offset
from dsworkbook.clocks.truetime import Commit, Committed, TTInterval, external_consistency
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation
from dsworkbook.sim.latency import Constant, Uniform

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SyncGoals", "SYNC_GOALS", "SyncedLeader", "SyncClient", "SyncRun", "sync_run"]


@dataclass(frozen=True)
class SyncGoals:
    """The setting a clock-synchronisation design must meet (all times in ms)."""

    #: worst-case oscillator drift, as a fraction (0.0002 = 200 ppm = 0.2 ms per second)
    drift: float = 0.0002
    #: the longest round trip of a poll to the time master (how it splits each way is unknown)
    rtt: float = 2.0
    #: the time masters' load budget: each leader may poll at most once per this many ms
    min_poll_every: float = 5000.0
    #: the mean commit latency clients may see, network included
    latency_budget: float = 13.0
    #: the one-way delay between a client and a leader in the latency runs (a round trip: 2 x hop)
    hop: float = 1.1
    #: how closely times are compared in a check (rounding and the drift during one exchange)
    tolerance: float = 0.01

    def rows(self) -> list[tuple[str, str]]:
        """The setting in words, one ``(what, value)`` per line, for a notebook to print."""
        return [("oscillator drift, at most", f"{self.drift * 1e6:g} ppm = {self.drift * 1000:g} ms per second"),
                ("round trip of a poll to the time master, at most", f"{self.rtt:g} ms (split unknown)"),
                ("the time masters' load budget", f"each leader polls at most once per {self.min_poll_every:g} ms"),
                ("client <-> leader delay", f"{self.hop:g} ms each way"),
                ("mean commit latency budget (network included)", f"{self.latency_budget:g} ms"),
                ("comparisons in the check", f"to {self.tolerance:g} ms")]

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.rows())
        return "\n".join(f"{k:<{width}}  {v}" for k, v in self.rows())


#: The setting of exercise ``04-design-clock-sync``.
SYNC_GOALS = SyncGoals()


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number of ms, got {value!r}")
    return float(value)


class SyncedLeader(Node):
    """A leader whose TrueTime rests on NTP polls of ``master`` every ``poll_every`` ms, advertising ``eps``."""

    def __init__(self, node_id: str, *, eps: float, poll_every: float, master: str = "tm") -> None:
        super().__init__(node_id)
        self.eps, self.poll_every, self.master = eps, poll_every, master

    def on_start(self) -> None:
        self.correction: float | None = None
        self.seq = 0
        self.early: list[tuple[str, int]] = []
        self._poll()

    def _poll(self) -> None:
        self.seq += 1
        self.send(self.master, TimeRequest(self.seq, self.now()))
        self.set_timer("poll", self.poll_every)

    def tt_now(self) -> TTInterval:
        """``[corrected - eps, corrected + eps]``; the reading is noted for the check of the true error."""
        assert self.correction is not None
        corrected = self.now() + self.correction
        self.note(tt=corrected)
        return TTInterval(corrected - self.eps, corrected + self.eps)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, TimeReply):
            offset, bound = ntp_offset(msg.t0, msg.t1, msg.t2, self.now())
            first = self.correction is None
            self.correction = offset
            self.note(sync=msg.seq, offset=offset, bound=bound)
            if first:
                for client, txn in self.early:
                    self._commit(client, txn)
                self.early = []
        elif isinstance(msg, Commit):
            if self.correction is None:
                self.early.append((src, msg.txn))
            else:
                self._commit(src, msg.txn)

    def _commit(self, src: str, txn: int) -> None:
        s = self.tt_now().latest  # Start: no earlier than TT.now().latest
        self.note(commit=txn, s=s)
        self._release(src, txn, s)

    def _release(self, src: str, txn: int, s: float) -> None:
        left = s - self.tt_now().earliest  # commit wait: until TT.now().earliest has reached s
        if left > 1e-9:
            self.set_timer(("wait", src, txn, s), left)
        else:
            self.send(src, Committed(txn, s))

    def on_timer(self, name: Any) -> None:
        if name == "poll":
            self._poll()
        else:
            _, src, txn, s = name
            self._release(src, txn, s)


class SyncClient(Node):
    """Commits back to back from ``start`` ms: on random leaders, or in turn on each (``alternate=True``).

    In turn, it commits once on every leader back to back - the next commit starts the moment
    the last one is acknowledged - then pauses ``pause`` ms before the next round. It stops
    after ``txns`` commits, or once its clock passes ``stop`` (whichever is given).
    """

    def __init__(self, node_id: str, *, leaders: Sequence[str], start: float, txns: int | None = None,
                 stop: float | None = None, alternate: bool = False, pause: float = 0.0, base: int = 0) -> None:
        super().__init__(node_id)
        self.leaders, self.start, self.txns, self.stop = tuple(leaders), start, txns, stop
        self.alternate, self.pause, self.base = alternate, pause, base

    def on_start(self) -> None:
        self.done = 0
        self.handle: int | None = None
        self.set_timer("go", self.start)

    def on_timer(self, name: Any) -> None:
        self._next()

    def _next(self) -> None:
        if (self.txns is not None and self.done >= self.txns) or (self.stop is not None and self.now() >= self.stop):
            return
        leader = self.leaders[self.done % len(self.leaders)] if self.alternate else self.rng.choice(self.leaders)
        txn = self.base + self.done + 1
        self.handle = self.invoke("commit", txn)
        self.send(leader, Commit(txn))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Committed) and self.handle is not None:
            self.complete(self.handle, "ok", msg.s)
            self.handle = None
            self.done += 1
            if self.alternate and self.pause and self.done % len(self.leaders) == 0:
                self.set_timer("go", self.pause)
            else:
                self._next()


@dataclass
class SyncRun:
    """A finished :func:`sync_run`."""

    sim: Simulation
    poll_every: float
    eps: float
    worst_case: bool
    duration: float
    pairs: int
    violations: list[tuple[int, int, float, float]]

    @property
    def seed(self) -> int:
        return self.sim.seed

    @property
    def leaders(self) -> list[str]:
        return [n for n in self.sim.node_ids if n.startswith("L")]

    def errors(self) -> list[tuple[float, str, float]]:
        """Every ``TT.now()`` reading as ``(true time, leader, corrected clock minus true time)``."""
        return [(r.time, r.node, r.detail["tt"] - r.time) for r in self.sim.trace.notes(key="tt")]

    def error_at(self, leader: str, t: float) -> float:
        """The error of ``leader``'s ``TT.now()`` reading nearest to true time ``t`` (0.0 if it has none)."""
        mine = [(abs(time - t), e) for time, n, e in self.errors() if n == leader]
        return min(mine)[1] if mine else 0.0

    def worst_error(self) -> tuple[float, str, float]:
        """The reading furthest from true time: ``(true time, leader, error)``."""
        return max(self.errors(), key=lambda e: abs(e[2]), default=(0.0, "", 0.0))

    def mean_latency(self) -> float:
        """Mean commit latency seen by the clients (ms of true time)."""
        ops = [op for op in self.sim.history if op.outcome == "ok"]
        return sum(op.complete_time - op.invoke_time for op in ops) / max(len(ops), 1)

    def commits(self) -> int:
        return sum(1 for op in self.sim.history if op.outcome == "ok")

    def polls_per_second(self) -> float:
        """Polls per second of one leader, the busiest (the load on the time masters per leader)."""
        polls = [len(self.sim.trace.notes(n, key="sync")) for n in self.leaders]
        return max(polls, default=0) / max(self.duration / 1000.0, 1e-9)

    def error_table(self) -> "pd.DataFrame":
        """One row per ``TT.now()`` reading: true time, leader, error (ms), and eps."""
        import pandas as pd

        return pd.DataFrame([{"true time": t, "leader": n, "error (ms)": e, "eps (ms)": self.eps}
                             for t, n, e in self.errors()])

    def summary(self) -> dict[str, Any]:
        t, leader, err = self.worst_error()
        return {"seed": self.seed, "poll every (ms)": self.poll_every, "eps (ms)": self.eps,
                "worst case": self.worst_case, "commits": self.commits(), "pairs checked": self.pairs,
                "violations": len(self.violations), "largest |error| (ms)": round(abs(err), 4),
                "mean commit latency (ms)": round(self.mean_latency(), 3),
                "polls per second": round(self.polls_per_second(), 4)}


def sync_run(seed: int, *, poll_every: float, eps: float, goals: SyncGoals = SYNC_GOALS, worst_case: bool = False,
             txns: int = 100, periods: float = 2.0, max_duration: float = 70_000.0) -> SyncRun:
    """Leaders synchronised by NTP every ``poll_every`` ms, advertising ``eps``; clients commit (module docstring).

    ``txns`` is the number of commits per client in a normal run; the worst case runs for
    ``periods`` poll periods (at most ``max_duration`` ms), a pair of commits every few ms.
    """
    poll_every, eps = _positive("poll_every", poll_every), _positive("eps", eps)
    rho, rtt = goals.drift, goals.rtt
    start = 2 * rtt + 1.0  # after the first sync
    sim = Simulation(seed, latency=Constant(0.01 if worst_case else goals.hop))
    sim.add_node("tm", TimeServer)
    if worst_case:
        leaders = ("L1", "L2")
        setup = {"L1": (300.0, rho, rtt, 0.0), "L2": (-300.0, -rho, 0.0, rtt)}  # offset, drift, out, back
        duration = min(periods * poll_every * (1 + 2 * rho), max_duration) + start
    else:
        leaders = ("L1", "L2", "L3")
        rng = random.Random(seed * 7919 + 53)
        setup = {n: (round(rng.uniform(-300, 300), 3), round(rng.uniform(-rho, rho), 8), None, None) for n in leaders}
        duration = 0.0
    for n in leaders:
        offset, drift, out, back = setup[n]
        sim.add_node(n, SyncedLeader, eps=eps, poll_every=poll_every)
        sim.set_clock_offset(n, offset)
        sim.set_drift(n, drift)
        sim.net.set_link(n, "tm", latency=Constant(out) if out is not None else Uniform(0, rtt / 2))
        sim.net.set_link("tm", n, latency=Constant(back) if back is not None else Uniform(0, rtt / 2))
    if worst_case:
        sim.add_node("c1", SyncClient, leaders=leaders, start=start, stop=duration, alternate=True,
                     pause=max(2.0, duration / 1200))
        sim.run(until=duration + 4 * eps + 10)
    else:
        for i in range(2):
            sim.add_node(f"c{i + 1}", SyncClient, leaders=leaders, start=start, txns=txns, base=100_000 * (i + 1))
        step, horizon = 200.0, start + txns * (4 * eps + 4 * goals.hop + 10) + 1000
        while sim.now < horizon:
            sim.run(until=sim.now + step)
            if sum(1 for op in sim.history if op.outcome == "ok") >= 2 * txns:
                break
        duration = sim.now
    pairs, bad = external_consistency(sim)
    return SyncRun(sim, poll_every, eps, worst_case, duration, pairs, bad)
