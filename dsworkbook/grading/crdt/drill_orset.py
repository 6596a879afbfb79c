"""Exercise ``05-drill-orset``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from dsworkbook.crdt.pitfalls import naive_orset_type
from dsworkbook.crdt.replication import replica_states, update_effects
from dsworkbook.crdt.workloads import ReplicatedType
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence
from dsworkbook.sim import Simulation

ORSET_SEEDS = tuple(range(531, 541))
R = ("A", "B", "C")


def _covers(clock: dict, dot: tuple) -> bool:
    return dot[1] <= clock.get(dot[0], 0)


def _order(a: Any, b: Any) -> bool:
    """Bieniusa et al. 2012's order: b has seen every dot a has, and removed at least what a removed."""
    return (all(n <= b.clock.get(r, 0) for r, n in a.clock.items())
            and all(x in a.entries for x in b.entries if _covers(a.clock, x[1])))


def orset_kind(cls: type) -> ReplicatedType:
    """The learner's class as a replicated type: compress (if any) after every change, Bieniusa's order."""
    kind = naive_orset_type(cls, name="OR-Set (yours)", leq=_order)
    return ReplicatedType(kind.name, _guard(kind.initial, "CompactORSet(replicas)"),
                          _guard(kind.update, "add/remove"), merge=_guard(kind.merge, "merge"), value=kind.value,
                          expected=kind.expected, leq=_order, equal=kind.equal, copy=kind.copy)


