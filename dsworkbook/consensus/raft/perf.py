"""Batching and pipelining, measured (F05): throughput and latency of the same workload.

Theory of operation
-------------------
:func:`measure_replication` runs a 5-server cluster under a closed-loop load - ``clients``
clients, each sending its next command as soon as the previous one is answered - for
``duration`` ms of simulated time, and reads from the history and the trace:

* **throughput**: commands answered per simulated second;
* **latency**: p50 and p99 of invoke-to-answer, as clients saw it;
* **messages per command**: server-to-server messages divided by commands answered;
* **entries per AppendEntries**: how full the batches were.

Links are FIFO by default (``fifo=True``), as the TCP connections of real deployments are:
pipelined requests that overtake each other fail the consistency check and are sent again.
Stop-and-wait with one entry per request moves one entry per follower per round trip, so it
saturates early and every extra client only waits longer. Batching puts everything pending
into one request; pipelining keeps several requests in flight. :func:`replication_table` runs
the four combinations on the same seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.raft.cluster import raft_sim
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import AppendEntries

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["measure_replication", "replication_table", "MODES"]

#: name -> (max_batch, pipeline)
MODES = {"stop-and-wait": (1, False), "batching": (32, False), "pipelining": (1, True),
         "batching + pipelining": (32, True)}


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def measure_replication(seed: int = 1, *, max_batch: int = 1, pipeline: bool = False, clients: int = 20,
                        duration: float = 2000.0, latency: Any = (2, 6), fifo: bool = True) -> dict[str, Any]:
    """Run the closed-loop load with these options; one dict of measurements (see the module doc)."""
    config = RaftConfig(max_batch=max_batch, pipeline=pipeline, max_inflight=8)
    ops = [[("put", "k", f"c{c}-{i}") for i in range(10_000)] for c in range(clients)]
    sim = raft_sim(seed, config=config, workloads=ops, latency=latency, client_timeout=10_000.0, fifo=fifo)
    sim.run(until=duration)
    done = [op for op in sim.history if op.outcome == "ok" and op.invoke_time >= 300.0]  # after the election
    lat = [op.complete_time - op.invoke_time for op in done]
    servers = {n for n in sim.node_ids if n.startswith("n")}
    msgs = [r[5] for r in sim.trace.records if r[1] == "send" and r[2] in servers and r[3] in servers]
    appends = [m for m in msgs if type(m) is AppendEntries and m.entries]
    seconds = (duration - 300.0) / 1000.0
    return {"max_batch": max_batch, "pipeline": pipeline, "clients": clients,
            "commands/s": round(len(done) / seconds, 1),
            "latency p50 (ms)": round(_percentile(lat, 0.5), 1), "latency p99 (ms)": round(_percentile(lat, 0.99), 1),
            "messages/command": round(len(msgs) / max(len(done), 1), 2),
            "entries/AppendEntries": round(sum(len(m.entries) for m in appends) / max(len(appends), 1), 2)}


def replication_table(seed: int = 1, *, clients: int = 20, duration: float = 2000.0,
                      fifo: bool = True, latency: Any = (2, 6)) -> "pd.DataFrame":
    """The four modes of :data:`MODES` on the same seed, load and links, one row each."""
    import pandas as pd

    rows = []
    for name, (batch, pipe) in MODES.items():
        row = measure_replication(seed, max_batch=batch, pipeline=pipe, clients=clients, duration=duration, fifo=fifo,
                                  latency=latency)
        rows.append({"mode": name, **row})
    return pd.DataFrame(rows).set_index("mode")
