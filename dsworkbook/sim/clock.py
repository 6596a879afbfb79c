"""Per-node local clocks: offset, drift and jumps.

A node never reads the simulation's true time; it reads its own :class:`LocalClock`, which
is piecewise linear in true time::

    local(t) = base_local + (t - base_true) * rate        with rate = 1 + drift

* **offset** shifts the clock (a node that is 50 ms ahead reads 50 ms more than the truth);
* **drift** changes the rate (drift = 0.01 gains 10 ms per second of true time);
* a **jump** (an NTP step or an operator setting the time) moves it at once, even backwards.

Timers are measured on the node's *rate* but not its wall time: a node asking for a 100 ms
timer waits 100 / rate ms of true time, and a jump does not move a pending timer. That is how
monotonic clocks behave, and it is why a jump can make a lease look valid when it is not.
:meth:`LocalClock.monotonic` reads such a clock: it runs at the clock's rate from the start and
ignores every jump and offset change (``CLOCK_MONOTONIC``: never set, only slewed in rate).
"""

from __future__ import annotations

import math

from dsworkbook.errors import ConfigError

__all__ = ["LocalClock"]


def _finite(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    return float(value)


class LocalClock:
    """A node's clock as a function of true time."""

    __slots__ = ("base_true", "base_local", "rate", "mono_true", "mono_base")

    def __init__(self, offset: float = 0.0, drift: float = 0.0) -> None:
        self.base_true = 0.0
        self.base_local = _finite("clock offset", offset)
        self.rate = 1.0
        self.mono_true = self.mono_base = 0.0
        self.set_drift(0.0, drift)

    def monotonic(self, true_time: float) -> float:
        """The monotonic reading at true time ``true_time``: elapsed time at this clock's rate, jumps ignored."""
        return self.mono_base + (true_time - self.mono_true) * self.rate

    def read(self, true_time: float) -> float:
        """The local time at true time ``true_time``."""
        return self.base_local + (true_time - self.base_true) * self.rate

    @property
    def drift(self) -> float:
        return self.rate - 1.0

    def offset_at(self, true_time: float) -> float:
        """How far ahead (+) or behind (-) of true time this clock reads at ``true_time``."""
        return self.read(true_time) - true_time

    def _rebase(self, true_time: float) -> None:
        self.base_local = self.read(true_time)
        self.base_true = true_time

    def set_drift(self, true_time: float, drift: float) -> None:
        """From ``true_time`` on, run at ``1 + drift`` times real speed."""
        drift = _finite("clock drift", drift)
        if drift <= -1.0:
            raise ConfigError(f"clock drift must be > -1 (a clock cannot stop or run backwards), got {drift}")
        self._rebase(true_time)
        self.mono_base, self.mono_true = self.monotonic(true_time), true_time
        self.rate = 1.0 + drift

    def jump(self, true_time: float, delta: float) -> None:
        """Step the clock by ``delta`` ms at ``true_time`` (negative steps go backwards)."""
        self._rebase(true_time)
        self.base_local += _finite("clock jump", delta)

    def set_offset(self, true_time: float, offset: float) -> None:
        """Make the clock read ``true_time + offset`` now, keeping its rate."""
        self._rebase(true_time)
        self.base_local = true_time + _finite("clock offset", offset)

    def __repr__(self) -> str:
        return f"LocalClock(offset={self.base_local - self.base_true:g}, drift={self.drift:g})"
