"""Fallacy 6: there is one administrator.

Theory of operation
-------------------
A request from the application to its server crosses a stateful firewall that another team
runs. The two teams each set a timeout that the other's program silently relies on:

* the application team's connection pool keeps an idle connection for ``pool_idle`` ms (60 s)
  and reuses it - which is only safe if every box on the path keeps the connection that long;
* the network team's firewall forgets a connection after ``idle_timeout`` ms of silence, and
  drops, without a reply, any later packet of a connection it has forgotten (stateful
  firewalls and NAT gateways do this; a forgotten flow gets no reset).

With the firewall at 300 s the two settings agree. At ``change_at`` the network team's operator
node sends the firewall a :class:`IdleTimeout` change to 10 s (to save state-table space, say)
and tells nobody. The naive
client retries a timed-out request on the same pooled connection, as if its own pool setting
were the only one that mattered: from then on every request it sends is dropped. The fixed
client treats a connection on which an attempt timed out as possibly dead: it retries on a new
connection (with the same idempotency key, so a retry is harmless). Nothing in either client
knows the firewall's new setting; the fix works because it does not need to.

The firewall, the client and the messages are sans-IO nodes like every node of the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result
from dsworkbook.reliability import CounterServer
from dsworkbook.sim import Node, Request, Response, Simulation

__all__ = ["Packet", "IdleTimeout", "Firewall", "Operator", "PooledClient", "one_administrator"]


@dataclass(frozen=True, slots=True)
class Packet:
    """A packet of connection ``conn``: a request to the server or a response to the client.

    ``opens`` marks the first packet of a new connection (a TCP SYN, in spirit).
    """

    conn: int
    payload: Any
    opens: bool = False


@dataclass(frozen=True, slots=True)
class IdleTimeout:
    """A configuration change: forget a connection after ``ms`` of silence from now on."""

    ms: float


class Operator(Node):
    """An administrator's automation: sends each ``(at_ms, target, message)`` of ``changes`` at its time."""

    def __init__(self, node_id: str, *, changes: list[tuple[float, str, Any]]) -> None:
        super().__init__(node_id)
        self.changes = list(changes)

    def on_start(self) -> None:
        for i, (at, _target, _msg) in enumerate(self.changes):
            self.set_timer(i, at)

    def on_timer(self, name: Any) -> None:
        _at, target, msg = self.changes[name]
        self.send(target, msg)


class Firewall(Node):
    """A stateful firewall between ``client`` and ``server``: a table ``conn -> last activity``.

    A connection is forgotten after ``idle_timeout`` ms without a packet. A packet that opens a
    connection is let through and remembered; any other packet of a connection the firewall
    does not remember is dropped silently (a trace note ``dropped=conn``). Responses are routed
    back to the connection their request came on.
    """

    def __init__(self, node_id: str, *, client: str, server: str, idle_timeout: float) -> None:
        super().__init__(node_id)
        self.client, self.server = client, server
        self.idle_timeout = _positive("idle_timeout", idle_timeout)

    def on_start(self) -> None:
        self.seen: dict[int, float] = {}
        self.route: dict[int, int] = {}
        self.dropped = 0


    def _open(self, conn: int) -> bool:
        last = self.seen.get(conn)
        return last is not None and self.now() - last <= self.idle_timeout

    def _drop(self, conn: int) -> None:
        self.seen.pop(conn, None)
        self.dropped += 1
        self.note(dropped=conn, reason="connection unknown or idle too long")

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, IdleTimeout):  # the network team's change
            self.idle_timeout = _positive("idle_timeout", msg.ms)
            self.note(idle_timeout=self.idle_timeout, changed_by=src)
        elif src == self.client and isinstance(msg, Packet):
            if not (msg.opens or self._open(msg.conn)):
                self._drop(msg.conn)
                return
            self.seen[msg.conn] = self.now()
            self.route[msg.payload.req_id] = msg.conn
            self.send(self.server, msg.payload)
        elif src == self.server and isinstance(msg, Response):
            conn = self.route.pop(msg.req_id, None)
            if conn is None or not self._open(conn):
                self._drop(-1 if conn is None else conn)
                return
            self.seen[conn] = self.now()
            self.send(self.client, Packet(conn, msg))


