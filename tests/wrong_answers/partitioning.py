"""Right and plausible wrong answers to the T11 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_partitioning.py run every one of them.
"""

from __future__ import annotations

import math as _math
from bisect import bisect_left, bisect_right
from typing import Any

from dsworkbook.partitioning.alternatives import jump_hash as _lib_jump_hash
from dsworkbook.partitioning.chord import ChordNode, FindSuccessor, Found
from tests.wrong_answers import Answer

RIGHT: dict[str, Any] = {}
WRONG: dict[str, list[Any]] = {}
ALSO_RIGHT: dict[str, list[Any]] = {}

# -- 11-jump-hash --------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_MUL = 2862933555777941757


def jump_right(key, buckets):
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
    return b


def jump_float(key, buckets):
    """The paper's double arithmetic."""
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) % 2**64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def jump_no_mask(key, buckets):  # Python ints never overflow: key grows past 64 bits
    b, j = -1, 0
    while j < buckets:
        b = j
        key = key * _MUL + 1
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
    return b


def jump_shift_32(key, buckets):  # reads the top 32 bits, not 31: jumps half as far
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (b + 1) * 2**31 // ((key >> 32) + 1)
    return b


def jump_no_plus_one(key, buckets):  # divides by key >> 33 without + 1 (and dodges zero)
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (b + 1) * 2**31 // max(1, key >> 33)
    return b


def jump_returns_j(key, buckets):  # returns the jump that overshot, not the last bucket
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
    return min(j, buckets - 1) if buckets > 1 and j < 2 * buckets else j


def jump_le(key, buckets):  # loops while j <= buckets: can return buckets itself
    b, j = -1, 0
    while j <= buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
    return b


def jump_lcg_no_increment(key, buckets):  # key * a without the + 1: key 0 stays 0 forever
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL) & _M64
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
    return b


def jump_modulo(key, buckets):  # plain modulo: in range, but keys move between old buckets
    return key % buckets


def jump_step_after(key, buckets):  # steps the generator after computing j from the old key
    b, j = -1, 0
    while j < buckets:
        b = j
        j = (b + 1) * 2**31 // ((key >> 33) + 1)
        key = (key * _MUL + 1) & _M64
    return b


def jump_hash_builtin(key, buckets):  # seeds from hash() of the key's text: differs per process
    return _lib_jump_hash(hash(str(key)) & _M64, buckets)


def jump_float_32bit_product(key, buckets):  # computes (b + 1) * 2**31 in 32 bits (C int overflow)
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * _MUL + 1) & _M64
        j = (((b + 1) << 31) & 0xFFFFFFFF) // ((key >> 33) + 1)
        if j <= b:
            return b
    return b


RIGHT["11-jump-hash"] = jump_right
ALSO_RIGHT["11-jump-hash"] = [jump_float, _lib_jump_hash]
WRONG["11-jump-hash"] = [jump_no_mask, jump_shift_32, jump_no_plus_one, jump_returns_j, jump_le,
                         jump_lcg_no_increment, jump_modulo, jump_step_after, jump_hash_builtin,
                         jump_float_32bit_product]

# -- 11-drill-preference-list ---------------------------------------------------------------------------


def _walk(ring, key, *, inclusive=False, skip_owner=False):
    arcs = ring.arcs()
    points = [end for _, end, _ in arcs]
    owners = [node for _, _, node in arcs]
    pos = ring.position(key)
    start = (bisect_left if inclusive else bisect_right)(points, pos) % len(points)
    start = (start + skip_owner) % len(points)
    return [owners[(start + k) % len(points)] for k in range(len(points))]


def _fill(walk, n, zones, chosen=None):
    chosen = list(chosen or [])
    if zones is not None:
        used = {zones[c] for c in chosen}
        for node in walk:
            if len(chosen) < n and node not in chosen and zones[node] not in used:
                chosen.append(node)
                used.add(zones[node])
    for node in walk:
        if len(chosen) < n and node not in chosen:
            chosen.append(node)
    return chosen


def pref_right(ring, key, n, zones=None):
    if n > len(set(ring.nodes)):
        raise ValueError(f"only {len(ring.nodes)} nodes")
    return _fill(_walk(ring, key), n, zones)


