"""Exercise ``10-predict-suspicions``: false suspicions of a fixed timeout on two networks with one median.

Theory of operation
-------------------
A peer heartbeats every 100 ms; a monitor suspects it :data:`TIMEOUTS` ms after the last arrival.
Two networks have the same median one-way delay (20 ms) and different tails: ``calm`` (p99
40 ms) and ``tail`` (p99 160 ms), both :class:`~dsworkbook.sim.LongTail`. Nothing crashes, so
every suspicion is false. The learner predicts, per network and timeout, a bucket of false
suspicions in one minute (``none``: 0, ``some``: 1-9, ``many``: 10 or more) and why.

The truth is the run (seed :data:`SEED`, one minute after a one-second warm-up), never a
constant. Each reason of :data:`REASONS` comes with the pattern it predicts (a predicate on
the six counts); the right reason is the only one whose pattern the run shows.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.coordination.detection import FixedTimeout, heartbeat_sim, suspicion
from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.sim import LongTail

SEED = 5
INTERVAL = 100.0
TIMEOUTS = (150, 200, 300)
NETWORKS = {"calm": LongTail(20, 40), "tail": LongTail(20, 160)}
BUCKETS = ("none", "some", "many")
KEYS = [f"{net}/{t}" for net in NETWORKS for t in TIMEOUTS]

Counts = dict[str, int]


def bucket(n: int) -> str:
    return "none" if n == 0 else "some" if n < 10 else "many"


def _rising(c: Counts, net: str) -> bool:
    return any(c[f"{net}/{a}"] < c[f"{net}/{b}"] for a, b in zip(TIMEOUTS, TIMEOUTS[1:]))


#: letter -> (the reason as the statement words it, the pattern of counts it predicts)
REASONS: dict[str, tuple[str, Callable[[Counts], bool]]] = {
    "a": ("false suspicions follow the median delay; both networks have a median of 20 ms, so at each timeout they "
          "behave alike", lambda c: all(bucket(c[f"calm/{t}"]) == bucket(c[f"tail/{t}"]) for t in TIMEOUTS)),
    "b": ("the live peer is suspected when a heartbeat arrives more than timeout - interval after the one before; "
          "only a long tail makes such gaps, and each extra 50 ms of timeout leaves far fewer of them",
          lambda c: all(c[f"calm/{t}"] == 0 for t in TIMEOUTS) and not _rising(c, "tail")
          and c[f"tail/{TIMEOUTS[0]}"] > c[f"tail/{TIMEOUTS[-1]}"]),
    "c": ("any timeout above the round trip (about 40 ms at the median) is safe: no false suspicions anywhere",
          lambda c: all(v == 0 for v in c.values())),
    "d": ("a longer timeout spans more heartbeats, so more of them can be late: false suspicions grow with the "
          "timeout", lambda c: _rising(c, "calm") or _rising(c, "tail")),
}


def counts() -> Counts:
    """"network/timeout" -> false-suspicion episodes in one minute (seed :data:`SEED`)."""
    out = {}
    for net, latency in NETWORKS.items():
        sim = heartbeat_sim(SEED, latency=latency, interval=INTERVAL)
        sim.run(until=61_000.0)
        arrivals = sim.node("m").arrivals
        for t in TIMEOUTS:
            got = suspicion(arrivals, FixedTimeout(t), start=1000.0, end=61_000.0)
            out[f"{net}/{t}"] = int(got["false_suspicions"])
    return out


def truth() -> tuple[dict[str, str], str, Counts]:
    c = counts()
    matching = [k for k, (_, holds) in REASONS.items() if holds(c)]
    if len(matching) != 1:  # pragma: no cover - the question is built so that exactly one fits
        raise AssertionError(f"reasons {matching} all fit {c}")
    return {k: bucket(v) for k, v in c.items()}, matching[0], c


def _form(answer: Any) -> dict[str, str]:
    if not isinstance(answer, dict) or set(answer) != set(KEYS):
        fail(case="the form of the answer", input="six settings", expected=f"a dict with exactly the keys {KEYS}",
             got=answer, hint='answer with a dict such as {"calm/150": "none", ...}, one entry per setting')
    out = {}
    for k, v in answer.items():
        word = v.strip().lower() if isinstance(v, str) else v
        if word not in BUCKETS:
            fail(case="the form of the answer", input=f"setting {k!r}", expected=f"one of {list(BUCKETS)}", got=v,
                 hint='give each setting "none", "some" or "many"')
        out[k] = word
    return out


@exercise("10-predict-suspicions", title="Predict: false suspicions on two networks with one median", theme="T10",
          concepts=("Z04",), kind="predict", parts=("why",))
def grade_predict_suspicions(answer: Any, *, why: Any) -> str:
    """"network/timeout" -> none/some/many false suspicions in a minute, and ``why``, a letter of REASONS."""
    got = _form(answer)
    letter = need_choice(why, REASONS)
    want, reason, c = truth()
    wrong = [k for k in KEYS if got[k] != want[k]]
    if wrong:
        fail(case=f"one minute per setting (seed {SEED}), heartbeat every {INTERVAL:g} ms, nothing crashes",
             input={k: got[k] for k in wrong}, expected={k: want[k] for k in wrong},
             got={k: f"{got[k]} (the run counted {c[k]})" for k in wrong},
             hint="a false suspicion needs a gap between two arrivals longer than the timeout: the interval plus "
                  "how much later one heartbeat is than the one before - the tail of the delay, not its median")
    if letter != reason:
        fail(case="the reason", input=c, expected=f"({reason})", got=f"({letter})",
             hint=f"the run counted {c}; reason ({letter}) predicts a different pattern")
    return (", ".join(f"{k}: {c[k]}" for k in KEYS) + f" false suspicions in a minute - reason ({reason}): the tail, "
            "not the median, makes the gaps a timeout mistakes for a crash")


__all__ = ["grade_predict_suspicions", "REASONS", "KEYS", "truth", "counts"]
