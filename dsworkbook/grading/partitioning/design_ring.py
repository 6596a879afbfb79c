"""Exercise ``11-design-ring``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import functools
from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.partitioning.balance import load_stats, ring_loads
from dsworkbook.partitioning.replication import preference_list
from dsworkbook.partitioning.ring import HashRing, keys_for_seed

NODES = tuple(f"n{i}" for i in range(12))
RACKS = ("r1", "r2", "r3", "r4")
PER_RACK = 4
BALANCE = 1.15
LOAD_KEYS, LOAD_SEED = 100_000, 77
COPY_KEYS, COPY_SEED = 2_000, 78
#: vnodes may be up to this factor above the smallest multiple of 10 that meets the balance goal
SLACK = 1.5
FORM = ("vnodes", "replicas", "racks")


def balance(vnodes: int) -> float:
    """Keys max/mean of the primary owners of the seeded keys on the 12-node ring with ``vnodes`` points each."""
    return _balance(vnodes)


@functools.cache
def _balance(vnodes: int) -> float:
    ring = HashRing(list(NODES), vnodes=vnodes)
    return load_stats(list(ring_loads(ring, _load_keys()).values()))["max/mean"]


@functools.cache
def _load_keys() -> list[str]:
    return keys_for_seed(LOAD_SEED, LOAD_KEYS)


@functools.cache
def cheapest_vnodes() -> int:
    """The smallest multiple of 10 whose ring meets the balance goal."""
    return next(v for v in range(10, 1001, 10) if balance(v) <= BALANCE)


def lost_key(ring: HashRing, replicas: int, racks: dict[str, str]) -> tuple[str, list[str], str, str] | None:
    """A key that a rack failure plus one more node failure leaves with no copy: (key, copies, rack, node), or None."""
    for key in keys_for_seed(COPY_SEED, COPY_KEYS):
        copies = preference_list(ring, key, replicas, zones=racks)
        for rack in RACKS:
            outside = [c for c in copies if racks[c] != rack]
            if len(outside) < 2:
                return key, copies, rack, outside[0] if outside else "(none needed)"
    return None


def _form(design: Any) -> tuple[int, int, dict[str, str]]:
    if not isinstance(design, dict) or set(design) != set(FORM):
        fail(case="the form of the answer", input=f"keys {list(FORM)}", expected="a dict with exactly these keys",
             got=design, hint='answer {"vnodes": ..., "replicas": ..., "racks": {node: rack}}')
    vnodes, replicas, racks = design["vnodes"], design["replicas"], design["racks"]
    for name, value, top in (("vnodes", vnodes, 10_000), ("replicas", replicas, len(NODES))):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            fail(case=name, input=name, expected=f"an int from 1 to {top}", got=value, hint=f"give {name} as a whole number")
    if not isinstance(racks, dict) or set(racks) != set(NODES) or not set(racks.values()) <= set(RACKS):
        fail(case="racks", input=f"nodes {list(NODES)}, racks {list(RACKS)}",
             expected="a dict giving every node one of the racks", got=racks,
             hint="put each of the 12 nodes in one of the racks r1 .. r4")
    return vnodes, replicas, racks


@exercise("11-design-ring", title="Design: points, copies and racks for a 12-node ring", theme="T11",
          concepts=("H02", "H03"), kind="design")
def grade_design_ring(design: Any) -> str:
    """A dict ``{"vnodes", "replicas", "racks"}`` for the nodes n0..n11 on a ``HashRing``.

    The grader builds the ring and measures every goal: each rack holds at most 4 nodes; the
    primary owners of 100,000 seeded keys (seed 77) have max/mean <= 1.15; vnodes is at most 1.5
    times the smallest multiple of 10 that meets that bound (found by building those rings); the
    preference lists (with the racks as zones) of 2,000 keys (seed 78) keep a copy after any one
    rack and any one more node fail; and one copy fewer, on the same racks, loses a key (so the
    copies are the fewest). Several answers pass.
    """
    vnodes, replicas, racks = _form(design)
    counts = {r: sum(1 for n in NODES if racks[n] == r) for r in RACKS}
    full = [r for r, c in counts.items() if c > PER_RACK]
    if full:
        fail(case="rack space", input=f"racks {racks}", expected=f"at most {PER_RACK} nodes in each rack",
             got=f"{counts}", hint=f"a rack has room (power and ports) for {PER_RACK} nodes: spread the nodes out")
    got = balance(vnodes)
    if got > BALANCE:
        fail(case=f"balance with {vnodes} points per node", input=f"HashRing(n0..n11, vnodes={vnodes}); "
             f"{LOAD_KEYS:,} keys of seed {LOAD_SEED}", expected=f"keys max/mean <= {BALANCE}", got=f"{got:.3f}",
             hint="measure keys max/mean on this ring for several point counts (ring_loads and load_stats); "
                  "too few points leave some node a large arc, and the curve is not smooth")
    cheapest = cheapest_vnodes()
    if vnodes > SLACK * cheapest:
        fail(case="points per node", input=f"vnodes={vnodes}",
             expected=f"at most {SLACK} x {cheapest} = {SLACK * cheapest:g} ({cheapest} points already give "
                      f"max/mean {balance(cheapest):.3f})",
             got=vnodes, hint="every point costs memory and lookup time on every client: find the smallest "
                              "multiple of 10 that meets the balance goal and stay near it")
    ring = HashRing(list(NODES), vnodes=vnodes)
    lost = lost_key(ring, replicas, racks)
    if lost is not None:
        key, copies, rack, node = lost
        fail(case="a rack and one more node fail", input=f"key {key!r}, copies {copies} in racks "
             f"{[racks[c] for c in copies]}; rack {rack} fails, then node {node}",
             expected="at least one copy left", got="no copy left",
             hint="a rack failure takes every copy in that rack: the copies must lie in enough different racks "
                  "that one more node failure still leaves one")
    if replicas > 1 and lost_key(ring, replicas - 1, racks) is None:
        fail(case="the fewest copies", input=f"replicas={replicas} on racks {counts}",
             expected=f"the fewest copies that survive: {replicas - 1} copies survive too", got=replicas,
             hint="every copy costs disk and write traffic: use the smallest number that survives a rack and a node")
    one_less = lost_key(ring, replicas - 1, racks) if replicas > 1 else None
    shown = f" ({replicas - 1} copies lose key {one_less[0]!r})" if one_less else ""
    return (f"{vnodes} points per node give keys max/mean {got:.3f} (<= {BALANCE}; {cheapest} is the smallest "
            f"multiple of 10 that does); {replicas} copies over racks {counts} survive a rack and one more node for "
            f"all {COPY_KEYS:,} keys{shown}")
