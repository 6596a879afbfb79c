"""TrueTime intervals and commit wait: external consistency from bounded clock error (concept C06).

Theory of operation
-------------------
Spanner (Corbett et al., OSDI 2012, §3) does not pretend to know the time. ``TT.now()`` returns
an interval ``[earliest, latest]`` that is guaranteed to contain true time; GPS and atomic
clocks keep its half-width ``eps`` at a few ms. Here :class:`TrueTime` builds the interval from
a node's local clock, ``[local - eps, local + eps]``, which contains true time exactly when the
clock's offset is within ``eps`` (:meth:`TrueTime.holds`).

A transaction's commit timestamp ``s`` must lie between its real start and its real commit, so
that timestamp order is real-time order (**external consistency**, §4.1.2): if T1 commits
before T2 starts, then ``s1 < s2``. Two rules do it:

* **Start**: ``s >= TT.now().latest`` when the commit request arrives - ``s`` is no earlier
  than true time;
* **Commit wait**: do not let anyone see the commit until ``TT.after(s)``, i.e. until
  ``TT.now().earliest > s`` - true time has certainly passed ``s``. It costs about ``2 eps``.

Without the wait, a leader whose clock is ahead acknowledges a commit with a timestamp in the
future; a client then starts T2 on another leader whose clock is behind, and T2 gets a smaller
timestamp than T1 although it started after T1 committed.

:class:`SpannerLeader` s (one per shard) assign timestamps with a pluggable ``commit_rule``
(``(TT.now() at arrival) -> (s, wait in ms)``); :class:`TxnClient` s run transactions one
after another on random leaders. :func:`external_consistency` finds every pair where one
transaction completed before the other was invoked (true times, from the history) yet did
not get a smaller timestamp; :func:`commit_wait_experiment` counts them over many seeds with
and without the wait.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["TTInterval", "TrueTime", "CommitRule", "spanner_commit", "no_wait_commit", "Commit", "Committed",
           "SpannerLeader", "TxnClient", "TxnRun", "external_consistency", "spanner_run", "commit_wait_experiment"]


def _ms(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number of ms, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class TTInterval:
    """``[earliest, latest]``: true time lies somewhere inside (if the clock keeps its promise)."""

    earliest: float
    latest: float

    def __post_init__(self) -> None:
        if _ms("earliest", self.earliest) > _ms("latest", self.latest):
            raise ConfigError(f"earliest ({self.earliest}) is after latest ({self.latest}); an interval needs earliest <= latest")

    @property
    def width(self) -> float:
        return self.latest - self.earliest

    def contains(self, t: float) -> bool:
        return self.earliest <= t <= self.latest

    def __str__(self) -> str:
        return f"[{self.earliest:.3f}, {self.latest:.3f}]"


class TrueTime:
    """TT.now() / TT.after() / TT.before() over a local clock reading, with half-width ``eps`` ms."""

    def __init__(self, eps: float) -> None:
        eps = _ms("eps", eps)
        if eps < 0:
            raise ConfigError(f"eps (the clock's error bound) must be >= 0 ms, got {eps}")
        self.eps = eps

    def now(self, local: float) -> TTInterval:
        """The interval for a node whose clock reads ``local``."""
        local = _ms("local", local)
        return TTInterval(local - self.eps, local + self.eps)

    def after(self, t: float, local: float) -> bool:
        """True when ``t`` has definitely passed: ``TT.now().earliest > t``."""
        return self.now(local).earliest > t

    def before(self, t: float, local: float) -> bool:
        """True when ``t`` has definitely not arrived: ``TT.now().latest < t``."""
        return self.now(local).latest < t

    def holds(self, offset: float) -> bool:
        """Does the promise hold for a clock ``offset`` ms from true time? (``|offset| <= eps``)"""
        return abs(offset) <= self.eps

    def __repr__(self) -> str:
        return f"TrueTime(eps={self.eps:g})"


#: ``(TT.now() when the commit request arrives) -> (commit timestamp s, how long to wait in ms)``.
CommitRule = Callable[[TTInterval], "tuple[float, float]"]


def spanner_commit(now: TTInterval) -> tuple[float, float]:
    """Spanner's rules: ``s = TT.now().latest``, then wait until ``earliest`` has passed ``s``: ``latest - earliest``."""
    return now.latest, now.latest - now.earliest


