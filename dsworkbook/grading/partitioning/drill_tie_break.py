"""Exercise ``11-drill-tie-break``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
import random
from bisect import bisect_right
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 1106
SMALL = 64  # a small circle, so points collide often

HINTS = {
    "tie": "when several virtual nodes sit on one position the smallest (node, index) keeps it - node names "
           "compared as strings, so 'n10' < 'n9' - whatever the order the nodes joined in",
    "remove": "after remove_node(node) none of that node's positions may stay with it: a position only it held "
              "leaves the ring",
    "restore": "remove_node(node) takes away only that node's virtual nodes: a position it shared stays on the "
               "ring and goes to the next smallest (node, index) on it - keep every virtual node, not only the "
               "winners, and never delete a position another node also holds",
    "owner": "owner(pos) is the node of the first point strictly after pos (a position exactly on a point "
             "belongs to the next point), wrapping past the last point to the first",
    "points": "points() lists each occupied position once, sorted, with the node that keeps it",
}


def reference_points(members: dict[str, list[int]]) -> list[tuple[int, str]]:
    """Each occupied position once, sorted, kept by the smallest (node, index) on it (as HashRing does)."""
    out: list[tuple[int, str]] = []
    for p, n, _ in sorted((p, n, i) for n, ps in members.items() for i, p in enumerate(ps)):
        if not out or out[-1][0] != p:
            out.append((p, n))
    return out


def reference_owner(points: list[tuple[int, str]], pos: int) -> str:
    i = bisect_right([p for p, _ in points], pos)
    return points[i if i < len(points) else 0][1]


def _ops_text(ops: list[tuple]) -> str:
    return "; ".join(f"add_node({op[1]!r}, {op[2]})" if op[0] == "add" else f"remove_node({op[1]!r})" for op in ops)


def _hint(got: Any, expected: list[tuple[int, str]], last: tuple) -> str:
    """Which rule a wrong points() list breaks."""
    if not isinstance(got, list) or not all(isinstance(x, tuple) and len(x) == 2 for x in got):
        return "points"
    got_pos, want_pos = [p for p, _ in got], [p for p, _ in expected]
    if sorted(set(got_pos)) == want_pos and got_pos != want_pos:
        return "points"
    if set(want_pos) - set(got_pos):
        return "restore" if last[0] == "remove" else "points"
    if set(got_pos) - set(want_pos):
        return "remove"
    return "restore" if last[0] == "remove" else "tie"


def _run(cls: Any, ops: list[tuple], *, case: str, probe: range | list[int], every: int = 1) -> None:
    """Apply ``ops`` to a fresh ring; after each ``every``-th and the last, compare points() and owner() with the rule."""
    ring = attempt(cls, input="TieRing()", case=case)
    members: dict[str, list[int]] = {}
    for k, op in enumerate(ops):
        done = ops[:k + 1]
        if op[0] == "add":
            attempt(ring.add_node, op[1], list(op[2]), input=_ops_text(done), case=case)
            members[op[1]] = list(op[2])
        else:
            attempt(ring.remove_node, op[1], input=_ops_text(done), case=case)
            del members[op[1]]
        if (k + 1) % every and k + 1 < len(ops):
            continue
        expected = reference_points(members)
        got = attempt(ring.points, input=_ops_text(done), case=case)
        got_list = list(got) if isinstance(got, (list, tuple)) else got
        if isinstance(got_list, list):
            got_list = [tuple(x) if isinstance(x, (list, tuple)) else x for x in got_list]
        if got_list != expected:
            fail(case=case, input=_ops_text(done) + "; then points()", expected=expected, got=got,
                 hint=HINTS[_hint(got_list, expected, op)])
        if not expected:
            continue
        for pos in probe:
            want = reference_owner(expected, pos)
            have = attempt(ring.owner, pos, input=_ops_text(done) + f"; then owner({pos})", case=case)
            if have != want:
                fail(case=case, input=_ops_text(done) + f"; then owner({pos})", expected=want, got=have,
                     hint=HINTS["owner"])


def _hand() -> list[tuple[str, list[tuple], list[int]]]:
    a = [("add", "n9", [10, 20, 30]), ("add", "n10", [20, 40, 50])]
    return [
        ("n9 joins, then n10 on a shared point", a, list(range(0, 60, 5))),
        ("n10 joins, then n9 on a shared point", a[::-1], list(range(0, 60, 5))),
        ("the winner of a shared point leaves", a + [("remove", "n10")], [15, 19, 20, 25, 45, 55]),
        ("the loser of a shared point leaves", [a[1], a[0], ("remove", "n9")], [15, 19, 20, 25, 45, 55]),
        ("three nodes on one point, the two smallest leave in turn",
         [("add", "b", [7]), ("add", "c", [7, 30]), ("add", "a", [7, 12]), ("remove", "a"), ("remove", "b")],
         [0, 6, 7, 8, 12, 29, 30, 31, 63]),
        ("a node with two virtual nodes on one position", [("add", "x", [5, 5, 9]), ("add", "w", [9])],
         [4, 5, 6, 9, 10]),
        ("one node, one point: every position is its", [("add", "solo", [33])], [0, 32, 33, 34, 63]),
        ("a position exactly on a point and past the last point",
         [("add", "p", [3, 60]), ("add", "q", [40])], [2, 3, 4, 39, 40, 41, 59, 60, 61, 63]),
        ("a node leaves and joins again with other points",
         [("add", "m1", [1, 2]), ("add", "m2", [2, 3]), ("remove", "m1"), ("add", "m1", [3, 4])], list(range(8))),
    ]


def _draw(rng: random.Random) -> tuple[list[tuple], list[int]]:
    pool = rng.choice((["n1", "n2", "n9", "n10", "n11"], ["a", "b", "c", "ab", "B"], ["cache-1", "cache-10", "cache-2"]))
    circle = rng.choice((8, 16, SMALL))
    on: dict[str, bool] = {}
    ops: list[tuple] = []
    for _ in range(rng.randint(1, 12)):
        off = [n for n in pool if not on.get(n)]
        live = [n for n in pool if on.get(n)]
        if off and (not live or rng.random() < 0.6):
            n = rng.choice(off)
            ops.append(("add", n, [rng.randrange(circle) for _ in range(rng.randint(1, 5))]))
            on[n] = True
        else:
            n = rng.choice(live)
            ops.append(("remove", n))
            on[n] = False
    return ops, list(range(circle))


@exercise("11-drill-tie-break", title="Drill: ties on the ring that do not depend on join order", theme="T11",
          concepts=("H02",), kind="drill",
          reference=("dsworkbook.partitioning.ring.HashRing._rebuild", "dsworkbook.partitioning.ring.HashRing.owner_at"))
def grade_drill_tie_break(TieRing: Any) -> str:
    """A class ``TieRing`` with ``add_node(node, positions)``, ``remove_node(node)``,
    ``owner(pos)`` and ``points()``: a shared position is kept by the smallest (node, index);
    a removal gives shared positions back; ownership by the first point strictly after.

    Checked on hand-made sequences (both join orders, the winner and the loser leaving, three
    nodes on one point, a node on one position twice, n9 vs n10, a position on a point and past
    the last one, a node rejoining), 300 random sequences of joins and leaves on circles of 8 to
    64 positions (every position probed after every step), the same members joined in many
    orders, 200 nodes of 40 points on a circle of 2**32, and in two worlds with salted names.
    """
    need_callable(TieRing, "class TieRing")
    if not inspect.isclass(TieRing):
        fail(case="the answer itself", input=repr(TieRing), expected="the class TieRing", got=type(TieRing).__name__,
             hint="pass the class itself (its name, without calling it)")
    hand = _hand()
    for case, ops, probe in hand:
        _run(TieRing, ops, case=case, probe=probe)
    cases = list(random_cases(RANDOM_SEED, 300, _draw))
    for case, (ops, probe) in cases:
        _run(TieRing, ops, case=case, probe=probe)
    rng = random.Random(RANDOM_SEED + 1)
    members = [("add", n, [rng.randrange(16) for _ in range(3)]) for n in ("n1", "n2", "n9", "n10", "b", "a")]
    for k in range(40):
        order = members[:]
        rng.shuffle(order)
        _run(TieRing, order, case=f"the same six nodes joined in order {k + 1} of 40", probe=range(16))
    big_rng = random.Random(RANDOM_SEED + 2)
    big = [("add", f"node{i}", [big_rng.getrandbits(32) for _ in range(40)]) for i in range(200)]
    big.append(("add", "node7x", [p for _, _, ps in big[:3] for p in ps[:2]]))  # collides with three nodes
    _run(TieRing, [*big, ("remove", "node0")], case="200 nodes of 40 points on a circle of 2**32", every=100,
         probe=[p for p in big[-1][2]] + [0, (1 << 32) - 1])

    def run(names: list[str]) -> Any:
        ring = TieRing()
        for i, n in enumerate(names):
            ring.add_node(n, [3, 5 + i % 2, 9])
        ring.remove_node(names[1])
        return [tuple(x) for x in ring.points()], [ring.owner(p) for p in range(12)]

    same_everywhere(run, ["n1", "n10", "n9", "n2", "b", "a"], input="six nodes on positions 3, 5 or 6, and 9; n10 leaves",
                    case="six nodes on shared points, run in two worlds", salt_text=True)
    return (f"right on {len(hand)} hand-made sequences (both join orders, winner and loser leaving, n9 vs n10), "
            f"{len(cases)} random ones, 40 join orders of the same nodes and 200 nodes of 40 points; the same in "
            "two worlds")