def pref_notes(ring, key, n, zones=None):  # the notes' getNodes: loops forever when n > nodes, no zones
    points = [end for _, end, _ in ring.arcs()]
    owners = [node for _, _, node in ring.arcs()]
    i = bisect_left(points, ring.position(key)) % len(points)
    nodes = []
    while len(nodes) < n:
        if owners[i] not in nodes:
            nodes.append(owners[i])
        i = (i + 1) % len(points)
    return nodes


def pref_no_skip(ring, key, n, zones=None):  # takes the next n points: one node's vnodes count twice
    if n > len(ring.nodes):
        raise ValueError("too many")
    return _walk(ring, key)[:n]


def pref_ceiling(ring, key, n, zones=None):  # a key exactly on a point belongs to that point (ceilingEntry)
    if n > len(ring.nodes):
        raise ValueError("too many")
    return _fill(_walk(ring, key, inclusive=True), n, zones)


def pref_no_zones(ring, key, n, zones=None):  # ignores zones: all copies can share a rack
    if n > len(ring.nodes):
        raise ValueError("too many")
    return _fill(_walk(ring, key), n, None)


def pref_refuse_few_zones(ring, key, n, zones=None):  # raises when fewer zones than n exist
    if n > len(ring.nodes) or (zones is not None and len(set(zones.values())) < n):
        raise ValueError("not enough zones")
    return _fill(_walk(ring, key), n, zones)


def pref_second_walk_continues(ring, key, n, zones=None):  # the second walk resumes after the last zone pick
    if n > len(ring.nodes):
        raise ValueError("too many")
    walk = _walk(ring, key)
    if zones is None:
        return _fill(walk, n, None)
    chosen, used, last = [], set(), 0
    for k, node in enumerate(walk):
        if len(chosen) < n and node not in chosen and zones[node] not in used:
            chosen.append(node)
            used.add(zones[node])
            last = k
    rest = walk[last + 1:] + walk[:last + 1]
    return _fill(rest, n, None, chosen)


def pref_short_list(ring, key, n, zones=None):  # returns fewer nodes instead of raising
    return _fill(_walk(ring, key), n, zones)


def pref_sorted(ring, key, n, zones=None):  # the right nodes, sorted by name: the owner is not first
    return sorted(pref_right(ring, key, n, zones))


def pref_set_order(ring, key, n, zones=None):  # the owner first, the others in set order
    right = pref_right(ring, key, n, zones)
    return right[:1] + [x for x in set(right[1:])]


def pref_skips_owner(ring, key, n, zones=None):  # starts one point too late: the owner is left out
    if n > len(ring.nodes):
        raise ValueError("too many")
    return _fill(_walk(ring, key, skip_owner=True), n, zones)


def pref_no_wrap(ring, key, n, zones=None):  # stops at the last point instead of wrapping to the first
    if n > len(ring.nodes):
        raise ValueError("too many")
    arcs = ring.arcs()
    points = [end for _, end, _ in arcs]
    owners = [node for _, _, node in arcs]
    start = bisect_right(points, ring.position(key))
    return _fill(owners[start:] or owners[:1], n, zones)


def pref_zone_balanced(ring, key, n, zones=None):  # second walk prefers the zone with fewest copies
    if n > len(ring.nodes):
        raise ValueError("too many")
    walk = _walk(ring, key)
    chosen = _fill(walk, min(n, len(set(zones.values())) if zones else n), zones)
    while len(chosen) < n:
        counts = {}
        for c in chosen:
            counts[zones[c]] = counts.get(zones[c], 0) + 1
        rest = [x for x in dict.fromkeys(walk) if x not in chosen]
        chosen.append(min(rest, key=lambda x: (counts.get(zones[x], 0), rest.index(x))))
    return chosen


RIGHT["11-drill-preference-list"] = pref_right
ALSO_RIGHT["11-drill-preference-list"] = []
WRONG["11-drill-preference-list"] = [pref_notes, pref_no_skip, pref_ceiling, pref_no_zones, pref_refuse_few_zones,
                                     pref_second_walk_continues, pref_short_list, pref_sorted, pref_set_order,
                                     pref_skips_owner, pref_no_wrap, pref_zone_balanced]

