"""Exercise ``02-predict-stale``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, need_bool_table, need_choice
from dsworkbook.sim import Simulation
from dsworkbook.storage.ap import GetReply, Put, PutAck
from dsworkbook.storage.quorum import skewed_lww, stale_reads, worst_case

#: The runs the question asks about: the adversary's schedule for four N/W/R settings, and one
#: run of strict quorums with a fast clock (the statement describes each).
RUNS: dict[str, Callable[[], Simulation]] = {
    "N=4 W=2 R=3": lambda: worst_case(4, 3, 2),
    "N=6 W=3 R=3": lambda: worst_case(6, 3, 3),
    "N=7 W=1 R=7": lambda: worst_case(7, 7, 1),
    "N=20 W=11 R=10": lambda: worst_case(20, 10, 11),
    "N=3 W=2 R=2, n1's clock 300 ms ahead": lambda: skewed_lww(3, 2, 2, skew=300.0),
}
#: The run the `why` asks about.
WHY_RUN = "N=3 W=2 R=2, n1's clock 300 ms ahead"
#: The reasons offered for it.
REASONS = {
    "a": "the quorums missed each other: the read's replies came only from replicas that had not acknowledged "
         "x = 2",
    "b": "last write wins compared the coordinators' clocks: x = 1, stamped by n1's clock 300 ms ahead, outranks "
         "x = 2, so the replicas kept x = 1 and the read returned it",
    "c": "x = 2 was never acknowledged, so the read did not have to see it",
    "d": "read repair overwrote x = 2 with x = 1 on the replicas before the read began",
    "e": "nothing went wrong: the read's quorum met a replica holding x = 2 and returned it, as R + W > N promises",
}


def _sent(sim: Simulation, kind: type, src: str | None = None) -> list[tuple[float, str, str, Any]]:
    return [(r[0], r[2], r[3], r[5]) for r in sim.trace.records
            if r[1] == "send" and type(r[5]) is kind and (src is None or r[2] == src)]


def reasons_that_hold(sim: Simulation) -> list[str]:
    """Which of :data:`REASONS` the skewed run bears out, read from its history and trace.

    In :func:`~dsworkbook.storage.quorum.skewed_lww` ``n2`` coordinates ``x = 2`` and ``n3`` the
    read; a coordinator answers itself without the network, so it counts as acknowledging and
    replying.
    """
    ops = {op.process: op for op in sim.history}
    w1, w2, read = ops["c1"], ops["c2"], ops["c3"]
    put2 = next(d for _t, _s, _d, d in _sent(sim, Put) if d.item.value == 2)
    acked2 = {"n2"} | {src for _t, src, _dst, d in _sent(sim, PutAck) if d.op == put2.op}
    answered = {"n3"} | {src for t, src, dst, _d in _sent(sim, GetReply)
                         if dst == "n3" and t <= (read.complete_time or float("inf"))}
    kept = [sim.node(r).data.get("x") for r in sim.node_ids if r.startswith("n")]
    holds = []
    if not acked2 & answered:
        holds.append("a")
    if (w1.outcome == "ok" and w1.complete_time < w2.invoke_time and read.output == 1
            and all(v is not None and v.value == 1 and v.stamp > put2.item.stamp for v in kept)):
        holds.append("b")
    if w2.outcome != "ok":
        holds.append("c")
    if any(r[0] < read.invoke_time for r in sim.trace.notes(key="read_repair")):
        holds.append("d")
    if read.output == 2 and acked2 & answered:
        holds.append("e")
    return holds


def truth() -> tuple[dict[str, bool], str, dict[str, Simulation]]:
    """Run every scenario: was its read stale? and which reason explains the skewed run."""
    sims = {q: make() for q, make in RUNS.items()}
    stale = {q: bool(stale_reads(sim.history)) for q, sim in sims.items()}
    holds = reasons_that_hold(sims[WHY_RUN])
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"02-predict-stale: expected exactly one reason to hold in {WHY_RUN!r}, got {holds}")
    return stale, holds[0], sims


def _read(sim: Simulation) -> Any:
    return next(op for op in sim.history if op.f == "read")


@exercise("02-predict-stale", title="Predict: can this read be stale?", theme="T02", concepts=("Q03",),
          kind="predict", parts=("why",))
def grade_predict_stale(answer: Any, *, why: Any) -> str:
    """A dict from each run of :data:`RUNS` to a bool (was the read stale?), and a letter ``why``.

    Four runs are the adversary's schedule (:func:`~dsworkbook.storage.quorum.worst_case`): the
    write reaches exactly the first ``W`` of ``N`` replicas and nothing repairs the others, then
    a read hears exactly the last ``R``. The fifth is :func:`~dsworkbook.storage.quorum.skewed_lww`:
    strict quorums (N=3, R=W=2), two writes one after the other, the first coordinated by a
    replica whose clock runs 300 ms ahead, then a read. ``why`` picks the reason (of
    :data:`REASONS`) that the fifth run bears out. The grader runs all five and reads the truth
    off the histories and the trace.
    """
    need_bool_table(answer, RUNS, meaning="the read was stale")
    why = need_choice(why, REASONS)
    stale, reason, sims = truth()
    for q in RUNS:
        if answer[q] != stale[q]:
            sim = sims[q]
            read = _read(sim)
            if q == WHY_RUN:
                hint = ("R + W > N, so the read did hear a replica that acknowledged x = 2 - yet it returned "
                        f"{read.output!r}: look at which version each replica kept, and why")
            else:
                n, w, r = (int(part.split("=")[1]) for part in q.split())
                hint = (f"the write reached {w} of {n} replicas and the read heard {r}: any {r} and any {w} of {n} "
                        f"share at least max(0, R + W - N) = {max(0, r + w - n)} replica(s)")
            fail(case=f"{q} (seed {sim.seed})", input="was the read stale?", expected=stale[q], got=answer[q],
                 hint=f"{hint}; in the run the read returned {read.output!r}")
    if why != reason:
        fail(case=f"why, {WHY_RUN}", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: look at who acknowledged x = 2, who answered the read, "
                  "and which version each replica kept")
    runs = "; ".join(f"{q}: {'stale' if s else 'not stale'} (read {_read(sims[q]).output!r})" for q, s in stale.items())
    return f"{runs}; why: ({reason}) holds in the run"
