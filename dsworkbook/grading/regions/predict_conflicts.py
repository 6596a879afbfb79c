"""Exercise ``14-predict-conflicts``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.regions.activeactive import FIXED
from dsworkbook.regions.activeactive_run import active_active_run
from dsworkbook.regions.conflicts import causality_violations, conflict_pairs, acked_writes_lost
from dsworkbook.regions.resolution import WriteInfo

SEED = 14
SKEW = 500.0
#: Five writes to two keys in three regions (times in ms of true time).
SCRIPT = {
    "us-east-1": [(1000.0, "x", "A"), (1100.0, "y", "D")],
    "eu-west-1": [(1020.0, "x", "B"), (1110.0, "y", "E")],
    "ap-northeast-1": [(1300.0, "x", "C")],
}
RUNS = ("LWW, clocks in sync", "LWW, Tokyo 500 ms behind", "version vectors with siblings", "OR-Set")
#: (resolution, Tokyo's clock offset in ms) for each run.
SETUP = {RUNS[0]: ("lww", 0.0), RUNS[1]: ("lww", SKEW), RUNS[2]: ("siblings", 0.0), RUNS[3]: ("orset", 0.0)}
REASONS = {
    "a": "LWW keeps one version per key, so a write concurrent with the winner is dropped even with perfect clocks; a "
         "clock that is behind makes a write that had seen the others look older, so it is dropped too; siblings "
         "and the OR-Set keep concurrent writes, and a write that had seen the others replaces them knowingly",
    "b": "with clocks in sync LWW loses nothing, because the last write in real time always wins; skew is what "
         "loses writes",
    "c": "version vectors drop concurrent writes too: of two concurrent versions the one with the larger vector "
         "is kept",
    "d": "the OR-Set drops Tokyo's write because it arrives last at the other regions",
}


@dataclass
class Outcome:
    """One run: writes, survivors, the concurrent pairs and LWW's causality violations."""

    name: str
    writes: list[WriteInfo]
    lost: int
    concurrent: list[tuple[str, str]]
    violated: list[tuple[str, str]]
    converged: bool
    final: dict[str, Any]

    @property
    def survived(self) -> int:
        return len(self.writes) - self.lost


def _value(writes: list[WriteInfo], wid: str) -> Any:
    return next(w.value for w in writes if w.id == wid)


def run(name: str, seed: int = SEED) -> Outcome:
    resolution, behind = SETUP[name]
    r = active_active_run(seed, script=SCRIPT, resolution=resolution, skew=behind, variant=FIXED)
    pairs = [(a.value, b.value) for a, b in conflict_pairs(r)]
    violated = [(lw.value, ww.value) for lw, ww in causality_violations(r)]
    final = r.final()
    if resolution == "orset":  # the set holds write ids: show the values written
        final = {k: tuple(sorted(_value(r.writes, i) for i in ids)) for k, ids in final.items()}
    return Outcome(name, r.writes, acked_writes_lost(r), pairs, violated, r.converged, final)


def runs(seed: int = SEED) -> dict[str, Outcome]:
    return {name: run(name, seed) for name in RUNS}


def reasons_that_hold(o: dict[str, Outcome]) -> list[str]:
    """Which of :data:`REASONS` the four runs bear out."""
    sync, skewed, sibs, orset = (o[n] for n in RUNS)
    holds = []
    if (sync.lost > 0 and not sync.violated and skewed.lost > sync.lost and skewed.violated
            and sibs.lost == 0 and orset.lost == 0):
        holds.append("a")
    if sync.lost == 0 and skewed.lost > 0:
        holds.append("b")
    if sibs.lost > 0:
        holds.append("c")
    if orset.lost > 0:
        holds.append("d")
    return holds


def _show(o: Outcome) -> str:
    return (f"{o.name}: concurrent pairs {o.concurrent}; every region ends with {o.final}; "
            f"{o.survived} of {len(o.writes)} writes survive")


@exercise("14-predict-conflicts", title="Predict: which acknowledged writes survive LWW, siblings and a CRDT",
          theme="T14", concepts=("G02", "G05"), kind="predict", parts=("why",))
def grade_predict_conflicts(answer: Any, *, why: Any) -> str:
    """A dict from each of the four runs to how many of the five acknowledged writes survive, and ``why``.

    The truth is measured by running the scripted workload (three regions, seed 14) with
    ``active_active_run`` under LWW (clocks in sync, and Tokyo's clock 500 ms behind), version
    vectors with siblings and an OR-Set; a write survives when at the end some region holds it
    or holds a write that had seen it. The reason is derived from the same runs (which writes
    were concurrent, which lost to a write they had already seen).
    """
    if not isinstance(answer, dict) or set(answer) != set(RUNS):
        fail(case="the form of the answer", input=f"runs {list(RUNS)}",
             expected="a dict with exactly these keys, each a whole number of writes from 0 to 5", got=answer,
             hint="copy the four run names of the question and put after each how many of the 5 writes survive")
    for key, value in answer.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            fail(case=key, input=key, expected="a whole number from 0 to 5", got=value,
                 hint="count the writes that survive: an int")
    letter = need_choice(why, REASONS)
    o = runs()
    holds = reasons_that_hold(o)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"14-predict-conflicts: expected exactly one reason to hold, got {holds}")
    for name in RUNS:
        if answer[name] != o[name].survived:
            fail(case=name, input=f"{name}, seed {SEED}, the five scripted writes", expected=o[name].survived,
                 got=answer[name], hint=f"{_show(o[name])} - ask, for each write, which writes its region had "
                 "received when it was written, and what each resolution keeps")
    if letter != holds[0]:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint="compare the runs write by write: which pairs were concurrent, and which write lost to a write "
                  "its region had already received")
    return ", ".join(f"{n}: {o[n].survived} of 5 survive" for n in RUNS) + f"; why ({letter})"
