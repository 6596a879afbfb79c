"""Exhaustive search of the small commit models: Lamport's TwoPhase, with a coordinator crash, and 3PC.

Theory of operation
-------------------
:func:`explore` is a breadth-first search over every state reachable from the initial state of
a model, the way TLC enumerates the distinct states of a TLA+ specification. A state is a
tuple; equal tuples are the same state, so the count of distinct states is comparable to TLC's.

**TwoPhase** (Gray & Lamport, "Consensus on Transaction Commit", 2006, the TwoPhase module of
its TLA+ appendix) has the variables ``rmState`` (working / prepared / committed / aborted per
resource manager), ``tmState`` (init / done), ``tmPrepared`` (the RMs the TM heard Prepared
from) and ``msgs`` (the set of messages ever sent: ``Prepared(rm)``, ``Commit``, ``Abort``; a
message is never removed, so loss and duplication are both modelled). Its actions are
TMRcvPrepared(rm), TMCommit, TMAbort, RMPrepare(rm), RMChooseToAbort(rm), RMRcvCommitMsg(rm) and
RMRcvAbortMsg(rm), transcribed below one function per action. With 3 RMs the search finds 288
distinct states and with 5 RMs 8,832 - the numbers TLC reports for the specification.
TCConsistent (no RM committed while another aborted) is checked on every state.

**Coordinator crash** (an extension: TwoPhase has no crash action). ``crash=True`` adds the
action ``TMCrash``: when ``tmState = "init"`` (the TM has not decided), ``tmState' = "crashed"``
and the TM takes no step again (crash-stop). Messages already in ``msgs`` stay there. A crash
after the decision changes nothing an RM can see (the decision message is already in ``msgs``),
so it is not modelled. ``cooperative=True`` adds the cooperative termination of a prepared RM
that timed out: ``RMLearn(rm)`` - while the TM is crashed, a prepared RM copies the outcome of
another RM that has committed or aborted; and an RM still *working* may abort on its own
(RMChooseToAbort), so asking it ends in abort.

**Blocked**, precisely: a reachable state with an RM that has not decided (not committed, not
aborted) from which **no** sequence of actions reaches a state where every RM has decided. It
is computed on the state graph (backwards from the all-decided states), not guessed from the
variables. In 2PC with a crash a blocked state is reachable - the shortest path is
TMCrash, RMPrepare(rm1) without cooperation (3 RMs: 56 of 352 states blocked), and TMCrash then
every RM prepared with it (8 of 406 states). Without ``crash`` no state is blocked.

**ThreePhase** (after Skeen, "Nonblocking Commit Protocols", SIGMOD 1981: a *precommit* phase
between the votes and the commit, so no RM is uncertain while another may have committed).
Variables: ``rmState`` adds ``precommitted``; ``tmState`` is init / precommitting / done /
crashed; ``tmPrepared`` and ``tmAcked`` (RMs that acknowledged PreCommit); ``msgs`` adds
``PreCommit`` and ``Ack(rm)``. Actions: RMPrepare, RMChooseToAbort, TMRcvPrepared, TMAbort
(only in init), TMPreCommit (all prepared), RMRcvPreCommit (prepared -> precommitted, sends
Ack), TMRcvAck, TMCommit (all acked), RMRcvCommitMsg, RMRcvAbortMsg, TMCrash (in init or
precommitting) and the **termination rule** run by the RMs once the TM is crashed (crash-stop,
no partition: every RM takes part, so the rule sees every RM's state): ``TermCommit`` when no
Abort was sent and some RM is precommitted or committed; ``TermAbort`` when no Commit was sent
and no RM is precommitted or committed. The rule rests on Skeen's committable states: one anywhere
means the TM may have committed, so commit; otherwise nobody can have committed, so abort.
The search shows no blocked state and TCConsistent on every state.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

from dsworkbook.errors import ConfigError

__all__ = ["TLC_STATE_COUNTS", "SearchResult", "TwoPhaseModel", "ThreePhaseModel", "explore"]

#: Distinct states TLC reports for Gray & Lamport's TwoPhase module, by number of RMs.
TLC_STATE_COUNTS = {3: 288, 5: 8832}

# rmState values
WORKING, PREPARED, PRECOMMITTED, COMMITTED, ABORTED = range(5)
RM_STATES = ("working", "prepared", "precommitted", "committed", "aborted")
# tmState values
INIT, DONE, CRASHED, PRECOMMITTING = range(4)
TM_STATES = ("init", "done", "crashed", "precommitting")

# A state: (rmState tuple, tmState, tmPrepared bitmask, prepared-msgs bitmask, decision-msgs bitmask,
#           precommit-sent, ack-msgs bitmask, tmAcked bitmask); decision bits: 1 = Commit, 2 = Abort.
State = tuple
Step = tuple[str, State]


def _check_rms(rms: int) -> int:
    if isinstance(rms, bool) or not isinstance(rms, int) or not 1 <= rms <= 8:
        raise ConfigError(f"rms must be an int from 1 to 8 (the state space grows about 5x per RM), got {rms!r}")
    return rms


def _set(states: tuple, i: int, v: int) -> tuple:
    return states[:i] + (v,) + states[i + 1:]


class TwoPhaseModel:
    """Lamport's TwoPhase specification over ``rms`` RMs, optionally with TMCrash and cooperation."""

    def __init__(self, rms: int = 3, *, crash: bool = False, cooperative: bool = False) -> None:
        self.n = _check_rms(rms)
        if cooperative and not crash:
            raise ConfigError("cooperative termination only runs once the TM has crashed: pass crash=True too")
        self.crash, self.cooperative = crash, cooperative
        self.all = (1 << self.n) - 1

    def init(self) -> State:
        return ((WORKING,) * self.n, INIT, 0, 0, 0, 0, 0, 0)

    def rm_states(self, s: State) -> tuple[int, ...]:
        return s[0]

    def next(self, s: State) -> Iterator[Step]:
        rm, tm, tp, pm, dm, pc, am, ta = s
        if tm == INIT:
            for i in range(self.n):  # TMRcvPrepared(rm)
                if pm >> i & 1 and not tp >> i & 1:
                    yield f"TMRcvPrepared(rm{i + 1})", (rm, tm, tp | 1 << i, pm, dm, pc, am, ta)
            if tp == self.all:  # TMCommit
                yield "TMCommit", (rm, DONE, tp, pm, dm | 1, pc, am, ta)
            yield "TMAbort", (rm, DONE, tp, pm, dm | 2, pc, am, ta)
            if self.crash:
                yield "TMCrash", (rm, CRASHED, tp, pm, dm, pc, am, ta)
        for i, r in enumerate(rm):
            if r == WORKING:
                yield f"RMPrepare(rm{i + 1})", (_set(rm, i, PREPARED), tm, tp, pm | 1 << i, dm, pc, am, ta)
                yield f"RMChooseToAbort(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
            if dm & 1:
                yield f"RMRcvCommitMsg(rm{i + 1})", (_set(rm, i, COMMITTED), tm, tp, pm, dm, pc, am, ta)
            if dm & 2:
                yield f"RMRcvAbortMsg(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
            if self.cooperative and tm == CRASHED and r == PREPARED:
                for outcome in (COMMITTED, ABORTED):
                    if outcome in rm:
                        yield f"RMLearn(rm{i + 1})", (_set(rm, i, outcome), tm, tp, pm, dm, pc, am, ta)


