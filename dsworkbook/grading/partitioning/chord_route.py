"""Exercise ``11-chord-route``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
import math
import random
from typing import Any

from dsworkbook.grading.core import exercise, fail, in_simulation, same_everywhere
from dsworkbook.grading.core import attempt, random_cases
from dsworkbook.partitioning.chord import ChordNode, FindSuccessor, chord_id, stable_tables
from dsworkbook.partitioning.chord_runs import chord_schedule, true_successor
from dsworkbook.sim import UP, Simulation

HINTS = {
    "owner": "a key belongs to its successor: the first node whose identifier is equal to or follows it; when the "
             "target lies in (self.ident, id of the successor] answer with the successor, not with this node",
    "equal": "the arc is half-open: (a, b] holds b itself, so a target equal to the successor's identifier is "
             "settled here, and a target equal to this node's identifier is not",
    "wrap": "identifiers wrap around at 2**m: when a > b the arc (a, b] is the part above a together with the part "
            "up to b",
    "single": "on a ring of one node the successor is the node itself: (a, a] is the whole circle, so answer at once",
    "preceding": "forward to the finger or successor-list entry that lies strictly between this node and the target "
                 "and is farthest from this node clockwise (skip None, this node and nodes in self.dead); if none "
                 "does, forward to the live successor",
    "hops": "count one hop per forward: the FindSuccessor you forward carries msg.hops + 1; the Found you answer "
            "carries msg.hops",
    "dead": "a successor in self.dead is down: settle or forward with the first live successor "
            "(self._live_succ()), never with self.succ[0] - and when every successor is dead, this node is alone",
    "stuck": "some lookups never completed: a lookup that is forwarded back and forth or round the ring never ends",
}


def _names(n: int, m: int, seed: int) -> list[str]:
    """``n`` node names with distinct ``m``-bit identifiers."""
    rng, out, ids = random.Random(seed), [], set()
    while len(out) < n:
        name = f"c{rng.randrange(10**6)}"
        if chord_id(name, m) not in ids:
            ids.add(chord_id(name, m))
            out.append(name)
    return out


def _stable(cls: type, names: list[str], m: int, seed: int, until: float) -> Simulation:
    tables = stable_tables(names, m, 4)
    sim = Simulation(seed=seed, latency=(1, 10), trace=False)
    for name in names:
        sim.add_node(name, cls, init=tables[name], m=m, stabilize_every=1e9, fix_every=1e9, lookup_every=40.0)
    sim.run(until=until)
    return sim


def _churn(cls: type, seed: int) -> Simulation:
    """16 nodes, 2 joins and 3 crashes between 500 and 2500 ms, lookups throughout (as chord_run does)."""
    names = [f"c{i}" for i in range(16)]
    tables = stable_tables(names, 32, 4)
    sim = Simulation(seed=seed, latency=(1, 10), trace=False)
    opts = dict(m=32, r=4, lookup_every=100.0)
    for name in names:
        sim.add_node(name, cls, init=tables[name], **opts)
    rng = sim.rng

    def join(name: str) -> None:
        live = [x for x in sim.node_ids if sim.status(x) == UP]
        sim.add_node(name, cls, bootstrap=rng.choice(live), **opts)
    for k in range(2):
        sim.at(round(rng.uniform(500, 2500)), join, f"j{k}")
    chord_schedule(seed, 16, churn=(500.0, 2500.0)).apply_to(sim)
    sim.run(until=6500)
    return sim


# -- one node by hand: successors and fingers that are dead -----------------------------------------------

HAND_SEED, HAND_COUNT = 23, 400


def _detached(cls: type, name: str, m: int, table: dict[str, Any], dead: set[str]) -> ChordNode:
    """A node outside any simulation, started from ``table`` with ``dead`` suspected (its effects cleared)."""
    node = cls(name, m=m, r=len(table["succ"]), init=table, lookup_every=0.0)
    node.on_start()
    node.take_effects()
    node.dead = set(dead)
    return node


def _draw_hand(rng: random.Random) -> tuple:
    m = rng.choice((5, 6, 7))
    names = _names(rng.choice((3, 4, 6, 8)), m, rng.randrange(10**6))
    tables = stable_tables(names, m, 3)
    me = rng.choice(names)
    others = [n for n in names if n != me]
    table = tables[me]
    pick = rng.random()
    if pick < 0.3:
        dead = set(table["succ"][:rng.randint(1, len(table["succ"]))])   # the first successors are down
    elif pick < 0.45:
        dead = set(others)                                                # everyone else is down
    else:
        dead = {n for n in others if rng.random() < 0.4}
    ids = [chord_id(n, m) for n in names]
    target = rng.choice([rng.randrange(2**m), rng.choice(ids), (rng.choice(ids) + 1) % 2**m,
                         (rng.choice(ids) - 1) % 2**m])
    return m, names, me, table, dead, target, rng.randint(0, 5)


def _check_by_hand(cls: type) -> int:
    """``_closest_preceding`` and ``_route`` called on one node whose successors or fingers are dead."""
    for case, (m, names, me, table, dead, target, hops) in random_cases(HAND_SEED, HAND_COUNT, _draw_hand):
        shown = (f"node {me} (id {chord_id(me, m)}) of {len(names)} on {m}-bit identifiers "
                 f"{ {n: chord_id(n, m) for n in names} }; successors {table['succ']}, fingers {table['fingers']}, "
                 f"self.dead = {sorted(dead)}")
        ref, ans = _detached(ChordNode, me, m, table, dead), _detached(cls, me, m, table, dead)
        want = ref._closest_preceding(target)
        got = attempt(ans._closest_preceding, target, input=f"{shown}; _closest_preceding({target})", case=case)
        if got != want:
            fail(case=case, input=f"{shown}; _closest_preceding({target})", expected=repr(want), got=repr(got),
                 hint=HINTS["preceding"])
        origin = next(n for n in names if n != me) if len(names) > 1 else "client"
        msg = FindSuccessor(target, origin, ("lookup", 1), hops, 7)
        ref._route(msg)
        attempt(ans._route, msg, input=f"{shown}; _route({msg})", case=case)
        want_eff, got_eff = ref.take_effects(), ans.take_effects()
        if got_eff != want_eff:
            fail(case=case, input=f"{shown}; _route({msg})", expected=want_eff, got=got_eff,
                 hint=HINTS["dead"] if any(n in dead for n in table["succ"]) else HINTS["preceding"])
    return HAND_COUNT


def _lookups(sim: Simulation) -> list[tuple]:
    return [(o.process, o.invoke_time, o.input, o.outcome, o.output) for o in sim.history if o.f == "lookup"]


def _diagnose(got: list[tuple], want: list[tuple], names: list[str], m: int) -> tuple[str, Any, Any, str]:
    """The first lookup that differs, and the rule it breaks."""
    ring = sorted(names, key=lambda x: chord_id(x, m))
    ids = [chord_id(x, m) for x in ring]
    pairs = [(g, w) for g, w in zip(got, want) if g[3] == w[3] == "ok" and g[4][0] == w[4][0]]
    for g, w in zip(got, want):
        if g == w:
            continue
        target = w[2]
        if g[3] != "ok":
            key = "single" if len(names) == 1 else "stuck"
        elif g[4][0] != w[4][0]:
            owner = w[4][0]
            pred = ring[ring.index(owner) - 1] if owner in ring else None
            key = ("single" if len(names) == 1 else "owner" if g[4][0] == pred and target not in ids
                   else "equal" if target in ids else "wrap" if target > ids[-1] or target < ids[0] else "owner")
        else:
            counted_last = all(gg[4][1] == ww[4][1] + 1 for gg, ww in pairs)
            key = "hops" if g[4][1] < w[4][1] or counted_last else "preceding"
        return key, w, g, f"lookup of target {target} by {w[0]} at t={w[1]:g}"
    return "stuck", f"{len(want)} lookups", f"{len(got)} lookups", "the number of lookups"


def _compare(cls: type, run: Any, case: str, names: list[str], m: int, scenario: str) -> Simulation:
    with in_simulation(case=case, input=scenario):
        sim = run(cls)
    ref = run(ChordNode)
    got, want = _lookups(sim), _lookups(ref)
    if got != want:
        key, w, g, where = _diagnose(got, want, names, m)
        ids = {x: chord_id(x, m) for x in sorted(names, key=lambda x: chord_id(x, m))} if len(names) <= 16 else {}
        fail(case=case, input=f"{scenario}; {where}" + (f"; node identifiers {ids}" if ids else ""),
             expected=f"(process, invoked at, target, outcome, (owner, hops)) = {w}", got=g, hint=HINTS[key])
    return sim


@exercise("11-chord-route", title="Chord's routing step: settle or forward", theme="T11", concepts=("H04",),
          reference=("dsworkbook.partitioning.chord.ChordNode._route",
                     "dsworkbook.partitioning.chord.ChordNode._closest_preceding"), seconds=40.0)
def grade_chord_route(RoutingNode: Any) -> str:
    """A ``ChordNode`` subclass overriding ``_route(msg)`` and ``_closest_preceding(target)``.

    First both are called directly on one node built by hand, 400 times: rings of 3 to 8 nodes on
    5- to 7-bit identifiers, the node's first successors, all its peers or random ones in
    ``self.dead``, targets on and next to node identifiers; the return value and the effects
    (the Found or the forwarded FindSuccessor with its ack timer) must be the library's.

    Every run is also run with the library's ``ChordNode`` and the lookup histories (who, when,
    which target, outcome, owner and hops) must be identical. Runs: a ring of one node; rings of
    2, 3 and 8 nodes on 5- to 7-bit identifiers, so that lookups hit node identifiers exactly
    and wrap past 0 again and again; 64 nodes on 32 bits (hop counts); and a churn run (16
    nodes, 2 joins, 3 crashes) whose lookups after it must find the true successor - in two
    worlds.
    """
    if not (inspect.isclass(RoutingNode) and issubclass(RoutingNode, ChordNode)):
        fail(case="the answer itself", input=repr(RoutingNode), expected="a subclass of ChordNode",
             got=type(RoutingNode).__name__, hint="pass the class RoutingNode itself (its name, without calling it)")
    runs = [("a ring of one node (m = 5)", _names(1, 5, 1), 5, 1),
            ("two nodes on 5-bit identifiers", _names(2, 5, 2), 5, 2),
            ("three nodes on 5-bit identifiers", _names(3, 5, 3), 5, 3),
            ("eight nodes on 6-bit identifiers", _names(8, 6, 4), 6, 4),
            ("eight nodes on 7-bit identifiers", _names(8, 7, 5), 7, 5),
            ("twenty nodes on 6-bit identifiers", _names(20, 6, 6), 6, 6),
            ("64 nodes on 32-bit identifiers", _names(64, 32, 7), 32, 7)]
    by_hand = _check_by_hand(RoutingNode)
    total = 0
    for case, names, m, seed in runs:
        until = 3000.0 if len(names) < 64 else 2000.0
        scenario = f"{len(names)} nodes with correct tables, m = {m}, seed {seed}, lookups every 40 ms per node"
        sim = _compare(RoutingNode, lambda cls: _stable(cls, names, m, seed, until), case, names, m, scenario)
        total += len(_lookups(sim))
    seed = 11
    scenario = f"16 nodes, 2 joins and 3 crashes between t=500 and t=2500 ms, seed {seed}"
    sim = _compare(RoutingNode, lambda cls: _churn(cls, seed), "a run with joins and crashes",
                   [f"c{i}" for i in range(16)] + ["j0", "j1"], 32, scenario)
    live = [x for x in sim.node_ids if sim.status(x) == UP]
    late = [o for o in sim.history if o.f == "lookup" and o.invoke_time >= 5000 and o.outcome == "ok"]
    wrong = [o for o in late if o.output[0] != true_successor(o.input, live, 32)]
    if not late or wrong:
        fail(case="lookups after the churn", input=scenario, expected="every lookup from t=5000 ms finds the true "
             "successor among the live nodes", got=f"{len(wrong)} of {len(late)} wrong", hint=HINTS["owner"])
    names = _names(8, 6, 4)
    same_everywhere(lambda: _lookups(_stable(RoutingNode, names, 6, 4, 1000.0)), input="eight nodes, m = 6, seed 4",
                    case="eight nodes, run in two worlds")
    hops = [o.output[1] for o in _stable(ChordNode, _names(64, 32, 7), 32, 7, 2000.0).history if o.outcome == "ok"]
    return (f"{by_hand} calls of _closest_preceding and _route on one node with dead successors and fingers, and "
            f"the same {total:,} lookups as the library's ChordNode on rings of 1 to 64 nodes (a target on a node "
            f"identifier, the wrap past 0, one node; {sum(hops) / len(hops):.2f} hops on average with 64 nodes, "
            f"0.5 log2 64 = {0.5 * math.log2(64):g}), and after joins and crashes every late lookup found its "
            "successor; the same in two worlds")
