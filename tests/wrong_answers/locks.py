"""Right and plausible wrong answers to the T09 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_locks.py run every one of them.
"""

from __future__ import annotations

import math
import random as _random
from typing import Any

from dsworkbook.locks.client import LockClient
from dsworkbook.locks.conditional import All, AttributeNotExists, OwnerIs, VersionIn
from dsworkbook.locks.fencing import Storage
from dsworkbook.locks.server import LockTable
from tests.wrong_answers import Answer

# -- 09-drill-release ------------------------------------------------------------------------------------


class NotesTable(LockTable):
    """The seed notes' habits, as the exercise notebook shows them: by resource name alone."""

    def release(self, resource, value, now):
        if resource in self.entries:
            del self.entries[resource]
            return True, "released"
        return False, "not held"

    def extend(self, resource, value, ttl, now):
        if resource in self.entries:
            holder, expiry = self.entries[resource]
            self.entries[resource] = (holder, expiry + ttl)
            return True, "extended"
        return False, "not held"


class TableRight(NotesTable):
    def release(self, resource, value, now):
        holder = self.holder(resource, now)
        if holder is None:
            return False, "free"
        if holder != value:
            return False, f"held by {holder}"
        del self.entries[resource]
        return True, "released"

    def extend(self, resource, value, ttl, now):
        holder = self.holder(resource, now)
        if holder is None:
            return False, "free"
        if holder != value:
            return False, f"held by {holder}"
        self.entries[resource] = (value, now + ttl)
        return True, "extended"


class TableRightManual(NotesTable):
    """Right without holder(): reads the entry and its expiry itself."""

    def _mine(self, resource, value, now):
        entry = self.entries.get(resource)
        return entry is not None and entry[1] > now and entry[0] == value

    def release(self, resource, value, now):
        if not self._mine(resource, value, now):
            return False, "not yours, or free"
        self.entries.pop(resource)
        return True, "released"

    def extend(self, resource, value, ttl, now):
        if not self._mine(resource, value, now):
            return False, "not yours, or free"
        self.entries[resource] = (value, now + ttl)
        return True, "extended"


class TableNoReleaseCheck(TableRight):
    def release(self, resource, value, now):
        if self.holder(resource, now) is None:
            return False, "free"
        del self.entries[resource]  # frees whoever holds it: the notes' bug
        return True, "released"


class TableNoExtendCheck(TableRight):
    def extend(self, resource, value, ttl, now):
        holder = self.holder(resource, now)
        if holder is None:
            return False, "free"
        self.entries[resource] = (holder, now + ttl)  # extends someone else's lock
        return True, "extended"


class TableExtendFromOldExpiry(TableRight):
    def extend(self, resource, value, ttl, now):
        if self.holder(resource, now) != value:
            return False, "not yours"
        self.entries[resource] = (value, self.entries[resource][1] + ttl)  # the notes' expiry + additional time
        return True, "extended"


class TableReviveExpired(TableRight):
    def _mine(self, resource, value):
        entry = self.entries.get(resource)
        return entry is not None and entry[0] == value  # forgets the expiry: an expired key still "held"

    def release(self, resource, value, now):
        if not self._mine(resource, value):
            return False, "no"
        del self.entries[resource]
        return True, "released"

    def extend(self, resource, value, ttl, now):
        if not self._mine(resource, value):
            return False, "no"
        self.entries[resource] = (value, now + ttl)  # brings an expired lock back to life
        return True, "extended"


class TableOffByOneExpiry(TableRightManual):
    def _mine(self, resource, value, now):
        entry = self.entries.get(resource)
        return entry is not None and entry[1] >= now and entry[0] == value  # held AT its expiry instant


class TableIdempotentRelease(TableRight):
    def release(self, resource, value, now):
        if self.holder(resource, now) is None:
            return True, "already free"  # reports success for a lock the caller no longer held
        return super().release(resource, value, now)


class TableAbsoluteExpiry(TableRight):
    def extend(self, resource, value, ttl, now):
        if self.holder(resource, now) != value:
            return False, "not yours"
        self.entries[resource] = (value, ttl)  # an expiry of "ttl", not now + ttl
        return True, "extended"


