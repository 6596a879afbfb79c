"""Exercise ``01-drill-determinism``: make a node replayable from its seed (N01).

The learner fixes :class:`dsworkbook.sim.examples.NaiveGossip`, which draws from the global
``random`` and reads the wall clock. The fixed class (same constructor, same attributes:
``knows``, ``learned_at``, ``told``) runs in a six-node cluster whose nodes have different clock
offsets, on several seeds, and must:

1. give the same trace twice for the same seed (it draws only from ``self.rng``);
2. make different choices on different seeds (it does not hide a private, fixed generator);
3. stamp ``learned_at`` with its own local clock at the moment the rumour first arrived;
4. pick peers at random (each peer of n1 gets 10-30% of its rumours over all runs), and
5. still spread the rumour to every node.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.grading.network._common import _need_callable, _run
from dsworkbook.sim import Node, Simulation

SEEDS = (81, 82, 83, 84)
NODES = ("n1", "n2", "n3", "n4", "n5", "n6")
OFFSETS = {"n2": 250.0, "n3": -40.0, "n5": 1_000.0}
UNTIL = 400.0


def _run_gossip(cls: type, seed: int) -> Simulation:
    sim = Simulation(seed=seed, latency=(1, 10))
    for n in NODES:
        sim.add_node(n, cls)
    for n, offset in OFFSETS.items():
        sim.set_clock_offset(n, offset)
    _run(sim, until=UNTIL, case=f"six nodes gossiping, seed={seed}")
    return sim


def _state(sim: Simulation, node: str, attr: str, case: str) -> Any:
    try:
        return getattr(sim.node(node), attr)
    except AttributeError:
        fail(case=case, input=f"node {node} after the run", expected=f"an attribute {attr!r}", got="no such attribute",
             hint="keep NaiveGossip's attributes: knows, learned_at and told")


def _check_replay(cls: type, seed: int) -> Simulation:
    first, second = _run_gossip(cls, seed), _run_gossip(cls, seed)
    if first.trace.digest() != second.trace.digest():
        fail(case=f"seed={seed}, run twice", input=f"Simulation(seed={seed}) with six gossip nodes, run twice",
             expected="two identical traces", got="two different traces",
             hint="every random choice must come from self.rng, the simulation's seeded generator")
    return first


def _check_learned_at(sim: Simulation) -> None:
    for n in NODES[1:]:
        case = f"seed={sim.seed}, node {n} (clock offset {OFFSETS.get(n, 0):+g} ms)"
        arrivals = [r.time for r in sim.trace.of_kind("deliver") if r.node == n]
        if not arrivals:
            fail(case=case, input=f"the run of seed {sim.seed}", expected=f"{n} hears the rumour by t={UNTIL:g}",
                 got="it never did", hint="a node that knows the rumour must keep telling random peers")
        expected = sim.clock(n).read(arrivals[0])
        got = _state(sim, n, "learned_at", case)
        if not isinstance(got, (int, float)) or abs(got - expected) > 1e-6:
            fail(case=case, input=f"the rumour reached {n} at true time {arrivals[0]:.3f} ms", expected=expected,
                 got=got, hint="stamp learned_at with the node's own clock, self.now(), when the rumour first arrives")


def _told(sim: Simulation, case: str) -> list[str]:
    told = _state(sim, "n1", "told", case)
    if not isinstance(told, list) or not told:
        fail(case=case, input="node n1 after the run", expected="a non-empty list of the peers it told",
             got=told, hint="append each peer you send the rumour to, as NaiveGossip does")
    return told


def _check_choices(runs: list[Simulation]) -> None:
    told = {sim.seed: _told(sim, f"seed={sim.seed}") for sim in runs}
    seqs = list(told.values())
    if all(s == seqs[0] for s in seqs[1:]):
        fail(case=f"seeds {list(told)}", input="n1's choices of peers under different seeds", expected="different choices",
             got=f"the same sequence every time: {seqs[0][:8]}...",
             hint="a private random.Random(fixed seed) ignores the simulation's seed: use self.rng")
    every = [p for s in seqs for p in s]
    for peer in NODES[1:]:
        share = every.count(peer) / len(every)
        if not 0.10 <= share <= 0.30:
            fail(case=f"seeds {list(told)}", input=f"{len(every)} peers chosen by n1", expected="each of 5 peers ~20%",
                 got=f"{peer} chosen {share:.0%} of the time",
                 hint="choose the peer at random among self.peers, e.g. self.rng.choice(self.peers)")


@exercise("01-drill-determinism", title="Drill: make a gossiping node replayable", theme="T01", concepts=("N01",),
          kind="drill")
def grade_drill_determinism(FixedGossip: Any) -> str:
    """``class FixedGossip(Node)``: NaiveGossip with ``self.rng`` and ``self.now()`` instead of
    ``random`` and ``time.time()`` (same constructor ``(node_id, period=10.0)``, same attributes)."""
    _need_callable(FixedGossip, "class")
    if not (isinstance(FixedGossip, type) and issubclass(FixedGossip, Node)):
        fail(case="the answer itself", input=repr(FixedGossip), expected="a Node subclass", got=FixedGossip,
             hint="define class FixedGossip(Node) (or subclass NaiveGossip) and pass the class")
    runs = [_check_replay(FixedGossip, seed) for seed in SEEDS]
    for sim in runs:
        _check_learned_at(sim)
    _check_choices(runs)
    return (f"same seed, same trace on seeds {', '.join(map(str, SEEDS))}; learned_at read from each node's own "
            "clock; peers chosen at random from the simulation's seed")
