"""Exercise ``01-partition-detect``: reachability groups from heartbeat tables.

The answer is a function ``reachability_groups(last_heard, now, timeout)``; the reference is
:func:`reference_groups` (the connected components of the "each hears the other within the
timeout" graph). The check compares the two on:

* hand tables with pointed hints (a one-way link, a stale heartbeat, a chain, a loner);
* 150 random tables over the whole domain (seeded): 1 to 14 nodes with ids such as ``n9`` and
  ``n10`` in any order, heartbeats exactly ``timeout`` old, one ms too old, one-way links, chains
  and groups larger than three;
* two large tables: a chain of 2,000 nodes and 1,000 nodes in a few sparse groups;
* tables taken from a heartbeat cluster in the simulator under partitions and one-way cuts.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.network._common import _need_callable
from dsworkbook.sim import Simulation
from dsworkbook.sim.examples import Heartbeater

__all__ = ["grade_partition_detect", "reference_groups"]


def reference_groups(last_heard: dict[str, dict[str, float]], now: float, timeout: float) -> list[set[str]]:
    """The reference: ``a`` hears ``b`` when ``now - last_heard[a][b] <= timeout``; two nodes are
    linked when each hears the other; the groups are the connected components of the links."""
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
_RANDOM_SEED, _RANDOM_COUNT = 49, 150


def _draw_table(rng: random.Random) -> tuple[dict[str, dict[str, float]], float, float]:
    """A random table: hidden groups wired as chains, plus extra, one-way, stale and missing heartbeats."""
    n = rng.choice([1, 2, 3, rng.randint(4, 8), rng.randint(9, 14), rng.randint(9, 14)])
    ids = [f"n{i}" for i in range(1, n + 1)] if rng.random() < 0.7 else [f"node-{chr(97 + i)}" for i in range(n)]
    rng.shuffle(ids)
    now, timeout = float(rng.randint(50, 1000)), float(rng.randint(1, 60))

    def fresh() -> float:
        return now - rng.choice([0, timeout, timeout, rng.randint(0, int(timeout))])

    def stale() -> float:
        return now - rng.choice([timeout + 1, timeout + 1, rng.randint(int(timeout) + 1, 3 * int(timeout) + 2)])

    table: dict[str, dict[str, float]] = {a: {} for a in ids}
    order = ids[:]
    rng.shuffle(order)
    cuts = sorted(rng.sample(range(1, n), k=rng.randint(0, min(3, n - 1)))) if n > 1 else []
    groups = [order[i:j] for i, j in zip([0] + cuts, cuts + [n])]
    for g in groups:
        for x, y in zip(g, g[1:]):
            table[x][y], table[y][x] = fresh(), fresh()
    for a in ids:
        for b in ids:
            if a == b or b in table[a]:
                continue
            r = rng.random()
            if r < 0.35:
                continue  # never heard
            table[a][b] = stale() if r < 0.7 else fresh()  # fresh one way: the other way decides
    return table, now, timeout


def _chain(n: int) -> tuple[dict[str, dict[str, float]], float, float]:
    """n0 - n1 - ... - n{n-1}, each hearing only its neighbours, listed in a shuffled order."""
    ids = [f"n{i}" for i in range(n)]
    table = {a: {} for a in random.Random(n).sample(ids, n)}
    for x, y in zip(ids, ids[1:]):
        table[x][y] = table[y][x] = 990.0
    return table, 1000.0, 10.0


def _sparse(n: int, seed: int) -> tuple[dict[str, dict[str, float]], float, float]:
    """``n`` nodes in five groups; each hears about four others of its group, some links one way or stale."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(n)]
    rng.shuffle(ids)
    table: dict[str, dict[str, float]] = {a: {} for a in ids}
    for k in range(5):
        group = ids[k::5]
        for i, a in enumerate(group):
            for b in rng.sample(group, 4) + group[i + 1: i + 2]:
                if b != a:
                    table[a][b] = 1000.0 - rng.choice([0, 10, 10, 11, 3])
                    table[b][a] = 1000.0 - rng.choice([0, 10, 2, 11])
    return table, 1000.0, 10.0


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


