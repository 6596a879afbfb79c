"""Exercise ``10-drill-seed-timers``: the notes' election timer, drawn too close to the heartbeat (a drill).

Theory of operation
-------------------
The source notes' Raft node sends heartbeats every 150 ms and picks its election timeout once,
at start-up, as ``random.randint(150, 300)``: the shortest timeout equals the heartbeat period,
so a follower whose heartbeat is a few ms late starts a needless election; the timeout is drawn
once, so two followers that drew close values collide in every election; and the draw uses the
global ``random``, so a run cannot be replayed. Raft draws a fresh timeout for every election
from a range well above the heartbeat (Ongaro & Ousterhout 2014, sections 5.2 and 5.6).

The learner writes ``election_timeout(rng, heartbeat, max_delay)``: a fresh timeout from ``rng``
on every call. The grader checks the stated properties on 65 settings (heartbeats from 1 ms to
10 s, delays from 0 to twice the heartbeat), 400 calls each on one generator - every value at
least ``heartbeat + max_delay`` and at most three times that; the values drawn from a range at
least that wide (400 calls must cover 90% of it) - and the same calls in two worlds (an answer
that reads the global ``random`` or the clock fails). Then it shows the point on the simulator: a heartbeat stream
whose delays vary by less than ``max_delay`` is replayed through 20 timeouts the answer drew,
and none may ever suspect the live sender.
"""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.coordination.detection import FixedTimeout, heartbeat_sim, suspicion
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 1014
SETTINGS = 60
DRAWS = 400

HAND: list[tuple[float, float, str]] = [
    (150.0, 30.0, "the notes' heartbeat of 150 ms, heartbeats up to 30 ms late"),
    (50.0, 0.0, "a network with no delay variation"),
    (100.0, 200.0, "delays larger than the heartbeat"),
    (1.0, 0.5, "a 1 ms heartbeat"),
    (10_000.0, 100.0, "a 10 s heartbeat"),
]


def _draw(rng: random.Random) -> tuple[float, float]:
    heartbeat = round(rng.choice((1.0, 10.0, 50.0, 150.0, 1000.0, 10_000.0)) * rng.uniform(0.5, 2.0), 2)
    delay = round(rng.choice((0.0, heartbeat * rng.uniform(0, 0.3), heartbeat * rng.uniform(0, 2.0))), 2)
    return heartbeat, delay


def _draws(fn: Any, seed: int, heartbeat: float, delay: float, case: str) -> list[Any]:
    rng = random.Random(seed)
    return [attempt(fn, rng, heartbeat, delay, input={"heartbeat": heartbeat, "max_delay": delay}, case=case)
            for _ in range(DRAWS)]


def _check_setting(fn: Any, heartbeat: float, delay: float, case: str, seed: int) -> None:
    shown = {"heartbeat": heartbeat, "max_delay": delay, "calls": f"{DRAWS} on one random.Random({seed})"}
    values = _draws(fn, seed, heartbeat, delay, case)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)]
    if bad:
        fail(case=case, input=shown, expected="a number of ms every time", got=bad[0],
             hint="return a float: the timeout in ms")
    low, high = heartbeat + delay, 3 * (heartbeat + delay)
    if min(values) < low:
        fail(case=case, input=shown, expected=f"every timeout >= heartbeat + max_delay = {low:g}",
             got=f"{sum(v < low for v in values)} of {DRAWS} below it, the smallest {min(values):g}",
             hint="a heartbeat may arrive max_delay late: a timeout shorter than heartbeat + max_delay fires "
                  "while the leader is alive, and starts a needless election")
    if max(values) > high:
        fail(case=case, input=shown, expected=f"every timeout <= 3 x (heartbeat + max_delay) = {high:g}",
             got=f"the largest {max(values):g}", hint="a dead leader goes unnoticed for a whole timeout: keep it "
             "within three times heartbeat + max_delay")
    if max(values) - min(values) < 0.9 * low:
        fail(case=case, input=shown, expected=f"{DRAWS} values covering at least {0.9 * low:g} ms: 90% of a range "
             f"heartbeat + max_delay = {low:g} ms wide", got=f"all {DRAWS} between {min(values):g} and {max(values):g}",
             hint="draw a fresh timeout from rng on every call, over a wide range, so that two followers rarely "
                  "time out together (a split vote) - not one value drawn once")


def _check_run(fn: Any) -> None:
    heartbeat, delay = 150.0, 30.0
    sim = heartbeat_sim(3, latency=(1.0, 1.0 + delay), interval=heartbeat)   # delays vary by less than 30 ms
    sim.run(until=31_000.0)
    arrivals = sim.node("m").arrivals
    rng = random.Random(RANDOM_SEED + 7)
    case = "20 timeouts drawn for a heartbeat of 150 ms, replayed on 30 s of heartbeats delayed 1-31 ms (seed 3)"
    for k in range(20):
        t = attempt(fn, rng, heartbeat, delay, input={"heartbeat": heartbeat, "max_delay": delay}, case=case)
        got = suspicion(arrivals, FixedTimeout(float(t)), start=1000.0, end=31_000.0)
        if got["false_suspicions"]:
            fail(case=case, input={"heartbeat": heartbeat, "max_delay": delay, "timeout drawn": t},
                 expected="no suspicion of the live leader", got=f"{int(got['false_suspicions'])} false suspicions",
                 hint="the timeout must cover the heartbeat period plus the largest delay: heartbeat + max_delay")


@exercise("10-drill-seed-timers", title="Drill: the notes' election timer", theme="T10", concepts=("Z03", "Z04"),
          kind="drill", reference="dsworkbook.consensus.raft.RaftNode.reset_election_timer")
def grade_drill_timers(fn: Any) -> str:
    """``election_timeout(rng, heartbeat, max_delay)``: a fresh, safe, spread-out timeout from ``rng``."""
    need_callable(fn, "function election_timeout(rng, heartbeat, max_delay)")
    cases = [(what, (h, d)) for h, d, what in HAND] + list(random_cases(RANDOM_SEED, SETTINGS, _draw))
    for k, (label, (heartbeat, delay)) in enumerate(cases):
        _check_setting(fn, heartbeat, delay, label, RANDOM_SEED + k)
    for k, (label, (heartbeat, delay)) in enumerate(cases[:10]):
        same_everywhere(lambda h, d, s: _draws(fn, s, h, d, label), heartbeat, delay, RANDOM_SEED + k,
                        input={"heartbeat": heartbeat, "max_delay": delay, "calls": f"{DRAWS} on random.Random"
                                                                                   f"({RANDOM_SEED + k})"}, case=label)
    _check_run(fn)
    return (f"{len(cases)} settings x {DRAWS} calls: every timeout above heartbeat + max_delay, within 3x, spread; "
            "the same draws in two worlds; 20 drawn timeouts never suspect a live leader on the simulator")


__all__ = ["grade_drill_timers"]
