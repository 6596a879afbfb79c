"""Three ways to serve a read, measured side by side: the log, ReadIndex, a lease (F10).

Theory of operation
-------------------
:func:`read_path_run` builds a cluster of the key-value store (:mod:`dsworkbook.consensus.raft_kv`)
with one client that writes a key once and then reads it ``reads`` times, one after another,
under ``RaftConfig(read_mode=...)`` (see :data:`~dsworkbook.consensus.raft.config.READ_MODES`).
It runs the same cluster a second time with the client writing only, for as long, so the
heartbeats and the write are counted once and subtracted: what is left is what the reads cost.

* **latency**: invoke-to-answer of each read, as the client saw it (mean and p99);
* **messages per read**: every message sent in the reads' run (server to server and client to
  server) minus those of the write-only run, per read - a log read replicates an entry
  (AppendEntries and replies to every follower), ReadIndex sends one heartbeat round, a lease
  read sends only the client's request and its answer;
* **disk writes per read**: ``persist`` effects, likewise - only a log read writes.

Ongaro's thesis (2014) §6.4 gives the ReadIndex steps, §6.4.1 the lease; the costs above are
what this simulator measures, not figures from the thesis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.raft.cluster import raft_sim
from dsworkbook.consensus.raft.config import READ_MODES, RaftConfig
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["read_path_run", "read_path_table"]

WARMUP = 400.0  # ms: an election and the write, before the first read


def _store() -> Any:
    from dsworkbook.consensus.raft_kv import KVStore  # the store sits above this package (it imports it)

    return KVStore()


def _counts(sim: Simulation, since: float, until: float) -> tuple[int, int]:
    sends = persists = 0
    for r in sim.trace.records:
        if since <= r[0] <= until:
            if r[1] == "send":
                sends += 1
            elif r[1] == "persist":
                persists += 1
    return sends, persists


def read_path_run(seed: int = 1, read_mode: str = "log", *, reads: int = 30, servers: int = 3,
                  latency: Any = (1, 10)) -> dict[str, Any]:
    """One read path measured (see the module doc); a dict of figures."""
    if read_mode not in READ_MODES:
        raise ConfigError(f"unknown read_mode {read_mode!r}; choose one of {list(READ_MODES)}")
    if isinstance(reads, bool) or not isinstance(reads, int) or not 1 <= reads <= 1000:
        raise ConfigError(f"reads must be an int from 1 to 1000, got {reads!r}")
    config = RaftConfig(read_mode=read_mode)
    ops = [("put", "x", "v1"), *[("get", "x", None)] * reads]

    def cluster(workload: list) -> Simulation:
        return raft_sim(seed, servers=servers, config=config, workloads=[workload], state_machine=_store,
                        latency=latency, client_timeout=200.0)

    sim = cluster(ops)
    sim.run(until=WARMUP + 40.0 * reads)
    done = [op for op in sim.history if op.f == "get" and op.outcome == "ok"]
    if len(done) < reads:
        raise ConfigError(f"seed {seed}: only {len(done)} of {reads} reads were answered; try another seed")
    start, end = done[0].invoke_time, done[-1].complete_time
    idle = cluster(ops[:1])
    idle.run(until=end)
    sends, persists = _counts(sim, start, end)
    idle_sends, idle_persists = _counts(idle, start, end)
    lat = sorted(op.complete_time - op.invoke_time for op in done)
    return {"read path": read_mode, "reads": reads,
            "mean latency (ms)": round(sum(lat) / len(lat), 2),
            "p99 latency (ms)": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 2),
            "messages per read": round((sends - idle_sends) / reads, 2),
            "disk writes per read": round((persists - idle_persists) / reads, 2)}


def read_path_table(seed: int = 1, *, reads: int = 30, servers: int = 3) -> "pd.DataFrame":
    """The three read paths on the same seed, side by side (one row each)."""
    import pandas as pd

    df = pd.DataFrame([read_path_run(seed, mode, reads=reads, servers=servers) for mode in READ_MODES])
    df.attrs["seed"] = seed
    return df
