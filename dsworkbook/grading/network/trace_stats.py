"""Exercise ``01-trace-stats``: delivery statistics from a trace.

The answer is a function ``delivery_stats(messages)`` over ``sim.trace.messages()``; the reference
is :func:`dsworkbook.sim.stats.delivery_stats`. The check compares them cell by cell on:

* request-reply traces with loss and duplication, and a heartbeat trace with a cut link (a link
  with nothing delivered: NaN latencies) stopped with messages in flight;
* 30 random traces over the whole domain (seeded): 2 to 7 nodes (ids such as ``n9`` and ``n10``),
  loss, duplication and reordering from none to heavy, one-way cuts, runs stopped at any time,
  a link that carried a single message;
* one large trace of several thousand message copies.
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable, Iterable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.network._common import _need_callable
from dsworkbook.reliability import run_request_reply
from dsworkbook.sim import Simulation
from dsworkbook.sim.examples import Burst, Echo, Heartbeater, Pinger, Sink
from dsworkbook.sim.stats import STATS_COLUMNS
from dsworkbook.sim.stats import delivery_stats as reference_delivery_stats

__all__ = ["grade_trace_stats"]

TRACE_SEEDS = (51, 52, 53)
_RANDOM_SEED, _RANDOM_COUNT = 55, 30


def _random_trace(rng: random.Random) -> tuple[str, Any]:
    """A run drawn over the whole domain; returns its description and ``trace.messages()``."""
    seed = rng.randint(0, 10**6)
    n = rng.randint(2, 7)
    ids = [f"n{i}" for i in rng.sample(range(1, 12), n)]
    loss, dup, reorder = (rng.choice([0.0, 0.05, rng.uniform(0, 0.6)]) for _ in range(3))
    sim = Simulation(seed=seed, latency=rng.choice([(1, 10), (0, 3), "exp:5", "tail:3:60"]), loss=loss,
                     duplicate=dup, reorder=reorder)
    shape = rng.choice(["heartbeats", "ping", "burst"])
    if shape == "heartbeats":
        sim.add_nodes(ids, Heartbeater, every=float(rng.randint(5, 30)))
    elif shape == "ping":
        sim.add_node(ids[0], Pinger, target=ids[1], count=rng.randint(1, 40), every=float(rng.randint(1, 10)))
        sim.add_node(ids[1], Echo)
        sim.add_nodes(ids[2:], Sink)
    else:
        sim.add_node(ids[0], Burst, target=ids[1], n=rng.randint(1, 200))
        sim.add_nodes(ids[1:], Sink)
    cuts = [(a, b) for a in ids for b in ids if a != b and rng.random() < 0.1]
    for a, b in cuts:
        sim.net.cut(a, b)
    until = float(rng.randint(1, 300))
    sim.run(until=until)
    what = (f"{shape} among {ids}, seed={seed}, loss {loss:.2f}, duplication {dup:.2f}, reordering {reorder:.2f}, "
            f"cuts {cuts}, stopped at t={until:g}")
    return what, sim.trace.messages()


def _traces() -> Iterable[tuple[str, Any]]:
    """Seeded traces with loss and duplication (one stopped with messages in flight), and a cut link."""
    for seed in TRACE_SEEDS:
        r = run_request_reply(seed, clients=3, ops=8, loss=0.2, duplicate=0.25, dedup=True)
        yield f"request-reply trace, seed={seed}, loss 20%, duplication 25%", r.sim.trace.messages()
    sim = Simulation(seed=54, latency=(1, 30), loss=0.1, duplicate=0.3)
    sim.add_nodes(["a", "b", "c"], Heartbeater, every=10.0)
    sim.net.cut("a", "c")  # nothing from a ever reaches c: no latency to measure on that link
    sim.run(until=137)  # stops with messages in flight
    yield "heartbeat trace, seed=54, a->c cut, stopped mid-flight", sim.trace.messages()
    for label, (what, messages) in random_cases(_RANDOM_SEED, _RANDOM_COUNT, _random_trace):
        yield f"{label}: {what}", messages
    big = Simulation(seed=56, latency="tail:5:80", loss=0.1, duplicate=0.1, reorder=0.2)
    big.add_node("n9", Burst, target="n10", n=3000)
    big.add_node("n10", Sink)
    big.add_node("n1", Pinger, target="n2", count=300, every=1.0)
    big.add_node("n2", Echo)
    big.run(until=400)
    yield "a large trace, seed=56: 3,000 messages n9->n10 and 300 pings n1->n2, stopped at t=400", \
        big.trace.messages()


_STATS_HINTS = {
    "sent": "count distinct msg_id values: a duplicated message was sent once and copied by the network",
    "delivered": "count only copies whose outcome is 'delivered' (dropped and in-flight copies did not arrive)",
    "lost": "a message is lost when none of its copies was delivered: sent minus messages delivered at least once",
    "duplicates": "duplicates are deliveries beyond the first of each message (sum over msg_id of copies - 1)",
    "p50": "the median latency of delivered copies only (NaN when none); use Series.quantile(0.5)",
    "p99": "the 99th percentile latency of delivered copies only (NaN when none); use Series.quantile(0.99)",
}


def _plain(x: Any) -> Any:
    """A numpy scalar as the Python number it holds (so messages read 9, not np.int64(9))."""
    return x.item() if hasattr(x, "item") and not isinstance(x, (list, tuple)) else x


def _same(a: Any, b: Any) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-9)


def _check_stats(fn: Callable[..., Any], case: str, messages: Any) -> None:
    import pandas as pd

    expected = reference_delivery_stats(messages)
    got = attempt(fn, messages.copy(), input=f"trace.messages() of the {case}", case=case)
    shown = f"trace.messages() of the {case} ({len(messages)} rows)"
    if not isinstance(got, pd.DataFrame):
        fail(case=case, input=shown, expected="a pandas DataFrame", got=type(got).__name__,
             hint="return a DataFrame with one row per (src, dst) link and a final ('all', 'all') row")
    missing = [c for c in STATS_COLUMNS if c not in got.columns]
    rows = {(tuple(i) if isinstance(i, (tuple, list)) else i): row for i, row in got.iterrows()}
    want = list(expected.index)
    if missing or sorted(map(str, rows)) != sorted(map(str, want)):
        fail(case=case, input=shown, expected=f"columns {STATS_COLUMNS}, index {want}",
             got=f"columns {list(got.columns)}, index {list(rows)}",
             hint="index by (src, dst) (a MultiIndex named src, dst) and add a row ('all', 'all') over every link")
    for link in want:
        for col in STATS_COLUMNS:
            e, g = _plain(expected.loc[link, col]), _plain(rows[link][col])
            if not _same(e, g):
                fail(case=f"{case}, link {link[0]}->{link[1]}, column {col!r}", input=_link_rows(messages, link, shown),
                     expected=e, got=g, hint=_STATS_HINTS[col])


def _link_rows(messages: Any, link: tuple[str, str], shown: str) -> Any:
    """The rows of one link (whole, when they are few), else the description of the trace."""
    rows = messages if link == ("all", "all") else messages[(messages.src == link[0]) & (messages.dst == link[1])]
    if len(rows) > 40:
        return f"{shown}; the link {link[0]}->{link[1]} has {len(rows)} rows"
    return rows[["msg_id", "src", "dst", "sent", "arrived", "latency", "outcome"]]


@exercise("01-trace-stats", title="Delivery statistics from a trace", theme="T01", concepts=("N05",),
          reference="dsworkbook.sim.stats.delivery_stats")
def grade_trace_stats(delivery_stats: Callable[..., Any]) -> str:
    """``delivery_stats(messages: pd.DataFrame) -> pd.DataFrame``.

    ``messages`` is ``sim.trace.messages()`` (one row per message copy). Return one row per
    directed link, indexed by a MultiIndex ``(src, dst)``, plus a last row ``('all', 'all')``,
    with the columns ``sent, delivered, lost, duplicates, p50, p99`` exactly as
    ``dsworkbook.sim.stats.delivery_stats`` documents them. See the module docstring for what is
    checked.
    """
    _need_callable(delivery_stats, "function delivery_stats(messages)")
    cases = list(_traces())
    for case, messages in cases:
        _check_stats(delivery_stats, case, messages)
    rows = sum(len(m) for _, m in cases)
    return (f"matches the reference on {len(cases)} traces ({rows:,} message copies; seeds {TRACE_SEEDS}, 54, 56 "
            f"and {_RANDOM_COUNT} random ones from seed {_RANDOM_SEED}) with loss, duplication, reordering, cut links "
            "and messages in flight")
