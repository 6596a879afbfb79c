"""The ``queue`` campaign: exactly-once effects under consumer crashes, broker failover and lost acks (Q13).

Theory of operation
-------------------
One run (:func:`queue_run`) is the delivery lab of :mod:`.delivery`: a controller, three
brokers replicating one partition (``min.insync.replicas=2``), a producer of
:data:`MESSAGES` records, a consumer and its sink. The schedule (:func:`queue_schedule`) has,
during :data:`FAULT_PHASE` ms:

* consumer crashes with restarts (a third of them torn inside a handler);
* broker crashes with restarts, at most one broker down at a time - when it is the leader, the
  controller fails over to an ISR member;
* one-way cuts from a broker to the producer (an acknowledgement lost: the producer retries)
  and from a broker to a follower (the follower falls behind and may leave the ISR).

Then every fault ends and the run settles for :data:`SETTLE` ms. *Always*
(:func:`~dsworkbook.messaging.delivery.delivery_violation`): every acknowledged record's effect
is applied exactly once, none twice. *Sometimes*: every record was acknowledged and applied.

The variants (:data:`QUEUE_VARIANTS`) are the three guarantees - ``effectively-once`` is the
correct system, ``at-most-once`` must be caught losing and ``at-least-once`` duplicating - and
three classic bugs of the correct design.
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.delivery import (CONSUMER, GUARANTEES, PRODUCER, delivery_progress, delivery_sim,
                                           delivery_violation, effect_counts)
from dsworkbook.messaging.replication import CONTROLLER, broker_names
from dsworkbook.sim import DOWN, Cut, FaultSchedule, FuzzReport, Restore, Simulation, fuzz, shrink
from dsworkbook.sim.fuzz import Campaign, fuzz_in_processes, register_campaign

__all__ = ["lab_run", "delivery_table", "QUEUE_VARIANTS", "ALIASES", "MESSAGES", "FAULT_PHASE", "SETTLE", "variant_settings", "queue_schedule",
           "queue_run", "queue_progress", "fuzz_queue"]

#: variant -> (consumer mode, idempotent producer, acks, what it is)
QUEUE_VARIANTS: dict[str, tuple[str, bool, Any, str]] = {
    "correct": ("effectively-once", True, "all",
                "idempotent producer, acks=all; effect + offset + de-dup table in one sink transaction"),
    "at-most-once": ("at-most-once", True, "all", "the consumer commits its offset before the effect"),
    "at-least-once": ("at-least-once", True, "all", "the consumer applies the effect, then commits"),
    "volatile-dedup": ("volatile-dedup", True, "all", "the de-dup table lives in consumer memory, not with the effect"),
    "offset-only": ("offset-only", False, "all", "offset + effect in one transaction, de-dup by offset, plain producer"),
    "acks1": ("effectively-once", False, 1, "the correct consumer, but the producer uses acks=1"),
}
ALIASES = {"effectively-once": "correct"}
MESSAGES = 8
FAULT_PHASE = 600.0
SETTLE = 900.0
BROKERS = tuple(broker_names(3))


def variant_settings(variant: str) -> tuple[str, bool, Any]:
    """``(mode, idempotent, acks)`` of ``variant`` (aliases resolved)."""
    name = ALIASES.get(variant, variant) if isinstance(variant, str) else variant
    if name not in QUEUE_VARIANTS:
        raise ConfigError(f"unknown queue variant {variant!r}; choose one of {list(QUEUE_VARIANTS) + list(ALIASES)}")
    return QUEUE_VARIANTS[name][:3]


def queue_schedule(seed: int) -> FaultSchedule:
    """Consumer crashes, broker crashes (one down at a time) and one-way cuts, over :data:`FAULT_PHASE` ms."""
    rng = random.Random(f"queue:{seed}")
    sched = FaultSchedule.random(seed * 4 + 1, [CONSUMER], duration=FAULT_PHASE, faults=rng.randint(1, 3),
                                 kinds=("crash",), max_down=1)
    sched += FaultSchedule.random(seed * 4 + 2, list(BROKERS), duration=FAULT_PHASE, faults=rng.randint(0, 2),
                                  kinds=("crash",), max_down=1)
    cuts = []
    for _ in range(rng.randint(0, 3)):
        src = rng.choice(BROKERS)
        dst = rng.choice([PRODUCER] + [b for b in BROKERS if b != src])
        t0 = round(rng.uniform(0, FAULT_PHASE * 0.8), 1)
        cuts += [Cut(t0, src, dst), Restore(round(t0 + rng.uniform(20, 200), 1), src, dst)]
    return sched + cuts


def queue_run(seed: int, schedule: FaultSchedule, *, variant: str = "correct", trace: bool = False) -> Simulation:
    """One run: build the lab for ``variant``, apply ``schedule``, end every fault, settle."""
    mode, idempotent, acks = variant_settings(variant)
    return lab_run(seed, schedule, mode=mode, idempotent=idempotent, acks=acks, trace=trace)


def lab_run(seed: int, schedule: FaultSchedule, *, mode: str, idempotent: bool = True, acks: Any = "all",
            trace: bool = False) -> Simulation:
    """The delivery lab with any consumer mode and producer, under ``schedule``, then settled."""
    sim = delivery_sim(seed, mode=mode, idempotent=idempotent, acks=acks, messages=MESSAGES, trace=trace)
    schedule.apply_to(sim)
    sim.run(until=FAULT_PHASE)
    sim.net.heal()
    for node in sim.node_ids:
        if sim.status(node) == DOWN:
            sim.restart(node)
        sim.cancel_crash(node)
    sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def queue_progress(sim: Simulation) -> bool:
    return delivery_progress(sim, MESSAGES)


def _run(seed: int, schedule: FaultSchedule, *, variant: str) -> Simulation:
    return queue_run(seed, schedule, variant=variant)


def _chunk(seeds: list[int], *, variant: str) -> FuzzReport:
    return fuzz(functools.partial(_run, variant=variant), delivery_violation, seeds=seeds, schedule=queue_schedule,
                progress=queue_progress, shrink_first=False)


def fuzz_queue(seeds: Sequence[int], *, variant: str = "correct", processes: int = 1, shrink_first: bool = True,
               max_shrink_runs: int = 300, on_seed: Callable[[int, FuzzReport], None] | None = None) -> FuzzReport:
    """Run the campaign on ``seeds``; the first violation is shrunk and replays from its seed."""
    variant = ALIASES.get(variant, variant)
    variant_settings(variant)
    seeds = list(seeds)
    run = functools.partial(_run, variant=variant)
    if processes > 1 and len(seeds) > 1:
        report = fuzz_in_processes(functools.partial(_chunk, variant=variant), seeds, processes, on_seed=on_seed)
        first = report.first
        if first is not None and shrink_first:
            result = shrink(first.schedule, lambda s: delivery_violation(run(first.seed, s)) is not None,
                            max_runs=max_shrink_runs)
            report.violations[0] = type(first)(first.seed, first.message, first.schedule, result)
        return report
    return fuzz(run, delivery_violation, seeds=seeds, schedule=queue_schedule, progress=queue_progress,
                shrink_first=shrink_first, max_shrink_runs=max_shrink_runs, on_seed=on_seed)


def _campaign(seeds: Sequence[int], *, variant: str, processes: int, shrink_first: bool, max_shrink_runs: int,
              on_seed: Callable[[int, FuzzReport], None] | None, options: dict[str, Any]) -> FuzzReport:
    return fuzz_queue(seeds, variant=variant, processes=processes, shrink_first=shrink_first,
                      max_shrink_runs=max_shrink_runs, on_seed=on_seed)


if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def delivery_table(seeds: Iterable[int], modes: Sequence[str] = GUARANTEES,
                   producers: Sequence[bool] = (True, False)) -> "pd.DataFrame":
    """Lost and duplicated effects per consumer mode and producer kind, over the campaign's schedules.

    One row per (mode, idempotent producer): runs, runs that lost an acknowledged record's effect
    and how many effects were lost, runs that duplicated one and how many extra applications,
    plus how many runs had a leader failover and how many produce retries the producers made.
    """
    import pandas as pd

    seeds = list(seeds)
    rows = []
    for mode in modes:
        for idem in producers:
            row = {"mode": mode, "producer": "idempotent" if idem else "plain", "runs": 0, "runs_lost": 0,
                   "lost": 0, "runs_duplicated": 0, "duplicated": 0, "failovers": 0, "retries": 0}
            for seed in seeds:
                sim = lab_run(seed, queue_schedule(seed), mode=mode, idempotent=idem)
                c = effect_counts(sim)
                row["runs"] += 1
                row["runs_lost"] += bool(c["lost"])
                row["lost"] += len(c["lost"])
                row["runs_duplicated"] += bool(c["duplicated"])
                row["duplicated"] += c["extra"]
                row["failovers"] += sim.node(CONTROLLER).epoch > 1
                p = sim.node(PRODUCER)
                row["retries"] += p.attempts - len(p.acked)
            rows.append(row)
    return pd.DataFrame(rows)


register_campaign(Campaign(
    "queue", "every acknowledged record's effect applied exactly once, none twice (producer, 3 brokers with ISR "
    "failover, consumer, sink; consumer and broker crashes, lost acks, lagging followers); progress: every record "
    "acknowledged and applied", _campaign, tuple(QUEUE_VARIANTS), parallel=True, aliases=dict(ALIASES),
    variant_flag="--guarantee"))
