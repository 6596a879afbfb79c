"""The ``coordination`` campaign: the service and its lock recipe on many seeds of client faults.

Theory of operation
-------------------
One run (:func:`coordination_run`) starts the service, four :class:`LockClient`\\ s taking the
lock :data:`ROUNDS` times each, a configuration writer and a configuration reader, on FIFO
links. The schedule (:func:`coordination_schedule`) hits the *clients*: GC pauses from a few ms
to several session timeouts, crashes with restarts (a restarted client opens a new session
and starts over), partitions that cut one client off the service, clock jumps and drift on
clients and on the server (a server clock that jumps ahead expires sessions early). The server
itself is never crashed: it is one unreplicated server (see :mod:`.service`). After
:data:`FAULT_PHASE` ms every fault ends and the run settles for :data:`SETTLE` ms.

Each run is judged from the trace, in this order; the first broken property is the verdict
(:func:`coordination_invariant`):

* *mutual exclusion, in the service's view*: a client holds the lock from the moment it
  concludes it does until it releases, learns it lost it, or the service deletes its znode -
  whichever comes first; no two such intervals overlap. (A paused client may go on *believing*
  after the service deleted its znode: that is the lease problem :func:`pause_past_expiry`
  shows and fencing fixes, not a bug of the recipe.)
* *one-shot watches*: every watch the service set fired at most once;
* *no herd*: every release of the lock notified at most one waiter;
* *sequence numbers strictly increase* under each parent;
* *ephemerals vanish after expiry*: no znode is left owned by a session that has ended.

Progress (*sometimes*): every lock client finished its rounds and the reader saw the last
configuration. Each broken variant (:data:`VARIANTS`) breaks one property and is caught.
"""

from __future__ import annotations

import functools
import random
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.coordination.client import SERVER, coordination_sim
from dsworkbook.coordination.lock import LockClient, notifications_per_release
from dsworkbook.coordination.recipes import ConfigWatcher, ConfigWriter
from dsworkbook.coordination.service import SERVER_VARIANTS, ZooServer
from dsworkbook.errors import ConfigError
from dsworkbook.sim import (DOWN, ClockDrift, ClockJump, Crash, FaultSchedule, FuzzReport, Heal, Partition, Pause,
                            Restart, Simulation, fuzz)
from dsworkbook.sim.fuzz import Campaign, fuzz_in_processes, register_campaign

__all__ = ["LOCKERS", "CLIENTS", "VARIANTS", "ROUNDS", "FAULTS", "FAULT_PHASE", "SETTLE", "SESSION_TIMEOUT",
           "CONFIG_VALUES", "coordination_schedule", "coordination_run", "coordination_invariant",
           "coordination_progress", "fuzz_coordination", "mutual_exclusion", "watches_fired_once", "no_herd",
           "sequences_increase", "ephemerals_gone"]

LOCKERS = ("l1", "l2", "l3", "l4")
CLIENTS = LOCKERS + ("cw", "cr")
ROUNDS = 3
HOLD = 40.0
FAULTS = 6
FAULT_PHASE = 1500.0
SETTLE = 2000.0
SESSION_TIMEOUT = 100.0
CONFIG_VALUES = (1, 2, 3, 4, 5)

#: variant -> what is broken
VARIANTS: dict[str, str] = {
    "correct": "the service and the recipe as ZooKeeper's docs give them",
    "herd": "every waiter sets a child watch on the lock: each release wakes them all",
    "trust-watch": "a waiter claims the lock as soon as its predecessor's znode goes, without looking again",
    "watch-twice": "the service keeps a watch after it fires, so it fires again",
    "seq-reuse": "the next sequence number is 1 + the largest child's, reused after a delete",
    "keep-ephemerals": "the service keeps an expired session's ephemeral znodes",
}


