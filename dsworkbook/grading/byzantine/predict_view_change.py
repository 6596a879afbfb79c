"""Exercise ``08-predict-view-change``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import functools
from typing import Any

from dsworkbook.consensus.pbft.cluster import check_pbft, clients_done, honest_replicas, pbft_sim
from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.sim import Simulation

SEED = 61
UNTIL = 4000.0
F = 2
TRAITORS = ("r0", "r1")
KEYS = ("final view", "every client done", "safety broken")
REASONS = {
    "a": "with two silent replicas the backups cannot gather 2f+1 = 5 view changes, so they stay stuck in view 1",
    "b": "the backups see that r0 and r1 are silent and jump straight from view 0 to the first honest primary, r2",
    "c": "r1, the primary of view 1, is a traitor too and stays silent: the backups' timers expire again in view 1 "
         "and they move on to view 2, whose primary r2 is honest",
    "d": "the honest replicas reject r0's and r1's messages because their signatures do not verify",
}


@functools.lru_cache(maxsize=1)
def run() -> Simulation:
    sim = pbft_sim(SEED, f=F, traitors=list(TRAITORS), strategy="silent")
    sim.run(until=UNTIL)
    return sim


def observed(sim: Simulation) -> dict[str, Any]:
    honest = [sim.node(r) for r in honest_replicas(sim)]
    return {"final view": max(r.view for r in honest), "every client done": clients_done(sim),
            "safety broken": bool(check_pbft(sim))}


def reasons_that_hold(sim: Simulation) -> list[str]:
    """Which of :data:`REASONS` the run bears out, read from the honest replicas' notes."""
    honest = set(honest_replicas(sim))
    joined = {rec.detail["view_change"] for rec in sim.trace.notes() if rec.node in honest and "view_change" in rec.detail}
    entered = {rec.detail["view"] for rec in sim.trace.notes() if rec.node in honest and "primary" in rec.detail}
    final = observed(sim)
    holds = []
    if {1, 2} <= joined and 1 not in entered and 2 in entered and final["every client done"]:
        holds.append("c")
    if 1 not in joined:
        holds.append("b")
    if not final["every client done"] and final["final view"] == 1:
        holds.append("a")
    if any(sim.node(r).rejected["bad signature"] for r in honest):
        holds.append("d")
    return holds


def truth() -> tuple[dict[str, Any], str]:
    sim = run()
    holds = reasons_that_hold(sim)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"08-predict-view-change: expected exactly one reason to hold, got {holds}")
    return observed(sim), holds[0]


@exercise("08-predict-view-change", title="Predict: two silent primaries in a row", theme="T08", concepts=("B02",),
          kind="predict", parts=("why",))
def grade_predict_view_change(answer: Any, *, why: Any) -> str:
    """A dict with :data:`KEYS`: the highest view an honest replica is in at the end (an int),
    whether every client had all its requests answered, whether agreement or client validity
    broke - for n = 7, f = 2, r0 and r1 silent, seed 61, 4 s - and a letter ``why`` (of
    :data:`REASONS`). The grader runs the scenario and reads the truth off the replicas.
    """
    if not isinstance(answer, dict) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input=f"keys {list(KEYS)}", expected="a dict with exactly these keys",
             got=answer, hint="copy the keys of the question and put your prediction after each")
    if isinstance(answer["final view"], bool) or not isinstance(answer["final view"], int):
        fail(case="final view", input="final view", expected="an int", got=answer["final view"],
             hint="the view is a number: 0, 1, 2, ...")
    for key in KEYS[1:]:
        if not isinstance(answer[key], bool):
            fail(case=key, input=key, expected="True or False", got=answer[key], hint="answer with a bool")
    why = need_choice(why, REASONS)
    expected, reason = truth()
    for key in KEYS:
        if answer[key] != expected[key]:
            fail(case=f"{key} (n = 7, f = 2, r0 and r1 silent, seed {SEED})", input=key, expected=expected[key],
                 got=answer[key],
                 hint="the primary of view v is r{v mod n}; a backup that waits too long for a request moves to the "
                      "next view, and waits twice as long there before moving on again (§4.5.2); the five honest "
                      "replicas are 2f+1, enough for every certificate and for a new view")
    if why != reason:
        fail(case="why", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: which views did the honest replicas ask for, which did they "
                  "enter, and did any signature fail?")
    return (f"final view {expected['final view']}, every client done: {expected['every client done']}, safety broken: "
            f"{expected['safety broken']}; why: ({reason}) holds in the run")
