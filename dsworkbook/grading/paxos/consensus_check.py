"""Exercise ``07-consensus-check``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import PROPERTIES, check_consensus, consensus_violations
from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere

#: (what it tests, proposed, decisions)
HAND: list[tuple[str, set[Any], dict[str, list[Any]]]] = [
    ("all decide the proposed A", {"A", "B"}, {"a1": ["A"], "a2": ["A"], "a3": ["A"]}),
    ("nobody decided yet", {"A"}, {"a1": [], "a2": [], "a3": []}),
    ("two values decided", {"A", "B"}, {"a1": ["A"], "a2": ["B"]}),
    ("two values, the first node undecided", {"A", "B"}, {"a1": [], "a2": ["A"], "a3": ["B"]}),
    ("a value nobody proposed", {"A"}, {"a1": ["Z"], "a2": ["Z"]}),
    ("a proposed value nobody decided is fine", {"A", "B", "C"}, {"a1": ["A"], "a2": []}),
    ("a node that decides twice, the same value", {"A"}, {"a1": ["A", "A"], "a2": ["A"]}),
    ("a node that decides twice, two values", {"A", "B"}, {"a1": ["A", "B"], "a2": ["A"]}),
    ("the second decision is one nobody proposed", {"A"}, {"a1": ["A", "Z"], "a2": ["A"]}),
    ("one decision each, more decisions than nodes would suggest", {"A"}, {"a1": ["A"], "a2": ["A"], "a3": ["A"],
                                                                           "a4": ["A"], "a5": []}),
    ("some nodes undecided: not a safety violation", {"A"}, {"a1": ["A"], "a2": [], "a3": []}),
    ("falsy values: 0 and the empty string", {0, ""}, {"a1": [0], "a2": [""]}),
    ("a falsy value nobody proposed", {1}, {"a1": [0], "a2": [0]}),
    ("two values decided by one node each, among many", {"A", "B"},
     {**{f"a{i}": ["A"] for i in range(1, 8)}, "a8": ["B"]}),
]

#: Real runs: Paxos and its three broken variants, on seeds where each breaks something (and some where not).
RUNS = {"correct": (1, 2, 3), "own_value": (6, 7, 14), "forget_promises": (20, 30), "naive_ballots": (12, 13)}
RANDOM_SEED, RANDOM_COUNT = 3131, 400
POOL = ("A", "B", "C", "D", 0, "")


def _draw(rng: random.Random) -> tuple[set[Any], dict[str, list[Any]]]:
    proposed = set(rng.sample(POOL, rng.randint(1, 4)))
    n = 2000 if rng.random() < 0.01 else rng.randint(1, 9)
    mode = rng.random()
    decisions: dict[str, list[Any]] = {}
    common = rng.choice(sorted(proposed, key=repr))
    for i in range(1, n + 1):
        r = rng.random()
        if r < 0.25:
            vs: list[Any] = []
        elif mode < 0.5 or r < 0.85:
            vs = [common]  # most runs are safe, or break a single thing
        else:
            vs = [rng.choice(POOL + ("Z",)) for _ in range(rng.choice((1, 1, 2, 3)))]
        decisions[f"a{i}"] = vs
    if mode > 0.8 and n > 1:  # break exactly one property, at a random node
        node = f"a{rng.randint(1, n)}"
        kind = rng.choice(PROPERTIES)
        if kind == "agreement":
            decisions[node] = [rng.choice([v for v in proposed if v != common] or ["Z"])]
        elif kind == "validity":
            decisions = {k: ["Z"] if vs else vs for k, vs in decisions.items()}
        else:
            decisions[node] = [common, common]
    return proposed, decisions


def _shown(proposed: set[Any], decisions: dict[str, list[Any]]) -> str:
    if len(decisions) > 60:
        decided = {k: v for k, v in decisions.items() if v}
        odd = {k: v for k, v in decided.items() if len(v) != 1}
        values = sorted({repr(v) for vs in decided.values() for v in vs})
        return (f"proposed={sorted(proposed, key=repr)}, decisions: {len(decisions)} nodes, {len(decided)} decided; "
                f"values decided {values}; nodes with several decisions {odd}")
    return f"proposed={sorted(proposed, key=repr)}, decisions={decisions}"


def _hint(want: set[str], got: Any) -> str:
    if not isinstance(got, (set, frozenset, list, tuple)) or not set(got) <= set(PROPERTIES):
        return f"return a set of names among {set(PROPERTIES)} (an empty set when nothing is broken)"
    missed, extra = want - set(got), set(got) - want
    name = sorted(missed or extra)[0]
    rules = {"agreement": "agreement: two different values decided anywhere - by one node or by two, whatever order "
                          "the nodes are listed in, and whether or not the first node decided",
             "validity": "validity: some decided value (any of a node's decisions, falsy ones too) is not in proposed; "
                         "a proposed value that nobody decided breaks nothing",
             "integrity": "integrity: some node's list has more than one decision, even of the same value; an empty "
                          "list (undecided) breaks nothing"}
    return ("you reported " if name in extra else "you missed ") + rules[name]


@exercise("07-consensus-check", title="The consensus properties, as a checker", theme="T07", concepts=("P03",),
          reference="dsworkbook.consensus.paxos.runs.consensus_violations")
def grade_consensus_check(answer: Any) -> str:
    """A function ``consensus_violations(proposed, decisions) -> set[str]``.

    ``proposed`` is the set of values proposers proposed; ``decisions`` maps each node to the
    list of values it decided, in order (empty: undecided). Return the names among
    ``{"agreement", "validity", "integrity"}`` that the run broke: agreement - two different
    values decided; validity - a value decided that nobody proposed; integrity - a node decided
    more than once. (Termination is not a safety property: an undecided node breaks nothing.)
    Checked on hand-made cases, on 400 random tables - safe ones, ones that break exactly one
    property at a random node, one in a hundred with 2,000 nodes, falsy values - each in two
    worlds, and on ten seeded runs of Paxos and of its three broken variants (most of the broken ones unsafe).
    """
    need_callable(answer, "function consensus_violations(proposed, decisions)", allow_class=False)
    cases = list(HAND)
    cases += [(name, p, d) for name, (p, d) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw)]
    for variant, seeds in RUNS.items():
        for seed in seeds:
            report = check_consensus(paxos_run(seed, paxos_schedule(seed), variant=variant))
            decisions = {n: list(report.decisions.get(n, [])) for n in report.nodes}
            cases.append((f"a {variant} Paxos run, seed {seed}", set(report.proposed), decisions))
    unsafe = 0
    for name, proposed, decisions in cases:
        want = consensus_violations(proposed, decisions)
        unsafe += bool(want)
        shown = _shown(proposed, decisions)
        got = same_everywhere(lambda: answer(set(proposed), {k: list(v) for k, v in decisions.items()}),
                              input=shown, case=name)
        if not isinstance(got, (set, frozenset, list, tuple)) or set(got) != want:
            fail(case=name, input=shown, expected=want, got=got, hint=_hint(want, got))
    return f"{len(cases)} runs judged right, {unsafe} of them unsafe, each the same in two worlds"
