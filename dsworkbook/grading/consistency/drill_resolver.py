"""Exercise ``03-drill-resolver``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.checkers.history import from_sim_history
from dsworkbook.checkers.models import check_convergence, check_read_your_writes
from dsworkbook.checkers.replicas import Version, dominates, gossip_run
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.consistency._common import need_callable

UNIT_SEEDS = tuple(range(700, 740))
STORE_SEEDS = (1, 2, 3, 5, 9)
_NODES = ("r1", "r2", "r3")


def version_sets(seed: int) -> list[list[Version]]:
    """What replicas hold at a few moments of a random run: writes stamped with vector clocks, merged by gossip."""
    rng = random.Random(seed)
    clocks = {n: {} for n in _NODES}
    held: dict[str, dict[tuple[str, int], Version]] = {n: {} for n in _NODES}
    out = []
    for step in range(rng.randint(6, 16)):
        n = rng.choice(_NODES)
        if rng.random() < 0.55:
            clocks[n][n] = clocks[n].get(n, 0) + 1
            v = Version(f"{n}-{step}", tuple(sorted(clocks[n].items())), n)
            held[n][(n, clocks[n][n])] = v
        else:
            src = rng.choice([m for m in _NODES if m != n])
            held[n].update(held[src])
            for m, c in clocks[src].items():
                clocks[n][m] = max(clocks[n].get(m, 0), c)
        if len(held[n]) >= 2 and rng.random() < 0.4:
            out.append(list(held[n].values()))
    return out


def _unit_checks(resolve: Any) -> int:
    """First every set for a dominated winner (the seed notes' bug), then every set in other orders."""
    cases = [(f"a replica's versions (seed={seed})", seed, versions) for seed in UNIT_SEEDS
             for versions in version_sets(seed)]
    winners = []
    for case, _, versions in cases:
        got = attempt(resolve, list(versions), input=versions, case=case)
        if got not in versions:
            fail(case=case, input=versions, expected="one of the versions given", got=got,
                 hint="return one of the Version objects in the list")
        newer = [o for o in versions if dominates(o, got)]
        if newer:
            fail(case=case, input=versions, expected=f"a version no other dominates, not {got}", got=got,
                 hint=(f"{newer[0]} dominates it (its clock is >= in every entry): it is newer. Comparing "
                       "v.clock[v.node] compares counters of different nodes, which says nothing about order"))
        winners.append(got)
    for (case, seed, versions), got in zip(cases, winners):
        for k in range(3):
            shuffled = list(versions)
            random.Random(seed * 10 + k).shuffle(shuffled)
            again = attempt(resolve, shuffled, input=shuffled, case=case)
            if again != got:
                fail(case=case + ", in another order", input=shuffled, expected=got, got=again,
                     hint="every replica must pick the same winner whatever order it holds the versions in: "
                          "break ties between concurrent versions by something in the versions themselves")
    return len(cases)


def _store_checks(resolve: Any) -> int:
    ops = 0
    for seed in STORE_SEEDS:
        sim = gossip_run(seed, resolve=resolve, partition_until=300.0 if seed % 2 else 0.0)
        h = from_sim_history(sim.history)
        ops += len(h)
        case = f"the gossip store, seed={seed}" + (", r1 cut off until t=300" if seed % 2 else "")
        for check in (check_read_your_writes, check_convergence):
            r = check(h, "kv")
            if r.ok is not True:
                fail(case=case, input="3 replicas, sticky sessions, gossip every 20 ms",
                     expected=f"{r.level}", got=f"{r.verdict}: {r.reason}",
                     hint="a stale version won the resolve" if check is check_read_your_writes else
                          "replicas holding the same versions picked different winners")
    return ops


@exercise("03-drill-resolver", title="Drill: fix the seed notes' last-writer-wins resolver", theme="T03",
          concepts=("M03",), kind="drill")
def grade_drill_resolver(resolve: Any) -> str:
    """A function ``resolve(versions) -> Version`` that fixes :func:`dw.checkers.replicas.naive_resolve`.

    ``versions`` (a list of :class:`~dsworkbook.checkers.replicas.Version`, each with ``value``,
    ``clock`` - a tuple of ``(node, counter)`` pairs - and ``node``) are what one replica holds for
    one key. Return the winner: never a version that another one dominates
    (:func:`~dsworkbook.checkers.replicas.dominates`), and the same winner whatever the order of
    the list. Graded on the version sets of 40 seeded runs (each in three orders) and by running
    the gossip store with your resolver (seeds 1, 2, 3, 5, 9; some with a partition): every
    session must read its own writes and the replicas must converge.
    """
    need_callable(resolve, "function resolve(versions)")
    sets = _unit_checks(resolve)
    ops = _store_checks(resolve)
    return (f"{sets} version sets (seeds {UNIT_SEEDS[0]}-{UNIT_SEEDS[-1]}) resolved to an undominated version, the "
            f"same in any order; {ops} operations of store runs (seeds {STORE_SEEDS}): read-your-writes and "
            "convergence hold")
