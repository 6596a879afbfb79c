"""Exercise ``01-predict-retry``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import InvariantViolation
from dsworkbook.grading.core import exercise, fail
from dsworkbook.reliability import lost_reply_run


def _int_answer(answer: Any, question: str) -> int:
    if isinstance(answer, bool) or not isinstance(answer, int):
        fail(case="the form of the answer", input=question, expected="an int, e.g. 3", got=answer,
             hint="answer with a whole number (no quotes)")
    return answer


@exercise("01-predict-retry", title="Predict: a retry without an idempotency key", theme="T01",
          concepts=("N03", "N04"), kind="predict")
def grade_predict_retry(answer: Any) -> str:
    """An int: the counter's value after the scenario.

    A client sends ``incr 1`` to a counter (starting at 0) with no idempotency keys. The request
    arrives and is applied, but the reply is lost; after its timeout the client sends it again
    and gets a reply. The grader runs exactly this in the simulator and reads the counter.
    """
    question = "a counter at 0; incr 1 applied, reply lost, retried after the timeout, reply received"
    sim = lost_reply_run()
    truth = sim.storage("server")["value"]
    applied = [r.time for r in sim.trace.of_kind("note") if r.node == "server" and "applied" in r.detail]
    dropped = [r.time for r in sim.trace.of_kind("drop") if r.node == "client"]
    sends = [r for r in sim.trace.of_kind("send") if r.node == "client"]
    op = sim.history[0]
    if not (applied and dropped and applied[0] <= dropped[0] and len(sends) == 2 and op.outcome == "ok"):
        raise InvariantViolation("the lost-reply scenario no longer plays out as the question says", seed=sim.seed)
    got = _int_answer(answer, question)
    story = (f"the run (seed={sim.seed}) applied the increment at t={applied[0]:.1f}, dropped the reply at "
             f"t={dropped[0]:.1f}, and applied the retry at t={applied[-1]:.1f}")
    if got != truth:
        fail(case=f"the scenario, run with seed={sim.seed}", input=question, expected=truth, got=got,
             hint=f"{story}: without an idempotency key the server cannot tell a retry from a new request")
    return (f"{story}; the client was told '{op.outcome} {op.output}' for ONE logical increment: "
            f"the counter holds {truth}")
