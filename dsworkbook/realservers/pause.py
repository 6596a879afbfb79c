"""The process-pause experiment on real servers, with and without fencing tokens (L03 on L07).

Kleppmann, "How to do distributed locking" (2016): client 1 takes a lease lock and checks it,
then pauses (a stop-the-world GC, here SIGSTOP) until the lease expires; client 2 takes the lock
and writes; client 1 wakes up, still believing it holds the lock, and writes too. Two clients held
the lock and client 2's write is lost. The fix is a fencing token issued with every lock grant:
the storage remembers the largest token it has seen and rejects a write with a smaller one.

* :func:`redis_pause_experiment`: the Redlock client of :mod:`~dsworkbook.realservers.redlock`
  on five real Redis servers, fencing tokens from ``INCR`` on a sixth. Client 1 renews its lease
  with a watchdog thread; SIGSTOP freezes that thread too, which is why renewal is no fix
  (``pause=False`` keeps the watchdog running and client 2 cannot get the lock at all).
* :func:`zookeeper_pause_experiment`: kazoo's Lock recipe on a real ZooKeeper. The lock node is
  ephemeral, so it is deleted when client 1's session expires (ZooKeeper Programmer's Guide,
  "Ephemeral Nodes"); client 2 gets the lock. After SIGCONT client 1 still says ``is_acquired``
  until it sees the session LOST. The fencing token is the lock node's creation zxid (``czxid``):
  every change to ZooKeeper's state gets a zxid and zxids are totally ordered (ZooKeeper
  Programmer's Guide, "Time in ZooKeeper" and "ZooKeeper Stat Structure"; Hunt et al.,
  "ZooKeeper: Wait-free coordination", USENIX ATC 2010), so a later lock node carries a larger one.

The storage lives in this process (:class:`Storage`); client 1's write reaches it as a line on its
stdout, client 2's by a direct call.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.child import ChildProcess
from dsworkbook.realservers.redis_lock import FencingCounter, check_ttl
from dsworkbook.realservers.redlock import Redlock
from dsworkbook.realservers.servers import RedisServer, ZooKeeperServer

#: the module the paused client runs as, in its own process
PAUSED_CLIENT = "dsworkbook.realservers.paused_client"

__all__ = ["Write", "Storage", "PauseResult", "redis_pause_experiment", "zookeeper_pause_experiment"]


@dataclass(frozen=True, slots=True)
class Write:
    """One write the storage received: who, what, with which token, and whether it was applied."""

    writer: str
    value: str
    token: int | None
    accepted: bool


class Storage:
    """A one-value store; when ``fenced`` it rejects a write whose token is below the largest seen."""

    def __init__(self, fenced: bool) -> None:
        self.fenced = fenced
        self.value: str | None = None
        self.highest: int | None = None
        self.writes: list[Write] = []

    def write(self, writer: str, value: str, token: int | None) -> bool:
        if self.fenced and token is None:
            raise ConfigError("a fenced storage needs a fencing token with every write")
        stale = self.fenced and self.highest is not None and token < self.highest  # type: ignore[operator]
        if not stale:
            self.value = value
            if token is not None:
                self.highest = token if self.highest is None else max(self.highest, token)
        self.writes.append(Write(writer, value, token, not stale))
        return not stale


@dataclass(frozen=True, slots=True)
class PauseResult:
    """What happened: who held the lock when, what the storage kept, what client 1 believed."""

    system: str
    fenced: bool
    paused: bool
    second_acquired: bool
    second_waited_s: float | None
    tokens: tuple[int | None, int | None]
    first_believed_holder: bool
    writes: tuple[Write, ...]
    final_value: str | None
    events: tuple[tuple[str, dict], ...]

    @property
    def double_holder(self) -> bool:
        """Client 2 was granted the lock and client 1 then wrote believing it still held it."""
        return self.second_acquired and self.first_believed_holder and any(w.writer == "first" for w in self.writes)

    @property
    def lost_write(self) -> bool:
        """Client 2's accepted write was overwritten by the stale holder."""
        return self.final_value == "first" and any(w.writer == "second" and w.accepted for w in self.writes)

    @property
    def stale_write_rejected(self) -> bool:
        return any(w.writer == "first" and not w.accepted for w in self.writes)

    def event(self, name: str) -> dict | None:
        """The first event of this name that client 1 reported (None if it never did)."""
        return next((data for ev, data in self.events if ev == name), None)

    def summary(self) -> str:
        waited = "-" if self.second_waited_s is None else f"{self.second_waited_s:.2f} s"
        return (f"{self.system} {'fenced' if self.fenced else 'unfenced'}: client 2 got the lock: "
                f"{self.second_acquired} (after {waited}); double holder: {self.double_holder}; "
                f"tokens {self.tokens}; stale write rejected: {self.stale_write_rejected}; "
                f"lost write: {self.lost_write}; final value {self.final_value!r}")


