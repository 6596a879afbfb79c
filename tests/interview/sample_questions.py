"""A few questions of the tests' own, in the bank's record, so interview-mode tests do not depend
on the bank's content (which grows). Never imported by the library."""

from __future__ import annotations

from dsworkbook.interview.questions import Question, check_question

_NB2 = "notebooks/02_cap_and_quorums.ipynb#"
_NB6 = "notebooks/06_raft.ipynb#"

QUORUM = Question(
    id="T02-sample-majority", theme="T02", kind="choice",
    prompt="A store keeps 5 replicas and writes to a majority. Which statements are right?",
    choices={"a": "A write needs 3 acknowledgements.", "b": "It survives 2 crashed replicas.",
             "c": "A write needs 2 acknowledgements (5 // 2).", "d": "It survives 3 crashed replicas."},
    answer=("a", "b"),
    reasons={"a": "Two majorities of the same set always share a member.",
             "b": "Any two replicas make a quorum when the network is healthy.",
             "c": "A majority is half of the replicas, rounded down."},
    reason="a",
    rubric=("a majority of 5 is 3", "it tolerates 2 failures"),
    reference="A majority of 5 is 3, so 2 may fail; any two majorities intersect, so R + W > N.",
    links=(_NB2 + "Tunable consistency: N, R, W",),
)

STALE = Question(
    id="T02-sample-stale", theme="T02", kind="open",
    prompt="Why can a read from a single replica be stale even when writes go to a majority?",
    rubric=("the read replica may not be in the write majority", "R + W must exceed N",
            "a read quorum (or read repair) fixes it"),
    reference="The one replica read may have missed the write; with R + W > N every read quorum meets the write.",
    links=(_NB2 + "Tunable consistency: N, R, W",),
)

ELECTION = Question(
    id="T06-sample-election", theme="T06", kind="choice",
    prompt="Why does Raft randomize election timeouts?",
    choices={"a": "To make split votes rare.", "b": "To make elections faster on average than fixed timeouts.",
             "c": "To avoid clock skew."},
    answer=("a",),
    reasons={"a": "Randomized timeouts make it likely that one server times out first and wins before others start.",
             "b": "Clocks differ between servers.", "c": "A fixed timeout would never fire."},
    reason="a",
    rubric=("split votes", "one server usually times out first"),
    reference="Randomized timeouts spread the candidates in time, so one usually wins before the others start.",
    links=(_NB6 + "The idea",),
)

LOG = Question(
    id="T06-sample-commit", theme="T06", kind="open",
    prompt="Why may a Raft leader not commit an entry of an earlier term by counting replicas?",
    rubric=("Figure 8 of the paper", "only current-term entries are committed by counting",
            "earlier ones are committed indirectly", "otherwise a committed entry could be overwritten"),
    reference="An earlier-term entry on a majority can still be overwritten by a later leader (Figure 8).",
    links=(_NB6 + "Run it",),
)

CLOCKS = Question(
    id="T04-sample-lamport", theme="T04", kind="choice",
    prompt="If a happened before b, what do Lamport clocks guarantee?",
    choices={"a": "L(a) < L(b)", "b": "L(b) < L(a)", "c": "Nothing"},
    answer=("a",),
    reasons={"a": "Every event on the path from a to b increments the clock.",
             "b": "Clocks are synchronized.", "c": "Lamport clocks are vector clocks."},
    reason="a",
    rubric=("clock condition", "not the converse"),
    reference="Happens-before implies a smaller timestamp, not the converse (Lamport 1978).",
    links=("notebooks/04_time_and_clocks.ipynb#Run it: Lamport and vector clocks (C02, C03)",),
)

SAMPLE = (QUORUM, STALE, ELECTION, LOG, CLOCKS)
for _q in SAMPLE:
    check_question(_q)
