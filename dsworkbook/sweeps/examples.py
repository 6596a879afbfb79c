"""Experiments shaped for :func:`~dsworkbook.sweeps.sweep`, used by the notebook, the tests and the bench.

Theory of operation
-------------------
A sweep's experiment is a module-level function ``f(seed=..., **params) -> dict`` (module level
so another process, or a Dask worker, can import it). :func:`retry_point` runs the retrying
client of :mod:`dsworkbook.reliability` over a lossy network and measures what a retry policy
trades: messages per operation, tail latency and operations that gave up. :func:`quorum_point` runs the N/R/W
store of :mod:`dsworkbook.storage.quorum` (its long-tail latency and far replica) and measures
the three costs a quorum choice trades: messages per operation, read latency and stale reads
(Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Quorums for reading and writing").
:func:`raft_seed` runs one seed of the Raft fuzz campaign and reports its verdict, so a
campaign can be compared row by row across executors.
"""

from __future__ import annotations

import statistics
from typing import Any

__all__ = ["retry_point", "quorum_point", "raft_seed"]


def retry_point(seed: int, timeout: float = 30.0, max_attempts: int = 6, loss: float = 0.2, clients: int = 5,
                ops: int = 10) -> dict[str, Any]:
    """One run of retrying clients (idempotency keys, full jitter) against a de-duplicating server.

    Measures messages per operation, the p99 latency of the operations that succeeded, and the
    share of operations whose outcome stayed unknown (the client gave up after ``max_attempts``).
    """
    from dsworkbook.reliability import RetryPolicy, request_reply_sim, summarize

    sim = request_reply_sim(seed, clients=clients, ops=ops, loss=loss, dedup=True,
                            policy=RetryPolicy(timeout=timeout, max_attempts=max_attempts, idempotency=True))
    sim.run(until=60_000.0)
    result = summarize(sim)
    waits = sorted(op.complete_time - op.invoke_time for op in sim.history if op.outcome == "ok")
    p99 = waits[min(len(waits) - 1, int(0.99 * len(waits)))] if waits else float("nan")
    return {"messages/op": round(result.messages / max(1, result.ops), 2), "p99 (ms)": round(p99, 1),
            "unknown %": round(100.0 * result.unknown / max(1, result.ops), 2)}


def quorum_point(seed: int, n: int = 3, r: int = 2, w: int = 2, ops: int = 10) -> dict[str, Any]:
    """One run of an N/R/W store: messages per completed operation, median read latency, stale-read %."""
    from dsworkbook.storage.quorum import nrw_sim, stale_reads

    sim = nrw_sim(seed, n, r, w, ops=ops)
    done = [op for op in sim.history if op.outcome == "ok"]
    reads = [op for op in done if op.f == "read"]
    sends = sum(1 for rec in sim.trace.records if rec[1] == "send")
    stale = len(stale_reads(sim.history))
    return {"messages/op": round(sends / max(1, len(done)), 2),
            "read p50 (ms)": round(statistics.median(op.complete_time - op.invoke_time for op in reads), 2)
            if reads else float("nan"),
            "stale %": round(100.0 * stale / len(reads), 2) if reads else 0.0}


def raft_seed(seed: int, variant: str = "correct") -> dict[str, Any]:
    """One seed of the Raft campaign (:func:`~dsworkbook.consensus.fuzzing.fuzz_raft`): violation and progress."""
    from dsworkbook.consensus.fuzzing.raft import fuzz_raft

    report = fuzz_raft([seed], variant=variant, shrink_first=False)
    return {"violation": report.first.message if report.first else "", "progress": bool(report.progress)}
