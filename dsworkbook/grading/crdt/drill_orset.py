"""Exercise ``05-drill-orset``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import copy
import inspect
import random
from typing import Any, Callable

from dsworkbook.crdt.pitfalls import NaiveCompactORSet, naive_orset_type
from dsworkbook.crdt.replication import replica_states, update_effects
from dsworkbook.crdt.workloads import ELEMENTS, ReplicatedType
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.crdt._common import check_learner_laws, check_sim_convergence, too_big
from dsworkbook.sim import Simulation

ORSET_SEEDS = tuple(range(531, 541))
RANDOM_SEED, RANDOM_COUNT = 536, 300
R = ("A", "B", "C")


class _Reference(NaiveCompactORSet):
    """The rule the statement asks for, in the learner's representation (Bieniusa et al. 2012, §3)."""

    def remove(self, element: Any) -> None:
        self.entries = {(e, dot) for e, dot in self.entries if e != element}

    def merge(self, other: Any) -> Any:
        merged = type(self)(self.clock)
        merged.clock = {r: max(self.clock[r], other.clock[r]) for r in self.clock}
        both = self.entries & other.entries
        mine = {(e, (r, n)) for e, (r, n) in self.entries - other.entries if n > other.clock[r]}
        theirs = {(e, (r, n)) for e, (r, n) in other.entries - self.entries if n > self.clock[r]}
        merged.entries = both | mine | theirs
        return merged


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
                          _guard(kind.update, "add/remove"), merge=_guarded_merge(kind.merge), value=kind.value,
                          expected=kind.expected, leq=_order, equal=kind.equal, copy=kind.copy)


def _guard(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return attempt(fn, *args, input=f"a call of {what}", case=f"a call of {what}")
    return call


def _snapshot(s: Any) -> tuple:
    return (frozenset(getattr(s, "entries", ())), tuple(sorted(getattr(s, "clock", {}).items())),
            frozenset(getattr(s, "removed", ())))


def _guarded_merge(merge: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The learner's merge, failing at once if it changed ``other`` or returned more entries than it was given."""

    def call(a: Any, b: Any) -> Any:
        before, mine = _snapshot(b), _snapshot(a)
        shown = f"{a!r}.merge({b!r})"
        out = attempt(merge, a, b, input=shown, case="a call of merge")
        if _snapshot(b) != before:
            fail(case="merge(other) changed other", input=shown, expected="other left as it was",
                 got=f"other is now {b!r}", hint="do not change other: it is the state another replica sent; "
                                                 "build the merge as a new CompactORSet")
        entries = getattr(out, "entries", None)
        if not isinstance(entries, set) or not isinstance(getattr(out, "clock", None), dict):
            fail(case="a call of merge", input=shown, expected="a new CompactORSet (entries: a set, clock: a dict)",
                 got=repr(out), hint="merge(other) must return the merged CompactORSet")
        limit = len(before[0] | mine[0])
        if len(entries) > limit:
            too_big("merge", (mine[0], before[0]), out, got=len(entries), limit=limit, what="entries",
                    hint="a merge keeps some of the entries it was given, never more")
        return out

    return call


def _new(cls: type, replicas: tuple[str, ...] = R) -> Any:
    return attempt(cls, replicas, input=f"CompactORSet({list(replicas)})", case="creating a set")


def _compress(rep: Any, case: str) -> None:
    compress = getattr(rep, "compress", None)
    if callable(compress):
        attempt(compress, input="compress()", case=case)


def _dead(rep: Any) -> set:
    return {x for x in rep.entries if x[0] not in set(rep.value())} | set(getattr(rep, "removed", ()))


def _scenario(cls: type, name: str, steps: list[tuple[str, ...]], want: dict[str, set]) -> None:
    """Play ``steps`` on replicas A, B, C of ``cls``: ("add", r, e), ("remove", r, e), ("merge", r, from)."""
    merge = _guarded_merge(lambda a, b: a.merge(b))
    reps = {r: _new(cls) for r in R}
    for step in steps:
        kind, r, arg = step
        if kind == "merge":
            reps[r] = merge(reps[r], reps[arg])
        else:
            attempt(getattr(reps[r], kind), *((arg, r) if kind == "add" else (arg,)), input=step, case=name)
        _compress(reps[r], name)
    for r, expected in want.items():
        got = attempt(reps[r].value, input="value()", case=name)
        if set(got) != expected:
            fail(case=name, input=" then ".join(_say(s) for s in steps), expected=f"{r} holds {expected or '{}'}",
                 got=f"{r} holds {set(got) or '{}'}", hint=_HINTS[name])
    for r, rep in reps.items():
        dead = _dead(rep)
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
    "a remove travels through a third replica": "C learned of the remove from B, not from A: judge each entry by "
                                                "the dot, against the other side's clock",
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
    ("a remove travels through a third replica", [("add", "A", "x"), ("merge", "B", "A"), ("merge", "C", "A"),
                                                  ("remove", "B", "x"), ("merge", "C", "B"), ("merge", "A", "C")],
     {"A": set(), "B": set(), "C": set()}),
]


def _draw(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[str, int, Any]]]:
    """A random history on 2-12 replicas: adds, removes of what a replica sees, merges; few elements (they collide)."""
    n = rng.choice([2, 3, 3, 5, 12])
    ids = tuple(rng.choice([[f"r{k}" for k in range(1, n + 1)], [f"r{k}" for k in range(8, 8 + n)],
                            [chr(65 + k) for k in range(n)]]))
    elements = ELEMENTS[: rng.choice([1, 2, 3, 6])]
    steps = []
    for _ in range(rng.randint(2, 60)):
        roll = rng.random()
        kind = "add" if roll < 0.35 else "remove" if roll < 0.65 else "merge"
        steps.append((kind, rng.randrange(n), rng.choice(elements) if kind != "merge" else rng.randrange(n)))
    return ids, steps


