"""Kleppmann's three failures of lease locks with the knobs turned: the "lock under pressure" run.

Theory of operation
-------------------
:func:`pressure_run` plays one of Kleppmann's three failures of lease locks ("How to do
distributed locking", 2016; the fixed golden versions are in :mod:`dsworkbook.locks.scenarios`)
with the knobs a reader wants to turn: the size of the fault, the lock's TTL, fencing on or off
and the seed. Two clients want the same lock (:func:`~dsworkbook.locks.scenarios.lock_sim`):

* ``c1`` starts first, takes the lock, reads the storage and works before writing back;
* ``c2`` starts 30 ms later and keeps retrying with jittered backoff (drawn from the seed) until
  it gets the lock, then reads, works 10 ms and writes.

The fault strikes **while c1 works** - between its read and its write, the moment the article
draws - whatever the token fetch before it took:

* ``pause``: c1 is frozen for ``size`` ms (a stop-the-world GC);
* ``clock jump``: five Redlock servers, c1 reaches A, B, C and c2 reaches C, D, E; C's clock
  jumps ``size`` ms forward, so C forgets c1's key early and c2 can win its own "majority";
* ``delayed packet``: c1's write spends ``size`` ms in the network.

Whether two clients then believed they held the lock at once, and whether the storage lost a
write, is read from the run (:func:`~dsworkbook.locks.client.holding_periods`,
:func:`~dsworkbook.locks.fencing.stale_writes`), never assumed. A fault shorter than what is
left of the lease does no harm, and fencing never stops the double belief - only the damage.
Notebook 09's panel (:mod:`dsworkbook.widgets.locks`) draws these runs; exercises grade against them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.locks.client import Backoff, holding_periods
from dsworkbook.locks.scenarios import STORAGE, ScenarioResult, lock_sim, result_of
from dsworkbook.locks.server import check_ttl

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["PRESSURES", "MAX_SIZE", "PressureRun", "pressure_run", "pressure_table", "destroying_writes"]

#: the three faults, and the lock server each one is drawn against
PRESSURES = ("pause", "clock jump", "delayed packet")
MAX_SIZE = 1000
LATENCY = 5.0
C2_DELAY = 30.0  # c2 starts this long after c1
C2_BACKOFF = Backoff(base=10.0, cap=40.0, attempts=500)  # c2 keeps trying until it gets the lock
@dataclass(frozen=True)
class PressureRun:
    """One run of :func:`pressure_run`: the settings, the scenario's result, and what to draw."""

    scenario: str
    size: float
    ttl: float
    fenced: bool
    seed: int
    result: ScenarioResult
    periods: tuple[tuple[str, float, float], ...]   # (client, from, to): believed it held the lock
    lease: tuple[float, float]                      # c1's lease in true time: first grant .. + ttl
    fault: tuple[float, float, str] | None         # (from, to, what) in true time; None: no fault
    rejected: tuple[tuple[float, str, Any], ...]    # (time, writer, token) of refused writes
    start: float
    end: float

    @property
    def two_holders(self) -> bool:
        return self.result.two_holders

    @property
    def lost_write(self) -> bool:
        return bool(self.result.stale_writes)

    def verdict(self) -> str:
        """One line: the setting, whether two clients believed they held the lock, what the storage did."""
        what = {"pause": "c1 paused", "clock jump": "s3's clock jumps", "delayed packet": "c1's write delayed"}
        head = f"{what[self.scenario]} {self.size:g} ms, ttl {self.ttl:g} ms, {'fenced' if self.fenced else 'unfenced'}"
        if self.two_holders:
            a, b, t = self.result.overlapping[0]
            holders = f"two holders: {a} and {b} from t={t:.0f}"
        else:
            holders = "one holder at a time"
        if self.lost_write:
            storage = "the storage LOST a write"
        elif self.result.rejected:
            storage = f"the storage rejected {self.result.rejected} stale request(s), nothing lost"
        else:
            storage = "nothing lost"
        return f"{head}: {holders}; {storage}; final value {self.result.final_value!r}"


def _check_size(size: Any) -> float:
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size) or size < 0:
        raise ConfigError(f"size must be a number of ms >= 0 (how long the pause, jump or delay is), got {size!r}")
    if size > MAX_SIZE:
        raise ConfigError(f"size must be at most {MAX_SIZE} ms, got {size!r}")
    return float(size)


def _until_working(sim: Any, limit: float) -> None:
    """Run until c1 is working under the lock (after its read), or raise if it never gets there."""
    c1 = sim.node("c1")
    while getattr(c1, "state", None) != "working":
        if sim.now > limit or not sim.step():
            raise InvariantViolation("pressure_run: c1 never got to work under the lock", seed=sim.seed)