# -- 11-predict-remap ------------------------------------------------------------------------------------

RIGHT["11-predict-remap"] = Answer({"modulo": 6 / 7, "ring": 1 / 7}, why="a")
ALSO_RIGHT["11-predict-remap"] = [Answer({"modulo": 0.86, "ring": 0.15}, why="(a)"),
                                  Answer({"modulo": 0.85, "ring": 0.135}, why=" A ")]
WRONG["11-predict-remap"] = [
    Answer({"modulo": 1 / 7, "ring": 1 / 7}, why="b"),        # modulo moves only the leaving node's keys
    Answer({"modulo": 6 / 7, "ring": 1 / 8}, why="a"),        # ring: the join formula 1/(n + 1), not the leaving node's 1/n
    Answer({"modulo": 1.0, "ring": 1 / 7}, why="a"),          # modulo: every key moves
    Answer({"modulo": 6 / 7, "ring": 0.0}, why="a"),          # ring: nothing moves
    Answer({"modulo": 0.5, "ring": 0.5}, why="c"),            # both about half
    Answer({"modulo": 6 / 7, "ring": 6 / 7}, why="d"),        # the ring remaps everything too
    Answer({"modulo": 1 / 7, "ring": 6 / 7}, why="a"),        # the two swapped
    Answer({"modulo": 6 / 7, "ring": 1 / 7}, why="b"),        # right numbers, wrong reason
    Answer({"modulo": 6 / 7, "ring": 1 / 7}, why="d"),        # right numbers, the ring's reason reversed
    Answer({"modulo": 85.7, "ring": 14.3}, why="a"),          # percentages, not fractions
    Answer({"modulo": 6 / 7}, why="a"),                       # a key missing
    Answer({"modulo": 6 / 7, "ring": 1 / 7}, why="e"),        # not one of the reasons
    Answer({"modulo": 6 / 7, "ring": 1 / 6}, why="a"),        # ring: the keys spread over the six that stay, 1/6
    Answer({"modulo": 5 / 6, "ring": 1 / 7}, why="a"),        # modulo: (n - 1)/n of the six that stay
]

# -- 11-predict-hot-key ----------------------------------------------------------------------------------

RIGHT["11-predict-hot-key"] = Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.19}, why="a")
ALSO_RIGHT["11-predict-hot-key"] = [Answer({"vnodes 20": 0.25, "vnodes 500": 0.25, "salted x8": 0.17}, why="a")]
WRONG["11-predict-hot-key"] = [
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.125, "salted x8": 0.125}, why="b"),  # the notes: vnodes fix hot keys
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.15, "salted x8": 0.19}, why="b"),    # 500 points bring it near 1/8
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.27}, why="a"),    # salting changes nothing
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.125}, why="a"),   # salting makes it perfect
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.40}, why="d"),    # salting: writes to all 8
    Answer({"vnodes 20": 0.155, "vnodes 500": 0.155, "salted x8": 0.05}, why="a"),  # only the hot key's share
    Answer({"vnodes 20": 0.40, "vnodes 500": 0.27, "salted x8": 0.19}, why="c"),    # arcs: few points, much hotter
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.19}, why="b"),    # right numbers, wrong reason
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27, "salted x8": 0.19}, why="c"),    # right numbers, arcs reason
    Answer({"vnodes 20": 26, "vnodes 500": 27, "salted x8": 19}, why="a"),          # percentages
    Answer({"vnodes 20": 0.26, "vnodes 500": 0.27}, why="a"),                       # a key missing
]

# -- 11-design-ring --------------------------------------------------------------------------------------


def _racks(k):
    """Nodes n0..n11 dealt round-robin over the first k racks."""
    return {f"n{i}": f"r{i % k + 1}" for i in range(12)}


RIGHT["11-design-ring"] = {"vnodes": 80, "replicas": 3, "racks": _racks(3)}
ALSO_RIGHT["11-design-ring"] = [{"vnodes": 120, "replicas": 3, "racks": _racks(4)},
                                {"vnodes": 110, "replicas": 3, "racks": {**_racks(4), "n0": "r2", "n1": "r1"}}]
