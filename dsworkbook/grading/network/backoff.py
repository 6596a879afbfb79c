"""Exercise ``01-backoff``: capped exponential backoff with full jitter.

The answer is a function ``backoff_delay(attempt, base, cap, rng)``. A right answer is a
*distribution*, not one number: several ways of drawing it are right (``rng.uniform(0, c)``,
``c * rng.random()``, ``c * (1 - rng.random())``...), so the check compares distributions, not
values:

* hand cases with 2,000 draws each: every delay within ``[0, min(cap, base * 2**attempt)]``,
  and uniform over it (minimum near 0, maximum near the ceiling, mean, median and the two outer
  quarters within five standard deviations of a uniform's);
* 60 random cases over the whole domain (fractional bases, caps that bind only after many
  attempts, attempts in the thousands, base equal to cap, a cap exactly on a power of two) with
  400 draws each against the same laws, with wider margins;
* reproducibility: the same ``rng`` seed gives the same delays, another seed other delays, and
  the answer gives the same result in two worlds that differ in the global ``random`` state,
  ``hash()`` salts and the clock (:func:`~dsworkbook.grading.core.same_everywhere`);
* a retry storm in the simulator: 40 clients whose first attempt failed together, with the
  learner's function as their backoff, must not hit the recovering server in waves. One storm
  on one seed is the exercise's experiment over seeds (:func:`storm_experiment`), which the
  flakiness meter runs on many (``dw.grading.flaky("01-backoff", backoff_delay)``).
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, in_simulation, random_cases, same_everywhere, seeded
from dsworkbook.grading.network._common import _need_callable
from dsworkbook.reliability import RetryPolicy, RequestReplyResult, run_request_reply
from dsworkbook.sim import Constant

__all__ = ["grade_backoff", "storm", "storm_experiment", "STORM_SEEDS", "STORM_CLIENTS"]

#: (attempt, base, cap): early attempts, the cap reached, base == cap, a fractional base, the cap
#: exactly on a power of two (10 * 2**3 == 80), and attempts far beyond where the cap binds.
_BACKOFF_CASES = [(0, 10.0, 1000.0), (1, 10.0, 1000.0), (3, 10.0, 1000.0), (5, 10.0, 1000.0), (6, 10.0, 1000.0),
                  (7, 10.0, 1000.0), (12, 10.0, 1000.0), (4, 1.0, 10.0), (2, 5.0, 5.0), (3, 0.5, 100.0),
                  (3, 10.0, 80.0), (1100, 10.0, 30_000.0), (5000, 2.5, 500.0)]
_DRAWS = 2000
_RANDOM_SEED, _RANDOM_COUNT, _RANDOM_DRAWS = 11, 60, 400
STORM_SEEDS = (7, 8)
STORM_CLIENTS = 40


def _ceiling(attempt_no: int, base: float, cap: float) -> float:
    return cap if attempt_no >= 1000 else min(cap, base * 2.0 ** attempt_no)


def _draw_case(rng: random.Random) -> tuple[int, float, float]:
    """An (attempt, base, cap) over the whole domain, boundaries over-represented."""
    kind = rng.random()
    base = rng.choice([0.5, 1.0, 2.5, 10.0, 25.0, 100.0, round(rng.uniform(0.1, 200), 3)])
    if kind < 0.15:
        return rng.randint(0, 5), base, base  # base == cap: every ceiling is the base
    if kind < 0.30:
        return rng.randint(60, 6000), base, base * rng.choice([2, 10, 100, 1000])  # far past the cap
    if kind < 0.45:
        k = rng.randint(0, 12)
        return k, base, base * 2 ** k  # the cap exactly on this attempt's power of two
    cap = base * rng.choice([1.5, 4, 10, 50, 300, 2 ** 20])
    return rng.randint(0, 25), base, cap


def _samples(fn: Callable[..., Any], case: tuple[int, float, float], seed: int, draws: int, shown: str) -> list[float]:
    attempt_no, base, cap = case
    rng = random.Random(seed)
    call = f"backoff_delay({attempt_no}, {base:g}, {cap:g}, rng)"
    out = []
    for _ in range(draws):
        x = attempt(fn, attempt_no, base, cap, rng, input=shown, case=call)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            fail(case=call, input=shown, expected="a finite number of ms", got=x, hint="return the delay as a float")
        out.append(float(x))
    return out


def _check_case(fn: Callable[..., Any], case: tuple[int, float, float], seed: int, draws: int, label: str,
                sigmas: float) -> None:
    attempt_no, base, cap = case
    top = _ceiling(attempt_no, base, cap)
    shown = f"{draws} draws of backoff_delay({attempt_no}, {base:g}, {cap:g}, random.Random({seed}))"
    xs = _samples(fn, case, seed, draws, shown)
    lo, hi = min(xs), max(xs)
    if lo < 0 or hi > top * (1 + 1e-9):
        fail(case=label, input=shown, expected=f"every delay within [0, min(cap, base * 2**attempt)] = [0, {top:g}]",
             got=f"delays from {lo:g} to {hi:g}",
             hint=("the wait must never exceed the cap" if hi > cap * (1 + 1e-9) else
                   "the ceiling is base * 2**attempt (attempt 0 -> base), capped at cap"))
    n = len(xs)
    mean, below = sum(xs) / n, sum(1 for x in xs if x < top / 2) / n
    quarters = [sum(1 for x in xs if q * top / 4 <= x < (q + 1) * top / 4) / n for q in (0, 3)]
    # margins: `sigmas` standard deviations of a uniform's sample mean / sample fractions
    sd_mean, sd_half, sd_quarter = top * 0.2887 / math.sqrt(n), 0.5 / math.sqrt(n), 0.433 / math.sqrt(n)
    # the min below 10% of the ceiling and the max above 90%: a uniform misses each with chance 0.9**n
    spread_ok = (lo < 0.1 * top and hi > 0.9 * top and abs(mean - top / 2) <= sigmas * sd_mean
                 and abs(below - 0.5) <= sigmas * sd_half and all(abs(f - 0.25) <= sigmas * sd_quarter for f in quarters))
    if not spread_ok:
        fail(case=label, input=shown, expected=f"uniform over [0, {top:g}]: min near 0, max near {top:g}, "
             f"mean near {top / 2:g}, a quarter of the draws in each quarter of the range",
             got=f"min {lo:.4g}, max {hi:.4g}, mean {mean:.4g}, {below:.0%} below {top / 2:g}, "
                 f"{quarters[0]:.0%} in the lowest quarter, {quarters[1]:.0%} in the highest",
             hint=_spread_hint(xs, top))


def _spread_hint(xs: list[float], top: float) -> str:
    lo, hi = min(xs), max(xs)
    at_top = sum(1 for x in xs if x >= top * (1 - 1e-9)) / len(xs)
    if hi - lo < 1e-9 * max(top, 1):
        return "every delay is the same: without jitter, clients that failed together retry together"
    if at_top > 0.05:
        return ("many delays sit exactly on the cap: draw from [0, min(cap, base * 2**attempt)], do not clamp a "
                "draw from a wider range (that piles the clamped draws onto the cap)")
    if hi <= 0.9 * top:
        return "the delays never reach the ceiling: the ceiling doubles with each attempt (base * 2**attempt)"
    if lo >= 0.1 * top:
        return "full jitter draws from the whole range [0, ceiling], not just its upper part"
    return "draw the delay uniformly from [0, ceiling], e.g. rng.uniform(0, ceiling)"


def _check_rng(fn: Callable[..., Any]) -> None:
    calls = [(a, 10.0, 1000.0) for a in range(8)] * 3
    shown = "the same 24 calls with random.Random(5) twice, then with random.Random(6)"

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
    same_everywhere(run, 5, input="the 24 calls with random.Random(5)", case="the 24 calls with random.Random(5)")


def storm(seed: int, backoff: Callable[..., Any] | None = None, jitter: str = "full",
          clients: int = STORM_CLIENTS) -> RequestReplyResult:
    """A retry storm: ``clients`` clients send at t=0 while the server is down until t=500 ms."""
    policy = RetryPolicy(timeout=20, max_attempts=12, base=10, cap=1000, jitter=jitter)
    return run_request_reply(seed, clients=clients, ops=1, policy=policy, dedup=True, latency=Constant(5),
                             outage=(0, 500), backoff=backoff, window=10.0)


def storm_experiment(backoff: Callable[..., Any], seed: int, schedule: Any = None, until: float | None = None) -> Any:
    """The retry storm on one seed, as the check judges it: None, or a Failure (a wave, or an op lost).

    The storm has no fault schedule (its one fault, the outage, is fixed), so ``schedule`` and
    ``until`` are ignored.
    """
    from dsworkbook.grading.flaky import Failure

    with in_simulation(case=f"the retry storm (seed={seed})", input="40 clients, server down 0-500 ms",
                       hint="your function raised inside the simulation"):
        r = storm(seed, backoff=backoff)
    limit = STORM_CLIENTS // 3
    if r.peak_load > limit:
        return Failure(f"a wave of {r.peak_load} requests in 10 ms (at most {limit} allowed)", property="wave")
    if r.ok != r.ops:
        return Failure(f"{r.ok} of {r.ops} ops ok", property="ops lost")
    return None


def _check_storm(fn: Callable[..., Any]) -> tuple[list[int], int]:
    peaks = []
    limit = STORM_CLIENTS // 3
    for seed in STORM_SEEDS:
        with seeded(seed):
            with in_simulation(case=f"the retry storm (seed={seed})", input="40 clients, server down 0-500 ms",
                               hint="your function raised inside the simulation"):
                r = storm(seed, backoff=fn)
            if r.peak_load > limit or r.ok != r.ops:
                fail(case=f"the retry storm (seed={seed})", input=f"{STORM_CLIENTS} clients send at t=0, server "
                     "down 0-500 ms, timeout 20 ms, base 10 ms, cap 1000 ms", expected=f"at most {limit} requests "
                     f"reaching the server in any 10 ms, and every op ok", got=f"peak {r.peak_load}, {r.ok}/{r.ops} ok",
                     hint="clients that failed together must spread their retries out: that is what jitter is for")
        peaks.append(r.peak_load)
    return peaks, storm(STORM_SEEDS[0], jitter="none").peak_load


@exercise("01-backoff", title="Capped exponential backoff with full jitter", theme="T01", concepts=("N04",),
          reference="dsworkbook.reliability.backoff_delay", experiment=storm_experiment)
def grade_backoff(backoff_delay: Callable[..., Any]) -> str:
    """``backoff_delay(attempt, base, cap, rng) -> float``.

    The wait in ms before retry number ``attempt`` (0 before the first retry), drawn uniformly
    from ``[0, min(cap, base * 2**attempt)]`` with ``rng`` (a ``random.Random``); ``attempt``
    may be in the thousands. See the module docstring for what is checked.
    """
    _need_callable(backoff_delay, "function backoff_delay(attempt, base, cap, rng)")
    for i, case in enumerate(_BACKOFF_CASES):
        _check_case(backoff_delay, case, 100 + i, _DRAWS, f"backoff_delay{case}", sigmas=5.0)
    _check_rng(backoff_delay)
    for label, case in random_cases(_RANDOM_SEED, _RANDOM_COUNT, _draw_case):
        _check_case(backoff_delay, case, _RANDOM_SEED * 1000 + int(label.split()[2]), _RANDOM_DRAWS,
                    f"{label}: backoff_delay{case}", sigmas=5.5)
    peaks, no_jitter = _check_storm(backoff_delay)
    return (f"full jitter within [0, min(cap, base*2**attempt)] on {len(_BACKOFF_CASES)} cases x {_DRAWS} draws and "
            f"{_RANDOM_COUNT} random cases x {_RANDOM_DRAWS} draws (seed {_RANDOM_SEED}), attempts up to 6,000; "
            f"reproducible from rng; retry storm (seeds {STORM_SEEDS}): peak {max(peaks)} requests per 10 ms "
            f"vs {no_jitter} without jitter")
