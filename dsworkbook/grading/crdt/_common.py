"""Helpers shared by the T05 graders: run a learner's merge through the laws and the simulator."""

from __future__ import annotations

import random
from typing import Any, Callable, Iterable

from dsworkbook.crdt.laws import LAW_STATEMENTS, check_laws, check_monotonic
from dsworkbook.crdt.replication import convergence_problem, run_replicas
from dsworkbook.crdt.workloads import ReplicatedType, Run, random_run
from dsworkbook.grading.core import attempt, fail, in_simulation
from dsworkbook.grading.core import need_callable as need_callable  # re-exported for this theme's graders
from dsworkbook.sim import FaultSchedule, Simulation

#: The faults a grader's replicas run under: partitions and one-way cuts, loss and duplication
#: bursts, crashes (state is persisted) and pauses.
GRADER_FAULTS = ("partition", "cut", "network", "crash", "pause")
REPLICAS = ("A", "B", "C")




def guarded(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` with a learner's crash turned into a WrongAnswer that names the call (see core.attempt)."""

    def call(*args: Any) -> Any:
        shown = ", ".join(repr(a) for a in args)
        return attempt(fn, *args, input=f"{name}({shown})", case=f"the call {name}(...)")

    return call


def schedule_for(seed: int, duration: float = 1000.0) -> FaultSchedule:
    return FaultSchedule.random(seed, list(REPLICAS), duration=duration, faults=3, kinds=GRADER_FAULTS, max_down=1)


def run_in_sim(kind: ReplicatedType, seed: int, **kwargs: Any) -> Simulation:
    """Run three replicas of ``kind``; a stub raising inside a node means "not attempted"."""
    with in_simulation(case=f"three replicas gossiping in the simulator (seed={seed})", input=f"seed={seed}",
                       hint="your code raised inside a replica; the message names the exception"):
        return run_replicas(kind, seed, replicas=REPLICAS, **kwargs)
    raise AssertionError("unreachable")  # pragma: no cover


def check_sim_convergence(kind: ReplicatedType, seeds: Iterable[int], *, hint: str,
                          extra: Callable[[Simulation], str | None] | None = None, **kwargs: Any) -> int:
    """Three replicas per seed under a random fault schedule must converge to the specified value.

    Returns how many updates the replicas made in all; the first bad seed fails the check.
    """
    updates = 0
    for seed in seeds:
        schedule = schedule_for(seed)
        sim = run_in_sim(kind, seed, schedule=schedule, **kwargs)
        problem = convergence_problem(sim) or (extra(sim) if extra is not None else None)
        if problem is not None:
            fail(case=f"three replicas gossiping under faults (simulation seed={seed})",
                 input=f"each replica makes 10 updates; faults:\n{schedule.describe()}",
                 expected="after healing: equal states on every replica, whose value reflects every update",
                 got=problem, hint=hint)
        updates += len(sim.trace.notes(key="update"))
    return updates


def check_learner_laws(kind: ReplicatedType, *, seed: int, runs: int, hints: dict[str, str],
                       steps: int = 10) -> int:
    """Check the merge laws (and, with ``kind.leq``, monotonic updates) on random histories; returns cases."""
    rng = random.Random(seed)
    cases = 0
    for i in range(runs):
        run: Run = random_run(kind, rng, steps=steps)
        sample = run.states if len(run.states) <= 4 else rng.sample(run.states, 4)
        found = check_laws(kind.merge, sample, leq=kind.leq, eq=kind.equal)
        if kind.leq is not None:
            for before, after in run.updates:
                found += check_monotonic(lambda s, after=after: after, [before], leq=kind.leq)
        cases += len(sample) ** 3
        if found:
            v = found[0]
            fail(case=f"the law '{v.law}' on the states of random history {i} (seed {seed})",
                 input=", ".join(f"{'abc'[k]}={s!r}" for k, s in enumerate(v.states[:3])),
                 expected=LAW_STATEMENTS[v.law],
                 got=f"{v.left!r} vs {v.right!r}", hint=hints.get(v.law, "a merge must be a least upper bound"))
    return cases
