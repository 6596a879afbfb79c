"""Exercise ``05-rga-order``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.crdt.replication import replica_states
from dsworkbook.crdt.rga import linearise
from dsworkbook.crdt.workloads import TYPES, random_run
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.crdt._common import need_callable, run_in_sim, schedule_for

RGA_SEEDS = tuple(range(541, 547))
ROOT = (0, "")


def _plain(nodes: Any, tombstones: Any) -> tuple[list, list]:
    """RGA ids as plain (counter, replica) tuples, the form the learner's function receives."""
    return ([((i.counter, i.replica), (a.counter, a.replica), c) for i, a, c in nodes],
            [(t.counter, t.replica) for t in tombstones])


def _truth(nodes: list, tombstones: list) -> str:
    from dsworkbook.crdt.rga import RGAId

    return "".join(c for _, c in linearise([(RGAId(*i), RGAId(*a), c) for i, a, c in nodes],
                                           [RGAId(*t) for t in tombstones]))


_UNITS = [
    ("typing 'hi' from the start", [((1, "A"), ROOT, "h"), ((2, "A"), (1, "A"), "i")], []),
    ("two inserts after the same character: the newer comes first",
     [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((3, "B"), (1, "A"), "b")], []),
    ("concurrent inserts with the same counter: the larger replica id comes first",
     [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((2, "B"), (1, "A"), "b")], []),
    ("one writer's run stays together", [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((3, "A"), (2, "A"), "b"),
                                         ((2, "B"), (1, "A"), "Z"), ((3, "B"), (2, "B"), "Z")], []),
    ("a deleted character is not shown, but still anchors", [((1, "A"), ROOT, "a"), ((2, "A"), (1, "A"), "b"),
                                                             ((3, "B"), (2, "A"), "X"), ((4, "A"), (2, "A"), "c")],
     [(2, "A")]),
    ("an empty document", [], []),
]

_HINTS = {
    "order": "read the nodes as a tree (each a child of its anchor) and walk it depth first from ROOT, visiting the "
             "children of a node newest first: by (counter, replica), descending",
    "shuffle": "the input order is arbitrary (a set): sort the children of each node by id, do not rely on the order "
               "the nodes came in",
    "tombstones": "a deleted character is hidden, but its children are still read after its position",
}


def _hint(nodes: list, tombstones: list, got: Any, want: str) -> str:
    if isinstance(got, str) and sorted(got) != sorted(want) and tombstones:
        return _HINTS["tombstones"]
    return _HINTS["order"]


def _check(fn: Any, nodes: list, tombstones: list, case: str, rng: random.Random | None = None) -> str:
    shown = list(nodes)
    if rng is not None:
        rng.shuffle(shown)
    want = _truth(nodes, tombstones)
    got = attempt(fn, list(shown), list(tombstones), input=(shown, tombstones), case=case)
    if got != want:
        fail(case=case, input=f"rga_text({shown!r}, {tombstones!r})", expected=repr(want), got=repr(got),
             hint=_hint(nodes, tombstones, got, want) if rng is None else
             _HINTS["shuffle"] + "; " + _HINTS["order"])
    return want


@exercise("05-rga-order", title="The RGA ordering rule: linearise concurrent inserts", theme="T05",
          concepts=("R06",))
def grade_rga_order(rga_text: Any) -> str:
    """``rga_text(nodes, tombstones) -> str``: the visible text of an RGA state.

    ``nodes`` is a list of ``(id, anchor, char)``: ``id`` a ``(counter, replica)`` pair, ``anchor``
    the id of the character it was inserted right after, or ``ROOT = (0, "")`` for the start;
    ``tombstones`` lists the ids of deleted characters. Order: a depth-first walk of the tree of
    anchors from ``ROOT``, children newest first (descending ``(counter, replica)``); skip deleted
    characters (their children still count). Checked on hand-written states, 60 random states in
    shuffled order, and the states of three replicas typing concurrently in the simulator under
    partitions, loss, duplication and crashes: every replica must read the same text, the right one.
    """
    need_callable(rga_text, "function rga_text(nodes, tombstones)")
    for name, nodes, tombs in _UNITS:
        _check(rga_text, nodes, tombs, name)
    rng = random.Random(545)
    for i in range(60):
        state = random_run(TYPES["RGA"], rng, steps=rng.randint(4, 16)).finals[i % 3]
        _check(rga_text, *_plain(state.nodes, state.tombstones), f"random state {i} (seed 545), nodes shuffled", rng)
    chars = 0
    for seed in RGA_SEEDS:
        sim = run_in_sim(TYPES["RGA"], seed, schedule=schedule_for(seed))
        texts = {}
        for r, state in replica_states(sim).items():
            texts[r] = _check(rga_text, *_plain(state.nodes, state.tombstones),
                              f"replica {r} after three replicas typed under faults (seed={seed})", rng)
        chars += len(texts["A"])
    return (f"{len(_UNITS)} hand-written states, 60 random states in shuffled order, and the final states of 3 "
            f"replicas typing under faults (seeds {RGA_SEEDS[0]}-{RGA_SEEDS[-1]}, {chars} characters in all) "
            "read back exactly as RGA orders them")
