"""Helpers shared by the T05 graders: laws said in words, size guards, the laws and the simulator.

Theory of operation
-------------------
Every merge a learner writes is checked the same four ways, in this order, so the first
failure is the most pointed one:

1. hand-written cases with a hint per mistake;
2. *differential* cases drawn by :func:`dsworkbook.grading.core.random_cases` over the whole
   domain and its boundaries (ties, ``"r9"`` against ``"r10"``, zero entries, empty states, many
   replicas), compared with the reference in both argument orders;
3. the CRDT laws on the states of random replicated histories (:func:`check_learner_laws`); a
   broken law is reported in words - ``merge(a, b) gave X but merge(b, a) gave Y``
   (:func:`say_law`);
4. three replicas gossiping in the simulator under partitions, loss, duplication, crashes and
   pauses (:func:`check_sim_convergence`).

A merge that keeps copies would make the replicas' states - and the check - grow without
bound, so each grader's wrapper compares the size of what came back with the sizes that went
in and fails at once with a message that says what grew (:func:`too_big`).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Iterable, NoReturn

from dsworkbook.crdt.laws import LAW_STATEMENTS, LawViolation, check_laws, check_monotonic
from dsworkbook.crdt.replication import convergence_problem, run_replicas
from dsworkbook.crdt.workloads import ReplicatedType, Run, random_run
from dsworkbook.grading.core import attempt, fail, in_simulation
from dsworkbook.grading.core import need_callable as need_callable  # re-exported for this theme's graders
from dsworkbook.sim import FaultSchedule, Simulation

__all__ = ["GRADER_FAULTS", "REPLICAS", "guarded", "say_law", "too_big", "unchanged", "schedule_for", "run_in_sim",
           "check_sim_convergence", "check_learner_laws", "need_callable"]

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


def say_law(v: LawViolation, name: str = "merge") -> str:
    """A broken law in words, with the learner's function name: ``merge(a, b) gave X but merge(b, a) gave Y``."""
    m = name
    if v.law == "commutative":
        return f"{m}(a, b) gave {v.left!r} but {m}(b, a) gave {v.right!r}"
    if v.law == "associative":
        return f"{m}({m}(a, b), c) gave {v.left!r} but {m}(a, {m}(b, c)) gave {v.right!r}"
    if v.law == "idempotent":
        return f"{m}(a, a) gave {v.left!r} instead of a itself, {v.right!r}"
    if v.law == "upper bound":
        return f"{m}(a, b) gave {v.left!r}, which has forgotten something that a or b knew"
    if v.law == "order agrees":
        return f"{v.left}, but {v.right}: the merge and the order disagree"
    if v.law == "monotonic":
        return f"an update turned {v.left!r} into {v.right!r}, which knows less than before"
    return v.describe()


def too_big(name: str, args: tuple, out: Any, *, got: int, limit: int, what: str, hint: str) -> NoReturn:
    """Fail at once on a result that grew: ``name(a, b)`` returned ``got`` ``what`` where at most ``limit`` fit."""
    sizes = " and ".join(str(n) for n in (len(a) for a in args if hasattr(a, "__len__")))
    fail(case=f"the size of what {name}(...) returned", input=args,
         expected=f"at most {limit} {what} (the inputs hold {sizes})",
         got=f"{name} returned {got:,} {what} from inputs of {sizes}: {out!r}", hint=hint)
    raise AssertionError("unreachable")  # pragma: no cover


def unchanged(name: str, which: str, before: Any, after: Any, args: tuple) -> None:
    """Fail when the learner's function changed one of its arguments (a state another replica still holds)."""
    if before != after:
        fail(case=f"{name}(...) changed its argument {which}", input=args,
             expected=f"{which} left as it was: {before!r}", got=f"{which} is now {after!r}",
             hint=f"do not change {which}: it is a state another replica (or a message) still holds; "
                  "build the result as a new value")


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
                       name: str = "merge", steps: int = 10, replicas: tuple[str, ...] = REPLICAS) -> int:
    """Check the merge laws (and, with ``kind.leq``, monotonic updates) on random histories; returns cases.

    A violation is reported in words with the learner's function ``name``.
    """
    rng = random.Random(seed)
    cases = 0
    for i in range(runs):
        run: Run = random_run(kind, rng, steps=steps, replicas=replicas)
        sample = run.states if len(run.states) <= 4 else rng.sample(run.states, 4)
        found = check_laws(kind.merge, sample, leq=kind.leq, eq=kind.equal)
        if kind.leq is not None:
            for before, after in run.updates:
                found += check_monotonic(lambda s, after=after: after, [before], leq=kind.leq)
        cases += len(sample) ** 3
        if found:
            v = found[0]
            fail(case=f"the law '{v.law}' on the states of random history {i} of {runs} (seed {seed})",
                 input=", ".join(f"{'abc'[k]}={s!r}" for k, s in enumerate(v.states[:3])),
                 expected=LAW_STATEMENTS[v.law], got=say_law(v, name),
                 hint=hints.get(v.law, "a merge must be a least upper bound"))
    return cases
