"""Exercise ``01-backoff``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, in_simulation
from dsworkbook.reliability import RetryPolicy, run_request_reply
from dsworkbook.sim import Constant

from dsworkbook.grading.network._common import _need_callable

#: (attempt, base, cap): early attempts, the cap reached, base == cap, a fractional base.
_BACKOFF_CASES = [(0, 10.0, 1000.0), (1, 10.0, 1000.0), (3, 10.0, 1000.0), (5, 10.0, 1000.0), (6, 10.0, 1000.0),
                  (7, 10.0, 1000.0), (12, 10.0, 1000.0), (4, 1.0, 10.0), (2, 5.0, 5.0), (3, 0.5, 100.0)]
_DRAWS = 2000
STORM_SEEDS = (7, 8)
STORM_CLIENTS = 40


def _ceiling(attempt: int, base: float, cap: float) -> float:
    return min(cap, base * 2 ** attempt)


def _backoff_samples(fn: Callable[..., Any], case: tuple[int, float, float], seed: int) -> list[float]:
    attempt_no, base, cap = case
    rng = random.Random(seed)
    shown = f"backoff_delay({attempt_no}, {base:g}, {cap:g}, rng)"
    out = []
    for _ in range(_DRAWS):
        x = attempt(fn, attempt_no, base, cap, rng, input=shown, case=shown)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            fail(case=shown, input=shown, expected="a finite number of ms", got=x, hint="return the delay as a float")
        out.append(float(x))
    return out


def _check_backoff_case(fn: Callable[..., Any], case: tuple[int, float, float], seed: int) -> None:
    attempt_no, base, cap = case
    top = _ceiling(attempt_no, base, cap)
    shown = f"{_DRAWS} draws of backoff_delay({attempt_no}, {base:g}, {cap:g}, random.Random({seed}))"
    xs = _backoff_samples(fn, case, seed)
    lo, hi = min(xs), max(xs)
    if lo < 0 or hi > top * (1 + 1e-9):
        fail(case=shown, input=shown, expected=f"every delay within [0, min(cap, base * 2**attempt)] = [0, {top:g}]",
             got=f"delays from {lo:g} to {hi:g}",
             hint=("the wait must never exceed the cap" if hi > cap else
                   "the ceiling is base * 2**attempt (attempt 0 -> base), capped at cap"))
    mean, below = sum(xs) / len(xs), sum(1 for x in xs if x < top / 2) / len(xs)
    quarters = [sum(1 for x in xs if q * top / 4 <= x < (q + 1) * top / 4) / len(xs) for q in (0, 3)]
    # 2000 uniform draws: each margin below is at least 5 standard deviations wide
    spread_ok = (lo < 0.1 * top and hi > 0.9 * top and 0.44 * top <= mean <= 0.56 * top and 0.43 <= below <= 0.57
                 and all(0.2 <= f <= 0.3 for f in quarters))
    if not spread_ok:
        fail(case=shown, input=shown, expected=f"uniform over [0, {top:g}]: min near 0, max near {top:g}, "
             f"mean near {top / 2:g}",
             got=f"min {lo:.4g}, max {hi:.4g}, mean {mean:.4g}, {below:.0%} below {top / 2:g}",
             hint=_spread_hint(lo, hi, top))


def _spread_hint(lo: float, hi: float, top: float) -> str:
    if hi - lo < 1e-9 * max(top, 1):
        return "every delay is the same: without jitter, clients that failed together retry together"
    if hi <= 0.9 * top:
        return "the delays never reach the ceiling: the ceiling doubles with each attempt (base * 2**attempt)"
    if lo >= 0.1 * top:
        return "full jitter draws from the whole range [0, ceiling], not just its upper part"
    return "draw the delay uniformly from [0, ceiling], e.g. rng.uniform(0, ceiling)"


def _check_backoff_rng(fn: Callable[..., Any]) -> None:
    calls = [(a, 10.0, 1000.0) for a in range(8)] * 3
    shown = "the same calls with random.Random(5) twice, then with random.Random(6)"

    def run(seed: int) -> list[Any]:
        rng = random.Random(seed)
        return [attempt(fn, *c, rng, input=f"backoff_delay{c[:3]}", case=shown) for c in calls]

    first, again, other = run(5), run(5), run(6)
    if first != again:
        fail(case=shown, input=shown, expected="the same delays for the same rng seed", got="different delays",
             hint="draw every random number from the rng argument (rng.uniform, rng.random), never from the global "
                  "random module: the simulation's seed must decide every delay")
    if first == other:
        fail(case=shown, input=shown, expected="different delays for a differently seeded rng", got="the same delays",
             hint="the delays do not depend on rng: draw them from the rng argument")


def storm(seed: int, backoff: Callable[..., Any] | None = None, jitter: str = "full", clients: int = STORM_CLIENTS):
    """A retry storm: ``clients`` clients send at t=0 while the server is down until t=500 ms."""
    policy = RetryPolicy(timeout=20, max_attempts=12, base=10, cap=1000, jitter=jitter)
    return run_request_reply(seed, clients=clients, ops=1, policy=policy, dedup=True, latency=Constant(5),
                             outage=(0, 500), backoff=backoff, window=10.0)


def _check_backoff_storm(fn: Callable[..., Any]) -> tuple[list[int], int]:
    peaks = []
    for seed in STORM_SEEDS:
        with in_simulation(case=f"the retry storm (seed={seed})", input="40 clients, server down 0-500 ms",
                           hint="your function raised inside the simulation"):
            r = storm(seed, backoff=fn)
        limit = STORM_CLIENTS // 3
        if r.peak_load > limit or r.ok != r.ops:
            fail(case=f"the retry storm (seed={seed})", input=f"{STORM_CLIENTS} clients send at t=0, server down "
                 "0-500 ms, timeout 20 ms, base 10 ms, cap 1000 ms", expected=f"at most {limit} requests reaching "
                 f"the server in any 10 ms, and every op ok", got=f"peak {r.peak_load}, {r.ok}/{r.ops} ok",
                 hint="clients that failed together must spread their retries out: that is what jitter is for")
        peaks.append(r.peak_load)
    return peaks, storm(STORM_SEEDS[0], jitter="none").peak_load


@exercise("01-backoff", title="Capped exponential backoff with full jitter", theme="T01", concepts=("N04",))
def grade_backoff(backoff_delay: Callable[..., Any]) -> str:
    """``backoff_delay(attempt, base, cap, rng) -> float``.

    The wait in ms before retry number ``attempt`` (0 before the first retry), drawn uniformly
    from ``[0, min(cap, base * 2**attempt)]`` with ``rng`` (a ``random.Random``). Checked on 10
    (attempt, base, cap) cases x 2000 draws (range, cap, spread), for reproducibility from the
    rng, and in a retry storm in the simulator (40 clients, server down for 500 ms).
    """
    _need_callable(backoff_delay, "function backoff_delay(attempt, base, cap, rng)")
    for i, case in enumerate(_BACKOFF_CASES):
        _check_backoff_case(backoff_delay, case, 100 + i)
    _check_backoff_rng(backoff_delay)
    peaks, no_jitter = _check_backoff_storm(backoff_delay)
    return (f"full jitter within [0, min(cap, base*2**attempt)] on {len(_BACKOFF_CASES)} cases x {_DRAWS} draws, "
            f"reproducible from rng; retry storm (seeds {STORM_SEEDS}): peak {max(peaks)} requests per 10 ms "
            f"vs {no_jitter} without jitter")
