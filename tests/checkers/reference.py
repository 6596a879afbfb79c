"""References for the checker's tests: a brute-force oracle for tiny histories (every order), the
plain memoised search without reductions, and a history no search can finish."""

from __future__ import annotations

import itertools

from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import History, Operation


def brute_linearizable(history: History, model: Model) -> bool:
    """Every subset of the unknown ops, every order of the rest that respects real time, replayed."""
    ops = [o for o in history if o.outcome != "fail" and not (o.outcome == "unknown" and model.is_read_only(o))]
    definite = [o for o in ops if o.outcome == "ok"]
    unknown = [o for o in ops if o.outcome == "unknown"]
    for k in range(len(unknown) + 1):
        for chosen in itertools.combinations(unknown, k):
            for perm in itertools.permutations(definite + list(chosen)):
                if any(perm[j].latest < perm[i].invoke_time for i in range(len(perm)) for j in range(i + 1, len(perm))):
                    continue
                state = model.init()
                for op in perm:
                    state = model.step(state, op)
                    if state is ILLEGAL:
                        break
                else:
                    return True
    return False


def brute_sequential(history: History, model: Model) -> bool:
    """Every order that keeps each process's order of its ok ops (unknown writes float or never happen)."""
    ops = [o for o in history if o.outcome != "fail" and not (o.outcome == "unknown" and model.is_read_only(o))]
    definite = [o for o in ops if o.outcome == "ok"]
    unknown = [o for o in ops if o.outcome == "unknown"]

    def respects(perm) -> bool:
        pos = {o.index: i for i, o in enumerate(perm)}
        for o in perm:
            for p in ops:
                if p.process == o.process and p.invoke_time < o.invoke_time and p.outcome == "ok" and \
                        p.index in pos and pos[p.index] > pos[o.index]:
                    return False
        return True

    for k in range(len(unknown) + 1):
        for chosen in itertools.combinations(unknown, k):
            for perm in itertools.permutations(definite + list(chosen)):
                if not respects(perm):
                    continue
                state = model.init()
                for op in perm:
                    state = model.step(state, op)
                    if state is ILLEGAL:
                        break
                else:
                    return True
    return False


def plain_search(ops, model: Model, max_steps: int = 2_000_000) -> bool | None:
    """Wing & Gong's search with Lowe's memo and nothing else: no reductions, no read patterns.

    The checker's search before its reductions, kept as the reference the reduced one is checked
    against. ``ops``: ok and unknown operations (no failed ones). None when it runs out of steps.
    """
    ops = list(ops)
    events = []
    for i, op in enumerate(ops):
        events.append((op.invoke_time, 0, i))
        if op.outcome == "ok":
            events.append((op.complete_time, 1, i))
    events.sort()
    m = len(events)
    nxt = list(range(1, m + 2)) + [m + 1]
    prv = [0] + list(range(0, m + 1))
    ent_op = [-1] + [i for _, _, i in events] + [-1]
    ent_ret = [-2] + [-kind for _, kind, _ in events] + [-2]
    call_of = [0] * len(ops)
    for k, (_, kind, i) in enumerate(events, start=1):
        if kind:
            ent_ret[call_of[i]] = k
        else:
            call_of[i] = k
    remaining = sum(1 for op in ops if op.outcome == "ok")
    if not remaining:
        return True
    state, lin, e = model.init(), 0, nxt[0]
    stack, cache = [], set()
    for _ in range(max_steps):
        r = ent_ret[e]
        if r >= 0:
            i = ent_op[e]
            new = model.step(state, ops[i])
            if new is not ILLEGAL and (lin | (1 << i), new) not in cache:
                cache.add((lin | (1 << i), new))
                stack.append((e, state, lin))
                state, lin = new, lin | (1 << i)
                nxt[prv[e]], prv[nxt[e]] = nxt[e], prv[e]
                if r:
                    nxt[prv[r]], prv[nxt[r]] = nxt[r], prv[r]
                    remaining -= 1
                    if not remaining:
                        return True
                e = nxt[0]
                continue
            e = nxt[e]
        elif r == -1:
            if not stack:
                return False
            e, state, lin = stack.pop()
            r = ent_ret[e]
            if r:
                nxt[prv[r]] = r
                prv[nxt[r]] = r
                remaining += 1
            nxt[prv[e]] = e
            prv[nxt[e]] = e
            e = nxt[e]
        else:
            raise AssertionError("ran past the end of the history")
    return None


def hard_history(appends: int = 14) -> History:
    """Concurrent appends to one key, then a read of a string no order of them makes.

    Every order of the appends leaves a different string, so the memo merges nothing and the
    search must try all ``appends!`` orders before it can say no (14! is about 8.7e10): a
    history that exhausts any time or memory budget, for the budget tests. No read pattern
    applies (appends are not reads, writes or cas), so the search is the only way.
    """
    ops = [Operation(i, f"p{i}", "append", f"x{i};", f"x{i};", 0.0, 10.0, "ok", "k") for i in range(appends)]
    ops.append(Operation(appends, "reader", "read", None, "x0;" * appends, 11.0, 12.0, "ok", "k"))
    return History(ops)
