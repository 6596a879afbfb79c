"""Right and plausible wrong answers to the T05 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes. tests/test_grading_crdt.py runs every one of them.
"""

from __future__ import annotations

import itertools
from typing import Any

from dsworkbook.crdt.pitfalls import NaiveCompactORSet, naive_lww_merge

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


# -- 05-drill-lww ------------------------------------------------------------------------------------------


def lww_right(a: tuple, b: tuple) -> tuple:
    return b if (b[1], b[2]) > (a[1], a[2]) else a


def lww_right_max(a: tuple, b: tuple) -> tuple:
    # also right: max by the stamp
    return max(a, b, key=lambda w: (w[1], w[2]))


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


# -- 05-mv-register -------------------------------------------------------------------------------------


def _dominated(x: dict, y: dict) -> bool:
    return all(n <= y.get(r, 0) for r, n in x.items()) and {r: n for r, n in x.items() if n} != \
        {r: n for r, n in y.items() if n}


def mv_right(a: list, b: list) -> list:
    out = []
    for value, vv in a + b:
        if (value, vv) in out:
            continue
        if not any(_dominated(vv, other) for _, other in a + b):
            out.append((value, vv))
    return out


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


# -- 05-predict-cart ---------------------------------------------------------------------------------------

CART_RIGHT = {"LWW": {"bread", "milk"}, "MV": {"bread", "coffee", "eggs", "milk"}, "OR-Set": {"bread", "coffee", "milk"}}

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


# -- 05-rga-order --------------------------------------------------------------------------------------------


def rga_right(nodes, tombstones) -> str:
    children: dict = {}
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    dead = set(tombstones)
    out = []

    def walk(anchor):
        for node_id, char in sorted(children.get(anchor, []), reverse=True):
            if node_id not in dead:
                out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


def rga_ascending(nodes, tombstones):
    children: dict = {}  # children oldest first: a concurrent insert lands after the other's run
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    dead, out = set(tombstones), []

    def walk(anchor):
        for node_id, char in sorted(children.get(anchor, [])):
            if node_id not in dead:
                out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


def rga_flat(nodes, tombstones):
    return "".join(c for i, _, c in sorted(nodes) if i not in set(tombstones))  # sorts by id, ignores anchors


def rga_shows_deleted(nodes, tombstones):
    return rga_right(nodes, [])  # forgets the tombstones


def rga_input_order(nodes, tombstones):
    children: dict = {}  # children in the order they arrived: replicas receiving in another order disagree
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    dead, out = set(tombstones), []

    def walk(anchor):
        for node_id, char in reversed(children.get(anchor, [])):
            if node_id not in dead:
                out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


def rga_counter_only(nodes, tombstones):
    children: dict = {}  # siblings by counter only: a tie between replicas keeps the input order
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    dead, out = set(tombstones), []

    def walk(anchor):
        for node_id, char in sorted(children.get(anchor, []), key=lambda x: -x[0][0]):
            if node_id not in dead:
                out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


def rga_deleted_subtree(nodes, tombstones):
    children: dict = {}  # skips a deleted character's children too: text inserted after it vanishes
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    dead, out = set(tombstones), []

    def walk(anchor):
        for node_id, char in sorted(children.get(anchor, []), reverse=True):
            if node_id in dead:
                continue
            out.append(char)
            walk(node_id)

    walk((0, ""))
    return "".join(out)


# -- the tables ------------------------------------------------------------------------------------------

RIGHT: dict[str, Any] = {
    "05-gcounter-merge": gcounter_right,
    "05-drill-lww": lww_right,
    "05-mv-register": mv_right,
    "05-predict-cart": CART_RIGHT,
    "05-drill-orset": CompactORSetRight,
    "05-laws": laws_right,
    "05-rga-order": rga_right,
}

#: Other right answers: a check must accept these too.
ALSO_RIGHT: dict[str, list[Any]] = {
    "05-gcounter-merge": [gcounter_right_loop],
    "05-drill-lww": [lww_right_max],
    "05-predict-cart": [{"LWW": ["milk", "bread"], "MV": frozenset({"bread", "coffee", "eggs", "milk"}),
                         "OR-Set": ("coffee", "milk", "bread")}],
    "05-drill-orset": [CompactORSetLoops],
    "05-laws": [laws_library],
}

WRONG: dict[str, list[Any]] = {
    "05-gcounter-merge": [gcounter_sum, gcounter_overwrite, gcounter_left_keys, gcounter_in_place, gcounter_total_max],
    "05-drill-lww": [naive_lww_merge, lww_keep_own, lww_take_other, lww_smaller_replica, lww_repr_tie, lww_time_only],
    "05-mv-register": [mv_union, mv_by_sum, mv_prune_equal, mv_one_sided, mv_duplicates],
    "05-predict-cart": [
        {"LWW": {"bread", "coffee", "milk"}, "MV": {"bread", "coffee", "milk"}, "OR-Set": {"bread", "coffee", "milk"}},
        {"LWW": {"coffee", "eggs", "milk"}, "MV": {"bread", "coffee", "eggs", "milk"},  # A's cart "wins"
         "OR-Set": {"bread", "coffee", "milk"}},
        {"LWW": {"bread", "milk"}, "MV": {"bread", "coffee", "milk"}, "OR-Set": {"bread", "coffee", "milk"}},
        {"LWW": {"bread", "milk"}, "MV": {"bread", "coffee", "eggs", "milk"},
         "OR-Set": {"bread", "coffee", "eggs", "milk"}},  # "add wins" misread as "the removed egg comes back"
        {"LWW": "bread, milk", "MV": {"bread"}, "OR-Set": {"milk"}},  # a string, not a set
        {"lww": {"bread", "milk"}},  # the wrong keys
    ],
    "05-drill-orset": [NaiveCompactORSet, OrsetRemoveOnly, OrsetKeepTombstones, OrsetOffByOne, OrsetIntersection,
                       OrsetOwnClock],
    "05-laws": [laws_pairs_only, laws_no_repeats, laws_identity, laws_first_pair],
    "05-rga-order": [rga_ascending, rga_flat, rga_shows_deleted, rga_input_order, rga_counter_only,
                     rga_deleted_subtree],
}
