"""Failure detection by heartbeats: a fixed timeout against the phi-accrual detector.

Theory of operation
-------------------
A :class:`Heartbeater` sends a :class:`Heartbeat` to its monitor every ``interval`` ms of its own
clock; a :class:`Monitor` records when each one arrives, on *its* clock. A failure detector
turns those arrival times into a verdict at any later moment:

* :class:`FixedTimeout` suspects the peer once ``timeout`` ms have passed since the last
  arrival - the detector of most hand-written systems. It cannot tell a dead peer from a slow
  network, so it trades detection time against **false suspicions**: a live peer suspected
  because one heartbeat came late.
* :class:`PhiAccrual` (Hayashibara, Defago, Yared & Katayama, "The phi accrual failure
  detector", SRDS 2004) outputs a level of suspicion instead of a verdict:
  ``phi(t) = -log10(P(the next heartbeat arrives later than t))``, with the inter-arrival times
  of a sliding window modelled as a normal distribution (the paper, section 4; Akka's
  ``PhiAccrualFailureDetector`` does the same with a logistic approximation of the normal CDF,
  a floor on the standard deviation and an "acceptable heartbeat pause" added to the mean).
  The application picks a threshold: ``phi = 8`` means a suspicion is wrong with probability
  about 1e-8 *if the model is right*. Because the window follows the network, the effective
  timeout grows when the network gets slower - fewer false suspicions, slower detection.
  (Cassandra's detector accrues phi too, but from an exponential model: phi = t / mean / ln 10,
  ``FailureDetector.java``.)

Both are measured exactly, not sampled: between two arrivals the detector's parameters do not
change, so each gap contributes ``max(0, gap - onset)`` ms of suspicion, where ``onset`` is the
time after the last arrival at which it starts to suspect (:meth:`onset`).
:func:`false_suspicion_curve` sweeps the latency of a log-normal network under a fixed timeout;
:func:`compare_detectors` runs one heartbeat stream whose network slows down half way and then
crashes the sender, and reports both detectors on that same run.

Broken variants (:data:`VARIANTS`) are classic mistakes a test catches: ``sender_clock`` ages a
heartbeat by the timestamp the *sender* wrote in it, so a skewed clock makes a live node look
dead; ``no_min_std`` lets phi's standard deviation fall to zero, so on a steady network the
slightest jitter sends phi to infinity.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import LongTail, Node, Simulation
from dsworkbook.sim.latency import LatencySpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Heartbeat", "FixedTimeout", "PhiAccrual", "Heartbeater", "Monitor", "VARIANTS", "heartbeat_sim",
           "suspicion", "false_suspicion_curve", "compare_detectors"]

VARIANTS: dict[str, str] = {
    "correct": "arrivals timed on the monitor's own clock; phi's standard deviation has a floor",
    "sender_clock": "a heartbeat is aged by the sender's timestamp, so clock skew between the two machines "
                    "reads as delay (a live node with a slow clock is suspected forever)",
    "no_min_std": "phi with no floor on the standard deviation: on a steady network any jitter is 'impossible' "
                  "and phi jumps to infinity (Akka keeps min-std-deviation for this reason)",
}


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ConfigError(f"unknown detector variant {variant!r}; choose one of {list(VARIANTS)}")
    return variant


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """'I am alive': sequence number and the sender's clock when it sent it."""

    seq: int
    sent_at: float


class FixedTimeout:
    """Suspect the peer ``timeout`` ms after the last heartbeat arrived."""

    def __init__(self, timeout: float) -> None:
        self.timeout = _positive("timeout", timeout)
        self.last: float | None = None

    def heartbeat(self, at: float) -> None:
        self.last = at

    def onset(self) -> float:
        """ms after the last arrival at which the peer becomes suspected (if nothing else arrives)."""
        return self.timeout

    def suspect(self, now: float) -> bool:
        return self.last is not None and now - self.last > self.timeout