def _check_groups(fn: Callable[..., Any], case: str, table: dict, now: float, timeout: float,
                  shown: str | None = None) -> None:
    shown = shown or f"last_heard={table}, now={now:g}, timeout={timeout:g}"
    got = attempt(fn, table, now, timeout, input=shown, case=case)
    expected = sorted((sorted(g) for g in reference_groups(table, now, timeout)))
    groups = _normalise_groups(got)
    if groups is None:
        fail(case=case, input=shown, expected=f"a list of sets, e.g. {[set(g) for g in expected]}", got=got,
             hint="return a list of sets of node ids, one set per group")
    if sorted(sorted(g) for g in groups) != expected or sum(len(g) for g in groups) != len(table):
        fail(case=case, input=shown, expected=expected, got=sorted(sorted(g) for g in groups),
             hint=_groups_hint(table, now, timeout, groups))


def _variant_groups(table: dict, now: float, timeout: float, *, both: bool, use_now: bool,
                    strict: bool = False) -> list[list[str]]:
    """The groups under a rule that differs from the spec (for the hint): one-way links, no timeout, < for <=."""
    def hears(a: str, b: str) -> bool:
        t = table.get(a, {}).get(b)
        return t is not None and (not use_now or (now - t < timeout if strict else now - t <= timeout))

    parent = {n: n for n in table}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for a in table:
        for b in table[a]:
            if b in parent and a != b and ((hears(a, b) and hears(b, a)) if both else (hears(a, b) or hears(b, a))):
                parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for n in table:
        groups.setdefault(root(n), []).append(n)
    return sorted(sorted(g) for g in groups.values())


def _groups_hint(table: dict, now: float, timeout: float, groups: list[frozenset[str]]) -> str:
    got = sorted(sorted(g) for g in groups)
    if sum(len(g) for g in groups) != len(table) or set().union(*groups) != set(table):
        return "every node of last_heard belongs to exactly one group (a node that hears nobody is a group of one)"
    if len(table) <= 200 and got == _variant_groups(table, now, timeout, both=True, use_now=True, strict=True):
        return "a heartbeat exactly `timeout` old still counts: a hears b when now - last_heard[a][b] <= timeout"
    if len(table) > 200:
        return "groups are the connected components of the 'hear each other both ways' graph (chains count)"
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


@exercise("01-partition-detect", title="Reachability groups from heartbeat tables", theme="T01", concepts=("N02",),
          reference="dsworkbook.grading.network.partition.reference_groups", seconds=5.0)
def grade_partition_detect(reachability_groups: Callable[..., Any]) -> str:
    """``reachability_groups(last_heard, now, timeout) -> list[set[str]]``.

    ``last_heard[a][b]`` is the local time at which node ``a`` last heard from ``b`` (absent if
    never); every node is a key of ``last_heard``. ``a`` *hears* ``b`` when ``now -
    last_heard[a][b] <= timeout``. Two nodes are linked when each hears the other; the groups
    are the connected components of that graph (a node linked to nobody is a group of one), in
    any order. See the module docstring for what is checked.
    """
    _need_callable(reachability_groups, "function reachability_groups(last_heard, now, timeout)")
    for name, table, now, timeout in _PARTITION_UNITS:
        _check_groups(reachability_groups, name, table, now, timeout)
    for label, (table, now, timeout) in random_cases(_RANDOM_SEED, _RANDOM_COUNT, _draw_table):
        _check_groups(reachability_groups, label, table, now, timeout)
    table, now, timeout = _chain(2000)
    _check_groups(reachability_groups, "a chain of 2,000 nodes", table, now, timeout,
                  shown="a chain n0 - n1 - ... - n1999 (each hears only its two neighbours, 10 ms ago; the keys "
                        "of last_heard in a shuffled order), now=1000, timeout=10")
    table, now, timeout = _sparse(1000, 50)
    _check_groups(reachability_groups, "1,000 nodes in five sparse groups", table, now, timeout,
                  shown="1,000 nodes n0..n999 in five groups (n0, n5, n10... form one); each heard about four "
                        "others of its group 0, 2, 3, 10 or 11 ms ago, now=1000, timeout=10")
    count = 0
    for seed in PARTITION_SEEDS:
        for label, table, now in _heartbeat_tables(seed):
            _check_groups(reachability_groups, label, table, now, 30.0)
            count += 1
    return (f"right on {len(_PARTITION_UNITS)} hand-written tables, {_RANDOM_COUNT} random ones (seed "
            f"{_RANDOM_SEED}), a chain of 2,000 nodes, 1,000 nodes in sparse groups and {count} heartbeat tables from the "
            f"simulator (seeds {PARTITION_SEEDS[0]}-{PARTITION_SEEDS[-1]}, partitions and one-way cuts)")
