"""Right and plausible wrong answers to the T05 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``ALSO_RIGHT`` lists other correct ones;
``WRONG[exercise_id]`` lists wrong ones, each with a comment naming the mistake it makes.
tests/test_exercises.py and tests/test_grading_crdt.py run every one of them.
"""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

from dsworkbook.crdt.pitfalls import NaiveCompactORSet, naive_lww_merge
from tests.wrong_answers import Answer

# -- 05-gcounter-merge -------------------------------------------------------------------------------


def gcounter_right(a: dict, b: dict) -> dict:
    return {r: max(a.get(r, 0), b.get(r, 0)) for r in set(a) | set(b)}


def gcounter_right_loop(a: dict, b: dict) -> dict:
    # also right: start from a copy of a, raise each entry to b's where b is larger
    out = dict(a)
    for r, n in b.items():
        if n > out.get(r, 0):
            out[r] = n
    return out


def gcounter_right_no_zeros(a: dict, b: dict) -> dict:
    # also right: leaves out zero entries (a missing replica counts 0)
    return {r: n for r in a.keys() | b.keys() if (n := max(a.get(r, 0), b.get(r, 0)))}


def gcounter_sum(a, b):
    return {r: a.get(r, 0) + b.get(r, 0) for r in set(a) | set(b)}  # sum: a re-delivered state counts again


def gcounter_overwrite(a, b):
    return {**a, **b}  # b's entries overwrite a's, even when a's count is larger


def gcounter_left_keys(a, b):
    return {r: max(n, b.get(r, 0)) for r, n in a.items()}  # forgets replicas that only b knows


def gcounter_in_place(a, b):
    for r, n in b.items():
        a[r] = max(a.get(r, 0), n)  # updates a, but returns nothing


def gcounter_total_max(a, b):
    return a if sum(a.values()) >= sum(b.values()) else b  # keeps the bigger total: loses the other's increments


def gcounter_common_keys(a, b):
    return {r: max(a[r], b[r]) for r in a.keys() & b.keys()}  # only replicas both sides know


def gcounter_min(a, b):
    return {r: min(a.get(r, 0), b.get(r, 0)) for r in set(a) | set(b)}  # min: keeps the staler count


def gcounter_zip_sorted(a, b):
    # pairs the entries position by position after sorting: wrong as soon as the key sets differ
    return {ra: max(na, nb) for (ra, na), (rb, nb) in zip(sorted(a.items()), sorted(b.items()))}


def gcounter_or(a, b):
    return {r: a.get(r) or b.get(r, 0) for r in set(a) | set(b)}  # a's count whenever it is non-zero, not the max


def gcounter_sum_unless_equal(a, b):
    if a == b:
        return dict(a)  # skips an exact duplicate, but still sums two different states that overlap
    return {r: a.get(r, 0) + b.get(r, 0) for r in set(a) | set(b)}


def gcounter_mutate_a(a, b):
    for r, n in b.items():
        a[r] = max(a.get(r, 0), n)  # right values, but changes a state another replica (or a message) holds
    return a


# -- 05-drill-lww ------------------------------------------------------------------------------------------


def lww_right(a: tuple, b: tuple) -> tuple:
    return b if (b[1], b[2]) > (a[1], a[2]) else a


def lww_right_max(a: tuple, b: tuple) -> tuple:
    # also right: max by the stamp
    return max(a, b, key=lambda w: (w[1], w[2]))


def lww_right_slice(a: tuple, b: tuple) -> tuple:
    # also right: compare the (time, replica) tail, keep a on equal stamps (one stamp, one write)
    return a if a[1:] >= b[1:] else b


def lww_keep_own(a, b):
    return b if b[1] > a[1] else a  # on a tie keeps its own value: the replicas never agree


def lww_take_other(a, b):
    return b if b[1] >= a[1] else a  # on a tie takes the incoming value: flips with the merge order


def lww_smaller_replica(a, b):
    return b if b[1] > a[1] or (b[1] == a[1] and b[2] < a[2]) else a  # a tie is won by the SMALLER replica id


