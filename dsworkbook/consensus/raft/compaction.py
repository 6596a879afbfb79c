"""What log compaction buys: log size and a lagging follower's catch-up, with and without snapshots (F07).

Theory of operation
-------------------
:func:`compaction_table` runs the same seeded experiment once per setting of
``RaftConfig.snapshot_every`` (None: the paper's log that only grows; N: a snapshot every N
applied entries, §7 of the paper): a cluster of three servers serves one client writing
``ops`` puts to the key-value store. A follower is crashed once a leader is elected and stays
down while the client writes; when the client is done the follower restarts and must catch up.

Measured, per setting, by running (nothing is computed from a formula):

* **entries held** - the most log entries any server held at once during the run (sampled every
  ``sample`` ms), and what the leader holds at the end: without snapshots it grows with every
  command, with them it stays below ``snapshot_every`` plus the entries not yet applied;
* **catch-up** - from the follower's restart until it has applied everything the leader had
  committed at that moment (ms of simulated time), and the messages the leader sent it
  meanwhile. Without snapshots the leader replays the whole log, ``max_batch`` entries per
  round trip (one by default); with them it sends one InstallSnapshot and the short tail.

The run is deterministic in ``seed``; with the defaults it takes well under a second.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Sequence

from dsworkbook.consensus.raft.cluster import leaders, raft_sim
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["compaction_table", "catch_up_run"]


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be an int >= 1, got {value!r}")
    return value


def catch_up_run(seed: int, snapshot_every: int | None, *, ops: int = 300, max_batch: int = 1,
                 sample: float = 100.0) -> dict[str, object]:
    """One run of the experiment (see the module docstring); a row of :func:`compaction_table`."""
    from dsworkbook.consensus.raft_kv import KVStore, kv_workload  # the store sits above this package (it imports it)

    config = RaftConfig(snapshot_every=snapshot_every, max_batch=max_batch)
    sim = raft_sim(seed, servers=3, config=config, workloads=[kv_workload(random.Random(seed), ops, reads=0.0)],
                   state_machine=KVStore, trace=True)
    servers = ["n1", "n2", "n3"]
    sim.run(until=0.0)  # start every node
    while not leaders(sim):  # wait for the first leader, then take a follower down
        sim.run_for(10.0)
    leader = next(iter(leaders(sim).values()))
    lagging = next(n for n in servers if n != leader)
    sim.crash(lagging)
    client = sim.node("c1")
    peak = 0
    while not client.done:
        sim.run_for(sample)
        peak = max(peak, *(sim.node(n).log.held for n in servers if n != lagging))
        if sim.now > 60_000:
            raise ConfigError(f"seed {seed}: the client did not finish {ops} puts in a minute of simulated time")
    lead = sim.node(next(iter(leaders(sim).values())))
    target, restarted_at, sent_before = lead.commit_index, sim.now, _sent_to(sim, lagging)
    sim.restart(lagging)
    while True:
        sim.run_for(1.0)
        if getattr(sim.node(lagging), "last_applied", 0) >= target:
            break
        if sim.now - restarted_at > 60_000:
            raise ConfigError(f"seed {seed}: {lagging} did not catch up within a minute of simulated time")
    return {"snapshot_every": "off" if snapshot_every is None else snapshot_every, "commands": ops,
            "peak entries held": peak, "leader holds at end": lead.log.held,
            "catch-up ms": round(sim.now - restarted_at, 1),
            "messages to catch up": _sent_to(sim, lagging) - sent_before, "entries to catch up": target}


def _sent_to(sim: object, node: str) -> int:
    """Raft messages sent to ``node`` so far (from the trace)."""
    return sum(1 for r in sim.trace.records if r[1] == "send" and r[3] == node)  # type: ignore[attr-defined]


def compaction_table(seed: int = 0, *, ops: int = 300, settings: Sequence[int | None] = (None, 32),
                     max_batch: int = 1) -> "pd.DataFrame":
    """Log size and catch-up time with and without snapshots (see the module docstring); one row per setting."""
    import pandas as pd

    _positive_int("ops", ops)
    _positive_int("max_batch", max_batch)
    if not settings:
        raise ConfigError("settings must name at least one snapshot_every (None: no snapshots)")
    for every in settings:
        if every is not None:
            _positive_int("each snapshot_every in settings", every)
    return pd.DataFrame([catch_up_run(seed, every, ops=ops, max_batch=max_batch) for every in settings])
