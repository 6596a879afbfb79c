"""Message complexity: PBFT's messages per request against n, and Raft's on the same workload.

Theory of operation
-------------------
PBFT's prepare and commit phases are all-to-all: each of the n-1 backups multicasts a prepare
and every replica multicasts a commit, so one request costs about 2n² messages between replicas
(plus the pre-prepare's n-1 and the checkpoints', n² every K requests) - quadratic in n (Castro
and Liskov §4.2). Raft's leader exchanges one AppendEntries and its reply with each follower:
about 2(n-1) per command, linear. :func:`messages_per_request` runs both on the same seeds and
workload (clients of the same number of puts and gets, no faults) and counts messages between
servers, client traffic left out, per request answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from dsworkbook.consensus.pbft.cluster import pbft_sim
from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["messages_per_request", "pbft_messages", "raft_messages"]


def _servers_sent(sim, prefix: str) -> int:
    return sum(1 for r in sim.trace.records if r[1] == "send" and r[2].startswith(prefix) and r[3].startswith(prefix))


def pbft_messages(seed: int, f: int, *, clients: int = 2, ops: int = 8, duration: float = 3000.0) -> tuple[int, int]:
    """(messages between replicas, requests answered) of a calm PBFT run with n = 3f+1."""
    sim = pbft_sim(seed, f=f, clients=clients, ops=ops)
    sim.run(until=duration)
    return _servers_sent(sim, "r"), sum(1 for op in sim.history if op.outcome == "ok")


def raft_messages(seed: int, n: int, *, clients: int = 2, ops: int = 8, duration: float = 3000.0) -> tuple[int, int]:
    """(messages between servers, commands answered) of a calm Raft key-value run with n servers.

    Raft's heartbeats are sent whatever the load, so the run lasts only as long as the workload:
    it stops once every client is done.
    """
    from dsworkbook.consensus.raft import RaftConfig
    from dsworkbook.consensus.raft_kv import kv_sim

    sim = kv_sim(seed, clients=clients, ops=ops, servers=n, config=RaftConfig(election_timeout=(150.0, 300.0),
                                                                             heartbeat=50.0))
    cids = [c for c in sim.node_ids if c.startswith("c")]
    t = 50.0
    sim.run(until=t)
    while t < duration and not all(sim.node(c).done for c in cids):
        t += 50.0
        sim.run(until=t)
    return _servers_sent(sim, "n"), sum(1 for op in sim.history if op.outcome == "ok")


def messages_per_request(fs: Sequence[int] = (1, 2, 3), *, seeds: Sequence[int] = (1, 2, 3), clients: int = 2,
                         ops: int = 8) -> "pd.DataFrame":
    """One row per f: n = 3f+1, PBFT's and Raft's messages per request on the same seeds and workload sizes."""
    import pandas as pd

    if not fs or any(isinstance(f, bool) or not isinstance(f, int) or f < 1 for f in fs):
        raise ConfigError(f"fs must be ints >= 1, got {list(fs)!r}")
    rows = []
    for f in fs:
        n = 3 * f + 1
        pb = [pbft_messages(s, f, clients=clients, ops=ops) for s in seeds]
        rf = [raft_messages(s, n, clients=clients, ops=ops) for s in seeds]
        p_rate = sum(m for m, _ in pb) / max(1, sum(k for _, k in pb))
        r_rate = sum(m for m, _ in rf) / max(1, sum(k for _, k in rf))
        rows.append({"f": f, "n": n, "pbft messages per request": round(p_rate, 1),
                     "pbft / n²": round(p_rate / n ** 2, 2), "raft messages per request": round(r_rate, 1),
                     "raft / n": round(r_rate / n, 2), "pbft / raft": round(p_rate / r_rate, 1) if r_rate else None})
    return pd.DataFrame(rows)
