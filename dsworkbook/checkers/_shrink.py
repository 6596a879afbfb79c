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
2. **delta debugging** - drop chunks of the operations, halves first and then smaller, while
   the rest stays non-linearizable (Zeller & Hildebrandt's ddmin, 2002). An operation dropped
   takes with it the operations that observed a value nothing left can produce. It ends by
   trying each single operation: a 1-minimal sub-history, when the budget allows. Halves
   first, because with repeated values (a few values written over and over) the windows stay
   large, and most of a long history can go in a few cheap trials.

Every trial is a fresh bounded search (a number of steps, and the shrink's deadline, checked
every few thousand steps), and the whole shrink has its own deadline: when it passes, the
smallest violating sub-history found so far is returned. :func:`explain_failure` runs one more
search on the result, recording the longest legal start, under the same kind of deadline.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any, Sequence

from dsworkbook.checkers import _refute
from dsworkbook.checkers._wgl import LINEARIZABLE, NOT_LINEARIZABLE, Search
from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import Operation

__all__ = ["shrink", "explain_failure", "refutes"]

_TRIAL_ITERATIONS = 200_000
_SLICE = 2_000          # search steps between two looks at the clock


def _bounded(search: Search, iterations: int, deadline: float) -> str:
    """Run ``search`` for at most ``iterations`` steps or until ``deadline``; its status."""
    status = search.status
    while status not in (LINEARIZABLE, NOT_LINEARIZABLE) and search.iterations < iterations:
        if time.perf_counter() > deadline:
            break
        status = search.run(min(_SLICE, iterations - search.iterations))
    return status


def refutes(ops: Sequence[Operation], model: Model, iterations: int = _TRIAL_ITERATIONS,
            deadline: float = math.inf) -> bool:
    """True when a read pattern (:mod:`._refute`) or a search bounded by ``iterations`` steps and
    ``deadline`` proves ``ops`` non-linearizable."""
    if _refute.applies(ops, model) and _refute.find(ops, model) is not None:
        return True
    return _bounded(Search(ops, model), iterations, deadline) == NOT_LINEARIZABLE


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
            if v not in producers:           # a value built by appends: keep what it is built from
                for p in pool:
                    if p not in out and model.depends(op, p):
                        out.add(p)
                        todo.append(p)
    return out


def _needs(op: Operation, model: Model) -> tuple[bool, Any]:
    """The value ``op`` needs to find to do anything: what it observes, or an unknown cas's expected value."""
    if op.outcome == "ok":
        return model.observes(op)
    return model.observes(replace(op, outcome="ok"))


def _without(current: list[Operation], chunk: Sequence[Operation], model: Model) -> list[Operation]:
    """``current`` minus ``chunk``, minus the ops left needing a value only the dropped ops produced.

    An unknown cas whose expected value nothing can produce any more is dropped too: it can
    only do nothing, and keeping it as the source of its new value would leave a read with no
    real source (a violation made by the shrinking, not found in the history).
    """
    initial = model.init()
    drop = set(chunk)
    producers: dict[Any, int] = {}
    had: set[Any] = set()                     # values something in current produces (an append produces none)
    for op in current:
        has, v = model.produces(op)
        if has:
            had.add(v)
            if op not in drop:
                producers[v] = producers.get(v, 0) + 1
    changed = True
    while changed:
        changed = False
        for op in current:
            if op in drop:
                continue
            has, v = _needs(op, model)
            if not has or v == initial:
                continue
            if v not in had:                 # a value built by appends: it goes with any of them
                if any(model.depends(op, d) for d in drop):
                    drop.add(op)
                    changed = True
                continue
            made, w = model.produces(op)
            if producers.get(v, 0) - (made and w == v) <= 0:   # (a cas 1>1 is no source for itself)
                drop.add(op)
                changed = True
                if made:
                    producers[w] -= 1
    return [op for op in current if op not in drop]


def shrink(ops: Sequence[Operation], model: Model, stuck_time: float, deadline: float) -> list[Operation]:
    """A small non-linearizable sub-history of the non-linearizable ``ops`` (see the module docstring),
    the smallest found by ``deadline`` (a :func:`time.perf_counter` instant)."""
    prefix = sorted((op for op in ops if op.invoke_time <= stuck_time), key=lambda o: o.invoke_time)
    if len(prefix) < len(ops) and not refutes(prefix, model, 10 * _TRIAL_ITERATIONS, deadline):
        prefix = sorted(ops, key=lambda o: o.invoke_time)
    best = prefix
    k = 4
    while k < len(prefix) and time.perf_counter() < deadline:
        window = _closure(set(prefix[-k:]), prefix, model)
        if len(window) < len(best) and refutes(sorted(window, key=lambda o: o.invoke_time), model,
                                               deadline=deadline):
            best = sorted(window, key=lambda o: o.invoke_time)
            break
        k *= 2
    return _ddmin(best, model, deadline)


def _ddmin(ops: list[Operation], model: Model, deadline: float) -> list[Operation]:
    current = list(ops)
    n = 2
    while len(current) > 1 and time.perf_counter() < deadline:
        size = -(-len(current) // n)
        for start in range(0, len(current), size):
            if time.perf_counter() > deadline:
                return current
            trial = _without(current, current[start:start + size], model)
            if trial and refutes(trial, model, deadline=deadline):
                current, n = trial, max(n - 1, 2)
                break
        else:
            if size == 1:
                break
            n = min(len(current), 2 * n)
    return current


def explain_failure(ops: Sequence[Operation], model: Model,
                    deadline: float = math.inf) -> tuple[list[Operation], Operation | None, str]:
    """For a small non-linearizable ``ops``: the longest legal prefix found, the stuck op, and a sentence."""
    search = Search(ops, model, record=True)
    status = _bounded(search, _TRIAL_ITERATIONS, deadline)
    prefix = [search.ops[i] for i in search.best]
    stuck = search.stuck_op()
    if status != NOT_LINEARIZABLE:
        return prefix, stuck, (f"no order of these {len(ops)} operations is legal (the search that would say "
                               "how far an order gets ran out of its budget)")
    state = model.init()
    for op in prefix:
        state = model.step(state, op)
    shown = " -> ".join(op.label() for op in prefix) or "(nothing)"
    if stuck is None or state is ILLEGAL:
        return prefix, stuck, "no order of these operations is legal"
    head = (f"no order of these {len(ops)} operations gets past the completion of {stuck} at "
            f"t={stuck.complete_time:g}: the longest legal start found is {shown}, leaving the state at "
            f"{model.describe(state)}")
    dead, value = search.best_dead
    if dead:
        return prefix, stuck, (f"{head}; {stuck.label()} needs {model.describe(value)}, and no operation that "
                               f"could set it again is left to take effect before {stuck.label()} completes")
    return prefix, stuck, f"{head}, and from there nothing legal can take effect before that completion"