class PooledClient(Node):
    """Runs ``ops`` ``incr 1`` operations, one every ``every`` ms, over a pooled connection.

    The pool reuses its connection while it has been idle for at most ``pool_idle`` ms (the
    application team's setting); otherwise it opens a new one. Each operation has up to
    ``max_attempts`` attempts of ``timeout`` ms, all with the operation's idempotency key.
    ``reconnect=False`` (naive) retries on the same connection; ``reconnect=True`` opens a new
    connection for every retry, because a silent connection may be one the path has forgotten.
    """

    def __init__(self, node_id: str, *, firewall: str, ops: int, every: float, reconnect: bool,
                 pool_idle: float = 60_000.0, timeout: float = 200.0, max_attempts: int = 4) -> None:
        super().__init__(node_id)
        self.firewall, self.ops, self.every, self.reconnect = firewall, ops, every, bool(reconnect)
        self.pool_idle, self.timeout, self.max_attempts = pool_idle, timeout, max_attempts

    def on_start(self) -> None:
        self.index, self.conn, self.last_used = -1, 0, None
        self.handle: int | None = None
        self.attempt, self.req, self.connections = 0, 0, 0
        self.set_timer("next", 0)

    def _connection(self, fresh: bool) -> tuple[int, bool]:
        idle = self.last_used is None or self.now() - self.last_used > self.pool_idle
        if fresh or idle:
            self.conn += 1
            self.connections += 1
            return self.conn, True
        return self.conn, False

    def _send(self, fresh: bool) -> None:
        self.attempt += 1
        self.req += 1
        conn, opens = self._connection(fresh)
        self.last_used = self.now()
        self.send(self.firewall, Packet(conn, Request(self.req, "incr", 1, f"{self.id}/{self.index}"), opens))
        self.set_timer("timeout", self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "next":
            self.index += 1
            if self.index < self.ops:
                self.handle, self.attempt = self.invoke("incr", 1), 0
                self._send(fresh=False)
                self.set_timer("next", self.every)
        elif name == "timeout" and self.handle is not None:
            if self.attempt >= self.max_attempts:
                self.complete(self.handle, "unknown")
                self.handle = None
            else:
                self._send(fresh=self.reconnect)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Packet) and isinstance(msg.payload, Response) and self.handle is not None:
            self.last_used = self.now()
            self.cancel_timer("timeout")
            self.complete(self.handle, "ok" if msg.payload.ok else "fail", msg.payload.value)
            self.handle = None


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be a positive number of ms, got {value!r}")
    return float(value)


def _firewall_run(seed: int, reconnect: bool, change_at: float, new_idle: float, ops: int,
                  every: float) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 10))
    sim.add_node("server", CounterServer, dedup=True)
    fw = sim.add_node("fw", Firewall, client="app", server="server", idle_timeout=300_000.0)
    app = sim.add_node("app", PooledClient, firewall="fw", ops=ops, every=every, reconnect=reconnect)
    sim.add_node("netops", Operator, changes=[(change_at, "fw", IdleTimeout(new_idle))])
    sim.run(until=ops * every + 5_000)
    late = [op for op in sim.history if op.invoke_time >= change_at]
    counts = sim.history.counts()
    return {"ops": len(sim.history), "ok": counts["ok"], "unknown": counts["unknown"],
            "ops after the change": len(late), "ok after the change": sum(op.outcome == "ok" for op in late),
            "connections opened": app.connections, "packets dropped by the firewall": fw.dropped,
            "increments applied": len(sim.trace.notes("server", "applied"))}


def one_administrator(seed: int = 0, new_idle_timeout: float = 10_000.0) -> FallacyResult:
    """Two teams' timeouts in conflict: a firewall's idle timeout shortened under a pooled connection.

    ``new_idle_timeout`` is the firewall's setting after the network team's change (one longer
    than the client's 20 s between requests leaves the two settings compatible, and the naive
    client no longer breaks).
    """
    seed = _check_seed(seed)
    new_idle = _positive("new_idle_timeout", new_idle_timeout)
    args = dict(change_at=90_000.0, new_idle=new_idle, ops=15, every=20_000.0)
    naive, fixed = _firewall_run(seed, False, **args), _firewall_run(seed, True, **args)
    broke = naive["ok after the change"] < naive["ops after the change"]
    held = fixed["ok"] == fixed["ops"] and fixed["increments applied"] == fixed["ops"]
    return _result(6, seed, f"""
        A client increments a counter every 20 s over a pooled connection; its team set the pool
        to keep an idle connection for 60 s. Between client and server sits a stateful firewall
        run by the network team, which forgets a connection after 300 s of silence and silently
        drops packets of connections it has forgotten. At 90 s the network team changes that
        idle timeout to {new_idle / 1000:g} s and tells nobody: each team's setting is sound on its
        own, and they may now conflict. The naive client retries a timed-out request on the same pooled
        connection, as if its own settings were the only ones: every request after the change
        vanishes, and the firewall's drops are invisible to it. The fixed client does not know
        the new setting either; it treats a connection on which an attempt timed out as
        possibly forgotten, retries on a new connection with the same idempotency key, and
        every increment is applied exactly once.""", naive, fixed, broke, held,
        f"naive: {naive['ok after the change']}/{naive['ops after the change']} ops ok after the change; fixed: "
        f"{fixed['ok after the change']}/{fixed['ops after the change']}, with {fixed['connections opened']} "
        f"connections and {fixed['increments applied']} increments applied for {fixed['ops']} ops.")
