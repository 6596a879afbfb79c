"""Helpers shared by the T07 graders: drive a Paxos node by hand, run one in a faulty cluster, draw ballots.

Theory of operation
-------------------
:class:`PaxosBench` holds one detached node and plays the network and the disk for it: it
delivers messages by hand, carries out ``Persist`` effects into a storage dict, and restarts the
node from that storage (a crash loses everything else). Graders drive the learner's class and
the reference side by side on the same script and compare every reply.

:func:`paxos_cluster_checks` runs the Paxos fuzz campaign's cluster (four proposers, five
acceptors, crashes, partitions, loss and duplication, then repair) with the learner's node class
and demands safety and termination; its busiest seed (the most ballots, so the most retries)
runs twice in two *worlds* (different ``hash()`` salts, global random states and clocks) and
must give the same run, note for note.

:func:`draw_ballot` draws ballots whose rounds straddle a change in digit count (9 and 10, 99 and
100) and whose proposer ids straddle one too (``a9``/``a10``, ``p9``/``p10``): an answer that
compares ballots as text, or rounds alone, is caught there.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Any, Iterable

from dsworkbook.consensus.fuzzing import paxos_run, paxos_schedule
from dsworkbook.consensus.paxos import Ballot, PaxosNode, check_consensus
from dsworkbook.grading.core import attempt, fail, in_simulation, same_everywhere
from dsworkbook.sim import Persist, Send

__all__ = ["PaxosBench", "paxos_cluster_checks", "PAXOS_CASE", "ROUNDS", "IDS", "draw_ballot", "fmt", "fmt_replies"]

PAXOS_CASE = ("four proposers (a1-a4, starting at 0, 20, 150, 300 ms) among five acceptors, 600 ms of crashes, "
              "partitions, cuts, loss and duplication, then 1 s to settle")

#: Rounds and proposer ids where text comparison and round-only comparison go wrong.
ROUNDS = (1, 2, 3, 8, 9, 10, 11, 99, 100)
IDS = ("a1", "a2", "a9", "a10", "p9", "p10")


def draw_ballot(rng: random.Random, rounds: tuple[int, ...] = ROUNDS, ids: tuple[str, ...] = IDS) -> Ballot:
    return Ballot(rng.choice(rounds), rng.choice(ids))


class PaxosBench:
    """One detached node, driven by hand; Persist effects are carried out into its storage."""

    def __init__(self, cls: type[PaxosNode], node_id: str = "a2", acceptors: tuple[str, ...] = ("a1", "a2", "a3"),
                 *, case: str, shown: Any = None) -> None:
        self.cls, self.node_id, self.acceptors, self.case = cls, node_id, acceptors, case
        self.shown = shown if shown is not None else case
        self.storage: dict[str, Any] = {}
        self.node = self._boot()

    def _boot(self) -> PaxosNode:
        node = attempt(self.cls, self.node_id, acceptors=self.acceptors, input=self.shown, case=self.case)
        node._storage = self.storage
        attempt(node.on_start, input=self.shown, case=self.case)
        node.take_effects()
        return node

    def deliver(self, src: str, msg: Any) -> list[Any]:
        attempt(self.node.on_message, src, msg, input=self.shown, case=self.case)
        effects = self.node.take_effects()
        for e in effects:
            if type(e) is Persist:
                self.storage.update(e.values)
        return effects

    def restart(self) -> None:
        self.node = self._boot()

    @staticmethod
    def replies(effects: list[Any]) -> list[tuple[str, Any]]:
        """The messages sent, as (destination, message) pairs."""
        return [(e.dst, e.msg) for e in effects if type(e) is Send]


def _summary(node_class: type[PaxosNode], seed: int) -> tuple[Any, ...]:
    with in_simulation(case=f"the Paxos cluster, seed {seed}", input=PAXOS_CASE):
        sim = paxos_run(seed, paxos_schedule(seed), node_class=node_class)
    notes = [(round(r.time, 6), r.node, repr(sorted(r.detail.items()))) for r in sim.trace.notes()]
    return notes, len(sim.trace.records)


@lru_cache(maxsize=None)
def _busiest(seeds: tuple[int, ...]) -> int:
    """The seed whose reference run starts the most ballots: where retries, and so timing, matter most."""
    return max(seeds, key=lambda s: (check_consensus(paxos_run(s, paxos_schedule(s))).ballots, -s))


def paxos_cluster_checks(node_class: type[PaxosNode], seeds: Iterable[int], *, hint: str) -> int:
    """Run the Paxos fuzz campaign's cluster with ``node_class``: safe and terminating, or fail. Returns #ballots.

    The busiest seed runs first, twice, in two worlds: the two runs must be the same, note for note.
    """
    ballots = 0
    seeds = list(seeds)
    busy = _busiest(tuple(seeds))
    same_everywhere(_summary, node_class, busy, input=PAXOS_CASE, case=f"the Paxos cluster, seed {busy}")
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


def fmt(msg: Any) -> str:
    """A Paxos message in the notation of notebook 07: ``Prepare(3.a1)``, ``Promise(3.a1, accepted 2.a3 'X')``."""
    from dsworkbook.consensus.paxos import Accept, Accepted, Nack, Prepare, Promise

    if type(msg) is Prepare:
        return f"Prepare({msg.ballot})"
    if type(msg) is Accept:
        return f"Accept({msg.ballot}, {msg.value!r})"
    if type(msg) is Accepted:
        return f"Accepted({msg.ballot}, {msg.value!r})"
    if type(msg) is Promise:
        if msg.accepted_ballot is None and msg.accepted_value is None:
            return f"Promise({msg.ballot}, nothing accepted)"
        return f"Promise({msg.ballot}, accepted {msg.accepted_ballot} {msg.accepted_value!r})"
    if type(msg) is Nack:
        return f"Nack({msg.ballot}, promised {msg.promised})"
    return repr(msg)


def fmt_replies(replies: list[tuple[str, Any]]) -> str:
    return "; ".join(f"to {dst}: {fmt(m)}" for dst, m in replies) or "no reply"
