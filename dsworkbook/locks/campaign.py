"""The ``locks`` campaign: lease locks on many seeds of pauses, clock faults, delays and crashes.

Theory of operation
-------------------
One run (:func:`locks_run`) has three clients doing four rounds each of Kleppmann's critical
section (acquire, read the storage, work, write back, release; :mod:`~dsworkbook.locks.client`)
against five Redlock servers (``servers=1``: one lock server), for :data:`FAULT_PHASE` ms of
faults and :data:`SETTLE` ms without. The checks, the always/sometimes pair of
:func:`dsworkbook.sim.fuzz`:

* *always* (:func:`locks_violation`): **no stale write accepted** - the storage never accepts a
  write whose value lacks an entry it accepted earlier, i.e. a write from a client whose lock
  expired or was taken over and a newer holder wrote in between (defined precisely in
  :mod:`~dsworkbook.locks.fencing`); for fenced storage, accepted tokens never decrease;
* *sometimes* (:func:`locks_progress`): every client got at least one write accepted.

Variants (:data:`LOCK_VARIANTS`), each with the fault mix that shows what it claims:

* ``correct`` (alias ``fenced``): fencing tokens from a counter in a Raft-replicated store
  (three token servers), fenced storage. Full mix (:func:`locks_schedule`): client pauses of
  up to 150 ms (the lease is 100 ms), clock jumps of up to 75 ms and drift of up to 5% on lock
  servers, crashes of lock servers and of one token server, and slow client-to-storage links
  (a write spends 50-250 ms in the network). Expected: no stale write ever accepted.
* ``unfenced``: the plain Redlock protocol, same full mix. Kleppmann's three failures appear
  and are caught.
* ``no_owner_check``, ``auto_release``, ``loose_majority``: unfenced locks with one bug from the
  workbook's source notes - release without comparing the value (a client's clean-up after a
  failed attempt deletes the winner's keys), a timer that frees whatever lock the client holds
  ``ttl`` ms after an earlier acquisition, and a quorum of ``N // 2``. They run under the
  **benign** mix - lock-server crashes only, with the Redis docs' delayed restart - under which
  plain unfenced Redlock is safe (``unfenced`` with ``mix="benign"`` finds nothing), so what is
  caught is the bug and not a timing failure. (With fencing on, the storage would mask all
  three: that is what fencing is for.)

The first violation is shrunk with :func:`dsworkbook.sim.shrink` and replays from its seed.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.locks.fencing import Storage, stale_writes
from dsworkbook.locks.scenarios import RAFT_TOKEN_SERVERS, STORAGE, lock_sim, server_names
from dsworkbook.sim import DOWN, Fault, FaultSchedule, FuzzReport, Simulation, fuzz, shrink
from dsworkbook.sim.fuzz import Campaign, fuzz_in_processes, register_campaign

__all__ = ["LOCK_VARIANTS", "MIXES", "FAULT_PHASE", "SETTLE", "CLIENTS", "ROUNDS", "TTL", "SlowLink",
           "variant_config", "locks_schedule", "locks_run", "locks_violation", "locks_progress", "fuzz_locks"]

LOCK_VARIANTS: dict[str, str] = {
    "correct": "fencing tokens from a Raft-replicated counter; the storage rejects older tokens",
    "unfenced": "plain Redlock (or one lock server): nothing stops a holder whose lease ran out",
    "no_owner_check": "release and extend delete or extend the key without comparing its value",
    "auto_release": "a timer set at each acquisition releases the lock held ttl ms later, even a newer one",
    "loose_majority": "Redlock counts N // 2 grants as a majority",
}
ALIASES = {"fenced": "correct"}
MIXES = ("full", "benign")
FAULT_PHASE = 1500.0
SETTLE = 600.0
CLIENTS = 3
ROUNDS = 4
TTL = 100.0
LATENCY = (1.0, 10.0)


def client_names() -> list[str]:
    return [f"c{i}" for i in range(1, CLIENTS + 1)]


@dataclass(frozen=True)
class SlowLink(Fault):
    """From ``at``, messages on ``src -> dst`` take ``latency`` ms (None: back to the network's default)."""

    src: str
    dst: str
    latency: float | None = None

    def nodes(self) -> tuple[str, ...]:
        return (self.src, self.dst)

    def apply(self, sim: Simulation) -> None:
        sim.net.set_link(self.src, self.dst, latency=self.latency if self.latency is not None else sim.net.default.latency)

    def milder(self) -> list[Fault]:
        return [SlowLink(self.at, self.src, self.dst, round(self.latency / 2, 1))] \
            if self.latency is not None and self.latency > 20 else []


def variant_config(variant: str) -> dict[str, Any]:
    """The variant's name (aliases resolved), the system's switches and its default fault mix."""
    name = ALIASES.get(variant.replace("-", "_"), variant.replace("-", "_")) if isinstance(variant, str) else variant
    if name not in LOCK_VARIANTS:
        raise ConfigError(f"unknown locks variant {variant!r}; choose one of {list(LOCK_VARIANTS) + list(ALIASES)}")
    return {"name": name, "fenced": name == "correct", "check_owner": name != "no_owner_check",
            "auto_release": name == "auto_release", "loose": name == "loose_majority",
            "mix": "full" if name in ("correct", "unfenced") else "benign"}


def locks_schedule(seed: int, *, variant: str = "correct", servers: int = 5, mix: str | None = None) -> FaultSchedule:
    """The seed's fault schedule for ``variant`` (its own mix unless ``mix`` says otherwise)."""
    cfg = variant_config(variant)
    mix = cfg["mix"] if mix is None else mix
    if mix not in MIXES:
        raise ConfigError(f"unknown fault mix {mix!r}; choose one of {list(MIXES)}")
    names = server_names(servers)
    down = None if servers > 1 else 1
    if mix == "benign":
        return FaultSchedule.random(seed * 8 + 1, names, duration=FAULT_PHASE, faults=3, kinds=("crash",),
                                    max_down=down)
    sched = FaultSchedule.random(seed * 8 + 2, client_names(), duration=FAULT_PHASE, faults=2, kinds=("pause",))
    sched += FaultSchedule.random(seed * 8 + 3, names, duration=FAULT_PHASE, faults=3, kinds=("crash", "clock"),
                                  max_down=down)
    if cfg["fenced"]:
        sched += FaultSchedule.random(seed * 8 + 4, RAFT_TOKEN_SERVERS, duration=FAULT_PHASE, faults=1,
                                      kinds=("crash",))
    rng = random.Random(seed * 8 + 5)
    client = rng.choice(client_names())
    t0 = round(rng.uniform(0, FAULT_PHASE * 0.8), 1)
    t1 = round(t0 + rng.uniform(20, 150), 1)
    return sched + [SlowLink(t0, client, STORAGE, round(rng.uniform(50, 250), 1)), SlowLink(t1, client, STORAGE)]


def locks_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", servers: int = 5,
              trace: bool = False, storage: type[Storage] = Storage) -> Simulation:
    """One run: build the system, apply ``schedule``, end every fault at :data:`FAULT_PHASE`, settle.

    ``storage`` is the storage's class (an exercise swaps in a learner's)."""
    cfg = variant_config(variant)
    if cfg["loose"] and servers < 2:
        raise ConfigError("loose_majority needs several lock servers (N // 2 of one server is zero); use servers >= 3")
    quorum = servers // 2 if cfg["loose"] else None
    clients = [dict(rounds=ROUNDS, auto_release=cfg["auto_release"], start_at=float(10 * i)) for i in range(CLIENTS)]
    sim = lock_sim(seed, servers=servers, clients=clients, fenced=cfg["fenced"], ttl=TTL,
                   check_owner=cfg["check_owner"], quorum=quorum, latency=LATENCY, trace=trace, storage=storage)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for node in sim.node_ids:
        if sim.status(node) == DOWN:
            sim.restart(node)
        sim.cancel_crash(node)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def locks_violation(sim: Simulation) -> str | None:
    """The first stale write the storage accepted (or a decreasing token), else None."""
    store = sim.node(STORAGE)
    problems = stale_writes(store.accepted, fenced=store.fenced)
    return problems[0] if problems else None


