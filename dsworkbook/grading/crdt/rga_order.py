"""Exercise ``05-rga-order``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.crdt.replication import replica_states
from dsworkbook.crdt.rga import RGAId, linearise
from dsworkbook.crdt.workloads import TYPES, random_run
from dsworkbook.grading.core import WrongAnswer, attempt, exercise, fail, random_cases
from dsworkbook.grading.crdt._common import need_callable, run_in_sim, schedule_for

RGA_SEEDS = tuple(range(541, 547))
RANDOM_SEED, RANDOM_COUNT = 545, 150
ROOT = (0, "")
#: The longest run of typing the check uses: a chain of anchors as deep as the text is long.
LONG = 5000


def _plain(nodes: Any, tombstones: Any) -> tuple[list, list]:
    """RGA ids as plain (counter, replica) tuples, the form the learner's function receives."""
    return ([((i.counter, i.replica), (a.counter, a.replica), c) for i, a, c in nodes],
            [(t.counter, t.replica) for t in tombstones])


def _truth(nodes: list, tombstones: list) -> str:
    return "".join(c for _, c in linearise([(RGAId(*i), RGAId(*a), c) for i, a, c in nodes],
                                           [RGAId(*t) for t in tombstones]))


def _run(replica: str, chars: str, *, after: tuple = ROOT, start: int = 1) -> list:
    """One person typing ``chars`` after ``after``: a chain, each character anchored at the one before."""
    nodes, anchor = [], after
    for k, c in enumerate(chars):
        node = (start + k, replica)
        nodes.append((node, anchor, c))
        anchor = node
    return nodes


