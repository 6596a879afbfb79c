"""Exercise ``12-predict-sqs``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import copy
from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.messaging.sqs import FifoQueue, SqsQueue

S = 1000.0  # ms per second
KEYS = ("B receives at t=5 s", "B receives at t=25 s", "B receives at t=41 s", "receive count B sees at t=41 s")
REASONS = {
    "a": "at t=10 s A extended debit-1's visibility timeout to 30 s from then, so debit-1 stayed in flight until "
         "t=40 s, and debit-2 waits behind it in its message group",
    "b": "a FIFO queue delivers nothing while any message of the queue is in flight, and debit-1 was",
    "c": "a FIFO queue delivers the messages of a group only to the consumer that received the group's first one",
    "d": "debit-2 was dropped as a repeat of debit-1 within the 5-minute de-duplication interval",
}


def scenario() -> tuple[dict[str, Any], FifoQueue]:
    """Run the statement's timeline; the observed answer and a copy of the queue at t=25 s (before B's receive)."""
    dlq = SqsQueue()
    q = FifoQueue(visibility_timeout=20 * S, max_receive_count=3, dlq=dlq)
    q.send("debit-1", now=0.0, group="acct-1", dedup_id="d1")
    q.send("debit-2", now=0.0, group="acct-1", dedup_id="d2")
    q.send("credit-1", now=0.0, group="acct-2", dedup_id="c1")
    got_a = q.receive(now=0.0)                      # every receive asks for one message
    at5 = q.receive(now=5 * S)
    for r in at5:                                   # B deletes what it got at t=5 s
        q.delete(r.receipt, now=8 * S)
    for r in got_a:                                 # A, still busy, extends its message by 30 s
        q.change_visibility(r.receipt, 30 * S, now=10 * S)
    at25_queue = copy.deepcopy(q)
    at25 = q.receive(now=25 * S)
    # A crashes at t=30 s without deleting its message
    at41 = q.receive(now=41 * S)
    observed = {KEYS[0]: [r.body for r in at5], KEYS[1]: [r.body for r in at25], KEYS[2]: [r.body for r in at41],
                KEYS[3]: next((r.receive_count for r in at41 if r.body == "debit-1"), 0)}
    return observed, at25_queue


def reasons_that_hold() -> list[str]:
    """Which of :data:`REASONS` the run bears out, by probing copies of the queue at t=25 s."""
    observed, at25 = scenario()
    bodies = {m.body: m for m in at25.messages}
    holds = []
    other = copy.deepcopy(at25)
    other.send("probe", now=25 * S, group="acct-3", dedup_id="p1")
    another_group_delivered = [r.body for r in other.receive(now=25 * S)] == ["probe"]
    later = copy.deepcopy(at25)
    at40 = [r.body for r in later.receive(now=40 * S)]
    if (not observed[KEYS[1]] and "debit-1" in bodies and bodies["debit-1"].visible_at == 40 * S
            and at40 == ["debit-1"] and "debit-2" in bodies):
        holds.append("a")
    if not another_group_delivered and not observed[KEYS[1]]:
        holds.append("b")
    if not another_group_delivered:
        holds.append("c")
    if "debit-2" not in bodies:
        holds.append("d")
    return holds


def _form(answer: Any) -> None:
    example = ('{"B receives at t=5 s": ["debit-2"], "B receives at t=25 s": ["credit-1"], "B receives at t=41 s": '
               '[], "receive count B sees at t=41 s": 0} (the form, not the answer)')
    if not isinstance(answer, dict) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input=f"keys {list(KEYS)}", expected="a dict with exactly these keys",
             got=answer, hint=f"e.g. {example}")
    ok = (all(isinstance(answer[k], list) for k in KEYS[:3]) and isinstance(answer[KEYS[3]], int)
          and not isinstance(answer[KEYS[3]], bool))
    if not ok:
        fail(case="the form of the answer", input=f"keys {list(KEYS)}",
             expected="three lists of message bodies, then an int", got=answer, hint=f"e.g. {example}")


@exercise("12-predict-sqs", title="Predict: a FIFO queue, a visibility extension and a crash", theme="T12",
          concepts=("Q12",), kind="predict", parts=("why",))
def grade_predict_sqs(answer: Any, *, why: Any) -> str:
    """A dict with the four :data:`KEYS` (three lists of bodies in the order received, an int) and a
    letter ``why`` (of :data:`REASONS`) for B's empty receive at t=25 s.

    The timeline of the statement runs on :class:`~dsworkbook.messaging.sqs.FifoQueue` (20 s
    visibility timeout, ``maxReceiveCount`` 3, two message groups, a visibility extension, a
    crashed consumer); the reason is read off copies of the queue probed at t=25 s.
    """
    _form(answer)
    why = need_choice(why, REASONS)
    observed, _ = scenario()
    holds = reasons_that_hold()
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"12-predict-sqs: expected exactly one reason to hold, got {holds}")
    hints = {
        KEYS[0]: "in a FIFO queue, while a message of a group is in flight no later message of that group is "
                 "delivered - but the other groups' messages are; what does A hold at t=5 s?",
        KEYS[1]: "when does debit-1 turn visible again after the extension at t=10 s, and what waits behind it?",
        KEYS[2]: "A crashed without deleting debit-1: once it is visible again it is its group's first message",
        KEYS[3]: "every receive of a message counts, the ones whose consumer never deleted it included",
    }
    for key in KEYS:
        if answer[key] != observed[key]:
            fail(case=key, input="the timeline of the statement", expected=observed[key], got=answer[key],
                 hint=hints[key])
    if why != holds[0]:
        fail(case="why, B's receive at t=25 s", input=f"reason {why!r}: {REASONS[why]}", expected=repr(holds[0]),
             got=repr(why), hint="that reason does not match the run: what was in flight at t=25 s, until when, "
                                 "and would a message of a third group have been delivered?")
    shown = "; ".join(f"{k}: {v}" for k, v in observed.items())
    return f"{shown}; why: ({holds[0]}) holds in the run"
