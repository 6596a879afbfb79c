"""Physical clocks: offset, drift, NTP-style synchronisation and its error bound (concept C01).

Theory of operation
-------------------
Every simulated node reads its own :class:`~dsworkbook.sim.LocalClock`: offset from true time,
drifting at ``1 + drift`` times real speed, and stepped by jumps (``sim.set_clock_offset``,
``sim.set_drift``, ``sim.clock_jump``). Nobody inside the system can read true time; the best a
node can do is ask another clock and account for the message delays. That is NTP (Mills,
RFC 5905 §8) and, in one exchange, Cristian's algorithm:

```
client  t0 ──request──▶ t1  server        offset = ((t1 - t0) + (t2 - t3)) / 2
client  t3 ◀──reply──── t2  server        delay  = (t3 - t0) - (t2 - t1)       (round trip on the wire)
                                          error  <= delay / 2
```

``t0`` and ``t3`` are read on the client's clock, ``t1`` and ``t2`` on the server's. The
estimate is exact when both directions take equally long; the client cannot measure the two
one-way delays separately, and any split of the round trip is consistent with what it saw,
so the true offset lies in ``offset ± delay / 2`` and no better bound exists. (Over the
server's processing time ``t2 - t1`` the two clocks may also drift apart; the checks below
allow for that, as NTP's dispersion does.) A client polls several times and trusts the
sample with the smallest delay: the tightest bound (NTP's clock filter).

:class:`TimeServer` and :class:`NtpClient` run this on the simulator; :func:`ntp_experiment`
gives them asymmetric links and checks, for every sample, that the true offset - read from
the simulation's clocks when the server stamped ``t1`` and ``t2`` - lies within the bound.
The estimator is pluggable, so a grader can run a learner's.

What goes wrong when clocks are trusted to order writes (last-write-wins) is measured in
lww.py, re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from dsworkbook.clocks.lww import (LwwRegister, LwwResult, LwwWriter, Put, PutAck, lost_writes_vs_skew,
                                   lww_experiment)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["NtpSample", "ntp_offset", "TimeRequest", "TimeReply", "TimeServer", "NtpClient", "NtpRun",
           "ntp_experiment", "Estimator",
           "LwwRegister", "LwwWriter", "Put", "PutAck", "LwwResult", "lww_experiment", "lost_writes_vs_skew"]

Estimator = Callable[[float, float, float, float], "tuple[float, float]"]


def _time(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a clock reading in ms, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class NtpSample:
    """One request-reply exchange: ``t0``/``t3`` on the client's clock, ``t1``/``t2`` on the server's."""

    t0: float
    t1: float
    t2: float
    t3: float

    def __post_init__(self) -> None:
        for name in ("t0", "t1", "t2", "t3"):
            _time(name, getattr(self, name))
        if self.t3 < self.t0:
            raise ConfigError(f"t3 ({self.t3}) is before t0 ({self.t0}) on the client's own clock; "
                              "t0 is read when the request leaves and t3 when the reply arrives")
        if self.t2 < self.t1:
            raise ConfigError(f"t2 ({self.t2}) is before t1 ({self.t1}) on the server's own clock; "
                              "t1 is read when the request arrives and t2 when the reply leaves")

    @property
    def offset(self) -> float:
        """Estimated server clock minus client clock, ms (positive: the server is ahead)."""
        return ntp_offset(self.t0, self.t1, self.t2, self.t3)[0]

    @property
    def delay(self) -> float:
        """Round-trip time spent on the wire (the server's processing time taken out)."""
        return (self.t3 - self.t0) - (self.t2 - self.t1)

    @property
    def bound(self) -> float:
        """Half the round trip: the true offset lies within ``offset ± bound``."""
        return ntp_offset(self.t0, self.t1, self.t2, self.t3)[1]


def ntp_offset(t0: float, t1: float, t2: float, t3: float) -> tuple[float, float]:
    """``(offset, error_bound)`` from one exchange (RFC 5905 §8): see the module docstring.

    ``offset`` assumes the request and the reply spent equally long on the wire; ``error_bound``
    is half the time on the wire (the round trip minus the server's own time ``t2 - t1``), the
    largest error any split of the round trip allows. A round trip that measures below zero
    (only possible when the two clocks run at different rates) counts as zero.
    """
    NtpSample(t0, t1, t2, t3)  # the readings must be in order on each clock
    offset = ((t1 - t0) + (t2 - t3)) / 2
    delay = (t3 - t0) - (t2 - t1)
    return offset, max(delay, 0.0) / 2


@dataclass(frozen=True, slots=True)
class TimeRequest:
    seq: int
    t0: float


@dataclass(frozen=True, slots=True)
class TimeReply:
    seq: int
    t0: float
    t1: float
    t2: float


class TimeServer(Node):
    """Answers each :class:`TimeRequest` with its clock readings on arrival (t1) and departure (t2).

    ``processing`` ms (of its own clock) pass between the two; it notes both in the trace.
    """

    def __init__(self, node_id: str, processing: float = 0.0) -> None:
        super().__init__(node_id)
        self.processing = processing

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, TimeRequest):
            t1 = self.now()
            self.note(ntp="t1", client=src, seq=msg.seq)
            if self.processing:
                self.set_timer(("reply", src, msg.seq, msg.t0, t1), self.processing)
            else:
                self._reply(src, msg.seq, msg.t0, t1)

    def on_timer(self, name: Any) -> None:
        _, src, seq, t0, t1 = name
        self._reply(src, seq, t0, t1)

    def _reply(self, src: str, seq: int, t0: float, t1: float) -> None:
        self.note(ntp="t2", client=src, seq=seq)
        self.send(src, TimeReply(seq, t0, t1, self.now()))


