"""A brute-force linearizability oracle for tiny histories: try every order (tests only)."""

from __future__ import annotations

import itertools

from dsworkbook.checkers.datatypes import ILLEGAL, Model
from dsworkbook.checkers.history import History


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
