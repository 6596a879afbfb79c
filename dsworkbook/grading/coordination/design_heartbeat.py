"""Exercise ``10-design-heartbeat``: a heartbeat period and a timeout for stated goals (a design).

Theory of operation
-------------------
The learner chooses ``{"interval": ms, "timeout": ms}`` for a fixed-timeout failure detector
(:class:`~dsworkbook.coordination.detection.FixedTimeout`) on a long-tailed network
(:data:`NETWORK`: median 15 ms, p99 90 ms one way). The grader does not compare with a
constant - several designs pass - it runs the design on the simulator
(:func:`~dsworkbook.coordination.detection.heartbeat_sim`) and checks the three goals the
statement states:

* **cost**: at most :data:`MAX_RATE` heartbeats per second (``interval >= 100``);
* **false suspicions**: a live peer is suspected at most :data:`MAX_FALSE` times in each of three
  one-minute runs (seeds 1-3), every episode counted (:func:`~dsworkbook.coordination.detection.suspicion`);
* **detection**: the peer crashes at :data:`CRASHES` moments (seeds 1-40; half of them just after a
  heartbeat left, where detection is slowest, half at random moments) and each crash is suspected
  within :data:`MAX_DETECTION` ms.

Its message names the goal missed and the measurements, so the learner sees which way to move:
a short timeout misses the false-suspicion goal, a long one the detection goal, a short period
the cost goal.
"""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.coordination.detection import FixedTimeout, heartbeat_sim, suspicion
from dsworkbook.grading.core import exercise, fail
from dsworkbook.sim import LongTail

NETWORK = LongTail(15, 90)
MAX_RATE = 10          # heartbeats per second
MAX_FALSE = 1          # false suspicions per minute, in each run
MAX_DETECTION = 350.0  # ms from a crash to its suspicion
FALSE_SEEDS = (1, 2, 3)
MINUTE = 60_000.0
CRASHES = 40
CRASH_SEED = 4242


def _form(answer: Any) -> tuple[float, float]:
    shape = '{"interval": 100, "timeout": 300} (both in ms)'
    if not isinstance(answer, dict) or set(answer) != {"interval", "timeout"}:
        fail(case="the form of the answer", input="a design", expected=f'a dict with exactly the keys "interval" and '
             f'"timeout", e.g. {shape}', got=answer, hint='answer with a dict {"interval": ..., "timeout": ...}')
    out = []
    for key in ("interval", "timeout"):
        v = answer[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            fail(case="the form of the answer", input=answer, expected=f"{key}: a number of ms > 0", got=repr(v),
                 hint=f"give {key} as a positive number of milliseconds, e.g. {shape}")
        out.append(float(v))
    return out[0], out[1]


def false_suspicions(interval: float, timeout: float) -> list[int]:
    """False-suspicion episodes in each one-minute run (seeds 1-3) with nothing crashing."""
    counts = []
    for seed in FALSE_SEEDS:
        sim = heartbeat_sim(seed, latency=NETWORK, interval=interval)
        sim.run(until=1000.0 + MINUTE)
        got = suspicion(sim.node("m").arrivals, FixedTimeout(timeout), start=1000.0, end=1000.0 + MINUTE)
        counts.append(int(got["false_suspicions"]))
    return counts


def detection_times(interval: float, timeout: float) -> list[tuple[int, float, float]]:
    """(seed, crash time, ms until suspected) for each of the crashes."""
    rng = random.Random(CRASH_SEED)
    rows = []
    for k in range(1, CRASHES + 1):
        beats = max(3, int(2000.0 // interval))
        if k % 2:   # just after a heartbeat left: the slowest detection
            crash = interval * rng.randint(beats, 2 * beats) + 0.5
        else:
            crash = rng.uniform(2000.0, 4000.0)
        sim = heartbeat_sim(k, latency=NETWORK, interval=interval)
        sim.at(crash, sim.crash, "p")
        end = crash + timeout + 3000.0
        sim.run(until=end)
        got = suspicion(sim.node("m").arrivals, FixedTimeout(timeout), start=500.0, end=end, crashed_at=crash)
        rows.append((k, round(crash, 1), got["detection_ms"]))
    return rows


@exercise("10-design-heartbeat", title="Design: a heartbeat period and timeout for stated goals", theme="T10",
          concepts=("Z04",), kind="design")
def grade_design_heartbeat(answer: Any) -> str:
    """``{"interval": ms, "timeout": ms}`` meeting the cost, false-suspicion and detection goals on the simulator."""
    interval, timeout = _form(answer)
    rate = 1000.0 / interval
    if rate > MAX_RATE:
        fail(case="the cost goal", input=answer, expected=f"at most {MAX_RATE} heartbeats per second (interval >= "
             f"{1000 // MAX_RATE} ms)", got=f"{rate:g} heartbeats per second",
             hint="a shorter interval buys fewer false suspicions with messages; the goal caps them: lengthen interval")
    counts = false_suspicions(interval, timeout)
    if max(counts) > MAX_FALSE:
        fail(case="the false-suspicion goal (seeds 1-3, one minute each, nothing crashes)", input=answer,
             expected=f"at most {MAX_FALSE} false suspicion in each minute",
             got=f"{counts} false suspicions in the three minutes",
             hint=("a heartbeat late by more than timeout - interval is suspected: the timeout must clear the interval "
                   "plus the network's tail (p99 90 ms one way, and rarer delays beyond it), not its median"))
    times = detection_times(interval, timeout)
    slow = [(k, c, round(d, 1)) for k, c, d in times if not d <= MAX_DETECTION]
    if slow:
        k, crash, d = max(slow, key=lambda r: r[2])
        fail(case=f"the detection goal (crash {k} of {CRASHES}: seed {k}, the peer crashes at t={crash:g} ms)",
             input=answer, expected=f"every crash suspected within {MAX_DETECTION:g} ms",
             got=f"{len(slow)} of {CRASHES} crashes detected later; the slowest after {d:g} ms",
             hint=("the monitor suspects timeout ms after the last heartbeat *arrived*, and that heartbeat may itself "
                   "have been slow: the detection time is about timeout plus the delay of the last heartbeat - "
                   "shorten timeout"))
    worst = max(d for _, _, d in times)
    return (f"interval {interval:g} ms, timeout {timeout:g} ms: {rate:g} heartbeats/s, false suspicions per minute "
            f"{counts} (seeds 1-3), all {CRASHES} crashes detected within {worst:.0f} ms")


__all__ = ["grade_design_heartbeat", "false_suspicions", "detection_times", "NETWORK"]
