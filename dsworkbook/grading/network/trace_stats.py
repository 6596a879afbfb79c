"""Exercise ``01-trace-stats``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.reliability import run_request_reply
from dsworkbook.sim import Simulation
from dsworkbook.sim.examples import Heartbeater
from dsworkbook.sim.stats import STATS_COLUMNS
from dsworkbook.sim.stats import delivery_stats as reference_delivery_stats

from dsworkbook.grading.network._common import _need_callable

TRACE_SEEDS = (51, 52, 53)


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
                fail(case=f"{case}, link {link[0]}->{link[1]}, column {col!r}", input=shown, expected=e, got=g,
                     hint=_STATS_HINTS[col])


@exercise("01-trace-stats", title="Delivery statistics from a trace", theme="T01", concepts=("N05",))
def grade_trace_stats(delivery_stats: Callable[..., Any]) -> str:
    """``delivery_stats(messages: pd.DataFrame) -> pd.DataFrame``.

    ``messages`` is ``sim.trace.messages()`` (one row per message copy). Return one row per
    directed link, indexed by a MultiIndex ``(src, dst)``, plus a last row ``('all', 'all')``,
    with the columns ``sent, delivered, lost, duplicates, p50, p99`` exactly as
    ``dsworkbook.sim.stats.delivery_stats`` documents them. Checked on seeded traces with loss,
    duplication, a cut link and messages still in flight.
    """
    _need_callable(delivery_stats, "function delivery_stats(messages)")
    cases = list(_traces())
    for case, messages in cases:
        _check_stats(delivery_stats, case, messages)
    rows = sum(len(m) for _, m in cases)
    return (f"matches the reference on {len(cases)} traces ({rows} message copies; seeds {TRACE_SEEDS} and 54) "
            "with loss, duplication, a cut link and messages in flight")
