"""Exercise ``06-predict-read-modes``: which read paths stay linearizable under stepped-back clocks? (F10, M05)

Theory of operation
-------------------
The campaign's ``clock`` family (:func:`~dsworkbook.consensus.fuzzing.clock_schedule`): every
600 ms a pair of the five servers is cut off and their clocks are stepped back by 500-1000 ms;
once the majority has moved on, three clients are moved to the pair's side; clocks drift within
the drift bound. The grader replays seeds :data:`SEEDS` at check time
(:func:`~dsworkbook.consensus.fuzzing.campaign_run`) with each of four read paths - reads through
the log, ReadIndex, leases timed by the leader's timers, and the ``lease_read_clock_drift``
variant (a lease timed on the wall clock) - and asks the campaign's check
(:func:`~dsworkbook.consensus.fuzzing.raft_problem`) whether each history stayed linearizable on
every seed. The reasons are graded on the same runs: which property broke, and whether the
reads skipped the log.

The same lesson on a real etcd (M05) - a serializable read served by a member just resumed from
a pause is stale, a linearizable one is not - is shown by the themed notebook; a check never
starts a real server, so the question is asked of the simulator.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.fuzzing import campaign_run, clock_schedule, raft_problem
from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice

__all__ = ["grade_predict_read_modes", "PATHS", "REASONS", "SEEDS", "runs", "truth", "reasons_that_hold"]

SEEDS = (13, 21)
#: the answer's keys -> (variant, RaftConfig options)
PATHS: dict[str, tuple[str, dict[str, Any]]] = {
    "log": ("correct", {"read_mode": "log"}),
    "read_index": ("correct", {"read_mode": "read_index"}),
    "lease": ("correct", {"read_mode": "lease"}),
    "wall-clock lease": ("lease_read_clock_drift", {}),
}

REASONS = {
    "a": "a lease timed on the wall clock is stretched when the clock is stepped back, so the cut-off old leader "
         "answers reads from its own state after the majority elected a new leader and wrote; a lease timed by "
         "the leader's timers ends before the followers may vote again, ReadIndex needs replies from a majority, "
         "which a cut-off leader cannot get, and a read in the log must be committed by a majority",
    "b": "every read path that skips the log is broken by a clock stepped back, ReadIndex included",
    "c": "reads through the log break too, because the cut-off leader appends the read and answers it at once",
    "d": "all four stay linearizable: clock faults never matter to Raft",
}


@lru_cache(maxsize=2)
def runs(seeds: tuple[int, ...] = SEEDS) -> dict[str, list[str | None]]:
    """Per read path: for each seed, None (linearizable, safe) or the first problem's property."""
    out: dict[str, list[str | None]] = {}
    for label, (variant, options) in PATHS.items():
        found = []
        for seed in seeds:
            problem = raft_problem(campaign_run(seed, clock_schedule(seed), variant=variant, options=options))
            found.append(None if problem is None else problem.property)
        out[label] = found
    return out


def reasons_that_hold(r: dict[str, list[str | None]]) -> list[str]:
    ok = {k: all(p is None for p in v) for k, v in r.items()}
    holds = []
    if (ok["log"] and ok["read_index"] and ok["lease"] and not ok["wall-clock lease"]
            and all(p in (None, "linearizability") for p in r["wall-clock lease"])):
        holds.append("a")
    if not ok["read_index"] and not ok["lease"] and not ok["wall-clock lease"]:
        holds.append("b")
    if not ok["log"]:
        holds.append("c")
    if all(ok.values()):
        holds.append("d")
    return holds


def truth() -> tuple[dict[str, bool], str]:
    r = runs()
    holds = reasons_that_hold(r)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"06-predict-read-modes: expected exactly one reason to hold, got {holds}")
    return {k: all(p is None for p in v) for k, v in r.items()}, holds[0]


@exercise("06-predict-read-modes", title="Predict: which read paths stay linearizable when clocks are stepped back",
          theme="T06", concepts=("F10", "M05"), kind="predict", parts=("why",))
def grade_predict_read_modes(answer: Any, *, why: Any) -> str:
    """A dict from each read path to True (linearizable on both seeds) or False, and ``why``."""
    got = need_bool_table(answer, PATHS, meaning="the history stayed linearizable on both seeds")
    letter = need_choice(why, REASONS)
    r = runs()
    want, reason = truth()
    shown = "; ".join(f"{k}: " + ", ".join(f"seed {s} {p or 'linearizable'}" for s, p in zip(SEEDS, v))
                      for k, v in r.items())
    for label in PATHS:
        if got[label] != want[label]:
            fail(case=label, input=f"the read path {label!r} in the clock family, seeds {SEEDS}",
                 expected=want[label], got=got[label],
                 hint="ask what a leader cut off with a stepped-back clock can still do: reach a majority (no), "
                      "read its timers (they ignore clock jumps), read its wall clock (it went back)")
    if letter != reason:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint=f"the runs: {shown}")
    return f"{shown}; why ({reason})"
