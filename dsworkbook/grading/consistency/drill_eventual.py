"""Exercise ``03-drill-eventual``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.grading.consistency._common import need_callable
from dsworkbook.grading.core import attempt, exercise, fail, in_simulation
from dsworkbook.sim import Simulation
from dsworkbook.storage.common import replica_ids
from dsworkbook.storage.experiment import Script, scripted_run
from dsworkbook.storage.stores.eventual import EventualReplica, Sibling, merge_siblings

R3 = tuple(replica_ids(3))
SEEDS = (40, 41, 42)


def _s(value: Any, t: float, writer: str, **vector: int) -> Sibling:
    return Sibling(VectorTimestamp(vector), (t, writer), value)


def _units() -> list[tuple[str, tuple, tuple]]:
    a1 = _s("a1", 10, "n1", n1=1)
    a2 = _s("a2", 20, "n1", n1=2)
    b1 = _s("b1", 15, "n2", n2=1)
    ab = _s("ab", 30, "n2", n1=2, n2=2)
    late = _s("late", 5, "n3", n1=1, n3=1)  # written after a1 was seen, with a clock that lags
    return [("both sides hold the same version", (a1,), (a1,)),
            ("theirs overwrote mine (a2 happened after a1)", (a1,), (a2,)),
            ("mine overwrote theirs", (a2,), (a1,)),
            ("concurrent writes on two replicas: keep both", (a1,), (b1,)),
            ("a write that saw both siblings replaces them", (a2, b1), (ab,)),
            ("a later write with a slower clock still wins", (a1,), (late,)),
            ("nothing on one side", (), (a2, b1)),
            ("the same siblings in another order", (a2, b1), (b1, a2))]


def _check_merge(fn: Callable[..., Any], mine: tuple, theirs: tuple, case: str) -> tuple:
    shown = f"merge({[s.value for s in mine]}, {[s.value for s in theirs]})"
    got = attempt(fn, mine, theirs, input=shown, case=case)
    expected = merge_siblings(mine, theirs)
    try:
        got_set = frozenset(got)
    except TypeError:
        got_set = None
    if got_set != frozenset(expected):
        values = sorted(s.value for s in expected)
        fail(case=case, input=shown + "  (vectors: " + ", ".join(f"{s.value}={dict(s.vector)}" for s in
                                                                   (*mine, *theirs)) + ")",
             expected=f"siblings {values}", got=f"siblings {sorted(getattr(s, 'value', s) for s in got)}"
             if got_set is not None else got,
             hint="keep every version that no other version happened after (compare version vectors: "
                  "a.vector < b.vector means b overwrote a); keep concurrent ones, drop duplicates, and never "
                  "decide by the wall clock or by one entry of the vector")
    return tuple(got)


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
          kind="drill")
def grade_drill_eventual(merge: Any) -> str:
    """``merge(mine, theirs) -> siblings``: the sibling sets of two replicas merged (fix ``naive_merge``).

    Each sibling has ``.vector`` (a ``VectorTimestamp``: ``a.vector < b.vector`` means b
    overwrote a), ``.stamp`` and ``.value``. Return the siblings of both sides that no other
    sibling happened after, each once (any order). Checked on hand-made sibling sets, then as
    the merge of a three-replica eventual store in the simulator (seeds 40-42: two partitions,
    in each of which clients on both sides write keys x, y, z): after the last heal and some gossip every replica
    must hold the same siblings, no sibling overwritten by another, and exactly the reference
    merge's siblings.
    """
    need_callable(merge, "function merge(mine, theirs)")
    for case, mine, theirs in _units():
        _check_merge(merge, mine, theirs, case)
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
    return (f"right on {len(_units())} hand-made merges; on seeds {SEEDS[0]}-{SEEDS[-1]} the three replicas "
            f"converged to the reference siblings ({kept} siblings over 3 keys, concurrent writes kept)")
