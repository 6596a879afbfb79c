"""The lock recipe (L04): ephemeral sequential znodes, each waiter watching only its predecessor.

Theory of operation
-------------------
ZooKeeper Recipes and Solutions, "Locks": to acquire, create ``LOCK/lock-`` with the
*ephemeral* and *sequence* flags, then ``get_children(LOCK)``. If your znode has the lowest
sequence number you hold the lock. Otherwise call ``exists()`` with a watch on the znode just
before yours - your *predecessor* - and when the watch fires (or ``exists`` already says it is
gone) call ``get_children`` again: the predecessor may have left because *its* session died
while it was still waiting, so its going away does not by itself mean you hold the lock. To
release, delete your znode. Each release wakes exactly one waiter.

The *herd-effect* version - every waiter sets a child watch on ``LOCK`` - wakes every waiter
on every release, and all of them call ``get_children`` at once; the recipes page warns
against it by name. :func:`herd_effect` measures notifications per release for both.

A lock held through a session is a *lease*: if the holder pauses past its session timeout,
the service deletes its znode and hands the lock to the next waiter while the paused client
still believes it holds it. :func:`pause_past_expiry` plays that scene against a storage node;
the fix is a fencing token (Kleppmann, "How to do distributed locking", 2016): the lock
znode's ``czxid``, which only grows, sent with every write, and a storage that rejects a write
whose token is older than one it has already seen (:class:`FencedStorage`).

``trust_watch=True`` is the classic bug the recipe warns about: claiming the lock as soon as
the predecessor's znode goes away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from dsworkbook.coordination.client import SERVER, ZooClient, coordination_sim
from dsworkbook.coordination.service import WatcherEvent
from dsworkbook.coordination.znodes import check_path, sequence_of
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

__all__ = ["LockClient", "FencedStorage", "Write", "LOCK_MODES", "HerdRow", "herd_effect", "PauseOutcome",
           "pause_past_expiry", "notifications_per_release", "belief_intervals"]

LOCK_MODES = ("predecessor", "herd")


@dataclass(frozen=True, slots=True)
class Write:
    """A write to :class:`FencedStorage`, carrying the writer's fencing token."""

    writer: str
    token: int
    value: Any


class FencedStorage(Node):
    """A storage node; with ``fenced`` it rejects a write whose token is below the highest seen."""

    def __init__(self, node_id: str, *, fenced: bool = True) -> None:
        super().__init__(node_id)
        self.fenced = fenced
        self.value: Any = None
        self.highest = -1
        self.accepted: list[Write] = []
        self.rejected: list[Write] = []

    def on_message(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Write):
            return
        if self.fenced and msg.token < self.highest:
            self.rejected.append(msg)
            self.note(rejected=msg.writer, token=msg.token, highest=self.highest)
            return
        self.highest = max(self.highest, msg.token)
        self.value = msg.value
        self.accepted.append(msg)
        self.note(accepted=msg.writer, token=msg.token)


