"""The transactional outbox run end to end under seeded crashes, and its broken variants.

One run places ``orders`` orders (about one in ten with an amount the database's CHECK constraint
rejects, so some business transactions roll back), while a seeded scheduler interleaves the
producer, the relay and the consumer one step at a time. Crashes are injected at the named points
of :mod:`dsworkbook.transactions.outbox_parts` - either drawn from the seed (each visit of a point
crashes with probability ``crash_rate``, at most ``max_crashes`` times) or given exactly as a list
of :class:`CrashAt`. After the workload the crashes stop and every piece drains.

The same checks judge every variant (Richardson, microservices.io, "Pattern: Transactional outbox"
and "Pattern: Idempotent Consumer"):

* **lost** - a committed order whose effect the consumer never applied (must be 0);
* **phantom** - an effect applied for an order that is not in the producer's database (must be 0);
* **double applied** - an order whose effect was applied more than once (must be 0);
* *duplicates absorbed* - redeliveries the dedup table turned away: allowed, the price of
  at-least-once delivery.

:func:`outbox_sweep` returns one row per seed as a DataFrame; :func:`outbox_campaign` runs the
checks over many seeds, shrinks the first failing crash list by removing crashes one at a time and
ends with the campaign line ``NAME: N seeds, V violations, P/N made progress, first failing seed
S, shrunk to K faults``.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.outbox_parts import (CRASH_POINTS, Broker, Consumer, Crash, Producer, Relay)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OUTBOX_VARIANTS", "CrashAt", "OutboxRun", "run_outbox", "outbox_sweep", "outbox_campaign",
           "OutboxCampaign"]

#: variant name -> (producer mode, relay mode, consumer mode)
OUTBOX_VARIANTS: dict[str, tuple[str, str, str]] = {
    "outbox": ("outbox", "publish_then_mark", "idempotent"),
    "dual_write_commit_then_publish": ("commit_then_publish", "publish_then_mark", "idempotent"),
    "dual_write_publish_then_commit": ("publish_then_commit", "publish_then_mark", "idempotent"),
    "relay_marks_first": ("outbox", "mark_then_publish", "idempotent"),
    "consumer_not_idempotent": ("outbox", "publish_then_mark", "naive"),
}


@dataclass(frozen=True, slots=True, order=True)
class CrashAt:
    """Crash at the ``occurrence``-th visit (from 1) of crash point ``point``."""

    point: str
    occurrence: int


@dataclass
class OutboxRun:
    """What one run did and what the checks found."""

    seed: int
    variant: str
    crashes: list[CrashAt]
    committed: int = 0
    published: int = 0
    delivered: int = 0
    duplicates_absorbed: int = 0
    double_applied: int = 0
    lost: int = 0
    phantom: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def row(self) -> dict[str, object]:
        return {"seed": self.seed, "variant": self.variant, "crashes": len(self.crashes),
                "committed": self.committed, "published": self.published, "delivered": self.delivered,
                "duplicates_absorbed": self.duplicates_absorbed, "double_applied": self.double_applied,
                "lost": self.lost, "phantom": self.phantom}


def _modes(variant: str) -> tuple[str, str, str]:
    if variant not in OUTBOX_VARIANTS:
        raise ConfigError(f"unknown outbox variant {variant!r}; choose one of {sorted(OUTBOX_VARIANTS)}")
    return OUTBOX_VARIANTS[variant]


def _points(variant: str) -> tuple[str, ...]:
    return tuple(p for mode in _modes(variant) for p in CRASH_POINTS[mode])


class _Crasher:
    """Counts visits of each point and decides, from the plan or the seed, whether to crash there."""

    def __init__(self, plan: list[CrashAt] | None, rng: random.Random, rate: float, limit: int) -> None:
        self.plan = None if plan is None else set(plan)
        self.rng, self.rate, self.limit = rng, rate, limit
        self.visits: dict[str, int] = {}
        self.fired: list[CrashAt] = []
        self.armed = True

    def __call__(self, point: str) -> None:
        n = self.visits[point] = self.visits.get(point, 0) + 1
        if not self.armed:
            return
        here = CrashAt(point, n)
        if self.plan is not None:
            crash = here in self.plan
        else:
            crash = len(self.fired) < self.limit and self.rng.random() < self.rate
        if crash:
            self.fired.append(here)
            raise Crash(point)


def _check_args(orders: int, crash_rate: float, max_crashes: int) -> None:
    if not isinstance(orders, int) or isinstance(orders, bool) or orders < 1:
        raise ConfigError(f"orders must be a whole number >= 1, got {orders!r}")
    if not 0.0 <= crash_rate <= 1.0:
        raise ConfigError(f"crash_rate is a probability in [0, 1], got {crash_rate!r}")
    if not isinstance(max_crashes, int) or max_crashes < 0:
        raise ConfigError(f"max_crashes must be a whole number >= 0, got {max_crashes!r}")


def _check_plan(plan: list[CrashAt], variant: str) -> None:
    points = _points(variant)
    for c in plan:
        if not isinstance(c, CrashAt):
            raise ConfigError(f"crashes must be CrashAt(point, occurrence) values, got {c!r}")
        if c.point not in points:
            raise ConfigError(f"crash point {c.point!r} is not a step of variant {variant!r}; "
                              f"its crash points are {list(points)}")
        if not isinstance(c.occurrence, int) or c.occurrence < 1:
            raise ConfigError(f"{c}: occurrence counts visits from 1, got {c.occurrence!r}")


def run_outbox(seed: int, *, variant: str = "outbox", orders: int = 20, crash_rate: float = 0.15,
               max_crashes: int = 4, crashes: list[CrashAt] | None = None, strict: bool = True) -> OutboxRun:
    """One seeded run of ``variant``; ``crashes`` replaces the seeded crashes with an exact list.

    With ``strict`` an exact crash that the run never reached raises ConfigError (it lies outside
    the steps the run took); shrinking passes ``strict=False``.
    """
    producer_mode, relay_mode, consumer_mode = _modes(variant)
    _check_args(orders, crash_rate, max_crashes)
    if crashes is not None:
        _check_plan(crashes, variant)
    rng = random.Random(seed)
    workload = [(i, rng.randint(1, 100) if rng.random() >= 0.1 else 0) for i in range(1, orders + 1)]
    crasher = _Crasher(crashes, random.Random(f"crash/{seed}"), crash_rate, max_crashes)
    with tempfile.TemporaryDirectory(prefix="dsw-outbox-") as tmp:
        broker = Broker()
        producer = Producer(Path(tmp) / "orders.db", broker, crasher, producer_mode)
        relay = Relay(Path(tmp) / "orders.db", broker, crasher, relay_mode)
        consumer = Consumer(Path(tmp) / "shipping.db", broker, crasher, consumer_mode)
        try:
            _drive(rng, workload, producer, relay, consumer, crasher)
            result = _judge(seed, variant, crasher.fired, producer, consumer, broker)
        finally:
            for piece in (producer, relay, consumer):
                piece.conn.close()
    if strict and crashes is not None:
        missed = sorted(set(crashes) - set(crasher.fired))
        if missed:
            raise ConfigError(f"crash {missed[0]} lies outside the run: point {missed[0].point!r} was visited "
                              f"{crasher.visits.get(missed[0].point, 0)} times; pick an occurrence within that")
    return result


def _drive(rng: random.Random, workload: list[tuple[int, int]], producer: Producer, relay: Relay,
           consumer: Consumer, crasher: _Crasher) -> None:
    pending = list(workload)
    while pending:
        actor = rng.choice(("producer", "producer", "relay", "consumer"))
        try:
            if actor == "producer":
                order_id, amount = pending[0]
                producer.place(order_id, amount)
                pending.pop(0)          # a crashed client does not retry: its order may or may not exist
            elif actor == "relay":
                relay.step()
            else:
                consumer.step()
        except Crash:
            {"producer": producer, "relay": relay, "consumer": consumer}[actor].crash()
            if actor == "producer":
                pending.pop(0)
    crasher.armed = False               # the faults stop; everything drains
    while relay.step():
        pass
    while consumer.step():
        pass


def _judge(seed: int, variant: str, fired: list[CrashAt], producer: Producer, consumer: Consumer,
           broker: Broker) -> OutboxRun:
    committed = producer.committed_orders()
    applied = consumer.shipments()
    run = OutboxRun(seed, variant, list(fired), committed=len(committed), published=len(broker.log),
                    delivered=consumer.delivered, duplicates_absorbed=consumer.absorbed)
    run.lost = len(committed - set(applied))
    run.phantom = len(set(applied) - committed)
    run.double_applied = sum(1 for n in applied.values() if n > 1)
    for name in ("lost", "phantom", "double_applied"):
        if getattr(run, name):
            example = sorted(committed - set(applied) if name == "lost" else set(applied) - committed
                             if name == "phantom" else [o for o, n in applied.items() if n > 1])[0]
            run.violations.append(f"{getattr(run, name)} {name.replace('_', ' ')} (e.g. order {example})")
    return run


def outbox_sweep(seeds: range | list[int] = range(50), *, variant: str = "outbox",
                 **options: object) -> pd.DataFrame:
    """One row per seed: crashes, committed, published, delivered, duplicates absorbed, double applied,
    lost, phantom."""
    import pandas as pd

    return pd.DataFrame([run_outbox(s, variant=variant, **options).row() for s in seeds])  # type: ignore[arg-type]


@dataclass
class OutboxCampaign:
    """A campaign's verdict; ``line`` is the one-line summary every campaign ends with."""

    name: str
    seeds: int
    failing: list[int]
    progress: int
    first_message: str | None
    shrunk: list[CrashAt] | None

    @property
    def line(self) -> str:
        first = "-" if not self.failing else str(self.failing[0])
        shrunk = "-" if self.shrunk is None else str(len(self.shrunk))
        return (f"{self.name}: {self.seeds} seeds, {len(self.failing)} violations, {self.progress}/{self.seeds} "
                f"made progress, first failing seed {first}, shrunk to {shrunk} faults")


def _shrink(seed: int, variant: str, plan: list[CrashAt], options: dict[str, object]) -> list[CrashAt]:
    """Drop crashes one at a time while the run still fails; the result replays with ``crashes=``."""
    plan = sorted(plan)
    changed = True
    while changed:
        changed = False
        for i in range(len(plan)):
            trial = plan[:i] + plan[i + 1:]
            if not run_outbox(seed, variant=variant, crashes=trial, strict=False, **options).ok:  # type: ignore[arg-type]
                plan, changed = trial, True
                break
    return plan


def outbox_campaign(variant: str = "outbox", seeds: range | list[int] = range(100),
                    **options: object) -> OutboxCampaign:
    """Run the checks over ``seeds``; progress = every committed order's effect was applied."""
    failing, progress, first, shrunk = [], 0, None, None
    for seed in seeds:
        run = run_outbox(seed, variant=variant, **options)  # type: ignore[arg-type]
        progress += run.committed > 0 and run.lost == 0
        if not run.ok:
            if not failing:
                first = run.violations[0]
                shrunk = _shrink(seed, variant, run.crashes, options)
            failing.append(seed)
    return OutboxCampaign(f"outbox[{variant}]", len(list(seeds)), failing, progress, first, shrunk)
