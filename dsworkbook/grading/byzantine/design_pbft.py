"""Exercise ``08-design-pbft``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import functools
from typing import Any

from dsworkbook.consensus.pbft.cluster import check_pbft, clients_done, honest_replicas, pbft_sim
from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import exercise, fail

F = 2
TRAITORS = {"r0": "equivocate", "r3": "lie"}
SEEDS = (101, 102, 103)
CLIENTS, OPS = 3, 8
DEADLINE = 450.0      # every client done by then (ms of simulated time)
LOG_BOUND = 10        # pre-prepares an honest replica may hold at once
STABLE_BOUND = 8      # stable checkpoints per honest replica in the run
END = 1500.0
STEP = 10.0
KEYS = ("n", "checkpoint_interval", "view_timeout")


@functools.lru_cache(maxsize=64)
def measure(seed: int, n: int, k: int, timeout: float) -> dict[str, Any]:
    """One run of the stated scenario with this configuration: safety, when the clients were done,
    the largest log seen (sampled every 10 ms) and the stable checkpoints per honest replica."""
    sim = pbft_sim(seed, f=F, n=n, traitors=list(TRAITORS), strategy=dict(TRAITORS), clients=CLIENTS, ops=OPS,
                   checkpoint_interval=k, view_timeout=timeout)
    honest = honest_replicas(sim)
    biggest, done, t = 0, None, 0.0
    while t < END:
        t += STEP
        sim.run(until=t)
        biggest = max(biggest, max(len(sim.node(r).pre_prepares) for r in honest))
        if done is None and clients_done(sim):
            done = t
    stables = max(sum(1 for rec in sim.trace.notes(r) if "stable" in rec.detail) for r in honest)
    return {"problems": check_pbft(sim), "done": done, "log": biggest, "stables": stables}


def _goals(n: int, k: int, timeout: float) -> str | None:
    """The first goal this configuration misses on some seed, in words (None: it meets them all)."""
    for seed in SEEDS:
        m = measure(seed, n, k, timeout)
        if m["problems"]:
            return f"seed {seed}: safety broke - {m['problems'][0]}"
        if m["done"] is None or m["done"] > DEADLINE:
            when = "not by the end of the run" if m["done"] is None else f"only at {m['done']:.0f} ms"
            return f"seed {seed}: the clients were done {when}, after the {DEADLINE:.0f} ms deadline"
        if m["log"] > LOG_BOUND:
            return f"seed {seed}: an honest replica held {m['log']} pre-prepares at once (at most {LOG_BOUND})"
        if m["stables"] > STABLE_BOUND:
            return f"seed {seed}: a replica made {m['stables']} checkpoints stable (at most {STABLE_BOUND})"
    return None


HINTS = {
    "n": "PBFT tolerates f Byzantine replicas only with n >= 3f+1 replicas",
    "done": "a backup waits view_timeout before it suspects the primary (and twice as long for the next view); too "
            "long and the clients wait behind an equivocating primary, too short and honest primaries are replaced "
            "before they finish",
    "log": "a replica keeps every pre-prepare above its last stable checkpoint; a checkpoint becomes stable every K "
           "requests, so a large K lets the log grow",
    "stables": "each checkpoint costs an all-to-all round of signed messages; a small K makes too many of them",
    "fewest": "the goals ask for the fewest replicas",
    "more": "replicas beyond 3f+1 add messages to every round (and votes to wait for): they did not help here",
}


@exercise("08-design-pbft", title="Design: replicas, checkpoint interval and view-change timeout", theme="T08",
          concepts=("B02", "B03"), kind="design", seconds=40)
def grade_design_pbft(config: Any) -> str:
    """A dict with :data:`KEYS`: the number of replicas, the checkpoint interval K and the
    view-change timeout (ms) for f = 2 traitors (r0 equivocating, r3 lying), three clients of
    eight requests each. The grader runs the configuration on seeds 101-103 and checks every
    goal: safety, every client done by 450 ms, at most 10 pre-prepares held by an honest replica
    at once, at most 8 stable checkpoints per replica - and the fewest replicas (n = 3f+1 = 7
    meets the goals with the same K and timeout, so a larger n is not the fewest).
    """
    if not isinstance(config, dict) or set(config) != set(KEYS):
        fail(case="the form of the answer", input=f"keys {list(KEYS)}", expected="a dict with exactly these keys",
             got=config, hint="copy the three keys of the statement and put a number after each")
    n, k, timeout = config["n"], config["checkpoint_interval"], config["view_timeout"]
    for name, v in (("n", n), ("checkpoint_interval", k)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            fail(case=name, input=name, expected="an int >= 1", got=v, hint=f"{name} is a whole number")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        fail(case="view_timeout", input="view_timeout", expected="a number of ms > 0", got=timeout,
             hint="the view-change timeout is a positive number of ms")
    if n < 3 * F + 1:
        fail(case="n", input=config, expected=f"n >= 3f+1 = {3 * F + 1}", got=n, hint=HINTS["n"])
    if n > 200:
        fail(case="n", input=config, expected="a number of replicas the simulator can run (<= 200)", got=n,
             hint=HINTS["fewest"])
    try:
        missed = _goals(n, k, float(timeout))
    except ConfigError as exc:
        fail(case="the configuration", input=config, expected="a configuration PBFT accepts", got=str(exc),
             hint=HINTS["n"])
    if missed is not None:
        key = ("done" if "clients" in missed else "log" if "pre-prepares" in missed else
               "stables" if "checkpoints" in missed else "more" if n > 3 * F + 1 else "n")
        fail(case="the goals, run on seeds 101-103", input=config, expected="every goal met on every seed",
             got=missed, hint=HINTS[key])
    if n > 3 * F + 1 and _goals(3 * F + 1, k, float(timeout)) is None:
        fail(case="the fewest replicas", input=config, expected=f"n = {3 * F + 1}",
             got=f"n = {n}; n = {3 * F + 1} with the same K and timeout meets every goal too", hint=HINTS["fewest"])
    worst = max(measure(s, n, k, float(timeout))["done"] for s in SEEDS)
    return (f"n = {n}, K = {k}, timeout {timeout} ms: safe on seeds 101-103 with r0 equivocating and r3 lying, every "
            f"client done by {worst:.0f} ms, logs and checkpoints within the bounds")
