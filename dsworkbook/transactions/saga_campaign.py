"""The ``saga`` campaign: sagas under crashes, lost and duplicated messages.

Theory of operation
-------------------
One run (:func:`saga_run`) starts :data:`SAGAS` sagas of :data:`~dsworkbook.transactions.saga.DEFAULT_STEPS`
(create order, reserve stock, charge card; the last two fail with probability 0.3 each) during
:data:`FAULT_PHASE` ms of faults - crashes of any node (one in three tearing a handler between
its persist and its send), bursts of loss and duplication on top of a base duplication rate of
10% - then every node restarts and the system settles for :data:`SETTLE` ms.

* *always* (:func:`~dsworkbook.transactions.saga.saga_violation`): every saga is all applied or
  all compensated (each step's net effect 1, or each 0), compensations in reverse order
  (Garcia-Molina & Salem, "Sagas", 1987);
* *sometimes* (:func:`saga_progress`): every saga finished - nothing left to send - and at
  least one saga was applied and one compensated.

Variants (:data:`SAGA_VARIANTS`): ``correct`` (alias ``orchestration``), ``choreography``, and
the broken ``non-idempotent-compensation`` (a duplicated refund is paid twice) and
``forward-compensation`` (the orchestrator undoes T1 before T2).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, FaultSchedule, FuzzReport, Simulation, fuzz
from dsworkbook.sim.fuzz import Campaign, register_campaign
from dsworkbook.transactions.saga import DEFAULT_STEPS, saga_outcomes, saga_sim, saga_violation

__all__ = ["SAGA_VARIANTS", "SAGAS", "FAULT_PHASE", "SETTLE", "saga_variant", "saga_schedule", "saga_run",
           "saga_check", "saga_progress", "fuzz_saga"]

SAGA_VARIANTS: dict[str, str] = {
    "correct": "an orchestrated saga with a persisted saga log and idempotent steps and compensations",
    "choreography": "services pass events along the chain, each persisted and resent until acknowledged",
    "non-idempotent-compensation": "a compensation ignores its idempotency key: a duplicate refunds twice",
    "forward-compensation": "the orchestrator compensates the steps in forward order",
}
ALIASES = {"orchestration": "correct"}
SAGAS = 5
FAULT_PHASE = 1000.0
SETTLE = 1500.0
SERVICES = tuple(s.service for s in DEFAULT_STEPS)


def saga_variant(variant: str) -> str:
    """The variant's canonical name (aliases resolved, ``_`` read as ``-``); ConfigError if unknown."""
    name = variant.replace("_", "-") if isinstance(variant, str) else variant
    name = ALIASES.get(name, name)
    if name not in SAGA_VARIANTS:
        raise ConfigError(f"unknown saga variant {variant!r}; choose one of {list(SAGA_VARIANTS) + list(ALIASES)}")
    return name


def _ids() -> list[str]:
    return [f"s{i}" for i in range(1, SAGAS + 1)]


def saga_schedule(seed: int, *, variant: str = "correct") -> FaultSchedule:
    """The seed's faults: crashes (some torn) of any node and loss/duplication bursts."""
    nodes = SERVICES if saga_variant(variant) == "choreography" else ("orchestrator",) + SERVICES
    return FaultSchedule.random(seed, nodes, duration=FAULT_PHASE, faults=4, kinds=("crash", "crash", "network"),
                                max_down=2)


def saga_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", trace: bool = False) -> Simulation:
    """One run: build, apply ``schedule``, restart everything at :data:`FAULT_PHASE`, settle."""
    variant = saga_variant(variant)
    bug = variant.replace("-", "_") if variant not in ("correct", "choreography") else None
    sim = saga_sim(seed, sagas=SAGAS, fail_prob=0.3, choreography=variant == "choreography", bug=bug,
                   duplicate=0.1, trace=trace)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.configure(loss=0.0, duplicate=0.1)
    for node in sim.node_ids:
        sim.cancel_crash(node)
        if sim.status(node) == DOWN:
            sim.restart(node)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def saga_check(sim: Simulation) -> str | None:
    """The campaign's invariant: :func:`~dsworkbook.transactions.saga.saga_violation` on every saga."""
    return saga_violation(sim, _ids())


def saga_progress(sim: Simulation) -> bool:
    """Every saga finished (no command or event left to send), one applied and one compensated."""
    if "orchestrator" in sim.node_ids:
        logs = [sim.storage("orchestrator").get(f"saga/{s}", {}).get("phase") for s in _ids()]
        finished = all(p in ("completed", "compensated") for p in logs)
    else:
        finished = not any(k.startswith("owe/") and v is not None for n in SERVICES for k, v in sim.storage(n).items())
    outcomes = set(saga_outcomes(sim, _ids()).values())
    return finished and {"applied", "compensated"} <= outcomes


def _run(seed: int, schedule: FaultSchedule, *, variant: str) -> Simulation:
    return saga_run(seed, schedule, variant=variant)


def fuzz_saga(seeds: Sequence[int], *, variant: str = "correct", shrink_first: bool = True,
              max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds``; the first violation is shrunk."""
    variant = saga_variant(variant)
    return fuzz(functools.partial(_run, variant=variant), saga_check, seeds=list(seeds),
                schedule=functools.partial(saga_schedule, variant=variant), progress=saga_progress,
                shrink_first=shrink_first, max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def _campaign(seeds: Sequence[int], *, variant: str, processes: int = 1, shrink_first: bool = True,
              max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None,
              options: dict[str, Any] | None = None) -> FuzzReport:
    return fuzz_saga(seeds, variant=variant, shrink_first=shrink_first, max_shrink_runs=max_shrink_runs,
                     on_seed=on_seed)


register_campaign(Campaign(
    "saga", "every saga all applied or all compensated, compensations in reverse order (5 sagas of 3 steps; "
    "crashes, torn handlers, loss, duplicates); progress: every saga finished, one applied and one compensated",
    _campaign, tuple(SAGA_VARIANTS), aliases=dict(ALIASES)))
