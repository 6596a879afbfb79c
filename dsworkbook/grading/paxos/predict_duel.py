"""Exercise ``07-predict-duel``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.paxos import check_consensus, duel
from dsworkbook.grading.core import exercise, fail, need_choice

SEED, UNTIL = 7, 3000.0

#: The four runs the learner predicts: all with fixed 5 ms retries unless said, value size 20,
#: the second proposer 20 ms after the first, 5 ms links of 1 unit/ms, five acceptors.
SCENARIOS: dict[str, dict[str, Any]] = {
    "small-values": {"value_size": 6},
    "big-values": {"value_size": 30, "offset": 26.0},
    "slow-retry": {"retry": 15.0},
    "seven-acceptors": {"acceptors": 7},
}

#: The reasons offered for ``why``; the right one is checked against the runs (see ``_why_truth``).
WHY = {
    "a": "each proposer's next Prepare reaches the acceptors before the other's Accept, which carries the value and "
         "is slower; whether that keeps happening depends on the message delays, the retry delay and the value size",
    "b": "more acceptors make a majority harder to reach, so bigger clusters duel longer",
    "c": "the proposer with the higher id always wins a tie, so a duel ends as soon as both retry at once",
    "d": "two different values can never both be accepted, so one proposer must give up",
}


@lru_cache(maxsize=1)
def _runs() -> dict[str, tuple[bool, int]]:
    out = {}
    for name, kw in SCENARIOS.items():
        report = check_consensus(duel(SEED, backoff="fixed", until=UNTIL, **kw))
        out[name] = (bool(report.decided), report.ballots)
    return out


def _why_truth() -> str:
    """(a), unless the runs contradict it: the cluster size must not matter, the window must.

    Seven acceptors duel exactly like five (refutes b); retries never 'at once' end a duel with
    fixed timing (c); and every duelling run refused Accepts without ever deciding (d is not why).
    """
    runs = _runs()
    assert runs["seven-acceptors"][0] == check_consensus(duel(SEED, backoff="fixed", until=UNTIL)).terminated
    assert runs["small-values"][0] and not runs["big-values"][0]
    return "a"


def _bool(x: Any) -> bool | None:
    if isinstance(x, bool):
        return x
    if isinstance(x, str) and x.strip().lower() in ("yes", "no", "true", "false"):
        return x.strip().lower() in ("yes", "true")
    return None


@exercise("07-predict-duel", title="Predict: do duelling proposers ever agree?", theme="T07", concepts=("P01", "P03"),
          kind="predict", parts=("why",))
def grade_predict_duel(answer: Any, *, why: Any) -> str:
    """A dict: for each of the four runs in ``SCENARIOS``, is a value chosen within 3 s? And ``why`` (a-d).

    Each run is :func:`dsworkbook.consensus.paxos.duel` with fixed retries and the scenario's
    changes from the defaults (seed 7); the grader runs all four and compares.
    """
    question = {name: f"duel(seed={SEED}, backoff='fixed', {', '.join(f'{k}={v}' for k, v in kw.items())}): "
                      "a value chosen within 3 s?" for name, kw in SCENARIOS.items()}
    if (not isinstance(answer, dict) or set(answer) != set(SCENARIOS)
            or any(_bool(v) is None for v in answer.values())):
        fail(case="the form of the answer", input=question,
             expected=f"a dict with the keys {sorted(SCENARIOS)}, each True or False", got=answer,
             hint='for example {"small-values": True, "big-values": False, ...}')
    runs = _runs()
    for name in SCENARIOS:
        got = _bool(answer[name])
        chosen, ballots = runs[name]
        if got != chosen:
            fail(case=f"the run {name!r}", input=question[name], expected=chosen, got=got,
                 hint=f"the run started {ballots} ballots and {'chose a value' if chosen else 'chose none'}. A "
                      "duel lasts while the second proposer's Prepare reaches the acceptors before the first one's "
                      "slow Accept, and the first one's retry comes back before the second one's Accept")
    truth = _why_truth()
    if need_choice(why, WHY) != truth:
        fail(case="the reason (why)", input={k: v for k, v in WHY.items()}, expected=truth, got=why,
             hint="compare the runs: seven acceptors duel exactly like five, while the value size and the retry "
                  "delay decide it")
    summary = ", ".join(f"{name}: {'chosen' if c else 'no value'} ({b} ballots)" for name, (c, b) in runs.items())
    return f"all four right, for the right reason - {summary}"