def lww_repr_tie(a, b):
    if b[1] != a[1]:
        return b if b[1] > a[1] else a
    return b if repr(b[0]) > repr(a[0]) else a  # tie broken by the value, not the replica id


def lww_time_only(a, b):
    return max(a, b, key=lambda w: w[1])  # ignores the replica id: a tie keeps the first argument


def lww_hash_tie(a, b):
    # a tie broken by hash() of the replica id: differs from one Python process to the next
    return b if (b[1], hash(b[2])) > (a[1], hash(a[2])) else a


def lww_random_tie(a, b):
    if a[1] != b[1]:
        return b if b[1] > a[1] else a
    return random.choice([a, b]) if a != b else a  # a tie decided by a coin: each replica flips its own


def lww_natural_sort(a, b):
    # replica ids in "natural" order (by length, then text): "r10" beats "r9", not as the statement says
    return b if (b[1], len(b[2]), b[2]) > (a[1], len(a[2]), a[2]) else a


def lww_whole_tuple(a, b):
    return max(a, b)  # compares the VALUES first: the later write loses to a larger value (or 1 vs "1" crashes)


def lww_falsy_empty(a, b):
    if not a[0]:
        return b  # treats a write of 0, "" or False as the empty register
    if not b[0]:
        return a
    return b if (b[1], b[2]) > (a[1], a[2]) else a


def lww_time_as_text(a, b):
    return b if (str(b[1]), b[2]) > (str(a[1]), a[2]) else a  # compares times as text: "9" > "10"


def lww_clock_tie(a, b):
    if a[1] != b[1]:
        return b if b[1] > a[1] else a
    return a if int(time.time()) % 2 else b  # a tie decided by the wall clock


# -- 05-mv-register -------------------------------------------------------------------------------------


def _nz(vv: dict) -> dict:
    return {r: n for r, n in vv.items() if n}


def _dominated(x: dict, y: dict) -> bool:
    return all(n <= y.get(r, 0) for r, n in x.items()) and _nz(x) != _nz(y)


def mv_right(a: list, b: list) -> list:
    out = []
    for value, vv in a + b:
        if any(value == v and _nz(vv) == _nz(w) for v, w in out):
            continue
        if not any(_dominated(vv, other) for _, other in a + b):
            out.append((value, vv))
    return out


def mv_right_keys(a: list, b: list) -> list:
    # also right: one dict keyed by (value, the non-zero entries), then keep the undominated
    both = {(v, frozenset(_nz(vv).items())): (v, vv) for v, vv in a + b}
    return [(v, vv) for v, vv in both.values() if not any(_dominated(vv, w) for _, w in both.values())]


def mv_union(a, b):
    return a + [e for e in b if e not in a]  # never prunes: superseded values pile up as siblings


def mv_by_sum(a, b):
    both = a + [e for e in b if e not in a]  # "newest" by the sum of the counters: drops concurrent siblings
    top = max((sum(vv.values()) for _, vv in both), default=0)
    return [e for e in both if sum(e[1].values()) == top]


def mv_prune_equal(a, b):
    both = a + b  # prunes with <=, not <: a sibling held by both sides "dominates" its own copy, both vanish
    return [(v, x) for i, (v, x) in enumerate(both)
            if not any(j != i and all(n <= y.get(r, 0) for r, n in x.items()) for j, (_, y) in enumerate(both))]


def mv_one_sided(a, b):
    kept = [(v, x) for v, x in a if not any(_dominated(x, y) for _, y in b)]  # prunes a by b, never b by a
    return kept + [e for e in b if e not in kept]


def mv_duplicates(a, b):
    return [(v, x) for v, x in a + b if not any(_dominated(x, y) for _, y in a + b)]  # keeps a shared sibling twice


def mv_zero_entries_differ(a, b):
    out = []  # dedups by dict equality: {"A": 1, "B": 0} and {"A": 1} are kept as two siblings
    for value, vv in a + b:
        if (value, vv) not in out and not any(_dominated(vv, other) for _, other in a + b):
            out.append((value, vv))
    return out


