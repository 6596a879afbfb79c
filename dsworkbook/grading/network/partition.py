"""Exercise ``01-partition-detect``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.sim import Simulation
from dsworkbook.sim.examples import Heartbeater

from dsworkbook.grading.network._common import _need_callable

def _reference_groups(last_heard: dict[str, dict[str, float]], now: float, timeout: float) -> list[set[str]]:
    import networkx as nx

    def hears(a: str, b: str) -> bool:
        t = last_heard.get(a, {}).get(b)
        return t is not None and now - t <= timeout

    g = nx.Graph()
    g.add_nodes_from(last_heard)
    g.add_edges_from((a, b) for a in last_heard for b in last_heard[a] if a != b and b in last_heard
                     and hears(a, b) and hears(b, a))
    return [set(c) for c in nx.connected_components(g)]


_PARTITION_UNITS = [
    ("everyone hears everyone", {"a": {"b": 95.0, "c": 96.0}, "b": {"a": 97.0, "c": 90.0},
                                 "c": {"a": 91.0, "b": 99.0}}, 100.0, 30.0),
    ("a one-way link: b hears a, a does not hear b", {"a": {}, "b": {"a": 95.0}}, 100.0, 30.0),
    ("a stale heartbeat", {"a": {"b": 20.0}, "b": {"a": 98.0}}, 100.0, 30.0),
    ("a chain: a-b and b-c, not a-c", {"a": {"b": 99.0}, "b": {"a": 99.0, "c": 98.0}, "c": {"b": 97.0}}, 100.0, 30.0),
    ("one node alone", {"a": {}}, 5.0, 30.0),
]

PARTITION_SEEDS = tuple(range(41, 49))


def _heartbeat_tables(seed: int) -> list[tuple[str, dict[str, dict[str, float]], float]]:
    """Snapshots of a heartbeat cluster's tables while partitions and one-way cuts come and go."""
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(rng.randint(4, 7))]
    sim = Simulation(seed=seed, latency=(1, 10), loss=0.05)
    sim.add_nodes(nodes, Heartbeater, every=10.0)
    snaps: list[tuple[str, dict[str, dict[str, float]], float]] = []

    def snap(label: str) -> None:
        table = {n: dict(sim.node(n).last_heard) for n in nodes}
        snaps.append((f"seed {seed}, t={sim.now:g}: {label}", table, sim.now))

    sim.run(until=100)
    snap("healthy")
    groups, cut = _cut_in_two(sim, nodes, rng)
    for until in (115, 140, 200):
        sim.run(until=until)
        snap(cut)
    sim.net.heal()
    sim.net.partition(groups[0])
    sim.run(until=260)
    snap(f"partition {sorted(groups[0])} | rest, after the cuts healed")
    return snaps


def _cut_in_two(sim: Simulation, nodes: list[str], rng: random.Random) -> tuple[list[list[str]], str]:
    """Cut the nodes into two random groups both ways, then let one or two links leak in one direction."""
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    k = rng.randint(1, len(nodes) - 1)
    groups = [shuffled[:k], shuffled[k:]]
    for a in groups[0]:
        for b in groups[1]:
            sim.net.cut(a, b, both=True)
    leaks = []
    for _ in range(rng.randint(1, 2)):
        a, b = rng.choice(groups[0]), rng.choice(groups[1])
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        sim.net.restore(src, dst)
        leaks.append(f"{src}->{dst}")
    return groups, f"{sorted(groups[0])} cut from {sorted(groups[1])}, except one way {', '.join(leaks)}"


def _normalise_groups(got: Any) -> list[frozenset[str]] | None:
    try:
        groups = [frozenset(g) for g in got]
    except TypeError:
        return None
    if isinstance(got, (str, dict)) or any(isinstance(g, str) for g in got):
        return None
    return groups


