"""Recipes on the coordination service (Z02): configuration, group membership, leader election, a barrier.

Theory of operation
-------------------
Each recipe is a :class:`~dsworkbook.coordination.client.ZooClient` subclass following
ZooKeeper Recipes and Solutions (and Hunt et al., "ZooKeeper: Wait-free coordination",
USENIX ATC 2010, §2.4):

* **Configuration** (:class:`ConfigWatcher`, :class:`ConfigWriter`): a reader ``get``\\ s the
  config znode with a watch and, each time the watch fires, reads it again *with a new watch*
  - watches are one-shot, so a reader that forgets to set it again stops hearing. Between two
  reads several writes may happen; the reader sees the latest, not every one (Hunt et al. §2.4).
  The writer does a read-modify-write with a conditional ``set`` on the version it read and
  retries on ``BadVersion``.
* **Group membership** (:class:`GroupMember`, :class:`GroupObserver`): each member creates an
  *ephemeral* child of the group; when its session ends the child vanishes, so
  ``get_children`` with a child watch tracks who is alive.
* **Leader election** (:class:`Candidate`): the lock recipe without a release - an ephemeral
  sequential znode; the lowest is the leader; everyone else watches only its predecessor.
* **Barrier** (:class:`BarrierMember`, the entry half of the recipes' double barrier): set a
  watch on ``B/ready``, create an ephemeral child of ``B``, and if ``B`` now has ``size``
  children create ``B/ready``; every member passes when ``B/ready`` appears.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.coordination.client import SERVER, ZooClient
from dsworkbook.coordination.lock import LockClient
from dsworkbook.coordination.service import WatcherEvent
from dsworkbook.coordination.znodes import check_path
from dsworkbook.errors import ConfigError

__all__ = ["ConfigWatcher", "ConfigWriter", "GroupMember", "GroupObserver", "Candidate", "BarrierMember"]


class ConfigWatcher(ZooClient):
    """Keeps ``seen``: every (version, data) of ``path`` it read, re-arming its watch on each event."""

    def __init__(self, node_id: str, *, path: str = "/config", rearm: bool = True, server: str = SERVER,
                 session_timeout: float = 100.0) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        self.path = check_path(path)
        self.rearm = rearm
        self.seen: list[tuple[int, Any]] = []

    def on_connected(self) -> None:
        self.read()

    def read(self, event: WatcherEvent | None = None) -> None:
        if self.session is None:
            return
        self.get(self.path, watch=self._changed, callback=self._got)

    def _changed(self, event: WatcherEvent) -> None:
        if self.rearm:
            self.read(event)

    def _got(self, err: str | None, value: Any) -> None:
        if err == "NoNode":  # not written yet: wait for its creation
            self.exists(self.path, watch=self._changed, callback=lambda e, stat: self.read() if stat else None)
        elif err is None:
            data, stat = value
            if not self.seen or self.seen[-1][0] != stat.version:
                self.seen.append((stat.version, data))


class ConfigWriter(ZooClient):
    """Writes each of ``values`` in turn, ``every`` ms apart, by conditional read-modify-write."""

    def __init__(self, node_id: str, *, values: tuple[Any, ...] = (), path: str = "/config", every: float = 30.0,
                 server: str = SERVER, session_timeout: float = 100.0) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        self.path, self.values, self.every = check_path(path), tuple(values), float(every)
        self.written = 0
        self.conflicts = 0

    @property
    def done(self) -> bool:
        return self.written >= len(self.values)

    def on_connected(self) -> None:
        self.create(self.path, None, callback=lambda err, _v: self.set_timer("write", self.every))

    def on_timer(self, name: Any) -> None:
        if name == "write" and self.session is not None and not self.done:
            self.get(self.path, callback=self._read)
        else:
            super().on_timer(name)

    def _read(self, err: str | None, value: Any) -> None:
        if err is None:
            _data, stat = value
            self.set(self.path, self.values[self.written], version=stat.version, callback=self._wrote)

    def _wrote(self, err: str | None, _stat: Any) -> None:
        if err == "BadVersion":
            self.conflicts += 1
            self.get(self.path, callback=self._read)
        elif err is None:
            self.written += 1
            if not self.done:
                self.set_timer("write", self.every)


class GroupMember(ZooClient):
    """Joins ``group`` with an ephemeral child named after itself."""

    def __init__(self, node_id: str, *, group: str = "/group", server: str = SERVER,
                 session_timeout: float = 100.0) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        self.group = check_path(group)

    def on_connected(self) -> None:
        self.ensure_path(self.group, lambda: self.create(f"{self.group}/{self.id}", ephemeral=True))


class GroupObserver(ZooClient):
    """Keeps ``views``: each membership list of ``group`` it read, re-arming a child watch each time."""

    def __init__(self, node_id: str, *, group: str = "/group", server: str = SERVER,
                 session_timeout: float = 100.0) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        self.group = check_path(group)
        self.views: list[tuple[str, ...]] = []

    def on_connected(self) -> None:
        self.ensure_path(self.group, self.look)

    def look(self, event: WatcherEvent | None = None) -> None:
        if self.session is not None:
            self.get_children(self.group, watch=self.look, callback=self._saw)

    def _saw(self, err: str | None, kids: Any) -> None:
        if err is None and (not self.views or self.views[-1] != tuple(kids)):
            self.views.append(tuple(kids))


class Candidate(LockClient):
    """Stands for election under ``election``; notes ``leader=ID`` when it wins (and leads until its session ends)."""

    def __init__(self, node_id: str, *, election: str = "/election", server: str = SERVER,
                 session_timeout: float = 100.0) -> None:
        super().__init__(node_id, lock=election, prefix="n_", rounds=1, server=server, session_timeout=session_timeout)

    @property
    def is_leader(self) -> bool:
        return self.holding

    def _acquired(self) -> None:
        self.holding = True
        self.note(leader=self.id, path=self.mine)


class BarrierMember(ZooClient):
    """Enters the barrier ``path`` of ``size`` members; ``passed`` once all have arrived."""

    def __init__(self, node_id: str, *, size: int, path: str = "/barrier", server: str = SERVER,
                 session_timeout: float = 100.0) -> None:
        super().__init__(node_id, server=server, session_timeout=session_timeout)
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"a barrier's size must be an int >= 1, got {size!r}")
        self.path, self.size = check_path(path), size
        self.ready = f"{self.path}/ready"
        self.passed = False

    def on_connected(self) -> None:
        self.ensure_path(self.path, self._enter)

    def _enter(self) -> None:
        self.exists(self.ready, watch=self._pass, callback=lambda err, stat: self._pass() if stat else None)
        self.create(f"{self.path}/{self.id}", ephemeral=True,
                    callback=lambda err, _v: self.get_children(self.path, callback=self._count))

    def _count(self, err: str | None, kids: Any) -> None:
        if err is None and len([k for k in kids if k != "ready"]) >= self.size:
            self.create(self.ready)

    def _pass(self, event: WatcherEvent | None = None) -> None:
        if not self.passed:
            self.passed = True
            self.note(barrier="passed", path=self.path)