def mv_one_per_value(a, b):
    kept = {}  # one sibling per VALUE: two concurrent writes of the same value collapse into one
    for v, vv in a + b:
        if not any(_dominated(vv, w) for _, w in a + b):
            kept[v] = vv
    return list(kept.items())


def mv_common_keys(a, b):
    def dom(x, y):  # compares only the replicas both vectors name: {"A": 1} and {"B": 1} "dominate" each other
        return x != y and all(x[r] <= y[r] for r in x.keys() & y.keys())
    out = []
    for v, vv in a + b:
        if (v, vv) not in out and not any(dom(vv, w) for _, w in a + b):
            out.append((v, vv))
    return out


def mv_keys_of_y(a, b):
    def dom(x, y):  # loops over y's entries only: a replica x knows and y does not is never compared
        return _nz(x) != _nz(y) and all(x.get(r, 0) <= n for r, n in y.items())
    out = []
    for v, vv in a + b:
        if not any(v == u and _nz(vv) == _nz(w) for u, w in out) and not any(dom(vv, w) for _, w in a + b):
            out.append((v, vv))
    return out


def mv_newer_side(a, b):
    # if anything in b dominates anything in a, b's siblings replace all of a's (and the other way round)
    if any(_dominated(x, y) for _, x in a for _, y in b):
        return list(b)
    if any(_dominated(y, x) for _, x in a for _, y in b):
        return list(a)
    return mv_right(a, b)


# -- 05-predict-cart ---------------------------------------------------------------------------------------

CART = {"LWW": {"milk"}, "MV": {"eggs", "milk", "tea"}, "OR-Set": {"milk", "tea"}}
CART_RIGHT = Answer(CART, why="b")

# -- 05-drill-orset -----------------------------------------------------------------------------------------


class CompactORSetRight(NaiveCompactORSet):
    def remove(self, element):
        self.entries = {(e, dot) for e, dot in self.entries if e != element}

    def merge(self, other):
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        both = self.entries & other.entries
        mine = {(e, (r, n)) for e, (r, n) in self.entries - other.entries if n > other.clock[r]}
        theirs = {(e, (r, n)) for e, (r, n) in other.entries - self.entries if n > self.clock[r]}
        merged.entries = both | mine | theirs
        return merged


class CompactORSetLoops(NaiveCompactORSet):
    # also right: the same rule written entry by entry
    def remove(self, element):
        for entry in [x for x in self.entries if x[0] == element]:
            self.entries.discard(entry)

    def merge(self, other):
        merged = type(self)(self.clock)
        for r in self.clock:
            merged.clock[r] = max(self.clock[r], other.clock[r])
        for side, seen_by in ((self, other), (other, self)):
            for element, (r, n) in side.entries:
                if (element, (r, n)) in seen_by.entries or n > seen_by.clock[r]:
                    merged.entries.add((element, (r, n)))
        return merged


class OrsetRemoveOnly(NaiveCompactORSet):
    def remove(self, element):
        self.entries = {(e, d) for e, d in self.entries if e != element}  # no tombstones, but merge still unions:
    # a replica that has not seen the remove brings the element back


class OrsetKeepTombstones(NaiveCompactORSet):
    def compress(self):
        pass  # never compacts: safe, but the state grows with every removal


class OrsetOffByOne(CompactORSetRight):
    def merge(self, other):
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        both = self.entries & other.entries  # >= instead of >: the last dot the other side saw comes back
        mine = {(e, (r, n)) for e, (r, n) in self.entries - other.entries if n >= other.clock[r]}
        theirs = {(e, (r, n)) for e, (r, n) in other.entries - self.entries if n >= self.clock[r]}
        merged.entries = both | mine | theirs
        return merged


class OrsetIntersection(CompactORSetRight):
    def merge(self, other):
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        merged.entries = self.entries & other.entries  # keeps only what both hold: loses every new add
        return merged


class OrsetOwnClock(CompactORSetRight):
    def merge(self, other):
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        both = self.entries & other.entries  # judges both sides by its OWN clock
        mine = {(e, (r, n)) for e, (r, n) in self.entries - other.entries if n > self.clock[r]}
        theirs = {(e, (r, n)) for e, (r, n) in other.entries - self.entries if n > self.clock[r]}
        merged.entries = both | mine | theirs
        return merged


