"""Helpers shared by the T07 graders: drive a Paxos node by hand, run one in a faulty cluster."""

from __future__ import annotations

from typing import Any, Iterable

from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import PaxosNode, check_consensus
from dsworkbook.grading.core import attempt, fail, in_simulation
from dsworkbook.sim import Persist, Send

__all__ = ["PaxosBench", "paxos_cluster_checks", "PAXOS_CASE"]

PAXOS_CASE = ("four proposers (a1-a4, starting at 0, 20, 150, 300 ms) among five acceptors, 600 ms of crashes, "
              "partitions, cuts, loss and duplication, then 1 s to settle")


class PaxosBench:
    """One detached acceptor, driven by hand; Persist effects are carried out into its storage."""

    def __init__(self, cls: type[PaxosNode], node_id: str = "a2", acceptors: tuple[str, ...] = ("a1", "a2", "a3"),
                 *, case: str) -> None:
        self.cls, self.node_id, self.acceptors, self.case = cls, node_id, acceptors, case
        self.storage: dict[str, Any] = {}
        self.node = self._boot()

    def _boot(self) -> PaxosNode:
        node = attempt(self.cls, self.node_id, acceptors=self.acceptors, input="a new acceptor", case=self.case)
        node._storage = self.storage
        attempt(node.on_start, input="on_start()", case=self.case)
        node.take_effects()
        return node

    def deliver(self, src: str, msg: Any, shown: str) -> list[Any]:
        attempt(self.node.on_message, src, msg, input=shown, case=self.case)
        effects = self.node.take_effects()
        for e in effects:
            if type(e) is Persist:
                self.storage.update(e.values)
        return effects

    def restart(self) -> None:
        self.node = self._boot()

    @staticmethod
    def replies(effects: list[Any]) -> list[Any]:
        return [e.msg for e in effects if type(e) is Send]


def paxos_cluster_checks(node_class: type[PaxosNode], seeds: Iterable[int], *, hint: str) -> int:
    """Run the Paxos fuzz campaign's cluster with ``node_class``: safe and terminating, or fail. Returns #ballots."""
    ballots = 0
    for seed in seeds:
        case = f"the Paxos cluster, seed {seed}"
        with in_simulation(case=case, input=PAXOS_CASE):
            sim = paxos_run(seed, paxos_schedule(seed), node_class=node_class)
        report = check_consensus(sim)
        if not report.ok:
            fail(case=case, input=PAXOS_CASE, expected="agreement, validity and integrity", got=report.summary(),
                 hint=hint)
        if not report.terminated:
            fail(case=case, input=PAXOS_CASE, expected="every node decides once the faults end",
                 got=f"decisions: {report.decisions}", hint=hint)
        ballots += report.ballots
    return ballots
