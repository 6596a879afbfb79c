"""kazoo's Lock and Election recipes on a real ZooKeeper (L04 and Z02 on the real thing).

The lock recipe (ZooKeeper Recipes, "Locks"): each contender creates an *ephemeral sequential*
child of the lock node; the lowest sequence number holds the lock; every other contender watches
only the node just below its own, so a release wakes one waiter (no herd effect). The election
recipe (ZooKeeper Recipes, "Leader Election") is the same construction: the lowest node is the
leader. Because the nodes are ephemeral, a holder whose session expires loses the lock without
doing anything (ZooKeeper Programmer's Guide, "Ephemeral Nodes").

:func:`contend` runs contenders in threads, each with its own client (its own session), and
records who held the lock when, so mutual exclusion can be checked from the intervals alone.
:func:`elect` runs kazoo's Election and measures the failover when the leader's session ends.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from kazoo.client import KazooClient
from kazoo.exceptions import KazooException
from kazoo.recipe.lock import Lock

from dsworkbook.errors import ConfigError
from dsworkbook.realservers.servers import ZooKeeperServer

__all__ = ["lock_czxid", "Hold", "ContentionResult", "contend", "ElectionResult", "elect", "check_path"]


def check_path(path: str) -> str:
    """ZooKeeper paths are absolute: raise ConfigError for one without a leading slash."""
    if not isinstance(path, str) or not path.startswith("/") or (len(path) > 1 and path.endswith("/")):
        raise ConfigError(f"a znode path starts with '/' and does not end with one, got {path!r}; "
                          "e.g. '/locks/account'")
    return path


def lock_czxid(zk: KazooClient, lock: Lock) -> int:
    """The creation zxid of the node by which ``lock`` is held: a fencing token for that grant."""
    if not lock.is_acquired or lock.node is None:
        raise ConfigError("the lock is not held; acquire it before asking for its fencing token")
    stat = zk.exists(f"{lock.path}/{lock.node}")
    if stat is None:
        raise ConfigError("the lock node is gone (the session expired): the lock is lost")
    return int(stat.czxid)


@dataclass(frozen=True, slots=True)
class Hold:
    """One contender held the lock from ``start`` to ``end`` (monotonic seconds), fenced by ``czxid``."""

    who: str
    start: float
    end: float
    czxid: int


@dataclass(frozen=True, slots=True)
class ContentionResult:
    holds: tuple[Hold, ...]

    @property
    def overlaps(self) -> int:
        """Pairs of holds that overlapped in time (0 means mutual exclusion held)."""
        hs = sorted(self.holds, key=lambda h: h.start)
        return sum(1 for a, b in zip(hs, hs[1:]) if b.start < a.end)

    @property
    def tokens_increase(self) -> bool:
        """The czxid fencing tokens grow in the order the lock was granted."""
        tokens = [h.czxid for h in sorted(self.holds, key=lambda h: h.start)]
        return all(a < b for a, b in zip(tokens, tokens[1:]))


def _client(server: ZooKeeperServer, timeout: float = 5.0) -> KazooClient:
    zk = KazooClient(hosts=server.hosts, timeout=timeout)
    zk.start(timeout=10)
    return zk


def contend(server: ZooKeeperServer, contenders: int = 3, rounds: int = 2, hold_s: float = 0.02,
            path: str | None = None) -> ContentionResult:
    """``contenders`` clients each take kazoo's Lock ``rounds`` times; every hold is recorded."""
    if contenders < 1 or rounds < 1:
        raise ConfigError("contend needs at least one contender and one round")
    path = check_path(path or f"/locks/contend-{uuid.uuid4().hex[:8]}")
    holds: list[Hold] = []
    guard = threading.Lock()
    errors: list[BaseException] = []

    def run(name: str) -> None:
        zk = _client(server)
        try:
            lock = zk.Lock(path, identifier=name)
            for _ in range(rounds):
                with lock:
                    start = time.monotonic()
                    czxid = lock_czxid(zk, lock)
                    time.sleep(hold_s)
                    end = time.monotonic()
                with guard:
                    holds.append(Hold(name, start, end, czxid))
        except BaseException as e:  # reported to the caller below
            errors.append(e)
        finally:
            zk.stop()
            zk.close()

    threads = [threading.Thread(target=run, args=(f"c{i}",)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    if errors:
        raise errors[0]
    return ContentionResult(tuple(holds))


@dataclass(frozen=True, slots=True)
class ElectionResult:
    """The leaders in order, the contenders the recipe listed, and how long the failover took."""

    leaders: tuple[str, ...]
    contenders: tuple[str, ...]
    failover_s: float


def elect(server: ZooKeeperServer, candidates: int = 3, path: str | None = None) -> ElectionResult:
    """Run kazoo's Election with ``candidates`` clients; close the leader's client; see who follows."""
    if candidates < 2:
        raise ConfigError("an election failover needs at least two candidates")
    path = check_path(path or f"/election/e-{uuid.uuid4().hex[:8]}")
    clients = {f"n{i}": _client(server) for i in range(candidates)}
    leaders: list[str] = []
    became: dict[str, threading.Event] = {name: threading.Event() for name in clients}
    resign: dict[str, threading.Event] = {name: threading.Event() for name in clients}

    def lead(name: str) -> None:
        leaders.append(name)
        became[name].set()
        resign[name].wait(30)          # a leader leads until told to stop (or its session ends)

    elections = {name: zk.Election(path, identifier=name) for name, zk in clients.items()}

    def campaign(name: str) -> None:
        try:
            elections[name].run(lead, name)
        except KazooException:         # the old leader's client was closed while it led: expected
            pass

    threads = []
    try:
        for name in elections:
            t = threading.Thread(target=campaign, args=(name,), daemon=True)
            t.start()
            threads.append(t)
            time.sleep(0.05)           # join in a known order: n0 first, so n0 leads
        if not became["n0"].wait(10):
            raise TimeoutError("no leader was elected within 10 s")
        contenders = tuple(elections["n0"].contenders())
        start = time.monotonic()
        clients["n0"].stop()           # the leader closes its session: its ephemeral node is deleted at once
        resign["n0"].set()
        if not became["n1"].wait(10):
            raise TimeoutError("no new leader within 10 s of the old one's session ending")
        failover = time.monotonic() - start
    finally:
        for ev in resign.values():
            ev.set()
        for e in elections.values():
            e.cancel()
        for zk in clients.values():
            zk.stop()
            zk.close()
        for t in threads:
            t.join(5)
    return ElectionResult(tuple(leaders), contenders, failover)