def _check_servers(lock_servers: Sequence[RedisServer]) -> None:
    if len(lock_servers) < 1:
        raise ConfigError("the pause experiment needs at least one lock server (five in the lesson)")


def redis_pause_experiment(lock_servers: Sequence[RedisServer], token_server: RedisServer, *, fenced: bool,
                           ttl_ms: int = 500, pause: bool = True) -> PauseResult:
    """Client 1 (a child process) holds a Redlock, is frozen past its TTL, client 2 takes the lock."""
    _check_servers(lock_servers)
    check_ttl(ttl_ms)
    resource = f"account-{uuid.uuid4().hex[:8]}"
    ports = [s.port for s in lock_servers]
    fencing = FencingCounter(token_server.client()) if fenced else None
    second = Redlock.connect(ports, fencing=fencing, retry_count=1)
    storage = Storage(fenced)
    child = ChildProcess(PAUSED_CLIENT, "redis", {"ports": ports, "fence_port": token_server.port if fenced else None,
                                                  "ttl_ms": ttl_ms, "resource": resource, "value": "first"})
    lease2 = None
    try:
        first = child.expect("acquired")
        child.expect("checked")
        if pause:
            child.signal(signal.SIGSTOP)
        start = time.monotonic()
        while lease2 is None and time.monotonic() - start < 3 * ttl_ms / 1000.0:
            lease2 = second.try_once(resource, ttl_ms * 10)
            if lease2 is None:
                time.sleep(0.02)
        waited = time.monotonic() - start if lease2 is not None else None
        if lease2 is not None:
            storage.write("second", "second", lease2.fence)
        child.send("go")
        if pause:
            child.signal(signal.SIGCONT)
        request = child.expect("write")
        child.send("accepted" if storage.write("first", request["value"], request["token"]) else "rejected")
        child.expect("done")
    finally:
        child.close()
        if lease2 is not None:
            second.release(lease2)
    return PauseResult("redis", fenced, pause, lease2 is not None, waited,
                       (first["fence"], None if lease2 is None else lease2.fence),
                       bool(request["believes_holder"]), tuple(storage.writes), storage.value, tuple(child.events))


def zookeeper_pause_experiment(server: ZooKeeperServer, *, fenced: bool,
                               session_timeout_s: float = 1.0) -> PauseResult:
    """Client 1 (a child process) holds kazoo's Lock, is frozen until its session expires."""
    from kazoo.client import KazooClient

    if session_timeout_s <= 0:
        raise ConfigError(f"session_timeout_s must be > 0, got {session_timeout_s}")
    path = f"/locks/account-{uuid.uuid4().hex[:8]}"
    storage = Storage(fenced)
    zk = KazooClient(hosts=server.hosts, timeout=5.0)
    zk.start(timeout=10)
    child = ChildProcess(PAUSED_CLIENT, "zookeeper", {"hosts": server.hosts, "path": path, "value": "first",
                                                      "session_timeout_s": session_timeout_s, "fenced": fenced})
    lock2 = zk.Lock(path, identifier="second")
    got = False
    try:
        first = child.expect("acquired")
        child.expect("checked")
        child.signal(signal.SIGSTOP)
        start = time.monotonic()
        got = lock2.acquire(timeout=max(10.0, 5 * session_timeout_s))
        waited = time.monotonic() - start if got else None
        czxid2 = zk.exists(f"{path}/{lock2.node}").czxid if got else None
        if got:
            storage.write("second", "second", czxid2 if fenced else None)
        child.send("go")
        child.signal(signal.SIGCONT)
        request = child.expect("write")
        child.send("accepted" if storage.write("first", request["value"], request["token"]) else "rejected")
        child.expect("done")
    finally:
        child.close()
        if got:
            lock2.release()
        zk.stop()
        zk.close()
    return PauseResult("zookeeper", fenced, True, got, waited, (first["czxid"], czxid2),
                       bool(request["believes_holder"]), tuple(storage.writes), storage.value, tuple(child.events))
