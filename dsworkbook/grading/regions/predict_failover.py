"""Exercise ``14-predict-failover``: rank four DNS failover configurations by recovery time, and say why.

The truth is measured at check time by :func:`dsworkbook.regions.dns.dns_failover_run` (seed 14, the
default world: five regions, ten clients, eu-west-1 failing at t = 3000 ms); so is the reason,
from what each run measured (detection time, recovery, the order of the runs).
"""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.regions.dns import DnsFailoverRun, dns_failover_run

SEED = 14
FAIL_AT = 3000.0
#: name -> (check interval ms, failure threshold, TTL ms)
CONFIGS: dict[str, tuple[float, int, float]] = {
    "W": (100.0, 1, 3000.0),
    "X": (500.0, 3, 100.0),
    "Y": (100.0, 3, 300.0),
    "Z": (1000.0, 5, 1000.0),
}
REASONS = {
    "a": "detection (interval x threshold) and the TTL add up: after the DNS service marks the region unhealthy, a "
         "client may keep its cached answer for up to a whole TTL, so the order follows interval x threshold + TTL",
    "b": "detection time (interval x threshold) dominates: once the region is marked unhealthy clients move at once, "
         "so the TTL hardly matters",
    "c": "a short TTL alone is enough: clients ask the DNS service again soon, so the shortest TTL recovers fastest",
    "d": "clients switch at once on their first error, so every configuration recovers within about one request "
         "period plus a round trip",
}


def runs(seed: int = SEED) -> dict[str, DnsFailoverRun]:
    return {name: dns_failover_run(seed=seed, interval=i, threshold=t, ttl=ttl, fail_at=FAIL_AT)
            for name, (i, t, ttl) in CONFIGS.items()}


def order(r: dict[str, DnsFailoverRun]) -> list[str]:
    """The configurations from the fastest recovery to the slowest."""
    return sorted(r, key=lambda n: r[n].recovery)


def reasons_that_hold(r: dict[str, DnsFailoverRun]) -> list[str]:
    """Which of :data:`REASONS` the four runs bear out."""
    measured = order(r)
    cfg = {n: run.config for n, run in r.items()}
    detect_only = sorted(r, key=lambda n: cfg[n].interval * cfg[n].threshold)
    both = sorted(r, key=lambda n: cfg[n].interval * cfg[n].threshold + cfg[n].ttl)
    after_detection = {n: r[n].recovery - (r[n].detect or 0.0) for n in r}
    holds = []
    if measured == both and any(after_detection[n] > max(cfg[n].ttl / 2, 400.0) for n in r):
        holds.append("a")
    if measured == detect_only and all(after_detection[n] < 400.0 for n in r):
        holds.append("b")
    if measured[0] == min(r, key=lambda n: cfg[n].ttl) and len({c.ttl for c in cfg.values()}) == len(cfg):
        holds.append("c")
    if all(run.recovery < 2 * run.config.period + 400.0 for run in r.values()):
        holds.append("d")
    return holds


def _show(r: dict[str, DnsFailoverRun]) -> str:
    return "; ".join(f"{n}: detected after {r[n].detect:.0f} ms, every client recovered after {r[n].recovery:.0f} ms"
                     for n in CONFIGS)


@exercise("14-predict-failover", title="Predict: which DNS failover configuration recovers first", theme="T14",
          concepts=("G01",), kind="predict", parts=("why",))
def grade_predict_failover(answer: Any, *, why: Any) -> str:
    """A list of the four configuration names, fastest recovery first, and ``why``, the reason the runs bear out.

    Recovery is measured by running each configuration (seed 14): from the failure until every
    client that saw an error has had a successful request after its first error.
    """
    names = sorted(CONFIGS)
    if not isinstance(answer, (list, tuple)) or sorted(answer) != names:
        fail(case="the form of the answer", input=f"configurations {names}",
             expected="a list holding each of the four names once, fastest recovery first", got=answer,
             hint="write the four names of the question in a list, e.g. [\"Z\", \"Y\", \"X\", \"W\"]")
    letter = need_choice(why, REASONS)
    r = runs()
    holds = reasons_that_hold(r)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"14-predict-failover: expected exactly one reason to hold, got {holds}")
    truth = order(r)
    if list(answer) != truth:
        fail(case="the order", input=f"configurations {CONFIGS} (interval ms, threshold, TTL ms), seed {SEED}",
             expected=truth, got=list(answer),
             hint=f"measured: {_show(r)} - add up what a client waits for: the checks, then its cached answer")
    if letter != holds[0]:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint=f"measured: {_show(r)}; compare each recovery with interval x threshold, and with the TTL")
    return "order " + " < ".join(f"{n} ({r[n].recovery:.0f} ms)" for n in truth) + f"; why ({letter})"