class ThreePhaseModel(TwoPhaseModel):
    """The 3PC model of the module docstring (precommit phase, TMCrash, termination rule)."""

    def __init__(self, rms: int = 3, *, termination: bool = True) -> None:
        super().__init__(rms)
        self.termination = termination

    def next(self, s: State) -> Iterator[Step]:
        rm, tm, tp, pm, dm, pc, am, ta = s
        if tm == INIT:
            for i in range(self.n):
                if pm >> i & 1 and not tp >> i & 1:
                    yield f"TMRcvPrepared(rm{i + 1})", (rm, tm, tp | 1 << i, pm, dm, pc, am, ta)
            if tp == self.all:
                yield "TMPreCommit", (rm, PRECOMMITTING, tp, pm, dm, 1, am, ta)
            yield "TMAbort", (rm, DONE, tp, pm, dm | 2, pc, am, ta)
        if tm == PRECOMMITTING:
            for i in range(self.n):
                if am >> i & 1 and not ta >> i & 1:
                    yield f"TMRcvAck(rm{i + 1})", (rm, tm, tp, pm, dm, pc, am, ta | 1 << i)
            if ta == self.all:
                yield "TMCommit", (rm, DONE, tp, pm, dm | 1, pc, am, ta)
        if tm in (INIT, PRECOMMITTING):
            yield "TMCrash", (rm, CRASHED, tp, pm, dm, pc, am, ta)
        for i, r in enumerate(rm):
            if r == WORKING:
                yield f"RMPrepare(rm{i + 1})", (_set(rm, i, PREPARED), tm, tp, pm | 1 << i, dm, pc, am, ta)
                yield f"RMChooseToAbort(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
            if r == PREPARED and pc:
                yield f"RMRcvPreCommit(rm{i + 1})", (_set(rm, i, PRECOMMITTED), tm, tp, pm, dm, pc, am | 1 << i, ta)
            if dm & 1:
                yield f"RMRcvCommitMsg(rm{i + 1})", (_set(rm, i, COMMITTED), tm, tp, pm, dm, pc, am, ta)
            if dm & 2:
                yield f"RMRcvAbortMsg(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
        if self.termination and tm == CRASHED:
            committable = PRECOMMITTED in rm or COMMITTED in rm
            if committable and not dm & 2 and not dm & 1:
                yield "TermCommit", (rm, tm, tp, pm, dm | 1, pc, am, ta)
            if not committable and not dm & 1 and not dm & 2:
                yield "TermAbort", (rm, tm, tp, pm, dm | 2, pc, am, ta)