class PhiAccrual:
    """phi from a window of inter-arrival times, modelled as normal (Hayashibara et al. 2004, section 4).

    ``window`` arrivals are kept (Akka's max-sample-size, 1000 by default there); ``min_std``
    floors the standard deviation; until two arrivals are known, ``first_interval`` stands in
    for the mean (Akka's first-heartbeat-estimate).
    """

    def __init__(self, threshold: float = 8.0, *, window: int = 200, min_std: float = 10.0,
                 first_interval: float = 100.0, variant: str = "correct") -> None:
        self.threshold = _positive("phi threshold", threshold)
        if isinstance(window, bool) or not isinstance(window, int) or window < 2:
            raise ConfigError(f"window must be an int >= 2 (inter-arrival samples kept), got {window!r}")
        self.window = window
        self.min_std = 0.0 if variant == "no_min_std" else _positive("min_std", min_std)
        self.first_interval = _positive("first_interval", first_interval)
        self.variant = _variant(variant)
        self.last: float | None = None
        self.intervals: list[float] = []

    def heartbeat(self, at: float) -> None:
        if self.last is not None:
            self.intervals.append(at - self.last)
            if len(self.intervals) > self.window:
                del self.intervals[0]
        self.last = at

    def stats(self) -> tuple[float, float]:
        """Mean and standard deviation of the window (the floor applied)."""
        xs = self.intervals or [self.first_interval]
        mean = sum(xs) / len(xs)
        var = sum((x - mean) ** 2 for x in xs) / len(xs)
        return mean, max(math.sqrt(var), self.min_std)

    def phi(self, now: float) -> float:
        """-log10 of the probability that a heartbeat arrives later than ``now - last``."""
        if self.last is None:
            return 0.0
        mean, std = self.stats()
        elapsed = now - self.last
        if std == 0.0:
            return 0.0 if elapsed <= mean else math.inf
        tail = 0.5 * math.erfc((elapsed - mean) / (std * math.sqrt(2.0)))
        return math.inf if tail <= 0.0 else -math.log10(tail)

    def onset(self) -> float:
        """ms after the last arrival at which phi crosses the threshold."""
        mean, std = self.stats()
        return mean + std * NormalDist().inv_cdf(1.0 - 10.0 ** -self.threshold)

    def suspect(self, now: float) -> bool:
        return self.phi(now) > self.threshold


class Heartbeater(Node):
    """Sends a :class:`Heartbeat` to ``monitor`` every ``interval`` ms of its own clock."""

    def __init__(self, node_id: str, *, monitor: str, interval: float = 100.0) -> None:
        super().__init__(node_id)
        self.monitor = monitor
        self.interval = _positive("heartbeat interval", interval)
        self.seq = 0

    def on_start(self) -> None:
        self.on_timer("beat")

    def on_timer(self, name: Any) -> None:
        self.seq += 1
        self.send(self.monitor, Heartbeat(self.seq, self.now()))
        self.set_timer("beat", self.interval)


class Monitor(Node):
    """Records the arrival time (own clock) of every heartbeat; ``variant='sender_clock'`` records
    the sender's timestamp instead - the bug."""

    def __init__(self, node_id: str, *, variant: str = "correct") -> None:
        super().__init__(node_id)
        self.variant = _variant(variant)
        self.arrivals: list[float] = []

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Heartbeat):
            at = msg.sent_at if self.variant == "sender_clock" else self.now()
            if not self.arrivals or at >= self.arrivals[-1]:  # an old, reordered heartbeat proves nothing new
                self.arrivals.append(at)


def heartbeat_sim(seed: int, *, latency: LatencySpec = LongTail(10, 40), interval: float = 100.0,
                  variant: str = "correct", sender_offset: float = 0.0) -> Simulation:
    """A heartbeater ``p`` and its monitor ``m``; ``sender_offset`` sets ``p``'s clock ahead (+) or behind (-)."""
    sim = Simulation(seed, latency=latency, trace=False)
    sim.add_node("m", Monitor, variant=variant)
    sim.add_node("p", Heartbeater, monitor="m", interval=interval)
    if sender_offset:
        sim.set_clock_offset("p", sender_offset)
    return sim


