"""The timing requirement, measured: availability against the election timeout (§5.6 of the paper).

Theory of operation
-------------------
§5.6 of the paper ("Timing and availability") states the one place where Raft's availability
depends on timing::

    broadcastTime << electionTimeout << MTBF

the broadcast time (a round of RPCs to every server and back) well below the election
timeout, so that leaders keep followers quiet and a candidate wins before the others time out;
the election timeout well below the mean time between failures of a server, because while a
leader is down the cluster answers nothing for about an election timeout. The paper gives the
orders of magnitude: a broadcast time of 0.5-20 ms, an election timeout of 10-500 ms, an MTBF
of months.

Here each figure comes from running the cluster of :func:`~dsworkbook.consensus.raft.cluster.raft_sim`
(three servers, links drawn from ``latency``) with one client writing every ``think`` ms, and
leader crashes (the MTBF is compressed to seconds so that a run holds several failures):

* **failures** - after a warm-up of twice the highest election timeout (the first election
  settles), the leader crashes at times drawn from the ``failures`` stream of the seed: each gap
  is the downtime plus an exponential draw, so that the gaps average ``mtbf`` and a server is
  always back before the next crash. The victim is the leader of the highest term, or, when no
  server leads at that moment, the live server with the highest term (the one campaigning). It
  restarts after ``downtime`` ms with its durable state. The same seed gives the same failure
  times in every configuration, so the rows of a sweep differ only in their timeouts;
* **availability** - the share of the measured window (warm-up to the end) *not* inside an
  outage, an outage being a gap between answered writes longer than ``outage_after`` (by
  default ``think`` plus four times the highest link latency: the request, a round of
  replication and the answer, each at the slowest; the gaps of failure-free runs stay below it);
* **failover** - per failure, the time from the crash until a write submitted after it is
  answered (an answer already on its way when the leader crashed does not count); a failure
  after which no such write is answered before the next failure (or the run's end) *never
  settled*. The last ``mtbf / 2`` ms of a run hold no failure, so that the last one has time to
  settle;
* **elections** - terms begun in the window (every election round starts a new term, §5.2;
  two candidates splitting one term count once), whatever their cause: a crash, or a follower
  that timed out while its leader was alive - the spurious ones, from timeouts too short for
  the broadcast time. Read from the servers' persisted terms, so a run needs no trace (the
  timeline of ``keep=True`` has one);
* **broadcast time** - measured in a failure-free run on the same links: for each heartbeat
  round of the leader, the time until the slowest follower's reply arrived, averaged.

Too short a timeout fails in two ways the sweep shows: followers time out between heartbeats
(spurious elections), and candidates cannot collect votes before the next timeout (split
votes, a cluster that never settles). Too long a timeout makes each failure cost more:
failover grows with it.

:func:`timing_run` is one run (one row), :func:`timing_sweep` the table (one row per latency and
timeout) with a ``progress`` callback for a notebook's progress bar, :func:`broadcast_time` the
measured broadcast time, :func:`plot_timing` the figure.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, Sequence

from dsworkbook.consensus.raft.cluster import leaders, live_servers, raft_sim, server_ids
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import AppendEntries, AppendEntriesReply
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["LATENCIES", "TIMEOUTS", "timing_sim", "timing_run", "timing_sweep", "broadcast_time", "plot_timing",
           "check_latency", "failure_times"]

#: the default links of a sweep: one data centre, zones of a region, regions apart (ms, uniform)
LATENCIES: tuple[tuple[float, float], ...] = ((1.0, 5.0), (5.0, 20.0), (20.0, 60.0))
#: the default lowest election timeouts of a sweep (ms); each range is (low, spread * low)
TIMEOUTS: tuple[float, ...] = (10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0)
THINK = 10.0
SERVERS = 3


def _number(name: str, value: Any, *, low: float = 0.0, high: float = math.inf, strict: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if (value <= low if strict else value < low) or value > high:
        bound = f"> {low:g}" if strict else f">= {low:g}"
        raise ConfigError(f"{name} must be {bound}{'' if high == math.inf else f' and <= {high:g}'}, got {value!r}")
    return float(value)


def check_latency(latency: Any) -> tuple[float, float]:
    """A link latency range ``(low, high)`` in ms, checked: 0 <= low <= high <= 500."""
    try:
        lo, hi = latency
    except (TypeError, ValueError):
        raise ConfigError(f"latency must be a (low, high) pair of ms such as (1, 5), got {latency!r}") from None
    lo = _number("latency low", lo, strict=False, high=500.0)
    hi = _number("latency high", hi, strict=False, high=500.0)
    if hi < lo or hi == 0:
        raise ConfigError(f"latency must be (low, high) with low <= high and high > 0, got {latency!r}")
    return lo, hi


def _config(election_timeout: Any, heartbeat: float, prevote: bool) -> RaftConfig:
    return RaftConfig(election_timeout=election_timeout, heartbeat=heartbeat, prevote=prevote)


def timing_sim(seed: int, latency: tuple[float, float], config: RaftConfig, *, trace: bool = True) -> Simulation:
    """Three servers on links of ``latency`` and one client writing every :data:`THINK` ms; nothing run yet.

    The client gives up on a silent server after 20 ms or four link latencies, whichever is
    longer, so that slow links do not make it hop from server to server while a write is in flight.
    """
    lo, hi = check_latency(latency)
    ops = [("put", "x", i) for i in range(20000)]  # more than any run answers
    return raft_sim(seed, servers=SERVERS, config=config, workloads=[ops], latency=(lo, hi), think=THINK,
                    client_timeout=max(20.0, 4.0 * hi), trace=trace)


def failure_times(sim: Simulation, start: float, end: float, mtbf: float, downtime: float) -> list[float]:
    """Crash times in [start, end) from ``sim``'s ``failures`` stream: gaps of ``downtime`` plus an
    exponential draw, averaging ``mtbf`` (the same times for every run of one seed)."""
    rng = sim.stream("failures")
    times, t = [], start
    while True:
        t += downtime + rng.expovariate(1.0 / (mtbf - downtime))
        if t >= end:
            return times
        times.append(t)


def _victim(sim: Simulation) -> str | None:
    led = leaders(sim)
    if led:
        return led[max(led)]
    live = sorted(live_servers(sim), key=lambda n: (-n.current_term, n.id))
    return live[0].id if live else None


def _last_term(sim: Simulation) -> int:
    """The highest term any server has persisted (Figure 2: stored before responding to any RPC)."""
    return max(int(sim.storage(n).get("term", 0)) for n in server_ids(SERVERS))


def _crash_leaders(sim: Simulation, times: list[float], downtime: float) -> list[tuple[float, str]]:
    """At each of ``times`` crash the leader (see :func:`_victim`), restarting it ``downtime`` ms later."""
    crashes = []
    for t in times:
        sim.run(until=t)
        victim = _victim(sim)
        if victim is not None:
            sim.crash(victim)
            sim.at(t + downtime, sim.restart, victim)
            crashes.append((t, victim))
    return crashes


def _failovers(crashes: list[tuple[float, str]], answered: list[tuple[float, float]],
               end: float) -> tuple[list[float], int]:
    """Per crash, the time until a write submitted after it was answered; and how many never settled."""
    failovers, unsettled = [], 0
    bounds = [t for t, _ in crashes[1:]] + [end]
    for (t, _victim_id), until in zip(crashes, bounds):
        first = next((c for c, invoked in answered if invoked > t and c <= until), None)
        if first is None:
            unsettled += 1
        else:
            failovers.append(first - t)
    return failovers, unsettled


def _check_run(seed: Any, mtbf: Any, downtime: Any, duration: Any) -> tuple[float, float, float]:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    mtbf = _number("mtbf", mtbf, high=600_000.0)
    downtime = _number("downtime", downtime, strict=False)
    if downtime >= mtbf:
        raise ConfigError(f"downtime ({downtime:g} ms) must be shorter than the mtbf ({mtbf:g} ms): a server must be "
                          "back before the next failure on average")
    duration = _number("duration", duration, high=600_000.0)
    if duration < mtbf:
        raise ConfigError(f"duration ({duration:g} ms) must be at least the mtbf ({mtbf:g} ms), or a run may hold "
                          "no failure at all")
    return mtbf, downtime, duration


def timing_run(seed: int = 1, *, latency: tuple[float, float] = (1.0, 5.0),
               election_timeout: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0,
               prevote: bool = False, mtbf: float = 2000.0, downtime: float = 400.0, duration: float = 8000.0,
               outage_after: float | None = None, keep: bool = False) -> dict[str, Any]:
    """One run: the cluster under leader crashes for ``duration`` ms after its warm-up; one row of figures.

    ``keep=True`` adds the Simulation (``"sim"``), the crash times and the measured window, for a timeline.
    """
    mtbf, downtime, duration = _check_run(seed, mtbf, downtime, duration)
    config = _config(election_timeout, heartbeat, prevote)
    lo, hi = check_latency(latency)
    gap = THINK + 4.0 * hi if outage_after is None else _number("outage_after", outage_after)
    start = 2.0 * config.election_timeout[1]
    end = start + duration
    sim = timing_sim(seed, (lo, hi), config, trace=keep)
    sim.run(until=start)
    first_term = _last_term(sim)
    crashes = _crash_leaders(sim, failure_times(sim, start, end - mtbf / 2, mtbf, downtime), downtime)
    sim.run(until=end)
    answered = sorted((op.complete_time, op.invoke_time) for op in sim.history
                      if op.outcome == "ok" and start <= op.complete_time <= end)
    done = [c for c, _ in answered]
    marks = [start, *done, end]
    outages = [(a, b) for a, b in zip(marks, marks[1:]) if b - a > gap]
    down = sum(b - a for a, b in outages)
    failovers, unsettled = _failovers(crashes, answered, end)
    elections = _last_term(sim) - first_term
    low, high = config.election_timeout
    row: dict[str, Any] = {
        "latency (ms)": f"{lo:g}-{hi:g}", "timeout (ms)": f"{low:g}-{high:g}", "timeout low": low,
        "heartbeat (ms)": config.heartbeat, "availability": round(1.0 - down / duration, 4),
        "writes answered": len(done), "failures": len(crashes), "never settled": unsettled,
        "failover (ms)": round(sum(failovers) / len(failovers), 1) if failovers else None,
        "unavailable per failure (ms)": round(down / len(crashes), 1) if crashes else None,
        "elections": elections,
    }
    if keep:
        row.update(sim=sim, crashes=crashes, window=(start, end), outages=outages, writes=done)
    return row


def broadcast_time(latency: tuple[float, float], seed: int = 1, *, duration: float = 1000.0) -> float:
    """The measured broadcast time (ms) on links of ``latency``: a heartbeat round to the slowest reply, averaged.

    A failure-free run with elections of 150-300 ms and heartbeats every 10 ms; for each round of
    AppendEntries the leader sends, the time from the send until the reply of its slowest follower
    arrived (a follower replies in the handler that receives the request).
    """
    lo, hi = check_latency(latency)
    duration = _number("duration", duration, high=60_000.0)
    sim = timing_sim(seed, (lo, hi), RaftConfig(heartbeat=10.0))
    sim.run(until=duration)
    delivered: dict[int, float] = {}
    replies: dict[tuple[str, str, float], int] = {}
    sends = []
    for r in sim.trace:
        if r.kind == "deliver":
            delivered[r.msg_id] = r.time
        elif r.kind == "send":
            kind = type(r.detail)
            if kind is AppendEntries:
                sends.append(r)
            elif kind is AppendEntriesReply:
                replies[(r.node, r.peer, r.time)] = r.msg_id
    rounds: dict[tuple[str, float], list[float]] = defaultdict(list)
    for r in sends:
        t1 = delivered.get(r.msg_id)
        reply = None if t1 is None else replies.get((r.peer, r.node, t1))
        t2 = None if reply is None else delivered.get(reply)
        if t2 is not None:
            rounds[(r.node, r.time)].append(t2 - r.time)
    full = [max(v) for v in rounds.values() if len(v) == SERVERS - 1]
    if not full:  # pragma: no cover - a failure-free run always has heartbeat rounds
        raise ConfigError(f"no complete heartbeat round in {duration:g} ms on links of {lo:g}-{hi:g} ms")
    return round(sum(full) / len(full), 1)


def timing_sweep(seed: int = 1, *, latencies: Sequence[tuple[float, float]] = LATENCIES,
                 timeouts: Sequence[float] = TIMEOUTS, spread: float = 2.0, heartbeat: float = 0.25,
                 mtbf: float = 2000.0, downtime: float = 400.0, duration: float = 8000.0, prevote: bool = False,
                 progress: Callable[[float], None] | None = None) -> "pd.DataFrame":
    """One row per (latency, lowest election timeout): the figures of :func:`timing_run`, plus the broadcast time.

    Each election timeout is the range ``(low, spread * low)`` and the heartbeat ``heartbeat * low``
    (a fraction of the lowest timeout). ``progress(fraction)``, if given, is called after each run
    with the share done (0 to 1), for a progress bar.
    """
    import pandas as pd

    lats = [check_latency(lat) for lat in latencies]
    if not lats:
        raise ConfigError("latencies must name at least one (low, high) range of ms")
    lows = [_number("each timeout", t, high=60_000.0) for t in timeouts]
    if not lows:
        raise ConfigError("timeouts must hold at least one lowest election timeout (ms)")
    spread = _number("spread", spread, low=1.0, strict=False, high=10.0)
    heartbeat = _number("heartbeat", heartbeat, high=1.0)
    if heartbeat >= 1.0:
        raise ConfigError(f"heartbeat is a fraction of the lowest election timeout and must be < 1, got {heartbeat!r}")
    if progress is not None and not callable(progress):
        raise ConfigError(f"progress must be a function of a fraction (0 to 1), or None; got {progress!r}")
    _check_run(seed, mtbf, downtime, duration)
    total, rows = len(lats) * (len(lows) + 1), []
    for i, lat in enumerate(lats):
        bt = broadcast_time(lat, seed)
        if progress is not None:
            progress((i * (len(lows) + 1) + 1) / total)
        for j, low in enumerate(lows):
            row = timing_run(seed, latency=lat, election_timeout=(low, spread * low), heartbeat=heartbeat * low,
                             prevote=prevote, mtbf=mtbf, downtime=downtime, duration=duration)
            rows.append({"latency (ms)": row.pop("latency (ms)"), "broadcast (ms)": bt,
                         "timeout / broadcast": round(low / bt, 1), **row})
            if progress is not None:
                progress((i * (len(lows) + 1) + j + 2) / total)
    df = pd.DataFrame(rows)
    df.attrs.update(seed=seed, spread=spread, heartbeat=heartbeat, mtbf=mtbf, downtime=downtime)
    return df


def plot_timing(table: "pd.DataFrame", *, ax: Any = None, mark: tuple[str, float] | None = None) -> "Figure":
    """Availability against the lowest election timeout (log scale), one line per latency.

    ``mark=(latency label, timeout low)`` rings one point (a panel's chosen setting).
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(8.0, 3.4))
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for label, part in table.groupby("latency (ms)", sort=False):
        bt = part["broadcast (ms)"].iloc[0] if "broadcast (ms)" in part else None
        name = f"links {label} ms" + ("" if bt is None else f" (broadcast {bt:g} ms)")
        ax.plot(part["timeout low"], part["availability"], "o-", label=name)
    if mark is not None:
        hit = table[(table["latency (ms)"] == mark[0]) & (table["timeout low"] == mark[1])]
        if len(hit):
            ax.plot(hit["timeout low"], hit["availability"], "o", ms=14, mfc="none", mec="black", mew=1.5)
    ax.set_xscale("log")
    lows = sorted(set(table["timeout low"]))
    ax.set_xticks(lows, [f"{v:g}" for v in lows])
    ax.minorticks_off()
    ax.set(xlabel=f"lowest election timeout (ms; range low to {table.attrs.get('spread', 2.0):g} x low)", ylabel="availability",
           title=f"availability under leader crashes (seed {table.attrs.get('seed', '?')})")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
