"""Exercise ``06-predict-batching``: batching or pipelining on slow links at light load, and why (F05).

Theory of operation
-------------------
A scenario the themed notebook does not run: five servers on FIFO links of 10-30 ms (a cluster
spread over several sites), 8 closed-loop clients, seed 3. The grader runs the four replication
modes (:func:`~dsworkbook.consensus.raft.perf.replication_table`) and reads the two answers off
the table: which of batching alone and pipelining alone gives the lower p50 latency, and which
of the four modes sends the fewest messages per command.

The reason (``why``) is graded from the same table: each lettered reason of :data:`REASONS`
states something measurable (how many entries an AppendEntries carried, how many messages a
command cost, which latency was lower), and the right reason is the one the run bears out.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from dsworkbook.consensus.raft.perf import MODES, replication_table
from dsworkbook.grading.core import exercise, fail, need_choice

LETTERS = dict(zip("abcd", MODES))
SEED, CLIENTS, LATENCY, DURATION = 3, 8, (10, 30), 1500.0
QUESTION = ("8 clients, 5 servers, FIFO links of 10-30 ms, seed 3: (1) which gives the lower p50 latency, (b) batching "
            "or (c) pipelining? (2) which of (a) stop-and-wait, (b) batching, (c) pipelining, (d) both sends the "
            "fewest messages per command?")

Table = Any

#: letter -> (the reason as the statement words it, when the run bears it out)
REASONS: dict[str, tuple[str, Callable[[Table], bool]]] = {
    "a": ("pipelining sends fewer messages per command, so the links are less loaded",
          lambda t: t.loc["pipelining", "messages/command"] < t.loc["batching", "messages/command"]),
    "b": ("few commands wait at any moment, so a batch carries only a few entries, yet each batch leaves only when the "
          "previous one is answered; pipelining sends every entry as soon as it arrives",
          lambda t: (t.loc["pipelining", "latency p50 (ms)"] < t.loc["batching", "latency p50 (ms)"]
                     and t.loc["batching", "entries/AppendEntries"] < 8
                     and t.loc["pipelining", "entries/AppendEntries"] < 1.2)),
    "c": ("batching waits until its batches are nearly full (32 entries) before it sends them",
          lambda t: t.loc["batching", "entries/AppendEntries"] >= 24),
    "d": ("pipelining also puts several entries into each AppendEntries",
          lambda t: t.loc["pipelining", "entries/AppendEntries"] >= 1.5),
}


@lru_cache(maxsize=1)
def table() -> Table:
    """The four modes on the question's scenario (run once per process)."""
    return replication_table(SEED, clients=CLIENTS, duration=DURATION, latency=LATENCY)


def truth() -> tuple[tuple[str, str], str]:
    """((lower p50 of b and c, fewest messages per command), the letter of the reason the run bears out)."""
    t = table()
    faster = "b" if t.loc["batching", "latency p50 (ms)"] < t.loc["pipelining", "latency p50 (ms)"] else "c"
    fewest = next(k for k, v in LETTERS.items() if v == t["messages/command"].idxmin())
    held = [k for k, (_text, holds) in REASONS.items() if holds(t)]
    if len(held) != 1:  # pragma: no cover - the question is built so that exactly one holds
        raise AssertionError(f"reasons {held} all hold")
    return (faster, fewest), held[0]


def _letters(answer: Any) -> tuple[str, str]:
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        fail(case="the form of the answer", input=QUESTION, expected='two letters, e.g. ("b", "a")', got=answer,
             hint="answer with a pair: (the lower p50 latency of b and c, the fewest messages per command)")
    out = tuple(str(x).strip().strip("()").lower() for x in answer)
    if any(x not in LETTERS for x in out) or out[0] not in ("b", "c"):
        fail(case="the form of the answer", input=QUESTION, expected="(b or c, one of a b c d)", got=answer,
             hint="a = stop-and-wait, b = batching, c = pipelining, d = both")
    return out  # type: ignore[return-value]


@exercise("06-predict-batching", title="Predict: batching or pipelining on slow links", theme="T06", concepts=("F05",),
          kind="predict", parts=("why",))
def grade_predict_batching(answer: Any, *, why: Any) -> str:
    """A pair of letters - (the lower p50 of batching and pipelining, the fewest messages per command) - and ``why``.

    The modes: (a) stop-and-wait, (b) batching, (c) pipelining, (d) batching + pipelining. The
    grader runs all four on seed 3 with 8 closed-loop clients and 10-30 ms FIFO links and reads
    the answers - and which reason holds - off the table.
    """
    got = _letters(answer)
    letter = need_choice(why, REASONS)
    t = table()
    want, reason = truth()
    rows = "; ".join(f"{k} {v}: p50 {t.loc[v, 'latency p50 (ms)']:.0f} ms, {t.loc[v, 'messages/command']:.1f} "
                     f"msgs/cmd, {t.loc[v, 'entries/AppendEntries']:.1f} entries/AppendEntries"
                     for k, v in LETTERS.items())
    if got != want:
        fail(case="the four modes, seed 3, 8 clients, 10-30 ms links", input=QUESTION, expected=want, got=got,
             hint=f"the run gave {rows}. Stop-and-wait moves one entry per round trip; a batch carries everything "
                  "pending in one message but the next batch waits for the answer; pipelining keeps several "
                  "requests in flight, one message per entry")
    if letter != reason:
        fail(case="the reason", input=QUESTION, expected=f"({reason})", got=f"({letter})",
             hint=f"the run does not bear reason ({letter}) out: {rows}")
    return f"right, and reason ({reason}): {rows}"


__all__ = ["grade_predict_batching", "REASONS", "QUESTION", "truth", "table"]
