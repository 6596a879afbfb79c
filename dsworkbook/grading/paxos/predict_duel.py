"""Exercise ``07-predict-duel``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.paxos import check_consensus, duel
from dsworkbook.grading.core import exercise, fail

QUESTION = ("two proposers of 20-unit values, the second starting 20 ms after the first, 5 ms links, bandwidth "
            "1 unit/ms: is a value chosen within 3 s (a) when a refused proposer retries after a fixed 5 ms, "
            "(b) after a random wait?")


@lru_cache(maxsize=1)
def _truth() -> tuple[tuple[bool, int], tuple[bool, int]]:
    out = []
    for backoff in ("fixed", "random"):
        report = check_consensus(duel(7, backoff=backoff, until=3000.0))
        out.append((bool(report.decided), report.ballots))
    return out[0], out[1]


def _bool(x: Any) -> bool | None:
    if isinstance(x, bool):
        return x
    if isinstance(x, str) and x.strip().lower() in ("yes", "no", "true", "false"):
        return x.strip().lower() in ("yes", "true")
    return None


@exercise("07-predict-duel", title="Predict: do duelling proposers ever agree?", theme="T07", concepts=("P01", "P03"),
          kind="predict")
def grade_predict_duel(answer: Any) -> str:
    """A pair of booleans: (a value is chosen with fixed retries, a value is chosen with random retries).

    The setting is :func:`dsworkbook.consensus.paxos.duel` with its defaults (seed 7) for 3 s;
    the grader runs both and compares.
    """
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2) or None in map(_bool, answer):
        fail(case="the form of the answer", input=QUESTION, expected="(True, False) or similar: two booleans",
             got=answer, hint="answer with a pair: (chosen with fixed retries?, chosen with random retries?)")
    got = tuple(_bool(x) for x in answer)
    (fixed, fixed_ballots), (rand, rand_ballots) = _truth()
    if got != (fixed, rand):
        fail(case="the duel, seed 7, 3 s", input=QUESTION, expected=(fixed, rand), got=got,
             hint=f"the runs: fixed retries - {fixed_ballots} ballots, {'a value chosen' if fixed else 'none chosen'}; "
                  f"random retries - {rand_ballots} ballots, {'a value chosen' if rand else 'none chosen'}. Each new "
                  "Prepare overtakes the other proposer's slow Accept unless something breaks the rhythm")
    return (f"fixed retries: {fixed_ballots} ballots and no value chosen - a duel that never ends (FLP); random "
            f"retries: chosen after {rand_ballots} ballots")
