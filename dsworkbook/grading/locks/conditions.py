"""Exercise ``09-lease-conditions``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, in_simulation, need_callable, random_cases, same_everywhere
from dsworkbook.locks.conditional import (LEASE_FAULT_KINDS, All, AttributeNotExists, LockItem, OwnerIs, VersionIn,
                                          holds, lease_invariant, run_lease)
from dsworkbook.sim import FaultSchedule

RANDOM_SEED = 47
RUN_SEEDS = (2, 3, 4)
OWNERS = ("c1", "c10", "c2", "app")
RVNS = ("r1", "r12", "r2", "r7")

HINTS = {
    "none": "a write without a condition (None) always applies",
    "absent": "AttributeNotExists holds exactly when there is no item (item is None)",
    "version": "VersionIn holds when an item exists and its rvn is one of rvns (compare whole strings: r1 is not r12)",
    "owner": "OwnerIs holds when an item exists and its owner is exactly owner (c1 is not c10)",
    "all": "All holds when every one of its conditions holds - checked with the same function, so nested All work - "
           "and All(()) (no conditions) holds",
}


def _item(owner: str, rvn: str) -> LockItem:
    return LockItem("lock", owner, rvn, 1000.0)


#: (case, condition, item, rule)
HAND: list[tuple[str, Any, Any, str]] = [
    ("no condition, no item", None, None, "none"),
    ("no condition, an item", None, _item("c1", "r1"), "none"),
    ("attribute_not_exists, no item", AttributeNotExists(), None, "absent"),
    ("attribute_not_exists, an item", AttributeNotExists(), _item("c1", "r1"), "absent"),
    ("VersionIn, no item", VersionIn(frozenset({"r1"})), None, "version"),
    ("VersionIn, the rvn is the second of two", VersionIn(frozenset({"r2", "r7"})), _item("c1", "r7"), "version"),
    ("VersionIn r1, the item's rvn is r12", VersionIn(frozenset({"r1"})), _item("c1", "r12"), "version"),
    ("OwnerIs c1, no item", OwnerIs("c1"), None, "owner"),
    ("OwnerIs c1, owned by c10", OwnerIs("c1"), _item("c10", "r1"), "owner"),
    ("All of nothing", All(()), _item("c1", "r1"), "all"),
    ("All: owner and version, the version moved on", All((OwnerIs("c1"), VersionIn(frozenset({"r1"})))),
     _item("c1", "r2"), "all"),
    ("All containing an All", All((OwnerIs("c2"), All((VersionIn(frozenset({"r2"})), OwnerIs("c2"))))),
     _item("c2", "r2"), "all"),
    ("All: a nested All fails", All((OwnerIs("c2"), All((VersionIn(frozenset({"r1"})),)))), _item("c2", "r2"), "all"),
]


def _condition(rng: random.Random, depth: int) -> Any:
    kind = rng.choice(("absent", "version", "owner", "all") if depth < 3 else ("absent", "version", "owner"))
    if kind == "absent":
        return AttributeNotExists()
    if kind == "version":
        return VersionIn(frozenset(rng.sample(RVNS, rng.randint(1, 3))))
    if kind == "owner":
        return OwnerIs(rng.choice(OWNERS))
    return All(tuple(_condition(rng, depth + 1) for _ in range(rng.randint(0, 3))))


def _draw(rng: random.Random) -> tuple[Any, Any]:
    condition = None if rng.random() < 0.05 else _condition(rng, 1)
    item = None if rng.random() < 0.3 else _item(rng.choice(OWNERS), rng.choice(RVNS))
    return condition, item


def _rule(condition: Any) -> str:
    return {type(None): "none", AttributeNotExists: "absent", VersionIn: "version", OwnerIs: "owner",
            All: "all"}[type(condition)]


def _lease_run(fn: Any, seed: int, faults: bool) -> tuple[str | None, int]:
    nodes = ["store", "c1", "c2", "c3"]
    sched = FaultSchedule.random(seed, nodes, duration=3000.0, faults=4, kinds=LEASE_FAULT_KINDS) if faults \
        else FaultSchedule([])
    sim = run_lease(seed, sched, duration=4000.0, condition_holds=fn)
    holdings = len({(r.node, r.detail["tenure"]) for r in sim.trace.notes(key="claim")})
    return lease_invariant(sim), holdings


@exercise("09-lease-conditions", title="The conditions of a conditional-write lease lock", theme="T09",
          concepts=("L05",), reference="dsworkbook.locks.conditional.holds")
def grade_lease_conditions(condition_holds: Any) -> str:
    """A function ``condition_holds(condition, item) -> bool``: does a DynamoDB-style write
    condition (None, ``AttributeNotExists``, ``VersionIn``, ``OwnerIs``, ``All`` of any depth)
    hold on the current item (a ``LockItem`` or None)?

    Checked on hand-made cases (no item, prefixes such as ``c1``/``c10`` and ``r1``/``r12``, the
    second of several versions, an empty and a nested ``All``) and 500 random conditions up to
    three levels deep, in two worlds with salted strings; then as the condition check of the
    store under three clients of the lease lock (three seeds with no fault and three with
    crashes, pauses, partitions and loss): claims never overlap and the lock changes hands.
    """
    need_callable(condition_holds, "function condition_holds(condition, item)", allow_class=False)
    cases = [(c, (cond, item), rule) for c, cond, item, rule in HAND]
    cases += [(c, args, _rule(args[0])) for c, args in random_cases(RANDOM_SEED, 500, _draw)]
    for case, (cond, item), rule in cases:
        shown = f"condition_holds({cond!r}, {item!r})"
        got = attempt(condition_holds, cond, item, input=shown, case=case)
        expected = holds(cond, item)
        if got is not expected:
            fail(case=case, input=shown, expected=expected, got=got,
                 hint=HINTS[rule] if isinstance(got, bool) else "return True or False")
    cond, item = VersionIn(frozenset(RVNS)), _item("c1", "r7")
    same_everywhere(condition_holds, cond, item, input=f"condition_holds({cond!r}, {item!r})",
                    case="VersionIn of four versions, run in two worlds", salt_text=True)
    handovers = 0
    for faults in (False, True):
        for seed in RUN_SEEDS:
            case = (f"seed {seed}: three clients of the lease lock, lease 300 ms"
                    + (", with crashes, pauses, partitions and loss" if faults else ", no faults"))
            with in_simulation(case=case, input=f"seed {seed}"):
                overlap, holdings = _lease_run(condition_holds, seed, faults)
            if overlap or holdings < 3:
                fail(case=case, input=f"seed {seed}", expected="claims never overlap, and the lock changes hands",
                     got=overlap or f"only {holdings} holding(s) in 4 s",
                     hint="the store applies a put or delete only when its condition holds: AttributeNotExists "
                          "for a new lock, OwnerIs and VersionIn for heartbeats, takeovers and releases")
            handovers += holdings
    return (f"right on {len(HAND)} hand-made conditions and {len(cases) - len(HAND)} random ones; as the store's "
            f"condition check, claims never overlapped on seeds {RUN_SEEDS[0]}-{RUN_SEEDS[-1]} with and without "
            f"faults ({handovers} holdings); the same in two worlds")
