"""Exercise ``09-predict-herd``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.coordination.lock import HerdRow, herd_effect
from dsworkbook.grading.core import exercise, fail, need_choice

#: the run the question asks about: more clients and another seed than the themed notebook's table
WAITERS = 30
SEED = 3
KEYS = ("predecessor total", "herd most in one release", "herd total")
#: how far a herd total may be from the run's and still count (the shape matters, not the last unit)
TOLERANCE = 0.15

REASONS = {
    "a": "with every waiter watching, each release wakes every client still queued; all but one find they are "
         "not first and watch again, so a release costs as many notifications as there are waiters left, and the "
         "total grows as N squared",
    "b": "ZooKeeper notifies every session of every change under the lock, whichever recipe the clients use",
    "c": "the predecessor recipe also wakes every waiter, but ZooKeeper merges the notifications of one release "
         "into a single one",
    "d": "the herd recipe's extra notifications are retries of notifications the network lost",
}


def truth() -> tuple[dict[str, int], str, dict[str, HerdRow]]:
    """Run both recipes with :data:`WAITERS` clients; the numbers, the reason the run bears out, the rows."""
    rows = {r.mode: r for r in herd_effect((WAITERS,), seed=SEED)}
    pred, herd = rows["predecessor"], rows["herd"]
    numbers = {"predecessor total": pred.notifications, "herd most in one release": herd.max_per_release,
               "herd total": herd.notifications}
    holds = []
    if herd.max_per_release == WAITERS - 1 and pred.max_per_release == 1 and herd.notifications > 5 * pred.notifications:
        holds.append("a")
    if pred.notifications == herd.notifications:
        holds.append("b")
    if pred.max_per_release > 1:
        holds.append("c")
    if herd.messages > pred.messages and herd.notifications <= pred.notifications:
        holds.append("d")
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"09-predict-herd: expected exactly one reason to hold, got {holds}")
    return numbers, holds[0], rows


@exercise("09-predict-herd", title="Predict: the herd effect with 30 clients", theme="T09", concepts=("L04",),
          kind="predict", parts=("why",))
def grade_predict_herd(answer: Any, *, why: Any) -> str:
    """A dict with the keys of :data:`KEYS` (ints) for 30 clients queued on one ZooKeeper lock
    (seed 3), and a letter ``why`` among :data:`REASONS`.

    The predecessor total and the herd's largest release must be exact; the herd total within
    15% of the run's. The grader runs both recipes
    (:func:`~dsworkbook.coordination.lock.herd_effect`) and reads the reason off the run.
    """
    if not isinstance(answer, dict) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input=f"keys {list(KEYS)}", expected="a dict with exactly these keys, "
             "each an int", got=answer, hint="copy the three keys of the question and put a number after each")
    for k, v in answer.items():
        if isinstance(v, bool) or not isinstance(v, int):
            fail(case=k, input=k, expected="an int", got=v, hint="answer with a whole number of notifications")
    why = need_choice(why, REASONS)
    numbers, reason, rows = truth()
    shown = f"{WAITERS} clients queued on one lock, each holding it 20 ms, seed {SEED}"
    for k in ("predecessor total", "herd most in one release"):
        if answer[k] != numbers[k]:
            fail(case=f"{k} ({shown})", input=k, expected=numbers[k], got=answer[k],
                 hint="count the releases: every client holds the lock once and releases it; how many of the others "
                      "does one release wake, in each recipe, at most?")
    low, high = numbers["herd total"] * (1 - TOLERANCE), numbers["herd total"] * (1 + TOLERANCE)
    if not low <= answer["herd total"] <= high:
        fail(case=f"herd total ({shown})", input="herd total",
             expected=f"{numbers['herd total']} (anything from {low:.0f} to {high:.0f} counts)",
             got=answer["herd total"],
             hint="a release wakes every client still queued: add up the queue lengths, release after release")
    if why != reason:
        fail(case=f"why ({shown})", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: compare the most notifications in one release in the two "
                  "recipes, and whether anything was lost")
    pred, herd = rows["predecessor"], rows["herd"]
    return (f"{WAITERS} clients, seed {SEED}: watching the predecessor {pred.notifications} notifications (at most "
            f"{pred.max_per_release} per release); every waiter watching {herd.notifications} (at most "
            f"{herd.max_per_release}); why: ({reason}) holds in the run")
