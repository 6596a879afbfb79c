"""PreVote, CheckQuorum and leadership transfer, measured on the simulator (F09).

Theory of operation
-------------------
Each experiment builds a cluster (3 servers unless ``servers`` says otherwise) with the default
timeouts (elections 150-300 ms, heartbeats every 50 ms, links 1-10 ms) and one client writing
every 10 ms, so the gaps between its answered writes show when the cluster could not take
writes. All figures come from
the run's trace and history:

* :func:`disruption_table` - two faults, each with and without the option that answers it
  (PreVote, thesis §9.6; CheckQuorum, §6.2; ``every_config=True``: all four combinations). *A follower rejoins*: once a leader is up, a follower is cut
  off for ``isolate_for`` ms, then the network heals. In the paper's core it has bumped its term
  at every timeout and its higher term deposes the healthy leader: an election, and a pause in
  the writes. With PreVote its term never moved, and nothing happens. *The leader is cut off*:
  the majority elects a new leader either way; without CheckQuorum the old leader believes it
  leads until the network heals, with CheckQuorum it steps down within about two election
  timeouts. Columns: elections started after the fault began, the longest gap between answered
  writes, the isolated server's term gain, and how long the old leader went on leading.
* :func:`transfer_table` - planned maintenance (thesis §3.10): the leader hands over with
  TimeoutNow, against the leader simply crashing. Columns: the longest gap between answered
  writes around the event and the time until a new leader is elected.

Gaps include the client's own round trip (a few ms): compare rows, not absolute values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.raft.cluster import leaders, raft_sim, server_ids
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import TransferLeadership
from dsworkbook.consensus.raft.scenarios import Director
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["DISRUPTION_CONFIGS", "SHORT_TABLE", "writer_sim", "disruption_run", "disruption_table", "transfer_run",
           "transfer_table"]

#: row label -> RaftConfig options
DISRUPTION_CONFIGS: dict[str, dict[str, bool]] = {
    "paper": {},
    "PreVote": {"prevote": True},
    "CheckQuorum": {"check_quorum": True},
    "PreVote + CheckQuorum": {"prevote": True, "check_quorum": True},
}
FAULT_AT = 400.0


def writer_sim(seed: int, config: RaftConfig, servers: int) -> Simulation:
    if isinstance(servers, bool) or not isinstance(servers, int) or not 3 <= servers <= 9:
        raise ConfigError(f"servers must be an int from 3 to 9 (a follower or a leader is cut off), got {servers!r}")
    ops = [("put", "x", f"w{i}") for i in range(400)]  # more than a run of 1.5 s can answer
    return raft_sim(seed, servers=servers, config=config, workloads=[ops], think=10.0, client_timeout=100.0)


def _longest_gap(sim: Simulation, start: float, end: float) -> float:
    """The longest time in [start, end] without an answered write (ms)."""
    times = sorted(op.complete_time for op in sim.history if op.outcome == "ok" and start <= op.complete_time <= end)
    marks = [start, *times, end]
    return round(max(b - a for a, b in zip(marks, marks[1:])), 1)


def _notes(sim: Simulation, since: float) -> list[tuple[float, str, dict]]:
    return [(r[0], r[2], r[5]) for r in sim.trace.records if r[1] == "note" and r[0] >= since]


def _check(seed: int, isolate_for: float, trials: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if isinstance(isolate_for, bool) or not isinstance(isolate_for, (int, float)) or not 0 < isolate_for <= 5000:
        raise ConfigError(f"isolate_for must be a number of ms in (0, 5000], got {isolate_for!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= 50:
        raise ConfigError(f"trials must be an int from 1 to 50, got {trials!r}")


def disruption_run(seed: int, scenario: str, *, prevote: bool = False, check_quorum: bool = False,
                   isolate_for: float = 500.0, servers: int = 3) -> dict[str, Any]:
    """One run of ``scenario`` (``"follower rejoins"`` or ``"leader cut off"``); one row of measurements."""
    if scenario not in ("follower rejoins", "leader cut off"):
        raise ConfigError(f"scenario must be 'follower rejoins' or 'leader cut off', got {scenario!r}")
    _check(seed, isolate_for, 1)
    sim = writer_sim(seed, RaftConfig(prevote=prevote, check_quorum=check_quorum), servers)
    sim.run(until=FAULT_AT)
    led = leaders(sim)
    if not led:
        raise ConfigError(f"seed {seed}: no leader by t={FAULT_AT:g} ms; try another seed")
    leader = led[max(led)]
    victim = leader if scenario == "leader cut off" else next(n for n in server_ids(servers) if n != leader)
    term_before = sim.node(victim).current_term
    sim.net.partition([victim])
    sim.run(until=FAULT_AT + isolate_for)
    term_gain = sim.node(victim).current_term - term_before
    sim.net.heal()
    end = FAULT_AT + isolate_for + 400.0
    sim.run(until=end)
    notes = _notes(sim, FAULT_AT)
    elections = sum(1 for _t, _n, d in notes if d.get("role") == "candidate")
    deposed = next((t for t, n, d in notes if n == victim and d.get("role") == "follower"), None) \
        if scenario == "leader cut off" else None
    window = (FAULT_AT + isolate_for, end) if scenario == "follower rejoins" else (FAULT_AT, end)
    return {"scenario": scenario, "elections": elections, "longest write gap (ms)": _longest_gap(sim, *window),
            "isolated server's term gain": term_gain,
            "old leader led on for (ms)": None if deposed is None else round(deposed - FAULT_AT, 1)}


#: scenario -> the configs that matter to it (PreVote to a rejoining server, CheckQuorum to a cut-off leader)
SHORT_TABLE = {"follower rejoins": ("paper", "PreVote"), "leader cut off": ("paper", "CheckQuorum")}


def disruption_table(seed: int = 1, *, isolate_for: float = 500.0, trials: int = 1, servers: int = 3,
                     every_config: bool = False) -> "pd.DataFrame":
    """Both scenarios, with and without the option that matters to each, averaged over seeds
    ``seed..seed+trials-1``; ``every_config=True`` runs each under all of :data:`DISRUPTION_CONFIGS`."""
    import pandas as pd

    _check(seed, isolate_for, trials)
    rows = []
    for scenario in ("follower rejoins", "leader cut off"):
        for label in (DISRUPTION_CONFIGS if every_config else SHORT_TABLE[scenario]):
            opts = DISRUPTION_CONFIGS[label]
            runs = [disruption_run(seed + k, scenario, isolate_for=isolate_for, servers=servers, **opts)
                    for k in range(trials)]
            row: dict[str, Any] = {"scenario": scenario, "config": label}
            for col in ("elections", "longest write gap (ms)", "isolated server's term gain",
                        "old leader led on for (ms)"):
                vals = [r[col] for r in runs if r[col] is not None]
                row[col] = round(sum(vals) / len(vals), 1) if vals else None
            rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["seeds"] = list(range(seed, seed + trials))
    return df


def transfer_run(seed: int, how: str, *, servers: int = 3) -> dict[str, Any]:
    """At t=400 ms the leader either hands over (``how="transfer"``) or crashes (``how="crash"``)."""
    if how not in ("transfer", "crash"):
        raise ConfigError(f"how must be 'transfer' or 'crash', got {how!r}")
    _check(seed, 1.0, 1)
    sim = writer_sim(seed, RaftConfig(), servers)
    if how == "transfer":  # an operator asks every server; only the leader acts on it
        sim.add_node("op", Director, script=[(FAULT_AT, n, TransferLeadership()) for n in server_ids(servers)])
    sim.run(until=FAULT_AT - 1.0)
    old = leaders(sim)
    if not old:
        raise ConfigError(f"seed {seed}: no leader by t={FAULT_AT:g} ms; try another seed")
    old_leader = old[max(old)]
    if how == "crash":
        sim.at(FAULT_AT, sim.crash, old_leader)
    end = FAULT_AT + 500.0
    sim.run(until=end)
    elected = next((t for t, n, d in _notes(sim, FAULT_AT) if d.get("role") == "leader" and n != old_leader), None)
    return {"how": how, "longest write gap (ms)": _longest_gap(sim, FAULT_AT - 50.0, end),
            "new leader after (ms)": None if elected is None else round(elected - FAULT_AT, 1)}


def transfer_table(seed: int = 1, *, trials: int = 3, servers: int = 3) -> "pd.DataFrame":
    """A planned transfer against a crash of the leader, averaged over seeds ``seed..seed+trials-1``."""
    import pandas as pd

    _check(seed, 1.0, trials)
    rows = []
    for how in ("transfer", "crash"):
        runs = [transfer_run(seed + k, how, servers=servers) for k in range(trials)]
        row: dict[str, Any] = {"how": how}
        for col in ("longest write gap (ms)", "new leader after (ms)"):
            vals = [r[col] for r in runs if r[col] is not None]
            row[col] = round(sum(vals) / len(vals), 1) if vals else None
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["seeds"] = list(range(seed, seed + trials))
    return df
