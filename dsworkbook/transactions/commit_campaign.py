"""The ``commit`` campaign: 2PC, its classic bugs, and 3PC, on many seeds of crashes and partitions.

Theory of operation
-------------------
One run (:func:`commit_run`) has a coordinator ``tm`` and participants ``rm1..rm3`` running
:data:`TXNS` transactions one after another during :data:`FAULT_PHASE` ms of faults; then the
network heals, every crashed node restarts and the system settles for :data:`SETTLE` ms. The
always/sometimes pair (:func:`dsworkbook.sim.fuzz`):

* *always* (:func:`commit_violation`): **atomicity** - no transaction committed at one
  participant and aborted at another, no participant told the opposite of what it did, no commit
  without every participant's logged yes vote (TCConsistent of Gray & Lamport's TCommit, checked
  on the participants' durable state);
* *sometimes* (:func:`commit_progress`): at the end no participant is left prepared (uncertain,
  holding its lock) and at least one transaction committed.

Variants (:data:`COMMIT_VARIANTS`):

* ``correct`` (alias ``2pc``): :mod:`~dsworkbook.transactions.twophase` with its write-ahead
  logs; crash mix (crashes of any node, one in three tearing a handler between its effects).
  Expected: no violation; 2PC may block while the coordinator is down, and recovers when it
  restarts. The ``mix=partition`` option shows it stays safe under partitions too.
* ``no-wal``, ``vote-before-persist``, ``presumed-commit-on-timeout``: 2PC with one classic bug
  (see :mod:`~dsworkbook.transactions.twophase`), crash mix. Each breaks atomicity.
* ``3pc``: :mod:`~dsworkbook.transactions.threephase`, partition mix. Its termination protocol
  takes a silent node for a crashed one, so the two sides of a partition decide differently.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, FaultSchedule, FuzzReport, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign
from dsworkbook.transactions.threephase import three_pc_sim
from dsworkbook.transactions.twophase import commit_sim, participant_states

__all__ = ["COMMIT_VARIANTS", "MIXES", "FAULT_PHASE", "SETTLE", "TXNS", "PARTICIPANTS", "commit_variant",
           "commit_schedule", "commit_run", "commit_violation", "commit_progress", "fuzz_commit"]

COMMIT_VARIANTS: dict[str, str] = {
    "correct": "two-phase commit with write-ahead logs at the coordinator and every participant",
    "3pc": "three-phase commit with a termination protocol among participants (unsafe under partitions)",
    "no-wal": "the coordinator sends Commit without logging the decision first",
    "vote-before-persist": "a participant sends its yes vote before logging it",
    "presumed-commit-on-timeout": "an uncertain participant commits on its own after a timeout",
}
ALIASES = {"2pc": "correct"}
MIXES = ("own", "crash", "partition", "both")
FAULT_PHASE = 1200.0
SETTLE = 1500.0
TXNS = 4
PARTICIPANTS = ("rm1", "rm2", "rm3")
NODES = ("tm",) + PARTICIPANTS


def commit_variant(variant: str) -> str:
    """The variant's canonical name (aliases resolved, ``_`` read as ``-``); ConfigError if unknown."""
    name = variant.replace("_", "-") if isinstance(variant, str) else variant
    name = ALIASES.get(name, name)
    if name not in COMMIT_VARIANTS:
        raise ConfigError(f"unknown commit variant {variant!r}; choose one of {list(COMMIT_VARIANTS) + list(ALIASES)}")
    return name


def commit_schedule(seed: int, *, variant: str = "correct", mix: str = "own") -> FaultSchedule:
    """The seed's faults: crashes for 2PC and its bugs, partitions for 3PC (unless ``mix`` says otherwise)."""
    variant = commit_variant(variant)
    if mix not in MIXES:
        raise ConfigError(f"unknown fault mix {mix!r}; choose one of {list(MIXES)}")
    if mix == "own":
        mix = "partition" if variant == "3pc" else "crash"
    kinds = {"crash": ("crash",), "partition": ("partition",), "both": ("crash", "partition")}[mix]
    return FaultSchedule.random(seed, NODES, duration=FAULT_PHASE, faults=4, kinds=kinds, max_down=2)


def commit_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", trace: bool = False) -> Simulation:
    """One run: build, apply ``schedule``, heal and restart everything at :data:`FAULT_PHASE`, settle."""
    variant = commit_variant(variant)
    if variant == "3pc":
        sim = three_pc_sim(seed, participants=len(PARTICIPANTS), txns=TXNS, no_prob=0.1, trace=trace)
    else:
        bug = None if variant == "correct" else variant.replace("-", "_")
        sim = commit_sim(seed, participants=len(PARTICIPANTS), txns=TXNS, no_prob=0.1, bug=bug, trace=trace)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for node in sim.node_ids:
        sim.cancel_crash(node)
        if sim.status(node) == DOWN:
            sim.restart(node)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def _txns() -> list[str]:
    return [f"t{i}" for i in range(1, TXNS + 1)]


def commit_violation(sim: Simulation) -> str | None:
    """The first atomicity break among the participants' durable states, else None."""
    for txn in _txns():
        states = participant_states(sim, PARTICIPANTS, txn)
        committed = sorted(p for p, s in states.items() if s == "committed")
        aborted = sorted(p for p, s in states.items() if s == "aborted")
        if committed and aborted:
            return f"{txn}: committed at {committed} but aborted at {aborted}"
        for p in PARTICIPANTS:
            store = sim.storage(p)
            rec = store.get(f"txn/{txn}", {})
            told = rec.get("conflict") if isinstance(rec, dict) else store.get(f"conflict/{txn}")
            if told is not None:
                return f"{txn}: {p} is {states[p]} but was told {told}"
            if committed and isinstance(rec, dict) and "locked_at" not in rec:
                return f"{txn}: committed at {committed} without a logged yes vote from {p}"
    return None


def commit_progress(sim: Simulation) -> bool:
    """No participant is left uncertain (prepared or precommitted), and some transaction committed."""
    seen = [s for txn in _txns() for s in participant_states(sim, PARTICIPANTS, txn).values()]
    return "committed" in seen and not {"prepared", "precommitted"} & set(seen)


def _run(seed: int, schedule: FaultSchedule, *, variant: str) -> Simulation:
    return commit_run(seed, schedule, variant=variant)


def fuzz_commit(seeds: Sequence[int], *, variant: str = "correct", mix: str = "own", shrink_first: bool = True,
                max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds``; the first violation is shrunk (see the module docstring)."""
    variant = commit_variant(variant)
    commit_schedule(0, variant=variant, mix=mix)  # validates mix before any run
    return fuzz(functools.partial(_run, variant=variant), commit_violation, seeds=list(seeds),
                schedule=functools.partial(commit_schedule, variant=variant, mix=mix), progress=commit_progress,
                shrink_first=shrink_first, max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def _campaign(seeds: Sequence[int], *, variant: str, processes: int = 1, shrink_first: bool = True,
              max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: dict[str, Any] | None = None) -> FuzzReport:
    return fuzz_commit(seeds, variant=variant, mix=(options or {}).get("mix", "own"), shrink_first=shrink_first,
                       max_shrink_runs=max_shrink_runs, on_seed=on_seed)


register_campaign(Campaign(
    "commit", "atomicity: no transaction committed at one participant and aborted at another, no commit without "
    "every logged yes vote (coordinator + 3 participants, 4 transactions; crashes, torn handlers, partitions); "
    "progress: nobody left uncertain and something committed",
    _campaign, tuple(COMMIT_VARIANTS), options={"mix": MIXES}, aliases=dict(ALIASES)))
