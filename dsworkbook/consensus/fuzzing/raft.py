"""The Raft campaign: a key-value store on Raft, on many seeds of random faults.

Theory of operation
-------------------
One Raft fuzz run (:func:`raft_run`) builds a 5-server cluster (or ``servers`` servers) serving
the key-value store to five clients, applies a fault schedule for :data:`FAULT_PHASE` ms, then
repairs everything (heal the network, end loss and duplication, restart crashed servers) and lets
it settle for :data:`SETTLE` ms. Two verdicts come out of every run, the always/sometimes pair of
:func:`dsworkbook.sim.fuzz`:

* *always*: the five safety properties, checked from the trace
  (:func:`dsworkbook.consensus.raft_invariants.first_violation`);
* *sometimes* (progress): every client got every one of its commands committed and answered.

The schedule (:func:`raft_schedule`) is drawn with :meth:`FaultSchedule.random` from the seed, in
two layers: *episodes* - two faults of any kind (partitions, one-way cuts, crashes, loss and
duplication bursts with reordering, pauses, clock jumps and drift) in each 400 ms slice - and
*blips* - a crash and a restart a few ms later in each 20 ms slice, at a random server. Blips
make elections frequent and catch servers in the middle of them, which is where the broken
variants show (a forgotten vote, a stale log that wins). Timeouts are short (50-100 ms
elections, 20 ms heartbeats) so that a run of a few seconds sees dozens of terms.

:func:`fuzz_raft` runs a campaign, optionally in several processes (seeds are independent),
and shrinks the first violation to its smallest failing schedule;
:func:`explain` turns a violation into plain words. ``options`` sets further
:class:`~dsworkbook.consensus.raft.RaftConfig` fields for every server of a campaign - for
instance ``{"backoff": "term"}`` to fuzz the back-off optimisation of §5.3.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Mapping, Sequence

from dsworkbook.consensus.fuzzing.common import repair
from dsworkbook.consensus.raft import RaftConfig, server_ids
from dsworkbook.consensus.raft_invariants import check_safety, first_violation
from dsworkbook.consensus.raft_kv import kv_sim
from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, FuzzReport, Simulation, fuzz, shrink

__all__ = ["FAULT_PHASE", "SETTLE", "SERVERS", "CLIENTS", "raft_config", "raft_schedule", "raft_run",
           "raft_progress", "fuzz_raft", "explain"]

SERVERS = tuple(server_ids(5))
CLIENTS = 5
OPS = 30
FAULT_PHASE = 4000.0
SETTLE = 1500.0
EPISODE, BLIP = 400.0, 20.0


def raft_config(variant: str = "correct", **overrides: Any) -> RaftConfig:
    """The campaign's configuration: short timeouts so that a run sees many terms."""
    base: dict[str, Any] = {"election_timeout": (50.0, 100.0), "heartbeat": 20.0, "variant": variant}
    base.update(overrides)
    return RaftConfig(**base)


