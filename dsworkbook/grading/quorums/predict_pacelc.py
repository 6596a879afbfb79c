"""Exercise ``02-predict-pacelc``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.storage.common import percentile
from dsworkbook.storage.experiment import AP, CP, quorum_setting
from dsworkbook.storage.pacelc import latencies

CHOICES = {"AP": AP(3), "quorum": quorum_setting(3, 2, 2), "CP": CP(3)}
SEEDS = tuple(range(10))


def measured() -> dict[str, float]:
    """The p50 write latency (ms) of each choice over SEEDS, no faults."""
    return {name: percentile(latencies(s, SEEDS, latency="tail:5:100")["write"], 0.5) for name, s in CHOICES.items()}


@exercise("02-predict-pacelc", title="Predict: the latency price of consistency", theme="T02", concepts=("Q04",),
          kind="predict")
def grade_predict_pacelc(answer: Any) -> str:
    """A list: ``["AP", "quorum", "CP"]`` in order of p50 write latency, fastest first.

    Three replicas, no partition: ``AP`` (R = W = 1), ``quorum`` (R = W = 2) and ``CP`` (the
    majority ABD store). The grader measures the p50 of the client-observed write latency of
    each on seeds 0-9 and compares the order.
    """
    if not (isinstance(answer, (list, tuple)) and sorted(answer) == sorted(CHOICES)):
        fail(case="the form of the answer", input=f"choices {list(CHOICES)}",
             expected="a list holding each of 'AP', 'quorum', 'CP' once, fastest first", got=answer,
             hint="e.g. ['CP', 'AP', 'quorum'] (that order is not the answer)")
    p50 = measured()
    order = sorted(CHOICES, key=lambda k: p50[k])
    shown = ", ".join(f"{k} {p50[k]:.1f} ms" for k in order)
    if list(answer) != order:
        fail(case=f"seeds {SEEDS[0]}-{SEEDS[-1]}, no faults", input="order by p50 write latency",
             expected=order, got=list(answer),
             hint=f"measured p50: {shown}. Count the round trips each write waits for: AP none beyond the "
                  f"coordinator, the quorum one (to the 2nd fastest replica), CP two (query, then propagate)")
    return f"measured p50 write latency with no partition (seeds {SEEDS[0]}-{SEEDS[-1]}): {shown}"