class TableClearsAll(TableRight):
    def release(self, resource, value, now):
        if self.holder(resource, now) != value:
            return False, "not yours"
        self.entries.clear()  # releases every resource, not just this one
        return True, "released"


class TableClientPrefix(TableRight):
    def release(self, resource, value, now):
        holder = self.holder(resource, now)
        if holder is None or holder.split(":")[0] != value.split(":")[0]:  # same client, any acquisition
            return False, "not yours"
        del self.entries[resource]
        return True, "released"


class TableBareBool(TableRight):
    def release(self, resource, value, now):
        return super().release(resource, value, now)[0]  # a bool, not (ok, reason)


RIGHT: dict[str, Any] = {
    "09-drill-release": TableRight,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "09-drill-release": [TableRightManual, LockTable],
}

WRONG: dict[str, list[Any]] = {
    "09-drill-release": [
        NotesTable,                # the notes as they are: no owner check, extend from the old expiry
        TableNoReleaseCheck,       # release frees whoever holds the key
        TableNoExtendCheck,        # extend prolongs someone else's lock
        TableExtendFromOldExpiry,  # owner checked, but expiry = old expiry + ttl
        TableReviveExpired,        # ignores the expiry: releases/extends an expired key
        TableOffByOneExpiry,       # a key is still held at exactly its expiry instant
        TableIdempotentRelease,    # releasing a free lock reports success
        TableAbsoluteExpiry,       # extend sets the expiry to ttl itself
        TableClearsAll,            # release deletes every resource
        TableClientPrefix,         # compares the client id, not the acquisition's value
        TableBareBool,             # returns a bool instead of (ok, reason)
    ],
}


# -- 09-redlock-decision ---------------------------------------------------------------------------------


