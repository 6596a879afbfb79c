"""Exercise ``13-twophase-next``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from collections import deque
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import attempt, exercise, fail, same_everywhere
from dsworkbook.transactions.model import RM_STATES, TM_STATES, TLC_STATE_COUNTS, TwoPhaseModel

#: (rms, crash, cooperative): the models compared, every reachable state of each.
MODELS = [(n, False, False) for n in (1, 2, 3, 4, 5)] + [(n, True, False) for n in (1, 2, 3, 4)] + \
         [(n, True, True) for n in (1, 2, 3, 4, 5)]
HINTS = {
    "TMRcvPrepared": "TMRcvPrepared(rmK): only while tmState is INIT, for an RM whose Prepared message is in msgs "
                     "(its bit set in the Prepared-msgs mask) and not yet in tmPrepared; it adds the RM to tmPrepared",
    "TMCommit": "TMCommit: only while tmState is INIT and tmPrepared holds every RM; tmState becomes DONE and the "
                "Commit message (decision bit 1) is sent",
    "TMAbort": "TMAbort: whenever tmState is INIT (the TM may abort at any time before it decides); tmState becomes "
               "DONE and the Abort message (decision bit 2) is sent",
    "TMCrash": "TMCrash: only with crash=True and only while tmState is INIT; tmState becomes CRASHED, nothing else "
               "changes",
    "RMPrepare": "RMPrepare(rmK): only for a WORKING RM; it becomes PREPARED and its Prepared message joins msgs",
    "RMChooseToAbort": "RMChooseToAbort(rmK): only for a WORKING RM (a prepared RM may no longer abort on its own)",
    "RMRcvCommitMsg": "RMRcvCommitMsg(rmK): for every RM, in any state, once the Commit message is in msgs",
    "RMRcvAbortMsg": "RMRcvAbortMsg(rmK): for every RM, in any state, once the Abort message is in msgs",
    "RMLearn": "RMLearn(rmK): only with cooperative=True, only once the TM is CRASHED, only for a PREPARED RM, and "
               "only to an outcome (COMMITTED or ABORTED) some RM already has",
}


def _describe(s: tuple) -> dict[str, Any]:
    rm, tm, tp, pm, dm, *_ = s
    return {"state": s, "rmState": [RM_STATES[r] if isinstance(r, int) and 0 <= r < 5 else r for r in rm],
            "tmState": TM_STATES[tm] if isinstance(tm, int) and 0 <= tm < 4 else tm, "tmPrepared": bin(tp),
            "Prepared msgs": bin(pm), "decision msgs": bin(dm)}


def _steps(model: Any, s: tuple, case: str) -> set[tuple[str, tuple]]:
    out = attempt(lambda: list(model.next(s)), input=_describe(s), case=case)
    if len(out) > 10 * (model.n * 8 + 4):
        fail(case=case, input=_describe(s), expected="at most a few successors per RM",
             got=f"{len(out)} successors", hint="yield each action's successor once")
    for item in out:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and isinstance(item[1], tuple)
                and len(item[1]) == 8):
            fail(case=case, input=_describe(s), expected="pairs (action name, successor state of 8 fields)",
                 got=item, hint="yield (name, state) pairs, a state being a tuple like the one given")
    return set(out)


def _compare(answer: type, rms: int, crash: bool, cooperative: bool) -> int:
    case = f"{rms} RMs, crash={crash}, cooperative={cooperative}"
    ref = TwoPhaseModel(rms, crash=crash, cooperative=cooperative)
    mine = attempt(answer, rms, crash=crash, cooperative=cooperative, input=case, case=case)
    start = ref.init()
    seen, queue = {start}, deque([start])
    while queue:
        s = queue.popleft()
        want = set(ref.next(s))
        got = _steps(mine, s, case)
        if got != want:
            missing, extra = sorted(want - got), sorted(got - want)
            action = (missing or extra)[0][0].split("(")[0]
            fail(case=f"{case}: the successors of a reachable state", input=_describe(s),
                 expected=f"{len(want)} steps; missing from yours: {missing[:6]}",
                 got=f"{len(got)} steps; not in the model: {extra[:6]}", hint=HINTS.get(action, HINTS["TMAbort"]))
        for _a, t in want:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return len(seen)


@exercise("13-twophase-next", title="The TwoPhase specification's next-state relation", theme="T13",
          concepts=("X01",), reference="dsworkbook.transactions.model.TwoPhaseModel.next")
def grade_twophase_next(answer: Any) -> str:
    """``answer`` is a ``TwoPhaseModel`` subclass whose ``next(s)`` yields every ``(action, successor)``.

    On every state reachable from the initial state, for 1-5 RMs, with and without TMCrash and
    cooperative termination, the set of steps must equal the library's (Gray & Lamport's TwoPhase
    actions, plus TMCrash and RMLearn); the search then finds 288 states for 3 RMs and 8,832 for
    5, as TLC does. One model is built and stepped in two worlds.
    """
    if not (inspect.isclass(answer) and issubclass(answer, TwoPhaseModel)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of TwoPhaseModel",
             got=type(answer).__name__, hint="write class MyTwoPhase(TwoPhaseModel) with a method next(self, s)")
    if answer.next is TwoPhaseModel.next:
        fail(case="the answer itself", input=repr(answer), expected="a class that defines next(self, s)",
             got="the library's next, inherited", hint="define next(self, s) in your class")
    counts = {}
    for rms, crash, cooperative in MODELS:
        try:
            counts[(rms, crash, cooperative)] = _compare(answer, rms, crash, cooperative)
        except ConfigError as exc:  # pragma: no cover - the library's own arguments are valid
            fail(case=f"{rms} RMs", input=(rms, crash, cooperative), expected="a model", got=str(exc),
                 hint="keep TwoPhaseModel's __init__")
    assert counts[(3, False, False)] == TLC_STATE_COUNTS[3] and counts[(5, False, False)] == TLC_STATE_COUNTS[5]

    def walk() -> list[tuple[str, tuple]]:
        model = answer(3, crash=True, cooperative=True)
        s, path = model.init(), []
        for _ in range(12):
            steps = sorted(model.next(s))
            if not steps:
                break
            path.append(steps[len(steps) // 2])
            s = steps[len(steps) // 2][1]
        return path

    same_everywhere(walk, input="12 steps of 3 RMs with crash and cooperation", case="the same walk twice")
    return (f"every reachable state of {len(MODELS)} models (1-5 RMs, crash and cooperation on and off): the same "
            f"steps as the specification; 3 RMs: {counts[(3, False, False)]} states, 5 RMs: "
            f"{counts[(5, False, False)]:,} (TLC: 288, 8,832)")
