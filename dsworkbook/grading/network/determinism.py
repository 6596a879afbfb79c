"""Exercise ``01-drill-determinism``: make a node replayable from its seed (N01).

The learner fixes :class:`dsworkbook.sim.examples.NaiveGossip`, which draws from the global
``random`` and reads the wall clock. The fixed class (same constructor, same attributes:
``knows``, ``learned_at``, ``told``) runs in a six-node cluster whose nodes have different clock
offsets, on several seeds, and must:

1. give the same trace twice for the same seed (it draws only from ``self.rng``), and the same
   trace in two *worlds* that differ in ``hash()`` salts, the global ``random`` state and the
   wall clock (:func:`~dsworkbook.grading.core.same_everywhere`), and in two runs whose node ids
   hash differently (:class:`~dsworkbook.grading.core.SaltedStr`: the way strings hash differently in two Python
   processes, so an order taken from a ``set`` of peers changes): a ``hash()``, a set's order, a
   generator seeded from the clock all fail here;
2. make different choices on different seeds (it does not hide a private, fixed generator, nor
   re-seed the simulation's);
3. stamp ``learned_at`` with its own local clock at the moment the rumour first arrived;
4. tell only its peers, picked at random (each peer of n1 gets 10-30% of its rumours over all
   runs), and
5. still spread the rumour to every node.

:class:`ReferenceGossip` is the reference.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import SaltedStr, exercise, fail, same_everywhere
from dsworkbook.grading.network._common import _need_callable, _run
from dsworkbook.sim import Node, Simulation
from dsworkbook.sim.examples import NaiveGossip

__all__ = ["grade_drill_determinism", "ReferenceGossip"]


class ReferenceGossip(NaiveGossip):
    """NaiveGossip made replayable: every draw from ``self.rng``, every time from ``self.now()``."""

    def on_start(self) -> None:
        self.knows = self.id == "n1"
        self.learned_at = self.now() if self.knows else None
        self.told = []
        self.set_timer("gossip", self.rng.uniform(0, self.period))

    def on_timer(self, name: Any) -> None:
        if self.knows:
            peer = self.rng.choice(self.peers)
            self.told.append(peer)
            self.send(peer, ("rumour",))
        self.set_timer("gossip", self.period)

    def on_message(self, src: str, msg: Any) -> None:
        if not self.knows:
            self.knows, self.learned_at = True, self.now()

SEEDS = (81, 82, 83, 84)
NODES = ("n1", "n2", "n3", "n4", "n5", "n6")
OFFSETS = {"n2": 250.0, "n3": -40.0, "n5": 1_000.0}
UNTIL = 400.0


def _salts_that_reorder() -> list[int]:
    """Salts under which a set of the node ids iterates in different orders (found, not assumed)."""
    def order(salt: int) -> list[str]:
        return [str(n) for n in set(SaltedStr(n, salt) for n in NODES)]

    salts = [1]
    for salt in range(2, 500):
        if all(order(salt) != order(s) for s in salts):
            salts.append(salt)
        if len(salts) == 3:
            break
    return salts


def _run_gossip(cls: type, seed: int, salt: int | None = None) -> Simulation:
    ids = [n if salt is None else SaltedStr(n, salt) for n in NODES]
    sim = Simulation(seed=seed, latency=(1, 10))
    for n in ids:
        sim.add_node(n, cls)
    for n in ids:
        if str(n) in OFFSETS:
            sim.set_clock_offset(n, OFFSETS[str(n)])
    _run(sim, until=UNTIL, case=f"six nodes gossiping, seed={seed}")
    return sim


def _state(sim: Simulation, node: str, attr: str, case: str) -> Any:
    try:
        return getattr(sim.node(node), attr)
    except AttributeError:
        fail(case=case, input=f"node {node} after the run", expected=f"an attribute {attr!r}", got="no such attribute",
             hint="keep NaiveGossip's attributes: knows, learned_at and told")


def _summary(cls: type, seed: int) -> tuple[str, tuple]:
    sim = _run_gossip(cls, seed)
    return sim.trace.digest(), tuple((n, getattr(sim.node(n), "learned_at", None)) for n in NODES)


def _check_replay(cls: type, seed: int) -> Simulation:
    first, second = _run_gossip(cls, seed), _run_gossip(cls, seed)
    if first.trace.digest() != second.trace.digest():
        fail(case=f"seed={seed}, run twice", input=f"Simulation(seed={seed}) with six gossip nodes, run twice",
             expected="two identical traces", got="two different traces",
             hint="every random choice must come from self.rng, the simulation's seeded generator")
    return first


def _check_worlds(cls: type, seed: int) -> None:
    same_everywhere(_summary, cls, seed, input=f"Simulation(seed={seed}) with six gossip nodes",
                    case=f"seed={seed} in two Python processes",
                    same=lambda a, b: a == b)
    digests = [_run_gossip(cls, seed, salt).trace.digest() for salt in _salts_that_reorder()]
    if len(set(digests)) > 1:
        fail(case=f"seed={seed} with node ids that hash differently, run twice",
             input=f"Simulation(seed={seed}) with six gossip nodes; only the hash of their ids differs",
             expected="the same trace both times", got="two different traces",
             hint="your node depends on how its ids hash: the order of a set (or a dict built from a set) of "
                  "peers, or hash() of an id, differs from one Python process to the next; choose from the "
                  "list self.peers with self.rng")


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
             hint="the choices ignore the simulation's seed: a generator of your own with a fixed seed (such as "
                  "random.Random(42)), or re-seeding self.rng, makes every seed run alike; draw from self.rng as it is")
    every = [p for s in seqs for p in s]
    strangers = sorted(set(every) - set(NODES[1:]))
    if strangers:
        fail(case=f"seeds {list(told)}", input="the peers n1 told", expected=f"only its peers {list(NODES[1:])}",
             got=f"it also told {strangers}", hint="choose among self.peers (the other nodes), not every node")
    for peer in NODES[1:]:
        share = every.count(peer) / len(every)
        if not 0.10 <= share <= 0.30:
            fail(case=f"seeds {list(told)}", input=f"{len(every)} peers chosen by n1", expected="each of 5 peers ~20%",
                 got=f"{peer} chosen {share:.0%} of the time",
                 hint="choose the peer at random among self.peers, e.g. self.rng.choice(self.peers)")


@exercise("01-drill-determinism", title="Drill: make a gossiping node replayable", theme="T01", concepts=("N01",),
          kind="drill", reference="dsworkbook.grading.network.determinism.ReferenceGossip")
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
    _check_worlds(FixedGossip, SEEDS[0])
    _check_choices(runs)
    return (f"same seed, same trace on seeds {', '.join(map(str, SEEDS))}, in two worlds too (seed {SEEDS[0]}); "
            "learned_at read from each node's own clock; peers chosen at random from the simulation's seed")
