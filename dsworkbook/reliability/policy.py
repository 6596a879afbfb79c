"""A retry policy, and the reference capped exponential backoff with jitter.

:class:`RetryPolicy` holds a client's timeout, attempt cap, backoff base and cap, jitter and
whether it sends idempotency keys; :func:`backoff_delay` is the reference backoff (Marc Brooker,
"Exponential Backoff and Jitter", AWS Architecture Blog, 2015). Bad settings raise
:class:`~dsworkbook.errors.ConfigError` saying what to pass.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable

from dsworkbook.errors import ConfigError

__all__ = ["JITTERS", "BackoffFn", "RetryPolicy", "backoff_delay"]


JITTERS = ("none", "full", "equal", "decorrelated")

#: ``backoff(retry, base, cap, rng) -> delay in ms``: the shape of a pluggable backoff function.
BackoffFn = Callable[[int, float, float, random.Random], float]


def _check_ms(name: str, value: Any, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number of ms, got {value!r}")
    if value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ConfigError(f"{name} must be {bound} ms, got {value}")
    return float(value)


def _check_jitter(jitter: Any) -> str:
    if jitter not in JITTERS:
        raise ConfigError(f"unknown jitter {jitter!r}; choose one of {list(JITTERS)} "
                          "(see AWS Architecture Blog, 'Exponential Backoff and Jitter')")
    return jitter


def _check_base_cap(base: Any, cap: Any) -> tuple[float, float]:
    base, cap = _check_ms("base", base), _check_ms("cap", cap)
    if cap < base:
        raise ConfigError(f"cap ({cap} ms) must be >= base ({base} ms): the cap bounds the longest wait, "
                          "the base is the first one")
    return base, cap


# -- the policy and the reference backoff ----------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How a client retries: per-attempt ``timeout``, at most ``max_attempts`` attempts in all,
    capped exponential backoff (``base``, ``cap``, ``jitter``), and idempotency keys on or off.
    """

    timeout: float = 50.0
    max_attempts: int = 5
    base: float = 10.0
    cap: float = 1000.0
    jitter: str = "full"
    idempotency: bool = True

    def __post_init__(self) -> None:
        _check_ms("timeout", self.timeout, positive=True)
        m = self.max_attempts
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise ConfigError(f"max_attempts must be an int >= 1 (1 means: never retry), got {m!r}")
        _check_base_cap(self.base, self.cap)
        _check_jitter(self.jitter)
        if not isinstance(self.idempotency, bool):
            raise ConfigError(f"idempotency must be True or False, got {self.idempotency!r}")

    def delay(self, retry: int, rng: random.Random, previous: float | None = None) -> float:
        """The wait before retry number ``retry`` (0 for the first retry)."""
        return backoff_delay(retry, self.base, self.cap, rng, self.jitter, previous=previous)


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random, jitter: str = "full",
                  *, previous: float | None = None) -> float:
    """How long to wait before a retry, in ms: the reference of exercise ``01-backoff``.

    ``attempt`` counts retries already made: 0 before the first retry. With
    ``ceiling = min(cap, base * 2**attempt)`` (AWS Architecture Blog, "Exponential Backoff and
    Jitter"):

    * ``none``:  ``ceiling`` - every client that failed together retries together;
    * ``full``:  uniform in ``[0, ceiling]`` - the spread that minimises work in the article;
    * ``equal``: ``ceiling / 2`` plus uniform in ``[0, ceiling / 2]`` - never very short;
    * ``decorrelated``: ``min(cap, uniform(base, 3 * previous))``, with ``previous`` the last
      wait (``base`` before the first) - grows from the last wait rather than the attempt.

    Every random draw comes from ``rng``, so a seeded run repeats exactly.
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        raise ConfigError(f"attempt must be an int >= 0 (0 before the first retry), got {attempt!r}")
    base, cap = _check_base_cap(base, cap)
    _check_jitter(jitter)
    if not isinstance(rng, random.Random):
        raise ConfigError(f"rng must be a random.Random (a node's self.rng, or random.Random(seed)), got {rng!r}")
    ceiling = cap if attempt >= 1000 else min(cap, base * 2.0 ** attempt)
    if jitter == "none":
        return ceiling
    if jitter == "full":
        return rng.uniform(0.0, ceiling)
    if jitter == "equal":
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)
    last = base if previous is None else _check_ms("previous", previous)
    return min(cap, rng.uniform(base, max(base, 3 * last)))
