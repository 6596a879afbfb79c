"""Exercise ``01-design-retry``: choose a client's retry policy for stated goals.

The learner designs rather than fills in: a dict ``{"timeout", "max_attempts", "base", "cap",
"jitter"}`` for the clients of a counter service, such that six goals hold at once (see
:data:`dsworkbook.reliability.DESIGN_GOALS`): a success rate, a p99 latency and a retry budget in
steady state under 2% message loss and a long-tailed latency, and - in a recovery storm after a
one-second outage - every operation ok, no request shed by the recovering server, and a quick
recovery. Many policies meet them all; the grader grades the properties, not a constant: it runs
:func:`dsworkbook.reliability.retry_goals` (the steady state and the storm, on three seeds each)
and reports the first goal that fails, with what was measured and which knob moves it.
"""

from __future__ import annotations

import math
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import exercise, fail
from dsworkbook.reliability import DESIGN_SEEDS, JITTERS, GoalCheck, RetryPolicy, retry_goals

__all__ = ["grade_design_retry", "KEYS", "LIMITS"]

KEYS = ("timeout", "max_attempts", "base", "cap", "jitter")
#: The ranges the statement allows (they keep every run small).
LIMITS = {"timeout": (1.0, 5000.0), "max_attempts": (1, 100), "base": (0.0, 5000.0), "cap": (0.0, 60000.0)}

_HINTS = {
    "success": ("operations gave up ('unknown') in steady state: with 2% of messages lost, about 4% of attempts "
                "fail, so more than one attempt is needed - raise max_attempts"),
    "p99 latency": ("a lost message costs the client a whole timeout plus a backoff wait before the retry: lower "
                    "timeout (it need not exceed the round trip's tail by much) or base"),
    "retry budget": ("too many requests per operation: a timeout below the round trip's tail (p99 about 89 ms) fires "
                     "on healthy replies that are merely slow, and each such timeout sends a needless retry - raise "
                     "timeout"),
    "storm: all ok": ("clients gave up while the server was still down: the attempts must span the whole 1,000 ms "
                      "outage - max_attempts x timeout plus the waits between attempts"),
    "storm: no overload": ("the recovering server had to shed requests: retries arrived in bunches - use jitter, and a "
                           "cap large enough that 100 clients' retries, spread over it, come well under one request "
                           "per ms"),
    "storm: recovery": ("operations finished too late after the server came back: clients slept too long between "
                        "attempts - lower cap"),
}


def _shown(design: dict[str, Any]) -> str:
    return ", ".join(f"{k}={design[k]!r}" for k in KEYS)


def _policy(design: Any) -> RetryPolicy:
    example = '{"timeout": 50, "max_attempts": 4, "base": 10, "cap": 100, "jitter": "none"}'
    if not isinstance(design, dict) or set(design) != set(KEYS):
        got = sorted(design) if isinstance(design, dict) else design
        fail(case="the form of the answer", input="the design", expected=f"a dict with exactly the keys {list(KEYS)}, "
             f"e.g. {example}", got=got, hint="write the design as a dict with those five keys and nothing else")
    for key, (lo, hi) in LIMITS.items():
        v = design[key]
        whole = key == "max_attempts"
        if isinstance(v, bool) or not isinstance(v, int if whole else (int, float)) or not (
                isinstance(v, int) or math.isfinite(v)) or not lo <= v <= hi:
            fail(case="the form of the answer", input=_shown(design),
                 expected=f"{key}: {'an int' if whole else 'a number of ms'} from {lo:g} to {hi:g}", got=v,
                 hint=f"{key} must be {'a whole number of attempts' if whole else 'a number of milliseconds'} "
                      f"within the range the statement gives")
    if design["jitter"] not in JITTERS:
        fail(case="the form of the answer", input=_shown(design), expected=f"jitter: one of {list(JITTERS)}",
             got=design["jitter"], hint="jitter names one of the four rules the statement lists")
    try:
        return RetryPolicy(timeout=design["timeout"], max_attempts=design["max_attempts"], base=design["base"],
                           cap=design["cap"], jitter=design["jitter"])
    except ConfigError as exc:
        fail(case="the form of the answer", input=_shown(design), expected="a policy the client accepts",
             got=str(exc), hint="cap bounds the longest wait and base is the first one: cap must be >= base")
        raise  # unreachable: fail() raises


def _first_failure(checks: list[GoalCheck]) -> GoalCheck | None:
    return next((c for c in checks if not c.met), None)


@exercise("01-design-retry", title="Design: a retry policy for stated goals", theme="T01", concepts=("N04",),
          kind="design")
def grade_design_retry(design: Any) -> str:
    """A dict ``{"timeout": ms, "max_attempts": int, "base": ms, "cap": ms, "jitter": name}``.

    Every goal of :data:`dsworkbook.reliability.DESIGN_GOALS` must hold on every seed of
    :data:`dsworkbook.reliability.DESIGN_SEEDS`; see the module docstring.
    """
    policy = _policy(design)
    checks = retry_goals(policy)
    bad = _first_failure(checks)
    if bad is not None:
        table = "\n".join(f"{'met ' if c.met else 'MISS'}  {c.goal:18s} {c.measured}" for c in checks)
        fail(case=f"goal '{bad.goal}' (seeds {', '.join(map(str, DESIGN_SEEDS))})", input=_shown(design),
             expected=bad.asks, got=f"{bad.measured}\nall goals:\n{table}", hint=_HINTS[bad.goal])
    figures = "; ".join(f"{c.goal}: {c.measured}" for c in checks)
    return f"every goal holds with {_shown(design)} - {figures}"
