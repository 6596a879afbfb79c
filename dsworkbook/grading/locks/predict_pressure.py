"""Exercise ``09-predict-pressure``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice
from dsworkbook.locks.pressure import PressureRun, pressure_run

TTL = 200.0
SEED = 6
#: the runs the question asks about: (scenario, fault size in ms, fenced), ttl 200 ms, seed 6
RUNS: dict[str, tuple[str, float, bool]] = {
    "pause 150 ms": ("pause", 150.0, False),
    "pause 250 ms": ("pause", 250.0, False),
    "clock jump 150 ms": ("clock jump", 150.0, False),
    "delayed packet 190 ms": ("delayed packet", 190.0, False),
    "delayed packet 250 ms, fenced": ("delayed packet", 250.0, True),
}
#: the run the `why` asks about
WHY_RUN = "clock jump 150 ms"
REASONS = {
    "a": "s3's clock jumped, so s3 dropped c1's key early; c2 then got grants from s3, s4 and s5 - a majority - "
         "while c1 still believed it held the lock, and c1's write, built on a read from before c2's write, "
         "replaced the value without c2's entry",
    "b": "c1 was paused past the end of its lease, and wrote when it woke up",
    "c": "c1's write spent longer in the network than what was left of its lease",
    "d": "c2 took the lock with two grants: of five servers, two are enough",
    "e": "no write was lost: a jump smaller than the ttl cannot free the lock early",
}


def reasons_that_hold(run: PressureRun) -> list[str]:
    """Which of :data:`REASONS` the run bears out, read from its trace, faults and storage."""
    sim = run.result.sim
    faults = sim.trace.faults
    c2_grants = [r.detail.get("grants", 0) for r in sim.trace.notes("c2", key="lock") if r.detail["lock"] == "acquired"]
    c2_on = {r.node for r in sim.trace.notes(key="granted") if str(r.detail["granted"]).startswith("c2:")}
    holds = []
    if (run.lost_write and run.two_holders and any(f.kind == "clock" and f.nodes == ("s3",) for f in faults)
            and c2_grants and min(c2_grants) >= 3 and "s3" in c2_on):
        holds.append("a")
    if any(f.kind == "pause" for f in faults):
        holds.append("b")
    if any(f.kind == "net" for f in faults) or run.scenario == "delayed packet":
        holds.append("c")
    if "s5" in sim.node_ids and c2_grants and min(c2_grants) < 3:
        holds.append("d")
    if not run.lost_write:
        holds.append("e")
    return holds


def truth() -> tuple[dict[str, bool], str, dict[str, PressureRun]]:
    runs = {q: pressure_run(s, size, ttl=TTL, fenced=fenced, seed=SEED) for q, (s, size, fenced) in RUNS.items()}
    lost = {q: r.lost_write for q, r in runs.items()}
    holds = reasons_that_hold(runs[WHY_RUN])
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"09-predict-pressure: expected exactly one reason to hold in {WHY_RUN!r}, got {holds}")
    return lost, holds[0], runs


@exercise("09-predict-pressure", title="Predict: which faults lose a write?", theme="T09", concepts=("L03",),
          kind="predict", parts=("why",))
def grade_predict_pressure(answer: Any, *, why: Any) -> str:
    """A dict from each run of :data:`RUNS` to a bool (did the storage lose a write?), and a
    letter ``why`` (of :data:`REASONS`) for the clock-jump run.

    Each run is the themed notebook's lock under pressure
    (:func:`~dsworkbook.locks.pressure.pressure_run`) with a 200 ms ttl and seed 6 - settings the
    themed notebook does not show; the grader runs all five and reads the truth and the reason
    off the runs.
    """
    need_bool_table(answer, RUNS, meaning="a write was lost")
    why = need_choice(why, REASONS)
    lost, reason, runs = truth()
    for q in RUNS:
        if answer[q] != lost[q]:
            r = runs[q]
            fail(case=f"{q} (ttl 200 ms, seed {SEED})", input="did the storage lose a write?", expected=lost[q],
                 got=answer[q],
                 hint=f"in the run: two clients believed they held the lock: {r.two_holders}; the storage rejected "
                      f"{len(r.rejected)} stale write(s). A fault shorter than what is left of the lease does no harm; "
                      "two holders lose a write only when the late write lands after the other's; a fenced storage "
                      "refuses the stale token")
    if why != reason:
        fail(case=f"why, {WHY_RUN}", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: which fault did it have, and how many grants did c2 get?")
    shown = "; ".join(f"{q}: {'lost a write' if v else 'no write lost'}" for q, v in lost.items())
    return f"ttl 200 ms, seed {SEED}: {shown}; why: ({reason}) holds in the run"
