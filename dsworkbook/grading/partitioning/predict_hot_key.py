"""Exercise ``11-predict-hot-key``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

import numpy as np

from dsworkbook.grading.core import exercise, fail, need_choice
from dsworkbook.partitioning.ranges import hot_key_table, zipf_ranks
from dsworkbook.partitioning.ring import HashRing

#: the run the question asks about (other nodes, skew, seed and sizes than the themed notebook's)
NODES = 8
ITEMS = 5_000
SKEW = 1.1
REQUESTS = 40_000
SEED = 31
SALTS = 8
WRITES = 0.9
ANSWER_KEYS = ("vnodes 20", "vnodes 500", "salted x8")
TOLERANCE = 0.04

REASONS = {
    "a": "virtual nodes even out how many keys each node holds, not how many requests it gets: every request for "
         "the hottest key goes to that key's one owner whatever the number of points, so its node stays well "
         "above 1/8; salting splits the hot key's writes over sub-keys that live on several nodes",
    "b": "with 500 points per node the hottest key's requests are spread over 500 points, so the hottest node "
         "falls to about 1/8 and salting adds little",
    "c": "the hottest node is hot because its arcs of the circle are the largest, not because of any one key; "
         "salting helps only because it adds points to the ring",
    "d": "salting makes the hottest node hotter: every write goes to all 8 sub-keys",
}


def _plain(vnodes: int) -> tuple[float, str, str]:
    """Hottest node's share of requests without remedy on a ring of ``vnodes`` points per node; its name; the hot key's owner."""
    ring = HashRing([f"node{i}" for i in range(NODES)], vnodes=vnodes)
    ranks = zipf_ranks(np.random.default_rng(SEED), ITEMS, SKEW, REQUESTS)  # the draw hot_key_table makes first
    owners = ring.lookup_indices([f"item-{k}" for k in range(ITEMS)])
    load = np.bincount(owners[ranks], minlength=NODES)
    return float(load.max() / REQUESTS), ring.nodes[int(load.argmax())], ring.nodes[int(owners[0])]


def truth() -> tuple[dict[str, float], str, float]:
    """The measured shares, the reason the run bears out, and the hottest key's own share of requests."""
    v20, _, _ = _plain(20)
    v500, hottest, hot_owner = _plain(500)
    table = hot_key_table(seed=SEED, nodes=NODES, items=ITEMS, s=SKEW, requests=REQUESTS, salts=(SALTS,),
                          replicas=(), write_fractions=(WRITES,))
    salted = float(table.loc[(WRITES, f"salt x{SALTS}"), "hottest node share"])
    plain160 = float(table.loc[(WRITES, "none"), "hottest node share"])
    ranks = zipf_ranks(np.random.default_rng(SEED), ITEMS, SKEW, REQUESTS)
    hot_share = float(np.mean(ranks == 0))
    shares = {"vnodes 20": v20, "vnodes 500": v500, "salted x8": salted}
    holds = []
    if v500 > 1.5 / NODES and v500 > hot_share and salted < plain160 - 0.03 and hottest == hot_owner:
        holds.append("a")
    if v500 < 1.2 / NODES:
        holds.append("b")
    if hottest != hot_owner:
        holds.append("c")
    if salted > plain160:
        holds.append("d")
    if len(holds) != 1:  # a broken invariant of the exercise, not a learner's mistake
        raise AssertionError(f"11-predict-hot-key: expected exactly one reason to hold, got {holds}")
    return shares, holds[0], hot_share


@exercise("11-predict-hot-key", title="Predict: a hot key, virtual nodes and salting", theme="T11",
          concepts=("H05", "H02"), kind="predict", parts=("why",))
def grade_predict_hot_key(answer: Any, *, why: Any) -> str:
    """A dict with the keys of :data:`ANSWER_KEYS`: the hottest node's share of 40,000 Zipf
    (s = 1.1) requests over 5,000 items on 8 nodes (seed 31) with 20 and with 500 virtual nodes,
    and with the hottest key salted 8 ways under 90% writes; each within 0.04 of the run's. And
    a letter ``why`` among :data:`REASONS`, the one the run bears out.
    """
    if not isinstance(answer, dict) or set(answer) != set(ANSWER_KEYS):
        fail(case="the form of the answer", input=f"keys {list(ANSWER_KEYS)}",
             expected="a dict with exactly these keys, each a fraction between 0 and 1", got=answer,
             hint="copy the three keys of the question and put a share (0.0 to 1.0) after each")
    for k, v in answer.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            fail(case=k, input=k, expected="a share between 0 and 1", got=v,
                 hint="answer with the hottest node's share of the requests, e.g. 0.125 for 1/8 (not a percentage)")
    why = need_choice(why, REASONS)
    shares, reason, hot_share = truth()
    shown = (f"{NODES} nodes, {ITEMS:,} items, Zipf s = {SKEW}, {REQUESTS:,} requests, seed {SEED}; the hottest "
             f"key alone gets {hot_share:.1%} of the requests")
    for k in ANSWER_KEYS:
        if abs(answer[k] - shares[k]) > TOLERANCE:
            fail(case=f"{k} ({shown})", input=k, expected=f"{shares[k]:.3f} (anything within {TOLERANCE} counts)",
                 got=answer[k],
                 hint="start from the hottest key: all its requests land on one node, plus that node's part of the "
                      "other requests; then ask what more points per node and salting change about that key")
    if why != reason:
        fail(case=f"why ({shown})", input=f"reason {why!r}: {REASONS[why]}", expected=repr(reason), got=repr(why),
             hint="that reason does not match the run: compare the 20- and 500-point shares with 1/8 and with the "
                  "hottest key's own share, and the salted share with them")
    return (f"{shown}: hottest node {shares['vnodes 20']:.1%} with 20 points per node, {shares['vnodes 500']:.1%} "
            f"with 500, {shares['salted x8']:.1%} with the hot key salted 8 ways; why: ({reason}) holds in the run")