_STEP_HINTS = {
    "merge": "in merge(other): keep an entry both sides hold; keep an entry only one side holds if the other side's "
             "clock has not seen its dot (it is new there); the clock is the entry-wise max",
    "remove": "remove(element) drops every entry of the element at once, keeps no tombstone and leaves the clock as "
              "it is (it remembers those dots were seen)",
    "add": "add(element, replica) is inherited: a new dot (replica, clock + 1)",
}


def _step_problem(mine: Any, ref: _Reference, r: str, case: str) -> tuple[str, str] | None:
    """(got, expected) where the learner's replica differs from the rule's after a step, else None."""
    got, want = set(attempt(mine.value, input="value()", case=case)), ref.value()
    if got != want:
        return f"{r} holds {got or '{}'}", f"{r} holds {want or '{}'}"
    if _dead(mine) or set(mine.entries) != ref.entries:
        return (f"{r} stores {sorted(mine.entries, key=repr)}, tombstones "
                f"{sorted(getattr(mine, 'removed', ()), key=repr)}",
                f"{r} stores {sorted(ref.entries, key=repr)} and no tombstones")
    if dict(mine.clock) != ref.clock:
        return f"{r}'s clock is {mine.clock}", f"{r}'s clock is {ref.clock}"
    return None


def _differential(cls: type, case: str, ids: tuple[str, ...], steps: list) -> None:
    """Play one history on the learner's replicas and on the rule's; compare after every step."""
    merge = _guarded_merge(lambda a, b: a.merge(b))
    mine = [_new(cls, ids) for _ in ids]
    ref = [_Reference(ids) for _ in ids]
    done: list[str] = []
    for kind, i, arg in steps:
        r = ids[i]
        if kind == "remove" and arg not in ref[i].value():
            continue  # a replica removes only what it sees
        if kind == "merge":
            mine[i], ref[i] = merge(mine[i], mine[arg]), ref[i].merge(ref[arg])
            done.append(f"{r} merges {ids[arg]}'s state")
        else:
            args = (arg, r) if kind == "add" else (arg,)
            attempt(getattr(mine[i], kind), *args, input=f"{r} {kind}s {arg!r}", case=case)
            getattr(ref[i], kind)(*args)
            done.append(f"{r} {kind}s {arg!r}")
        _compress(mine[i], case)
        problem = _step_problem(mine[i], ref[i], r, case)
        if problem:
            fail(case=f"{case}, replicas {list(ids)}", input=" then ".join(done), expected=problem[1],
                 got=problem[0], hint=_STEP_HINTS[kind])


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
          concepts=("R04",), kind="drill", reference=("dsworkbook.crdt.orset.ORSet._merge",
                                                      "dsworkbook.crdt.orset.ORSet.remove"))
def grade_drill_orset(CompactORSet: Any) -> str:
    """``class CompactORSet(NaiveCompactORSet)``: an OR-Set that keeps no tombstones and never resurrects.

    State as in ``dsworkbook.crdt.pitfalls.NaiveCompactORSet``: ``entries`` (a set of
    ``(element, (replica, counter))``), ``clock`` (a dict replica -> the highest counter seen of
    that replica) and no tombstones at all. Override ``remove(element)`` (drop the element's
    entries) and ``merge(other)`` (return a new set, leaving ``other`` unchanged: keep an entry
    both sides hold; keep an entry only one side holds if the other side's clock has NOT seen its
    dot; the clock is the entry-wise max). Checked on five scenarios, on 300 random histories of
    2-12 replicas compared step by step with the rule (entries, clock and value), on the laws
    over 40 random histories, and with three replicas in the simulator under faults, which must
    converge, lose no add, resurrect no remove, and end holding exactly the live entries.
    """
    if not inspect.isclass(CompactORSet):
        fail(case="the answer itself", input=repr(CompactORSet), expected="a class CompactORSet",
             got=type(CompactORSet).__name__, hint="pass the class itself (its name, without calling it)")
    for name, steps, want in _SCENARIOS:
        _scenario(CompactORSet, name, steps, want)
    for case, (ids, steps) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _differential(CompactORSet, case, ids, copy.deepcopy(steps))
    kind = orset_kind(CompactORSet)
    cases = check_learner_laws(kind, seed=535, runs=40, hints={
        "monotonic": "a remove must not forget that the dot was seen: keep the clock, drop only the entry",
        "commutative": "treat both sides alike: keep an entry of either side unless the OTHER side's clock saw it",
        "upper bound": "the merge must know every dot either side saw (clock: entry-wise max)"})
    updates = check_sim_convergence(kind, ORSET_SEEDS, extra=_compact, hint="an entry missing on one side was "
                                    "removed there exactly when that side's clock covers its dot")
    return (f"{len(_SCENARIOS)} scenarios, {RANDOM_COUNT} random histories of 2-12 replicas step by step (seed "
            f"{RANDOM_SEED}), the laws on {cases} triples, and 3 replicas under faults on seeds {ORSET_SEEDS[0]}-"
            f"{ORSET_SEEDS[-1]} ({updates} adds and removes): no resurrection, no lost add, no tombstones")