def coordination_schedule(seed: int, *, faults: int = FAULTS) -> FaultSchedule:
    """``faults`` episodes on the clients (pauses, crashes, partitions, clock faults) and on the server's clock."""
    if isinstance(faults, bool) or not isinstance(faults, int) or faults < 0:
        raise ConfigError(f"faults must be an int >= 0, got {faults!r}")
    rng = random.Random(f"coordination:{seed}")
    out: list[Any] = []
    span = FAULT_PHASE * 0.8
    for _ in range(faults):
        kind = rng.choice(("pause", "pause", "crash", "partition", "clock"))
        t = round(rng.uniform(0, span), 1)
        node = rng.choice(CLIENTS)
        if kind == "pause":  # from a hiccup to several session timeouts
            out.append(Pause(t, node, round(rng.uniform(0.1, 4.0) * SESSION_TIMEOUT, 1)))
        elif kind == "crash":
            out += [Crash(t, node), Restart(round(t + rng.uniform(20, 300), 1), node)]
        elif kind == "partition":
            out += [Partition(t, ((node,),)), Heal(round(t + rng.uniform(20, 300), 1))]
        else:
            target = rng.choice((SERVER, node))
            if rng.random() < 0.5:
                out.append(ClockJump(t, target, round(rng.uniform(-1.5, 1.5) * SESSION_TIMEOUT, 1)))
            else:
                out.append(ClockDrift(t, target, round(rng.uniform(-0.2, 0.2), 3)))
    return FaultSchedule(out)


def coordination_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct") -> Simulation:
    """One run (see the module doc); deterministic in (seed, schedule)."""
    if variant not in VARIANTS:
        raise ConfigError(f"unknown coordination variant {variant!r}; choose one of {list(VARIANTS)}")
    server: type[ZooServer] = SERVER_VARIANTS.get(variant, ZooServer)
    sim = coordination_sim(seed, server_class=server, tick=10.0)
    for c in LOCKERS:
        sim.add_node(c, LockClient, mode="herd" if variant == "herd" else "predecessor", rounds=ROUNDS, hold=HOLD,
                     think=10.0, trust_watch=variant == "trust-watch", session_timeout=SESSION_TIMEOUT)
    sim.add_node("cw", ConfigWriter, values=CONFIG_VALUES, every=40.0, session_timeout=SESSION_TIMEOUT)
    sim.add_node("cr", ConfigWatcher, session_timeout=SESSION_TIMEOUT)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for c in CLIENTS:
        if sim.status(c) == DOWN:
            sim.restart(c)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


# -- properties ---------------------------------------------------------------------------------------------


def mutual_exclusion(sim: Simulation) -> str | None:
    """No two clients hold the lock at once in the service's view (see the module doc)."""
    open_: dict[str, tuple[float, str]] = {}
    spans: list[tuple[float, float, str, str]] = []
    alive: set[str] = set()  # znodes that exist on the service now
    for r in sim.trace.notes():  # in time order
        d = r.detail
        if "created" in d:
            alive.add(d["created"])
        elif "deleted" in d:
            alive.discard(d["deleted"])
        if d.get("lock") == "acquired" and d["path"] in alive:  # else it concluded too late: an empty interval
            open_[d["path"]] = (r.time, r.node)
        elif d.get("lock") in ("released", "lost") or "deleted" in d:
            path = d["path"] if "lock" in d else d["deleted"]
            if path in open_:
                t, who = open_.pop(path)
                spans.append((t, r.time, path, who))
    spans += [(t, float("inf"), p, who) for p, (t, who) in open_.items()]
    spans.sort()
    for (a0, a1, ap, aw), (b0, b1, bp, bw) in zip(spans, spans[1:]):
        if b0 < a1:
            return (f"mutual exclusion broken: {bw} took the lock ({bp}) at t={b0:g} while {aw} held it ({ap}) "
                    f"from t={a0:g} to t={a1:g} in the service's view")
    return None