WRONG["11-design-ring"] = [
    {"vnodes": 160, "replicas": 3, "racks": _racks(3)},   # the usual 160 points: balanced, but twice the points needed
    {"vnodes": 100, "replicas": 3, "racks": _racks(3)},   # a round number that misses the balance goal (1.20)
    {"vnodes": 1, "replicas": 3, "racks": _racks(3)},     # one point per node: badly unbalanced
    {"vnodes": 80, "replicas": 2, "racks": _racks(4)},    # two copies: a rack plus a node can take both
    {"vnodes": 80, "replicas": 4, "racks": _racks(3)},    # four copies where three survive: not the fewest
    {"vnodes": 80, "replicas": 3, "racks": _racks(2)},    # two racks of six: over the rack space
    {"vnodes": 80, "replicas": 3, "racks": _racks(1)},    # every node in one rack
    {"vnodes": 80, "replicas": 3, "racks": {**_racks(3), "n11": "r5"}},  # a rack that does not exist
    {"vnodes": 80.0, "replicas": 3, "racks": _racks(3)},  # vnodes as a float
    {"vnodes": 80, "replicas": 3},                        # the racks left out
    {"vnodes": 80, "replicas": 3, "racks": {f"n{i}": "r1" if i < 4 else "r2" if i < 8 else "r3" for i in range(11)}},
    # above: n11 has no rack
    {"vnodes": 40, "replicas": 3, "racks": _racks(3)},    # half the points: max/mean 1.29
]

# -- 11-drill-tie-break ----------------------------------------------------------------------------------


class TieRight:
    def __init__(self):
        self.vnodes = {}

    def add_node(self, node, positions):
        self.vnodes[node] = list(positions)

    def remove_node(self, node):
        del self.vnodes[node]

    def points(self):
        out = []
        for pos, node, _ in sorted((p, n, i) for n, ps in self.vnodes.items() for i, p in enumerate(ps)):
            if not out or out[-1][0] != pos:
                out.append((pos, node))
        return out

    def owner(self, pos):
        points = self.points()
        i = bisect_right([p for p, _ in points], pos)
        return points[i % len(points)][1]


class TieMapOfSets(TieRight):
    """Right another way: each position keeps the set of nodes on it; the smallest name wins."""

    def __init__(self):
        self.at = {}
        self.mine = {}

    def add_node(self, node, positions):
        self.mine[node] = list(positions)
        for p in positions:
            self.at.setdefault(p, set()).add(node)

    def remove_node(self, node):
        for p in set(self.mine.pop(node)):
            self.at[p].discard(node)
            if not self.at[p]:
                del self.at[p]

    def points(self):
        return [(p, min(nodes)) for p, nodes in sorted(self.at.items())]


class TieNotes:  # the notes' ring: the last to join keeps a shared position, remove deletes others' points
    def __init__(self):
        self.ring, self.mine = {}, {}

    def add_node(self, node, positions):
        self.mine[node] = list(positions)
        for p in positions:
            self.ring[p] = node

    def remove_node(self, node):
        for p in self.mine.pop(node):
            self.ring.pop(p, None)

    def points(self):
        return sorted(self.ring.items())

    def owner(self, pos):
        points = self.points()
        i = bisect_right([p for p, _ in points], pos)
        return points[i % len(points)][1]


class TieFirstWins(TieNotes):  # the first to join keeps a shared position: still depends on join order
    def add_node(self, node, positions):
        self.mine[node] = list(positions)
        for p in positions:
            self.ring.setdefault(p, node)

    def remove_node(self, node):
        for p in self.mine.pop(node):
            if self.ring.get(p) == node:
                del self.ring[p]


class TieSmallestOnAdd(TieNotes):  # the right tie on a join, but a leave deletes every position it had
    def add_node(self, node, positions):
        self.mine[node] = list(positions)
        for p in positions:
            if p not in self.ring or node < self.ring[p]:
                self.ring[p] = node


class TieNoRestore(TieSmallestOnAdd):  # a leave deletes only the positions it won; the losers' are gone for good
    def remove_node(self, node):
        for p in self.mine.pop(node):
            if self.ring.get(p) == node:
                del self.ring[p]


class TieLargest(TieRight):  # the largest name keeps a shared position
    def points(self):
        best = {}
        for n, ps in self.vnodes.items():
            for p in ps:
                if p not in best or n > best[p]:
                    best[p] = n
        return sorted(best.items())


