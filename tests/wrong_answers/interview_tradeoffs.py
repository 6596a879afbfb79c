"""Right and plausible wrong answers to ``15-tradeoffs``, for proving its check discriminates.

The graded selection (seed 15, one choice question per theme) is the fourteen ids of ``_RIGHT``;
tests/test_grading_interview_tradeoffs.py proves they are the ones the check asks. Each ``WRONG``
answer makes one mistake, named in its comment: most are the misconceptions the questions' wrong
choices and reasons were written from, the rest are mistakes in the form of the answer.
"""

from __future__ import annotations

from typing import Any

_RIGHT: dict[str, tuple[str, str]] = {
    "T01-exactly-once": ("b", "a"),
    "T02-aurora-quorums": ("abc", "c"),
    "T03-lin-vs-serial": ("ac", "b"),
    "T04-hlc": ("bc", "b"),
    "T05-gcounter-merge": ("a", "c"),
    "T06-who-can-win": ("bce", "a"),
    "T07-phase2a-value": ("c", "a"),
    "T08-replicas-for-f": ("b", "c"),
    "T09-redlock-validity": ("a", "b"),
    "T10-lease-election": ("abc", "b"),
    "T11-zone-replicas": ("c", "b"),
    "T12-acks-all": ("ab", "c"),
    "T13-2pc-log-records": ("ab", "b"),
    "T14-failover-loss": ("abc", "b"),
}


def _with(changes: dict[str, Any]) -> dict[str, Any]:
    return {**_RIGHT, **changes}


def _without(question_id: str) -> dict[str, Any]:
    return {k: v for k, v in _RIGHT.items() if k != question_id}


RIGHT: dict[str, Any] = {"15-tradeoffs": dict(_RIGHT)}

ALSO_RIGHT: dict[str, list[Any]] = {"15-tradeoffs": [
    # upper case names the same letters
    {k: (letters.upper(), reason.upper()) for k, (letters, reason) in _RIGHT.items()},
    # the letters in another order, with commas and spaces; the reason in parentheses
    {k: (", ".join(reversed(letters)), f"({reason})") for k, (letters, reason) in _RIGHT.items()},
    # lists instead of tuples
    {k: [letters, reason] for k, (letters, reason) in _RIGHT.items()},
]}

WRONG: dict[str, list[Any]] = {"15-tradeoffs": [
    # -- misconceptions
    # Kafka's idempotent producer taken for end-to-end exactly-once (an extra choice)
    _with({"T01-exactly-once": ("bd", "a")}),
    # after a zone and one more copy are lost, 3 copies are a read quorum, not a write quorum of 4
    _with({"T02-aurora-quorums": ("abcd", "c")}),
    # serializability taken to respect real time
    _with({"T03-lin-vs-serial": ("abc", "b")}),
    # HLC taken for a vector clock that detects concurrency
    _with({"T04-hlc": ("abc", "b")}),
    # the right merge for the wrong reason: commutative alone does not survive a state delivered twice
    _with({"T05-gcounter-merge": ("a", "a")}),
    # the G-Counter merge that adds entries (counts a state delivered twice twice), with its reason
    _with({"T05-gcounter-merge": ("b", "a")}),
    # n5 forgotten: its log is longest among those whose last term is 2, and n1 and n4 vote for it
    _with({"T06-who-can-win": ("bc", "a")}),
    # only the longest log can win
    _with({"T06-who-can-win": ("c", "b")}),
    # a higher ballot lets the proposer pick its own value: the classic Paxos mistake
    _with({"T07-phase2a-value": ("a", "c")}),
    # signatures taken to make a crash-style majority enough against Byzantine replicas
    _with({"T08-replicas-for-f": ("a", "a")}),
    # the validity that subtracts the elapsed time but forgets the drift allowance
    _with({"T09-redlock-validity": ("c", "b")}),
    # the right validity for a wrong reason
    _with({"T09-redlock-validity": ("a", "d")}),
    # a lease timed from when the grant arrives (the lease pitfall) chosen as well
    _with({"T10-lease-election": ("abce", "b")}),
    # the replica walk that skips machines but not zones
    _with({"T11-zone-replicas": ("b", "b")}),
    # acks=all taken to mean all three replicas
    _with({"T12-acks-all": ("abc", "a")}),
    # the right acks with the reason that argues for the wrong one
    _with({"T12-acks-all": ("ab", "a")}),
    # a participant that commits on a timeout (presumed commit), chosen as well
    _with({"T13-2pc-log-records": ("abc", "c")}),
    # promoting the most up-to-date follower taken to save every acknowledged write
    _with({"T14-failover-loss": ("abcd", "b")}),
    # -- the form of the answer
    # the last question left out
    _without("T14-failover-loss"),
    # an id typed from memory instead of as printed
    {**_without("T06-who-can-win"), "T06-who-wins": ("bce", "a")},
    # the reason written out instead of its letter
    _with({"T08-replicas-for-f": ("b", "n >= 3f+1 and quorums of 2f+1")}),
    # the two strings swapped
    _with({"T08-replicas-for-f": ("c", "b")}),
    # one string for both parts
    _with({"T01-exactly-once": "b/a"}),
    # a question skipped with an empty string
    _with({"T07-phase2a-value": ("", "a")}),
    # a letter the question does not offer
    _with({"T11-zone-replicas": ("f", "b")}),
    # two reasons, to hedge
    _with({"T13-2pc-log-records": ("ab", "bc")}),
    # a list of pairs in the printed order, without the ids
    [_RIGHT[k] for k in _RIGHT],
]}
