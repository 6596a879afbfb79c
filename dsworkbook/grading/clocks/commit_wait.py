"""Exercise ``04-commit-wait``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.clocks.truetime import TTInterval, spanner_commit, spanner_run
from dsworkbook.grading.core import exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.clocks._common import guarded, need_callable, pair

COMMIT_SEEDS = range(60)
RANDOM_SEED, RANDOM_COUNT = 1212, 300
#: Leaders' clock offsets at the very edge of TrueTime's promise (eps = 5 ms), over a near-instant network.
EDGE_OFFSETS = ((5.0, -5.0, 0.0), (-5.0, 5.0, 5.0), (5.0, 5.0, -5.0))
EDGE_LATENCY = 0.01
_INTERVALS = [TTInterval(95.0, 105.0), TTInterval(0.0, 14.0), TTInterval(1000.5, 1001.5), TTInterval(-3.0, 7.0),
              TTInterval(42.0, 42.0), TTInterval(1.7e12, 1.7e12 + 8.0)]
_HINT = ("Spanner (OSDI 2012, §4.1.2): choose s no earlier than TT.now().latest (Start), then wait until "
         "TT.now().earliest has reached s (commit wait); no longer")
#: How much longer than the shortest wait an answer may wait (rounding), as a fraction of the interval's width.
SLACK = 0.05


def _interval(rng: random.Random) -> TTInterval:
    """An interval anywhere on the time line; widths from 0 (an exact clock) to 30 ms."""
    start = rng.choice([0.0, rng.uniform(-1e4, 1e4), float(rng.randint(0, 10**9)), rng.uniform(1e12, 2e12)])
    width = rng.choice([0.0, rng.uniform(0, 30), float(rng.randint(1, 20)), 1e-3])
    return TTInterval(start, start + width)


def _check_rule(fn: Any, now: TTInterval, case: str) -> None:
    shown = f"TT.now() = [earliest={now.earliest!r}, latest={now.latest!r}]"
    s, wait = pair(same_everywhere(fn, now, input=shown, case=case), "(s, wait)", case, shown)
    tol = 4 * math.ulp(max(1.0, abs(now.latest)))  # float rounding only
    if s < now.latest - tol:
        fail(case=case, input=shown, expected=f"s >= {now.latest!r} (TT.now().latest)", got=f"s = {s!r}",
             hint="s below latest may be earlier than the true time the commit began: " + _HINT)
    if wait < s - now.earliest - tol:
        fail(case=case, input=shown, expected=f"wait >= {s - now.earliest:g} ms (until earliest reaches s = {s!r})",
             got=f"wait = {wait!r}", hint=_HINT)
    width = now.latest - now.earliest
    if s - now.latest > SLACK * width + tol or wait - (s - now.earliest) > SLACK * width + tol:
        fail(case=case, input=shown, expected=f"s = {now.latest!r} and wait = {width:g} ms (the shortest safe wait)",
             got=f"s = {s!r}, wait = {wait!r}", hint="safe, but it waits longer than it must: " + _HINT)


def _check_rules(fn: Any) -> int:
    for now in _INTERVALS:
        _check_rule(fn, now, f"TT.now() = {now}")
    for case, now in random_cases(RANDOM_SEED, RANDOM_COUNT, _interval):
        _check_rule(fn, now, case)
    return len(_INTERVALS) + RANDOM_COUNT


def _violation(run: Any, case: str) -> None:
    if run.violations:
        t1, t2, s1, s2 = run.violations[0]
        fail(case=case, input=f"txn {t1} was acknowledged before txn {t2} began (true time)",
             expected=f"s({t1}) < s({t2})", got=f"s({t1}) = {s1:.4f}, s({t2}) = {s2:.4f}", hint=_HINT)


def _check_edges(fn: Any) -> int:
    """Leaders exactly at the edge of the promise (offsets ±eps), almost no network delay: the worst case."""
    pairs = 0
    for seed, offsets in enumerate(EDGE_OFFSETS):
        case = (f"leaders whose clocks are exactly at the edge of TrueTime's promise (seed={seed}: offsets {offsets} "
                f"ms, eps = 5 ms, {EDGE_LATENCY} ms network delay)")
        run = guarded(lambda: spanner_run(seed, commit_rule=fn, offsets=offsets, latency=EDGE_LATENCY, txns=30),
                      case=case, input=f"seed={seed}")
        _violation(run, case)
        pairs += run.pairs
    return pairs


def _check_runs(fn: Any) -> tuple[int, int, float, float]:
    pairs = 0
    latency = ref_latency = 0.0
    for seed in COMMIT_SEEDS:
        case = f"the external-consistency experiment (seed={seed}: 3 leaders with clocks within ±5 ms, 2 clients)"
        run = guarded(lambda: spanner_run(seed, commit_rule=fn), case=case, input=f"seed={seed}")
        _violation(run, case)
        pairs += run.pairs
        latency += run.mean_latency()
        ref_latency += spanner_run(seed, commit_rule=spanner_commit).mean_latency()
    n = len(COMMIT_SEEDS)
    return pairs, n, latency / n, ref_latency / n


@exercise("04-commit-wait", title="TrueTime: the commit timestamp and the commit wait", theme="T04",
          concepts=("C06",), reference="dsworkbook.clocks.truetime.spanner_commit")
def grade_commit_wait(commit_rule: Any) -> str:
    """A function ``commit_rule(now) -> (s, wait)``.

    ``now`` is ``TT.now()`` (a ``dw.clocks.TTInterval`` with ``earliest`` and ``latest``) when
    a leader receives a commit request; return the commit timestamp ``s`` and how many ms to
    wait before acknowledging - the shortest wait that keeps external consistency. Checked by
    running the external-consistency experiment with it on 60 seeds (no transaction that
    started after another was acknowledged may get a timestamp that is not larger, and the
    mean commit latency may not exceed Spanner's by more than 5%), then with leaders' clocks
    exactly at the edge of the promise (±eps) over a near-instant network, then on 306
    intervals (widths from 0 to 30 ms, anywhere on the time line), each called twice in
    different worlds: ``s >= latest``, ``wait >= s - earliest``, and no more than 5% of the
    interval's width beyond either.
    """
    need_callable(commit_rule, "function commit_rule(now)")
    pairs, runs, latency, ref = _check_runs(commit_rule)
    if latency > ref * (1 + SLACK) + 0.05:
        fail(case=f"the external-consistency experiment (seeds 0..{runs - 1})", input="mean commit latency",
             expected=f"about {ref:.2f} ms (Spanner's rule)", got=f"{latency:.2f} ms",
             hint="safe, but it waits longer than it must: " + _HINT)
    edge_pairs = _check_edges(commit_rule)
    rules = _check_rules(commit_rule)
    return (f"{runs} runs (seeds 0..{runs - 1}) with {pairs} ordered pairs of transactions and {len(EDGE_OFFSETS)} runs "
            f"at the edge of the promise ({edge_pairs} pairs): no violation of external consistency; mean commit "
            f"latency {latency:.2f} ms (Spanner's rule: {ref:.2f} ms); {rules} intervals (seed {RANDOM_SEED}) obey "
            f"Start and commit wait")
