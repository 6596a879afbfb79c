"""Exercise ``03-drill-resolver``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.checkers.history import from_sim_history
from dsworkbook.checkers.models import check_convergence, check_read_your_writes
from dsworkbook.checkers.replicas import Version, dominates, gossip_run
from dsworkbook.grading.consistency._common import need_callable
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere

UNIT_SEEDS = tuple(range(700, 740))
RANDOM_SEED, RANDOM_COUNT = 741, 150
STORE_SEEDS = (1, 2, 3, 5, 9)
_NODES = ("r1", "r2", "r3")


def version_sets(seed: int, nodes: tuple[str, ...] = _NODES) -> list[list[Version]]:
    """What replicas hold at a few moments of a random run: writes stamped with vector clocks, merged by gossip."""
    rng = random.Random(seed)
    clocks: dict[str, dict[str, int]] = {n: {} for n in nodes}
    held: dict[str, dict[tuple[str, int], Version]] = {n: {} for n in nodes}
    out = []
    for step in range(rng.randint(6, 16)):
        n = rng.choice(nodes)
        if rng.random() < 0.55:
            clocks[n][n] = clocks[n].get(n, 0) + 1
            v = Version(f"{n}-{step}", tuple(sorted(clocks[n].items())), n)
            held[n][(n, clocks[n][n])] = v
        else:
            src = rng.choice([m for m in nodes if m != n])
            held[n].update(held[src])
            for m, c in clocks[src].items():
                clocks[n][m] = max(clocks[n].get(m, 0), c)
        if len(held[n]) >= 2 and rng.random() < 0.4:
            out.append(list(held[n].values()))
    return out


def random_versions(rng: random.Random, nodes: int | None = None, steps: int | None = None) -> list[Version]:
    """A replica's versions over the whole domain: 2-12 replicas (``r9`` beside ``r10``), clocks whose
    entries come in any order and sometimes name a replica with 0, the same value written by several
    replicas, ties in every simple measure."""
    k = nodes or rng.choice((2, 3, 3, 4, 5, 8, 12))
    names = [f"r{i}" for i in range(1, k + 1)]
    clocks: dict[str, dict[str, int]] = {n: {} for n in names}
    held: dict[str, dict[tuple[str, int], Version]] = {n: {} for n in names}
    same_values = rng.random() < 0.3
    for step in range(steps or rng.randint(3, 24)):
        n = rng.choice(names)
        if rng.random() < 0.55 or not any(held.values()):
            clocks[n][n] = clocks[n].get(n, 0) + 1
            entries = list(clocks[n].items())
            if rng.random() < 0.3:
                entries += [(m, 0) for m in names if m not in clocks[n] and rng.random() < 0.5]
            if rng.random() < 0.4:
                rng.shuffle(entries)
            value = rng.choice(("cart", "empty")) if same_values else f"{n}-{step}"
            held[n][(n, clocks[n][n])] = Version(value, tuple(entries), n)
        else:
            src = rng.choice([m for m in names if m != n])
            held[n].update(held[src])
            for m, c in clocks[src].items():
                clocks[n][m] = max(clocks[n].get(m, 0), c)
    best = max(names, key=lambda n: (len(held[n]), n))
    versions = list(held[best].values())
    rng.shuffle(versions)
    return versions


def _v(value: str, node: str, *clock: tuple[str, int]) -> Version:
    return Version(value, tuple(clock), node)


#: Hand-made sets, each aimed at one mistake.
HAND: list[tuple[str, list[Version], str]] = [
    ("a write at a quiet replica after it saw the busy replica's",
     [_v("old", "r1", ("r1", 9)), _v("new", "r2", ("r1", 9), ("r2", 1))],
     "'new' was written after its replica saw 'old' (its clock is >= in every entry): 'old' is dominated. "
     "Comparing v.clock[v.node] compares counters of different replicas"),
    ("clocks that name a replica with 0, their entries in different orders",
     [_v("a", "r1", ("r1", 2), ("r2", 0)), _v("b", "r2", ("r2", 1), ("r1", 2))],
     "a replica missing from a clock counts as 0, and a clock's entries may come in any order: match them "
     "by replica id"),
    ("the same value on two concurrent versions and on an older one",
     [_v("cart", "r1", ("r1", 1)), _v("cart", "r2", ("r2", 1)), _v("cart", "r3", ("r1", 1), ("r3", 1))],
     "return the Version object that wins, not any version with the same value: the older 'cart' (r1) is "
     "dominated"),
    ("replicas r9 and r10, concurrent, with equal counter sums",
     [_v("nine", "r9", ("r9", 2)), _v("ten", "r10", ("r10", 2)), _v("one", "r1", ("r1", 1))],
     "among concurrent versions, break the tie by something in the versions themselves, the same way "
     "whatever the order of the list"),
]


def _check_set(resolve: Callable[..., Any], versions: list[Version], case: str, hint: str = "") -> Version:
    got = attempt(resolve, list(versions), input=versions, case=case)
    if not isinstance(got, Version) or got not in versions:
        fail(case=case, input=versions, expected="one of the versions given", got=got,
             hint=hint or "return one of the Version objects in the list")
    newer = [o for o in versions if dominates(o, got)]
    if newer:
        fail(case=case, input=versions, expected=f"a version no other dominates, not {got}", got=got,
             hint=hint or (f"{newer[0]} dominates it (its clock is >= in every entry, a missing replica counting "
                           "as 0): it is newer. Comparing v.clock[v.node] compares counters of different "
                           "replicas, which says nothing about order"))
    n = len(versions)
    orders = [("reversed", versions[::-1]), ("rotated", versions[n // 2:] + versions[:n // 2])]
    shuffled = list(versions)
    random.Random(n).shuffle(shuffled)
    orders.append(("shuffled", shuffled))
    for how, order in orders:
        again = attempt(resolve, list(order), input=order, case=f"{case}, {how}")
        if again != got:
            fail(case=f"{case}, the same versions {how}", input=order, expected=got, got=again,
                 hint=hint or "every replica must pick the same winner whatever order it holds the versions "
                              "in: break ties between concurrent versions by something in the versions themselves")
    return got


def _worlds(resolve: Callable[..., Any], versions: list[Version], case: str) -> None:
    """Resolve the set twice, in two worlds, with strings hashed differently in each (as in two processes)."""
    same_everywhere(resolve, list(versions), input=versions, case=case, salt_text=True)


def _unit_checks(resolve: Any) -> int:
    count = 0
    for case, versions, hint in HAND:
        _check_set(resolve, versions, case, hint)
        count += 1
    sets = [(f"a replica's versions (seed={seed})", versions) for seed in UNIT_SEEDS for versions in
            version_sets(seed)]
    sets += [(case, random_versions(random.Random(s))) for case, s in
             random_cases(RANDOM_SEED, RANDOM_COUNT, lambda rng: rng.randrange(10**6))]
    sets += [("many replicas: 12 replicas, 300 steps", random_versions(random.Random(12), 12, 300))]
    for case, versions in sets:
        _check_set(resolve, versions, case)
    for case, versions in sets[:40:4] + [(c, v) for c, v, _ in HAND]:
        _worlds(resolve, versions, case)
    return count + len(sets)


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
          concepts=("M03",), kind="drill", reference="dsworkbook.checkers.replicas.causal_resolve")
def grade_drill_resolver(resolve: Any) -> str:
    """A function ``resolve(versions) -> Version`` that fixes :func:`dw.checkers.replicas.naive_resolve`.

    ``versions`` (a list of :class:`~dsworkbook.checkers.replicas.Version`, each with ``value``,
    ``clock`` - a tuple of ``(node, counter)`` pairs in any order, a replica missing or listed
    with 0 counting as 0 - and ``node``) are what one replica holds for one key. Return the
    winner: one of the versions, never one that another dominates
    (:func:`~dsworkbook.checkers.replicas.dominates`), and the same winner whatever the order of
    the list and whatever Python process runs it. Graded on hand-made sets, the version sets of
    40 seeded runs, 150 random sets (2-12 replicas) and one large one, each in three more
    orders, some of them in two worlds with strings hashed differently, and by running the
    gossip store with your resolver (seeds 1, 2, 3, 5, 9; some with a partition): every session
    must read its own writes and the replicas must converge.
    """
    need_callable(resolve, "function resolve(versions)")
    sets = _unit_checks(resolve)
    ops = _store_checks(resolve)
    return (f"{sets} version sets (hand-made, seeds {UNIT_SEEDS[0]}-{UNIT_SEEDS[-1]}, {RANDOM_COUNT} random with seed "
            f"{RANDOM_SEED}) resolved to an undominated version, the same in any order and in two worlds; "
            f"{ops} operations of store runs (seeds {STORE_SEEDS}): read-your-writes and convergence hold")