def watches_fired_once(sim: Simulation) -> str | None:
    seen: dict[int, float] = {}
    for r in sim.trace.notes(SERVER, "fired"):
        wid = r.detail["fired"]
        if wid in seen:
            return (f"one-shot watches broken: watch {wid} on {r.detail['path']} fired at t={seen[wid]:g} "
                    f"and again at t={r.time:g}")
        seen[wid] = r.time
    return None


def no_herd(sim: Simulation) -> str | None:
    counts = notifications_per_release(sim)
    worst = max(counts, default=0)
    return None if worst <= 1 else f"no herd broken: one release of the lock notified {worst} waiters"


def sequences_increase(sim: Simulation) -> str | None:
    last: dict[str, int] = {}
    for r in sim.trace.notes(SERVER, "created"):
        seq = r.detail["seq"]
        if seq is None:
            continue
        parent = r.detail["created"].rsplit("/", 1)[0] or "/"
        if parent in last and seq <= last[parent]:
            return (f"sequence numbers broken: {r.detail['created']} at t={r.time:g} reuses a number under "
                    f"{parent} (the last was {last[parent]})")
        last[parent] = seq
    return None


def ephemerals_gone(sim: Simulation) -> str | None:
    server = sim.node(SERVER)
    for sid in sorted(server.ended):
        left = server.tree.ephemerals_of(sid)
        if left:
            return f"ephemerals broken: session {sid} has ended but still owns {left}"
    return None


PROPERTIES: tuple[Callable[[Simulation], str | None], ...] = (
    mutual_exclusion, watches_fired_once, no_herd, sequences_increase, ephemerals_gone)


def coordination_invariant(sim: Simulation) -> str | None:
    """The first broken property of a finished run, in one line (None: all hold)."""
    for check in PROPERTIES:
        message = check(sim)
        if message is not None:
            return message
    return None


def coordination_progress(sim: Simulation) -> bool:
    """Every lock client finished its rounds and the reader saw the last configuration."""
    seen = sim.node("cr").seen
    return all(sim.node(c).done for c in LOCKERS) and bool(seen) and seen[-1][1] == CONFIG_VALUES[-1]


def _campaign(seeds: Sequence[int], variant: str, shrink_first: bool = False, max_shrink_runs: int = 200,
              on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    return fuzz(functools.partial(coordination_run, variant=variant), coordination_invariant, seeds=seeds,
                schedule=coordination_schedule, progress=coordination_progress, shrink_first=shrink_first,
                max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def fuzz_coordination(seeds: int | Iterable[int], *, variant: str = "correct", processes: int = 1,
                      shrink_first: bool = True, max_shrink_runs: int = 200,
                      on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds`` (an int N means 0..N-1); the first violation is shrunk."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if variant not in VARIANTS:
        raise ConfigError(f"unknown coordination variant {variant!r}; choose one of {list(VARIANTS)}")
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
    if processes == 1 or len(seed_list) < 2 * processes:
        return _campaign(seed_list, variant, shrink_first, max_shrink_runs, on_seed)
    report = fuzz_in_processes(functools.partial(_campaign, variant=variant), seed_list, processes, on_seed=on_seed)
    if shrink_first and report.violations:
        from dsworkbook.sim import Violation, shrink

        v = report.violations[0]
        shrunk = shrink(v.schedule, lambda s: coordination_invariant(coordination_run(v.seed, s, variant=variant))
                        is not None, max_runs=max_shrink_runs)
        report.violations[0] = Violation(v.seed, v.message, v.schedule, shrunk)
    return report


def _run(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
         on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_coordination(seeds, variant=variant, processes=processes, shrink_first=shrink_first,
                             max_shrink_runs=max_shrink_runs, on_seed=on_seed)


register_campaign(Campaign(
    "coordination", "a ZooKeeper-like service and its lock recipe (4 lockers, a config writer and reader; client "
    "pauses past the session timeout, crashes, partitions, clock faults): mutual exclusion in the service's view, "
    "one-shot watches, no herd, increasing sequence numbers, no ephemerals after expiry; progress: every round done "
    "and the last config seen", _run, tuple(VARIANTS), parallel=True))
