"""Exercise ``10-phi``: the phi-accrual suspicion level from a window of inter-arrival times.

Theory of operation
-------------------
Hayashibara, Défago, Yared and Katayama ("The φ accrual failure detector", SRDS 2004, section
4) model the inter-arrival times of heartbeats as a normal distribution with the window's mean
and standard deviation, and output ``phi = -log10(P(a heartbeat arrives later than elapsed))``.
The learner's ``phi(intervals, elapsed, min_std)`` must agree with the library's
:class:`~dsworkbook.coordination.detection.PhiAccrual` (population standard deviation, floored
at ``min_std``; the tail from ``erfc``, so it stays accurate far into the tail; infinity once the
tail underflows to 0) to a relative 1e-6.

Cases: hand-made ones with pointed hints (one interval; equal intervals, where only the floor
keeps the deviation above 0; ``elapsed`` below, at and above the mean; 9 and 30 deviations out,
where ``1 - cdf`` has already rounded to 0; 42, where even ``erfc`` underflows), then 400 seeded
random windows of 1 to 1,000 intervals (steady, jittery, long-tailed, two regimes), floors from
0.01 to 50 ms and ``elapsed`` from 0 to 40 deviations past the mean; 20 run in two worlds.
"""

from __future__ import annotations

import math
import random
from typing import Any, Sequence

from dsworkbook.coordination.detection import PhiAccrual
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 1011
RANDOM_COUNT = 400
REL = 1e-6


def reference(intervals: Sequence[float], elapsed: float, min_std: float) -> float:
    """phi as the library's PhiAccrual computes it, ``elapsed`` ms after the last arrival."""
    det = PhiAccrual(8.0, window=max(2, len(intervals)), min_std=min_std)
    det.intervals = [float(x) for x in intervals]
    det.last = 0.0
    return det.phi(float(elapsed))


def _stats(intervals: Sequence[float], min_std: float) -> tuple[float, float]:
    mean = sum(intervals) / len(intervals)
    std = math.sqrt(sum((x - mean) ** 2 for x in intervals) / len(intervals))
    return mean, max(std, min_std)


HAND: list[tuple[list[float], float, float, str]] = [
    ([100.0, 100.0, 100.0, 100.0], 100.0, 10.0, "elapsed equal to the mean"),
    ([100.0, 100.0, 100.0, 100.0], 130.0, 10.0, "equal intervals: the deviation is the floor min_std"),
    ([100.0], 250.0, 20.0, "a single interval"),
    ([90.0, 110.0], 140.0, 1.0, "two intervals: population deviation 10"),
    ([80.0, 100.0, 120.0, 100.0], 60.0, 5.0, "elapsed below the mean"),
    ([95.0, 105.0, 100.0, 100.0, 98.0, 102.0], 0.0, 0.5, "elapsed 0: a heartbeat just arrived"),
    ([90.0, 110.0], 190.0, 1.0, "nine deviations out: 1 - cdf has already rounded to 0"),
    ([90.0, 110.0], 400.0, 1.0, "thirty deviations out: phi near 197, still finite"),
    ([90.0, 110.0], 520.0, 1.0, "forty-two deviations out: the tail underflows to 0, phi is infinite"),
    ([50.0, 150.0, 100.0, 300.0, 60.0], 400.0, 10.0, "a long-tailed window"),
]


def _hint(intervals: Sequence[float], elapsed: float, min_std: float, want: float, got: Any) -> str:
    mean, std = _stats(intervals, min_std)
    z = (elapsed - mean) / std
    if math.isinf(want) and not (isinstance(got, float) and math.isinf(got)):
        return "when the tail probability is 0 (underflow), phi is infinite: return math.inf"
    if isinstance(got, float) and math.isinf(got):
        return (f"phi is finite here: with the window's mean {mean:g} and deviation {std:g} (at least min_std), "
                f"elapsed is {z:.1f} deviations past the mean and the tail is above 0; compute it as "
                "0.5 * math.erfc(z / math.sqrt(2)), not 1 - cdf, which rounds to 0 near 8 deviations")
    return (f"the window's mean is {mean:g} and its deviation {std:g} (population deviation, divided by the number of "
            f"intervals, then at least min_std); phi = -log10(P(later than elapsed)) under the normal model, "
            f"here z = {z:.3f}")


