"""Exercise ``03-drill-eventual``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import dataclasses
import random
from typing import Any, Callable

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.grading.consistency._common import need_callable
from dsworkbook.grading.core import attempt, exercise, fail, in_simulation, random_cases
from dsworkbook.sim import Simulation
from dsworkbook.storage.common import replica_ids
from dsworkbook.storage.experiment import Script, scripted_run
from dsworkbook.storage.stores.eventual import EventualReplica, Sibling, merge_siblings

R3 = tuple(replica_ids(3))
SEEDS = (40, 41, 42)
RANDOM_SEED, RANDOM_COUNT = 43, 200


def _s(value: Any, t: float, writer: str, **vector: int) -> Sibling:
    return Sibling(VectorTimestamp(vector), (t, writer), value)


def _units() -> list[tuple[str, tuple, tuple]]:
    a1 = _s("a1", 10, "n1", n1=1)
    a2 = _s("a2", 20, "n1", n1=2)
    b1 = _s("b1", 15, "n2", n2=1)
    ab = _s("ab", 30, "n2", n1=2, n2=2)
    late = _s("late", 5, "n3", n1=1, n3=1)  # written after a1 was seen, with a clock that lags
    twin_a, twin_b = _s("cart", 40, "n1", n1=3), _s("cart", 40, "n2", n2=3)  # same value, same stamp time
    return [("both sides hold the same version", (a1,), (a1,)),
            ("both sides hold the same version, received as a copy", (a1, b1), (dataclasses.replace(a1),)),
            ("theirs overwrote mine (a2 happened after a1)", (a1,), (a2,)),
            ("mine overwrote theirs", (a2,), (a1,)),
            ("concurrent writes on two replicas: keep both", (a1,), (b1,)),
            ("a write that saw both siblings replaces them", (a2, b1), (ab,)),
            ("a later write with a slower clock still wins", (a1,), (late,)),
            ("nothing on one side", (), (a2, b1)),
            ("nothing on either side", (), ()),
            ("the same siblings in another order", (a2, b1), (b1, a2)),
            ("two concurrent writes of the same value: both are siblings", (twin_a,), (twin_b,))]


def random_pair(rng: random.Random, replicas: int | None = None) -> tuple[tuple[Sibling, ...], tuple[Sibling, ...]]:
    """Two replicas' sibling sets at a random moment of a run where 2-12 replicas write and gossip.

    The same value is often written on several replicas; wall-clock stamps disagree with causality
    (a replica's clock may lag); a side may be empty or hold what the other side overwrote; the
    other side's siblings are copies, as if they had come over the network.
    """
    k = replicas or rng.choice((2, 3, 3, 4, 6, 12))
    names = [f"n{i}" for i in range(1, k + 1)]
    held: dict[str, tuple[Sibling, ...]] = {n: () for n in names}
    counter = {n: 0 for n in names}
    for step in range(rng.randint(0, 30)):
        n = rng.choice(names)
        if rng.random() < 0.5:
            context = VectorTimestamp()
            for s in held[n]:
                context = context.merge(s.vector)
            counter[n] += 1
            value = rng.choice(("x", "y")) if rng.random() < 0.4 else f"{n}.{step}"
            held[n] = (Sibling(context.merge({n: counter[n]}), (float(rng.randint(0, 50)), n), value),)
        else:
            src = rng.choice(names)
            held[n] = merge_siblings(held[n], held[src])
    a, b = rng.sample(names, 2)
    # theirs came over the network: equal to what mine may hold, but other objects
    mine, theirs = list(held[a]), [dataclasses.replace(s) for s in held[b]]
    rng.shuffle(mine)
    rng.shuffle(theirs)
    return tuple(mine), tuple(theirs)


def _names(sibs: Any) -> list[Any]:
    try:
        return sorted((getattr(s, "value", s) for s in sibs), key=repr)
    except TypeError:
        return [sibs]


def _shown(mine: tuple, theirs: tuple) -> str:
    vectors = ", ".join(f"{s.value}={dict(s.vector)}" for s in dict.fromkeys((*mine, *theirs)))
    return f"merge({[s.value for s in mine]}, {[s.value for s in theirs]})  (vectors: {vectors})"


def _check_merge(fn: Callable[..., Any], mine: tuple, theirs: tuple, case: str) -> tuple:
    shown = _shown(mine, theirs)
    got = attempt(fn, mine, theirs, input=shown, case=case)
    try:
        got_list = list(got)
    except TypeError:
        fail(case=case, input=shown, expected="a tuple (or list) of siblings", got=got,
             hint="return the siblings to keep, as a tuple or a list")
    if len(got_list) > len(mine) + len(theirs):
        fail(case=case, input=shown, expected=f"at most {len(mine) + len(theirs)} siblings",
             got=f"merge returned {len(got_list):,} siblings from inputs of {len(mine)} and {len(theirs)}",
             hint="a merge never makes siblings: keep each version once, and drop the ones another overwrote")
    if len(set(got_list)) != len(got_list):
        twice = next(s for s in got_list if got_list.count(s) > 1)
        fail(case=case, input=shown, expected="each sibling once", got=f"siblings {_names(got_list)}",
             hint=f"{getattr(twice, 'value', twice)!r} is listed twice: a merge that keeps duplicates grows with "
                  "every round of gossip - keep each version (each vector) once")
    expected = merge_siblings(mine, theirs)
    if set(got_list) != set(expected):
        fail(case=case, input=shown, expected=f"siblings {_names(expected)}", got=f"siblings {_names(got_list)}",
             hint="keep every version that no other version happened after (compare version vectors: "
                  "a.vector < b.vector means b overwrote a); keep concurrent ones, even with equal values, keep "
                  "each once, and never decide by the wall-clock stamp or by one entry of the vector")
    return tuple(got_list)


def _laws(fn: Callable[..., Any], mine: tuple, theirs: tuple, case: str) -> None:
    """merge(a, b) and merge(b, a) keep the same siblings; merging a set with itself changes nothing."""
    ab = attempt(fn, mine, theirs, input=_shown(mine, theirs), case=case)
    ba = attempt(fn, theirs, mine, input=_shown(theirs, mine), case=case)
    try:
        same = set(ab) == set(ba)
    except TypeError:
        return  # reported by _check_merge
    if not same:
        fail(case=case + ": order of the arguments", input=_shown(mine, theirs), expected="the same siblings",
             got=f"merge(a, b) gave {_names(ab)} but merge(b, a) gave {_names(ba)}",
             hint="merging is symmetric: which replica's siblings come first must not change what is kept")
    base = merge_siblings(mine, ())
    again = attempt(fn, base, base, input=_shown(base, base), case=case)
    if set(again) != set(base) or len(list(again)) != len(base):
        fail(case=case + ": a set merged with itself", input=_shown(base, base), expected=f"siblings {_names(base)}",
             got=f"merge(a, a) gave {_names(again)}",
             hint="merging what you already hold must change nothing (no copies, nothing dropped)")


def _scenario(seed: int, merge: Callable[..., Any]) -> Simulation:
    """Two partitions; in each, clients on both sides write every key, so concurrent versions arise."""
    def build(sim: Simulation) -> None:
        for r in R3:
            sim.add_node(r, EventualReplica, replicas=R3, merge=merge, gossip_every=30.0)

    def faults(sim: Simulation) -> None:
        sim.net.partition(["n1", "c1", "c4"], ["n2", "n3", "c2", "c3", "c5", "c6"])
        sim.at(400, sim.net.heal)
        sim.at(800, sim.net.partition, ["n3", "c3", "c6"], ["n1", "n2", "c1", "c2", "c4", "c5"])
        sim.at(1100, sim.net.heal)
    rng = random.Random(seed)
    scripts = {}
    for i, (home, start) in enumerate((("n1", 20), ("n2", 30), ("n3", 40), ("n1", 820), ("n2", 830), ("n3", 840))):
        keys = ["x", "y", "z"]
        rng.shuffle(keys)
        scripts[f"c{i + 1}"] = Script((home,), tuple(("write", k, f"c{i + 1}.{k}") for k in keys),
                                      start_at=start + rng.uniform(0, 20), think=rng.uniform(20, 60))
    return scripted_run(build, seed, scripts, faults=faults, until=2500)


@exercise("03-drill-eventual", title="Drill: fix the eventual store's merge", theme="T03", concepts=("M04",),
          kind="drill", reference="dsworkbook.storage.stores.eventual.merge_siblings")
def grade_drill_eventual(merge: Any) -> str:
    """``merge(mine, theirs) -> siblings``: the sibling sets of two replicas merged (fix ``naive_merge``).

    Each sibling has ``.vector`` (a ``VectorTimestamp``: ``a.vector < b.vector`` means b
    overwrote a), ``.stamp`` and ``.value``. Return the siblings of both sides that no other
    sibling happened after, each once (any order). Checked on hand-made sibling sets, on 200
    random pairs from runs of 2-12 replicas (and one of 12 replicas that all wrote concurrently),
    with both argument orders and a set merged with itself, then as the merge of a three-replica
    eventual store in the simulator (seeds 40-42: two partitions, in each of which clients on both
    sides write keys x, y, z): after the last heal and some gossip every replica must hold exactly
    the reference merge's siblings.
    """
    need_callable(merge, "function merge(mine, theirs)")
    cases = [(case, mine, theirs) for case, mine, theirs in _units()]
    cases += [(case, *random_pair(random.Random(s))) for case, s in
              random_cases(RANDOM_SEED, RANDOM_COUNT, lambda rng: rng.randrange(10**6))]
    wide = tuple(_s(f"w{i}", 1.0, f"n{i}", **{f"n{i}": 1}) for i in range(1, 13))
    cases.append(("12 replicas wrote concurrently; both sides hold half, and one in common", wide[:7], wide[6:]))
    for case, mine, theirs in cases:
        _check_merge(merge, mine, theirs, case)
        _laws(merge, mine, theirs, case)
    kept = 0
    for seed in SEEDS:
        case = f"seed {seed}: two partitions, clients on both sides write x, y, z in each"
        with in_simulation(case=case, input="a simulation (its seed is in the message)"):
            sim = _scenario(seed, merge)
        ref = _scenario(seed, merge_siblings)
        for key in ("x", "y", "z"):
            want = frozenset(ref.node("n1").siblings.get(key, ()))
            for r in R3:
                got = frozenset(sim.node(r).siblings.get(key, ()))
                if got != want:
                    fail(case=case, input=f"replica {r}, key {key!r}, after the heal and gossip",
                         expected=f"siblings {sorted(s.value for s in want)}",
                         got=f"siblings {sorted(s.value for s in got)}",
                         hint="replicas converge only if merging keeps exactly the versions nobody overwrote: "
                              "extra (overwritten) versions pile up and come back, missing ones are lost writes")
            kept += len(want)
    return (f"right on {len(cases)} merges ({len(_units())} hand-made, {RANDOM_COUNT} random with seed {RANDOM_SEED}, "
            f"12 concurrent replicas), symmetric and idempotent; on seeds {SEEDS[0]}-{SEEDS[-1]} the three replicas "
            f"converged to the reference siblings ({kept} siblings over 3 keys, concurrent writes kept)")
