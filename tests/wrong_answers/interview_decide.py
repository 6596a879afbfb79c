"""Right and plausible wrong answers to the T15 decision exercise (15-decide).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/interview/test_grading_interview_decide.py run every one of them.
"""

from __future__ import annotations

import random as _random
from typing import Any

RIGHT: dict[str, Any] = {}
WRONG: dict[str, list[Any]] = {}
ALSO_RIGHT: dict[str, list[Any]] = {}


def decide_right(facts):
    """The solution cell's answer: the checklist, question by question, in its order of precedence."""
    if facts["one_truth"]:
        consistency, cap, replication = "linearizable", "PC/EC", "consensus"
    elif facts["same_order"]:
        consistency, cap, replication = "sequential", "PC/EL", "consensus"
    else:
        cap = "PA/EL"
        replication = "multi-leader" if facts["merge"] else "single-leader-async"
        if facts["causal"]:
            consistency = "causal"
        elif facts["own_writes"]:
            consistency = "read-your-writes"
        else:
            consistency = "eventual"
    if facts["access"] == "none":
        partitioning = "none"
    elif facts["access"] == "range":
        partitioning = "range"
    else:
        partitioning = "hash-with-salting" if facts["hot_key"] else "hash"
    if facts["single_actor"]:
        coordination = "fenced-lock"
    elif facts["one_truth"]:
        coordination = "conditional-write"
    elif facts["merge"]:
        coordination = "crdt-merge"
    else:
        coordination = "none"
    delivery = {"none": "not-needed", "lossy": "at-most-once", "all": "at-least-once",
                "effect-once": "effectively-once"}[facts["events"]]
    transaction = {"key": "single-key", "rows": "local-acid", "shards": "2pc", "services": "saga",
                   "write-and-event": "outbox"}[facts["scope"]]
    return {"consistency": consistency, "cap": cap, "replication": replication, "partitioning": partitioning,
            "coordination": coordination, "delivery": delivery, "transaction": transaction}


def decide_other_choices(facts):
    """Right too: wherever two options are honest, the other one."""
    out = decide_right(facts)
    if not facts["one_truth"] and facts["same_order"]:
        out["cap"], out["replication"] = "PC/EC", "single-leader-sync"
    if not facts["one_truth"] and not facts["same_order"]:
        out["replication"] = "leaderless"
    if facts["single_actor"]:
        out["coordination"] = "leader-election"
    out["delivery"] = {"lossy": "at-least-once", "all": "effectively-once"}.get(facts["events"], out["delivery"])
    return out


def _with(**fix):
    """decide_right, then each named dimension recomputed by a wrong rule ``fix[dim](facts)``."""
    def decide(facts):
        out = decide_right(facts)
        for dim, rule in fix.items():
            out[dim] = rule(facts)
        return out
    return decide


def _consistency_order(order):
    names = {"one_truth": "linearizable", "same_order": "sequential", "causal": "causal",
             "own_writes": "read-your-writes"}

    def rule(f):
        return next((names[k] for k in order if f[k]), "eventual")
    return rule


def _random_tie(facts):
    out = decide_other_choices(facts) if _random.random() < 0.5 else decide_right(facts)
    return out


RIGHT["15-decide"] = decide_right
ALSO_RIGHT["15-decide"] = [decide_other_choices]
WRONG["15-decide"] = [
    # an order checked before the invariant: a seat booked through a sequential log still sells twice
    _with(consistency=_consistency_order(["same_order", "one_truth", "causal", "own_writes"])),
    # causality checked before the order: a chat room's members may see different orders
    _with(consistency=_consistency_order(["one_truth", "causal", "same_order", "own_writes"])),
    # the session guarantee checked before causality: replies can show before their posts
    _with(consistency=_consistency_order(["one_truth", "same_order", "own_writes", "causal"])),
    # forgets sessions: eventual for everything without an invariant, order or causality
    _with(consistency=_consistency_order(["one_truth", "same_order", "causal"])),
    # a hot key ignored: all of the flash sale's writes land on one node
    _with(partitioning=lambda f: {"none": "none", "range": "range", "point": "hash"}[f["access"]]),
    # salting whenever a key is hot, even for range scans (salting scatters the range)
    _with(partitioning=lambda f: "none" if f["access"] == "none" else
          ("hash-with-salting" if f["hot_key"] else {"range": "range", "point": "hash"}[f["access"]])),
    # salting a hot key of data that is not partitioned at all
    _with(partitioning=lambda f: "hash-with-salting" if f["hot_key"] else
          {"none": "none", "range": "range", "point": "hash"}[f["access"]]),
    # the invariant checked before the single actor: a paused billing worker runs the job twice
    _with(coordination=lambda f: "conditional-write" if f["one_truth"] else "fenced-lock" if f["single_actor"]
          else "crdt-merge" if f["merge"] else "none"),
    # merge checked before the invariant: a CRDT cannot keep a stock count from going below zero
    _with(coordination=lambda f: "fenced-lock" if f["single_actor"] else "crdt-merge" if f["merge"]
          else "conditional-write" if f["one_truth"] else "none"),
    # at-least-once where an effect must happen once: a crash after charging the card charges it again
    _with(delivery=lambda f: {"none": "not-needed", "lossy": "at-most-once", "all": "at-least-once",
                              "effect-once": "at-least-once"}[f["events"]]),
    # at-most-once where every message must arrive: a lost message is a lost like
    _with(delivery=lambda f: {"none": "not-needed", "lossy": "at-most-once", "all": "at-most-once",
                              "effect-once": "effectively-once"}[f["events"]]),
    # the write and its message in a plain local transaction: publishing after the commit is a dual write
    _with(transaction=lambda f: {"key": "single-key", "rows": "local-acid", "shards": "2pc", "services": "saga",
                                 "write-and-event": "local-acid"}[f["scope"]]),
    # a saga across shards that can prepare: intermediate states become visible where none may be
    _with(transaction=lambda f: {"key": "single-key", "rows": "local-acid", "shards": "saga", "services": "saga",
                                 "write-and-event": "outbox"}[f["scope"]]),
    # 2PC across partner companies that offer no prepare step
    _with(transaction=lambda f: {"key": "single-key", "rows": "local-acid", "shards": "2pc", "services": "2pc",
                                 "write-and-event": "outbox"}[f["scope"]]),
    # one order kept available in a partition (PA/EL): two sides append different orders
    _with(cap=lambda f: "PC/EC" if f["one_truth"] else "PA/EL"),
    # mergeable updates checked before the order: two leaders cannot keep one order
    _with(replication=lambda f: "consensus" if f["one_truth"] else "multi-leader" if f["merge"]
          else "consensus" if f["same_order"] else "single-leader-async"),
    # asynchronous followers for an invariant: a failover loses acknowledged writes
    _with(replication=lambda f: "single-leader-async" if f["one_truth"] else decide_right(f)["replication"]),
    # picks between two honest options with the global random: its answer changes from run to run
    _random_tie,
    # the seed notes' checklist only: no partitioning, coordination or transaction answers at all
    lambda f: {k: v for k, v in decide_right(f).items() if k in ("consistency", "cap", "delivery")},
]