class OrsetClockNotMerged(CompactORSetRight):
    def merge(self, other):
        merged = super().merge(other)
        merged.clock = dict(self.clock)  # keeps its own clock: forgets the dots it just learned of
        return merged


class OrsetRemoveForgetsClock(CompactORSetRight):
    def remove(self, element):
        for e, (r, n) in [x for x in self.entries if x[0] == element]:
            self.clock[r] = min(self.clock[r], n - 1)  # "un-sees" the removed dots: they come back from others
        super().remove(element)


class OrsetDropsOwnNew(CompactORSetRight):
    def merge(self, other):
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        theirs = {(e, (r, n)) for e, (r, n) in other.entries - self.entries if n > self.clock[r]}
        merged.entries = (self.entries & other.entries) | theirs  # forgets its own adds the other side lacks
        return merged


class OrsetSyncsOther(CompactORSetRight):
    def merge(self, other):
        merged = super().merge(other)
        other.entries, other.clock = set(merged.entries), dict(merged.clock)  # "syncs" the sender's state too
        return merged


class OrsetByElement(CompactORSetRight):
    def merge(self, other):
        merged = super().merge(other)
        mine, theirs = {e for e, _ in self.entries}, {e for e, _ in other.entries}
        # keeps every entry of an element the other side still shows, whatever its dot: judges by element
        merged.entries |= {x for x in self.entries if x[0] in theirs} | {x for x in other.entries if x[0] in mine}
        return merged


# -- 05-laws ------------------------------------------------------------------------------------------------


def laws_right(merge, states) -> set:
    broken = set()
    for a, b in itertools.product(states, repeat=2):
        if merge(a, b) != merge(b, a):
            broken.add("commutative")
    for a in states:
        if merge(a, a) != a:
            broken.add("idempotent")
    for a, b, c in itertools.product(states, repeat=3):
        if merge(merge(a, b), c) != merge(a, merge(b, c)):
            broken.add("associative")
    return broken


def laws_library(merge, states) -> set:
    # also right: the library's checker
    from dsworkbook.crdt.laws import check_laws

    return {v.law for v in check_laws(merge, states, laws=("commutative", "associative", "idempotent"))}


def laws_pairs_only(merge, states):
    return laws_right(merge, states) - {"associative"}  # never checks triples: the average slips through


def laws_no_repeats(merge, states):
    broken = set()  # distinct pairs and triples only: merge(a, a) is never tried
    for a, b in itertools.permutations(states, 2):
        if merge(a, b) != merge(b, a):
            broken.add("commutative")
    for a, b, c in itertools.permutations(states, 3):
        if merge(merge(a, b), c) != merge(a, merge(b, c)):
            broken.add("associative")
    return broken


def laws_identity(merge, states):
    broken = set()  # compares with `is`: a fresh but equal result looks like a violation
    for a, b in itertools.product(states, repeat=2):
        if merge(a, b) is not merge(b, a):
            broken.add("commutative")
    for a in states:
        if merge(a, a) is not a:
            broken.add("idempotent")
    return broken


def laws_first_pair(merge, states):
    a, b = states[0], states[-1]  # checks one pair only
    out = set()
    if merge(a, b) != merge(b, a):
        out.add("commutative")
    if merge(a, a) != a:
        out.add("idempotent")
    return out


def laws_first_three(merge, states):
    return laws_right(merge, states[:3])  # "to save time" looks at the first three states only


def laws_no_repeat_triples(merge, states):
    broken = set()  # pairs with repeats, but triples of DISTINCT states only
    for a, b in itertools.product(states, repeat=2):
        if merge(a, b) != merge(b, a):
            broken.add("commutative")
    for a in states:
        if merge(a, a) != a:
            broken.add("idempotent")
    for a, b, c in itertools.combinations(states, 3):
        if merge(merge(a, b), c) != merge(a, merge(b, c)):
            broken.add("associative")
    return broken