class TieNumeric(TieRight):  # compares names by their number: n9 before n10
    def points(self):
        import re

        def rank(n):
            m = re.search(r"\d+$", n)
            return (n[:m.start()], int(m.group())) if m else (n, -1)
        best = {}
        for n, ps in self.vnodes.items():
            for p in ps:
                if p not in best or rank(n) < rank(best[p]):
                    best[p] = n
        return sorted(best.items())


class TieIndexFirst(TieRight):  # breaks the tie by the virtual node's index before the name
    def points(self):
        out = []
        for pos, _, node in sorted((p, i, n) for n, ps in self.vnodes.items() for i, p in enumerate(ps)):
            if not out or out[-1][0] != pos:
                out.append((pos, node))
        return out


class TieBisectLeft(TieRight):  # a position exactly on a point belongs to that point
    def owner(self, pos):
        points = self.points()
        i = bisect_left([p for p, _ in points], pos)
        return points[i % len(points)][1]


class TieNoWrap(TieRight):  # past the last point, keeps the last point's node instead of wrapping
    def owner(self, pos):
        points = self.points()
        i = bisect_right([p for p, _ in points], pos)
        return points[min(i, len(points) - 1)][1]


class TieDuplicates(TieRight):  # lists every virtual node: a shared position appears twice
    def points(self):
        return sorted((p, n) for n, ps in self.vnodes.items() for p in ps)


class TieHashOrder(TieRight):  # the winner is whichever node a set yields first
    def points(self):
        at = {}
        for n, ps in self.vnodes.items():
            for p in ps:
                at.setdefault(p, set()).add(n)
        return [(p, next(iter(nodes))) for p, nodes in sorted(at.items())]


RIGHT["11-drill-tie-break"] = TieRight
ALSO_RIGHT["11-drill-tie-break"] = [TieMapOfSets]
WRONG["11-drill-tie-break"] = [TieNotes, TieFirstWins, TieSmallestOnAdd, TieNoRestore, TieLargest, TieNumeric,
                               TieIndexFirst, TieBisectLeft, TieNoWrap, TieDuplicates, TieHashOrder]

# -- 11-bounded-load -------------------------------------------------------------------------------------


def _bounded(ring, keys, eps, *, capacity=None, start=bisect_right, below=True, wrap=True, order=None,
             spill=None):
    arcs = ring.arcs()
    points = [end for _, end, _ in arcs]
    owners = [node for _, _, node in arcs]
    cap = _math.ceil((1 + eps) * len(keys) / len(ring)) if capacity is None else capacity(len(keys), len(ring), eps)
    load = dict.fromkeys(ring.nodes, 0)
    placed = {}
    for key in (order(keys) if order else keys):
        i = start(points, ring.position(key))
        node = owners[i % len(points)]
        if spill is not None and load[node] >= cap:
            node = spill(load, node)
        else:
            for k in range(len(points)):
                j = i + k
                if not wrap and j >= len(points):
                    j = len(points) - 1
                node = owners[j % len(points)]
                if (load[node] < cap) if below else (load[node] <= cap):
                    break
        load[node] += 1
        placed[key] = node
    return placed


def bounded_right(ring, keys, eps):
    return _bounded(ring, keys, eps)


def bounded_floor(ring, keys, eps):  # rounds the capacity down
    return _bounded(ring, keys, eps, capacity=lambda m, n, e: max(1, int((1 + e) * m / n)))


def bounded_exact(ring, keys, eps):  # exact fractions: 11, not 12, when floating point rounds up
    from fractions import Fraction
    return _bounded(ring, keys, eps, capacity=lambda m, n, e: _math.ceil((1 + Fraction(str(e))) * m / n))


def bounded_points(ring, keys, eps):  # divides by the number of points, not of nodes
    return _bounded(ring, keys, eps, capacity=lambda m, n, e: _math.ceil((1 + e) * m / len(ring.arcs())) or 1)


def bounded_no_eps(ring, keys, eps):  # forgets eps: capacity ceil(m / n)
    return _bounded(ring, keys, eps, capacity=lambda m, n, e: _math.ceil(m / n))


