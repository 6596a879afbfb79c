"""Multi-Paxos with a stable leader (P02), and Fast Paxos's quorums.

Theory of operation
-------------------
Multi-Paxos runs one instance of Paxos per log **slot**, and saves phase 1 by running it once
for all future slots (Lamport, "Paxos Made Simple", §3):

* a server that hears no leader for a randomized timeout runs phase 1 with a fresh
  :class:`~dsworkbook.consensus.paxos.Ballot`; each acceptor promises and returns everything it
  has accepted, slot by slot (:class:`Promise`);
* with a majority of promises it is the **leader**: for every slot it learned of, it re-proposes
  the value of the highest-ballot acceptance, filling holes with a no-op, then serves clients -
  each command is one phase 2 (:class:`Accept` to all, :class:`Accepted` back, a majority
  chooses it) followed by :class:`Decide` to every replica; the leader sends heartbeats;
* every server applies decided slots in order to its state machine; a server with a gap asks the
  leader to re-send (:class:`CatchUp`).

The client protocol is Raft's (:class:`~dsworkbook.consensus.raft.client.RaftClient` with
:class:`~dsworkbook.consensus.raft.messages.Command`, answers, ``NotLeader`` redirects), and the
state machine is the same key-value store, so :mod:`dsworkbook.consensus.compare` runs Raft and
Multi-Paxos on the same seed, workload and faults. Acceptor state (promised ballot, accepted
slots) is persisted before every reply.

**Fast Paxos** (Lamport 2006) lets clients send straight to the acceptors, saving a message
delay when there is no collision, at the price of bigger quorums: any two fast quorums and any
classic quorum must share an acceptor. :func:`fast_quorums` gives the smallest sizes for
majority classic quorums and :func:`quorums_intersect` checks that requirement by brute force
over every choice of quorums. (When a fast round may follow a fast round, any three fast quorums
must meet too; with majority classic quorums that holds already.
:mod:`dsworkbook.consensus.paxos.quorums` has the general arithmetic.)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dsworkbook.consensus.paxos import Ballot
from dsworkbook.consensus.raft.messages import Command, NotLeader
from dsworkbook.consensus.raft_kv import KVStore, kv_workload
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response, Simulation
from dsworkbook.sim.latency import LatencySpec

__all__ = ["MPrepare", "MPromise", "MAccept", "MAccepted", "MNack", "Decide", "Heartbeat", "CatchUp",
           "MultiPaxosNode", "multipaxos_sim", "check_multipaxos", "fast_quorums", "quorums_intersect",
           "fast_paxos_table"]

ZERO = Ballot(0, "")


@dataclass(frozen=True, slots=True)
class MPrepare:
    ballot: Ballot


@dataclass(frozen=True, slots=True)
class MPromise:
    """A promise for ``ballot`` with every acceptance: ``(slot, ballot, value)`` triples."""

    ballot: Ballot
    accepted: tuple[tuple[int, Ballot, Any], ...]


@dataclass(frozen=True, slots=True)
class MAccept:
    ballot: Ballot
    slot: int
    value: Any


@dataclass(frozen=True, slots=True)
class MAccepted:
    ballot: Ballot
    slot: int


@dataclass(frozen=True, slots=True)
class MNack:
    ballot: Ballot
    promised: Ballot


@dataclass(frozen=True, slots=True)
class Decide:
    slot: int
    value: Any


@dataclass(frozen=True, slots=True)
class Heartbeat:
    ballot: Ballot
    decided_upto: int


@dataclass(frozen=True, slots=True)
class CatchUp:
    """A replica asks the leader for decided slots from ``first`` on."""

    first: int


class MultiPaxosNode(Node):
    """One Multi-Paxos server: acceptor, replica, and leader when elected (see the module doc)."""

    def __init__(self, node_id: str, *, members: Sequence[str], state_machine: Callable[[], Any] = KVStore,
                 election_timeout: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0) -> None:
        super().__init__(node_id)
        self.members = tuple(members)
        if node_id not in self.members:
            raise ConfigError(f"members must include {node_id!r}, got {members!r}")
        self.state_machine_factory = state_machine
        self.election_timeout, self.heartbeat_every = election_timeout, heartbeat
        self.started = False

    @property
    def majority(self) -> int:
        return len(self.members) // 2 + 1

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(m for m in self.members if m != self.id)

    def on_start(self) -> None:
        stored = self.storage
        self.promised: Ballot = stored.get("promised", ZERO)
        self.accepted: dict[int, tuple[Ballot, Any]] = dict(stored.get("accepted", ()))
        self.decided: dict[int, Any] = {}
        self.applied = 0
        self.state_machine = self.state_machine_factory()
        self.leader: str | None = None
        self.is_leader = False
        self.ballot: Ballot | None = None
        self.promises: dict[str, MPromise] = {}
        self.votes: dict[int, set[str]] = {}
        self.proposals: dict[int, Any] = {}
        self.next_slot = 1
        self.pending: dict[tuple[str, int], tuple[str, int]] = {}
        self.started = True
        self.note(role="follower", ballot=str(self.promised), start=True)
        self.reset_timer()

    def reset_timer(self) -> None:
        self.set_timer("election", self.rng.uniform(*self.election_timeout))

    # -- phase 1: becoming leader ----------------------------------------------------------------

    def campaign(self) -> None:
        self.ballot = Ballot(max(self.promised.round, 0) + 1, self.id)
        self.promises, self.is_leader = {}, False
        self.note(role="candidate", ballot=str(self.ballot))
        for m in self.members:
            self.send(m, MPrepare(self.ballot))
        self.reset_timer()

    def on_prepare(self, src: str, msg: MPrepare) -> None:
        if msg.ballot > self.promised:
            self.promised = msg.ballot
            self.persist(promised=msg.ballot)
            if src != self.id:
                self.step_down(src)
            mine = tuple((s, b, v) for s, (b, v) in sorted(self.accepted.items()))
            self.send(src, MPromise(msg.ballot, mine))
        else:
            self.send(src, MNack(msg.ballot, self.promised))

    def on_promise(self, src: str, msg: MPromise) -> None:
        if msg.ballot != self.ballot or self.is_leader:
            return
        self.promises[src] = msg
        if len(self.promises) >= self.majority:
            self.become_leader()

    def become_leader(self) -> None:
        self.is_leader, self.leader = True, self.id
        self.note(role="leader", ballot=str(self.ballot))
        values = self.recover(list(self.promises.values()), self.applied + 1)
        values.update({s: v for s, v in self.decided.items() if s > self.applied})
        top = max([*values, self.applied])
        self.votes, self.proposals = {}, {}
        for slot in range(self.applied + 1, top + 1):
            self.propose(slot, values.get(slot))
        self.next_slot = top + 1
        self.cancel_timer("election")
        self.send_heartbeats()

    @staticmethod
    def recover(promises: Sequence[MPromise], first: int) -> dict[int, Any]:
        """What a new leader must propose, slot by slot from ``first``: per slot, the value of the
        highest-ballot acceptance among the promises; a slot below the highest one that nobody
        accepted gets a no-op (None), so later slots are never stuck behind a hole."""
        best: dict[int, tuple[Ballot, Any]] = {}
        for p in promises:
            for slot, b, v in p.accepted:
                if slot >= first and (slot not in best or b > best[slot][0]):
                    best[slot] = (b, v)
        top = max(best, default=first - 1)
        return {slot: best[slot][1] if slot in best else None for slot in range(first, top + 1)}

    def step_down(self, leader: str | None) -> None:
        if self.is_leader:
            for src, req in self.pending.values():
                self.send(src, Response(req, False, NotLeader(None)))
            self.pending.clear()
            self.note(role="follower", ballot=str(self.promised))
        self.is_leader, self.leader = False, leader
        self.cancel_timer("heartbeat")
        self.reset_timer()

    # -- phase 2: one slot at a time -----------------------------------------------------------------

    def propose(self, slot: int, value: Any) -> None:
        self.proposals[slot] = value
        self.votes[slot] = set()
        for m in self.members:
            self.send(m, MAccept(self.ballot, slot, value))

    def on_accept(self, src: str, msg: MAccept) -> None:
        if msg.ballot >= self.promised:
            if msg.ballot > self.promised:
                self.promised = msg.ballot
            self.accepted[msg.slot] = (msg.ballot, msg.value)
            self.persist(promised=self.promised, accepted=tuple(self.accepted.items()))
            if src != self.id:
                self.leader = src
                self.reset_timer()
            self.send(src, MAccepted(msg.ballot, msg.slot))
        else:
            self.send(src, MNack(msg.ballot, self.promised))

    def on_accepted(self, src: str, msg: MAccepted) -> None:
        if not self.is_leader or msg.ballot != self.ballot or msg.slot not in self.votes:
            return
        self.votes[msg.slot].add(src)
        if len(self.votes[msg.slot]) >= self.majority:
            value = self.proposals.pop(msg.slot)
            del self.votes[msg.slot]
            for m in self.others:
                self.send(m, Decide(msg.slot, value))
            self.decide(msg.slot, value)

    def on_nack(self, src: str, msg: MNack) -> None:
        if msg.promised > self.promised:
            self.promised = msg.promised
            self.persist(promised=msg.promised)
        if self.ballot is not None and msg.ballot == self.ballot:
            self.step_down(None)

    # -- learning and applying ------------------------------------------------------------------------------

    def decide(self, slot: int, value: Any) -> None:
        if slot in self.decided or slot <= self.applied:
            return
        self.decided[slot] = value
        self.note(decided=slot, value=value)
        while self.applied + 1 in self.decided:
            self.applied += 1
            command = self.decided.pop(self.applied)
            if command is not None:
                out = self.state_machine.apply(command)
                waiting = self.pending.pop((command.client, command.seq), None)
                if waiting is not None and self.is_leader:
                    self.send(waiting[0], Response(waiting[1], True, out))

    def send_heartbeats(self) -> None:
        for m in self.others:
            self.send(m, Heartbeat(self.ballot, self.applied))
        self.set_timer("heartbeat", self.heartbeat_every)

    def on_heartbeat(self, src: str, msg: Heartbeat) -> None:
        if msg.ballot < self.promised:
            return
        if self.is_leader and src != self.id:
            self.step_down(src)
        self.leader = src
        self.reset_timer()
        if msg.decided_upto > self.applied:
            self.send(src, CatchUp(self.applied + 1))

    def on_catch_up(self, src: str, msg: CatchUp) -> None:
        if self.is_leader:
            for slot in range(msg.first, min(self.applied, msg.first + 20) + 1):
                ballot_value = self.accepted.get(slot)
                if ballot_value is not None:
                    self.send(src, Decide(slot, ballot_value[1]))

    # -- clients ------------------------------------------------------------------------------------------

    def on_client_request(self, src: str, request: Request) -> None:
        if not self.started:
            return
        command = request.arg
        if not self.is_leader or not isinstance(command, Command):
            self.send(src, Response(request.req_id, False, NotLeader(self.leader)))
            return
        self.pending[(command.client, command.seq)] = (src, request.req_id)
        self.propose(self.next_slot, command)
        self.next_slot += 1

    HANDLERS = {MPrepare: "on_prepare", MPromise: "on_promise", MAccept: "on_accept", MAccepted: "on_accepted",
                MNack: "on_nack", Heartbeat: "on_heartbeat", CatchUp: "on_catch_up"}

    def on_message(self, src: str, msg: Any) -> None:
        if not self.started:
            return
        if type(msg) is Decide:
            self.decide(msg.slot, msg.value)
            return
        name = self.HANDLERS.get(type(msg))
        if name is not None:
            getattr(self, name)(src, msg)

    def on_timer(self, name: Any) -> None:
        if name == "election" and not self.is_leader:
            self.campaign()
        elif name == "heartbeat" and self.is_leader:
            self.send_heartbeats()


def multipaxos_sim(seed: int, *, servers: int = 5, clients: int = 3, ops: int = 10, latency: LatencySpec = (1, 10),
                   loss: float = 0.0, election_timeout: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0,
                   client_timeout: float = 100.0, think: float = 5.0, keys: Sequence[str] = ("x", "y"),
                   reads: float = 0.4, node_class: type[MultiPaxosNode] | None = None) -> Simulation:
    """A Multi-Paxos cluster ``n1..`` serving the key-value store to clients ``c1..`` (Raft's workload)."""
    from dsworkbook.consensus.raft.client import RaftClient
    import random

    sim = Simulation(seed, latency=latency, loss=loss)
    members = [f"n{i}" for i in range(1, servers + 1)]
    for n in members:
        sim.add_node(n, node_class or MultiPaxosNode, members=members, election_timeout=election_timeout,
                     heartbeat=heartbeat)
    wl = random.Random(seed)
    for i in range(1, clients + 1):
        sim.add_node(f"c{i}", RaftClient, servers=members,
                     ops=kv_workload(wl, ops, keys=keys, client=f"c{i}", reads=reads), timeout=client_timeout,
                     think=think)
    return sim


def check_multipaxos(sim: Simulation) -> list[str]:
    """Agreement per slot: every server that decided a slot decided the same value ([] when safe)."""
    chosen: dict[int, tuple[Any, str]] = {}
    problems = []
    for r in sim.trace.notes(key="decided"):
        slot, value = r.detail["decided"], r.detail["value"]
        first = chosen.setdefault(slot, (value, r.node))
        if first[0] != value:
            problems.append(f"slot {slot}: {first[1]} decided {first[0]!r} but {r.node} decided {value!r}")
    return problems


# -- Fast Paxos ---------------------------------------------------------------------------------------


def fast_quorums(n: int) -> tuple[int, int]:
    """(classic, fast): a majority, and the smallest fast quorum with 2*fast + classic > 2n."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a number of acceptors >= 1, got {n!r}")
    classic = n // 2 + 1
    fast = max(classic, math.floor((2 * n - classic) / 2) + 1)
    return classic, min(fast, n)


def quorums_intersect(n: int, classic: int, fast: int) -> bool:
    """Brute force: do any two fast quorums and any classic quorum of ``n`` acceptors share one?

    Also requires two classic quorums to intersect. Small ``n`` only (it tries every choice).
    """
    if not (1 <= classic <= n and 1 <= fast <= n):
        raise ConfigError(f"quorum sizes must be between 1 and n={n}, got classic={classic}, fast={fast}")
    if n > 9:
        raise ConfigError("the brute-force check tries every choice of quorums; keep n <= 9")
    acceptors = range(n)
    classics = [frozenset(c) for c in itertools.combinations(acceptors, classic)]
    fasts = [frozenset(f) for f in itertools.combinations(acceptors, fast)]
    if any(not (a & b) for a, b in itertools.combinations_with_replacement(classics, 2)):
        return False
    return all(f1 & f2 & q for f1, f2 in itertools.combinations_with_replacement(fasts, 2) for q in classics)


def fast_paxos_table(sizes: Sequence[int] = (3, 4, 5, 6, 7, 9)) -> "Any":
    """A table: n, classic quorum, fast quorum, failures tolerated by each, and the brute-force check."""
    import pandas as pd

    rows = []
    for n in sizes:
        c, f = fast_quorums(n)
        smaller = quorums_intersect(n, c, f - 1) if f > 1 else None
        rows.append((n, c, f, n - c, n - f, quorums_intersect(n, c, f), smaller))
    return pd.DataFrame(rows, columns=["n", "classic quorum", "fast quorum", "classic tolerates", "fast tolerates",
                                       "intersect", "one smaller fast quorum intersects"])
