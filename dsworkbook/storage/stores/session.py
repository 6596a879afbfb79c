"""Session guarantees for clients that go to any replica: a token the client carries.

Theory of operation
-------------------
A replica that serves a client from its own copy keeps read-your-writes and monotonic reads
only while the client keeps talking to it (a *sticky* client). Route the client's next request
to another replica - a load balancer's choice, a failover, a partition that cuts it off from
its usual one - and that replica may not have applied the client's own write yet: the client
reads an older value, or the initial one. Terry, Demers, Petersen, Spreitzer, Theimer & Welch
("Session guarantees for weakly consistent replicated data", PDIS 1994, §4-§5) fix this on
the client's side: the session carries a summary of the writes it has written and read - a
version vector - and a server may serve the session only if it has applied at least those.
Azure Cosmos DB's session tokens and MongoDB's causally consistent sessions (``afterClusterTime``)
are the same idea; ZooKeeper's clients carry the last zxid they saw, and a server that is
behind it does not accept the session ("ZooKeeper: wait-free coordination for Internet-scale
systems", §4; the programmer's guide's "single system image").

Here the replicas are those of the causal store (:class:`~dsworkbook.storage.stores.causal.CausalReplica`),
whose ``applied`` vector says exactly which writes a replica has applied, and whose causal
delivery makes that set closed under "happened before". A :class:`SessionRule` is three
functions of the token alone (the token is all a replica sees of the session):

* ``start()`` - the token of a new session;
* ``admit(token, op, replica, vector)`` - run by ``replica`` on each request (``op`` is
  ``"read"`` or ``"write"``; ``vector`` is the replica's ``applied`` vector): may it serve it?
  A refused request is not executed;
* ``advance(token, op, replica, vector)`` - run by the client on each ok reply (``vector`` is
  the replica's ``applied`` vector after the operation, so a write's own update is in it):
  the session's next token.

:class:`VectorSession` is the rule of Terry et al.: the token is the merge of every vector the
session received, and a replica is admitted when its vector covers it. It checks writes too:
the store orders the writes of a key by Lamport timestamps, and a write made at a replica that
has not seen a value the session already read would be ordered *before* that value, so the
session would read the older value back.

:class:`SessionClient` is not sticky: for every operation it tries the replicas in a fresh
random order. A refusal sends it to the next replica; a read that times out does too; a write
that times out ends ``unknown`` (it may have been applied); an operation that every replica
refused ends ``fail``. The client also audits the rule: it keeps the *covering* token (the
merge of every vector it received) and records in :attr:`SessionClient.needless` every refusal
from a replica whose vector covered it - a replica that had everything the session had seen,
which a rule should let serve (availability). :func:`session_run` builds and runs it all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Protocol, Sequence

from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response, Simulation
from dsworkbook.storage.common import Refused, client_ids, random_workload, replica_ids
from dsworkbook.storage.stores.causal import CausalReplica, Update

__all__ = ["SessionRule", "VectorSession", "Stale", "SessionReplica", "SessionClient", "session_run",
           "Refusal", "PARTITIONS"]


class SessionRule(Protocol):
    """What a session rule provides (see the module docstring)."""

    def start(self) -> Any: ...

    def admit(self, token: Any, op: str, replica: str, vector: VectorTimestamp) -> bool: ...

    def advance(self, token: Any, op: str, replica: str, vector: VectorTimestamp) -> Any: ...


class VectorSession:
    """Terry et al.'s rule: the token is the merge of the vectors received; admit a replica that covers it."""

    def start(self) -> VectorTimestamp:
        return VectorTimestamp()

    def admit(self, token: VectorTimestamp, op: str, replica: str, vector: VectorTimestamp) -> bool:
        return token <= vector

    def advance(self, token: VectorTimestamp, op: str, replica: str, vector: VectorTimestamp) -> VectorTimestamp:
        return token.merge(vector)


@dataclass(frozen=True, slots=True)
class Stale:
    """A replica's refusal: the session's token asks for more than ``vector`` (the replica's applied writes)."""

    vector: VectorTimestamp

    def __str__(self) -> str:
        return f"refused: this replica has applied only {self.vector}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal the rule did not need: ``replica`` had applied everything the session had seen."""

    time: float
    client: str
    op: str
    key: Any
    replica: str
    vector: VectorTimestamp
    covering: VectorTimestamp


class SessionReplica(CausalReplica):
    """A causal-store replica that serves a request only if ``rule.admit`` says so.

    A request's ``arg`` is ``(key, value, token)``; an ok reply's value is ``(read value or None,
    applied vector after the operation)``; a refusal is ``Response(ok=False, value=Stale(applied))``.
    """

    def __init__(self, node_id: str, *, replicas: Sequence[str], rule: Any, sync_every: float = 50.0) -> None:
        super().__init__(node_id, replicas=replicas, sync_every=sync_every)
        self.rule = rule

    def on_client_request(self, src: str, request: Request) -> None:
        if (src, request.req_id) in self._seen:
            return  # a network duplicate
        self._seen.add((src, request.req_id))
        if request.op not in ("read", "write") or not (isinstance(request.arg, tuple) and len(request.arg) == 3):
            self.reply(src, request, Refused(f"send ('read' or 'write', (key, value, token)), got {request.arg!r}"),
                       ok=False)
            return
        key, value, token = request.arg
        admitted = self.rule.admit(token, request.op, self.id, self.applied)
        if not isinstance(admitted, bool):
            raise ConfigError(f"admit(token, {request.op!r}, {self.id!r}, {self.applied}) must return True or False, "
                              f"got {admitted!r}")
        if not admitted:
            self.reply(src, request, Stale(self.applied), ok=False)
            return
        if request.op == "read":
            current = self.data.get(key)
            self.reply(src, request, (None if current is None else current.value, self.applied))
            return
        update = Update(self.id, self.applied.increment(self.id), self.lamport + 1, key, value)
        self._apply(update)
        for peer in self.replicas:
            if peer != self.id:
                self.send(peer, update)
        self.reply(src, request, (None, self.applied))