def laws_by_text(merge, states):
    broken = set()  # compares printed results: equal dicts (or sets) that print in another order "differ"
    for a, b in itertools.product(states, repeat=2):
        if str(merge(a, b)) != str(merge(b, a)):
            broken.add("commutative")
    for a in states:
        if str(merge(a, a)) != str(a):
            broken.add("idempotent")
    for a, b, c in itertools.product(states, repeat=3):
        if str(merge(merge(a, b), c)) != str(merge(a, merge(b, c))):
            broken.add("associative")
    return broken


def laws_wrong_associative(merge, states):
    broken = laws_right(merge, states) - {"associative"}  # "associative" as regrouping AND reordering
    for a, b, c in itertools.product(states, repeat=3):
        if merge(merge(a, b), c) != merge(merge(a, c), b):
            broken.add("associative")
    return broken


def laws_wrong_idempotent(merge, states):
    broken = laws_right(merge, states) - {"idempotent"}  # "idempotent" as merging b twice into a
    for a, b in itertools.product(states, repeat=2):
        if merge(merge(a, b), b) != merge(a, b):
            broken.add("idempotent")
    return broken


def laws_sampled(merge, states):
    broken = set()  # checks 10 random triples "to be fast": misses rare counterexamples, and differs run to run
    for _ in range(10):
        a, b, c = (random.choice(states) for _ in range(3))
        if merge(a, b) != merge(b, a):
            broken.add("commutative")
        if merge(a, a) != a:
            broken.add("idempotent")
        if merge(merge(a, b), c) != merge(a, merge(b, c)):
            broken.add("associative")
    return broken


def laws_first_found(merge, states):
    for a, b in itertools.product(states, repeat=2):
        if merge(a, b) != merge(b, a):
            return {"commutative"}  # stops at the first broken law: a merge can break several
    for a in states:
        if merge(a, a) != a:
            return {"idempotent"}
    for a, b, c in itertools.product(states, repeat=3):
        if merge(merge(a, b), c) != merge(a, merge(b, c)):
            return {"associative"}
    return set()


# -- 05-rga-order --------------------------------------------------------------------------------------------


def _children(nodes):
    children: dict = {}
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    return children


def rga_right(nodes, tombstones) -> str:
    children, dead, out = _children(nodes), set(tombstones), []
    stack = sorted(children.get((0, ""), []))
    while stack:  # depth first, newest child first: the stack pops the largest id first
        node_id, char = stack.pop()
        if node_id not in dead:
            out.append(char)
        stack.extend(sorted(children.get(node_id, [])))
    return "".join(out)


def rga_right_integrate(nodes, tombstones) -> str:
    # also right, as Roh et al. integrate inserts: in id order (anchors first), each right after its anchor
    order = [(0, "")]
    chars = {}
    for node_id, anchor, char in sorted(nodes):
        order.insert(order.index(anchor) + 1, node_id)
        chars[node_id] = char
    dead = set(tombstones)
    return "".join(chars[i] for i in order[1:] if i not in dead)


def _walk(nodes, tombstones, key, *, recurse_dead=True):
    children, dead, out = _children(nodes), set(tombstones), []
    stack = list(reversed(key(children.get((0, ""), []))))
    while stack:
        node_id, char = stack.pop()
        if node_id in dead and not recurse_dead:
            continue
        if node_id not in dead:
            out.append(char)
        stack.extend(reversed(key(children.get(node_id, []))))
    return "".join(out)


def rga_ascending(nodes, tombstones):
    return _walk(nodes, tombstones, sorted)  # children oldest first: a concurrent insert lands after the other's run


def rga_flat(nodes, tombstones):
    return "".join(c for i, _, c in sorted(nodes) if i not in set(tombstones))  # sorts by id, ignores anchors


def rga_shows_deleted(nodes, tombstones):
    return rga_right(nodes, [])  # forgets the tombstones


def rga_input_order(nodes, tombstones):
    return _walk(nodes, tombstones, lambda kids: kids)  # children in arrival order: replicas receiving otherwise differ


def rga_counter_only(nodes, tombstones):
    # siblings by counter only: a tie between replicas keeps the input order
    return _walk(nodes, tombstones, lambda kids: sorted(kids, key=lambda x: -x[0][0]))


