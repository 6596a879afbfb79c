"""Exercise ``11-bounded-load``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.grading.partitioning._common import Q, at, placed_ring, ring_text
from dsworkbook.partitioning.alternatives import bounded_load_assign
from dsworkbook.partitioning.ring import HashRing, keys_for_seed

RANDOM_SEED = 1107

HINTS = {
    "capacity": "capacity = math.ceil((1 + eps) * len(keys) / n) with n the number of nodes (not points), "
                "computed as written",
    "full": "a node is full when its load has reached the capacity: a key may go to it only while its load is "
            "below the capacity",
    "walk": "a key whose owner is full goes to the node of the next point clockwise whose node is below capacity "
            "- walk on from the key's own point, wrapping past the last point",
    "start": "a key's first choice is its ring owner: the first point strictly after ring.position(key)",
    "order": "place the keys one by one in the order given: which key overflows depends on the order",
    "form": "return a dict from each key to the node that holds it",
}


def reference(ring: HashRing, keys: list[str], eps: float) -> dict[str, str]:
    return bounded_load_assign(ring, keys, eps).owner


def _capacity(ring: HashRing, keys: list[str], eps: float) -> int:
    return math.ceil((1 + eps) * len(keys) / len(ring))


def _assign(ring: HashRing, keys: list[str], capacity: int) -> dict[str, str]:
    """The rule with a given capacity (to tell a wrong capacity from a wrong walk)."""
    ints, owners = ring._ints, ring._owners
    loads = dict.fromkeys(ring.nodes, 0)
    out = {}
    for key in keys:
        i = bisect_right(ints, ring.position(key))
        for k in range(len(ints)):
            node = owners[(i + k) % len(ints)]
            if loads[node] < capacity:
                break
        loads[node] += 1
        out[key] = node
    return out


def _hint(got: Any, expected: dict[str, str], ring: HashRing, keys: list[str], eps: float) -> str:
    """Which rule a wrong assignment breaks."""
    if not isinstance(got, dict) or set(got) != set(expected):
        return "form"
    cap = _capacity(ring, keys, eps)
    loads: dict[str, int] = {}
    for node in got.values():
        loads[node] = loads.get(node, 0) + 1
    if max(loads.values(), default=0) > cap:
        return "full"
    if any(got == _assign(ring, keys, c) for c in range(max(1, cap - 3), cap + 4) if c != cap):
        return "capacity"
    if got == _assign(ring, sorted(keys), cap) or got == _assign(ring, keys[::-1], cap):
        return "order"
    first = keys[0] if keys else None
    if first is not None and got[first] != expected[first]:
        return "start"
    return "walk"


def _show(ring: HashRing, keys: list[str], eps: float) -> str:
    shown_keys = keys if len(keys) <= 12 else f"{keys[:6]} ... ({len(keys):,} keys of keys_for_seed)"
    return f"bounded_load_assign(ring, {shown_keys}, eps={eps}) with ring = {ring_text(ring, 16)}"


def _diff(got: dict, expected: dict, keys: list[str]) -> tuple[dict, dict]:
    wrong = [k for k in keys if got.get(k) != expected[k]][:5]
    return {k: expected[k] for k in wrong}, {k: got.get(k) for k in wrong}


def _compare(answer: Any, case: str, ring: HashRing, keys: list[str], eps: float) -> None:
    shown = _show(ring, keys, eps)
    got = attempt(answer, ring, list(keys), eps, input=shown, case=case)
    expected = reference(ring, keys, eps)
    if got != expected:
        hint = HINTS[_hint(got, expected, ring, keys, eps)]
        if isinstance(got, dict) and set(got) == set(expected):
            want, have = _diff(got, expected, keys)
            fail(case=case, input=shown + f"; capacity {_capacity(ring, keys, eps)}",
                 expected=f"(first keys that differ) {want}", got=have, hint=hint)
        fail(case=case, input=shown, expected=expected, got=got, hint=hint)


def _hand() -> list[tuple[str, HashRing, list[str], float]]:
    three = placed_ring({"a": [Q * 2], "b": [Q * 6], "c": [Q * 11]})
    keys_a = [k for k in (f"job-{i}" for i in range(500)) if at(k) < Q * 2][:4]
    late = [k for k in (f"job-{i}" for i in range(2000)) if at(k) > Q * 11][:4]
    return [
        ("four keys all owned by a, capacity 2 (eps 0.5)", three, keys_a, 0.5),
        ("four keys all owned by a, eps 0: capacity 2", three, keys_a, 0.0),
        ("four keys after the last point (they wrap to a), capacity 2", three, late, 0.5),
        ("the same keys in the other order", three, late[::-1], 0.5),
        ("eps 0.1, 50 keys, 5 nodes: (1 + 0.1) * 50 / 5 is 11.000000000000002, so the capacity is 12",
         placed_ring({"big": [Q * 15], "s1": [Q * 15 + 1], "s2": [Q * 15 + 2], "s3": [Q * 15 + 3],
                      "s4": [Q * 15 + Q // 2]}), [f"k{i}" for i in range(50)], 0.1),
        ("no keys", three, [], 0.25),
        ("a key exactly on a point", placed_ring({"x": [at("edge")], "y": [at("edge") + Q], "z": [at("edge") + 2 * Q]}),
         ["edge", "edge2", "edge3"], 0.0),
        ("one point per node, 5 nodes, 40 keys, eps 0", HashRing([f"n{i}" for i in range(5)], vnodes=1),
         keys_for_seed(5, 40), 0.0),
        ("one point per node, 5 nodes, 40 keys, eps 0.25", HashRing([f"n{i}" for i in range(5)], vnodes=1),
         keys_for_seed(5, 40), 0.25),
    ]


def _draw(rng: random.Random) -> tuple[HashRing, list[str], float]:
    nodes = rng.choice((1, 2, 3, 5, 8, 10, 20))
    ring = HashRing([f"n{i}" for i in range(nodes)], vnodes=rng.choice((1, 2, 5, 10, 40)))
    m = rng.choice((0, 1, 5, 17, 100, 400, rng.randint(1, 2000)))
    keys = keys_for_seed(rng.getrandbits(16), m)
    eps = rng.choice((0.0, 0.0, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 3.0))
    return ring, keys, eps


@exercise("11-bounded-load", title="Consistent hashing with bounded loads", theme="T11", concepts=("H04",),
          reference="dsworkbook.partitioning.alternatives.bounded_load_assign")
def grade_bounded_load(bounded_load_assign: Any) -> str:
    """A function ``bounded_load_assign(ring, keys, eps)``: ``{key: node}`` placing the keys in
    order, each on the first node clockwise from its position whose load is below
    ``math.ceil((1 + eps) * len(keys) / len(ring))``.

    Checked against the library on hand-placed rings (every key owned by one node, keys past
    the last point, both orders, eps 0, a capacity that floating point rounds up, no keys, a
    key exactly on a point, one point per node) and 250 random rings (1-20 nodes, 1-40 points
    each, up to 2,000 keys, eps from 0 to 3), then 20,000 keys on 50 nodes; in two worlds.
    """
    need_callable(bounded_load_assign, "function bounded_load_assign(ring, keys, eps)", allow_class=False)
    hand = _hand()
    for case, ring, keys, eps in hand:
        _compare(bounded_load_assign, case, ring, keys, eps)
    cases = list(random_cases(RANDOM_SEED, 250, _draw))
    for case, (ring, keys, eps) in cases:
        _compare(bounded_load_assign, case, ring, keys, eps)
    big = HashRing([f"node{i}" for i in range(50)], vnodes=20)
    _compare(bounded_load_assign, "20,000 keys on 50 nodes, eps 0.1", big, keys_for_seed(9, 20_000), 0.1)

    def run(names: list[str], keys: list[str]) -> Any:
        got = bounded_load_assign(HashRing(names, vnodes=3), keys, 0.0)
        return sorted((str(k), str(v)) for k, v in got.items()) if isinstance(got, dict) else got

    same_everywhere(run, ["n1", "n2", "n9", "n10"], keys_for_seed(3, 30), input="4 nodes n1, n2, n9, n10; 30 keys; eps 0",
                    case="4 nodes and 30 keys, run in two worlds", salt_text=True)
    return (f"right on {len(hand)} hand-placed rings (one node owning every key, the wrap, key order, eps 0, a "
            f"rounded-up capacity, no keys) and {len(cases)} random rings, and on 20,000 keys over 50 nodes; the "
            "same in two worlds")
