"""Exercise ``01-predict-retry``: retries without idempotency keys against a paused server.

The scenario is :func:`dsworkbook.reliability.paused_server_run`: ``incr 5`` with no idempotency
key, 4 attempts of 30 ms each with full-jitter backoff (base 10 ms, cap 100 ms), while the server
sits in a 300 ms stop-the-world pause that began before the first request arrived. The learner
predicts the counter at the end and the outcome the history records, and says why. The grader
runs the scenario and reads the truth from its trace, history and the server's storage.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import InvariantViolation
from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.reliability import paused_server_run
from dsworkbook.sim import Request, Simulation

__all__ = ["grade_predict_retry", "WHY_RETRY", "retry_truth"]

#: The reasons the learner chooses from (the statement lists them as (a)-(d)).
WHY_RETRY = {
    "a": "the network duplicated the request, and the server applied every copy",
    "b": "every attempt was a new request to the server, and it applied them all when the pause ended",
    "c": "the server applied only the last attempt, which replaced the earlier ones",
    "d": "the client's timeouts cancelled the earlier attempts before the server woke",
}
_KEYS = ("counter", "outcome")
_OUTCOMES = ("ok", "fail", "unknown")
QUESTION = ("a counter at 0; incr 5 without an idempotency key; 4 attempts in all, 30 ms each, full-jitter backoff "
            "(base 10 ms, cap 100 ms); the server is paused from t=2 to t=302; every message takes 5 ms, none is lost")


def retry_truth(sim: Simulation) -> tuple[dict[str, Any], str, str]:
    """The prediction's true value, the true reason's letter, and the story of the run - all read from ``sim``."""
    op = sim.history[0]
    sends = [r for r in sim.trace.of_kind("send") if r.node == "client" and type(r.detail) is Request]
    copies = [r for r in sim.trace.of_kind("duplicate")]
    applied = [r for r in sim.trace.notes("server", "applied")]
    resumed = [r.time for r in sim.trace.of_kind("fault") if r.node == "server" and r.detail == "resume"]
    if not (resumed and op.complete_time is not None and op.complete_time < resumed[0] and sends):
        raise InvariantViolation("the paused-server scenario no longer plays out as the question says", seed=sim.seed)
    if copies:
        why = "a"
    elif len(applied) == len(sends):
        why = "b"  # each attempt applied once, all after the client had given up
    else:
        why = "c" if len(applied) == 1 else "d"
    story = (f"the run (seed={sim.seed}): the client sent {len(sends)} attempts at t="
             f"{', '.join(f'{r.time:.1f}' for r in sends)}, gave up at t={op.complete_time:.1f} ('{op.outcome}'), "
             f"and the server, waking at t={resumed[0]:g}, applied {len(applied)} increments")
    return {"counter": sim.storage("server")["value"], "outcome": op.outcome}, why, story


def _form(answer: Any, why: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(answer, dict) or set(answer) != set(_KEYS):
        fail(case="the form of the answer", input=QUESTION,
             expected='a dict with the keys "counter" and "outcome", e.g. {"counter": 5, "outcome": "ok"}',
             got=answer, hint="write the prediction as a dict with exactly those two keys")
    if isinstance(answer["counter"], bool) or not isinstance(answer["counter"], int):
        fail(case="the form of the answer", input=QUESTION, expected='"counter": an int, e.g. 5',
             got=answer["counter"], hint="the counter is a whole number (no quotes)")
    if answer["outcome"] not in _OUTCOMES:
        fail(case="the form of the answer", input=QUESTION, expected='"outcome": one of "ok", "fail", "unknown"',
             got=answer["outcome"], hint="an outcome is one of the strings ok, fail, unknown")
    return answer, need_choice(why, WHY_RETRY)  # type: ignore[return-value]


def _hint(answer: dict[str, Any], truth: dict[str, Any], story: str) -> str:
    if answer["outcome"] != truth["outcome"]:
        return (f"{story}. No reply came before the last attempt timed out, so the client could not say ok; "
                "and silence is not a refusal, so not fail either")
    if answer["counter"] in (0, 5):
        return (f"{story}. A paused server is not a dead one: the requests wait in its queue, and without a key "
                "it cannot tell a retry from a new increment")
    return story


@exercise("01-predict-retry", title="Predict: retries without idempotency keys meet a paused server", theme="T01",
          concepts=("N03", "N04"), kind="predict", parts=("why",))
def grade_predict_retry(answer: Any, *, why: Any) -> str:
    """A dict ``{"counter": int, "outcome": "ok" | "fail" | "unknown"}`` and a letter ``why``.

    See the module docstring; why is one of :data:`WHY_RETRY`'s letters.
    """
    answer, letter = _form(answer, why)
    sim = paused_server_run()
    truth, true_why, story = retry_truth(sim)
    if answer != truth:
        fail(case=f"the scenario, run with seed={sim.seed}", input=QUESTION, expected=truth, got=answer,
             hint=_hint(answer, truth, story))
    if letter != true_why:
        fail(case=f"why, from the run with seed={sim.seed}", input="the reasons (a)-(d)",
             expected=f"({true_why}) {WHY_RETRY[true_why]}", got=f"({letter}) {WHY_RETRY[letter]}",
             hint=f"{story}; the network duplicated nothing, and a server never hears about a client's timeout")
    return (f"{story}: one logical increment of 5, applied {truth['counter'] // 5} times, and the client was "
            f"told '{truth['outcome']}'")
