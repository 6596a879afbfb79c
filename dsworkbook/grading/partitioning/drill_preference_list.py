"""Exercise ``11-drill-preference-list``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.grading.partitioning._common import Raised, at, calling, placed_ring, ring_text
from dsworkbook.partitioning.replication import preference_list as reference
from dsworkbook.partitioning.ring import HashRing

RANDOM_SEED = 1103
Q = 1 << 124  # a sixteenth of the circle

HINTS = {
    "distinct": "a node owns many points: walk clockwise and skip every point of a node already in the list, so "
                "the list holds n distinct physical nodes",
    "start": "the walk starts at the key's owner - the first point strictly after the key's position "
             "(ring.position(key)); a key exactly on a point belongs to the next point",
    "wrap": "after the last point the walk continues at the first one (wrap around the circle)",
    "count": "n distinct nodes do not exist when n is above the node count: raise ValueError, do not return a "
             "shorter list (and never loop forever)",
    "order": "keep the nodes in the order the clockwise walk meets them, the key's owner first",
    "zones": "with zones, the first walk takes only nodes whose zone holds no replica yet; when every zone holds "
             "one and places are left, a second walk from the same start adds the next distinct nodes, whatever "
             "their zone",
    "second": "the second walk starts again from the key's owner, not where the first walk stopped",
    "form": "return a list of node names",
    "raised": "n distinct nodes exist here (n is not above the node count): return them - with fewer zones than n, "
              "every zone gets one replica and a second walk fills the rest",
}


def _adjacent() -> tuple[HashRing, dict[str, str]]:
    """Every point of node a side by side, then b and c spread out."""
    points = {"a": [Q * 3 + k for k in range(6)], "b": [Q * 1, Q * 5, Q * 9], "c": [Q * 2, Q * 7, Q * 12]}
    return placed_ring(points), {}


def _hand() -> list[tuple[str, HashRing, str, int, dict[str, str] | None, str]]:
    """(case, ring, key, n, zones, hint key)."""
    out = []
    ring, _ = _adjacent()
    key = next(k for k in (f"user:{i}" for i in range(10_000)) if 2 * Q < at(k) < 3 * Q)
    out.append(("all six points of node a side by side after the key, n = 2", ring, key, 2, None, "distinct"))
    out.append(("all six points of node a side by side after the key, n = 3", ring, key, 3, None, "distinct"))
    on = "order:7"
    ring2 = placed_ring({"x": [at(on), Q * 15], "y": [at(on) + 1, Q], "z": [at(on) + 2, Q * 2]})
    out.append(("the key exactly on a point of x", ring2, on, 1, None, "start"))
    out.append(("the key exactly on a point of x, n = 2", ring2, on, 2, None, "start"))
    late = next(k for k in (f"cart:{i}" for i in range(10_000)) if at(k) > 15 * Q + Q // 2)
    ring3 = placed_ring({"p": [Q * 4, Q * 15], "q": [Q * 6], "r": [Q * 15 + 1]})
    out.append(("the key after the last point: the walk wraps", ring3, late, 2, None, "wrap"))
    out.append(("the key after the last point, n = 3", ring3, late, 3, None, "wrap"))
    out.append(("one node, n = 1", HashRing(["solo"], vnodes=8), "k1", 1, None, "start"))
    four = HashRing(["n1", "n2", "n9", "n10"], vnodes=5)
    out.append(("n equal to the node count (4)", four, "session:42", 4, None, "distinct"))
    out.append(("n above the node count (5 of 4)", four, "session:42", 5, None, "count"))
    out.append(("n above the node count (2 of 1)", HashRing(["solo"], vnodes=8), "k1", 2, None, "count"))
    nodes = [f"s{i}" for i in range(6)]
    ring6 = HashRing(nodes, vnodes=10)
    out.append(("one zone for every node, n = 3", ring6, "photo:9", 3, dict.fromkeys(nodes, "z1"), "zones"))
    two = {n: ("east" if i < 4 else "west") for i, n in enumerate(nodes)}
    for key in ("photo:9", "photo:10", "photo:11", "photo:12"):
        out.append((f"six nodes in two zones (four east, two west), n = 3, key {key}", ring6, key, 3, two, "zones"))
    three = {n: f"az{i % 3}" for i, n in enumerate(nodes)}
    out.append(("six nodes in three zones, n = 3", ring6, "photo:9", 3, three, "zones"))
    out.append(("six nodes in three zones, n = 5", ring6, "photo:9", 5, three, "zones"))
    out.append(("six nodes in three zones, n = 7", ring6, "photo:9", 7, three, "count"))
    return out


def _draw(rng: random.Random) -> tuple[HashRing, str, int, dict[str, str] | None, list[str], int]:
    count = rng.choice((1, 2, 3, 3, 4, 5, 6, 8, 10, 12))
    style = rng.choice(("n", "node", "mixed"))
    names = [f"n{i}" if style == "n" else f"node-{i:02d}" if style == "node" else rng.choice("abcxyz") + str(i)
             for i in range(1, count + 1)]
    vnodes = rng.choice((1, 2, 3, 5, 8, 16, 40))
    ring = HashRing(names, vnodes=vnodes)
    n = rng.choice((1, 1, 2, 3, 3, count, count, count + 1)) if count > 1 else rng.choice((1, 1, 2))
    zones = None
    if rng.random() < 0.6:
        k = rng.randint(1, count + 1)
        zones = {x: f"zone-{rng.randrange(k)}" for x in names}
    key = f"key-{rng.getrandbits(40):x}"
    return ring, key, n, zones, names, vnodes


def _hint(got: Any, expected: Any, ring: HashRing, key: str, n: int, zones: dict[str, str] | None) -> str:
    """Which rule a wrong list breaks."""
    if isinstance(expected, Raised):
        return "count"
    if isinstance(got, Raised):
        return "raised"
    if not isinstance(got, list):
        return "form"
    if len(got) != len(set(got)) or len(got) != n:
        return "distinct"
    if got[0] != expected[0]:
        return "wrap" if ring.position(key) >= ring._ints[-1] else "start"
    zone_count = len(set(zones.values())) if zones is not None else n
    first = min(n, zone_count)
    if zones is not None and zone_count < n and got[:first] == expected[:first]:
        return "second"
    if set(got) == set(expected):
        return "order"
    return "zones" if zones is not None else "distinct"


def _show(ring: HashRing, key: str, n: int, zones: dict[str, str] | None) -> str:
    z = "" if zones is None else f", zones={zones}"
    return f"preference_list(ring, {key!r}, {n}{z}) with ring = {ring_text(ring)}; ring.position({key!r}) = {at(key):#034x}"


def _compare(answer: Any, case: str, ring: HashRing, key: str, n: int, zones: dict[str, str] | None) -> None:
    shown = _show(ring, key, n, zones)
    got = attempt(calling(answer), ring, key, n, zones=zones, input=shown, case=case)
    expected = calling(reference)(ring, key, n, zones=zones)
    if isinstance(expected, Raised):
        if not isinstance(got, Raised):
            fail(case=case, input=shown, expected="ValueError (n distinct nodes do not exist)", got=got,
                 hint=HINTS["count"])
        return
    if got != expected:
        fail(case=case, input=shown, expected=expected, got=got, hint=HINTS[_hint(got, expected, ring, key, n, zones)])


@exercise("11-drill-preference-list", title="Drill: a preference list of N distinct nodes", theme="T11",
          concepts=("H03",), kind="drill", reference="dsworkbook.partitioning.replication.preference_list",
          seconds=10.0)
def grade_drill_preference_list(preference_list: Any) -> str:
    """A function ``preference_list(ring, key, n, zones=None)``: the ``n`` distinct physical nodes
    met walking clockwise from ``key``'s owner, with the two-walk zone rule; ValueError when
    ``n`` is above the node count.

    Checked against the library's ``preference_list`` on hand-placed rings (all virtual nodes of
    one node side by side, a key exactly on a point, the wrap past the last point, one node,
    ``n`` equal to and above the node count, one zone, fewer zones than ``n``) and 400 random
    rings (1-12 nodes, 1-40 virtual nodes, names like n9 and n10, no zones or 1 to count + 1
    zones, ``n`` up to count + 1), then on a ring of 300 nodes; in two worlds with salted node
    names. The check's time budget (10 s) catches the source notes' endless loop.
    """
    need_callable(preference_list, "function preference_list(ring, key, n, zones=None)", allow_class=False)
    hand = _hand()
    # the endless-loop case first, so a loop is reported on it
    hand.sort(key=lambda c: c[5] != "count")
    for case, ring, key, n, zones, hint in hand:
        _compare(preference_list, case, ring, key, n, zones)
    cases = list(random_cases(RANDOM_SEED, 400, _draw))
    for case, (ring, key, n, zones, _, _) in cases:
        _compare(preference_list, case, ring, key, n, zones)
    big_names = [f"n{i}" for i in range(300)]
    big = HashRing(big_names, vnodes=20)
    big_zones = {x: f"rack{i % 7}" for i, x in enumerate(big_names)}
    for n in (3, 8, 300):
        _compare(preference_list, f"300 nodes with 20 points each, n = {n}", big, "blob:77", n,
                 big_zones if n == 8 else None)
    names, zones = ["n1", "n2", "n9", "n10", "n11", "n20"], {"n1": "a", "n2": "b", "n9": "a", "n10": "b",
                                                             "n11": "c", "n20": "c"}

    def run(names: list[str], key: str, zones: dict[str, str]) -> Any:
        return calling(preference_list)(HashRing(names, vnodes=6), key, 4, zones=zones)

    same_everywhere(run, names, "user:77", zones, input="six nodes n1..n20 in three zones, key 'user:77', n = 4",
                    case="a ring of six nodes, run in two worlds", salt_text=True)
    return (f"right on {len(hand)} hand-placed rings (side-by-side points, a key on a point, the wrap, n at and above "
            f"the node count, one zone, fewer zones than n), {len(cases)} random rings and a ring of 300 nodes; the "
            "same in two worlds")