def _close(got: Any, want: float) -> bool:
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if math.isinf(want):
        return math.isinf(got) and got > 0
    return math.isfinite(got) and abs(got - want) <= REL * max(1.0, abs(want))


def _draw(rng: random.Random) -> tuple[list[float], float, float]:
    n = rng.choice((1, 2, 3, 5, 10, 50, 200)) if rng.random() < 0.9 else rng.choice((500, 1000))
    kind = rng.choice(("steady", "jitter", "tail", "regimes"))
    base = rng.choice((10.0, 100.0, 1000.0))
    if kind == "steady":
        xs = [base] * n
    elif kind == "jitter":
        xs = [max(0.1, rng.gauss(base, base * rng.choice((0.001, 0.05, 0.3)))) for _ in range(n)]
    elif kind == "tail":
        xs = [base * rng.lognormvariate(0, rng.choice((0.2, 0.8))) for _ in range(n)]
    else:
        xs = [base if rng.random() < 0.7 else base * 4 for _ in range(n)]
    xs = [round(x, 3) for x in xs]
    min_std = rng.choice((0.01, 0.5, 1.0, 10.0, 50.0))
    mean, std = _stats(xs, min_std)
    elapsed = round(max(0.0, mean + std * rng.choice((rng.uniform(-3, 3), rng.uniform(0, 12), rng.uniform(0, 40),
                                                      0.0))), 3)
    return xs, elapsed, min_std


def _shown(intervals: Sequence[float], elapsed: float, min_std: float) -> Any:
    if len(intervals) <= 30:
        return {"intervals": list(intervals), "elapsed": elapsed, "min_std": min_std}
    mean, std = _stats(intervals, min_std)
    return {"intervals": f"<{len(intervals)} intervals, first {list(intervals[:5])}, mean {mean:.4f}, "
                         f"deviation (floored) {std:.4f}>", "elapsed": elapsed, "min_std": min_std}


def _one(fn: Any, intervals: list[float], elapsed: float, min_std: float, case: str) -> None:
    shown = _shown(intervals, elapsed, min_std)
    got = attempt(fn, list(intervals), elapsed, min_std, input=shown, case=case)
    want = reference(intervals, elapsed, min_std)
    if not _close(got, want):
        fail(case=case, input=shown, expected=want, got=got, hint=_hint(intervals, elapsed, min_std, want, got))


@exercise("10-phi", title="Phi accrual from the inter-arrival history", theme="T10", concepts=("Z04",),
          reference=("dsworkbook.coordination.detection.PhiAccrual.phi",
                     "dsworkbook.coordination.detection.PhiAccrual.stats"))
def grade_phi(fn: Any) -> str:
    """``phi(intervals, elapsed, min_std)`` equal to the library's phi to a relative 1e-6."""
    need_callable(fn, "function phi(intervals, elapsed, min_std)")
    for intervals, elapsed, min_std, what in HAND:
        _one(fn, intervals, elapsed, min_std, what)
    for label, (intervals, elapsed, min_std) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _one(fn, intervals, elapsed, min_std, label)
    for label, (intervals, elapsed, min_std) in random_cases(RANDOM_SEED + 1, 20, _draw):
        same_everywhere(fn, list(intervals), elapsed, min_std, input=_shown(intervals, elapsed, min_std), case=label)
    return (f"{len(HAND)} hand cases and {RANDOM_COUNT} random windows (seed {RANDOM_SEED}: 1 to 1,000 intervals, "
            "up to 40 deviations out) agree with the phi-accrual detector to 1e-6")


__all__ = ["grade_phi", "reference", "HAND"]