def _check_groups(fn: Callable[..., Any], case: str, table: dict, now: float, timeout: float) -> None:
    shown = f"last_heard={table}, now={now:g}, timeout={timeout:g}"
    got = attempt(fn, table, now, timeout, input=shown, case=case)
    expected = sorted((sorted(g) for g in _reference_groups(table, now, timeout)))
    groups = _normalise_groups(got)
    if groups is None:
        fail(case=case, input=shown, expected=f"a list of sets, e.g. {[set(g) for g in expected]}", got=got,
             hint="return a list of sets of node ids, one set per group")
    if sorted(sorted(g) for g in groups) != expected or sum(len(g) for g in groups) != len(table):
        fail(case=case, input=shown, expected=expected, got=sorted(sorted(g) for g in groups),
             hint=_groups_hint(table, now, timeout, groups))


def _variant_groups(table: dict, now: float, timeout: float, *, both: bool, use_now: bool) -> list[list[str]]:
    """The groups under a rule that differs from the spec (for the hint): one-way links, or no timeout."""
    def hears(a: str, b: str) -> bool:
        t = table.get(a, {}).get(b)
        return t is not None and (not use_now or now - t <= timeout)

    parent = {n: n for n in table}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for a in table:
        for b in table:
            if a < b and ((hears(a, b) and hears(b, a)) if both else (hears(a, b) or hears(b, a))):
                parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for n in table:
        groups.setdefault(root(n), []).append(n)
    return sorted(sorted(g) for g in groups.values())


def _groups_hint(table: dict, now: float, timeout: float, groups: list[frozenset[str]]) -> str:
    got = sorted(sorted(g) for g in groups)
    if sum(len(g) for g in groups) != len(table) or set().union(*groups) != set(table):
        return "every node of last_heard belongs to exactly one group (a node that hears nobody is a group of one)"
    one_way = got == _variant_groups(table, now, timeout, both=False, use_now=True)
    has_stale = any(now - t > timeout for row in table.values() for t in row.values())
    stale = has_stale and got in (_variant_groups(table, now, timeout, both=True, use_now=False),
                                  _variant_groups(table, now, timeout, both=False, use_now=False))
    if one_way and stale:
        return ("a pair is linked only when each heard the other within the timeout: a one-way link is not "
                "enough, and a heartbeat older than `timeout` does not count")
    if one_way:
        return "a heard b but b did not hear a: a one-way link does not put them in one group (both must hear)"
    if stale:
        return "a heartbeat older than `timeout` (now - last_heard[a][b] > timeout) does not count: use now"
    return "groups are the connected components of the 'hear each other both ways' graph (chains count)"


@exercise("01-partition-detect", title="Reachability groups from heartbeat tables", theme="T01", concepts=("N02",))
def grade_partition_detect(reachability_groups: Callable[..., Any]) -> str:
    """``reachability_groups(last_heard, now, timeout) -> list[set[str]]``.

    ``last_heard[a][b]`` is the local time at which node ``a`` last heard from ``b`` (absent if
    never); every node is a key of ``last_heard``. ``a`` *hears* ``b`` when ``now -
    last_heard[a][b] <= timeout``. Two nodes are linked when each hears the other; the groups
    are the connected components of that graph (a node linked to nobody is a group of one), in
    any order. Checked on hand-written tables and on tables of a heartbeat cluster in the
    simulator under seeded partitions and one-way cuts.
    """
    _need_callable(reachability_groups, "function reachability_groups(last_heard, now, timeout)")
    for name, table, now, timeout in _PARTITION_UNITS:
        _check_groups(reachability_groups, name, table, now, timeout)
    count = 0
    for seed in PARTITION_SEEDS:
        for label, table, now in _heartbeat_tables(seed):
            _check_groups(reachability_groups, label, table, now, 30.0)
            count += 1
    return (f"right on {len(_PARTITION_UNITS)} hand-written tables and {count} heartbeat tables from the "
            f"simulator (seeds {PARTITION_SEEDS[0]}-{PARTITION_SEEDS[-1]}, partitions and one-way cuts)")
