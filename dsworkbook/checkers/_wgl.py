"""The linearizability search: Wing & Gong's algorithm with Lowe's memoisation, resumable.

Theory of operation
-------------------
The history becomes one list of *events* in time order: each operation's invoke (its *call*
entry) and, for an ``ok`` operation, its completion (its *return* entry); at equal times calls
come first, because an operation that completes at the moment another begins does not precede
it. The list is doubly linked, so an entry is taken out and put back in O(1) (Wing & Gong 1993;
Lowe 2017, §3 "the basic algorithm").

The search walks the list from its head. At a call entry it tries to *linearize* that operation
now: step the model; if the step is legal and the configuration (the operations linearized so
far, the model state) has not been seen before (Lowe's memoisation: a configuration seen before
cannot lead anywhere new), it pushes the operation on a stack, lifts its two entries out of the
list, and starts again from the head. At a return entry - an operation that must already have
taken effect but has not - it backtracks: pop, put the entries back, and try the next call after
the popped one. The history is linearizable when every ``ok`` operation is on the stack; it is
not when it must backtrack with an empty stack.

Four reductions keep the search small without changing its answer. Each prunes a configuration
only when another one that the search visits *dominates* it (can finish every order it can), so
the set of verdicts - and the furthest completion any order gets past - stays the same:

* **Unknown outcomes are optional.** An operation with an unknown outcome has no return entry:
  it may take effect at any time after its invoke, or never. A configuration is therefore
  dominated by one with the same ``ok`` operations and state that used a *subset* of the unknown
  ones (it has the same moves, and more besides). The memo keeps, per ``(ok operations, state)``,
  the sets of unknown operations used (an antichain), and skips a configuration when one of
  those sets is contained in its own - a subsumption check, as in antichain-based model checking
  (De Wulf et al., CAV 2006).
* **No-op unknowns are skipped**: an unknown operation that would not change the state now (a
  compare-and-set that would fail, a write of the current value) leads to a configuration that
  the current one dominates.
* **Twins are used in invoke order.** Unknown operations with the same function, key and input
  are interchangeable, so only the earliest invoked one not yet used is tried: any order that
  uses a later twin works as well with the earlier one (it was invoked before, and neither
  must complete).
* **Reads go first.** When an ``ok`` operation that never changes the state (a read) can be
  linearized now, some order of the rest works iff one that starts with that read does
  (moving it earlier changes no state, and every operation that had to precede it already
  has), so the search tries it alone and backtracks straight past this configuration when
  it fails.

Representation, chosen for the innermost loop: model states are *interned* (each distinct state
gets a small id, and each operation's step is tabled per state id, so the model is called once
per operation and state); the ``ok`` operations linearized form an int used as a bit set (bit
``k`` for the k-th ``ok`` operation), and the state id is or-ed in above those bits, so the memo
key is a single int; the unknown operations used form a second int. The loop keeps everything
in local variables and runs a given number of iterations per call to :meth:`Search.run`, so a
caller can interleave several searches (one per key) and stop on a time or memory budget;
:meth:`Search.memory_bytes` is measured from the sizes of the objects the memo actually holds.

``furthest`` remembers the latest return entry at which the search ever had to backtrack: when
the history is not linearizable, no order gets past that operation's completion, and the
operations invoked before it already form a non-linearizable sub-history.
"""

from __future__ import annotations

import math
import sys
from bisect import bisect_left
from itertools import islice
from typing import Any, Hashable, Sequence

from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation

__all__ = ["Search", "RUNNING", "LINEARIZABLE", "NOT_LINEARIZABLE"]

RUNNING, LINEARIZABLE, NOT_LINEARIZABLE = "running", "linearizable", "not linearizable"

_UNSEEN = -2       # a transition not computed yet
_RWC = READ_FS | WRITE_FS | {"cas"}


def _alloc(size: int) -> int:
    """What the allocator really hands out for an object of ``size`` bytes (16-byte granules)."""
    return (size + 15) & ~15


def _int_bytes(value: int) -> int:
    """The memory an int holds of its own (the small ones, -5 to 256, are shared)."""
    return 0 if -5 <= value <= 256 else _alloc(sys.getsizeof(value))


def _value_bytes(value: Any) -> int:
    if value.__class__ is int:
        return _int_bytes(value)
    return _alloc(sys.getsizeof(value)) + sum(_int_bytes(v) for v in value)


