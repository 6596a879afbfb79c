"""Latency distributions for the simulated network.

Every distribution draws from the simulation's one RNG (passed in), so the same seed gives the
same delays. Times are in virtual milliseconds. ``latency(spec)`` turns the shorthand a reader
types in a notebook (``5``, ``(1, 10)``, ``"exp:5"``) into a distribution object.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Union

from dsworkbook.errors import ConfigError

__all__ = ["Latency", "Constant", "Uniform", "Exponential", "LongTail", "latency", "LatencySpec"]


def _check_nonneg(name: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        raise ConfigError(f"{name} must be a number of milliseconds, got {value!r}")
    if value < 0:
        raise ConfigError(f"{name} must be >= 0 ms, got {value}; a message cannot arrive before it is sent")
    return float(value)


class Latency:
    """A one-way delay distribution. Subclasses implement :meth:`sampler`."""

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """Return a zero-argument function drawing one delay from ``rng`` (fast path)."""
        raise NotImplementedError

    def sample(self, rng: random.Random) -> float:
        return self.sampler(rng)()

    @property
    def mean(self) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class Constant(Latency):
    """Every message takes exactly ``value`` ms."""

    value: float

    def __post_init__(self) -> None:
        _check_nonneg("Constant latency", self.value)

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        v = float(self.value)
        return lambda: v

    @property
    def mean(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class Uniform(Latency):
    """Delay drawn uniformly from [low, high] ms."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_nonneg("Uniform low", self.low)
        _check_nonneg("Uniform high", self.high)
        if self.high < self.low:
            raise ConfigError(f"Uniform latency needs low <= high, got low={self.low}, high={self.high}")

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        low, span, rand = float(self.low), float(self.high - self.low), rng.random
        return lambda: low + span * rand()

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Exponential(Latency):
    """A floor of ``minimum`` ms plus an exponential tail with the given mean (memoryless)."""

    mean_extra: float
    minimum: float = 0.0

    def __post_init__(self) -> None:
        if _check_nonneg("Exponential mean", self.mean_extra) == 0:
            raise ConfigError("Exponential latency needs a mean > 0; use Constant(...) for a fixed delay")
        _check_nonneg("Exponential minimum", self.minimum)

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        lam, floor, expo = 1.0 / self.mean_extra, float(self.minimum), rng.expovariate
        return lambda: floor + expo(lam)

    @property
    def mean(self) -> float:
        return self.minimum + self.mean_extra


_Z99 = 2.3263478740408408  # standard normal 99th percentile


@dataclass(frozen=True)
class LongTail(Latency):
    """Log-normal delays set by their median and 99th percentile: most are fast, a few very slow.

    This is what real networks look like (Dean & Barroso, "The Tail at Scale"): a timeout tuned
    to the median fires on healthy but slow requests.
    """

    median: float
    p99: float

    def __post_init__(self) -> None:
        if _check_nonneg("LongTail median", self.median) == 0:
            raise ConfigError("LongTail median must be > 0 ms")
        if _check_nonneg("LongTail p99", self.p99) < self.median:
            raise ConfigError(f"LongTail needs p99 >= median, got median={self.median}, p99={self.p99}")

    @property
    def sigma(self) -> float:
        return math.log(self.p99 / self.median) / _Z99

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        mu, sigma, gauss = math.log(self.median), self.sigma, rng.gauss
        exp = math.exp
        return lambda: exp(mu + sigma * gauss(0.0, 1.0))

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


LatencySpec = Union[Latency, float, int, tuple, str]


def latency(spec: LatencySpec) -> Latency:
    """Build a distribution from shorthand.

    ``5`` -> Constant(5); ``(1, 10)`` -> Uniform(1, 10); ``"exp:5"`` -> Exponential(5);
    ``"tail:5:200"`` -> LongTail(median=5, p99=200); a :class:`Latency` is returned unchanged.
    """
    if isinstance(spec, Latency):
        return spec
    if isinstance(spec, bool):
        raise ConfigError(f"latency must be a number, a (low, high) pair or a Latency, got {spec!r}")
    if isinstance(spec, (int, float)):
        return Constant(spec)
    if isinstance(spec, tuple) and len(spec) == 2:
        return Uniform(*spec)
    if isinstance(spec, str):
        kind, _, rest = spec.partition(":")
        try:
            args = [float(x) for x in rest.split(":")] if rest else []
        except ValueError:
            args = [math.nan]
        builders = {("exp", 1): Exponential, ("tail", 2): LongTail, ("const", 1): Constant, ("uniform", 2): Uniform}
        build = builders.get((kind, len(args)))
        if build is not None and not any(math.isnan(a) for a in args):
            return build(*args)
    raise ConfigError(
        f"cannot read latency {spec!r}; use a number (constant ms), a (low, high) pair, "
        "'exp:MEAN', 'tail:MEDIAN:P99', or a Latency object such as Uniform(1, 10)"
    )
