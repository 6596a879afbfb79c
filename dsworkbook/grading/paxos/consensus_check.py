"""Exercise ``07-consensus-check``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import check_consensus
from dsworkbook.grading.core import attempt, exercise, fail

NAMES = ("agreement", "validity", "integrity")

HAND: list[tuple[str, set, dict, set]] = [
    ("all decide the proposed A", {"A", "B"}, {"a1": ["A"], "a2": ["A"], "a3": ["A"]}, set()),
    ("nobody decided yet", {"A"}, {}, set()),
    ("two values decided", {"A", "B"}, {"a1": ["A"], "a2": ["B"]}, {"agreement"}),
    ("a value nobody proposed", {"A"}, {"a1": ["Z"], "a2": ["Z"]}, {"validity"}),
    ("a node that decides twice, the same value", {"A"}, {"a1": ["A", "A"]}, {"integrity"}),
    ("a node that decides twice, two values", {"A", "B"}, {"a1": ["A", "B"]}, {"agreement", "integrity"}),
    ("some nodes undecided: not a safety violation", {"A"}, {"a1": ["A"], "a2": []}, set()),
]

RUN_SEEDS = {"correct": (1, 2, 3), "own_value": (6, 14, 20)}


def _truth(proposed: set, decisions: dict) -> set[str]:
    values = {v for vs in decisions.values() for v in vs}
    out = set()
    if len(values) > 1:
        out.add("agreement")
    if values - proposed:
        out.add("validity")
    if any(len(vs) > 1 for vs in decisions.values()):
        out.add("integrity")
    return out


@exercise("07-consensus-check", title="The consensus properties, as a checker", theme="T07", concepts=("P03",))
def grade_consensus_check(consensus_violations: Any) -> str:
    """A function ``consensus_violations(proposed, decisions) -> set[str]``.

    ``proposed`` is the set of values proposers proposed; ``decisions`` maps each node to the
    list of values it decided, in order. Return the names among ``{"agreement", "validity",
    "integrity"}`` that the run broke: agreement - two different values decided; validity - a
    value decided that nobody proposed; integrity - a node decided more than once. (Termination
    is not a safety property: an undecided node breaks nothing.) Checked on 7 hand-made cases
    and on six seeded Paxos runs, three of them of the ``own_value`` variant.
    """
    if not callable(consensus_violations):
        fail(case="the answer itself", input=repr(consensus_violations), expected="a function",
             got=type(consensus_violations).__name__, hint="pass the function itself")
    cases = list(HAND)
    for variant, seeds in RUN_SEEDS.items():
        for seed in seeds:
            report = check_consensus(paxos_run(seed, paxos_schedule(seed), variant=variant))
            cases.append((f"a {variant} Paxos run, seed {seed}", report.proposed, report.decisions,
                          _truth(report.proposed, report.decisions)))
    for name, proposed, decisions, want in cases:
        shown = f"proposed={sorted(proposed)}, decisions={decisions}"
        got = attempt(consensus_violations, set(proposed), {k: list(v) for k, v in decisions.items()}, input=shown,
                      case=name)
        if not isinstance(got, (set, frozenset, list, tuple)) or set(got) != want:
            fail(case=name, input=shown, expected=want, got=got,
                 hint="agreement: more than one distinct value decided overall; validity: a decided value not in "
                      "proposed; integrity: some node's list has more than one decision")
    broken = sum(1 for c in cases if c[3])
    return f"{len(cases)} runs judged right, {broken} of them unsafe"
