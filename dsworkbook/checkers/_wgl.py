"""The linearizability search: Wing & Gong's algorithm with Lowe's memoisation, resumable.

Theory of operation
-------------------
The history becomes one list of *events* in time order: each operation's invoke (its *call*
entry) and, for an ``ok`` operation, its completion (its *return* entry); at equal times calls
come first, because an operation that completes at the moment another begins does not precede
it. The list is doubly linked, so an entry is taken out and put back in O(1) (Wing & Gong 1993;
Lowe 2017, §3 "the basic algorithm").

The search walks the list from its head. At a call entry it tries to *linearize* that operation
now: step the model; if the step is legal and the configuration ``(set of linearized
operations, model state)`` has not been seen before (Lowe's memoisation: a configuration seen
before cannot lead anywhere new), it pushes the operation on a stack, lifts its two entries
out of the list, and starts again from the head. At a return entry - an operation that must
already have taken effect but has not - it backtracks: pop, put the entries back, and try the
next call after the popped one. The history is linearizable when every ``ok`` operation is on
the stack (operations with an unknown outcome have no return entry: they may take effect later,
or never); it is not when it must backtrack with an empty stack.

The set of linearized operations is a Python int used as a bit set (bit ``i`` for operation
``i``); configurations live in one set of ``(bits, state)`` pairs. The loop keeps everything in
local variables and runs a given number of iterations per call to :meth:`Search.run`, so a
caller can interleave several searches (one per key) and stop on a time or memory budget.

``furthest`` remembers the latest return entry at which the search ever had to backtrack: when
the history is not linearizable, no order gets past that operation's completion, and the
operations invoked before it already form a non-linearizable sub-history.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import Operation

__all__ = ["Search", "RUNNING", "LINEARIZABLE", "NOT_LINEARIZABLE"]

RUNNING, LINEARIZABLE, NOT_LINEARIZABLE = "running", "linearizable", "not linearizable"


class Search:
    """A resumable search over ``ops`` (ok or unknown outcomes; no failed ops) for ``model``."""

    def __init__(self, ops: Sequence[Operation], model: Model) -> None:
        self.ops = list(ops)
        events = []
        for i, op in enumerate(self.ops):
            events.append((op.invoke_time, 0, i))
            if op.outcome == "ok":
                events.append((op.complete_time, 1, i))
        events.sort()
        m = len(events)
        self.nxt = list(range(1, m + 2)) + [m + 1]
        self.prv = [0] + list(range(0, m + 1))
        self.ent_op = [-1] + [i for _, _, i in events] + [-1]
        self.ent_time = [0.0] + [t for t, _, _ in events] + [0.0]
        # call entry: its return entry (0: none, an unknown outcome); return entry: -1; sentinels: -2
        ent_ret = [-2] + [-kind for _, kind, _ in events] + [-2]
        call_of = [0] * len(self.ops)
        for k, (_, kind, i) in enumerate(events, start=1):
            if kind:
                ent_ret[call_of[i]] = k
            else:
                call_of[i] = k
        self.ent_ret = ent_ret
        self.steps = [model.compile(op) for op in self.ops]
        self.model = model
        self.state: Any = model.init()
        self.lin = 0
        self.entry = self.nxt[0]
        self.remaining = sum(1 for op in self.ops if op.outcome == "ok")
        self.stack: list[tuple[int, Any, int]] = []
        self.cache: set[tuple[int, Any]] = set()
        self.status = RUNNING if self.remaining else LINEARIZABLE
        self.iterations = 0
        self.furthest = -1                      # the latest return entry that forced a backtrack
        self._entry_bytes = 120 + sys.getsizeof(1 << max(len(self.ops), 1)) // 2

    def memory_bytes(self) -> int:
        """A cautious estimate of the memory the memo table and stack hold."""
        return len(self.cache) * self._entry_bytes + len(self.stack) * 80

    def run(self, budget: int) -> str:
        """Run at most ``budget`` iterations; returns :data:`RUNNING` or the verdict."""
        if self.status != RUNNING:
            return self.status
        nxt, prv, ent_op, ent_ret, steps = self.nxt, self.prv, self.ent_op, self.ent_ret, self.steps
        cache, stack = self.cache, self.stack
        add, push, pop = cache.add, stack.append, stack.pop
        state, lin, e, remaining = self.state, self.lin, self.entry, self.remaining
        furthest = self.furthest
        illegal = ILLEGAL
        left = budget
        status = RUNNING
        while left:
            left -= 1
            r = ent_ret[e]
            if r >= 0:                                  # a call: try to linearize it now
                i = ent_op[e]
                new = steps[i](state)
                if new is not illegal:
                    nl = lin | (1 << i)
                    k = (nl, new)
                    if k not in cache:
                        add(k)
                        push((e, state, lin))
                        state, lin = new, nl
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
                        continue
                e = nxt[e]
            elif r == -1:                               # a return: that op must already have happened
                if e > furthest:
                    furthest = e
                if not stack:
                    status = NOT_LINEARIZABLE
                    break
                e, state, lin = pop()
                r = ent_ret[e]
                if r:
                    nxt[prv[r]] = r
                    prv[nxt[r]] = r
                    remaining += 1
                nxt[prv[e]] = e
                prv[nxt[e]] = e
                e = nxt[e]
            else:  # pragma: no cover - the tail is reached only if an ok op had no return entry
                raise AssertionError("linearizability search ran past the end of the history")
        self.iterations += budget - left
        self.state, self.lin, self.entry, self.remaining, self.furthest = state, lin, e, remaining, furthest
        self.status = status
        return status

    # -- results ---------------------------------------------------------------------------------

    def order(self) -> list[int]:
        """After success: operation positions in linearization order (unknown ops left out at the end)."""
        done = [self.ent_op[e] for e, _, _ in self.stack]
        placed = set(done)
        return done + [i for i in range(len(self.ops)) if i not in placed]

    def stuck_op(self) -> Operation | None:
        """After failure: the op whose completion no order got past."""
        if self.furthest < 0:
            return None
        return self.ops[self.ent_op[self.furthest]]

    def stuck_time(self) -> float:
        return self.ent_time[self.furthest] if self.furthest >= 0 else float("inf")
