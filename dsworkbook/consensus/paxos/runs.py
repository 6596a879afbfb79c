"""Paxos runs and their verdicts: a cluster, the consensus properties from the trace, and the duel (P01, P03).

Theory of operation
-------------------
:func:`paxos_sim` builds acceptors ``a1..`` of which the first few also propose.
:func:`check_consensus` reads the trace's ``propose`` and ``decided`` notes and checks the three
safety properties - agreement, validity, integrity (:func:`consensus_violations` names the ones a
run broke) - and reports termination (did every node decide?). :func:`duel` builds the schedule
under which two proposers pre-empt each other forever: FLP's endless run, made concrete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from dsworkbook.consensus.paxos.messages import Payload
from dsworkbook.consensus.paxos.node import PaxosNode
from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.sim import Constant, Simulation, Trace
from dsworkbook.sim.latency import LatencySpec

__all__ = ["paxos_sim", "PROPERTIES", "consensus_violations", "ConsensusReport", "check_consensus",
           "assert_consensus", "decided_values", "duel"]


def paxos_sim(seed: int, *, acceptors: int = 3, proposals: Sequence[Any] = ("A", "B"),
              starts: Sequence[float] | None = None, latency: LatencySpec = (1, 10), loss: float = 0.0,
              duplicate: float = 0.0, reorder: float = 0.0, backoff: str = "random", retry: float = 10.0,
              timeout: float = 100.0, node_class: type[PaxosNode] = PaxosNode, trace: bool = True,
              phase1_quorum: int | None = None, phase2_quorum: int | None = None) -> Simulation:
    """``acceptors`` acceptors ``a1..``; the first ``len(proposals)`` of them also propose those values.

    ``phase1_quorum`` / ``phase2_quorum`` set every node's quorum sizes (majorities by default).
    """
    if isinstance(acceptors, bool) or not isinstance(acceptors, int) or acceptors < 1:
        raise ConfigError(f"acceptors must be an int >= 1, got {acceptors!r}")
    if len(proposals) > acceptors:
        raise ConfigError(f"{len(proposals)} proposals need at least as many nodes; got acceptors={acceptors}")
    starts = list(starts) if starts is not None else [0.0] * len(proposals)
    sim = Simulation(seed, latency=latency, loss=loss, duplicate=duplicate, reorder=reorder, trace=trace)
    ids = [f"a{i}" for i in range(1, acceptors + 1)]
    for i, node_id in enumerate(ids):
        kw: dict[str, Any] = {}
        if i < len(proposals):
            kw = {"value": proposals[i], "start_at": starts[i], "backoff": backoff, "retry": retry,
                  "timeout": timeout}
        if phase1_quorum is not None:
            kw["phase1_quorum"] = phase1_quorum
        if phase2_quorum is not None:
            kw["phase2_quorum"] = phase2_quorum
        sim.add_node(node_id, node_class, acceptors=ids, **kw)
    return sim


# -- the consensus properties, from the trace ------------------------------------------------------------


#: The three safety properties of consensus, as :func:`consensus_violations` names them.
PROPERTIES = ("agreement", "validity", "integrity")


def consensus_violations(proposed: Iterable[Any], decisions: Mapping[str, Sequence[Any]]) -> set[str]:
    """The safety properties a run broke, from what was proposed and what each node decided, in order.

    * **agreement** - two different values were decided, by the same node or by two;
    * **validity** - a decided value is not among ``proposed``;
    * **integrity** - some node decided more than once (even the same value again).

    An undecided node (an empty list) breaks none of them: termination is a liveness property,
    judged only once the system is stable (FLP: Fischer, Lynch and Paterson, 1985).
    """
    proposed = set(proposed)
    values = {v for vs in decisions.values() for v in vs}
    broken = set()
    if len(values) > 1:
        broken.add("agreement")
    if values - proposed:
        broken.add("validity")
    if any(len(vs) > 1 for vs in decisions.values()):
        broken.add("integrity")
    return broken


@dataclass
class ConsensusReport:
    """Agreement, validity and integrity (always), and termination (did every node decide?)."""

    proposed: set[Any]
    decisions: dict[str, list[Any]]
    nodes: list[str]
    ballots: int
    violations: list[str]

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def decided(self) -> set[Any]:
        return {v for vs in self.decisions.values() for v in vs}

    @property
    def terminated(self) -> bool:
        return all(self.decisions.get(n) for n in self.nodes)

    def summary(self) -> str:
        if not self.ok:
            return "; ".join(self.violations)
        chosen = ", ".join(map(str, sorted(self.decided, key=str))) or "nothing"
        return (f"agreement, validity and integrity hold; decided {chosen} at {sum(map(bool, self.decisions.values()))}"
                f"/{len(self.nodes)} nodes after {self.ballots} ballots")


def check_consensus(source: Simulation | Trace) -> ConsensusReport:
    """Read ``propose``/``decided`` notes and check agreement, validity and integrity (P03).

    A node restarted with a decision on disk notes it again (``recovered=True``): that counts
    as its decision if the crash cut the first announcement short, never as a second one.
    """
    trace = source.trace if isinstance(source, Simulation) else source
    proposed: set[Any] = set()
    decisions: dict[str, list[Any]] = {}
    nodes: list[str] = []
    ballots = 0
    for t, kind, node, _p, _m, d in trace.records:
        if kind == "fault" and d == "add":
            nodes.append(node)
        if kind != "note":
            continue
        if "propose" in d:
            proposed.add(d["propose"])
            ballots += 1
        if "decided" in d:
            mine = decisions.setdefault(node, [])
            # a restarted node re-announces what it decided before; that is not a second decision
            if not (d.get("recovered") and mine and mine[-1] == d["decided"]):
                mine.append(d["decided"])
    violations = []
    values = {v for vs in decisions.values() for v in vs}
    if len(values) > 1:
        violations.append(f"agreement broken: nodes decided different values {sorted(map(repr, values))}")
    for v in sorted(values - proposed, key=repr):
        violations.append(f"validity broken: {v!r} was decided but never proposed")
    for n, vs in sorted(decisions.items()):
        if len(vs) > 1:
            violations.append(f"integrity broken: {n} decided {len(vs)} times ({vs})")
    return ConsensusReport(proposed, decisions, nodes, ballots, violations)


def assert_consensus(sim: Simulation) -> ConsensusReport:
    report = check_consensus(sim)
    if not report.ok:
        raise InvariantViolation(report.summary(), seed=sim.seed)
    return report


def decided_values(sim: Simulation) -> dict[str, Any]:
    """node -> the value it decided (None if it has not)."""
    return {n: (sim.storage(n).get("decided")) for n in sim.node_ids}


def duel(seed: int = 7, *, backoff: str = "fixed", until: float = 3000.0, latency: float = 5.0,
         value_size: int = 20, retry: float = 5.0, offset: float = 20.0, acceptors: int = 5, proposers: int = 2,
         loss: float = 0.0) -> Simulation:
    """Duelling proposers of big values (``value_size`` units) on links of bandwidth 1 unit/ms.

    A small message (Prepare, Promise, Nack: size 1) takes ``d = latency + 1`` ms; an Accept
    carries the value and takes ``value_size`` ms longer. Proposer k starts ``k * offset`` ms
    after the first; a refused proposer retries ``retry`` ms later (``backoff="fixed"``). With
    the defaults each proposer's new Prepare overtakes the other's slow Accept, every time: the
    duel never ends and no value is ever chosen - FLP's endless run, made concrete. With two
    proposers that needs, roughly, ``2*d + retry < offset < 2*d + value_size`` (the second
    Prepare beats the first Accept, and the first one's retry beats the second Accept; near the
    edges the rhythm drifts and a value is chosen after a while). ``backoff="random"`` breaks
    the symmetry and a value is chosen within a few ballots.
    """
    from dsworkbook.sim import Network

    if not 1 <= proposers <= acceptors:
        raise ConfigError(f"proposers must be between 1 and the number of acceptors ({acceptors}), got {proposers}")
    sim = Simulation(seed, network=Network(Constant(latency), bandwidth=1.0, loss=loss))
    ids = [f"a{i}" for i in range(1, acceptors + 1)]
    for i, node_id in enumerate(ids):
        kw: dict[str, Any] = {}
        if i < proposers:
            kw = {"value": Payload("ABCDE"[i], value_size), "start_at": i * offset, "backoff": backoff,
                  "retry": retry, "timeout": 10 * (latency + value_size)}
        sim.add_node(node_id, PaxosNode, acceptors=ids, **kw)
    sim.run(until=until)
    return sim
