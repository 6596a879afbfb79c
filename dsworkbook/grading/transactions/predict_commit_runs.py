"""Exercise ``13-predict-commit-runs``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.sim import DOWN, Simulation
from dsworkbook.transactions.threephase import three_pc_sim
from dsworkbook.transactions.twophase import commit_sim, participant_states

SEED = 41
RMS = ("rm1", "rm2", "rm3", "rm4")
HEAL_AT = 1500.0
END = 3000.0
ENDS = ("committed", "aborted", "blocked", "split")
RUNS = ("2PC, coordinator crash", "3PC, coordinator crash", "2PC, partition", "3PC, partition")
REASONS = {
    "a": "a participant that voted yes in 2PC may not decide without the coordinator, so it waits - forever if the "
         "coordinator never returns - but never disagrees; 3PC's participants decide without the coordinator by a "
         "rule on the states they can reach, which is right when the silent node crashed and wrong when it is only "
         "cut off",
    "b": "in the 3PC crash run the participants abort because none of them had voted yes when the coordinator "
         "crashed",
    "c": "cooperative termination lets 2PC's participants finish without the coordinator when it crashes",
    "d": "under the partition the cut-off participant aborts after its timeout in both protocols",
}


@dataclass
class Run:
    """One run: each participant's state when the fault struck and at the end."""
    name: str
    at: float
    before: dict[str, str]
    after: dict[str, str]

    @property
    def end(self) -> str:
        return end_of(self.after)


def end_of(states: dict[str, str]) -> str:
    """committed / aborted everywhere, split (both somewhere), else blocked (someone still undecided)."""
    values = set(states.values())
    if values == {"committed"}:
        return "committed"
    if values == {"aborted"}:
        return "aborted"
    if {"committed", "aborted"} <= values:
        return "split"
    return "blocked"


def _two(seed: int) -> Simulation:
    return commit_sim(seed, participants=len(RMS), cooperative=True, trace=False)


def _three(seed: int) -> Simulation:
    return three_pc_sim(seed, participants=len(RMS), trace=False)


def crash_run(name: str, make: Callable[[int], Simulation], seed: int = SEED) -> Run:
    """The coordinator crashes in the handler of the last yes vote, before any of its effects; never restarts."""
    sim = make(seed)
    sim.run(until=1.5)  # Prepare sent; the coordinator's next handler with effects is the last yes vote
    sim.crash_within("tm", 0)
    while sim.status("tm") != DOWN and sim.step():
        pass
    at, before = sim.now, participant_states(sim, RMS, "t1")
    sim.run(until=END)
    return Run(name, at, before, participant_states(sim, RMS, "t1"))


def partition_run(name: str, make: Callable[[int], Simulation], seed: int = SEED) -> Run:
    """rm4 is cut off from everyone when the coordinator has its yes vote; healed at HEAL_AT."""
    sim = make(seed)
    tm = sim.node("tm")
    while "rm4" not in getattr(tm, "votes", {}).get("t1", set()) and sim.step():
        pass
    at, before = sim.now, participant_states(sim, RMS, "t1")
    sim.net.isolate("rm4")
    sim.at(HEAL_AT, sim.net.heal)
    sim.run(until=END)
    return Run(name, at, before, participant_states(sim, RMS, "t1"))


def runs(seed: int = SEED) -> dict[str, Run]:
    return {RUNS[0]: crash_run(RUNS[0], _two, seed), RUNS[1]: crash_run(RUNS[1], _three, seed),
            RUNS[2]: partition_run(RUNS[2], _two, seed), RUNS[3]: partition_run(RUNS[3], _three, seed)}


def reasons_that_hold(r: dict[str, Run]) -> list[str]:
    """Which of :data:`REASONS` the four runs bear out."""
    two = (r[RUNS[0]], r[RUNS[2]])  # the runs with two-phase commit
    holds = []
    if (r[RUNS[0]].end == "blocked" and all(x.end != "split" for x in two)
            and r[RUNS[1]].end in ("committed", "aborted") and r[RUNS[3]].end == "split"):
        holds.append("a")
    if r[RUNS[1]].end == "aborted" and "prepared" not in r[RUNS[1]].before.values():
        holds.append("b")
    if r[RUNS[0]].end != "blocked":
        holds.append("c")
    if all(x.after["rm4"] == "aborted" for x in (r[RUNS[2]], r[RUNS[3]])):
        holds.append("d")
    return holds


def _show(run: Run) -> str:
    return f"at t={run.at:.1f} ms the participants were {run.before}; at t={END:g} ms: {run.after}"


@exercise("13-predict-commit-runs", title="Predict: 2PC and 3PC under a coordinator crash and under a partition",
          theme="T13", concepts=("X01", "X02"), kind="predict", parts=("why",))
def grade_predict_commit_runs(answer: Any, *, why: Any) -> str:
    """A dict from each of the four runs to its end - ``committed``, ``aborted``, ``blocked`` or
    ``split`` - and ``why``, the reason the runs bear out.

    The truth is measured by running the four scenarios (seed 41, four participants) with
    ``commit_sim`` and ``three_pc_sim``; so is the reason (what each participant held when the
    fault struck, and how each run ended).
    """
    if not isinstance(answer, dict) or set(answer) != set(RUNS):
        fail(case="the form of the answer", input=f"runs {list(RUNS)}",
             expected=f"a dict with exactly these keys, each one of {list(ENDS)}", got=answer,
             hint="copy the four run names of the question and put one end state after each")
    for key, value in answer.items():
        if value not in ENDS:
            fail(case=key, input=key, expected=f"one of {list(ENDS)}", got=value,
                 hint="name the end with one of the four words the statement defines")
    letter = need_choice(why, REASONS)
    r = runs()
    holds = reasons_that_hold(r)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"13-predict-commit-runs: expected exactly one reason to hold, got {holds}")
    for name in RUNS:
        if answer[name] != r[name].end:
            fail(case=name, input=f"{name}, seed {SEED}, four participants", expected=r[name].end, got=answer[name],
                 hint=f"{_show(r[name])} - ask who may decide while the coordinator is silent, and by what rule")
    if letter != holds[0]:
        fail(case="why", input="the reasons " + ", ".join(f"({k})" for k in REASONS),
             expected="the reason the runs bear out", got=f"({letter}) {REASONS[letter]}",
             hint="compare the two protocols run by run: what the participants held when the fault struck, and "
                  "what rm4 ended with once the partition healed")
    return ", ".join(f"{n}: {r[n].end}" for n in RUNS) + f"; why ({letter})"