def decision_right(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= n // 2 + 1 and validity > 0 else None


def decision_right_half(granted, n, ttl, elapsed):
    validity = ttl - elapsed - ttl / 100 - 2
    return validity if granted > n / 2 and validity > 0 else None  # more than half: the same majority


def decision_loose(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= n // 2 and validity > 0 else None  # N // 2: two halves both win


def decision_ceil_half(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= math.ceil(n / 2) and validity > 0 else None  # half of an even n


def decision_zero_ok(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= n // 2 + 1 and validity >= 0 else None  # zero validity is no time at all


def decision_no_drift(granted, n, ttl, elapsed):
    validity = ttl - elapsed  # forgets the clock-drift allowance
    return validity if granted >= n // 2 + 1 and validity > 0 else None


def decision_factor_only(granted, n, ttl, elapsed):
    validity = ttl - elapsed - 0.01 * ttl  # forgets the 2 ms
    return validity if granted >= n // 2 + 1 and validity > 0 else None


def decision_floor_only(granted, n, ttl, elapsed):
    validity = ttl - elapsed - 2  # forgets the part proportional to the ttl
    return validity if granted >= n // 2 + 1 and validity > 0 else None


def decision_51_percent(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= math.ceil(n * 0.51) and validity > 0 else None  # one too many from n = 51


def decision_no_elapsed(granted, n, ttl, elapsed):
    validity = ttl - (0.01 * ttl + 2)  # the time the attempt took is not subtracted
    return validity if granted >= n // 2 + 1 and validity > 0 else None


def decision_all(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted == n and validity > 0 else None  # every server: one down blocks the lock


def decision_bool(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return granted >= n // 2 + 1 and validity > 0  # True/False instead of the validity or None


def decision_zero_refusal(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * ttl + 2)
    return validity if granted >= n // 2 + 1 and validity > 0 else 0  # 0 instead of None


def decision_drift_of_elapsed(granted, n, ttl, elapsed):
    validity = ttl - elapsed - (0.01 * elapsed + 2)  # the drift of the attempt, not of the lease
    return validity if granted >= n // 2 + 1 and validity > 0 else None


RIGHT["09-redlock-decision"] = decision_right
ALSO_RIGHT["09-redlock-decision"] = [decision_right_half]
WRONG["09-redlock-decision"] = [
    decision_loose, decision_ceil_half, decision_zero_ok, decision_no_drift, decision_factor_only,
    decision_floor_only, decision_51_percent, decision_no_elapsed, decision_all, decision_bool,
    decision_zero_refusal, decision_drift_of_elapsed,
]


# -- 09-deadlock-cycles ----------------------------------------------------------------------------------


def _edges(waits_for):
    nodes = set(waits_for) | {h for hs in waits_for.values() for h in hs}
    return nodes, {t: list(waits_for.get(t, ())) for t in nodes}


def _sccs(waits_for):
    """Tarjan's algorithm with an explicit stack (no recursion)."""
    nodes, out = _edges(waits_for)
    index, low, on_stack, stack, comps, counter = {}, {}, set(), [], [], [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter[0]
                counter[0] += 1
                stack.append(v)
                on_stack.add(v)
            succ = out[v]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                comps.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return comps, out


def _waiters_of(targets, out):
    back = {}
    for t, hs in out.items():
        for h in hs:
            back.setdefault(h, []).append(t)
    seen, todo = set(targets), list(targets)
    while todo:
        for w in back.get(todo.pop(), ()):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def deadlocked_right(waits_for):
    comps, out = _sccs(waits_for)
    on = {t for c in comps for t in c if len(c) > 1 or t in out[t]}
    return on, _waiters_of(on, out)


def deadlocked_right_peel(waits_for):
    """Another right answer: peel off whoever can finish (Kahn on the reversed graph), then the cycles."""
    nodes, out = _edges(waits_for)
    pending = {t: len(set(out[t])) for t in nodes}
    back = {}
    for t in nodes:
        for h in set(out[t]):
            back.setdefault(h, set()).add(t)
    free = [t for t in nodes if pending[t] == 0]
    done = set()
    while free:
        t = free.pop()
        done.add(t)
        for w in back.get(t, ()):
            pending[w] -= 1
            if pending[w] == 0:
                free.append(w)
    stuck = nodes - done
    # on a cycle: a strongly connected component of the stuck nodes with an edge inside it
    import networkx as nx

    g = nx.DiGraph((t, h) for t in stuck for h in out[t] if h in stuck)
    g.add_nodes_from(stuck)
    on = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(t in out[t] for t in comp):
            on |= comp
    return on, stuck


def deadlocked_pairs_only(waits_for):
    on = {t for t, hs in waits_for.items() for h in hs if h != t and t in waits_for.get(h, ())}  # only 2-cycles
    _, out = _edges(waits_for)
    return on, _waiters_of(on, out)


def deadlocked_no_self(waits_for):
    comps, out = _sccs(waits_for)
    on = {t for c in comps if len(c) > 1 for t in c}  # a self-wait is not counted
    return on, _waiters_of(on, out)


def deadlocked_stuck_is_cycle(waits_for):
    on, _ = deadlocked_right(waits_for)
    return on, set(on)  # forgets the transactions waiting for the cycle


def deadlocked_chain_on_cycle(waits_for):
    _, stuck = deadlocked_right(waits_for)
    return set(stuck), stuck  # calls every stuck transaction part of the cycle


def deadlocked_first_cycle(waits_for):
    import networkx as nx
    g = nx.DiGraph()
    g.add_nodes_from(waits_for)
    g.add_edges_from((t, h) for t, hs in waits_for.items() for h in hs)
    try:
        on = {u for u, _v in nx.find_cycle(g)}  # one cycle only; a second deadlock is missed
    except nx.NetworkXNoCycle:
        on = set()
    _, out = _edges(waits_for)
    return on, _waiters_of(on, out)


def deadlocked_recursive(waits_for):
    _, out = _edges(waits_for)
    on = set()

    def reaches(start, x, seen):  # recursion: a chain of thousands overflows the stack
        for h in out[x]:
            if h == start:
                return True
            if h not in seen:
                seen.add(h)
                if reaches(start, h, seen):
                    return True
        return False

    for t in out:
        if reaches(t, t, set()):
            on.add(t)
    return on, _waiters_of(on, out)


def deadlocked_every_waiter(waits_for):
    stuck = {t for t, hs in waits_for.items() if hs}  # waiting is not deadlocked: the holder may finish
    return stuck, stuck


def deadlocked_downstream(waits_for):
    on, _ = deadlocked_right(waits_for)
    _, out = _edges(waits_for)
    seen, todo = set(on), list(on)
    while todo:  # follows edges forward: the holders the cycle waits for, not its waiters
        for h in out[todo.pop()]:
            if h not in seen:
                seen.add(h)
                todo.append(h)
    return on, seen


def deadlocked_visited_is_cycle(waits_for):
    _, out = _edges(waits_for)
    visited, on = set(), set()
    for root in sorted(out):
        stack, path = [root], []
        while stack:
            x = stack.pop()
            if x in visited:  # any revisit counted as a cycle: a diamond is not one
                on.add(x)
                continue
            visited.add(x)
            path.append(x)
            stack.extend(out[x])
    return on, _waiters_of(on, out)


def deadlocked_lists(waits_for):
    on, stuck = deadlocked_right(waits_for)
    return sorted(on), sorted(stuck)  # lists, not sets


RIGHT["09-deadlock-cycles"] = deadlocked_right
ALSO_RIGHT["09-deadlock-cycles"] = [deadlocked_right_peel]
WRONG["09-deadlock-cycles"] = [
    deadlocked_pairs_only, deadlocked_no_self, deadlocked_stuck_is_cycle, deadlocked_chain_on_cycle,
    deadlocked_first_cycle, deadlocked_recursive, deadlocked_every_waiter, deadlocked_downstream,
    deadlocked_visited_is_cycle, deadlocked_lists,
]


# -- 09-predict-herd -------------------------------------------------------------------------------------

_HERD = {"predecessor total": 29, "herd most in one release": 29, "herd total": 464}


def _herd(**changes):
    return {**_HERD, **changes}


RIGHT["09-predict-herd"] = Answer(_HERD, why="a")
ALSO_RIGHT["09-predict-herd"] = [Answer(_herd(**{"herd total": 435}), why="(a)")]  # N(N-1)/2: the right shape
WRONG["09-predict-herd"] = [
    Answer(_HERD, why="b"),                                      # right numbers, a reason the run refutes
    Answer(_HERD, why="c"),                                      # the predecessor recipe wakes one, not all
    Answer(_herd(**{"predecessor total": 30}), why="a"),         # counts N releases' worth, one too many
    Answer(_herd(**{"predecessor total": 1}), why="a"),          # one notification per release, not in all
    Answer(_herd(**{"herd most in one release": 30}), why="a"),  # the releasing client is not notified
    Answer(_herd(**{"herd total": 900}), why="a"),               # N squared: twice too many
    Answer(_herd(**{"herd total": 58}), why="a"),                # linear: 2 (N - 1)
    Answer(_herd(**{"herd total": 29}), why="a"),                # as cheap as the predecessor recipe
    Answer(_herd(**{"predecessor total": 464, "herd total": 29}), why="a"),  # the recipes swapped
    Answer({"predecessor": 29, "herd": 464}, why="a"),           # keys not the question's
    Answer(_herd(**{"herd total": 464.0}), why="a"),             # not an int
]


# -- 09-predict-pressure ---------------------------------------------------------------------------------

_LOST = {"pause 150 ms": False, "pause 250 ms": True, "clock jump 150 ms": True, "delayed packet 190 ms": False,
         "delayed packet 250 ms, fenced": False}


def _lost(**changes):
    return {**_LOST, **changes}


RIGHT["09-predict-pressure"] = Answer(_LOST, why="a")
WRONG["09-predict-pressure"] = [
    Answer(_LOST, why="e"),                                     # a jump below the ttl did free the lock early
    Answer(_LOST, why="d"),                                     # c2 had three grants: a real majority
    Answer(_LOST, why="b"),                                     # there was no pause in that run
    Answer(_lost(**{"clock jump 150 ms": False}), why="e"),     # "a jump smaller than the ttl is harmless"
    Answer(_lost(**{"pause 150 ms": True}), why="a"),           # 150 ms fits in what is left of a 200 ms lease
    Answer(_lost(**{"pause 250 ms": False}), why="a"),          # a pause past the lease does lose c2's write
    Answer(_lost(**{"delayed packet 190 ms": True}), why="a"),  # two holders, but the late write landed first
    Answer(_lost(**{"delayed packet 250 ms, fenced": True}), why="a"),  # fencing rejects the stale write
    Answer({q: True for q in _LOST}, why="a"),                  # every fault breaks the lock
    Answer({q: False for q in _LOST}, why="e"),                 # leases protect the data
    Answer({**_LOST, "clock jump 150 ms": "yes"}, why="a"),     # not a bool
]


# -- 09-drill-auto-release -------------------------------------------------------------------------------



def _auto(name):
    return isinstance(name, tuple) and name[0] == "auto_release"


class ClientIgnoresTimer(LockClient):
    def on_timer(self, name):
        if _auto(name):
            return  # the server's expiry frees the lock; no client timer needed
        super().on_timer(name)


class ClientSameRound(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if name[1] == self.round and self.value is not None:
                self._release_all(self.value)  # still the acquisition the timer was armed for
            return
        super().on_timer(name)


class ClientWhileWorking(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if self.state != "idle" and self.value is not None:
                self._release_all(self.value)  # whichever round is working now: still the notes' bug
            return
        super().on_timer(name)


class ClientLaterRound(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if self.round > name[1] and self.value is not None:
                self._release_all(self.value)  # the comparison inverted: frees exactly the newer lock
            return
        super().on_timer(name)


class ClientSwallowsAll(LockClient):
    def on_timer(self, name):
        if _auto(name):
            return
        # forgets to hand the other timers on: no round ever starts


class ClientFallsThrough(LockClient):
    def on_timer(self, name):
        if _auto(name) and name[1] != self.round:
            pass  # meant to skip it ...
        super().on_timer(name)  # ... but LockClient.on_timer still frees the current lock


class ClientAtLeastRound(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if self.round >= name[1] and self.value is not None:
                self._release_all(self.value)  # >= : later rounds too
            return
        super().on_timer(name)


class ClientSomeTimers(LockClient):
    def on_timer(self, name):
        if name in ("next", "work"):
            super().on_timer(name)  # "retry", "attempt" and "token" are dropped: a contended round stalls


class ClientCoinFlip(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if self.value is not None and _random.random() < 0.5:  # the global random: a different run each time
                self._release_all(self.value)
            return
        super().on_timer(name)


class ClientStringName(LockClient):
    def on_timer(self, name):
        if name == "auto_release":  # the timer's name is a tuple; this never matches
            return
        super().on_timer(name)


class ClientComparesAttempt(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if name[1] == self.attempt and self.value is not None:  # the attempt number, not the round
                self._release_all(self.value)
            return
        super().on_timer(name)


class ClientWorkingOnly(LockClient):
    def on_timer(self, name):
        if _auto(name):
            if self.state == "working":
                self._release_all(self.value)  # frees a working round's lock, whichever round armed it
            return
        super().on_timer(name)


RIGHT["09-drill-auto-release"] = ClientSameRound
ALSO_RIGHT["09-drill-auto-release"] = [ClientIgnoresTimer]
WRONG["09-drill-auto-release"] = [
    LockClient,              # the notes' timer, unchanged
    ClientWhileWorking, ClientLaterRound, ClientSwallowsAll, ClientFallsThrough, ClientAtLeastRound,
    ClientSomeTimers, ClientCoinFlip, ClientStringName, ClientComparesAttempt, ClientWorkingOnly,
]


# -- 09-design-lock --------------------------------------------------------------------------------------

RIGHT["09-design-lock"] = {"ttl": 250, "fenced": True, "tokens": "raft"}
ALSO_RIGHT["09-design-lock"] = [{"ttl": 180.0, "fenced": True, "tokens": "raft"},
                                {"ttl": 350, "fenced": True, "tokens": "raft"}]
WRONG["09-design-lock"] = [
    {"ttl": 300, "fenced": False, "tokens": None},       # no fencing: a 600 ms pause outlives any allowed ttl
    {"ttl": 1000, "fenced": False, "tokens": None},      # a ttl past the pause: a crashed holder blocks 1 s
    {"ttl": 300, "fenced": True, "tokens": "counter"},   # one counter node: down, and nobody gets a token
    {"ttl": 150, "fenced": True, "tokens": "counter"},   # too short for the work, and a single counter
    {"ttl": 100, "fenced": True, "tokens": "raft"},      # expires under a holder doing 120 ms of work
    {"ttl": 120, "fenced": True, "tokens": "raft"},      # exactly the work: acquiring and the token take time too
    {"ttl": 400, "fenced": True, "tokens": "raft"},      # the waiter's backoff and the latency add to the ttl
    {"ttl": 600, "fenced": True, "tokens": "raft"},      # a ttl as long as the pause: the lock is unavailable
    {"ttl": 250, "fenced": True, "tokens": None},        # fenced, but with no token source
    {"ttl": "250ms", "fenced": True, "tokens": "raft"},  # the ttl as text
    {"ttl": 250, "fenced": "yes", "tokens": "raft"},     # fenced not a bool
    {"ttl": 250, "fenced": True},                        # a key missing
]


# -- 09-fencing-storage ----------------------------------------------------------------------------------


class FenceRight(Storage):
    def _fence(self, token):
        if not self.fenced:
            return ""
        if not isinstance(token, int):
            return "no token"
        if token < self.max_token:
            self.rejected += 1
            return f"stale token {token} < {self.max_token}"
        self.max_token = token
        return ""


class FenceRightMax(Storage):
    def _fence(self, token):
        if self.fenced and (token is None or token < self.max_token):
            self.rejected += token is not None
            return "refused"
        if self.fenced:
            self.max_token = max(self.max_token, token)
        return ""


class FenceRejectsEqual(FenceRight):
    def _fence(self, token):
        if self.fenced and isinstance(token, int) and token == self.max_token:
            self.rejected += 1
            return "not newer"  # <=: the holder's write after its own read is refused
        return super()._fence(token)


class FenceForgets(FenceRight):
    def _fence(self, token):
        if not self.fenced:
            return ""
        if not isinstance(token, int):
            return "no token"
        if token < self.max_token:
            self.rejected += 1
            return "stale"
        return ""  # never raises max_token: nothing is ever stale


class FenceAcceptsNone(FenceRight):
    def _fence(self, token):
        if token is None:
            return ""  # a request without a token goes through
        return super()._fence(token)


class FenceNoCount(FenceRight):
    def _fence(self, token):
        before = self.rejected
        reason = super()._fence(token)
        self.rejected = before  # refusals are not counted
        return reason


class FenceConsecutive(FenceRight):
    def _fence(self, token):
        if self.fenced and isinstance(token, int) and token > self.max_token + 1:
            self.rejected += 1
            return "gap"  # demands consecutive tokens: a holder that never wrote blocks everyone
        return super()._fence(token)


class FenceLowersMax(FenceRight):
    def _fence(self, token):
        reason = super()._fence(token)
        if self.fenced and isinstance(token, int):
            self.max_token = token  # remembers the refused token too: the maximum goes down
        return reason


class FenceReversed(FenceRight):
    def _fence(self, token):
        if not self.fenced:
            return ""
        if not isinstance(token, int):
            return "no token"
        if token > self.max_token:  # the comparison backwards: refuses every newer holder
            self.rejected += 1
            return "stale"
        self.max_token = token
        return ""


class FenceBoolean(FenceRight):
    def _fence(self, token):
        return super()._fence(token) == ""  # True for "go on": the storage reads any truthy value as a refusal


class FenceAlwaysChecks(FenceRight):
    def _fence(self, token):
        if not isinstance(token, int):
            return "no token"  # refuses token-less requests even when the storage is not fenced
        if token < self.max_token:
            self.rejected += 1
            return "stale"
        self.max_token = token
        return ""


class FenceAsText(FenceRight):
    def _fence(self, token):
        if not self.fenced:
            return ""
        if token is None:
            return "no token"
        if str(token) < str(self.max_token):  # compares as text: "10" < "9"
            self.rejected += 1
            return "stale"
        self.max_token = token
        return ""


RIGHT["09-fencing-storage"] = FenceRight
ALSO_RIGHT["09-fencing-storage"] = [FenceRightMax]
WRONG["09-fencing-storage"] = [
    FenceRejectsEqual, FenceForgets, FenceAcceptsNone, FenceNoCount,
    FenceConsecutive, FenceLowersMax, FenceReversed, FenceBoolean, FenceAlwaysChecks, FenceAsText,
]


# -- 09-lease-conditions ---------------------------------------------------------------------------------


def conditions_right(condition, item):
    if condition is None:
        return True
    if isinstance(condition, AttributeNotExists):
        return item is None
    if isinstance(condition, VersionIn):
        return item is not None and item.rvn in condition.rvns
    if isinstance(condition, OwnerIs):
        return item is not None and item.owner == condition.owner
    return all(conditions_right(c, item) for c in condition.conditions)


def conditions_right_match(condition, item):
    match condition:
        case None:
            return True
        case AttributeNotExists():
            return item is None
        case VersionIn(rvns=rvns):
            return bool(item) and item.rvn in rvns
        case OwnerIs(owner=owner):
            return bool(item) and item.owner == owner
        case All(conditions=conds):
            return all(conditions_right_match(c, item) for c in conds)


def _with(**override):
    def fn(condition, item):
        for kind, rule in override.items():
            if type(condition).__name__ == kind:
                return rule(condition, item)
        return conditions_right(condition, item)
    return fn


conditions_none_false = _with(NoneType=lambda c, i: False)  # no condition refused: plain puts never apply
conditions_absent_always = _with(AttributeNotExists=lambda c, i: True)  # a put overwrites the holder's item
conditions_version_no_item = _with(VersionIn=lambda c, i: i is None or i.rvn in c.rvns)  # no item passes
conditions_owner_prefix = _with(OwnerIs=lambda c, i: i is not None and i.owner.startswith(c.owner))  # c1 owns c10's
conditions_all_any = _with(All=lambda c, i: any(conditions_right(x, i) for x in c.conditions))  # or, not and
conditions_all_flat = _with(All=lambda c, i: all(conditions_right(x, i) for x in c.conditions
                                                 if not isinstance(x, All)))  # skips nested All
conditions_all_empty_false = _with(All=lambda c, i: bool(c.conditions) and all(conditions_right(x, i)
                                                                               for x in c.conditions))  # All(()) False
conditions_first_version = _with(VersionIn=lambda c, i: i is not None and i.rvn == sorted(c.rvns)[0])  # one rvn only
conditions_owner_no_item = _with(OwnerIs=lambda c, i: i is None or i.owner == c.owner)  # no item counts as owned
conditions_rvn_substring = _with(VersionIn=lambda c, i: i is not None and i.rvn in ",".join(sorted(c.rvns)))  # r1 in r12
conditions_truthy = _with(OwnerIs=lambda c, i: i is not None and i.owner == c.owner and i.owner)  # returns the owner


RIGHT["09-lease-conditions"] = conditions_right
ALSO_RIGHT["09-lease-conditions"] = [conditions_right_match]
WRONG["09-lease-conditions"] = [
    conditions_none_false, conditions_absent_always, conditions_version_no_item, conditions_owner_prefix,
    conditions_all_any, conditions_all_flat, conditions_all_empty_false, conditions_first_version,
    conditions_owner_no_item, conditions_rvn_substring, conditions_truthy,
]


# -- 09-redlock-real -------------------------------------------------------------------------------------

_RELEASE = """\
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end
"""


def _redlock_round(*, quorum=lambda n: n // 2 + 1, drift=lambda ttl: 0.01 * ttl + 2, strict=True,
                   set_args=None, release=None, release_on="all", stop_at_majority=False, start_after_first=False,
                   catch_release=True, keep_on_failure=False, release_on_success=False, own_clock=False):
    """A Redlock round with one thing switched; the defaults make it right."""
    import time as _time

    import redis as _redis

    def redlock_round(servers, resource, token, ttl_ms, clock):
        now = (lambda: _time.monotonic() * 1000.0) if own_clock else clock
        start = None if start_after_first else now()
        granted = []
        for i, server in enumerate(servers):
            try:
                kwargs = {"nx": True, "px": ttl_ms} if set_args is None else set_args(ttl_ms)
                if server.set(resource, token, **kwargs):
                    granted.append(i)
            except _redis.RedisError:
                pass
            if start is None:
                start = now()
            if stop_at_majority and len(granted) >= quorum(len(servers)):
                break
        validity = ttl_ms - (now() - start) - drift(ttl_ms)
        ok = len(granted) >= quorum(len(servers)) and (validity > 0 if strict else validity >= 0)
        targets = [] if ok and not release_on_success else list(range(len(servers)))
        if not ok and keep_on_failure:
            targets = []
        if release_on == "granted":
            targets = [i for i in targets if i in granted]
        for i in targets:
            try:
                if release is None:
                    servers[i].eval(_RELEASE, 1, resource, token)
                else:
                    release(servers[i], resource, token)
            except _redis.RedisError:
                if not catch_release:
                    raise
        return validity if ok else None

    return redlock_round


def redlock_round_right(servers, resource, token, ttl_ms, clock):
    import redis

    from dsworkbook.realservers import RELEASE_SCRIPT

    start = clock()
    granted = 0
    for server in servers:
        try:
            granted += bool(server.set(resource, token, nx=True, px=ttl_ms))
        except redis.RedisError:
            pass
    validity = ttl_ms - (clock() - start) - (0.01 * ttl_ms + 2)
    if granted >= len(servers) // 2 + 1 and validity > 0:
        return validity
    for server in servers:
        try:
            server.eval(RELEASE_SCRIPT, 1, resource, token)
        except redis.RedisError:
            pass
    return None


def redlock_round_library(servers, resource, token, ttl_ms, clock):
    from dsworkbook.realservers.redlock import acquire_round

    return acquire_round(servers, resource, token, ttl_ms, clock).validity_ms


def _release_by_get(server, resource, token):
    if server.get(resource) == token:  # compare, then delete: two commands, but nothing runs in between here
        server.delete(resource)


def _no_catch_set(servers, resource, token, ttl_ms, clock):
    start = clock()
    granted = sum(bool(s.set(resource, token, nx=True, px=ttl_ms)) for s in servers)  # a down server raises
    validity = ttl_ms - (clock() - start) - (0.01 * ttl_ms + 2)
    return validity if granted >= len(servers) // 2 + 1 and validity > 0 else None


def _returns_true(servers, resource, token, ttl_ms, clock):
    return _redlock_round()(servers, resource, token, ttl_ms, clock) is not None  # True, not the validity


RIGHT["09-redlock-real"] = redlock_round_right
ALSO_RIGHT["09-redlock-real"] = [redlock_round_library, _redlock_round(release=_release_by_get)]
WRONG["09-redlock-real"] = [
    _redlock_round(quorum=lambda n: n // 2),                      # half counts as a majority
    _redlock_round(quorum=lambda n: (n + 1) // 2),                # 2 of 4 (or 3 of 6) is enough
    _redlock_round(drift=lambda ttl: 0),                          # no clock-drift allowance
    _redlock_round(drift=lambda ttl: 0.01 * ttl),                 # forgets the 2 ms floor
    _redlock_round(strict=False),                                 # a validity of exactly zero still holds the lock
    _redlock_round(set_args=lambda ttl: {"px": ttl}),             # SET without NX takes another client's lock
    _redlock_round(set_args=lambda ttl: {"nx": True, "ex": max(1, ttl // 1000)}),  # whole seconds, not ms
    _redlock_round(set_args=lambda ttl: {"nx": True}),            # no expiry: a crashed holder keeps it forever
    _redlock_round(release=lambda s, r, t: s.delete(r)),          # unlocks with DEL: frees the other client's lock
    _redlock_round(release_on="granted"),                         # skips servers whose reply was lost
    _redlock_round(keep_on_failure=True),                         # never unlocks after a failed round
    _redlock_round(release_on_success=True),                      # unlocks what it just won
    _redlock_round(stop_at_majority=True),                        # stops asking once a majority said yes
    _redlock_round(start_after_first=True),                       # starts the clock after the first SET
    _redlock_round(catch_release=False),                          # a down server's error escapes the unlock
    _redlock_round(own_clock=True),                               # measures with its own clock, not clock()
    _no_catch_set,                                                # a down server's error escapes the SET
    _returns_true,                                                # returns True instead of the validity
]
