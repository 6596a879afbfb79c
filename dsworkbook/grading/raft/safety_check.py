"""Exercise ``06-safety-check``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.sim import Record, Simulation

#: (label, how to build the run): correct runs, and broken variants that break one property or both.
RUNS: list[tuple[str, Callable[[], Simulation]]] = [
    ("correct Raft, fuzz seed 30", lambda: raft_run(30, raft_schedule(30))),
    ("correct Raft, fuzz seed 31", lambda: raft_run(31, raft_schedule(31))),
    ("Figure 8, correct Raft", lambda: figure8()),
    ("Figure 8, commit_old_term_by_count", lambda: figure8("commit_old_term_by_count")),
    ("forget_voted_for, fuzz seed 48", lambda: raft_run(48, raft_schedule(48), variant="forget_voted_for")),
    ("forget_voted_for, fuzz seed 63", lambda: raft_run(63, raft_schedule(63), variant="forget_voted_for")),
    ("vote_without_log_check, fuzz seed 2", lambda: raft_run(2, raft_schedule(2), variant="vote_without_log_check")),
]


def reference_violations(notes: Sequence[Record]) -> set[str]:
    """Election safety (two servers elected in one term) and state machine safety (two entries applied at one index)."""
    broken: set[str] = set()
    leader_of: dict[int, str] = {}
    logs: dict[str, list[Any]] = {}
    commit: dict[str, int] = {}
    applied: dict[int, Any] = {}
    for r in notes:
        d = r.detail
        if d.get("role") == "leader" and leader_of.setdefault(d["term"], r.node) != r.node:
            broken.add("election safety")
        if d.get("start"):
            commit[r.node] = 0
        if "log" in d:
            log = logs.setdefault(r.node, [])
            del log[d["log"] - 1:]
            log.extend(d["entries"])
        if "commit" in d:
            log = logs.get(r.node, [])
            for i in range(commit.get(r.node, 0) + 1, min(d["commit"], len(log)) + 1):
                if applied.setdefault(i, log[i - 1]) != log[i - 1]:
                    broken.add("state machine safety")
            commit[r.node] = max(commit.get(r.node, 0), d["commit"])
    return broken


def _normal(got: Any, shown: str, case: str) -> set[str]:
    if isinstance(got, str) or not hasattr(got, "__iter__"):
        fail(case=case, input=shown, expected='a set of property names, e.g. {"election safety"}', got=got,
             hint="return a set (empty when nothing broke)")
    return {str(x) for x in got}


@exercise("06-safety-check", title="Check two safety properties from a trace", theme="T06", concepts=("F04",))
def grade_safety_check(safety_violations: Any) -> str:
    """A function ``safety_violations(notes) -> set[str]`` over ``sim.trace.notes()``.

    Return the subset of ``{"election safety", "state machine safety"}`` that the run broke:
    *election safety* - two different servers noted ``role="leader"`` for the same ``term``;
    *state machine safety* - two servers applied different entries at the same index. A server
    applies entries ``1..commit`` of its log, in order, when it notes ``commit=c``; rebuild each
    log from ``log=k, entries=(...)`` notes (the log from index ``k`` on is now ``entries``), and
    after a ``start=True`` note (a restart) it applies again from index 1. Entries are compared
    whole (term and command). Graded on seven runs: correct Raft and three broken variants.
    """
    if not callable(safety_violations):
        fail(case="the answer itself", input=repr(safety_violations), expected="a function",
             got=type(safety_violations).__name__, hint="pass the function itself")
    seen: dict[str, int] = {}
    for label, build in RUNS:
        sim = build()
        notes = sim.trace.notes()
        truth = reference_violations(notes)
        shown = f"sim.trace.notes() of the run '{label}' ({len(notes)} notes)"
        got = _normal(attempt(safety_violations, notes, input=shown, case=label), shown, label)
        if got != truth:
            missing, extra = sorted(truth - got), sorted(got - truth)
            hint = (f"you missed {missing}" if missing else f"{extra} did not break in this run") + \
                   ": rebuild logs from the log notes (truncate at index k, then extend), compare whole entries"
            fail(case=label, input=shown, expected=sorted(truth), got=sorted(got), hint=hint)
        for p in truth or {"none"}:
            seen[p] = seen.get(p, 0) + 1
    return "7 runs judged right: " + ", ".join(f"{p}: {n}" for p, n in sorted(seen.items()))
