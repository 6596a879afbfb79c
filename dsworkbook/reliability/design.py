"""Designing a retry policy for stated goals (exercise ``01-design-retry``).

:func:`retry_goals` measures a :class:`~dsworkbook.reliability.policy.RetryPolicy` against
:data:`DESIGN_GOALS`: a success rate, a p99 latency and a retry budget in steady state under
loss and a long-tailed latency (Dean and Barroso, "The Tail at Scale"; the retry budget of
Google's SRE book, ch. 21), and a recovery storm after an outage that must not overload the
server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.reliability.experiments import RequestReplyResult, run_request_reply
from dsworkbook.reliability.policy import RetryPolicy
from dsworkbook.sim import LongTail

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DESIGN_LATENCY", "DESIGN_SEEDS", "DESIGN_GOALS", "steady_run", "storm_run", "GoalCheck", "retry_goals",
    "goals_table",
]


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
