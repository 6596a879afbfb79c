"""An event budget shared by every simulation run while it is active, and what a runaway run grew.

Theory of operation
-------------------
A check that runs a learner's node inside the simulator must end even when the node floods the
network (a merge that doubles its siblings on every gossip, a leader that answers each
heartbeat with ten). :func:`event_budget` opens a budget of events; while it is open, every
:meth:`Simulation.run <dsworkbook.sim.kernel.Simulation.run>` takes its events from it, and the
run that empties it stops with :class:`~dsworkbook.errors.OutOfBudget`, whose message says what
grew: events processed, events still pending, and the message types sent most often.

The kernel also notes which simulation is running (:func:`running`), so a time limit that fires
in the middle of a run can say the same. Nothing here costs anything when no budget is open:
the kernel reads one module attribute per ``run()`` call, not per event.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.sim.kernel import Simulation

__all__ = ["EventBudget", "event_budget", "active", "running", "describe_growth"]


class EventBudget:
    """How many simulation events the runs inside a ``with event_budget(n):`` block may process."""

    __slots__ = ("total", "left")

    def __init__(self, events: int) -> None:
        if isinstance(events, bool) or not isinstance(events, int) or events <= 0:
            raise ConfigError(f"an event budget must be a positive int, got {events!r}")
        self.total = events
        self.left = events

    @property
    def used(self) -> int:
        return self.total - self.left

    def __repr__(self) -> str:
        return f"EventBudget({self.used:,} of {self.total:,} events used)"


class _State:
    budget: EventBudget | None = None
    sim: "Simulation | None" = None


def active() -> EventBudget | None:
    """The open budget, if any."""
    return _State.budget


def running() -> "Simulation | None":
    """The simulation whose ``run()`` is executing right now, if any."""
    return _State.sim


def _set_running(sim: "Simulation | None") -> "Simulation | None":
    previous, _State.sim = _State.sim, sim
    return previous


@contextmanager
def event_budget(events: int) -> Iterator[EventBudget]:
    """Open a budget of ``events`` for every simulation run inside the block (blocks nest)."""
    budget = EventBudget(events)
    outer, _State.budget = _State.budget, budget
    try:
        yield budget
    finally:
        _State.budget = outer
        if outer is not None:
            outer.left -= budget.used


def describe_growth(sim: "Simulation", *, top: int = 3) -> str:
    """What a run has done so far, in one sentence a learner can act on."""
    sent: Counter[str] = Counter()
    for rec in sim.trace.records:
        if rec[1] == "send":
            sent[type(rec[5]).__name__] += 1
    pending: Counter[str] = Counter()
    for event in sim._heap:
        pending[_event_kind(event)] += 1
    parts = [f"the simulation (seed {sim.seed}) had processed {sim.steps:,} events by t={sim.now:g} ms "
             f"with {len(sim._heap):,} still pending"]
    if pending:
        parts.append("pending: " + ", ".join(f"{n:,} {k}" for k, n in pending.most_common(top)))
    if sent:
        parts.append("messages sent most: " + ", ".join(f"{k} x{n:,}" for k, n in sent.most_common(top)))
    return "; ".join(parts)


def _event_kind(event: tuple[Any, ...]) -> str:
    kind = event[2]
    if kind == 0:
        return f"{type(event[5]).__name__} deliveries"
    if kind == 1:
        return "timers"
    return "scheduled calls"
