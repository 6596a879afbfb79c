"""Exercise ``11-predict-remap``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.partitioning.remap import remap_fraction
from dsworkbook.partitioning.ring import HashRing

#: the run the question asks about: 7 nodes, one leaves; keys and seed other than the themed notebook's
NODES = 7
KEYS = 50_000
SEED = 2026
VNODES = 400
ANSWER_KEYS = ("modulo", "ring")
#: how far a predicted fraction may be from the measured one
TOLERANCE = 0.015

REASONS = {
    "a": "with modulo hashing a key keeps its node only when h mod 7 equals h mod 6, which holds for about one "
         "hash in seven, so nearly every key moves; on the ring only the leaving node's arcs change owner, each "
         "to the next point clockwise, so only its keys move",
    "b": "modulo hashing moves only the leaving node's keys, but it has to spread them over all six others, "
         "which costs as much as the ring",
    "c": "both move about half of the keys; the ring only sends them to fewer nodes",
    "d": "on the ring every point shifts when a node leaves, so almost every key moves there too",
}


def truth() -> tuple[dict[str, float], str, float]:
    """The measured fractions, the reason the run bears out, and the leaving node's share of the circle."""
    moved = {m: remap_fraction(m, NODES, "leave", keys=KEYS, seed=SEED, vnodes=VNODES) for m in ANSWER_KEYS}
    share = HashRing([f"node{i}" for i in range(NODES)], vnodes=VNODES).shares()[f"node{NODES - 1}"]
    holds = []
    if moved["modulo"] > 0.7 and moved["ring"] < 0.3 and abs(moved["ring"] - share) < 0.02:
        holds.append("a")
    if abs(moved["modulo"] - moved["ring"]) < 0.05:
        holds.append("b")
    if all(0.35 < v < 0.65 for v in moved.values()):
        holds.append("c")
    if moved["ring"] > 0.7:
        holds.append("d")
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"11-predict-remap: expected exactly one reason to hold, got {holds}")
    return moved, holds[0], share


@exercise("11-predict-remap", title="Predict: how many keys move when 1 of 7 nodes leaves", theme="T11",
          concepts=("H01", "H02"), kind="predict", parts=("why",))
def grade_predict_remap(answer: Any, *, why: Any) -> str:
    """A dict ``{"modulo": fraction, "ring": fraction}``: the share of 50,000 seeded keys (seed
    2026) whose node changes when node6 of node0..node6 leaves, with ``md5(key) mod n`` and with
    a ring of 400 virtual nodes per node; each within 0.015 of the run's (close enough to tell 1/7
    from 1/6 and 1/8). And a letter ``why``
    among :data:`REASONS`, the one the run bears out.
    """
    if not isinstance(answer, dict) or set(answer) != set(ANSWER_KEYS):
        fail(case="the form of the answer", input=f"keys {list(ANSWER_KEYS)}",
             expected="a dict with exactly these keys, each a fraction between 0 and 1", got=answer,
             hint="copy the two keys of the question and put a fraction (0.0 to 1.0) after each")
    for k, v in answer.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            fail(case=k, input=k, expected="a fraction between 0 and 1", got=v,
                 hint="answer with the share of keys that move, e.g. 0.25 for a quarter (not a percentage)")
    why = need_choice(why, REASONS)
    moved, reason, share = truth()
    shown = f"node6 of node0..node6 leaves; {KEYS:,} keys of seed {SEED}"
    for k in ANSWER_KEYS:
        if abs(answer[k] - moved[k]) > TOLERANCE:
            fail(case=f"{k} ({shown})", input=k,
                 expected=f"{moved[k]:.3f} (anything within {TOLERANCE} counts)", got=answer[k],
                 hint="with modulo a key stays only if h mod 7 == h mod 6: for which share of hashes is that true? "
                      "On the ring, which keys change owner when one node's points disappear?")
    if why != reason:
        fail(case=f"why ({shown})", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: compare the two fractions with each other and with the "
                  "leaving node's share of the keys (one seventh)")
    return (f"{shown}: modulo moved {moved['modulo']:.1%} of the keys, the ring {moved['ring']:.1%} (node6 owned "
            f"{share:.1%} of the circle); why: ({reason}) holds in the run")
