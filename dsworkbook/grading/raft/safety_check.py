"""Exercise ``06-safety-check``: two of Raft's safety properties, checked from a run's trace notes (Figure 3).

Theory of operation
-------------------
The learner's ``safety_violations(notes)`` and :func:`reference_violations` read the same note
streams and must name the same broken properties. Streams:

* real runs - correct Raft, Figure 8 (as drawn and with no-ops), and the broken variants of
  ``RaftConfig(variant=...)`` in 5- and 7-server clusters under the fuzz campaign's faults;
* hand-made streams, each built so that one classic slip gives the wrong set: a server noted
  leader twice in its own term, leaders of different terms, entries of one term with different
  commands, a restart followed by a different entry at an index it applied before (re-apply
  from index 1), a violation below the commit index rather than at it, a log rewritten from the
  middle, notes of other kinds mixed in, ids ``n9`` and ``n10``;
* seeded random streams: a handful of servers noting roles, restarts, log changes and commits
  in any order.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft import Entry, server_ids
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.sim import Record, Simulation

PROPERTIES = ("election safety", "state machine safety")

#: (label, how to build the run): correct runs, and broken variants that break one property or both.
RUNS: list[tuple[str, Callable[[], Simulation]]] = [
    ("correct Raft, fuzz seed 30", lambda: raft_run(30, raft_schedule(30))),
    ("correct Raft, fuzz seed 31", lambda: raft_run(31, raft_schedule(31))),
    ("Figure 8, correct Raft", lambda: figure8()),
    ("Figure 8, commit_old_term_by_count", lambda: figure8("commit_old_term_by_count")),
    ("Figure 8 with no-ops, commit_old_term_by_count", lambda: figure8("commit_old_term_by_count", noop=True)),
    ("forget_voted_for, fuzz seed 48", lambda: raft_run(48, raft_schedule(48), variant="forget_voted_for")),
    ("forget_voted_for, fuzz seed 63", lambda: raft_run(63, raft_schedule(63), variant="forget_voted_for")),
    ("vote_without_log_check, fuzz seed 2", lambda: raft_run(2, raft_schedule(2), variant="vote_without_log_check")),
    ("vote_without_log_check, 7 servers, fuzz seed 5",
     lambda: raft_run(5, raft_schedule(5, server_ids(7)), variant="vote_without_log_check", servers=7)),
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


# -- hand-made streams -------------------------------------------------------------------------------

def _rec(t: float, node: str, **detail: Any) -> Record:
    return Record(float(t), "note", node, None, None, detail)


def _E(term: int, cmd: str) -> Entry:
    return Entry(term, cmd)


A, B, B2, C = _E(1, "a"), _E(1, "b"), _E(1, "b2"), _E(2, "c")

#: (what it tests, notes, hint)
STREAMS: list[tuple[str, list[Record], str]] = [
    ("a server noted leader twice in its own term", [
        _rec(1, "n1", role="candidate", term=1), _rec(2, "n1", role="leader", term=1),
        _rec(3, "n1", role="leader", term=1)],
     "election safety breaks only when two DIFFERENT servers are leaders of the same term"),
    ("leaders of different terms", [
        _rec(1, "n1", role="leader", term=1), _rec(2, "n2", role="leader", term=2),
        _rec(3, "n3", role="leader", term=3)],
     "one leader per term: leaders of different terms are fine"),
    ("two servers leaders of one term", [
        _rec(1, "n1", role="leader", term=4), _rec(2, "n2", role="follower", term=4),
        _rec(3, "n2", role="leader", term=4)],
     "n1 and n2 both noted role='leader' for term 4"),
    ("two candidates of one term, and one of them leads", [
        _rec(1, "n1", role="candidate", term=2), _rec(2, "n2", role="candidate", term=2),
        _rec(3, "n1", role="leader", term=2)],
     "only role='leader' notes count: two candidates in one term are a split vote, not two leaders"),
    ("ids n9 and n10", [
        _rec(1, "n9", role="leader", term=10), _rec(2, "n10", role="leader", term=9)],
     "n9 leads term 10 and n10 term 9: different terms, nothing broke"),
    ("entries of one term with different commands at one index", [
        _rec(1, "n1", log=1, entries=(A, B)), _rec(2, "n2", log=1, entries=(A, B2)),
        _rec(3, "n1", commit=2, term=1), _rec(4, "n2", commit=2, term=1)],
     "compare whole entries (term and command): n1 applied b at index 2, n2 applied b2"),
    ("a violation below the commit index", [
        _rec(1, "n1", log=1, entries=(A, B, C)), _rec(2, "n2", log=1, entries=(A, B2, C)),
        _rec(3, "n1", commit=3, term=2), _rec(4, "n2", commit=3, term=2)],
     "commit=3 applies entries 1, 2 and 3, not only entry 3: index 2 differs"),
    ("a log rewritten from the middle", [
        _rec(1, "n1", log=1, entries=(A, B)), _rec(2, "n1", log=2, entries=(C,)),
        _rec(3, "n2", log=1, entries=(A, C)), _rec(4, "n1", commit=2, term=2), _rec(5, "n2", commit=2, term=2)],
     "log=2, entries=(c,) replaces the log from index 2 on: n1's log is then a, c - the same as n2's"),
    ("a log rewritten after an entry was applied elsewhere", [
        _rec(1, "n1", log=1, entries=(A, B)), _rec(2, "n1", commit=2, term=1),
        _rec(3, "n2", log=1, entries=(A, B)), _rec(4, "n2", log=2, entries=(C,)), _rec(5, "n2", commit=2, term=2)],
     "rebuild each log from the notes: n2's index 2 became c before n2 applied it, n1 applied b there"),
    ("a restart, then a different entry at an index applied before", [
        _rec(1, "n1", log=1, entries=(A, B)), _rec(2, "n1", commit=2, term=1),
        _rec(3, "n1", role="follower", term=1, start=True), _rec(4, "n1", log=2, entries=(C,)),
        _rec(5, "n1", commit=2, term=2)],
     "after a start=True note the server applies again from index 1: now c at index 2, where it applied b before"),
    ("a restart that re-applies the same entries", [
        _rec(1, "n1", log=1, entries=(A, B)), _rec(2, "n1", commit=2, term=1),
        _rec(3, "n1", role="follower", term=1, start=True), _rec(4, "n1", commit=2, term=1),
        _rec(5, "n2", log=1, entries=(A, B)), _rec(6, "n2", commit=1, term=1)],
     "a restarted server applies the same entries again: nothing broke (its log survives the crash)"),
    ("a restart keeps the log: what it applies next comes from it", [
        _rec(1, "n1", log=1, entries=(A,)), _rec(2, "n1", commit=1, term=1), _rec(3, "n1", log=2, entries=(B,)),
        _rec(4, "n1", role="follower", term=1, start=True), _rec(5, "n1", commit=2, term=1),
        _rec(6, "n2", log=1, entries=(A, B2)), _rec(7, "n2", commit=2, term=1)],
     "the log is durable: after a start note the server still holds a, b and applies them again; n2 then applies b2 "
     "at index 2"),
    ("other notes mixed in", [
        _rec(1, "n1", role="candidate", term=2), _rec(1, "n1", vote="n1", term=2), _rec(2, "n1", role="leader", term=2),
        _rec(3, "n1", log=1, entries=(A,)), _rec(4, "n1", commit=1, term=2), _rec(4, "n1", applied=1),
        _rec(5, "n2", vote="n1", term=2)],
     "vote and applied notes are not about these two properties: nothing broke"),
]


# -- random streams ----------------------------------------------------------------------------------

def _draw(rng: random.Random) -> list[Record]:
    nodes = rng.sample(["n1", "n2", "n3", "n4", "n5", "n9", "n10"], rng.randint(2, 4))
    terms = rng.choice(((1, 2, 3), (9, 10, 11)))
    cmds = ("a", "b", "c")
    logs: dict[str, list[Entry]] = {n: [] for n in nodes}
    commits = {n: 0 for n in nodes}
    out: list[Record] = []
    t = 0.0
    for _ in range(rng.randint(3, 18)):
        t += 1
        n = rng.choice(nodes)
        r = rng.random()
        if r < 0.2:
            role = rng.choice(("follower", "candidate", "leader", "leader"))
            out.append(_rec(t, n, role=role, term=rng.choice(terms)))
        elif r < 0.27:
            out.append(_rec(t, n, role="follower", term=rng.choice(terms), start=True))
            commits[n] = 0
        elif r < 0.6:
            k = rng.randint(1, len(logs[n]) + 1)
            new = tuple(Entry(rng.choice(terms[:2]), rng.choice(cmds)) for _ in range(rng.randint(1, 3)))
            del logs[n][k - 1:]
            logs[n].extend(new)
            out.append(_rec(t, n, log=k, entries=new))
        elif r < 0.92 and len(logs[n]) > commits[n]:  # as in a run: it only rises, and not past the log's end
            commits[n] = rng.randint(commits[n] + 1, len(logs[n]))
            out.append(_rec(t, n, commit=commits[n], term=rng.choice(terms)))
        else:
            out.append(_rec(t, n, vote=rng.choice(nodes), term=rng.choice(terms)))
    return out


def _normal(got: Any, shown: str, case: str) -> set[str]:
    if isinstance(got, str) or not hasattr(got, "__iter__"):
        fail(case=case, input=shown, expected='a set of property names, e.g. {"election safety"}', got=got,
             hint="return a set (empty when nothing broke)")
    out = {str(x) for x in got}
    unknown = out - set(PROPERTIES)
    if unknown:
        fail(case=case, input=shown, expected=f"names among {list(PROPERTIES)}", got=sorted(unknown),
             hint='spell the properties exactly: "election safety", "state machine safety"')
    return out


def _judge(fn: Callable[..., Any], notes: list[Record], shown: str, case: str, hint: str, *,
           twice: bool = False) -> set[str]:
    if twice:
        got = same_everywhere(lambda: _normal(fn(list(notes)), shown, case), input=shown, case=case)
    else:
        got = _normal(attempt(fn, list(notes), input=shown, case=case), shown, case)
    truth = reference_violations(notes)
    if got != truth:
        missing, extra = sorted(truth - got), sorted(got - truth)
        lead = f"you missed {missing}" if missing else f"{extra} did not break here"
        fail(case=case, input=shown, expected=sorted(truth), got=sorted(got), hint=f"{lead}: {hint}")
    return truth


def _show_notes(notes: Sequence[Record]) -> str:
    return "\n".join(f"t={r.time:g} {r.node}: {r.detail}" for r in notes)


@exercise("06-safety-check", title="Check two safety properties from a trace", theme="T06", concepts=("F04",),
          reference="dsworkbook.grading.raft.safety_check.reference_violations")
def grade_safety_check(safety_violations: Any) -> str:
    """A function ``safety_violations(notes) -> set[str]`` over ``sim.trace.notes()``.

    Return the subset of ``{"election safety", "state machine safety"}`` that the run broke:
    *election safety* - two different servers noted ``role="leader"`` for the same ``term``;
    *state machine safety* - two servers applied different entries at the same index. A server
    that notes ``commit=c`` has applied entries ``1..c`` of its log, in order, each once;
    rebuild each log from ``log=k, entries=(...)`` notes (the log from index ``k`` on is now
    ``entries``); after a ``start=True`` note (a restart) it applies again from
    index 1. Entries are compared whole (term and command). Graded on real runs (correct Raft and
    broken variants), hand-made streams and random ones.
    """
    if not callable(safety_violations):
        fail(case="the answer itself", input=repr(safety_violations), expected="a function",
             got=type(safety_violations).__name__, hint="pass the function itself")
    for name, notes, hint in STREAMS:
        _judge(safety_violations, notes, _show_notes(notes), name, hint)
    for k, (case, notes) in enumerate(random_cases(909, 300, _draw)):
        _judge(safety_violations, notes, _show_notes(notes), case,
               "rebuild each server's log from its log notes (cut at index k, then extend), apply 1..commit once "
               "per server (again from 1 after a start note), and compare whole entries across servers",
               twice=k < 10)
    seen: dict[str, int] = {}
    for label, build in RUNS:
        notes = build().trace.notes()
        shown = f"sim.trace.notes() of the run '{label}' ({len(notes)} notes)"
        truth = _judge(safety_violations, notes, shown, label,
                       "rebuild logs from the log notes (truncate at index k, then extend), compare whole entries")
        for p in truth or {"none"}:
            seen[p] = seen.get(p, 0) + 1
    return (f"{len(STREAMS)} hand-made streams, 300 random ones and {len(RUNS)} runs judged right (runs: "
            + ", ".join(f"{p}: {n}" for p, n in sorted(seen.items())) + ")")


__all__ = ["grade_safety_check", "reference_violations", "STREAMS", "RUNS"]