def locks_progress(sim: Simulation) -> bool:
    """Every client got at least one write accepted."""
    writers = {w.writer for w in sim.node(STORAGE).accepted}
    return set(client_names()) <= writers


def _check_servers(servers: Any) -> int:
    servers = int(servers) if isinstance(servers, str) and servers.isdigit() else servers
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ConfigError(f"servers must be an int >= 1 (1: one lock server, 5: Redlock), got {servers!r}")
    return servers


def _chunk(seeds: list[int], *, variant: str, servers: int, mix: str | None) -> FuzzReport:
    return fuzz(functools.partial(_run, variant=variant, servers=servers), locks_violation, seeds=seeds,
                schedule=functools.partial(locks_schedule, variant=variant, servers=servers, mix=mix),
                progress=locks_progress, shrink_first=False)


def _run(seed: int, schedule: FaultSchedule, *, variant: str, servers: int) -> Simulation:
    return locks_run(seed, schedule, variant=variant, servers=servers)


def fuzz_locks(seeds: Sequence[int], *, variant: str = "correct", servers: int = 5, mix: str | None = None,
               processes: int = 1, shrink_first: bool = True, max_shrink_runs: int = 300,
               on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds``; the first violation is shrunk (see the module docstring)."""
    variant = variant_config(variant)["name"]
    servers = _check_servers(servers)
    seeds = list(seeds)
    run = functools.partial(_run, variant=variant, servers=servers)
    if processes > 1 and len(seeds) > 1:
        report = fuzz_in_processes(functools.partial(_chunk, variant=variant, servers=servers, mix=mix), seeds,
                                   processes, on_seed=on_seed)
        first = report.first
        if first is not None and shrink_first:
            result = shrink(first.schedule, lambda s: locks_violation(run(first.seed, s)) is not None,
                            max_runs=max_shrink_runs)
            report.violations[0] = type(first)(first.seed, first.message, first.schedule, result)
        return report
    return fuzz(run, locks_violation, seeds=seeds,
                schedule=functools.partial(locks_schedule, variant=variant, servers=servers, mix=mix),
                progress=locks_progress, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def _campaign(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
              on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_locks(seeds, variant=variant, servers=_check_servers(options.get("servers", "5")),
                      mix=None if options.get("mix", "own") == "own" else options["mix"], processes=processes,
                      shrink_first=shrink_first, max_shrink_runs=max_shrink_runs, on_seed=on_seed)


register_campaign(Campaign(
    "locks", "no stale write accepted by the storage (a write from a client whose lease ran out, after a newer "
    "holder wrote), accepted fencing tokens never decrease (3 clients, 5 Redlock servers or 1 lock server; pauses, "
    "clock jumps and drift, slow links, crashes); progress: every client wrote",
    _campaign, tuple(LOCK_VARIANTS), options={"servers": ("5", "1", "3"), "mix": ("own", "full", "benign")},
    parallel=True, aliases=dict(ALIASES)))