def _twin_class(op: Operation) -> Hashable | None:
    """Unknown operations of the same class are interchangeable (same effect, no completion)."""
    try:
        cls = (op.f, op.key, op.input)
        hash(cls)
        return cls
    except TypeError:
        return None


class Search:
    """A resumable search over ``ops`` (ok or unknown outcomes; no failed ops) for ``model``.

    With ``record=True`` it also keeps, each time it gets stuck further on than ever before,
    the operations linearized at that moment (:attr:`best`: the longest legal start found) and,
    when it was a dead configuration, the value that could no longer be served
    (:attr:`best_dead`: ``(True, value)``; ``(False, None)`` after a plain backtrack).
    """

    def __init__(self, ops: Sequence[Operation], model: Model, *, record: bool = False) -> None:
        self.ops = list(ops)
        self.model = model
        events = []
        for i, op in enumerate(self.ops):
            events.append((op.invoke_time, 0, i))
            if op.outcome == "ok":
                events.append((op.complete_time, 1, i))
        events.sort()
        self._link(events)
        self._prepare_ops(events, model)
        init = model.init()
        self.states: list[Any] = [init]
        self.state_id: dict[Any, int] = {init: 0}
        self.soff = [0]                                  # state id k -> k << (number of ok ops)
        self.trans: list[dict[int, int]] = [{} for _ in self.ops]
        self._state_bytes = sys.getsizeof(init)
        self.watch: _Watch | None = None                 # built once the search is not over at once
        self._watch_after = 2 * self.M
        self.sid, self.lok, self.lu = 0, 0, 0
        self.entry = self.nxt[0]
        self.bound = 0                                  # the return entry the unknown ops must precede
        self.remaining = self.n_ok
        self.memo: dict[int, Any] = {}
        self.stack: list[int] = []                      # prev_state_id * M + call entry, per linearized op
        self.status = RUNNING if self.remaining else LINEARIZABLE
        self.iterations = 0
        self.furthest = -1                              # the latest return entry that forced a backtrack
        self.after_unknown = False                      # the last op linearized had an unknown outcome
        self.record = record
        self.best: list[int] = []                       # with record: ops linearized at the furthest backtrack
        self.best_dead: tuple[bool, Any] = (False, None)
        self._counted = 0                               # memo entries whose objects are in _object_bytes
        self._object_bytes = 0
        self._extra_bytes = 0                           # antichain lists
        self._transitions = 0

    def _link(self, events: list[tuple[float, int, int]]) -> None:
        """Two doubly linked lists over the entries 1..m (in time order), sharing ``nxt``/``prv``.

        The *ok list* (head 0, tail m+1) holds the call and return entries of the ok operations;
        the *unknown list* (head m+2, tail m+3) the call entries of the unknown ones. The
        unknown list's tail counts as a call entry (``ent_ret`` 0) beyond every return entry.
        """
        m = len(events)
        self.M = m + 4
        self.head_u = m + 2
        nxt = [0] * (m + 4)
        prv = [0] * (m + 4)
        self.ent_op = [-1] + [i for _, _, i in events] + [-1, -1, -1]
        self.ent_time = [0.0] + [t for t, _, _ in events] + [0.0, 0.0, 0.0]
        # call entry: its return entry (0: none, an unknown outcome); return entry: -1; ok list's ends: -2
        ent_ret = [-2] + [-kind for _, kind, _ in events] + [-2, -2, 0]
        call_of = [0] * len(self.ops)
        for k, (_, kind, i) in enumerate(events, start=1):
            if kind:
                ent_ret[call_of[i]] = k
            else:
                call_of[i] = k
        self.ent_ret = ent_ret
        ok = [op.outcome == "ok" for op in self.ops]
        known, unknown = [0], [m + 2]
        for k, (_, _, i) in enumerate(events, start=1):
            (known if ok[i] else unknown).append(k)
        known.append(m + 1)
        unknown.append(m + 3)
        for chain in (known, unknown):
            for a, b in zip(chain, chain[1:]):
                nxt[a], prv[b] = b, a
            nxt[chain[-1]], prv[chain[0]] = chain[-1], chain[0]
        self.nxt, self.prv = nxt, prv

    def _prepare_ops(self, events: list[tuple[float, int, int]], model: Model) -> None:
        """Per operation: its bit, its twin (unknown ops), whether it goes first (reads), whether it is blind."""
        self.bit = [0] * len(self.ops)
        self.twin = [-1] * len(self.ops)
        self.greedy = [False] * len(self.ops)
        self.steps = [model.compile(op) for op in self.ops]
        n_ok = n_unknown = 0
        last_of: dict[Hashable, int] = {}
        for _, kind, i in events:
            if kind:
                continue
            op = self.ops[i]
            if op.outcome == "ok":
                self.bit[i] = 1 << n_ok
                n_ok += 1
                self.greedy[i] = model.is_read_only(op)
            else:
                self.bit[i] = 1 << n_unknown
                n_unknown += 1
                cls = _twin_class(op)
                if cls is not None:
                    self.twin[i] = last_of.get(cls, -1)
                    last_of[cls] = i
        self.n_ok, self.n_unknown = n_ok, n_unknown
        # writes ignore the state: right after an unknown op, one would make it pointless (registers only)
        plain = model.register_like() and all(op.f in _RWC for op in self.ops)
        self.blind = [plain and op.f in WRITE_FS for op in self.ops]
        self.after_bit = (1 << n_unknown) if plain and n_unknown else 0

    def intern(self, state: Any) -> int:
        """The id of ``state`` (a new one the first time it is seen)."""
        sid = self.state_id.get(state, -1)
        if sid < 0:
            sid = len(self.states)
            self.states.append(state)
            self.state_id[state] = sid
            self.soff.append(sid << self.n_ok)
            self._state_bytes += _alloc(sys.getsizeof(state)) + _alloc(sys.getsizeof(self.soff[-1])) + 120
        return sid

    def _transition(self, i: int, sid: int) -> int:
        """The state id after op ``i`` from state ``sid`` (-1: illegal), computed once and tabled."""
        new = self.steps[i](self.states[sid])
        ns = -1 if new is ILLEGAL else self.intern(new)
        self.trans[i][sid] = ns
        self._state_bytes += 72
        self._transitions += 1
        return ns

    def objects(self) -> int:
        """How many objects the memo and the state tables hold (what freeing them costs)."""
        return len(self.memo) + 2 * len(self.states) + self._transitions

    @property
    def state(self) -> Any:
        """The model state of the current configuration."""
        return self.states[self.sid]

    def memory_bytes(self) -> int:
        """The memory the memo table, the stack and the state tables hold, measured from their objects."""
        return (sys.getsizeof(self.memo) + self._object_bytes + self._extra_bytes + sys.getsizeof(self.stack)
                + len(self.stack) * 32 + self._state_bytes)

    def _measure(self) -> None:
        """Add the memo entries made since the last call, sized from a sample of the newest ones."""
        new = len(self.memo) - self._counted
        if new > 0:
            sample = list(islice(reversed(self.memo.items()), min(new, 32)))
            each = sum(_int_bytes(k) + _value_bytes(v) for k, v in sample) / len(sample)
            self._object_bytes += int(new * each)
            self._counted += new

    def _admit(self, key: int, seen: Any, used: int) -> bool:
        """Record ``used`` for ``key`` unless a recorded set is contained in it (then False: dominated)."""
        if seen.__class__ is int:
            if seen & used == seen:
                return False
            if used & seen == used:                     # the new set is smaller: it dominates the old one
                self.memo[key] = used
                self._extra_bytes += _int_bytes(used) - _int_bytes(seen)
            else:
                self.memo[key] = [seen, used]
                self._extra_bytes += _alloc(sys.getsizeof([seen, used])) + _int_bytes(used)
            return True
        for s in seen:
            if s & used == s:
                return False
        kept = [s for s in seen if s & used != used]    # drop the sets the new one is contained in
        freed = sum(_int_bytes(s) for s in seen) - sum(_int_bytes(s) for s in kept)
        before = sys.getsizeof(seen)
        seen[:] = kept
        seen.append(used)
        self._extra_bytes += sys.getsizeof(seen) - before + _int_bytes(used) - freed
        return True

    def run(self, budget: int) -> str:
        """Run at most ``budget`` iterations; returns :data:`RUNNING` or the verdict."""
        if self._watch_after >= 0 and self.status == RUNNING:
            first = self._watch_after - self.iterations
            if first > 0:
                if first >= budget:
                    return self._run(budget)
                if self._run(first) != RUNNING:
                    return self.status
                budget -= first
            self.watch = _Watch.build(self, self.model)  # most searches end before this is worth building
            self._watch_after = -1
        return self._run(budget)

    def _run(self, budget: int) -> str:
        """The loop. One iteration looks at one entry. On the ok list: a call is tried, a return ends the ok
        ops' turn and starts the unknown ops' (those invoked before that return, on the unknown
        list); past them, the search backtracks.
        """
        if self.status != RUNNING:
            return self.status
        nxt, prv, ent_op, ent_ret = self.nxt, self.prv, self.ent_op, self.ent_ret
        trans, bit, twin, greedy, soff = self.trans, self.bit, self.twin, self.greedy, self.soff
        blind, after_bit, head_u = self.blind, self.after_bit, self.head_u
        has_blind = after_bit != 0
        memo, stack, M = self.memo, self.stack, self.M
        get, push, pop, admit = memo.get, stack.append, stack.pop, self._admit
        dead = self.watch.dead if self.watch is not None else None
        sid, lok, lu, e, remaining = self.sid, self.lok, self.lu, self.entry, self.remaining
        bound, furthest, record, after_unknown = self.bound, self.furthest, self.record, self.after_unknown
        left = budget
        status = RUNNING
        while left:
            left -= 1
            r = ent_ret[e]
            if r > 0 or (r == 0 and e < bound):        # a call: try to linearize its op now
                i = ent_op[e]
                if after_unknown and blind[i]:          # a write right after an unknown op: pointless
                    e = nxt[e]
                    continue
                ns = trans[i].get(sid, _UNSEEN)
                if ns == _UNSEEN:
                    ns = self._transition(i, sid)
                if ns < 0:
                    e = nxt[e]
                    continue
                if r:                                   # an ok op
                    nok, nu = lok | bit[i], lu
                    tag = nu
                else:                                   # an unknown outcome: optional, no deadline
                    t = twin[i]
                    if ns == sid or (t >= 0 and not lu & bit[t]):
                        e = nxt[e]
                        continue
                    nok, nu = lok, lu | bit[i]
                    tag = nu | after_bit
                key = nok | soff[ns]
                seen = get(key)
                if seen is None:
                    memo[key] = tag
                    fresh = True
                elif seen.__class__ is int and seen & tag == seen:
                    fresh = False
                else:
                    fresh = admit(key, seen, tag)
                if fresh and dead is not None and ns != sid:
                    x = dead(sid, nok, nu)              # a read of the value left behind can no longer be served?
                    if x:
                        fresh = False
                        if x > furthest:                # it gets stuck at that read's completion at the latest
                            furthest = x
                            if record:
                                self.best = [ent_op[c % M] for c in stack] + [i]
                                self.best_dead = (True, self.states[sid])
                if fresh:
                    push(sid * M + e)
                    sid, lok, lu = ns, nok, nu
                    p, q = prv[e], nxt[e]
                    nxt[p], prv[q] = q, p
                    if r:
                        p, q = prv[r], nxt[r]
                        nxt[p], prv[q] = q, p
                        remaining -= 1
                        if not remaining:
                            status = LINEARIZABLE
                            break
                    e = nxt[0]
                    after_unknown = not r and has_blind
                    continue
                if not greedy[i]:
                    e = nxt[e]
                    continue
                # a read that can go now leads only to configurations seen: this one is done too
            elif r == -1:                               # a return: the ok ops' turn is over
                bound = e
                e = nxt[head_u]
                continue
            else:                                       # past the unknown ops invoked before the return
                if bound > furthest:
                    furthest = bound
                    if record:
                        self.best = [ent_op[c % M] for c in stack]
                        self.best_dead = (False, None)
            while True:                                 # backtrack (past reads that went first)
                if not stack:
                    status = NOT_LINEARIZABLE
                    break
                c = pop()
                e, sid = c % M, c // M
                i = ent_op[e]
                r = ent_ret[e]
                if r:
                    nxt[prv[r]] = r
                    prv[nxt[r]] = r
                    remaining += 1
                    lok ^= bit[i]
                else:
                    lu ^= bit[i]
                nxt[prv[e]] = e
                prv[nxt[e]] = e
                if not greedy[i]:
                    break
            if status != RUNNING:
                break
            if not r:                                   # back among the unknown ops: find their bound again
                bound = nxt[0]
                while ent_ret[bound] > 0:
                    bound = nxt[bound]
            after_unknown = has_blind and bool(stack) and not ent_ret[stack[-1] % M]
            e = nxt[e]
        self.iterations += budget - left
        self.sid, self.lok, self.lu, self.entry, self.remaining = sid, lok, lu, e, remaining
        self.bound, self.furthest, self.after_unknown = bound, furthest, after_unknown
        self.status = status
        self._measure()
        return status

    # -- results ---------------------------------------------------------------------------------

    def order(self) -> list[int]:
        """After success: operation positions in linearization order (unknown ops left out at the end)."""
        M = self.M
        done = [self.ent_op[c % M] for c in self.stack]
        placed = set(done)
        return done + [i for i in range(len(self.ops)) if i not in placed]

    def stuck_op(self) -> Operation | None:
        """After failure: the op whose completion no order got past."""
        if self.furthest < 0:
            return None
        return self.ops[self.ent_op[self.furthest]]

    def stuck_time(self) -> float:
        return self.ent_time[self.furthest] if self.furthest >= 0 else float("inf")


