"""Exercise ``01-predict-timeout``: what two timeouts tell a client, and what they hide.

The scenario is :func:`dsworkbook.reliability.slow_server_run`: a balance of 100, two
``withdraw 60`` one after the other, each with a single 50 ms attempt, at a server that needs
80 ms per request. The learner predicts what the history records for each withdrawal and the
balance the server ends with, and says why. The grader runs the scenario and reads the truth
from its history, its trace and the server's storage - nothing below is a constant.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import InvariantViolation
from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.reliability import slow_server_run
from dsworkbook.sim import Request, Response, Simulation

__all__ = ["grade_predict_timeout", "WHY_TIMEOUT", "timeout_truth"]

#: The reasons the learner chooses from (the statement lists them as (a)-(d)).
WHY_TIMEOUT = {
    "a": "both requests were lost on the way: a timeout means the server never saw them",
    "b": "the server was slow, not gone: it served both requests after the client had stopped waiting",
    "c": "the server drops a request once the client's timeout has passed",
    "d": "a timeout makes the server undo what it applied for that request",
}
_KEYS = ("first", "second", "balance")
_OUTCOMES = ("ok", "fail", "unknown")
QUESTION = ("balance 100; withdraw 60, then withdraw 60; one 50 ms attempt each; the server needs 80 ms per "
            "request; the network delays every message 5 ms and loses nothing")


def timeout_truth(sim: Simulation) -> tuple[dict[str, Any], str, str]:
    """The prediction's true value, the true reason's letter, and the story of the run - all read from ``sim``."""
    first, second = sim.history[0], sim.history[1]
    balance = sim.storage("server")["value"]
    sent = [r for r in sim.trace.of_kind("send") if r.node == "client" and type(r.detail) is Request]
    lost = [r for r in sim.trace.of_kind("drop") if r.peer == "client"]
    answered = {r.detail.req_id: r.time for r in sim.trace.of_kind("send")
                if r.node == "server" and type(r.detail) is Response}
    served_late = all(answered.get(s.detail.req_id, -1.0) > op.complete_time for s, op in zip(sent, (first, second)))
    if len(sent) != 2 or len(answered) != 2 or not served_late:
        raise InvariantViolation("the slow-server scenario no longer plays out as the question says", seed=sim.seed)
    # lost requests -> (a); delivered and answered after the client gave up -> (b)
    why = "a" if lost else "b"
    refusal = [r.detail.value for r in sim.trace.of_kind("send") if r.node == "server" and type(r.detail) is Response
               and not r.detail.ok]
    story = (f"the run (seed={sim.seed}): the client gave up on the first withdrawal at t={first.complete_time:g} and on "
             f"the second at t={second.complete_time:g}; the server answered them at t="
             f"{', '.join(f'{t:g}' for t in answered.values())} (too late to be heard)"
             + (f", refusing the second: {refusal[0]!r}" if refusal else ""))
    return {"first": first.outcome, "second": second.outcome, "balance": balance}, why, story


def _form(answer: Any, why: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(answer, dict) or set(answer) != set(_KEYS):
        fail(case="the form of the answer", input=QUESTION,
             expected='a dict with the keys "first", "second" and "balance", e.g. '
                      '{"first": "ok", "second": "fail", "balance": 40}',
             got=answer, hint="write the prediction as a dict with exactly those three keys")
    for key in ("first", "second"):
        if answer[key] not in _OUTCOMES:
            fail(case="the form of the answer", input=QUESTION, expected=f'{key!r}: one of "ok", "fail", "unknown"',
                 got=answer[key], hint="an outcome is one of the strings ok, fail, unknown")
    if isinstance(answer["balance"], bool) or not isinstance(answer["balance"], int):
        fail(case="the form of the answer", input=QUESTION, expected='"balance": an int, e.g. 40',
             got=answer["balance"], hint="the balance is a whole number (no quotes)")
    return answer, need_choice(why, WHY_TIMEOUT)  # type: ignore[return-value]


def _hint(answer: dict[str, Any], truth: dict[str, Any], story: str) -> str:
    if "fail" in (answer["first"], answer["second"]):
        return (f"{story}. The client heard nothing before its timeouts: 'fail' would claim the withdrawal did not "
                "happen, and the client cannot know that")
    if "ok" in (answer["first"], answer["second"]):
        return f"{story}. No reply reached the client before its timeout, so it cannot report success"
    if answer["balance"] == 100:
        return f"{story}. Silence is not a refusal: the server did see the requests"
    if answer["balance"] < 0:
        return f"{story}. A withdraw larger than the balance is refused, not applied"
    return story


@exercise("01-predict-timeout", title="Predict: what two timeouts tell the client", theme="T01", concepts=("N03",),
          kind="predict", parts=("why",))
def grade_predict_timeout(answer: Any, *, why: Any) -> str:
    """A dict ``{"first": outcome, "second": outcome, "balance": int}`` and a letter ``why``.

    See the module docstring. Outcomes are ``"ok"``, ``"fail"`` or ``"unknown"``; why is one of
    :data:`WHY_TIMEOUT`'s letters.
    """
    answer, letter = _form(answer, why)
    sim = slow_server_run()
    truth, true_why, story = timeout_truth(sim)
    if answer != truth:
        fail(case=f"the scenario, run with seed={sim.seed}", input=QUESTION, expected=truth, got=answer,
             hint=_hint(answer, truth, story))
    if letter != true_why:
        fail(case=f"why, from the run with seed={sim.seed}", input="the reasons (a)-(d)",
             expected=f"({true_why}) {WHY_TIMEOUT[true_why]}", got=f"({letter}) {WHY_TIMEOUT[letter]}",
             hint=f"{story}: nothing was lost, and a server never hears about a client's timeout")
    applied = len(sim.trace.notes("server", "applied"))
    return (f"{story}. The client recorded {truth['first']!r} and {truth['second']!r}, yet the server applied "
            f"{applied} of the two withdrawals and ended at {truth['balance']}: a timeout does not tell the client "
            "what happened")
