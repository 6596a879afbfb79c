"""The nodes around single-leader replicas - clients and a failover orchestrator - and the run builder.

Theory of operation
-------------------
:func:`leader_sim` places :class:`~dsworkbook.regions.leader.Replica` s, :class:`Client` s (one
application server per named region, writing and reading in a closed loop) and, optionally, an
:class:`Orchestrator` in regions of a :class:`~dsworkbook.regions.world.World`, and wires the
links with :meth:`World.wire` (half the measured round-trip time per message, with jitter).

**Clients** record every operation in the simulation's history, as the checkers read it: a
write is ``ok`` with ``(position, epoch)`` once a leader acknowledges it, ``fail`` when a
replica refused it (not the leader), ``unknown`` when the client gave up waiting (``timeout``)
or learnt of a newer leader meanwhile. Written values are unique (``"c-us-east-1:7"``) so a read
names the write it saw. A read goes to the replica a *router* picks -
``router(session, replicas, region)`` with the session's last write and read positions and a
snapshot of the replicas (:class:`~dsworkbook.regions.leader_reads.ReplicaView`) - or, without
a router, to the leader. The snapshot stands for a read proxy that tracks each replica's applied
position; it is taken when the read starts, and as applied positions only grow while a replica
is up, a slightly old view only errs on the safe side.

**The orchestrator** plays the failover manager: the leader sends it a heartbeat every
``heartbeat`` ms; after ``timeout`` ms without one it opens a new epoch, sends :class:`Fence` to
every replica (a fenced replica rejects the old epoch from then on), collects their
:class:`Status` for ``collect`` ms and, when at least ``quorum`` answered, promotes the most
up-to-date one - the latest last-entry epoch, then the longest log, ties by name (the
election restriction of Raft, §5.4.1) - and tells replicas and clients. The broken ``promote``
choice ``"any"`` takes any replica that answered (drawn from the orchestrator's stream) instead. It never crashes in these runs.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.leader import (Fence, Heartbeat, LeaderIs, Promote, Read, ReadReply, Replica, Status,
                                       Topology, WhoLeads, Write, WriteAck)
from dsworkbook.regions.leader_reads import ReplicaView, Session
from dsworkbook.regions.world import World, world
from dsworkbook.sim import Node, Simulation

__all__ = ["Client", "Orchestrator", "leader_sim", "ORCH", "client_name", "PROMOTE"]

ORCH = "orch"
PROMOTE = ("most-up-to-date", "any")
Router = Callable[[Session, tuple[ReplicaView, ...], str], "str | None"]


def client_name(region: str) -> str:
    return f"c-{region}"


class Client(Node):
    """An application server in ``region``: one operation at a time, ``think`` ms apart."""

    def __init__(self, node_id: str, *, region: str, leader: str, orchestrator: str | None = None,
                 think: float = 10.0, timeout: float = 1000.0, writes: float = 1.0, keys: Sequence[Any] = ("x",),
                 router: Router | None = None, directory: Callable[[], tuple[ReplicaView, ...]] | None = None,
                 start: float = 0.0, stop: float = math.inf, fencing: bool = True) -> None:
        super().__init__(node_id)
        self.region, self.leader, self.orch = region, leader, orchestrator
        self.think, self.timeout, self.writes, self.keys = think, timeout, writes, tuple(keys)
        self.router, self.directory = router, directory
        self.start, self.stop, self.fencing = start, stop, fencing

    def on_start(self) -> None:
        self.epoch, self.n, self.req = 1, 0, 0
        self.op: tuple[int, int, str, str] | None = None  # (req_id, history handle, target, kind)
        self.last_write = self.last_read = 0
        self.set_timer("next", self.start + self.rng.uniform(0, self.think))

    def on_timer(self, name: Any) -> None:
        if name == "next":
            if self.now() < self.stop:
                self._issue()
        elif isinstance(name, tuple) and self.op is not None and name[1] == self.op[0]:
            self._finish("unknown")
            self._ask()

    def _issue(self) -> None:
        key = self.keys[self.rng.randrange(len(self.keys))] if len(self.keys) > 1 else self.keys[0]
        self.req += 1
        if self.rng.random() < self.writes:
            self.n += 1
            value = f"{self.id}:{self.n}"
            h = self.invoke("write", value, key=key)
            self.op = (self.req, h, self.leader, "write")
            self.send(self.leader, Write(self.req, key, value))
        else:
            h = self.invoke("read", None, key=key)
            target = self.leader
            if self.router is not None:
                view = self.directory() if self.directory is not None else ()
                target = self.router(Session(self.last_write, self.last_read), view, self.region)
            if target is None:  # no replica can serve it
                self.complete(h, "fail")
                self.set_timer("next", self.think)
                return
            self.op = (self.req, h, target, "read")
            self.send(target, Read(self.req, key))
        self.set_timer(("timeout", self.req), self.timeout)

    def _finish(self, outcome: str, output: Any = None) -> None:
        assert self.op is not None
        self.complete(self.op[1], outcome, output)
        self.cancel_timer(("timeout", self.op[0]))
        self.op = None
        self.set_timer("next", self.think)

    def _ask(self) -> None:
        if self.orch is not None:
            self.send(self.orch, WhoLeads())

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, LeaderIs):
            if msg.epoch < self.epoch and self.fencing:
                return  # a lower epoch is stale news
            self.epoch = max(self.epoch, msg.epoch)
            moved, self.leader = msg.leader != self.leader, msg.leader
            if moved and self.op is not None and self.op[3] == "write":
                self._finish("unknown")  # stop waiting for the old leader
            return
        if self.op is None or getattr(msg, "req_id", None) != self.op[0]:
            return
        if isinstance(msg, WriteAck):
            if not msg.ok:
                self._finish("fail")
                if msg.leader is not None and msg.leader != src:
                    self.leader = msg.leader
                else:
                    self._ask()
            elif self.fencing and msg.epoch < self.epoch:
                self._finish("unknown")  # an acknowledgement from a fenced epoch is not trusted
            else:
                self.last_write = max(self.last_write, msg.position)
                self._finish("ok", (msg.position, msg.epoch, src))
        elif isinstance(msg, ReadReply):
            self.last_read = max(self.last_read, msg.applied)
            self._finish("ok", msg.value)


class Orchestrator(Node):
    """Detects a silent leader by heartbeat timeout and promotes a follower (see the module docstring)."""

    def __init__(self, node_id: str, *, replicas: Sequence[str], clients: Sequence[str], leader: str,
                 timeout: float = 250.0, collect: float = 200.0, quorum: int = 1,
                 promote: str = "most-up-to-date") -> None:
        super().__init__(node_id)
        if promote not in PROMOTE:
            raise ConfigError(f"promote must be one of {PROMOTE}, got {promote!r}")
        if isinstance(quorum, bool) or not isinstance(quorum, int) or not 1 <= quorum <= len(replicas):
            raise ConfigError(f"quorum must be an int in 1..{len(replicas)} (the replicas), got {quorum!r}")
        if not timeout > 0 or not collect > 0:
            raise ConfigError(f"the detector timeout and the collection window must be > 0 ms, got {timeout}, {collect}")
        self.replicas, self.clients, self.first = tuple(replicas), tuple(clients), leader
        self.timeout, self.collect, self.quorum, self.promote = timeout, collect, quorum, promote

    def on_start(self) -> None:
        self.epoch = self.storage.get("epoch", 1)
        self.leader: str | None = self.storage.get("leader", self.first)
        self.answers: dict[str, tuple[int, int]] | None = None
        #: (time, epoch, promoted replica) per promotion - volatile; the orchestrator never crashes here
        self.promotions: list[tuple[float, int, str]] = []
        self.set_timer("suspect", self.timeout)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Heartbeat):
            if src == self.leader and msg.epoch == self.epoch and self.answers is None:
                self.set_timer("suspect", self.timeout)
            elif msg.epoch < self.epoch and self.leader is not None:
                self.send(src, LeaderIs(self.epoch, self.leader))  # a stale leader: tell it
        elif isinstance(msg, Status):
            if self.answers is not None and msg.epoch == self.epoch:
                self.answers.setdefault(src, (msg.last_epoch, msg.position))
        elif isinstance(msg, WhoLeads) and self.leader is not None:
            self.send(src, LeaderIs(self.epoch, self.leader))

    def on_timer(self, name: Any) -> None:
        if name == "suspect":
            self.note(suspect=self.leader, epoch=self.epoch + 1)
            self.epoch += 1
            self.leader = None  # nobody leads the new epoch until the promotion names someone
            self.persist(epoch=self.epoch, leader=None)
            self.answers = {}
            for r in self.replicas:
                self.send(r, Fence(self.epoch))
            self.set_timer("collect", self.collect)
        elif name == "collect" and self.answers is not None:
            answers, self.answers = self.answers, None
            if len(answers) < self.quorum:
                self.set_timer("suspect", self.timeout)  # try again with a new epoch
                return
            if self.promote == "any":  # the broken variant: any replica that answered
                names = sorted(answers)
                chosen = names[self.rng.randrange(len(names))]
            else:
                chosen = max(sorted(answers), key=lambda r: answers[r])
            self.leader = chosen
            self.persist(leader=chosen)
            self.promotions.append((self.now(), self.epoch, chosen))
            self.note(promoted=chosen, epoch=self.epoch, answers=dict(answers))
            for r in self.replicas:
                self.send(r, Promote(self.epoch, chosen))
            for c in self.clients:
                self.send(c, LeaderIs(self.epoch, chosen))
            # the new leader's first heartbeat needs a round trip: allow one collection window for it
            self.set_timer("suspect", self.timeout + self.collect)


def leader_sim(seed: int, topo: Topology, *, clients: Sequence[str] | None = None, the_world: World | None = None,
               orchestrator: str | None = None, timeout: float = 250.0, heartbeat: float = 50.0, quorum: int = 1,
               promote: str = "most-up-to-date", fencing: bool = True, apply_ms: float | Mapping[str, float] = 1.0,
               think: float = 10.0,
               write_timeout: float = 1000.0, writes: float = 1.0, keys: Sequence[Any] = ("x",),
               router: Router | None = None, stop: float = math.inf, loss: float = 0.0,
               trace: bool = False) -> Simulation:
    """A run of ``topo``'s replicas, a client in each region of ``clients`` (default: each replica's
    region) and, when ``orchestrator`` names a region, an orchestrator there with detector ``timeout``.

    ``apply_ms`` is each follower's time to apply one entry: one number for all, or a mapping
    replica -> ms (replicas it leaves out take 1 ms). The collection window is 1.2 times the longest round trip from the orchestrator to a replica,
    plus 10 ms (every live replica's answer arrives within it).
    """
    regions = list(dict.fromkeys(list(topo.regions.values()) + list(clients or [])
                                 + ([orchestrator] if orchestrator else [])))
    w = the_world if the_world is not None else world(*regions)
    for r in regions:
        w.check_region(r)
    client_regions = list(dict.fromkeys(clients if clients is not None else topo.regions.values()))
    if not client_regions:
        raise ConfigError("a run needs at least one client region")
    sim = Simulation(seed, trace=trace, loss=loss)
    orch = ORCH if orchestrator else None
    placement: dict[str, str] = {}
    for name, region in topo.regions.items():
        ms = apply_ms.get(name, 1.0) if isinstance(apply_ms, Mapping) else apply_ms
        sim.add_node(name, Replica, topology=topo, orchestrator=orch, fencing=fencing, apply_ms=ms,
                     heartbeat=heartbeat)
        placement[name] = region
    names = [client_name(r) for r in client_regions]

    def directory() -> tuple[ReplicaView, ...]:
        return tuple(_view(sim, n, topo.regions[n]) for n in topo.regions)

    for name, region in zip(names, client_regions):
        sim.add_node(name, Client, region=region, leader=topo.leader, orchestrator=orch, think=think,
                     timeout=write_timeout, writes=writes, keys=keys, router=router, directory=directory,
                     stop=stop, fencing=fencing)
        placement[name] = region
    if orch is not None:
        collect = 1.2 * max(w.rtt(orchestrator, r) for r in topo.regions.values()) + 10.0
        sim.add_node(orch, Orchestrator, replicas=topo.names, clients=names, leader=topo.leader, timeout=timeout,
                     collect=collect, quorum=quorum, promote=promote)
        placement[orch] = orchestrator
    w.wire(sim, placement)
    return sim


def _view(sim: Simulation, name: str, region: str) -> ReplicaView:
    slot = sim.check_node(name)
    node = slot.node
    if node is None or slot.status != "up" or not hasattr(node, "log"):
        return ReplicaView(name, region, 0, False, False)
    return ReplicaView(name, region, node.applied, True, bool(node.leading))
