"""Q03 · Tunable N/R/W (Dynamo, Cassandra, Riak): when can a read be stale? Measured, not assumed.

Theory of operation
-------------------
Each key lives on ``N`` replicas; a write waits for ``W`` acknowledgements, a read for ``R``
replies (:class:`~dsworkbook.storage.ap.APReplica` with ``n``, ``r``, ``w``). Any ``R`` replicas
and any ``W`` replicas out of ``N`` share at least ``R + W - N`` replicas (pigeonhole), so:

===============  =================================================================================
``R + W > N``    every read quorum meets every write quorum (*strict* quorums): the read hears at
                 least one replica that acknowledged the last acknowledged write
``R + W <= N``   a read quorum can miss the last write entirely: stale reads are possible, and how
                 often depends on how far replication lags behind the acknowledgement
===============  =================================================================================

Meeting a replica that acknowledged the write is not the same as returning it. The overlap
argument holds only while (1) the quorums are *strict* - a sloppy quorum (Dynamo §4.6) lets
stand-ins outside the key's ``N`` replicas acknowledge, and then the overlap can be empty;
(2) the replica still holds what it acknowledged - one restored from an old backup, or that
lost its disk, does not; (3) the newest version wins the comparison - under last-write-wins a
write stamped by a clock that runs behind loses to an earlier one stamped by a clock that runs
ahead, and of two concurrent writes one silently disappears; and (4) a write refused for lack
of ``W`` acknowledgements may still sit on some replicas, so a later read can return it after
another read did not. And strict quorums are not linearizable on their own: without a read's
write-back, a read concurrent with a write can see it and a later read not - see the CP store,
which adds the write-back.

:func:`stale_reads` finds stale reads in a history, by a definition that needs no knowledge
of the store: a read is **stale** when it returned the value of a write ``w1`` (or the initial
value) although another write ``w2`` to the same key had been *invoked after w1 completed*
and *completed before the read was invoked* - the read ignored a write that, in real time,
certainly overwrote what it returned. Only ``ok`` writes count as completed: a write that
failed did not happen, and one whose outcome is unknown may take effect at any time after its
invoke, or never. :func:`stale_read_table` measures the rate over seeds for several settings;
:func:`overlap` is the arithmetic; :func:`worst_case` is the adversary's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, History, Op, Simulation
from dsworkbook.storage.ap import APReplica
from dsworkbook.storage.common import KVClient, check_nrw, client_ids, random_workload, replica_ids

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["overlap", "strict", "StaleRead", "stale_reads", "one_writer", "nrw_sim", "worst_case", "skewed_lww",
           "stale_read_table", "NRW_SETTINGS"]

#: The settings the notebook compares: (N, R, W).
NRW_SETTINGS: tuple[tuple[int, int, int], ...] = ((3, 1, 1), (3, 1, 2), (3, 2, 1), (3, 2, 2), (3, 1, 3),
                                                  (5, 2, 3), (5, 3, 3))


def overlap(n: int, r: int, w: int) -> int:
    """The fewest replicas that any read quorum and any write quorum share: ``max(0, R + W - N)``."""
    check_nrw(n, r, w)
    return max(0, r + w - n)


def strict(n: int, r: int, w: int) -> bool:
    """True when every read quorum meets every write quorum (``R + W > N``)."""
    return overlap(n, r, w) > 0


@dataclass(frozen=True)
class StaleRead:
    """A read that returned ``value`` although ``newer`` (a write op) had overwritten it first."""

    read: Op
    value: Any
    newer: Op

    def describe(self) -> str:
        r, w = self.read, self.newer
        return (f"{r.process} read {r.key}={r.output!r} at t={r.invoke_time:.1f}, but {w.process}'s write "
                f"{w.key}={w.input!r} had completed at t={w.complete_time:.1f}")


def _writes_by_key(history: Iterable[Op]) -> dict[Any, list[Op]]:
    out: dict[Any, list[Op]] = {}
    for op in history:
        if op.f == "write":
            out.setdefault(op.key, []).append(op)
    return out


def stale_reads(history: History | Iterable[Op]) -> list[StaleRead]:
    """Every stale read of ``history`` (see the module docstring for the definition)."""
    ops = list(history)
    writes = _writes_by_key(ops)
    found: list[StaleRead] = []
    for read in ops:
        if read.f != "read" or read.outcome != "ok":
            continue
        done = [w for w in writes.get(read.key, ()) if w.outcome == "ok" and w.complete_time < read.invoke_time]
        source = [w for w in writes.get(read.key, ()) if w.input == read.output] if read.output is not None else []
        # the write read from ended at this time (never, if it is not known to have ended)
        src_end = -1.0 if read.output is None else min(
            (w.complete_time if w.outcome == "ok" else float("inf") for w in source), default=float("inf"))
        newer = [w for w in done if w.invoke_time > src_end]
        if newer:
            found.append(StaleRead(read, read.output, max(newer, key=lambda w: w.complete_time)))
    return found


def one_writer(clients: Sequence[str], ops: int, key: Any = "x") -> dict[str, tuple]:
    """The first client writes 1, 2, 3... to ``key``; the others only read it.

    With one writer, "the last write" is unambiguous, so every stale read is plain to see.
    """
    return {c: tuple(("write", key, j + 1) if i == 0 else ("read", key, None) for j in range(ops))
            for i, c in enumerate(clients)}


def nrw_sim(seed: int, n: int, r: int, w: int, *, clients: int = 4, ops: int = 30, keys: Sequence[Any] = ("x",),
            latency: Any = "tail:5:100", schedule: FaultSchedule | None = None, until: float = 6000.0,
            read_repair: bool = True, hinted_handoff: bool = True, routing: str = "random",
            workload: str = "one-writer", far: Any = (20, 120), trace: bool = True) -> Simulation:
    """Run an N/R/W store of ``n`` replicas with seeded clients (and faults); return the sim.

    ``workload``: ``one-writer`` (:func:`one_writer`) or ``random`` (every client reads and
    writes ``keys``). Clients pick a replica at random for each operation (``routing``), so a
    read is often coordinated by another replica than the last write. The default latency has
    a long tail (median 5 ms, p99 100 ms), and the last replica sits in a far zone: its links,
    both ways, take ``far`` ms (None: as near as the others). So replication sometimes lags
    behind the acknowledgement, as it does between data centres. ``trace=False`` records no
    trace (the history is the same; a measurement over many seeds runs faster).
    """
    check_nrw(n, r, w)
    reps, cls = replica_ids(n), client_ids(clients)
    sim = Simulation(seed=seed, latency=latency, trace=trace)
    for rep in reps:
        sim.add_node(rep, APReplica, replicas=reps, n=n, r=r, w=w, read_repair=read_repair,
                     hinted_handoff=hinted_handoff)
    if workload == "one-writer":
        ops_of = one_writer(cls, ops, keys[0])
    elif workload == "random":
        ops_of = random_workload(seed, cls, ops=ops, keys=keys).ops
    else:
        raise ConfigError(f"workload must be 'one-writer' or 'random', got {workload!r}")
    for i, c in enumerate(cls):
        sim.add_node(c, KVClient, servers=reps[i % n:] + reps[:i % n], ops=ops_of[c], routing=routing,
                     req_base=(i + 1) * 100_000)
    if far is not None:
        for other in reps[:-1]:
            sim.net.set_link(reps[-1], other, latency=far, both=True)
    if schedule is not None:
        schedule.apply_to(sim)
    sim.run(until=until)
    return sim


def stale_read_table(settings: Sequence[tuple[int, int, int]] = NRW_SETTINGS, seeds: Iterable[int] = range(20),
                     **options: Any) -> "pd.DataFrame":
    """For each ``(N, R, W)``: reads, stale reads and the stale rate, summed over ``seeds``.

    Every setting runs the same seeds with the same workloads, so the rows differ only in N/R/W.
    """
    import pandas as pd

    seeds = list(seeds)
    if not seeds:
        raise ConfigError("stale_read_table needs at least one seed")
    rows = []
    for n, r, w in settings:
        reads = stale = 0
        hit: list[int] = []
        for seed in seeds:
            sim = nrw_sim(seed, n, r, w, **{"trace": False, **options})
            ok_reads = sum(1 for op in sim.history if op.f == "read" and op.outcome == "ok")
            found = len(stale_reads(sim.history))
            reads, stale = reads + ok_reads, stale + found
            if found:
                hit.append(seed)
        rows.append({"N": n, "R": r, "W": w, "R+W": r + w, "R+W>N": r + w > n, "overlap": overlap(n, r, w),
                     "reads": reads, "stale": stale, "stale %": round(100.0 * stale / reads, 2) if reads else 0.0,
                     "seeds with stale reads": len(hit), "first such seed": hit[0] if hit else None})
    return pd.DataFrame(rows)


def worst_case(n: int, r: int, w: int, seed: int = 1) -> Simulation:
    """The adversary's schedule for N/R/W: can a read miss an acknowledged write? Run and returned.

    ``c1`` writes ``x = 1`` through ``n1`` while ``n1`` cannot reach ``n(W+1)..nN``, so exactly
    the first ``W`` replicas store it (no hinted handoff, no read repair, no anti-entropy: nothing
    heals them). After the network heals, ``c2`` reads ``x`` through ``nN`` while ``n1..n(N-R)``
    cannot answer ``nN``, so the read hears exactly the last ``R`` replicas. Those include a
    replica holding the write unless ``R <= N - W``, that is unless ``R + W <= N``.
    """
    check_nrw(n, r, w)
    reps = replica_ids(n)
    sim = Simulation(seed=seed, latency=(2, 8))
    for rep in reps:
        sim.add_node(rep, APReplica, replicas=reps, n=n, r=r, w=w, hinted_handoff=False, read_repair=False)
    sim.add_node("c1", KVClient, servers=["n1"], ops=[("write", "x", 1)], start_at=10)
    sim.add_node("c2", KVClient, servers=[reps[-1]], ops=[("read", "x", None)], start_at=300)
    for rep in reps[w:]:
        sim.net.cut("n1", rep)
    sim.at(150, sim.net.heal)
    for rep in reps[:n - r]:
        if rep != reps[-1]:
            sim.at(200, sim.net.cut, rep, reps[-1])
    sim.run(until=1000)
    return sim


def skewed_lww(n: int = 3, r: int = 2, w: int = 2, *, skew: float = 300.0, seed: int = 1) -> Simulation:
    """Quorums and one fast clock: a write, a later write, then a read; run and returned.

    ``c1`` writes ``x = 1`` through ``n1``, whose clock runs ``skew`` ms ahead, at t = 10;
    after it is acknowledged, ``c2`` writes ``x = 2`` through ``n2`` at t = 150; after that
    is acknowledged, ``c3`` reads ``x`` through ``n3`` at t = 300. No message is lost and no
    replica fails; there is no hinted handoff and no read repair. (Exercise
    ``02-predict-stale`` asks what the read returns.)
    """
    check_nrw(n, r, w)
    reps = replica_ids(n)
    sim = Simulation(seed=seed, latency=(2, 8))
    for rep in reps:
        sim.add_node(rep, APReplica, replicas=reps, n=n, r=r, w=w, hinted_handoff=False, read_repair=False)
    sim.add_node("c1", KVClient, servers=[reps[0]], ops=[("write", "x", 1)], start_at=10)
    sim.add_node("c2", KVClient, servers=[reps[1 % n]], ops=[("write", "x", 2)], start_at=150)
    sim.add_node("c3", KVClient, servers=[reps[2 % n]], ops=[("read", "x", None)], start_at=300)
    sim.set_clock_offset(reps[0], skew)
    sim.run(until=1000)
    return sim
