"""Exercise ``05-design-trip``: see its grader's docstring for what the learner designs."""

from __future__ import annotations

from typing import Any

from dsworkbook.crdt.design import HOLDS, MENU, TRIP, FieldResult, article, run_design
from dsworkbook.crdt.workloads import show
from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import exercise, fail

FIELDS = {f.name: f for f in TRIP}
SEEDS = (1, 2)

#: What to think about when a field's requirement is not met, by field and by what went wrong.
_HINTS = {
    "budget": "every phone's additions and refunds must all count, once: a register keeps one of two concurrent "
              "writes, and the counter you pick must be able to count down",
    "views": "every phone's openings must all count, once: a register keeps one of two concurrent writes",
    "destination": "a last-write-wins register keeps one of two concurrent writes and drops the other silently; "
                   "the requirement asks every phone to show both until someone who saw them picks one",
    "cover_photo": "a multi-value register keeps every concurrent write as a sibling - two photos; the requirement "
                   "asks for exactly one, the same everywhere (losing the other is acceptable here)",
    "packing": "an add concurrent with a removal must win, a removal must not be undone by a stale copy, an item "
               "must be able to come back - and tombstones cost storage this field does not have",
    "members": "joins made on different phones while offline must all survive the merge",
    "notes": "concurrent typing must keep both runs in one text: a register holds the whole text as one value and "
             "keeps one side's (or shows two texts)",
}


def _form(design: Any) -> dict[str, str]:
    names = list(FIELDS)
    if not isinstance(design, dict) or set(design) != set(names):
        have = sorted(design) if isinstance(design, dict) else type(design).__name__
        fail(case="the form of the design", input=f"the fields {names}",
             expected=f"a dict with exactly the keys {names}", got=f"{have!r}",
             hint='write trip_design = {"budget": "...", ...}: one type name per field, no field missing, none extra')
    bad = {k: v for k, v in design.items() if v not in MENU}
    if bad:
        fail(case="the form of the design", input=f"the type names {list(MENU)}", expected="each value one of them",
             got=repr(bad), hint="spell each type name exactly as the menu lists it, e.g. \"OR-Set\"")
    return dict(design)


def _say(result: FieldResult) -> str:
    f = FIELDS[result.field]
    return (f"{result.field} ({f.kind}) held by {article(result.type_name)}: {f.requirement}. Operations: " +
            "; ".join(f"{r} at {t:g} ms: {_op(op)}" for r, ops in sorted(f.ops.items()) for t, op in ops))


def _op(op: tuple) -> str:
    if op[0] == "type":
        return f"types {op[2]!r} at {op[1]!r}"
    if op[0] == "add" and isinstance(op[1], int):
        return f"{op[1]:+d}"
    return f"{op[0]} {op[1]!r}"


@exercise("05-design-trip", title="Design: the replicated state of a trip planner", theme="T05",
          concepts=("R01", "R02", "R03", "R04", "R06"), kind="design")
def grade_design_trip(design: Any) -> str:
    """``trip_design``: a dict mapping each field of the trip planner to a type name of the menu.

    The fields, their operations and requirements are :data:`dsworkbook.crdt.design.TRIP`. Every
    field is run on three simulated phones under the partition ``A | B C`` (5-300 ms) - once
    with seed 1, once with seed 2 and 30% of messages duplicated - and judged on what the phones
    show: convergence, the field's requirement (the sum of every change; both concurrent
    proposals visible; exactly one photo; add wins without resurrection and with bounded
    storage; every join; every run of typing whole), and the merge laws on the states the run
    went through. Every type that meets a field's requirement is accepted.
    """
    chosen = _form(design)
    try:
        report = run_design(chosen, seeds=SEEDS)
    except ConfigError as exc:  # pragma: no cover - the form was checked above
        fail(case="the design", input=repr(design), expected="a design the simulator can run", got=str(exc),
             hint="check the form of the design")
    bad = report.first_problem
    if bad is not None:
        f = FIELDS[bad.field]
        if f.kind not in HOLDS[bad.type_name]:
            hint = f"{bad.field} is {'an' if f.kind == 'set' else 'a'} {f.kind}: pick a type that holds one"
        else:
            hint = _HINTS[bad.field]
        shown = "; ".join(f"{r}: {show(v)}" for r, v in bad.shown.items()) or "(not run)"
        fail(case=f"the field {bad.field} as {article(bad.type_name)} (simulation seed {bad.seed})", input=_say(bad),
             expected=f"the requirement met: {f.requirement}", got=f"{bad.problem} (at the end: {shown})", hint=hint)
    laws = sum(r.laws_checked for r in report.results)
    return (f"all {len(report.results)} fields meet their requirements on seeds {SEEDS[0]} and {SEEDS[1]} (the second "
            f"with duplicated messages), and the merge laws hold on {laws} triples of the states they went through: "
            + ", ".join(f"{r.field} as {article(r.type_name)}" for r in report.results))