class LockClient(ZooClient):
    """Takes the lock ``rounds`` times, holding it ``hold`` ms each time, then closes its session.

    ``mode``: ``"predecessor"`` (the recipe) or ``"herd"`` (every waiter watches the lock's
    children). With ``store`` (a storage node id) it writes there (token = its lock znode's czxid) when it gets
    the lock and again just before releasing it. It notes ``lock="acquired"``, ``"released"``
    and ``"lost"`` (it learnt its session expired while holding) in the trace.
    """

    def __init__(self, node_id: str, *, lock: str = "/lock", prefix: str = "lock-", mode: str = "predecessor", rounds: int = 1,
                 hold: float = 20.0, think: float = 10.0, store: str | None = None, trust_watch: bool = False,
                 session_timeout: float = 100.0, server: str = SERVER) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        self.lock = check_path(lock)
        self.prefix = check_path(f"{self.lock}/{prefix}")
        if mode not in LOCK_MODES:
            raise ConfigError(f"unknown lock mode {mode!r}; choose one of {list(LOCK_MODES)}")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 0:
            raise ConfigError(f"rounds must be an int >= 0, got {rounds!r}")
        self.mode, self.rounds, self.hold, self.think = mode, rounds, float(hold), float(think)
        self.store, self.trust_watch = store, trust_watch
        self.done_rounds = 0
        self.mine: str | None = None  # full path of this attempt's znode
        self.token: int | None = None
        self.holding = False
        self._attempt = 0  # callbacks of an abandoned attempt are ignored

    @property
    def done(self) -> bool:
        return self.done_rounds >= self.rounds

    def on_connected(self) -> None:
        if not self.done:
            self.ensure_path(self.lock, self.acquire)

    def on_session_expired(self) -> None:
        if self.holding:
            self.note(lock="lost", path=self.mine)
        self.holding, self.mine = False, None
        self._attempt += 1
        self.cancel_timer("hold")
        self.connect()

    # -- acquire ----------------------------------------------------------------------------------

    def acquire(self) -> None:
        self._attempt += 1
        attempt = self._attempt
        self.create(self.prefix, self.id, ephemeral=True, sequential=True,
                    callback=lambda err, v: self._created(attempt, err, v))

    def _created(self, attempt: int, err: str | None, value: Any) -> None:
        if attempt != self._attempt or err is not None:
            return
        self.mine, stat = value
        self.token = stat.czxid
        self._check(attempt)

    def _check(self, attempt: int) -> None:
        if attempt != self._attempt or self.holding:
            return
        watch = (lambda ev: self._check(attempt)) if self.mode == "herd" else None
        self.get_children(self.lock, watch=watch, callback=lambda err, kids: self._children(attempt, err, kids))

    def _children(self, attempt: int, err: str | None, kids: Any) -> None:
        if attempt != self._attempt or err is not None or self.holding or self.mine is None:
            return
        me = self.mine.rsplit("/", 1)[1]
        order = sorted(kids, key=lambda k: (sequence_of(k) is None, sequence_of(k) or 0, k))
        if me not in order:
            return  # our znode is gone: the session expired, and the reply saying so is on its way
        i = order.index(me)
        if i == 0:
            self._acquired()
        elif self.mode == "predecessor":
            pred = f"{self.lock}/{order[i - 1]}"
            self.exists(pred, watch=lambda ev: self._predecessor_gone(attempt, ev),
                        callback=lambda err, stat: self._check(attempt) if err is None and stat is None else None)

    def _predecessor_gone(self, attempt: int, event: WatcherEvent) -> None:
        if self.trust_watch and attempt == self._attempt and not self.holding:
            self._acquired()  # the bug: the predecessor may have died waiting, not released
        else:
            self._check(attempt)

    def _acquired(self) -> None:
        self.holding = True
        self.note(lock="acquired", path=self.mine, token=self.token)
        if self.store is not None:
            self.send(self.store, Write(self.id, self.token or 0, f"{self.id} round {self.done_rounds} start"))
        self.set_timer("hold", self.hold)

    # -- release ----------------------------------------------------------------------------------

    def on_timer(self, name: Any) -> None:
        if name == "hold" and self.holding:
            self.release()
        elif name == "again" and self.session is not None and not self.holding:
            self.acquire()
        else:
            super().on_timer(name)

    def release(self) -> None:
        """Write the result (if there is a storage) and delete this attempt's znode."""
        if self.store is not None:
            self.send(self.store, Write(self.id, self.token or 0, f"{self.id} round {self.done_rounds} end"))
        self.note(lock="released", path=self.mine)
        self.holding = False
        self._attempt += 1
        self.delete(self.mine or "/", callback=lambda err, _v: None)
        self.done_rounds += 1
        if self.done:
            self.close()
        else:
            self.set_timer("again", self.think)


# -- measurements ---------------------------------------------------------------------------------------


def notifications_per_release(sim: Simulation, lock: str = "/lock") -> list[int]:
    """For each deletion of a znode under ``lock``, how many sessions the service notified (from its trace notes)."""
    prefix = lock.rstrip("/") + "/"
    deletions = [r.detail["zxid"] for r in sim.trace.notes(SERVER, "deleted") if r.detail["deleted"].startswith(prefix)]
    fired: dict[int, set[int]] = {}
    for r in sim.trace.notes(SERVER, "fired"):
        d = r.detail
        if d["path"] == lock or d["path"].startswith(prefix):
            fired.setdefault(d["zxid"], set()).add(d["session"])
    return [len(fired.get(z, ())) for z in deletions]