def suspicion(arrivals: Sequence[float], detector: FixedTimeout | PhiAccrual, *, start: float, end: float,
              crashed_at: float | None = None) -> dict[str, float]:
    """Replay ``arrivals`` (monitor clock) through ``detector`` over ``[start, end]``.

    Returns the fraction of the live time in which the live peer was suspected, the number of
    false-suspicion episodes, and (with ``crashed_at``) the ms from the crash to the suspicion
    that followed it. The monitor's clock is true time here (it has no offset or drift).
    """
    if not end > start:
        raise ConfigError(f"need end > start, got start={start}, end={end}")
    live_end = end if crashed_at is None else crashed_at
    suspected, episodes, detect = 0.0, 0, math.nan
    times = [a for a in arrivals if a <= end]
    for i, at in enumerate(times):
        detector.heartbeat(at)
        nxt = times[i + 1] if i + 1 < len(times) else end
        begins = at + detector.onset()
        if begins < nxt:  # suspected from `begins` until the next arrival (or the end)
            lo, hi = max(begins, start), min(nxt, live_end)
            if hi > lo:
                suspected += hi - lo
                episodes += 1
            if crashed_at is not None and i == len(times) - 1:
                detect = max(begins, crashed_at) - crashed_at
    live = max(live_end - start, 1e-9)
    return {"suspected_fraction": suspected / live, "false_suspicions": float(episodes), "detection_ms": detect}


def false_suspicion_curve(medians: Sequence[float] = (5, 10, 20, 30, 40, 60, 80), *, tail: float = 4.0,
                          timeout: float = 200.0, interval: float = 100.0, duration: float = 60_000.0,
                          seed: int = 1) -> "pd.DataFrame":
    """Fraction of time a live node is suspected by a fixed ``timeout``, as the network slows.

    One row per median one-way delay; the network is log-normal with p99 = ``tail`` x median
    (:class:`~dsworkbook.sim.LongTail`). Nothing crashes: every suspicion is false.
    """
    import pandas as pd

    _positive("tail", tail)
    if tail < 1:
        raise ConfigError(f"tail is p99 / median and must be >= 1, got {tail}")
    rows = []
    for median in medians:
        net = LongTail(_positive("median latency", median), median * tail)
        sim = heartbeat_sim(seed, latency=net, interval=interval)
        sim.run(until=duration)
        got = suspicion(sim.node("m").arrivals, FixedTimeout(timeout), start=1000.0, end=duration)
        rows.append((median, median * tail, round(net.mean, 2), timeout, got["suspected_fraction"],
                     int(got["false_suspicions"])))
    return pd.DataFrame(rows, columns=["median_ms", "p99_ms", "mean_ms", "timeout_ms", "suspected_fraction",
                                       "false_suspicions"])


def compare_detectors(seed: int = 1, *, timeout: float = 200.0, threshold: float = 8.0, interval: float = 100.0,
                      calm: LatencySpec = LongTail(5, 20), stormy: LatencySpec = LongTail(60, 240),
                      slow_at: float = 20_000.0, crash_at: float = 40_000.0) -> "pd.DataFrame":
    """The fixed timeout and phi-accrual on the same heartbeat stream.

    The network is ``calm`` until ``slow_at``, ``stormy`` after; the sender crashes at
    ``crash_at``. One row per detector and phase: fraction of live time suspected, false
    suspicion episodes, and the detection time of the crash.
    """
    import pandas as pd

    if not 0 < slow_at < crash_at:
        raise ConfigError(f"need 0 < slow_at < crash_at, got slow_at={slow_at}, crash_at={crash_at}")
    sim = heartbeat_sim(seed, latency=calm, interval=interval)
    sim.at(slow_at, functools.partial(sim.net.configure, latency=stormy))
    sim.at(crash_at, sim.crash, "p")
    end = crash_at + 5_000.0
    sim.run(until=end)
    arrivals = sim.node("m").arrivals
    rows = []
    for name, make in (("fixed timeout", lambda: FixedTimeout(timeout)),
                       ("phi accrual", lambda: PhiAccrual(threshold, first_interval=interval))):
        calm_part = suspicion([a for a in arrivals if a <= slow_at], make(), start=1000.0, end=slow_at)
        storm = suspicion(arrivals, make(), start=slow_at, end=end, crashed_at=crash_at)
        rows.append((name, calm_part["suspected_fraction"], int(calm_part["false_suspicions"]),
                     storm["suspected_fraction"], int(storm["false_suspicions"]), storm["detection_ms"]))
    return pd.DataFrame(rows, columns=["detector", "calm_suspected_fraction", "calm_false_suspicions",
                                       "slow_suspected_fraction", "slow_false_suspicions", "detection_ms"])
