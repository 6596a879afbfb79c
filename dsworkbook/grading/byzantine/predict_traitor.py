"""Exercise ``08-predict-traitor``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import functools
from typing import Any

from dsworkbook.consensus.pbft.cluster import check_pbft, honest_replicas, pbft_sim
from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice
from dsworkbook.sim import Simulation

SEED = 57
UNTIL = 4000.0
#: the runs the question asks about: (f, traitors, strategy, variant); seed 57, 4 s of simulated time
RUNS: dict[str, tuple[int, tuple[str, ...], str, str]] = {
    "n=4, r0 equivocates": (1, ("r0",), "equivocate", "correct"),
    "n=4, f+1 thresholds, r0 equivocates": (1, ("r0",), "equivocate", "prepare_f_plus_1"),
    "n=4, f+1 thresholds, r2 equivocates": (1, ("r2",), "equivocate", "prepare_f_plus_1"),
    "n=4, f+1 thresholds, r1 lies": (1, ("r1",), "lie", "prepare_f_plus_1"),
    "n=3, r0 equivocates": (1, ("r0",), "equivocate", "n_3f"),
    "n=4, first-reply client, r2 forges": (1, ("r2",), "forge", "accept_first"),
    "n=4, first-reply client, r0 equivocates": (1, ("r0",), "equivocate", "accept_first"),
    "n=7, r0 and r1 equivocate": (2, ("r0", "r1"), "equivocate", "correct"),
}
#: the run the `why` asks about
WHY_RUN = "n=4, f+1 thresholds, r0 equivocates"
REASONS = {
    "a": "r0 sent two different pre-prepares for one sequence number; counting f+1 = 2 matching messages, the "
         "pre-prepare and a single prepare were enough to prepare each digest at a different honest replica, and "
         "those replicas executed different requests at that number",
    "b": "r0 signed messages in the names of honest replicas, and the honest replicas counted them",
    "c": "the client accepted the first reply it got, which came from r0",
    "d": "the network lost messages, so some honest replicas never saw the pre-prepare",
}


@functools.lru_cache(maxsize=None)
def run(question: str) -> Simulation:
    f, traitors, strategy, variant = RUNS[question]
    sim = pbft_sim(SEED, f=f, traitors=list(traitors), strategy=strategy, variant=variant)
    sim.run(until=UNTIL)
    return sim


def broken(question: str) -> list[str]:
    return check_pbft(run(question))


def reasons_that_hold(sim: Simulation) -> list[str]:
    """Which of :data:`REASONS` the run bears out, read from its checks, replicas and trace."""
    problems = check_pbft(sim)
    honest = [sim.node(r) for r in honest_replicas(sim)]
    holds = []
    if (any(p.startswith("agreement broken") for p in problems) and any(r.evidence for r in honest)
            and sim.pbft["cabal"].split and honest[0].q.prepares == 1):  # type: ignore[attr-defined]
        holds.append("a")
    if any(r.rejected["bad signature"] for r in honest):
        holds.append("b")
    if any(p.startswith("client validity broken") for p in problems):
        holds.append("c")
    if sim.trace.faults:  # the network of these runs loses nothing unless a fault is scheduled
        holds.append("d")
    return holds


def truth() -> tuple[dict[str, bool], str]:
    answer = {q: bool(broken(q)) for q in RUNS}
    holds = reasons_that_hold(run(WHY_RUN))
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"08-predict-traitor: expected exactly one reason to hold in {WHY_RUN!r}, got {holds}")
    return answer, holds[0]


@exercise("08-predict-traitor", title="Predict: which traitors break safety?", theme="T08", concepts=("B03", "B01"),
          kind="predict", parts=("why",))
def grade_predict_traitor(answer: Any, *, why: Any) -> str:
    """A dict from each run of :data:`RUNS` to a bool (is agreement among honest replicas, or the
    validity of what a client accepted, broken?), and a letter ``why`` (of :data:`REASONS`) for
    :data:`WHY_RUN`. The grader runs all eight (seed 57, 4 s of simulated time) and reads the
    truth off :func:`~dsworkbook.consensus.pbft.cluster.check_pbft` and the replicas.
    """
    need_bool_table(answer, RUNS, meaning="a safety property was broken")
    why = need_choice(why, REASONS)
    expected, reason = truth()
    for q in RUNS:
        if answer[q] != expected[q]:
            problems = broken(q)
            fail(case=f"{q} (seed {SEED})", input="is agreement or client validity broken?", expected=expected[q],
                 got=answer[q],
                 hint=("the run broke: " + problems[0]) if problems else
                      "the run kept agreement and client validity: with 2f+1-replica certificates two quorums share an "
                      "honest replica, a backup's lies cannot make a certificate alone, and a client that waits for "
                      "f+1 matching replies hears at least one honest one")
    if why != reason:
        fail(case=f"why, {WHY_RUN}", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: were any signatures rejected, did the network drop anything, "
                  "and which property broke - agreement among replicas or what the client accepted?")
    shown = "; ".join(f"{q}: {'broken' if v else 'safe'}" for q, v in expected.items())
    return f"seed {SEED}: {shown}; why: ({reason}) holds in the run"