def _guard(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return attempt(fn, *args, input=f"a call of {what}", case=f"a call of {what}")
    return call


def _new(cls: type) -> Any:
    return attempt(cls, R, input=f"CompactORSet({list(R)})", case="creating a set")


def _scenario(cls: type, name: str, steps: list[tuple[str, ...]], want: dict[str, set]) -> None:
    """Play ``steps`` on replicas A, B, C of ``cls``: ("add", r, e), ("remove", r, e), ("merge", r, from)."""
    reps = {r: _new(cls) for r in R}
    for step in steps:
        kind, r, arg = step
        if kind == "merge":
            reps[r] = attempt(reps[r].merge, reps[arg], input=step, case=name)
        else:
            attempt(getattr(reps[r], kind), *((arg, r) if kind == "add" else (arg,)), input=step, case=name)
        compress = getattr(reps[r], "compress", None)
        if callable(compress):
            attempt(compress, input="compress()", case=name)
    for r, expected in want.items():
        got = attempt(reps[r].value, input="value()", case=name)
        if set(got) != expected:
            fail(case=name, input=" then ".join(_say(s) for s in steps), expected=f"{r} holds {expected or '{}'}",
                 got=f"{r} holds {set(got) or '{}'}", hint=_HINTS[name])
    for r, rep in reps.items():
        dead = {x for x in rep.entries if x[0] not in set(rep.value())} | set(getattr(rep, "removed", ()))
        if dead:
            fail(case=f"{name}: what replica {r} stores", input=" then ".join(_say(s) for s in steps),
                 expected="only the live entries, and no tombstones", got=f"{len(dead)} removed entries or tombstones",
                 hint="the state must not grow with removals: drop a removed element's entries at once, and let "
                      "the clock remember that their dots were seen")


def _say(step: tuple[str, ...]) -> str:
    kind, r, arg = step
    return f"{r} merges {arg}'s state" if kind == "merge" else f"{r} {kind}s {arg!r}"


_HINTS = {
    "resurrection": "after a remove the entry is gone, but the stale replica still has it: keep it only if your "
                    "clock has NOT seen its dot; your clock covers it, so it was removed here - drop it",
    "a concurrent add wins": "an add the remover never saw has a dot beyond its clock: keep it",
    "an unseen add survives a merge": "an entry only the other side has, with a dot your clock has not seen, is "
                                      "new: keep it",
    "re-adding": "a new add gets a new dot, which no earlier remove can have seen",
}
_SCENARIOS = [
    ("resurrection", [("add", "A", "x"), ("merge", "B", "A"), ("remove", "A", "x"), ("merge", "A", "B"),
                      ("merge", "B", "A")], {"A": set(), "B": set()}),
    ("a concurrent add wins", [("add", "A", "x"), ("merge", "B", "A"), ("remove", "B", "x"), ("add", "A", "x"),
                               ("merge", "A", "B"), ("merge", "B", "A")], {"A": {"x"}, "B": {"x"}}),
    ("an unseen add survives a merge", [("add", "A", "x"), ("add", "B", "y"), ("merge", "A", "B"),
                                        ("merge", "C", "B")], {"A": {"x", "y"}, "C": {"y"}}),
    ("re-adding", [("add", "A", "x"), ("remove", "A", "x"), ("merge", "B", "A"), ("add", "B", "x"),
                   ("merge", "A", "B")], {"A": {"x"}, "B": {"x"}}),
]


def _compact(sim: Simulation) -> str | None:
    """Every replica holds exactly the live (element, dot) pairs, and no tombstones."""
    live: set = set()
    removes = [(e, ctx) for kind, e, ctx in update_effects(sim) if kind == "remove"]
    for kind, e, dot in update_effects(sim):
        if kind == "add" and not any(e == x and dot in ctx for x, ctx in removes):
            live.add((e, dot))
    for r, state in replica_states(sim).items():
        tombstones = getattr(state, "removed", set())
        if tombstones or set(state.entries) != live:
            return (f"replica {r} keeps {len(tombstones)} tombstones and {len(set(state.entries) - live)} removed "
                    f"entries: the state still grows with every removal")
    return None


@exercise("05-drill-orset", title="Drill: an OR-Set whose compaction brings deleted items back", theme="T05",
          concepts=("R04",), kind="drill")
def grade_drill_orset(CompactORSet: Any) -> str:
    """``class CompactORSet(NaiveCompactORSet)``: an OR-Set that keeps no tombstones and never resurrects.

    State as in ``dsworkbook.crdt.pitfalls.NaiveCompactORSet``: ``entries`` (a set of
    ``(element, (replica, counter))``), ``clock`` (a dict replica -> the highest counter seen of
    that replica) and no tombstones at all. Override ``remove(element)`` (drop the element's
    entries) and ``merge(other)`` (return a new set: keep an entry both sides hold; keep an entry
    only one side holds if the other side's clock has NOT seen its dot; the clock is the
    entry-wise max). Checked on four scenarios, the laws over 40 random histories, and three
    replicas in the simulator under faults, which must converge, lose no add, resurrect no
    remove, and end holding exactly the live entries.
    """
    if not inspect.isclass(CompactORSet):
        fail(case="the answer itself", input=repr(CompactORSet), expected="a class CompactORSet",
             got=type(CompactORSet).__name__, hint="pass the class itself (its name, without calling it)")
    for name, steps, want in _SCENARIOS:
        _scenario(CompactORSet, name, steps, want)
    kind = orset_kind(CompactORSet)
    cases = check_learner_laws(kind, seed=535, runs=40, hints={
        "monotonic": "a remove must not forget that the dot was seen: keep the clock, drop only the entry",
        "commutative": "treat both sides alike: keep an entry of either side unless the OTHER side's clock saw it",
        "upper bound": "the merge must know every dot either side saw (clock: entry-wise max)"})
    updates = check_sim_convergence(kind, ORSET_SEEDS, extra=_compact, hint="an entry missing on one side was "
                                    "removed there exactly when that side's clock covers its dot")
    return (f"{len(_SCENARIOS)} scenarios, the laws on {cases} triples, and 3 replicas under faults on seeds "
            f"{ORSET_SEEDS[0]}-{ORSET_SEEDS[-1]} ({updates} adds and removes): no resurrection, no lost add, "
            "no tombstones")
