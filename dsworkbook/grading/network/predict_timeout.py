"""Exercise ``01-predict-timeout``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.errors import InvariantViolation
from dsworkbook.grading.core import exercise, fail
from dsworkbook.reliability import TIMEOUT_CAUSES, client_view, timeout_scenario


TIMEOUT_CHOICES = {"a": "the request was lost", "b": "the server crashed", "c": "the reply was lost",
                   "d": "the server is slow", "e": "any of these: the client cannot tell"}


def _timeout_scenario(letter: str, seed: int) -> tuple[tuple, int]:
    """Run one cause of a timeout; return what the client observed, and how often the server applied it."""
    sim = timeout_scenario(TIMEOUT_CAUSES["abcd".index(letter)], seed)
    applied = len(sim.trace.notes("server", "applied"))
    return client_view(sim), applied


@exercise("01-predict-timeout", title="Predict: what a timeout tells you", theme="T01", concepts=("N03",),
          kind="predict")
def grade_predict_timeout(answer: Any) -> str:
    """A letter: "A client's request timed out. What do you know?"

    (a) the request was lost (b) the server crashed (c) the reply was lost (d) the server is
    slow (e) any of these: the client cannot tell. The grader runs the four causes in the
    simulator and compares what the client observed in each.
    """
    seed = 62
    runs = {letter: _timeout_scenario(letter, seed) for letter in "abcd"}
    if len({seen for seen, _ in runs.values()}) != 1:
        raise InvariantViolation("the four causes of a timeout no longer look alike to the client", seed=seed)
    truth = "e"  # the client's observations were identical in all four runs (checked just above)
    text = answer.strip().strip("().").lower() if isinstance(answer, str) else None
    if text not in TIMEOUT_CHOICES:
        fail(case="the form of the answer", input="choices a-e", expected="one letter, e.g. 'a'", got=answer,
             hint="answer with the letter of your choice as a string")
    applied = [TIMEOUT_CHOICES[k] for k, (_, n) in runs.items() if n]
    if text != truth:
        fail(case=f"four runs with seed={seed}", input="A client's request timed out. What do you know?",
             expected=f"({truth}) {TIMEOUT_CHOICES[truth]}", got=f"({text}) {TIMEOUT_CHOICES[text]}",
             hint=f"the client saw exactly the same thing in all four runs (a request, silence, its timeout), yet "
                  f"the server applied the request in some ({', '.join(applied)}) and not in others")
    return (f"in 4 runs (seed={seed}: lost request, crashed server, lost reply, slow server) the "
            f"client saw the same request-silence-timeout; the server applied it in {len(applied)} of them "
            f"({', '.join(applied)}), so the op is 'unknown'")