def bounded_at_most(ring, keys, eps):  # lets a node take a key while its load is at the capacity
    return _bounded(ring, keys, eps, below=False)


def bounded_ceiling(ring, keys, eps):  # a key exactly on a point goes to that point
    return _bounded(ring, keys, eps, start=bisect_left)


def bounded_no_wrap(ring, keys, eps):  # the overflow walk stops at the last point instead of wrapping
    return _bounded(ring, keys, eps, wrap=False)


def bounded_sorted(ring, keys, eps):  # places the keys in sorted order, not as they arrive
    return _bounded(ring, keys, eps, order=sorted)


def bounded_least_loaded(ring, keys, eps):  # overflow goes to the least-loaded node, not clockwise
    return _bounded(ring, keys, eps, spill=lambda load, node: min(sorted(load), key=lambda n: load[n]))


def bounded_next_by_name(ring, keys, eps):  # overflow goes to the next node by name
    def spill(load, node):
        names = sorted(load)
        k = names.index(node)
        for j in range(1, len(names) + 1):
            cand = names[(k + j) % len(names)]
            if load[cand] < _math.ceil((1 + eps) * len(keys) / len(ring)):
                return cand
        return node
    return _bounded(ring, keys, eps, spill=spill)


def bounded_unbounded(ring, keys, eps):  # the plain ring: no capacity at all
    return {k: ring.lookup(k) for k in keys}


RIGHT["11-bounded-load"] = bounded_right
ALSO_RIGHT["11-bounded-load"] = []
WRONG["11-bounded-load"] = [bounded_floor, bounded_exact, bounded_points, bounded_no_eps, bounded_at_most,
                            bounded_ceiling, bounded_no_wrap, bounded_sorted, bounded_least_loaded,
                            bounded_next_by_name, bounded_unbounded]

# -- 11-chord-route --------------------------------------------------------------------------------------


def _in_half(x, a, b, mod):
    """x in (a, b] on a circle of mod; (a, a] is the whole circle."""
    return 0 < (x - a) % mod <= ((b - a - 1) % mod) + 1


class RouteRight(ChordNode):
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        if s == self.id or _in_half(msg.target, self.ident, self.id_of(s), 2**self.m):
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))

    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        best, best_d = self._live_succ(), -1
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id or n in self.dead:
                continue
            d = (self.id_of(n) - self.ident) % mod
            if 0 < d < span and d > best_d:
                best, best_d = n, d
        return best


class RouteOwnerIsSelf(RouteRight):  # answers with this node (the key's predecessor), not its successor
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        if s == self.id or _in_half(msg.target, self.ident, self.id_of(s), 2**self.m):
            self._answer(Found(msg.target, self.id, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteOpenArc(RouteRight):  # settles only targets strictly before the successor: (a, b) not (a, b]
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        mod = 2**self.m
        d, ds = (msg.target - self.ident) % mod, (self.id_of(s) - self.ident) % mod or mod
        if s == self.id or 0 < d < ds:
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteClosedStart(RouteRight):  # [a, b]: a target equal to this node's id goes to its successor
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        mod = 2**self.m
        d, ds = (msg.target - self.ident) % mod, (self.id_of(s) - self.ident) % mod or mod
        if s == self.id or d <= ds:
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteNoWrap(RouteRight):  # compares a < x <= b with no wrap past 0
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        if s == self.id or self.ident < msg.target <= self.id_of(s):
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))

    def _closest_preceding(self, target):
        best, best_id = self._live_succ(), -1
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id or n in self.dead:
                continue
            if self.ident < self.id_of(n) < target and self.id_of(n) > best_id:
                best, best_id = n, self.id_of(n)
        return best


class RouteNearestFinger(RouteRight):  # forwards to the nearest preceding node, not the farthest
    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id or n in self.dead:
                continue
            if 0 < (self.id_of(n) - self.ident) % mod < span:
                return n
        return self._live_succ()


class RouteSuccessorOnly(RouteRight):  # always forwards to the successor: right owners, O(n) hops
    def _closest_preceding(self, target):
        return self._live_succ()


class RouteClosedPreceding(RouteRight):  # (ident, target]: may forward to the target's owner itself
    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        best, best_d = self._live_succ(), -1
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id or n in self.dead:
                continue
            d = (self.id_of(n) - self.ident) % mod
            if 0 < d <= span and d > best_d:
                best, best_d = n, d
        return best