def rga_deleted_subtree(nodes, tombstones):
    # skips a deleted character's children too: text inserted after it vanishes
    return _walk(nodes, tombstones, lambda kids: sorted(kids, reverse=True), recurse_dead=False)


def rga_recursive(nodes, tombstones):
    children, dead, out = _children(nodes), set(tombstones), []

    def walk(anchor):  # recurses once per character: a long run of typing overflows the stack
        for node_id, char in sorted(children.get(anchor, []), reverse=True):
            if node_id not in dead:
                out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


def rga_natural_replica(nodes, tombstones):
    # replica ids in "natural" order (by length): "r10" before "r9" on a tie of counters
    return _walk(nodes, tombstones, lambda kids: sorted(kids, key=lambda x: (x[0][0], len(x[0][1]), x[0][1]),
                                                        reverse=True))


def rga_negated_counter(nodes, tombstones):
    # "descending" by negating the counter only: a tie of counters puts the SMALLER replica id first
    return _walk(nodes, tombstones, lambda kids: sorted(kids, key=lambda x: (-x[0][0], x[0][1])))


def rga_breadth_first(nodes, tombstones):
    children, dead, out = _children(nodes), set(tombstones), []
    queue = sorted(children.get((0, ""), []), reverse=True)  # breadth first: all children before grandchildren
    while queue:
        node_id, char = queue.pop(0)
        if node_id not in dead:
            out.append(char)
        queue.extend(sorted(children.get(node_id, []), reverse=True))
    return "".join(out)


def rga_by_char(nodes, tombstones):
    # siblings ordered by their character, not by id
    return _walk(nodes, tombstones, lambda kids: sorted(kids, key=lambda x: x[1], reverse=True))


# -- 05-design-trip ------------------------------------------------------------------------------------------

TRIP = {"budget": "PN-Counter", "views": "G-Counter", "destination": "MV-Register", "cover_photo": "LWW-Register",
        "packing": "OR-Set", "members": "G-Set", "notes": "RGA"}


def _trip(**changes: str) -> dict:
    return {**TRIP, **changes}


# -- the tables ------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "05-gcounter-merge": gcounter_right,
    "05-drill-lww": lww_right,
    "05-mv-register": mv_right,
    "05-predict-cart": CART_RIGHT,
    "05-drill-orset": CompactORSetRight,
    "05-laws": laws_right,
    "05-rga-order": rga_right,
    "05-design-trip": TRIP,
}

#: Other right answers: a check must accept these too.
ALSO_RIGHT: dict[str, list[Any]] = {
    "05-gcounter-merge": [gcounter_right_loop, gcounter_right_no_zeros],
    "05-drill-lww": [lww_right_max, lww_right_slice],
    "05-mv-register": [mv_right_keys],
    "05-predict-cart": [Answer({"LWW": ["milk"], "MV": frozenset({"eggs", "milk", "tea"}), "OR-Set": ("tea", "milk")},
                               why="(b)")],
    "05-drill-orset": [CompactORSetLoops],
    "05-laws": [laws_library],
    "05-rga-order": [rga_right_integrate],
    "05-design-trip": [_trip(views="PN-Counter"), _trip(members="OR-Set"), _trip(members="MV-Register"),
                       _trip(members="2P-Set", views="PN-Counter"), _trip(members="OR-Set (tombstones)")],
}