def no_wait_commit(now: TTInterval) -> tuple[float, float]:
    """The Start rule without the commit wait: acknowledge at once."""
    return now.latest, 0.0


@dataclass(frozen=True, slots=True)
class Commit:
    txn: int


@dataclass(frozen=True, slots=True)
class Committed:
    txn: int
    s: float


class SpannerLeader(Node):
    """A shard leader: gives each :class:`Commit` a timestamp by ``commit_rule`` and replies after its wait."""

    def __init__(self, node_id: str, eps: float = 5.0, commit_rule: CommitRule = spanner_commit) -> None:
        super().__init__(node_id)
        self.tt, self.commit_rule = TrueTime(eps), commit_rule

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Commit):
            now = self.tt.now(self.now())
            result = self.commit_rule(now)
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ConfigError(f"commit_rule must return (s, wait_ms), got {result!r}")
            s, wait = _ms("s", result[0]), _ms("wait", result[1])
            if wait < 0:
                raise ConfigError(f"commit_rule returned a negative wait ({wait} ms); wait 0 to acknowledge at once")
            self.note(commit=msg.txn, s=s, wait=wait)
            if wait > 0:
                self.set_timer(("ack", src, msg.txn, s), wait)
            else:
                self.send(src, Committed(msg.txn, s))

    def on_timer(self, name: Any) -> None:
        _, src, txn, s = name
        self.send(src, Committed(txn, s))


class TxnClient(Node):
    """Runs ``txns`` transactions one after another, each on a random leader, right after the last one committed."""

    def __init__(self, node_id: str, leaders: tuple[str, ...] = (), txns: int = 10, base: int = 0) -> None:
        super().__init__(node_id)
        self.leaders, self.txns, self.base = leaders, txns, base

    def on_start(self) -> None:
        self.done, self.handle = 0, None
        self._next()

    def _next(self) -> None:
        txn = self.base + self.done + 1
        self.handle = self.invoke("commit", txn)
        self.send(self.rng.choice(self.leaders), Commit(txn))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Committed) and self.handle is not None:
            self.complete(self.handle, "ok", msg.s)
            self.done += 1
            self.handle = None
            if self.done < self.txns:
                self._next()


def external_consistency(sim: Simulation) -> tuple[int, list[tuple[int, int, float, float]]]:
    """``(pairs checked, violations)``: T1 completed before T2 was invoked (true time) but ``s1 >= s2``.

    T1 precedes T2 when it completed strictly earlier, or in the same instant on the same
    client (a client that starts T2 on T1's acknowledgement does so in the instant it arrives:
    its T2 still comes after T1). Every such pair of successful transactions is checked. The
    transactions already completed are kept sorted by timestamp, so T2's violators are a
    suffix of that list: the check takes O(n log n) plus the violations found, and runs of
    thousands of transactions stay fast. Violations are listed per T2 in invocation order, and
    for each T2 in the order its T1s completed.
    """
    ops = sorted((op for op in sim.history if op.outcome == "ok"), key=lambda op: op.invoke_time)
    by_end = sorted(ops, key=lambda op: op.complete_time)
    just_done = {(op.process, op.complete_time): k for k, op in enumerate(by_end)}
    done: list[tuple[float, int]] = []  # (s, position in by_end) of transactions completed before
    pairs, bad, j = 0, [], 0
    for t2 in ops:
        while j < len(by_end) and by_end[j].complete_time < t2.invoke_time:
            insort(done, (by_end[j].output, j))
            j += 1
        before = [k for _, k in done[bisect_left(done, (t2.output, -1)):]]
        same = just_done.get((t2.process, t2.invoke_time))
        pairs += j
        if same is not None and same >= j and by_end[same] is not t2:
            pairs += 1
            if not by_end[same].output < t2.output:
                before.append(same)
        for k in sorted(before):
            t1 = by_end[k]
            bad.append((t1.input, t2.input, t1.output, t2.output))
    return pairs, bad


