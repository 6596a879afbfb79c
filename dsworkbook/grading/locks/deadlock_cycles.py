"""Exercise ``09-deadlock-cycles``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 31
#: the largest graphs the check builds: a learner's recursion must not be what limits them
BIG = 3000


def reference(waits_for: dict[str, list[str]]) -> tuple[set[str], set[str]]:
    """``(on_cycle, stuck)``: transactions on a cycle of the wait-for graph, and those that can never finish."""
    graph = nx.DiGraph()
    graph.add_nodes_from(waits_for)
    for t, holders in waits_for.items():
        graph.add_edges_from((t, h) for h in holders)
    on_cycle = {t for comp in nx.strongly_connected_components(graph) for t in comp
                if len(comp) > 1 or graph.has_edge(t, t)}
    stuck = set(on_cycle)
    for t in on_cycle:
        stuck |= nx.ancestors(graph, t)
    return on_cycle, stuck


HINTS = {
    "form": "return a pair of sets (on_cycle, stuck)",
    "self": "a transaction that waits for itself (it asked again for a lock it holds, on a lock that is not "
            "re-entrant) is a cycle of length one",
    "long": "a cycle can be of any length: T1 waits for T2, ..., T7 waits for T1",
    "components": "look for cycles everywhere: the graph can have several separate parts, each with its own cycle",
    "chain": "a transaction that waits for a cycle (but is not on it) is stuck, yet it is not on_cycle: aborting "
             "it would not break the deadlock",
    "direction": "an edge points from the waiter to the holder: a holder the cycle waits for but that waits for "
                 "nobody on it can still finish",
    "diamond": "two paths to the same transaction are not a cycle: a cycle needs an edge back to a transaction "
               "still on the current path",
    "big": "the check builds chains thousands of transactions long: walk the graph with your own stack, not "
           "with recursion",
}

#: (case, waits_for, hint key)
HAND: list[tuple[str, dict[str, list[str]], str]] = [
    ("T1 and T2 wait for each other", {"T1": ["T2"], "T2": ["T1"]}, "long"),
    ("T3 waits for itself", {"T3": ["T3"], "T4": []}, "self"),
    ("a cycle of seven, T1 -> T2 -> ... -> T7 -> T1",
     {f"T{i}": [f"T{i % 7 + 1}"] for i in range(1, 8)}, "long"),
    ("two separate deadlocks", {"T1": ["T2"], "T2": ["T1"], "T8": ["T9"], "T9": ["T10"], "T10": ["T8"]},
     "components"),
    ("T5 waits for T1, which is on the cycle T1 <-> T2", {"T5": ["T1"], "T1": ["T2"], "T2": ["T1"]}, "chain"),
    ("the cycle T1 <-> T2 also waits for T3, which waits for nobody",
     {"T1": ["T2", "T3"], "T2": ["T1"], "T3": []}, "direction"),
    ("a diamond: T1 waits for T2 and T3, both wait for T4; no cycle",
     {"T1": ["T2", "T3"], "T2": ["T4"], "T3": ["T4"], "T4": []}, "diamond"),
    ("T1 waits for T2, which is not listed (it holds a lock and waits for nothing)", {"T1": ["T2"]}, "direction"),
    ("nobody waits", {}, "diamond"),
    (f"a chain of {BIG} transactions ending in a cycle of two",
     {**{f"T{i}": [f"T{i + 1}"] for i in range(1, BIG)}, f"T{BIG}": [f"T{BIG - 1}"]}, "big"),
    (f"a chain of {BIG} transactions and no cycle", {f"T{i}": [f"T{i + 1}"] for i in range(1, BIG)}, "big"),
]


def _draw(rng: random.Random) -> dict[str, list[str]]:
    n = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 50, 200, 1000))
    names = [f"T{i}" for i in range(1, n + 1)]
    rng.shuffle(names)
    p_wait = rng.choice((0.3, 0.6, 0.9))
    graph: dict[str, list[str]] = {}
    for t in names:
        if rng.random() < p_wait:
            k = rng.choice((1, 1, 1, 2, 3))
            targets = [rng.choice(names) for _ in range(k)]
            if n > 20:  # mostly acyclic at scale: point "forward" in the shuffled order, with a few back-edges
                i = names.index(t)
                targets = [names[min(n - 1, i + rng.randint(1, 5))] if rng.random() < 0.95 else x for x in targets]
            graph[t] = sorted(set(targets), key=lambda x: int(x[1:]))
        elif rng.random() < 0.5:
            graph[t] = []
    return graph


def _call(fn: Any, waits_for: dict[str, list[str]]) -> Any:
    return fn({t: list(h) for t, h in waits_for.items()})


def _shown(waits_for: dict[str, list[str]]) -> str:
    return f"waits_for = {waits_for!r}"


def _key(waits_for: dict[str, list[str]], got: Any, expected: tuple[set[str], set[str]]) -> str:
    """Which rule a wrong (but well-formed) answer breaks."""
    on, stuck = expected
    g_on, g_stuck = set(got[0]), set(got[1])
    if {t for t, h in waits_for.items() if t in h} - g_on:
        return "self"
    extra = g_on - on
    if extra & stuck:
        return "chain"
    if extra:
        return "diamond"
    if on - g_on:
        return "components" if g_on else "long"
    if g_stuck - stuck:
        return "direction"
    return "chain"


def _plain(got: Any) -> Any:
    """A result with its (salted) strings made plain and its sets sorted, to compare two worlds."""
    if _well_formed(got):
        return tuple(sorted(str(t) for t in part) for part in got)
    return repr(got)


def _well_formed(got: Any) -> bool:
    return (isinstance(got, tuple) and len(got) == 2
            and all(isinstance(s, (set, frozenset)) for s in got))


@exercise("09-deadlock-cycles", title="Find the deadlock in a wait-for graph", theme="T09", concepts=("L06",),
          reference="dsworkbook.locks.deadlock.find_deadlock")
def grade_deadlock_cycles(deadlocked: Any) -> str:
    """A function ``deadlocked(waits_for) -> (on_cycle, stuck)``: the transactions on a cycle of
    the wait-for graph, and every transaction that can never finish (on a cycle, or waiting -
    directly or not - for one on a cycle).

    Checked on hand-made graphs (a self-wait, a cycle of seven, two separate deadlocks, a waiter
    on a cycle, a holder the cycle waits for, a diamond without a cycle, holders not listed as
    keys, chains of 3,000 transactions) and 300 random graphs of up to 1,000 transactions with
    several components, against networkx's strongly connected components; and in two worlds
    with salted strings (set iteration order differs).
    """
    need_callable(deadlocked, "function deadlocked(waits_for)", allow_class=False)
    cases = [(c, g, k) for c, g, k in HAND] + [(c, g, "") for c, g in random_cases(RANDOM_SEED, 300, _draw)]
    for case, waits_for, key in cases:
        shown = _shown(waits_for)
        got = attempt(_call, deadlocked, waits_for, input=shown, case=case)
        expected = reference(waits_for)
        if not _well_formed(got) or (set(got[0]), set(got[1])) != expected:
            hint = HINTS["form"] if not _well_formed(got) else HINTS[key or _key(waits_for, got, expected)]
            fail(case=case, input=shown, expected=f"on_cycle={sorted(expected[0])}, stuck={sorted(expected[1])}",
                 got=got if not _well_formed(got) else f"on_cycle={sorted(got[0])}, stuck={sorted(got[1])}",
                 hint=hint)
    world = HAND[3][1]
    same_everywhere(_call, deadlocked, world, input=_shown(world), case="two separate deadlocks, run in two worlds",
                    salt_text=True, same=lambda a, b: _plain(a) == _plain(b))
    return (f"right on {len(HAND)} hand-made wait-for graphs (self-waits, a cycle of seven, two deadlocks, chains of "
            f"{BIG:,}) and {len(cases) - len(HAND)} random ones; the same in two worlds")
