"""Exercise ``12-predict-delivery``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.messaging.campaign import lab_run
from dsworkbook.messaging.delivery import effect_counts
from dsworkbook.sim import Crash, Cut, FaultSchedule, Restart

SEED = 5
OUTCOMES = ("lost", "duplicated", "exactly once")
CONSUMER_CRASH = FaultSchedule([Crash(103.0, "c1"), Restart(163.0, "c1")])
LEADER_CRASH = FaultSchedule([Cut(120.0, "b1", "b2"), Cut(120.0, "b1", "b3"), Crash(200.0, "b1"),
                              Restart(400.0, "b1")])
#: run -> (consumer mode, idempotent producer, acks, schedule)
RUNS: dict[str, tuple[str, bool, Any, FaultSchedule]] = {
    "at-most-once, consumer crash": ("at-most-once", True, "all", CONSUMER_CRASH),
    "at-least-once, consumer crash": ("at-least-once", True, "all", CONSUMER_CRASH),
    "effectively-once, consumer crash": ("effectively-once", True, "all", CONSUMER_CRASH),
    "de-dup table in consumer memory, consumer crash": ("volatile-dedup", True, "all", CONSUMER_CRASH),
    "acks=1, leader crash": ("effectively-once", False, 1, LEADER_CRASH),
    "acks=all, leader crash": ("effectively-once", False, "all", LEADER_CRASH),
}
WHY_RUN = "acks=1, leader crash"
REASONS = {
    "a": "b1 acknowledged records that b2 and b3 never fetched; the controller chose the new leader from the "
         "in-sync replicas, whose logs lack them, and b1 truncated them from its own log when it came back",
    "b": "the consumer committed its offset before it applied the effects, and crashed in between",
    "c": "the controller made b1 leader again after its restart, and b1 had lost the records in its crash",
    "d": "the producer gave up on the records after its retries ran out, so they were never written",
    "e": "nothing was lost: a leader crash cannot lose a record that was acknowledged",
}


def outcome(counts: dict[str, Any]) -> str:
    if counts["lost"] and counts["duplicated"]:
        return "lost and duplicated"
    return "lost" if counts["lost"] else "duplicated" if counts["duplicated"] else "exactly once"


def run(name: str) -> Any:
    mode, idem, acks, sched = RUNS[name]
    return lab_run(SEED, sched, mode=mode, idempotent=idem, acks=acks, trace=name == WHY_RUN)


def reasons_that_hold(sim: Any) -> list[str]:
    """Which of :data:`REASONS` the ``WHY_RUN`` run bears out, read from its trace and nodes."""
    counts = effect_counts(sim)
    lost = set(counts["lost"])
    leader = sim.node("ctl").leader
    final_log = {e.msg_id for e in sim.node(leader).log} if leader else set()
    truncated = {m for r in sim.trace.notes("b1") if "truncate" in r.detail for m in r.detail["lost"]}
    holds = []
    if lost and leader != "b1" and not lost & final_log and lost <= truncated:
        holds.append("a")
    if sim.node("c1").cfg["commit_first"]:
        holds.append("b")
    if leader == "b1":
        holds.append("c")
    if len(sim.node("p").acked) < sim.node("p").messages:
        holds.append("d")
    if not lost:
        holds.append("e")
    return holds


def truth() -> tuple[dict[str, str], str]:
    sims = {name: run(name) for name in RUNS}
    outcomes = {name: outcome(effect_counts(sim)) for name, sim in sims.items()}
    holds = reasons_that_hold(sims[WHY_RUN])
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"12-predict-delivery: expected exactly one reason to hold, got {holds}")
    return outcomes, holds[0]


@exercise("12-predict-delivery", title="Predict: which runs lose or repeat an effect?", theme="T12",
          concepts=("Q13",), kind="predict", parts=("why",))
def grade_predict_delivery(answer: Any, *, why: Any) -> str:
    """A dict from each run of :data:`RUNS` to ``"lost"``, ``"duplicated"`` or ``"exactly once"``,
    and a letter ``why`` (of :data:`REASONS`) for the run ``"acks=1, leader crash"``.

    Each run is the delivery lab (:func:`~dsworkbook.messaging.campaign.lab_run`, seed 5) under
    one of two hand-made schedules; the grader runs all six and reads the truth and the reason
    off the runs.
    """
    if not isinstance(answer, dict) or set(answer) != set(RUNS):
        fail(case="the form of the answer", input=f"runs {list(RUNS)}",
             expected="a dict with exactly these keys", got=answer,
             hint='copy the keys of the question and put "lost", "duplicated" or "exactly once" after each')
    for key, value in answer.items():
        if value not in OUTCOMES + ("lost and duplicated",):
            fail(case=key, input=key, expected=f"one of {list(OUTCOMES)}", got=value,
                 hint="answer each run with one of the three outcomes, spelled as in the statement")
    why = need_choice(why, REASONS)
    outcomes, reason = truth()
    for name, expected in outcomes.items():
        if answer[name] != expected:
            mode, idem, acks, _ = RUNS[name]
            fail(case=f"{name} (seed {SEED})", input="lost, duplicated or exactly once?", expected=expected,
                 got=answer[name],
                 hint="where does the consumer keep its progress, and is it written with the effect or apart from "
                      "it? with acks=1 the leader answers before any follower has the record; with acks=all "
                      "the new leader from the in-sync replicas has every acknowledged record")
    if why != reason:
        fail(case=f"why, {WHY_RUN}", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: which broker led at the end, and what did b1's log hold "
                  "after it came back?")
    shown = "; ".join(f"{n}: {o}" for n, o in outcomes.items())
    return f"seed {SEED}: {shown}; why: ({reason}) holds in the run"