@dataclass(frozen=True)
class HerdRow:
    waiters: int
    mode: str
    releases: int
    notifications: int
    per_release: float
    max_per_release: int
    messages: int  # every message the run sent, pings included


def herd_effect(waiters: Sequence[int] = (5, 10, 20, 50), *, seed: int = 0, hold: float = 20.0) -> list[HerdRow]:
    """Notifications per release with ``N`` clients queued on one lock, for both recipes (the L04 table)."""
    rows = []
    for n in waiters:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"waiters must be ints >= 1, got {n!r}")
        for mode in LOCK_MODES:
            sim = coordination_sim(seed, tick=10.0, max_timeout=1000.0)
            ids = [f"c{i:02d}" for i in range(n)]
            for c in ids:
                sim.add_node(c, LockClient, mode=mode, hold=hold, session_timeout=1000.0)
            sim.run(until=100.0 + n * (hold + 40.0))
            if not all(sim.node(c).done for c in ids):
                raise AssertionError(f"herd_effect: not every client got the lock (N={n}, {mode}, seed={seed})")
            counts = notifications_per_release(sim)
            rows.append(HerdRow(n, mode, len(counts), sum(counts), sum(counts) / len(counts), max(counts),
                                len(sim.trace.of_kind("send"))))
    return rows


# -- the pause past the session timeout -----------------------------------------------------------------


def belief_intervals(sim: Simulation) -> dict[str, list[tuple[float, float]]]:
    """Per client, the true-time intervals during which it believed it held the lock (from its notes)."""
    out: dict[str, list[tuple[float, float]]] = {}
    start: dict[str, float] = {}
    for r in sim.trace.notes(key="lock"):
        if r.detail["lock"] == "acquired":
            start[r.node] = r.time
        elif r.node in start:
            out.setdefault(r.node, []).append((start.pop(r.node), r.time))
    for node, t in start.items():
        out.setdefault(node, []).append((t, float("inf")))
    return out


@dataclass
class PauseOutcome:
    """What :func:`pause_past_expiry` saw: who believed they held the lock, and what the storage took."""

    fenced: bool
    both_believed_holding: bool
    accepted: list[Write] = field(default_factory=list)
    rejected: list[Write] = field(default_factory=list)
    final_value: Any = None
    transcript: list[str] = field(default_factory=list)

    @property
    def stale_write_accepted(self) -> bool:
        """Did a write with an older token land after one with a newer token?"""
        highest = -1
        for w in self.accepted:
            if w.token < highest:
                return True
            highest = max(highest, w.token)
        return False


def pause_past_expiry(*, fenced: bool, seed: int = 0, session_timeout: float = 100.0,
                      pause: float = 400.0) -> PauseOutcome:
    """Client ``c1`` takes the lock, pauses ``pause`` ms (past its session timeout), resumes and writes.

    Meanwhile the service expires ``c1``'s session, deletes its lock znode, and ``c2`` takes the
    lock and writes with its newer token. On resuming, ``c1`` still believes it holds the lock and
    writes with its old token: the storage takes it unless ``fenced``.
    """
    if pause <= session_timeout:
        raise ConfigError(f"pause ({pause} ms) must exceed the session timeout ({session_timeout} ms) to expire it")
    sim = coordination_sim(seed, tick=10.0)
    sim.add_node("store", FencedStorage, fenced=fenced)
    sim.add_node("c1", LockClient, hold=200.0, store="store", session_timeout=session_timeout)
    sim.run(until=100.0)
    if not sim.node("c1").holding:
        raise AssertionError(f"pause_past_expiry: c1 should hold the lock by t=100 (seed={seed})")
    sim.add_node("c2", LockClient, hold=pause + 200.0, store="store", session_timeout=session_timeout)
    sim.run(until=150.0)
    sim.pause("c1", pause)
    sim.run(until=150.0 + 2 * pause + 400.0)
    beliefs = belief_intervals(sim)
    both = any(a[0] < b[1] and b[0] < a[1] for a in beliefs.get("c1", []) for b in beliefs.get("c2", []))
    store = sim.node("store")
    lines = [f"t={r.time:g} {r.node}: {r.detail}" for r in sim.trace.of_kind("note")
             if r.node != SERVER or {"expired", "deleted", "created"} & set(r.detail)]
    return PauseOutcome(fenced, both, list(store.accepted), list(store.rejected), store.value, lines)