def raft_schedule(seed: int, nodes: Sequence[str] = SERVERS, duration: float = FAULT_PHASE) -> FaultSchedule:
    """Episodes (any kind of fault, two per 400 ms) plus blips (a crash-restart per 20 ms)."""
    out: list[Any] = []
    for k in range(int(duration // EPISODE)):
        out += FaultSchedule.random(seed * 10_007 + k, nodes, duration=EPISODE / 1.1, faults=2, start=k * EPISODE)
    for k in range(int(duration // BLIP)):
        out += FaultSchedule.random(seed * 100_003 + k, nodes, duration=BLIP / 1.1, faults=1, start=k * BLIP,
                                    kinds=("crash",))
    return FaultSchedule(out)


def raft_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", config: RaftConfig | None = None,
             clients: int = CLIENTS, ops: int = OPS, node_class: Any = None, store: Any = None, servers: int = 5,
             options: Mapping[str, Any] | None = None) -> Simulation:
    """One fuzz run (see the module docstring); deterministic in (seed, schedule).

    ``node_class`` and ``store`` swap in another server class or state machine (exercises do);
    ``servers`` sizes the cluster (``n1..nN``; draw its schedule with ``raft_schedule(seed,
    server_ids(N))``); ``options`` are further RaftConfig fields (ignored when ``config`` is given).
    """
    extra = {"store": store} if store is not None else {}
    config = config or raft_config(variant, **dict(options or {}))
    sim = kv_sim(seed, clients=clients, ops=ops, servers=servers, config=config, client_timeout=100.0,
                 think=10.0, node_class=node_class, **extra)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    repair(sim, server_ids(servers))
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def raft_progress(sim: Simulation) -> bool:
    """The *sometimes* half: every client's commands were all committed and answered."""
    return all(sim.node(n).done for n in sim.node_ids if n.startswith("c"))


def _campaign(seeds: Sequence[int], variant: str, shrink_first: bool, stop_after: int | None,
              on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: Mapping[str, Any] | None = None) -> FuzzReport:
    return fuzz(functools.partial(raft_run, variant=variant, options=options), first_violation, seeds=seeds,
                schedule=raft_schedule, progress=raft_progress, shrink_first=shrink_first, stop_after=stop_after,
                on_seed=on_seed)


def fuzz_raft(seeds: int | Iterable[int], *, variant: str = "correct", processes: int = 1, shrink_first: bool = True,
              stop_after: int | None = None, max_shrink_runs: int = 200,
              on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: Mapping[str, Any] | None = None) -> FuzzReport:
    """Run the Raft campaign on ``seeds`` (an int N means seeds 0..N-1).

    With ``processes`` > 1 the seeds are split over that many processes; the first violation
    (lowest seed) is then shrunk here. ``on_seed(seed, report)`` is called as seeds finish.
    ``options`` are further RaftConfig fields for every server (e.g. ``{"backoff": "term"}``).
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    options = dict(options or {})
    if "variant" in options:
        raise ConfigError("pass the variant as variant=..., not inside options")
    try:
        raft_config(variant, **options)  # reject an unknown variant or option before any work
    except TypeError as exc:
        raise ConfigError(f"options must be RaftConfig fields: {exc}") from None
    if processes == 1 or len(seed_list) < 2 * processes:
        report = _campaign(seed_list, variant, False, stop_after, on_seed, options)
    else:
        report = _parallel(seed_list, variant, processes, stop_after, on_seed, options)
    if shrink_first and report.violations:
        first = report.violations[0]
        run = functools.partial(raft_run, variant=variant, options=options)
        shrunk = shrink(first.schedule, lambda s: first_violation(run(first.seed, s)) is not None,
                        max_runs=max_shrink_runs)
        report.violations[0] = type(first)(first.seed, first.message, first.schedule, shrunk)
    return report


def _chunk_worker(args: tuple[list[int], str, dict[str, Any]]) -> FuzzReport:
    seeds, variant, options = args
    return _campaign(seeds, variant, False, None, options=options)


def _parallel(seeds: list[int], variant: str, processes: int, stop_after: int | None,
              on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any] | None = None) -> FuzzReport:
    import multiprocessing as mp
    import time

    size = max(1, min(25, len(seeds) // (4 * processes)))
    chunks = [(seeds[i:i + size], variant, dict(options or {})) for i in range(0, len(seeds), size)]
    total = FuzzReport()
    started = time.perf_counter()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ctx.Pool(processes) as pool:
        for part in pool.imap(_chunk_worker, chunks):
            total.seeds += part.seeds
            total.progress += part.progress
            total.violations.extend(part.violations)
            if on_seed is not None:
                on_seed(seeds[total.seeds - 1], total)
            if stop_after is not None and len(total.violations) >= stop_after:
                pool.terminate()
                break
    total.violations.sort(key=lambda v: v.seed)
    total.seconds = time.perf_counter() - started
    return total


def explain(seed: int, schedule: FaultSchedule, *, variant: str = "correct") -> str:
    """Replay ``seed`` with ``schedule`` and say, in plain words, every property that broke."""
    sim = raft_run(seed, schedule, variant=variant)
    report = check_safety(sim)
    if report.ok:
        return f"seed {seed}: no safety property broke ({report.summary()})"
    lines = [f"seed {seed}, variant {variant!r}:"]
    lines += [f"  - {v.describe()}" for v in report.violations[:5]]
    return "\n".join(lines)