def _restore_link(sim: Any) -> None:
    sim.net.set_link("c1", STORAGE, latency=sim.net.default.latency)


def pressure_run(scenario: str = "pause", size: float = 200.0, *, ttl: float = 100.0, fenced: bool = False,
                 seed: int = 0) -> PressureRun:
    """Play ``scenario`` (one of :data:`PRESSURES`) with a fault of ``size`` ms (see the module docstring)."""
    if scenario not in PRESSURES:
        raise ConfigError(f"unknown scenario {scenario!r}; choose one of {list(PRESSURES)}")
    size, ttl = _check_size(size), check_ttl(ttl)
    if ttl < 50:
        raise ConfigError(f"ttl must be at least 50 ms here (a lock attempt may take 20 ms), got {ttl:g}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    t0 = 300.0 if fenced else 0.0  # the Raft token servers first elect a leader
    work = {"pause": 10.0, "clock jump": 0.6 * ttl, "delayed packet": 20.0}[scenario]
    clients = [dict(rounds=1, work=(work, work), start_at=t0),
               dict(rounds=1, work=(10.0, 10.0), start_at=t0 + C2_DELAY, backoff=C2_BACKOFF)]
    servers = 5 if scenario == "clock jump" else 1
    sim = lock_sim(seed, servers=servers, clients=clients, fenced=fenced, ttl=ttl, latency=LATENCY)
    if scenario == "clock jump":
        for s in ("s4", "s5"):   # D and E cannot be reached by c1
            sim.net.cut("c1", s)
        for s in ("s1", "s2"):   # A and B cannot be reached by c2
            sim.net.cut("c2", s)
    _until_working(sim, t0 + 1000.0)
    now, fault = sim.now, None
    if size > 0 and scenario == "pause":
        sim.pause("c1", size)
        fault = (now, now + size, f"c1 paused {size:g} ms")
    elif size > 0 and scenario == "clock jump":
        sim.clock_jump("s3", size)
        fault = (now, now, f"s3's clock jumps +{size:g} ms")
    elif size > 0:
        sim.net.set_link("c1", STORAGE, latency=size)
        sim.at(now + work + 1.0, _restore_link, sim)  # only c1's write is slow
        fault = (now + work, now + work + size, f"c1's write in flight {size:g} ms")
    sim.run(until=now + size + 3 * ttl + 200.0)
    result = result_of(scenario, sim, fenced)
    periods = tuple(holding_periods(sim))
    grants = [r.time for r in sim.trace.notes(key="granted") if str(r.detail["granted"]).startswith("c1:")]
    lease_from = grants[0] if grants else t0
    rejected = tuple((r.time, r.node, r.detail.get("token")) for r in sim.trace.notes(STORAGE, key="rejected"))
    ends = [p[2] for p in periods] + [w.time for w in sim.node(STORAGE).accepted] + [t for t, _, _ in rejected]
    end = max(ends + [lease_from + ttl, fault[1] if fault else 0.0]) + 15.0
    return PressureRun(scenario, size, ttl, bool(fenced), seed, result, periods, (lease_from, lease_from + ttl),
                       fault, rejected, t0, end)


def destroying_writes(run: PressureRun) -> set[Any]:
    """The entries of accepted writes whose value lacked an entry accepted before them (a lost write)."""
    seen: list[Any] = []
    out = set()
    for w in run.result.sim.node(STORAGE).accepted:
        if any(e not in w.value for e in seen):
            out.add(w.entry)
        seen.append(w.entry)
    return out


def pressure_table(run: PressureRun) -> "pd.DataFrame":
    """What happened, in time order: who believed they held the lock, and every write the storage saw."""
    import pandas as pd

    rows = [{"t (ms)": round(a, 1), "who": c, "what": f"believes it holds the lock until t={b:.0f}"}
            for c, a, b in run.periods]
    stale = destroying_writes(run)
    for w in run.result.sim.node(STORAGE).accepted:
        note = " - built on a stale read: it destroyed an earlier accepted write" if w.entry in stale else ""
        rows.append({"t (ms)": round(w.time, 1), "who": w.writer,
                     "what": f"write {w.entry!r} accepted (token {w.token}){note}"})
    for t, who, token in run.rejected:
        rows.append({"t (ms)": round(t, 1), "who": STORAGE, "what": f"rejected a write with stale token {token}"})
    if run.fault is not None:
        rows.append({"t (ms)": round(run.fault[0], 1), "who": "fault", "what": run.fault[2]})
    df = pd.DataFrame(rows).sort_values("t (ms)", kind="stable").reset_index(drop=True)
    return df
