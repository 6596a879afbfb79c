"""Exercise ``02-predict-pacelc``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.storage.pacelc import FAR_SETTINGS, far_latencies

SEEDS = tuple(range(10))
FAR_MS = (40, 50)
#: The reasons offered for the order.
REASONS = {
    "a": "a write waits for its W-th acknowledgement (the coordinator's own comes at once): W = 5 must wait a round "
         "trip to the far replica, W = 4 one round trip to near replicas only, and CP two round trips to a near "
         "majority (query, then propagate)",
    "b": "latency follows the number of messages: W = 1, W = 4 and W = 5 send the same messages, CP more",
    "c": "CP is the slowest because a linearizable write must reach every replica",
    "d": "every write is sent to all five replicas, the far one included, so the far replica slows every "
         "setting about alike",
    "e": "the more acknowledgements a write waits for, the slower it is: W = 1 waits for one, CP for three, "
         "W = 4 for four and W = 5 for five",
}
#: How many acknowledgements a write of each setting waits for (the claim of reason e).
ACKS = {"W=1": 1, "CP": 3, "W=4": 4, "W=5": 5}


def measured() -> dict[str, dict[str, float]]:
    """The latencies of every setting over SEEDS, with the last replica far away and no fault."""
    return far_latencies(FAR_SETTINGS, SEEDS, far=FAR_MS)


def reasons_that_hold(m: dict[str, dict[str, float]]) -> list[str]:
    """Which of :data:`REASONS` the measurements bear out (each reason's claim, tested on the numbers)."""
    p50 = {k: v["write p50"] for k, v in m.items()}
    msgs = {k: v["msgs/op"] for k, v in m.items()}
    far_rtt = 2 * FAR_MS[0]
    holds = []
    if p50["W=5"] > far_rtt > max(p50["W=1"], p50["W=4"], p50["CP"]) and p50["W=1"] < p50["W=4"] < p50["CP"]:
        holds.append("a")
    by_msgs = sorted(p50, key=lambda k: msgs[k])
    if sorted(p50, key=p50.get) == by_msgs and abs(p50["W=5"] - p50["W=1"]) < 0.2 * p50["W=1"]:
        holds.append("b")
    if max(p50, key=p50.get) == "CP":
        holds.append("c")
    if min(p50.values()) > far_rtt:
        holds.append("d")
    if sorted(p50, key=p50.get) == sorted(ACKS, key=ACKS.get):
        holds.append("e")
    return holds


@exercise("02-predict-pacelc", title="Predict: the latency price of consistency", theme="T02", concepts=("Q04",),
          kind="predict", parts=("why",))
def grade_predict_pacelc(answer: Any, *, why: Any) -> str:
    """A list of ``"W=1"``, ``"W=4"``, ``"W=5"``, ``"CP"`` in order of p50 write latency, fastest first; and ``why``.

    Five replicas, no partition and no fault; the last replica ``n5`` is far (40-50 ms each
    way, the other links 1-5 ms) and clients talk to ``n1``-``n3``. ``W=1``: any replica (R =
    W = 1); ``W=4``: W = 4, R = 2; ``W=5``: write all, read one; ``CP``: the majority ABD store.
    The grader measures the p50 of the client-observed write latency of each on seeds 0-9,
    compares the order, and grades ``why`` against the reason the numbers bear out.
    """
    if not (isinstance(answer, (list, tuple)) and len(answer) == len(FAR_SETTINGS)
            and sorted(map(str, answer)) == sorted(FAR_SETTINGS) and all(isinstance(a, str) for a in answer)):
        fail(case="the form of the answer", input=f"choices {list(FAR_SETTINGS)}",
             expected="a list holding each of 'W=1', 'W=4', 'W=5', 'CP' once, fastest first", got=answer,
             hint="e.g. ['CP', 'W=5', 'W=1', 'W=4'] (that order is not the answer)")
    why = need_choice(why, REASONS)
    m = measured()
    p50 = {k: v["write p50"] for k, v in m.items()}
    order = sorted(FAR_SETTINGS, key=lambda k: p50[k])
    shown = ", ".join(f"{k} {p50[k]:.1f} ms" for k in order)
    if list(answer) != order:
        fail(case=f"seeds {SEEDS[0]}-{SEEDS[-1]}, n5 far, no faults", input="order by p50 write latency",
             expected=order, got=list(answer),
             hint="count what each write waits for: its W-th acknowledgement (the coordinator's own is "
                  "immediate), and for CP a majority twice; which of them has to wait for the far replica, and "
                  "how many round trips does each wait?")
    holds = reasons_that_hold(m)
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"02-predict-pacelc: expected exactly one reason to hold, got {holds} ({shown})")
    if why != holds[0]:
        fail(case=f"why, seeds {SEEDS[0]}-{SEEDS[-1]}", input=f"reason {why!r}: {REASONS[why]}",
             expected=repr(holds[0]), got=repr(why),
             hint=f"that reason does not fit the measurements ({shown}; messages per operation: "
                  + ", ".join(f"{k} {m[k]['msgs/op']:.1f}" for k in order) + ")")
    return (f"measured p50 write latency, n5 far, no partition (seeds {SEEDS[0]}-{SEEDS[-1]}): {shown}; "
            f"why: ({holds[0]})")
