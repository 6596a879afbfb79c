"""Exercise ``02-predict-stale``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.storage.quorum import stale_reads, worst_case

QUESTIONS = {"N=5 W=3 R=2": (5, 2, 3), "N=5 W=3 R=3": (5, 3, 3), "N=3 W=1 R=3": (3, 3, 1),
             "N=3 W=2 R=1": (3, 1, 2)}


def truth() -> dict[str, tuple[bool, Any]]:
    """Run the worst case of every question; True where it produced a stale read."""
    out = {}
    for q, (n, r, w) in QUESTIONS.items():
        sim = worst_case(n, r, w)
        out[q] = (bool(stale_reads(sim.history)), sim)
    return out


@exercise("02-predict-stale", title="Predict: can this read be stale?", theme="T02", concepts=("Q03",),
          kind="predict")
def grade_predict_stale(answer: Any) -> str:
    """A dict ``{"N=5 W=3 R=2": bool, "N=5 W=3 R=3": bool, "N=3 W=1 R=3": bool, "N=3 W=2 R=1": bool}``.

    For each setting: can a read that starts after a write was acknowledged miss that write
    (no hinted handoff, no repair)? The grader runs the adversary's schedule for each
    (:func:`dw.storage.quorum.worst_case`: the write reaches exactly W replicas, the read hears
    exactly R) and reads the answer off the run.
    """
    if not isinstance(answer, dict) or set(answer) != set(QUESTIONS):
        fail(case="the form of the answer", input=f"settings {list(QUESTIONS)}",
             expected="a dict with exactly these keys, each True or False", got=answer,
             hint="copy the dict of the question and put True or False after each setting")
    runs = truth()
    for q, (stale, sim) in runs.items():
        got = answer[q]
        if not isinstance(got, bool):
            fail(case=q, input=q, expected="True or False", got=got, hint="answer with a bool")
        if got != stale:
            n, r, w = QUESTIONS[q]
            read = [op for op in sim.history if op.f == "read"][0]
            fail(case=f"{q} (worst case, seed {sim.seed})", input="can a read miss an acknowledged write?",
                 expected=stale, got=got,
                 hint=f"the write reached {w} of {n} replicas and the read heard {r}: they share at least "
                      f"max(0, R + W - N) = {max(0, r + w - n)} replica(s); in the run the read returned "
                      f"{read.output!r}")
    return "; ".join(f"{q}: {'stale read seen' if s else 'never stale'}" for q, (s, _) in runs.items()) + \
        " (worst-case runs, seed 1)"