def tc_consistent(rm: tuple[int, ...]) -> bool:
    """TCConsistent (Gray & Lamport, TCommit): no RM committed while another aborted."""
    return not (COMMITTED in rm and ABORTED in rm)


@dataclass(frozen=True)
class SearchResult:
    """What :func:`explore` found: the distinct states, the invariant, the blocked states."""

    states: int
    transitions: int
    seconds: float
    invariant_holds: bool
    violation: tuple[str, ...] | None  # shortest path to a state breaking TCConsistent
    blocked: int  # how many reachable states are blocked (module docstring)
    blocked_path: tuple[str, ...] | None  # shortest path (action names) to a blocked state
    example_blocked: dict | None  # that state, in words

    def summary(self) -> str:
        return (f"{self.states:,} distinct states, {self.transitions:,} transitions, {self.seconds:.2f} s; "
                f"TCConsistent {'holds' if self.invariant_holds else 'BROKEN'}; {self.blocked:,} blocked states"
                + (f", shortest path to one: {' -> '.join(self.blocked_path)}" if self.blocked_path else ""))


def _path(parent: dict, s: State) -> tuple[str, ...]:
    out = []
    while parent[s] is not None:
        action, s = parent[s]
        out.append(action)
    return tuple(reversed(out))


def _describe(s: State) -> dict:
    return {"rmState": [RM_STATES[r] for r in s[0]], "tmState": TM_STATES[s[1]],
            "decision_sent": [m for b, m in ((1, "Commit"), (2, "Abort")) if s[4] & b]}


def explore(model: TwoPhaseModel, *, invariant: Callable[[tuple[int, ...]], bool] = tc_consistent) -> SearchResult:
    """Breadth-first search over every state of ``model``; check ``invariant`` on each; find blocked ones."""
    started = time.perf_counter()
    start = model.init()
    parent: dict[State, tuple[str, State] | None] = {start: None}
    order = [start]
    edges: dict[State, list[State]] = {}
    queue = deque([start])
    violation = None
    transitions = 0
    while queue:
        s = queue.popleft()
        if violation is None and not invariant(model.rm_states(s)):
            violation = _path(parent, s)
        succ = edges[s] = []
        for action, t in model.next(s):
            transitions += 1
            succ.append(t)
            if t not in parent:
                parent[t] = (action, s)
                order.append(t)
                queue.append(t)
    # blocked: cannot reach a state where every RM decided (backward closure over the edges)
    decided = {COMMITTED, ABORTED}
    reverse: dict[State, list[State]] = {}
    for s, succ in edges.items():
        for t in succ:
            reverse.setdefault(t, []).append(s)
    can_finish = {s for s in order if all(r in decided for r in model.rm_states(s))}
    stack = list(can_finish)
    while stack:
        t = stack.pop()
        for s in reverse.get(t, ()):
            if s not in can_finish:
                can_finish.add(s)
                stack.append(s)
    blocked = [s for s in order if s not in can_finish]  # `order` is BFS order: the first is nearest
    return SearchResult(len(parent), transitions, time.perf_counter() - started, violation is None, violation,
                        len(blocked), _path(parent, blocked[0]) if blocked else None,
                        _describe(blocked[0]) if blocked else None)
