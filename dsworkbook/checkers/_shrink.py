"""Shrinking a non-linearizable history to a small violating sub-history, and explaining it.

Theory of operation
-------------------
A counterexample of 8 operations teaches; one of 8,000 does not. When the search fails, the
operations invoked up to the completion where it got stuck already form a non-linearizable
history (every linearization of them would carry the search past that point). From there:

1. **windows** - keep only the last k of those operations (k = 4, 8, 16, ...), closed under
   *sources*: an operation that observed a value keeps every operation that could have produced
   it, so that no read is left without its write (which would make a window fail for a
   trivial, misleading reason). The first window that is still not linearizable is kept;
2. **one at a time** - drop each operation (with whatever observed only it) while the rest
   stays non-linearizable, until nothing more can be dropped (a 1-minimal sub-history, as in
   Zeller's delta debugging).

Every trial is a fresh bounded search, and the whole shrink has its own time budget: when it
runs out, the smallest violating sub-history found so far is returned.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from dsworkbook.checkers._wgl import LINEARIZABLE, NOT_LINEARIZABLE, Search
from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import Operation

__all__ = ["shrink", "explain_failure", "refutes"]

_TRIAL_ITERATIONS = 200_000


def refutes(ops: Sequence[Operation], model: Model, iterations: int = _TRIAL_ITERATIONS) -> bool:
    """True when a bounded search proves ``ops`` non-linearizable."""
    search = Search(ops, model)
    status = search.run(iterations)
    return status == NOT_LINEARIZABLE


def _closure(chosen: set[Operation], pool: Sequence[Operation], model: Model) -> set[Operation]:
    """``chosen`` plus, for every value an op observes, every op in ``pool`` that produces it."""
    initial = model.init()
    producers: dict[Any, list[Operation]] = {}
    for op in pool:
        has, v = model.produces(op)
        if has:
            producers.setdefault(v, []).append(op)
    out, todo = set(chosen), list(chosen)
    while todo:
        op = todo.pop()
        has, v = model.observes(op)
        if has and v != initial:
            for p in producers.get(v, ()):
                if p not in out:
                    out.add(p)
                    todo.append(p)
    return out


def _dependents(op: Operation, current: set[Operation], model: Model) -> set[Operation]:
    """``op`` plus the ops that observe only values that nothing else in ``current`` produces."""
    drop, todo = {op}, [op]
    while todo:
        x = todo.pop()
        has, v = model.produces(x)
        if not has or any(model.produces(o) == (True, v) for o in current - drop):
            continue
        for o in current - drop:
            if model.observes(o) == (True, v):
                drop.add(o)
                todo.append(o)
    return drop


def shrink(ops: Sequence[Operation], model: Model, stuck_time: float, budget: float) -> list[Operation]:
    """A small non-linearizable sub-history of ``ops`` (see the module docstring)."""
    deadline = time.perf_counter() + budget
    prefix = sorted((op for op in ops if op.invoke_time <= stuck_time), key=lambda o: o.invoke_time)
    if not refutes(prefix, model, 10 * _TRIAL_ITERATIONS):
        prefix = sorted(ops, key=lambda o: o.invoke_time)
    best = prefix
    k = 4
    while k < len(prefix) and time.perf_counter() < deadline:
        window = _closure(set(prefix[-k:]), prefix, model)
        if len(window) < len(best) and refutes(sorted(window, key=lambda o: o.invoke_time), model):
            best = sorted(window, key=lambda o: o.invoke_time)
            break
        k *= 2
    return _one_at_a_time(best, model, deadline)


def _one_at_a_time(ops: list[Operation], model: Model, deadline: float) -> list[Operation]:
    current = list(ops)
    changed = True
    while changed and time.perf_counter() < deadline:
        changed = False
        for op in sorted(current, key=lambda o: -o.invoke_time):
            if op not in current or time.perf_counter() > deadline:
                continue
            drop = _dependents(op, set(current), model)
            trial = [o for o in current if o not in drop]
            if trial and refutes(trial, model):
                current, changed = trial, True
    return current


def explain_failure(ops: Sequence[Operation], model: Model) -> tuple[list[Operation], Operation | None, str]:
    """For a small non-linearizable ``ops``: the longest legal prefix found, the stuck op, and a sentence."""
    search = Search(ops, model)
    best: list[int] = []
    furthest = -1
    while search.status not in (LINEARIZABLE, NOT_LINEARIZABLE) and search.iterations < _TRIAL_ITERATIONS:
        e = search.entry
        if search.ent_ret[e] == -1 and e > furthest:   # about to backtrack further on than ever before
            furthest = e
            best = [search.ent_op[c] for c, _, _ in search.stack]
        search.run(1)
    prefix = [search.ops[i] for i in best]
    stuck = search.stuck_op()
    state = model.init()
    for op in prefix:
        state = model.step(state, op)
    shown = " -> ".join(op.label() for op in prefix) or "(nothing)"
    if stuck is None or state is ILLEGAL:
        return prefix, stuck, "no order of these operations is legal"
    text = (f"no order of these {len(ops)} operations gets past the completion of {stuck} at "
            f"t={stuck.complete_time:g}: the longest legal start found is {shown}, leaving the state at "
            f"{model.describe(state)}, and from there nothing legal can take effect before that completion")
    return prefix, stuck, text
