"""Exercise ``06-predict-batching``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dsworkbook.consensus.raft.perf import MODES, replication_table
from dsworkbook.grading.core import exercise, fail

LETTERS = dict(zip("abcd", MODES))
QUESTION = ("20 clients, 5 servers, FIFO links of 2-6 ms: (a) stop-and-wait, (b) batching (32 entries), (c) "
            "pipelining (8 requests in flight), (d) both. Which answers the most commands per second, and which "
            "sends the fewest messages per command?")


def _letters(answer: Any) -> tuple[str, str]:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        fail(case="the form of the answer", input=QUESTION, expected='two letters, e.g. ("a", "c")', got=answer,
             hint="answer with a pair: (the most commands per second, the fewest messages per command)")
    out = tuple(str(x).strip().strip("()").lower() for x in answer)
    if any(x not in LETTERS for x in out):
        fail(case="the form of the answer", input=QUESTION, expected="letters among a, b, c, d", got=answer,
             hint="a = stop-and-wait, b = batching, c = pipelining, d = both")
    return out  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _table() -> Any:
    return replication_table(1, clients=20, duration=1500.0)


@exercise("06-predict-batching", title="Predict: batching and pipelining", theme="T06", concepts=("F05",),
          kind="predict")
def grade_predict_batching(answer: Any) -> str:
    """A pair of letters: (the mode with the most commands per second, the mode with the fewest messages per command).

    The modes: (a) stop-and-wait, (b) batching, (c) pipelining, (d) batching + pipelining. The
    grader runs all four on seed 1 with 20 closed-loop clients
    (:func:`dsworkbook.consensus.raft.perf.replication_table`) and reads the answer off the table.
    """
    fastest, leanest = _letters(answer)
    table = _table()
    best = table["commands/s"].idxmax()
    fewest = table["messages/command"].idxmin()
    truth = (next(k for k, v in LETTERS.items() if v == best), next(k for k, v in LETTERS.items() if v == fewest))
    rows = "; ".join(f"{k} {v}: {table.loc[v, 'commands/s']:.0f}/s, {table.loc[v, 'messages/command']:.1f} msgs/cmd"
                     for k, v in LETTERS.items())
    if (fastest, leanest) != truth:
        fail(case="the four modes, seed 1, 20 clients", input=QUESTION, expected=truth, got=(fastest, leanest),
             hint=f"the run gave {rows}. Stop-and-wait moves one entry per round trip; a batch carries everything "
                  "pending in one message; pipelining keeps the link busy but sends one message per entry")
    return f"right: {rows}"