@dataclass
class TxnRun:
    """A finished :func:`spanner_run`."""

    sim: Simulation
    eps: float
    offsets: dict[str, float]
    pairs: int
    violations: list[tuple[int, int, float, float]]

    @property
    def seed(self) -> int:
        return self.sim.seed

    def mean_latency(self) -> float:
        """Mean commit latency seen by the clients (ms of true time)."""
        ops = [op for op in self.sim.history if op.outcome == "ok"]
        return sum(op.complete_time - op.invoke_time for op in ops) / max(len(ops), 1)

    def table(self) -> "pd.DataFrame":
        """One row per transaction: client, leader, true invoke/complete times, timestamp s."""
        import pandas as pd

        leader_of = {r.detail["commit"]: r.node for r in self.sim.trace.notes(key="commit")}
        return pd.DataFrame([{"txn": op.input, "client": op.process, "leader": leader_of.get(op.input),
                              "invoked": round(op.invoke_time, 3), "completed": round(op.complete_time, 3),
                              "s": round(op.output, 3)} for op in self.sim.history if op.outcome == "ok"]).set_index("txn")


def spanner_run(seed: int, *, commit_rule: CommitRule = spanner_commit, eps: float = 5.0, leaders: int = 3,
                clients: int = 2, txns: int = 15, latency: Any = (0.2, 2.0), bad_clock: float | None = None,
                offsets: Sequence[float] | None = None) -> TxnRun:
    """Leaders with clock offsets drawn within ``±eps`` (TrueTime's promise); clients run transactions.

    ``offsets`` sets the leaders' offsets instead (one number of ms per leader; within ``±eps``
    the promise holds, exactly ``±eps`` is its edge). ``bad_clock`` sets the first leader's
    offset to that many ms (beyond ``eps`` it breaks the promise, and no commit wait can save
    external consistency).
    """
    sim = Simulation(seed, latency=latency)
    names = tuple(f"L{i + 1}" for i in range(leaders))
    rng = random.Random(seed * 7919 + 41)
    drawn = {n: round(rng.uniform(-eps, eps), 4) for n in names}
    if offsets is not None:
        if isinstance(offsets, (str, bytes)) or len(offsets) != leaders:
            raise ConfigError(f"offsets must give one clock offset (ms) per leader, {leaders} in all; got {offsets!r}")
        drawn = {n: _ms("an offset", o) for n, o in zip(names, offsets)}
    if bad_clock is not None:
        drawn[names[0]] = _ms("bad_clock", bad_clock)
    for n in names:
        sim.add_node(n, SpannerLeader, eps=eps, commit_rule=commit_rule)
        sim.set_clock_offset(n, drawn[n])
    for i in range(clients):
        sim.add_node(f"c{i + 1}", TxnClient, leaders=names, txns=txns, base=1000 * (i + 1))
    sim.run()
    pairs, bad = external_consistency(sim)
    return TxnRun(sim, eps, drawn, pairs, bad)


def commit_wait_experiment(seeds: Iterable[int] = range(100), **kwargs: Any) -> "pd.DataFrame":
    """Violations of external consistency over ``seeds``, with Spanner's commit wait and without it."""
    import pandas as pd

    seeds = list(seeds)
    rows = []
    for label, rule in (("commit wait", spanner_commit), ("no wait", no_wait_commit)):
        runs = [spanner_run(s, commit_rule=rule, **kwargs) for s in seeds]
        rows.append({"rule": label, "seeds": f"{seeds[0]}..{seeds[-1]}" if seeds else "", "runs": len(runs),
                     "pairs checked": sum(r.pairs for r in runs),
                     "violations": sum(len(r.violations) for r in runs),
                     "runs with a violation": sum(1 for r in runs if r.violations),
                     "mean commit latency (ms)": round(sum(r.mean_latency() for r in runs) / max(len(runs), 1), 2)})
    return pd.DataFrame(rows).set_index("rule")