class _Watch:
    """Dead configurations of a register: a value left behind that an ``ok`` operation still has to see.

    For a register (reads, writes, compare-and-set), an ``ok`` operation that observes value
    ``v`` (a read of ``v``, a successful ``cas v>...``) needs the state to be ``v`` at its point.
    Once the state is not ``v`` and every operation that could set ``v`` again and was invoked
    before that observer completed has already been linearized, nothing can serve it: the
    configuration is dead, and so is everything after it. When the state leaves ``v``, the
    search asks :meth:`dead` whether the earliest-completing observer of ``v`` not yet
    linearized completes before the earliest invoke of a setter of ``v`` not yet linearized.
    Setters are counted generously (a cas that would set ``v`` counts whatever its condition).

    Only for register-like models whose every operation is a read, write or cas: anything else
    (an append) changes the state in ways ``produces`` does not describe.
    """

    def __init__(self) -> None:
        self.prod_ok: dict[int, int] = {}          # value's state id -> bits of ok ops that set it
        self.prod_unknown: dict[int, int] = {}     # ... and of unknown ones
        self.obs_done: dict[int, list[float]] = {} # value's state id -> completions of its observers, sorted
        self.obs_bits: dict[int, list[int]] = {}   # ... and the bits of the first j observers, for each j
        self.obs_ret: dict[int, list[int]] = {}    # ... and their return entries
        self.ok_invoke: list[float] = []           # ok bit k -> invoke time
        self.unknown_invoke: list[float] = []

    @classmethod
    def build(cls, search: "Search", model: Model) -> "_Watch | None":
        if not model.register_like() or any(op.f not in _RWC for op in search.ops):
            return None
        w = cls()
        w.ok_invoke = [0.0] * search.n_ok
        w.unknown_invoke = [0.0] * search.n_unknown
        observers: dict[int, list[tuple[float, int, int]]] = {}
        ret_of = {search.ent_op[e]: e for e, r in enumerate(search.ent_ret) if r == -1}
        for i, op in enumerate(search.ops):
            k = search.bit[i].bit_length() - 1
            ok = op.outcome == "ok"
            (w.ok_invoke if ok else w.unknown_invoke)[k] = op.invoke_time
            has, v = model.produces(op)
            if has:
                sid = search.intern(v)
                table = w.prod_ok if ok else w.prod_unknown
                table[sid] = table.get(sid, 0) | search.bit[i]
            has, v = model.observes(op)
            if has and ok:
                observers.setdefault(search.intern(v), []).append((op.complete_time, search.bit[i], ret_of[i]))
        for sid, obs in observers.items():
            obs.sort()
            w.obs_done[sid] = [t for t, _, _ in obs]
            w.obs_ret[sid] = [e for _, _, e in obs]
            prefix, acc = [0], 0
            for _, b, _ in obs:
                acc |= b
                prefix.append(acc)
            w.obs_bits[sid] = prefix
        return w

    def dead(self, left: int, lok: int, lu: int) -> int:
        """When the state has just left state ``left`` and an observer of it can no longer be served: that
        observer's return entry (0 when the configuration is not dead)."""
        done = self.obs_done.get(left)
        if done is None:
            return 0
        first = math.inf
        rest = self.prod_ok.get(left, 0) & ~lok
        if rest:
            first = self.ok_invoke[(rest & -rest).bit_length() - 1]
        rest = self.prod_unknown.get(left, 0) & ~lu
        if rest:
            first = min(first, self.unknown_invoke[(rest & -rest).bit_length() - 1])
        j = bisect_left(done, first)
        if not j:
            return 0
        bits = self.obs_bits[left]
        need = bits[j]
        if need & lok == need:
            return 0
        k = 1                                           # the earliest-completing one left: bits[k] gains it
        while bits[k] & lok == bits[k]:
            k += 1
        return self.obs_ret[left][k - 1]
