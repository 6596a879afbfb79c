"""Exercise ``13-compensation-plan``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere

EVENTS = ("done", "failed", "unknown", "compensated")
#: The events after which a step may have taken effect and is not yet undone.
OWED = ("done", "unknown")
HINT_FORM = "return a list of step names (strings), each at most once"
HINT_ORDER = ("compensate in the reverse of the order the steps are listed in `steps` (the saga's forward order), "
              "not in the order of the log")
HINT_LATEST = "a step's latest event in the log decides: a later record replaces an earlier one for that step"
HINT_UNKNOWN = ('"unknown" means the call timed out and the step may have run: compensate it (compensations are '
                'idempotent, so undoing a step that never ran does nothing)')
HINT_FAILED = '"failed" means the step did nothing: there is nothing to compensate'
HINT_DONE = '"compensated" means the step is already undone: do not compensate it again'
HINT_NONE = "a step with no record in the log never started: leave it out"


def compensation_plan(steps: list[str], log: list[tuple[str, str]]) -> list[str]:
    """The grader's reference: steps whose latest event is done or unknown, in reverse step order."""
    latest: dict[str, str] = {}
    for step, event in log:
        latest[step] = event
    return [s for s in reversed(steps) if latest.get(s) in OWED]


def _hint(steps: list[str], log: list[tuple[str, str]], got: list[str], want: list[str]) -> str:
    if len(set(got)) != len(got):
        return "compensate each step at most once, however many records the log holds for it"
    if sorted(got) == sorted(want):
        return HINT_ORDER
    latest = {}
    for step, event in log:
        latest[step] = event
    first = {}
    for step, event in log:
        first.setdefault(step, event)
    for s in set(got) ^ set(want):
        if first.get(s) != latest.get(s):
            return HINT_LATEST
        ev = latest.get(s)
        return {"unknown": HINT_UNKNOWN, "failed": HINT_FAILED, "compensated": HINT_DONE, "done": HINT_LATEST,
                None: HINT_NONE}[ev]
    return HINT_FORM


NAMES = ("order", "stock", "card", "ship", "mail", "points", "hotel", "car", "flight", "seat", "meal", "tax")


def draw(rng: random.Random) -> tuple[list[str], list[tuple[str, str]]]:
    n = rng.randint(1, 12)
    steps = rng.sample(NAMES, n)
    weights = rng.choice([(4, 1, 1, 1), (1, 1, 1, 1), (2, 1, 3, 2), (1, 3, 1, 3)])
    log = [(rng.choice(steps), rng.choices(EVENTS, weights)[0]) for _ in range(rng.randint(0, 40))]
    return steps, log


HAND: list[tuple[str, list[str], list[tuple[str, str]]]] = [
    ("the last step failed, the others are done", ["order", "stock", "card"],
     [("order", "done"), ("stock", "done"), ("card", "failed")]),
    ("a step timed out (outcome unknown)", ["order", "stock", "card"],
     [("order", "done"), ("stock", "unknown")]),
    ("a duplicated record", ["order", "stock", "card"],
     [("order", "done"), ("order", "done"), ("stock", "done"), ("card", "failed")]),
    ("one step already compensated", ["order", "stock", "card"],
     [("order", "done"), ("stock", "done"), ("card", "failed"), ("stock", "compensated")]),
    ("the log lists the steps out of order (retries)", ["order", "stock", "card", "ship"],
     [("stock", "unknown"), ("order", "done"), ("stock", "done"), ("card", "done"), ("ship", "failed")]),
    ("a retry succeeded after a timeout, and a retry after a failure", ["order", "stock", "card"],
     [("order", "failed"), ("order", "done"), ("stock", "unknown"), ("stock", "failed")]),
    ("an empty log", ["order", "stock"], []),
    ("nothing was done", ["order", "stock"], [("order", "failed")]),
    ("one step", ["card"], [("card", "unknown")]),
    ("steps whose names sort otherwise (s10 after s9)", [f"s{i}" for i in range(1, 13)],
     [(f"s{i}", "done") for i in range(1, 12)] + [("s12", "failed")]),
]


def _check(fn: Callable[..., Any], case: str, steps: list[str], log: list[tuple[str, str]]) -> None:
    want = compensation_plan(steps, log)
    def call(steps: list[str], log: list[tuple[str, str]]) -> Any:
        # the step names are salted per world; the events stay plain strings, so that an answer may
        # compare them with literals in a set ({"done", "unknown"}) as the statement allows
        return fn(steps, [(s, str.__str__(e)) for s, e in log])

    got = same_everywhere(call, list(steps), list(log), input={"steps": steps, "log": log}, case=case, salt_text=True)
    if isinstance(got, tuple):
        got = list(got)
    if not isinstance(got, list) or not all(isinstance(s, str) for s in got):
        fail(case=case, input={"steps": steps, "log": log}, expected=want, got=got, hint=HINT_FORM)
    got = [str.__str__(s) for s in got]  # plain strings (the worlds salt them)
    if len(got) > len(steps):
        fail(case=case, input={"steps": steps, "log": log}, expected=want,
             got=f"a list of {len(got)} entries for {len(steps)} steps: {got[:20]}", hint=HINT_FORM)
    if got != want:
        fail(case=case, input={"steps": steps, "log": log}, expected=want, got=got,
             hint=_hint(steps, log, got, want))


@exercise("13-compensation-plan", title="Which steps to compensate, and in what order", theme="T13",
          concepts=("X03",), reference="dsworkbook.transactions.saga.Orchestrator._order")
def grade_compensation_plan(fn: Any) -> str:
    """``fn(steps, log)``: the steps to compensate now, in reverse step order.

    ``steps`` lists a saga's steps in forward order; ``log`` is a list of ``(step, event)`` in time
    order, events ``"done"``, ``"failed"``, ``"unknown"`` (timed out: may have run) and
    ``"compensated"``. A step's latest event decides; ``done`` and ``unknown`` are owed a
    compensation. Hand cases (timeouts, duplicates, retries, names that sort otherwise), 400 random
    cases over 1-12 steps and logs of up to 40 records, and a 2,000-step saga; every call runs in
    two worlds with salted strings.
    """
    need_callable(fn, "function compensation_plan(steps, log)")
    for case, steps, log in HAND:
        _check(fn, case, steps, log)
    for case, (steps, log) in random_cases(13, 400, draw):
        _check(fn, case, steps, log)
    rng = random.Random(1313)
    steps = [f"step{i}" for i in range(2000)]
    log = [(s, rng.choice(EVENTS)) for s in steps] + [(rng.choice(steps), rng.choice(EVENTS)) for _ in range(500)]
    _check(fn, "a saga of 2,000 steps", steps, log)
    return "10 hand cases, 400 random sagas of 1-12 steps and a 2,000-step saga: right steps, reverse step order"
