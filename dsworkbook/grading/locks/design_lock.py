"""Exercise ``09-design-lock``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.locks.client import Backoff, overlapping_holders
from dsworkbook.locks.scenarios import STORAGE, lock_sim
from dsworkbook.sim import Simulation
from dsworkbook.locks.pressure import pressure_run

#: the stated bounds
MAX_PAUSE, MAX_JUMP, MAX_DELAY = 600.0, 150.0, 600.0
WORK = 120.0
AVAILABLE_WITHIN = 400.0
SEEDS = (0, 1)
TOKEN_SOURCES = ("raft", "counter")
WAITER = Backoff(base=10.0, cap=40.0, attempts=500)

HINTS = {
    "safety": "a lease cannot outlast a pause or a delay longer than itself, and the ttl cannot be longer than the "
              "availability goal allows: something other than the ttl must stop the stale write",
    "work": "the lock must not expire under a holder that is working normally: the ttl must cover the 120 ms of work "
            "plus the time to acquire, fetch a token and read",
    "available": "a crashed holder's lock is free only when its ttl runs out: the ttl bounds how long the others "
                 "wait",
    "tokens": "a single counter node is a single point of failure: while it is down nobody gets a token",
}


def design_from(answer: Any) -> tuple[float, bool, str | None]:
    """``(ttl, fenced, tokens)`` from the answer, or a form failure saying what to write."""
    example = '{"ttl": 250, "fenced": True, "tokens": "counter"} (the form, not the answer)'
    if not isinstance(answer, dict) or set(answer) != {"ttl", "fenced", "tokens"}:
        fail(case="the form of the answer", input=repr(answer), expected='a dict with keys "ttl", "fenced", "tokens"',
             got=answer, hint=f"e.g. {example}")
    ttl, fenced, tokens = answer["ttl"], answer["fenced"], answer["tokens"]
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not math.isfinite(ttl) or not 50 <= ttl <= 5000:
        fail(case="the form of the answer", input=repr(answer), expected="a ttl in ms from 50 to 5000", got=ttl,
             hint=f"e.g. {example}")
    if not isinstance(fenced, bool):
        fail(case="the form of the answer", input=repr(answer), expected="fenced True or False", got=fenced,
             hint=f"e.g. {example}")
    if fenced and tokens not in TOKEN_SOURCES or not fenced and tokens is not None:
        fail(case="the form of the answer", input=repr(answer),
             expected=f"tokens one of {list(TOKEN_SOURCES)} when fenced, None when not", got=tokens,
             hint=f"e.g. {example}")
    return float(ttl), fenced, tokens


def _start(fenced: bool, tokens: str | None) -> float:
    return 300.0 if fenced and tokens == "raft" else 50.0


def no_lost_write(ttl: float, fenced: bool) -> tuple[bool, str]:
    for scenario, bound in (("pause", MAX_PAUSE), ("clock jump", MAX_JUMP), ("delayed packet", MAX_DELAY)):
        for size in (bound, bound / 2):
            for seed in SEEDS:
                run = pressure_run(scenario, size, ttl=ttl, fenced=fenced, seed=seed)
                if run.lost_write:
                    return False, run.verdict()
    return True, "no write lost under a pause, a clock jump or a delayed write of up to the bounds"


def working_run(ttl: float, fenced: bool, tokens: str | None, seed: int) -> Simulation:
    t0 = _start(fenced, tokens)
    sim = lock_sim(seed, ttl=ttl, fenced=fenced, tokens=tokens or "raft", latency=5.0,
                   clients=[dict(rounds=1, work=(WORK, WORK), start_at=t0),
                            dict(rounds=1, work=(10.0, 10.0), start_at=t0 + 30.0, backoff=WAITER)])
    sim.run(until=t0 + 3000.0)
    return sim


def takeover_after_crash(ttl: float, fenced: bool, tokens: str | None, seed: int) -> float | None:
    """How long after the holder crashed the waiting client acquired (None: never, in 3 s)."""
    t0 = _start(fenced, tokens)
    sim = lock_sim(seed, ttl=ttl, fenced=fenced, tokens=tokens or "raft", latency=5.0,
                   clients=[dict(rounds=1, work=(WORK, WORK), start_at=t0),
                            dict(rounds=1, work=(10.0, 10.0), start_at=t0 + 30.0, backoff=WAITER)])
    sim.at(t0 + 20.0, sim.crash, "c1")
    sim.run(until=t0 + 3000.0)
    got = [r.time for r in sim.trace.notes("c2", key="lock") if r.detail["lock"] == "acquired"]
    return got[0] - (t0 + 20.0) if got else None


def token_server_down(ttl: float, tokens: str, seed: int) -> list[str]:
    """Writers whose writes were accepted while one token server was down from the start."""
    t0 = _start(True, tokens)
    sim = lock_sim(seed, ttl=ttl, fenced=True, tokens=tokens, latency=5.0,
                   clients=[dict(rounds=1, start_at=t0), dict(rounds=1, start_at=t0 + 30.0, backoff=WAITER)])
    sim.at(t0 - 10.0, sim.crash, "t1" if tokens == "raft" else "tokens")
    sim.run(until=t0 + 4000.0)
    return sorted({w.writer for w in sim.node(STORAGE).accepted})


@exercise("09-design-lock", title="Design: a lock for stated pauses, jumps and delays", theme="T09",
          concepts=("L02", "L03"), kind="design")
def grade_design_lock(answer: Any) -> str:
    """A dict ``{"ttl": ms, "fenced": bool, "tokens": "raft" | "counter" | None}`` meeting every goal.

    Run in the simulator, with the answer's ttl: (1) no lost write under the themed notebook's
    pause, clock jump and delayed write (:func:`~dsworkbook.locks.pressure.pressure_run`; when
    fenced, its tokens come from a Raft counter) at the stated bounds and at half of them, seeds
    0 and 1; (2) with no fault and 120 ms of work under the lock, never two holders at once, and
    both clients write; (3) when the holder crashes, the waiting client acquires within 400 ms;
    (4) when fenced, with the answer's token source and one token server down from the start,
    both clients write. Several answers are right (fencing from the Raft counter, any ttl that
    covers the work and frees a crashed holder's lock in time).
    """
    ttl, fenced, tokens = design_from(answer)
    shown = f"ttl {ttl:g} ms, {'fenced with ' + str(tokens) + ' tokens' if fenced else 'unfenced'}"
    for seed in SEEDS:
        sim = working_run(ttl, fenced, tokens, seed)
        writers = sorted({w.writer for w in sim.node(STORAGE).accepted})
        overlap = overlapping_holders(sim)
        if overlap or writers != ["c1", "c2"]:
            fail(case=f"goal 2: no faults, {WORK:g} ms of work under the lock (seed {seed})", input=shown,
                 expected="never two holders at once, and both clients write",
                 got=f"two holders: {overlap or 'never'}; writes accepted from {writers}", hint=HINTS["work"])
    for seed in SEEDS:
        waited = takeover_after_crash(ttl, fenced, tokens, seed)
        if waited is None or waited > AVAILABLE_WITHIN:
            fail(case=f"goal 3: the holder crashes (seed {seed})", input=shown,
                 expected=f"the waiting client acquires within {AVAILABLE_WITHIN:g} ms of the crash",
                 got="never" if waited is None else f"after {waited:.0f} ms", hint=HINTS["available"])
    safe, evidence = no_lost_write(ttl, fenced)
    if not safe:
        fail(case="goal 1: no lost write under the stated pause, clock jump and delay", input=shown,
             expected="no write lost", got=evidence, hint=HINTS["safety"])
    if fenced:
        for seed in SEEDS:
            writers = token_server_down(ttl, tokens, seed)
            if writers != ["c1", "c2"]:
                fail(case=f"goal 4: one token server down from the start (seed {seed})", input=shown,
                     expected="both clients write", got=f"writes accepted from {writers}", hint=HINTS["tokens"])
    return (f"{shown}: no lost write under pauses and delays up to {MAX_PAUSE:g} ms and clock jumps up to "
            f"{MAX_JUMP:g} ms; no overlap with {WORK:g} ms of work; a crashed holder's lock taken over within "
            f"{AVAILABLE_WITHIN:g} ms; writes go on with a token server down (seeds {SEEDS[0]} and {SEEDS[1]})")