def _letters(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


_UNITS = [
    ("typing 'hi' from the start", [((1, "A"), ROOT, "h"), ((2, "A"), (1, "A"), "i")], []),
    ("two inserts after the same character: the newer comes first",
     [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((3, "B"), (1, "A"), "b")], []),
    ("concurrent inserts with the same counter: the larger replica id comes first",
     [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((2, "B"), (1, "A"), "b")], []),
    ("the same counter at replicas r9 and r10: as strings, 'r9' > 'r10', so r9's comes first",
     [((1, "r10"), ROOT, "x"), ((1, "r9"), ROOT, "y"), ((2, "r10"), (1, "r10"), "z")], []),
    ("one writer's run stays together", [((1, "A"), ROOT, "x"), ((2, "A"), (1, "A"), "a"), ((3, "A"), (2, "A"), "b"),
                                         ((2, "B"), (1, "A"), "Z"), ((3, "B"), (2, "B"), "Z")], []),
    ("a deleted character is not shown, but still anchors", [((1, "A"), ROOT, "a"), ((2, "A"), (1, "A"), "b"),
                                                             ((3, "B"), (2, "A"), "X"), ((4, "A"), (2, "A"), "c")],
     [(2, "A")]),
    ("a deep subtree before a newer sibling", [((1, "A"), ROOT, "a"), ((2, "A"), (1, "A"), "b"),
                                               ((3, "A"), (2, "A"), "c"), ((2, "B"), ROOT, "X")], []),
    ("an empty document", [], []),
    ("a document whose every character was deleted", [((1, "A"), ROOT, "a"), ((2, "A"), (1, "A"), "b")],
     [(1, "A"), (2, "A")]),
    (f"one run of {LONG:,} characters typed from the start", _run("A", _letters(LONG, 1)), []),
    (f"two runs of {LONG // 2:,} characters typed concurrently at the start, equal counters",
     _run("A", _letters(LONG // 2, 2)) + _run("B", _letters(LONG // 2, 3)), []),
    ("runs at r9 and r10 with equal counters, then a deletion in the middle",
     _run("r10", _letters(1200, 4)) + _run("r9", _letters(1200, 5)) + _run("r2", "MID", after=(600, "r9"), start=1201),
     [(k, "r9") for k in range(300, 900)]),
]

_HINTS = {
    "order": "read the nodes as a tree (each a child of its anchor) and walk it depth first from ROOT, visiting the "
             "children of a node newest first: by (counter, replica), descending - replica ids compared as strings",
    "shuffle": "the input order is arbitrary (a set): sort the children of each node by id, do not rely on the order "
               "the nodes came in",
    "tombstones": "a deleted character is hidden, but its children are still read after its position",
    "deep": "one person typing makes a chain as deep as the text is long: a walk that recurses once per character "
            "overflows Python's stack - keep the nodes still to visit in a list (an explicit stack)",
}


def _hint(tombstones: list, got: Any, want: str, shuffled: bool) -> str:
    if isinstance(got, str) and sorted(got) != sorted(want) and tombstones:
        return _HINTS["tombstones"]
    return (_HINTS["shuffle"] + "; " if shuffled else "") + _HINTS["order"]


def _check(fn: Any, nodes: list, tombstones: list, case: str, rng: random.Random | None = None) -> str:
    shown = list(nodes)
    if rng is not None:
        rng.shuffle(shown)
    want = _truth(nodes, tombstones)
    try:
        got = attempt(fn, list(shown), list(tombstones), input=(shown, tombstones), case=case)
    except WrongAnswer as exc:
        if str(exc.got).startswith("RecursionError"):
            fail(case=case, input=f"rga_text({shown!r}, {tombstones!r})", expected=repr(want), got=exc.got,
                 hint=_HINTS["deep"])
        raise
    if got != want:
        fail(case=case, input=f"rga_text({shown!r}, {tombstones!r})", expected=repr(want), got=repr(got),
             hint=_hint(tombstones, got, want, rng is not None))
    return want


def _draw(rng: random.Random) -> tuple[list, list]:
    """The state of one replica after a random history of 2-12 replicas typing, deleting and merging."""
    n = rng.choice([2, 3, 3, 5, 12])
    ids = rng.choice([[f"r{k}" for k in range(1, n + 1)], [f"r{k}" for k in range(8, 8 + n)],
                      [chr(65 + k) for k in range(n)]])
    run = random_run(TYPES["RGA"], rng, steps=rng.randint(1, 40), replicas=ids)
    state = rng.choice(run.finals)
    return _plain(state.nodes, state.tombstones)


@exercise("05-rga-order", title="The RGA ordering rule: linearise concurrent inserts", theme="T05",
          concepts=("R06",), reference="dsworkbook.crdt.rga.linearise")
def grade_rga_order(rga_text: Any) -> str:
    """``rga_text(nodes, tombstones) -> str``: the visible text of an RGA state.

    ``nodes`` is a list of ``(id, anchor, char)``: ``id`` a ``(counter, replica)`` pair, ``anchor``
    the id of the character it was inserted right after, or ``ROOT = (0, "")`` for the start;
    ``tombstones`` lists the ids of deleted characters. Order: a depth-first walk of the tree of
    anchors from ``ROOT``, children newest first (descending ``(counter, replica)``, replica ids
    compared as strings); skip deleted characters (their children still count). Checked on
    hand-written states (ties of counters, ``"r9"``/``"r10"``, runs of 5,000 characters), 150
    random states of 2-12 replicas in shuffled order, and the states of three replicas typing
    concurrently in the simulator under faults: every replica must read the same, right text.
    """
    need_callable(rga_text, "function rga_text(nodes, tombstones)")
    rng = random.Random(RANDOM_SEED)
    for name, nodes, tombs in _UNITS:
        _check(rga_text, nodes, tombs, name, rng if len(nodes) > 100 else None)
    for case, (nodes, tombs) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _check(rga_text, nodes, tombs, f"{case}, nodes shuffled", rng)
    chars = 0
    for seed in RGA_SEEDS:
        sim = run_in_sim(TYPES["RGA"], seed, schedule=schedule_for(seed))
        texts = {}
        for r, state in replica_states(sim).items():
            texts[r] = _check(rga_text, *_plain(state.nodes, state.tombstones),
                              f"replica {r} after three replicas typed under faults (seed={seed})", rng)
        chars += len(texts["A"])
    return (f"{len(_UNITS)} hand-written states (up to {LONG:,} characters), {RANDOM_COUNT} random states of 2-12 "
            f"replicas in shuffled order (seed {RANDOM_SEED}), and the final states of 3 replicas typing under "
            f"faults (seeds {RGA_SEEDS[0]}-{RGA_SEEDS[-1]}, {chars} characters in all) read back exactly as RGA "
            "orders them")