class RouteNoHopCount(RouteRight):  # forwards without counting the hop
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        if s == self.id or _in_half(msg.target, self.ident, self.id_of(s), 2**self.m):
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops, 0),
                          self._closest_preceding(msg.target))


class RouteSingleNodeForward(RouteRight):  # a ring of one: forwards to itself forever instead of answering
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        mod = 2**self.m
        d, ds = (msg.target - self.ident) % mod, (self.id_of(s) - self.ident) % mod
        if 0 < d <= ds:
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteCountsAnswer(RouteRight):  # counts the settling step as a hop too
    def _route(self, msg):
        if not self.succ:
            return
        s = self._live_succ()
        if s == self.id or _in_half(msg.target, self.ident, self.id_of(s), 2**self.m):
            self._answer(Found(msg.target, s, msg.tag, msg.hops + 1), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteFingersOnly(RouteRight):  # looks only at the fingers, not the successor list
    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        best, best_d = self._live_succ(), -1
        for n in self.fingers:
            if n is None or n == self.id or n in self.dead:
                continue
            d = (self.id_of(n) - self.ident) % mod
            if 0 < d < span and d > best_d:
                best, best_d = n, d
        return best


class RouteAlwaysSuccessor(RouteRight):  # answers every lookup with its own successor, no routing
    def _route(self, msg):
        if self.succ:
            self._answer(Found(msg.target, self._live_succ(), msg.tag, msg.hops), msg.origin)


class _RouteWithSuccessor(RouteRight):
    def _successor(self):
        return self._live_succ()

    def _route(self, msg):
        if not self.succ:
            return
        s = self._successor()
        if s == self.id or _in_half(msg.target, self.ident, self.id_of(s), 2**self.m):
            self._answer(Found(msg.target, s, msg.tag, msg.hops), msg.origin)
        else:
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0),
                          self._closest_preceding(msg.target))


class RouteFirstSuccessorEvenDead(_RouteWithSuccessor):  # settles with self.succ[0] although it is in self.dead
    def _successor(self):
        return self.succ[0]


class RouteDeadFallback(_RouteWithSuccessor):  # all successors dead: falls back to succ[0], not to itself
    def _successor(self):
        return next((x for x in self.succ if x not in self.dead), self.succ[0])


class RoutePrecedingKeepsDead(RouteRight):  # the closest preceding node may be one in self.dead
    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        best, best_d = self._live_succ(), -1
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id:
                continue
            d = (self.id_of(n) - self.ident) % mod
            if 0 < d < span and d > best_d:
                best, best_d = n, d
        return best


class RoutePrecedingDeadFingersOnly(RouteRight):  # skips dead fingers but not dead entries of the successor list
    def _closest_preceding(self, target):
        mod = 2**self.m
        span = (target - self.ident) % mod or mod
        best, best_d = self._live_succ(), -1
        for n in (*[f for f in self.fingers if f not in self.dead], *self.succ):
            if n is None or n == self.id:
                continue
            d = (self.id_of(n) - self.ident) % mod
            if 0 < d < span and d > best_d:
                best, best_d = n, d
        return best


class RoutePrecedingFallbackFirst(RouteRight):  # nothing precedes the target: falls back to succ[0], dead or not
    def _closest_preceding(self, target):
        best = RouteRight._closest_preceding(self, target)
        return self.succ[0] if best == self._live_succ() else best


RIGHT["11-chord-route"] = RouteRight
ALSO_RIGHT["11-chord-route"] = []
WRONG["11-chord-route"] = [RouteOwnerIsSelf, RouteOpenArc, RouteClosedStart, RouteNoWrap, RouteNearestFinger,
                           RouteSuccessorOnly, RouteClosedPreceding, RouteNoHopCount, RouteSingleNodeForward,
                           RouteCountsAnswer, RouteFingersOnly, RouteAlwaysSuccessor, RouteFirstSuccessorEvenDead,
                           RouteDeadFallback, RoutePrecedingKeepsDead, RoutePrecedingDeadFingersOnly,
                           RoutePrecedingFallbackFirst]
