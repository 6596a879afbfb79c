"""Flexible Paxos on the simulator: choose phase-1 and phase-2 quorums for a deployment, and check it.

Theory of operation
-------------------
Flexible Paxos (Howard, Malkhi and Spiegelman, 2016) separates Paxos's two quorums: a leader
waits for ``q1`` promises when it takes over (phase 1, rare) and for ``q2`` acceptances per
command (phase 2, every time). Safety needs only ``q1 + q2 > n``. That opens a trade:

* a **smaller q2** makes every commit wait for fewer, nearer acceptors (latency) and survive
  more failures in the steady state (``q2 <= n - down``);
* it forces a **larger q1**, so a leader change needs more acceptors up (``q1 <= n - down``).

A :class:`Deployment` states the goals: the round-trip times from the leader to each acceptor,
a commit-latency bound, and how many acceptors may be down during a leader change and during
commits. :func:`deployment_sim` runs one leader there (a :class:`PaxosNode` with the chosen
quorums; ``down`` acceptors crash at the start, ``down_after_phase1`` right after its phase 1),
so :func:`commit_latency`, :func:`leader_elected` and :func:`committed` measure each goal on a
run; :func:`split_brain` is the schedule that decides two values when ``q1 + q2 <= n``, and
:func:`flexible_campaign` runs several proposers under crashes, partitions and loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from dsworkbook.consensus.paxos.node import PaxosNode
from dsworkbook.consensus.paxos.quorums import flexible_safe
from dsworkbook.consensus.paxos.runs import ConsensusReport, check_consensus, paxos_sim
from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, Constant, FaultSchedule, Network, Simulation

__all__ = ["Deployment", "DEPLOYMENTS", "deployment_sim", "commit_latency", "leader_elected", "committed",
           "split_brain", "flexible_campaign", "valid_quorums"]


@dataclass(frozen=True)
class Deployment:
    """Where the acceptors are, seen from the leader, and what the group must achieve.

    ``rtt[i]`` is the round-trip time in ms from the leader to acceptor ``x{i+1}``;
    ``commit_within`` bounds a commit's latency with every acceptor up (phase 2: the leader
    waits for its ``q2``-th fastest reply); ``leader_change_down`` acceptors may be down while a
    new leader takes over (phase 1 must still gather ``q1`` promises); ``commit_down`` may be
    down while commands commit under a leader already in place (phase 2 must still gather ``q2``).
    """

    name: str
    rtt: tuple[float, ...]
    commit_within: float
    leader_change_down: int
    commit_down: int

    def __post_init__(self) -> None:
        if not self.rtt or any(not isinstance(r, (int, float)) or r <= 0 for r in self.rtt):
            raise ConfigError(f"{self.name}: rtt must list one positive round-trip time (ms) per acceptor")
        for label, f in (("leader_change_down", self.leader_change_down), ("commit_down", self.commit_down)):
            if not 0 <= f < self.n:
                raise ConfigError(f"{self.name}: {label} must be between 0 and n-1 = {self.n - 1}, got {f}")

    @property
    def n(self) -> int:
        return len(self.rtt)

    @property
    def acceptors(self) -> list[str]:
        return [f"x{i}" for i in range(1, self.n + 1)]

    def nearest(self, k: int) -> list[str]:
        """The ``k`` acceptors nearest the leader (ties by name): the ones whose loss hurts most."""
        order = sorted(range(self.n), key=lambda i: (self.rtt[i], i))
        return [f"x{i + 1}" for i in order[:k]]

    def goals(self) -> str:
        return (f"{self.n} acceptors, round trips from the leader {list(self.rtt)} ms; commit within "
                f"{self.commit_within:g} ms; a leader change with {self.leader_change_down} down; commits with "
                f"{self.commit_down} down")


#: The deployments of the design exercise ``07-design-quorums`` (see notebook 07's exercises).
DEPLOYMENTS: dict[str, Deployment] = {d.name: d for d in (
    Deployment("one-region", (1.0, 1.0, 2.0, 2.0, 3.0), commit_within=5.0, leader_change_down=2, commit_down=1),
    Deployment("three-regions", (2.0, 2.0, 70.0, 70.0, 140.0), commit_within=10.0, leader_change_down=1,
               commit_down=1),
    Deployment("seven-replicas", (1.0, 1.0, 1.0, 30.0, 30.0, 60.0, 60.0), commit_within=5.0,
               leader_change_down=2, commit_down=2),
    Deployment("four-nodes", (5.0, 5.0, 5.0, 5.0), commit_within=10.0, leader_change_down=2, commit_down=2),
)}


def valid_quorums(d: Deployment) -> list[tuple[int, int]]:
    """Every (q1, q2) that meets all of ``d``'s goals, by arithmetic (the simulator confirms each)."""
    fastest = sorted(d.rtt)
    return [(q1, q2) for q1 in range(1, d.n + 1) for q2 in range(1, d.n + 1)
            if flexible_safe(d.n, q1, q2) and q1 <= d.n - d.leader_change_down and q2 <= d.n - d.commit_down
            and fastest[q2 - 1] <= d.commit_within]


LEADER = "L"