WRONG: dict[str, list[Any]] = {
    "05-gcounter-merge": [gcounter_sum, gcounter_overwrite, gcounter_left_keys, gcounter_in_place, gcounter_total_max,
                          gcounter_common_keys, gcounter_min, gcounter_zip_sorted, gcounter_or,
                          gcounter_sum_unless_equal, gcounter_mutate_a],
    "05-drill-lww": [naive_lww_merge, lww_keep_own, lww_take_other, lww_smaller_replica, lww_repr_tie, lww_time_only,
                     lww_hash_tie, lww_random_tie, lww_natural_sort, lww_whole_tuple, lww_falsy_empty,
                     lww_time_as_text, lww_clock_tie],
    "05-mv-register": [mv_union, mv_by_sum, mv_prune_equal, mv_one_sided, mv_duplicates, mv_zero_entries_differ,
                       mv_one_per_value, mv_common_keys, mv_keys_of_y, mv_newer_side],
    "05-predict-cart": [
        Answer({"LWW": {"milk", "tea"}, "MV": {"eggs", "milk", "tea"}, "OR-Set": {"milk", "tea"}}, why="b"),  # LWW
        # as if it merged the two carts
        Answer({"LWW": {"eggs", "tea"}, "MV": {"eggs", "milk", "tea"}, "OR-Set": {"milk", "tea"}}, why="b"),  # A's
        # cart "wins" LWW: the earlier write
        Answer({"LWW": {"milk"}, "MV": {"milk", "tea"}, "OR-Set": {"milk", "tea"}}, why="b"),  # MV read as if the
        # union honoured removals
        Answer({"LWW": {"milk"}, "MV": {"eggs", "milk", "tea"}, "OR-Set": {"tea"}}, why="b"),  # "remove wins":
        # A's remove of milk deletes C's concurrent add too
        Answer({"LWW": {"milk"}, "MV": {"eggs", "milk", "tea"}, "OR-Set": {"eggs", "milk", "tea"}}, why="b"),  # the
        # OR-Set taken for a union: eggs back
        Answer(CART, why="a"),  # right carts, wrong reason: the OR-Set does not look at clocks
        Answer(CART, why="c"),  # right carts, wrong reason: a union would bring eggs back too
        Answer(CART, why="d"),  # right carts, wrong reason: A's remove did reach everyone after the heal
        Answer({"LWW": "milk", "MV": {"eggs", "milk", "tea"}, "OR-Set": {"milk", "tea"}}, why="b"),  # a string
        Answer({"lww": {"milk"}}, why="b"),  # the wrong keys
        Answer(CART, why="e"),  # a letter that is not offered
    ],
    "05-drill-orset": [NaiveCompactORSet, OrsetRemoveOnly, OrsetKeepTombstones, OrsetOffByOne, OrsetIntersection,
                       OrsetOwnClock, OrsetClockNotMerged, OrsetRemoveForgetsClock, OrsetDropsOwnNew, OrsetSyncsOther,
                       OrsetByElement],
    "05-laws": [laws_pairs_only, laws_no_repeats, laws_identity, laws_first_pair, laws_first_three,
                laws_no_repeat_triples, laws_by_text, laws_wrong_associative, laws_wrong_idempotent, laws_sampled,
                laws_first_found],
    "05-rga-order": [rga_ascending, rga_flat, rga_shows_deleted, rga_input_order, rga_counter_only,
                     rga_deleted_subtree, rga_recursive, rga_natural_replica, rga_negated_counter, rga_breadth_first,
                     rga_by_char],
    "05-design-trip": [
        _trip(budget="G-Counter"),  # a G-Counter cannot record a refund
        _trip(budget="LWW-Register"),  # concurrent additions overwrite each other: money lost
        _trip(views="MV-Register"),  # the largest sibling is not the sum: openings lost
        _trip(destination="LWW-Register"),  # one of two concurrent proposals silently lost
        _trip(cover_photo="MV-Register"),  # two photos shown as siblings, where one was asked for
        _trip(packing="MV-Register"),  # the union of siblings brings back the passport C removed
        _trip(packing="2P-Set"),  # cannot take the towel back (and loses the charger re-added concurrently)
        _trip(packing="OR-Set (tombstones)"),  # right items, but a tombstone per removal: over the storage bound
        _trip(packing="LWW-Register"),  # the whole list as one write: A's hat lost
        _trip(packing="G-Set"),  # cannot tick anything off
        _trip(members="LWW-Register"),  # joins on the other side of the partition lost
        _trip(notes="MV-Register"),  # two texts as siblings, then one edited: a run of typing lost
        _trip(notes="LWW-Register"),  # one side's typing lost
        _trip(notes="OR-Set"),  # a set of items is not a text
        {k: v for k, v in TRIP.items() if k != "notes"},  # a field missing
        _trip(packing="ORSet"),  # a type name not on the menu
    ],
}