class SessionClient(Node):
    """A client that goes to any replica, carrying its session's token (see the module docstring)."""

    def __init__(self, node_id: str, *, servers: Sequence[str], rule: Any, ops: Iterable[tuple[str, Any, Any]] = (),
                 timeout: float = 120.0, think: float = 10.0, start_at: float = 0.0) -> None:
        super().__init__(node_id)
        if not servers:
            raise ConfigError("a session client needs at least one replica to talk to")
        self.servers, self.rule, self.ops = tuple(servers), rule, tuple(ops)
        self.timeout, self.think, self.start_at = float(timeout), float(think), float(start_at)

    def on_start(self) -> None:
        self.token = self.rule.start()
        self.covering = VectorTimestamp()
        self.needless: list[Refusal] = []
        self.index, self.req = -1, 0
        self.handle: int | None = None
        self.current: Request | None = None
        self.untried: list[str] = []
        self.set_timer("next", self.start_at + self.rng.uniform(0, self.think))

    def _next_op(self) -> None:
        self.index += 1
        if self.index >= len(self.ops):
            return
        f, key, value = self.ops[self.index]
        self.handle = self.invoke(f, value if f == "write" else None, key=key)
        self.untried = self.rng.sample(list(self.servers), len(self.servers))
        self._try()

    def _try(self) -> None:
        f, key, value = self.ops[self.index]
        self.req += 1
        self.current = Request(self.req, f, (key, value, self.token))
        self.target = self.untried.pop(0)
        self.send(self.target, self.current)
        self.set_timer("timeout", self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self._next_op()
        elif name == "timeout" and self.current is not None:
            if self.current.op == "read" and self.untried:
                self._try()  # nothing happened at that replica: ask another
            else:
                self._finish("unknown")

    def on_message(self, src: str, msg: Any) -> None:
        if not (isinstance(msg, Response) and self.current is not None and msg.req_id == self.current.req_id):
            return
        self.cancel_timer("timeout")
        f, key, _ = self.ops[self.index]
        if msg.ok:
            value, vector = msg.value
            self.token = self.rule.advance(self.token, f, src, vector)
            self.covering = self.covering.merge(vector)
            self._finish("ok", value if f == "read" else None)
            return
        if isinstance(msg.value, Stale) and self.covering <= msg.value.vector:
            self.needless.append(Refusal(self.now(), self.id, f, key, src, msg.value.vector, self.covering))
        if self.untried:
            self._try()
        else:
            self._finish("fail")  # every replica refused: the operation did not happen

    def _finish(self, outcome: str, output: Any = None) -> None:
        assert self.handle is not None
        self.complete(self.handle, outcome, output)
        self.handle, self.current = None, None
        self.set_timer("next", self.rng.uniform(0.5, 1.5) * self.think)


#: Partition schedules of :func:`session_run`: ``(start, end, replicas cut off, clients cut off with them)``,
#: replicas and clients by position (0 is ``n1`` / ``c1``; -1 the last).
PARTITIONS: dict[str, tuple[tuple[float, float, tuple[int, ...], tuple[int, ...]], ...]] = {
    "none": (),
    "one replica cut off": ((150.0, 700.0, (0,), (0,)),),
    "two partitions": ((100.0, 500.0, (0,), (0,)), (800.0, 1300.0, (-1, -2), (1, 2))),
}


def session_run(seed: int, rule: Any, *, replicas: int = 3, clients: int = 4, ops: int = 30,
                keys: tuple[Any, ...] = ("x", "y"), partitions: str = "two partitions", local: Any = (1, 4),
                wan: Any = (15, 60), think: float = 12.0, until: float = 5000.0) -> Simulation:
    """Run non-sticky clients with ``rule`` against the causal store's replicas; returns the Simulation.

    Links between replicas take ``wan`` ms, a client's links ``local`` ms. Every client sends each
    operation to any replica (a fresh random order each time). ``partitions`` names a schedule of
    :data:`PARTITIONS`: each entry cuts some replicas, with some clients, off from the rest during
    ``[start, end)``. Written values are unique (:func:`~dsworkbook.storage.common.random_workload`).
    """
    if partitions not in PARTITIONS:
        raise ConfigError(f"partitions must be one of {list(PARTITIONS)}, got {partitions!r}")
    for name in ("start", "admit", "advance"):
        if not callable(getattr(rule, name, None)):
            raise ConfigError(f"a session rule needs a method {name}(); see dsworkbook.storage.stores.session")
    reps, cls = replica_ids(replicas), client_ids(clients)
    sim = Simulation(seed=seed, latency=local)
    for r in reps:
        sim.add_node(r, SessionReplica, replicas=reps, rule=rule)
    for a in reps:
        for b in reps:
            if a < b:
                sim.net.set_link(a, b, latency=wan, both=True)
    work = random_workload(seed, cls, ops=ops, keys=keys, write_ratio=0.4)
    for c in cls:
        sim.add_node(c, SessionClient, servers=reps, rule=rule, ops=work.ops[c], think=think)
    for start, end, cut_reps, cut_clients in PARTITIONS[partitions]:
        side = sorted({reps[i] for i in cut_reps} | {cls[i] for i in cut_clients if -len(cls) <= i < len(cls)})
        sim.at(start, sim.net.partition, side, [n for n in sim.node_ids if n not in side])
        sim.at(end, sim.net.heal)
    sim.run(until=until)
    return sim