class NtpClient(Node):
    """Polls ``server`` ``polls`` times, ``every`` ms apart; estimates the offset from each reply.

    ``samples`` lists ``(seq, NtpSample, offset, bound)``; :meth:`best` is the one with the
    smallest bound; :meth:`corrected_now` is the local clock corrected by it.
    """

    def __init__(self, node_id: str, server: str = "server", polls: int = 8, every: float = 50.0,
                 estimator: Estimator = ntp_offset) -> None:
        super().__init__(node_id)
        self.server, self.polls, self.every, self.estimator = server, polls, every, estimator

    def on_start(self) -> None:
        self.sent = 0
        self.samples: list[tuple[int, NtpSample, float, float]] = []
        self.set_timer("poll", 0.0)

    def on_timer(self, name: Any) -> None:
        self.sent += 1
        self.send(self.server, TimeRequest(self.sent, self.now()))
        if self.sent < self.polls:
            self.set_timer("poll", self.every)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, TimeReply):
            sample = NtpSample(msg.t0, msg.t1, msg.t2, self.now())
            offset, bound = self.estimator(sample.t0, sample.t1, sample.t2, sample.t3)
            self.samples.append((msg.seq, sample, offset, bound))
            self.note(ntp="sample", seq=msg.seq, offset=offset, bound=bound)

    def best(self) -> tuple[float, float]:
        """``(offset, bound)`` of the sample with the smallest bound (NTP's clock filter)."""
        if not self.samples:
            raise ConfigError(f"{self.id} has no sample yet: run the simulation until a reply arrives")
        _, _, offset, bound = min(self.samples, key=lambda s: s[3])
        return offset, bound

    def corrected_now(self) -> float:
        """The local clock plus the best offset estimate: an estimate of the server's time."""
        return self.now() + self.best()[0]


@dataclass
class NtpRun:
    """A finished :func:`ntp_experiment`; :meth:`table` has one row per sample with the truth."""

    sim: Simulation
    rows: list[dict[str, Any]]

    @property
    def seed(self) -> int:
        return self.sim.seed

    def table(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame(self.rows).set_index("seq")

    def all_within(self) -> bool:
        """True when the true offset lay within ``offset ± bound`` (+ drift allowance) in every sample."""
        return all(r["within"] for r in self.rows)

    def best(self) -> dict[str, Any]:
        """The row of the sample with the smallest bound."""
        return min(self.rows, key=lambda r: r["bound"])


def _truth(sim: Simulation, client: str) -> dict[int, tuple[float, float]]:
    """For each request seq: (true offset server - client while the server held it, server's holding time)."""
    clock_s, clock_c = sim.clock("server"), sim.clock(client)
    times: dict[int, list[float]] = {}
    for r in sim.trace.notes("server"):
        if r.detail.get("client") == client:
            times.setdefault(r.detail["seq"], []).append(r.time)
    out = {}
    for seq, ts in times.items():
        theta = [clock_s.read(t) - clock_c.read(t) for t in ts]
        out[seq] = (sum(theta) / len(theta), max(ts) - min(ts))
    return out


def ntp_experiment(seed: int, *, client_offset: float = 37.0, client_drift: float = 0.0,
                   server_drift: float = 0.0, latency_out: Any = (1, 5), latency_back: Any = (1, 40),
                   polls: int = 12, every: float = 50.0, processing: float = 0.0,
                   estimator: Estimator = ntp_offset) -> NtpRun:
    """A client with a wrong clock polls a time server over a link slower one way than the other.

    Clocks are set once, at the start (offset and drift), so every past reading can be
    recomputed from them. Each row: the four timestamps, the estimate and bound returned by
    ``estimator``, the true offset, the error, and whether ``|error| <= bound + allowance``
    where the allowance is the drift between the two clocks over the server's holding time.
    """
    sim = Simulation(seed)
    sim.add_node("server", TimeServer, processing=processing)
    sim.add_node("client", NtpClient, server="server", polls=polls, every=every, estimator=estimator)
    sim.set_clock_offset("client", client_offset)
    if client_drift:
        sim.set_drift("client", client_drift)
    if server_drift:
        sim.set_drift("server", server_drift)
    sim.net.set_link("client", "server", latency=latency_out)
    sim.net.set_link("server", "client", latency=latency_back)
    sim.run(until=polls * every + 1000)
    truth = _truth(sim, "client")
    gap = abs(client_drift - server_drift)
    rows = []
    for seq, s, offset, bound in sim.node("client").samples:
        true_offset, held = truth[seq]
        error = offset - true_offset
        rows.append({"seq": seq, "t0": s.t0, "t1": s.t1, "t2": s.t2, "t3": s.t3, "offset": offset, "bound": bound,
                     "true offset": true_offset, "error": error,
                     "within": abs(error) <= bound + gap * held + 1e-9})
    return NtpRun(sim, rows)