def deployment_sim(d: Deployment, q1: int, q2: int, *, seed: int = 1, down: Iterable[str] = (),
                   down_after_phase1: Iterable[str] = (), until: float = 2000.0) -> Simulation:
    """One leader ``L`` proposing ``"cmd"`` to the acceptors of ``d`` with quorums ``q1``/``q2``.

    Links from the leader take half the round trip each way (constant). ``down`` acceptors crash
    at time 0; ``down_after_phase1`` crash the moment the leader finishes phase 1 (its Accepts
    to them are lost), as in a steady state where the leader was elected before the failure.
    """
    sim = Simulation(seed, network=Network(Constant(1.0)))
    for x in d.acceptors:
        sim.add_node(x, PaxosNode, acceptors=d.acceptors, phase1_quorum=q1, phase2_quorum=q2)
    sim.add_node(LEADER, PaxosNode, acceptors=d.acceptors, value="cmd", phase1_quorum=q1, phase2_quorum=q2,
                 timeout=4 * max(d.rtt) + 10.0)
    for x, rtt in zip(d.acceptors, d.rtt):
        sim.net.set_link(LEADER, x, latency=Constant(rtt / 2))
        sim.net.set_link(x, LEADER, latency=Constant(rtt / 2))
    for x in down:
        sim.at(0.0, sim.crash, x)
    later = list(down_after_phase1)
    if later:
        while sim.now < until and sim.step():
            if sim.status(LEADER) != DOWN and getattr(sim.node(LEADER), "phase", "") in ("accept", "chosen"):
                break
        for x in later:
            if sim.status(x) != DOWN:
                sim.crash(x)
    sim.run(until=until)
    return sim


def _first(sim: Simulation, key: str) -> float | None:
    notes = [r.time for r in sim.trace.notes(key=key) if r.node == LEADER]
    return notes[0] if notes else None


def leader_elected(sim: Simulation) -> bool:
    """Did the leader complete phase 1 (gather its q1 promises) in this run?"""
    return _first(sim, "phase2") is not None


def committed(sim: Simulation) -> bool:
    """Did the leader's command get chosen (q2 acceptances) in this run?"""
    return _first(sim, "decided") is not None


def commit_latency(sim: Simulation) -> float | None:
    """Phase 2's duration at the leader: from its Accepts to the q2-th acceptance (None: never)."""
    start, end = _first(sim, "phase2"), _first(sim, "decided")
    return None if start is None or end is None else end - start


def split_brain(n: int, q1: int, q2: int, *, seed: int = 1) -> Simulation:
    """The schedule that makes two leaders choose two values when a phase-1 quorum can miss a phase-2 one.

    Acceptors ``x1..xn``, proposers ``P1`` (value A, at 0 ms) and ``P2`` (value B, at 10 ms), 1 ms
    links. P1's Accepts reach only ``x1..x{q2}`` (links cut after its Prepares went out); P2's
    Prepares reach only the last ``q1`` acceptors. If ``q1 + q2 <= n`` those sets are disjoint:
    P2 hears of no acceptance, proposes B, and both A and B are chosen. If ``q1 + q2 > n``, P2
    cannot finish phase 1 without an acceptor that accepted A, and only A is ever chosen.
    """
    for name, q in (("q1", q1), ("q2", q2)):
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= n:
            raise ConfigError(f"{name} must be an int between 1 and n={n}, got {q!r}")
    xs = [f"x{i}" for i in range(1, n + 1)]
    sim = Simulation(seed, network=Network(Constant(1.0)))
    for x in xs:
        sim.add_node(x, PaxosNode, acceptors=xs, phase1_quorum=q1, phase2_quorum=q2)
    sim.add_node("P1", PaxosNode, acceptors=xs, value="A", phase1_quorum=q1, phase2_quorum=q2, backoff="fixed")
    sim.add_node("P2", PaxosNode, acceptors=xs, value="B", start_at=10.0, phase1_quorum=q1, phase2_quorum=q2,
                 backoff="fixed")
    accepted_a, phase1_b = xs[:q2], xs[n - q1:]
    sim.net.cut("P1", "P2")
    sim.at(1.5, lambda: [sim.net.cut("P1", x) for x in xs if x not in accepted_a])
    sim.at(9.5, lambda: [sim.net.cut("P2", x) for x in xs if x not in phase1_b])
    sim.at(11.5, lambda: [sim.net.restore("P2", x) for x in xs])
    sim.run(until=60.0)
    return sim


def flexible_campaign(n: int, q1: int, q2: int, seeds: Iterable[int]) -> list[tuple[int, ConsensusReport]]:
    """Three proposers among ``n`` acceptors with quorums ``q1``/``q2``, under crashes, partitions, loss
    and duplication for 500 ms, then repaired; one report per seed."""
    out = []
    ids = [f"a{i}" for i in range(1, n + 1)]
    for seed in seeds:
        sim = paxos_sim(seed, acceptors=n, proposals=("A", "B", "C"), starts=(0.0, 15.0, 120.0), loss=0.05,
                        duplicate=0.1, reorder=0.1, phase1_quorum=q1, phase2_quorum=q2, timeout=60.0)
        FaultSchedule.random(seed, ids, duration=500.0, faults=4, kinds=("crash", "partition")).apply_to(sim)
        sim.run(until=500.0)
        sim.net.heal()
        sim.net.configure(loss=0.0, duplicate=0.0, reorder=0.0)
        for a in ids:
            if sim.status(a) == DOWN:
                sim.restart(a)
        sim.run(until=2000.0)
        out.append((seed, check_consensus(sim)))
    return out
