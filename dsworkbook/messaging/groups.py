"""The consumer-group protocol on the simulator: join, heartbeats, session timeout, rebalance (Q11).

Theory of operation
-------------------
Members of a group heartbeat to a **group coordinator**; one that sends nothing for
``session_timeout`` ms (consumer config ``session.timeout.ms``, heartbeats every
``heartbeat.interval.ms``) is declared dead. Every change of membership - a join, a leave, an
expiry - starts a new **generation**: the coordinator computes a new assignment with the
group's strategy (:mod:`.assignment`) from the previous one and sends each member its
partitions. (In Kafka's classic protocol, JoinGroup/SyncGroup, the group *leader* member runs
the assignor and the coordinator relays it; in the protocol of KIP-848 the coordinator assigns.
Either way the strategy is the same pure function; here the coordinator runs it.)

A member that hears of a newer generation drops its old partitions; a member whose session
expired is told so on its next heartbeat and joins again as a new member. The check
(:func:`exclusive_ownership`) is that within one generation no partition has two owners, and
that the coordinator's generations cover every partition while a member is alive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.assignment import STRATEGIES, assignment, moves, owners
from dsworkbook.sim import Node, Simulation

__all__ = ["JoinGroup", "Heartbeat", "HeartbeatResult", "AssignmentMsg", "GroupCoordinator", "GroupMember",
           "COORDINATOR", "group_sim", "rebalance_demo", "exclusive_ownership"]

COORDINATOR = "gc"


@dataclass(frozen=True, slots=True)
class JoinGroup:
    member: str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    generation: int


@dataclass(frozen=True, slots=True)
class HeartbeatResult:
    generation: int
    known: bool  # False: the session expired, join again


@dataclass(frozen=True, slots=True)
class AssignmentMsg:
    generation: int
    partitions: tuple


class GroupCoordinator(Node):
    """Tracks members by heartbeat; each membership change is a new generation with a new assignment."""

    def __init__(self, node_id: str, *, partitions: tuple, strategy: str = "sticky", session_timeout: float = 100.0,
                 tick: float = 10.0) -> None:
        super().__init__(node_id)
        if strategy not in STRATEGIES:
            raise ConfigError(f"unknown assignment strategy {strategy!r}; choose one of {list(STRATEGIES)}")
        self.partitions, self.strategy = tuple(partitions), strategy
        self.session_timeout, self.tick = session_timeout, tick
        self.generation = 0
        self.members: dict[str, float] = {}
        self.current: dict[str, list] = {}
        self.generations: list[dict[str, Any]] = []  # what each generation assigned (read by the checks)

    def on_start(self) -> None:
        self.set_timer("tick", self.tick)

    def on_timer(self, name: Any) -> None:
        self.set_timer("tick", self.tick)
        dead = [m for m, t in self.members.items() if self.now() - t > self.session_timeout]
        if dead:
            for m in dead:
                del self.members[m]
            self._rebalance(f"session of {', '.join(dead)} expired")

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, JoinGroup):
            new = src not in self.members
            self.members[src] = self.now()
            if new:
                self._rebalance(f"{src} joined")
            else:
                self.send(src, AssignmentMsg(self.generation, tuple(self.current.get(src, ()))))
        elif isinstance(msg, Heartbeat):
            known = src in self.members
            if known:
                self.members[src] = self.now()
            self.send(src, HeartbeatResult(self.generation, known))
            if known and msg.generation != self.generation:
                self.send(src, AssignmentMsg(self.generation, tuple(self.current.get(src, ()))))

    def _rebalance(self, why: str) -> None:
        self.generation += 1
        before = self.current
        self.current = assignment(self.strategy, self.partitions, list(self.members), before) if self.members else {}
        moved = moves(before, self.current) if before and self.current else 0
        self.generations.append({"generation": self.generation, "time": self.now(), "why": why,
                                 "members": sorted(self.members), "assignment": self.current, "moved": moved})
        self.note(generation=self.generation, why=why, moved=moved)
        for m in self.members:
            self.send(m, AssignmentMsg(self.generation, tuple(self.current.get(m, ()))))


class GroupMember(Node):
    """Joins, heartbeats, and owns the partitions of the newest generation it heard of."""

    def __init__(self, node_id: str, *, heartbeat: float = 30.0, join_at: float = 0.0) -> None:
        super().__init__(node_id)
        self.heartbeat, self.join_at = heartbeat, join_at
        self.generation, self.owned = 0, ()
        self.history: list[tuple[float, int, tuple]] = []

    def on_start(self) -> None:
        self.set_timer("join", self.join_at)

    def on_timer(self, name: Any) -> None:
        if name == "join":
            self.send(COORDINATOR, JoinGroup(self.id))
        self.send(COORDINATOR, Heartbeat(self.generation))
        self.set_timer("beat", self.heartbeat)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, AssignmentMsg) and msg.generation >= self.generation:
            self.generation, self.owned = msg.generation, tuple(msg.partitions)
            self.history.append((self.now(), msg.generation, self.owned))
            self.note(generation=msg.generation, owned=self.owned)
        elif isinstance(msg, HeartbeatResult) and not msg.known:
            self.generation, self.owned = 0, ()
            self.send(COORDINATOR, JoinGroup(self.id))


def group_sim(seed: int, *, members: int = 3, partitions: int = 6, strategy: str = "sticky",
              session_timeout: float = 100.0, trace: bool = True) -> Simulation:
    """A coordinator and ``members`` members joining 50 ms apart, for ``partitions`` partitions of topic t."""
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise ConfigError(f"a topic needs a partition count >= 1, got {partitions!r}")
    sim = Simulation(seed, latency=(1.0, 5.0), trace=trace)
    sim.add_node(COORDINATOR, GroupCoordinator, partitions=tuple(("t", p) for p in range(partitions)),
                 strategy=strategy, session_timeout=session_timeout)
    for i in range(members):
        sim.add_node(f"m{i + 1}", GroupMember, join_at=50.0 * i)
    return sim


def rebalance_demo(strategy: str = "sticky", *, seed: int = 1, partitions: int = 6) -> list[dict[str, Any]]:
    """Three members join, ``m2`` crashes (its session expires), a fourth joins: each generation's assignment."""
    sim = group_sim(seed, members=3, partitions=partitions, strategy=strategy)
    sim.run(until=300.0)
    sim.crash("m2")
    sim.run(until=600.0)
    sim.add_node("m4", GroupMember)
    sim.run(until=900.0)
    return sim.node(COORDINATOR).generations


def exclusive_ownership(sim: Simulation) -> str | None:
    """None when no generation gave a partition to two members; else which and when."""
    for g in sim.node(COORDINATOR).generations:
        try:
            owners(g["assignment"])
        except ConfigError as err:
            return f"generation {g['generation']}: {err}"
        missing = set(sim.node(COORDINATOR).partitions) - set(owners(g["assignment"]))
        if g["members"] and missing:
            return f"generation {g['generation']}: partitions {sorted(missing)} have no owner"
    return None
