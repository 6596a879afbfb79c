"""A ZooKeeper-like coordination service as one simulated server: znodes, sessions, one-shot watches.

Why one server, not a replicated one
------------------------------------
ZooKeeper replicates its tree with Zab, an atomic broadcast in which a leader orders every
write (Junqueira, Reed, Serafini, "Zab: High-performance broadcast for primary-backup
systems", DSN 2011; Hunt et al., "ZooKeeper: Wait-free coordination for Internet-scale
systems", USENIX ATC 2010, §4). What the recipes of this package rely on is what Zab *gives*
clients: one total order of writes (the zxids), FIFO order per client, and sessions that a
single authority expires. One server gives exactly those, with less machinery between the
reader and the lesson (the herd effect, the pause past a session timeout, fencing with a
zxid). **Caveat: this service is not replicated.** A crash of the server loses the service
(campaigns never crash it); a replicated version would put each write and each session
expiry through the log of :mod:`dsworkbook.consensus.raft` so that a new leader keeps the
zxid order and the sessions. Replication is taught by the consensus themes; this one is about
what clients do with a coordination service.

Theory of operation
-------------------
:class:`ZooServer` is a sans-IO node. A client opens a session with :class:`ConnectRequest`
(naming a timeout) and then sends requests - :class:`CreateRequest`, :class:`GetDataRequest`,
:class:`SetDataRequest`, :class:`DeleteRequest`, :class:`ExistsRequest`,
:class:`GetChildrenRequest`, :class:`Ping`, :class:`CloseSession` - each answered by a
:class:`Reply` with the same ``xid``, the server's last ``zxid`` and an error code (the name of
a :class:`~dsworkbook.coordination.znodes.ZooError`) or None. Every write gets the next zxid.

*Sessions* (Programmer's Guide, "ZooKeeper Sessions"): any message from a client renews its
session; every ``tick`` ms the server expires sessions it has not heard from for their
timeout (by its own clock), deletes their ephemeral znodes - firing watches as any delete
does - and forgets their watches. A request on an expired session is answered
``SessionExpired``.

*Watches* (Programmer's Guide: "Watches are one time triggers"): ``get``/``exists`` with a
watch leave a *data watch*, ``get_children`` a *child watch*. A change fires every watch on
the path **once** and removes it, with a :class:`WatcherEvent` (``NodeCreated``,
``NodeDeleted``, ``NodeDataChanged``, ``NodeChildrenChanged``) sent before the reply to the
write, so on FIFO links a client sees the event before any data that follows it. A session
with both watches on a deleted znode gets one ``NodeDeleted``. Setting the same watch twice
leaves one watch (ZooKeeper keeps watches as a set).

The server records what it did as trace notes - every create with its sequence number,
delete, session expiry, watch set and watch fired, each with its zxid - which the campaign's
invariants (:mod:`dsworkbook.coordination.campaign`) read. Broken variants switch on classic
bugs: watches that stay after firing, sequence numbers reused, ephemerals kept after expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.coordination.znodes import (BadArguments, SessionExpired, Stat, ZnodeTree, ZooError,
                                            parent_of, sequence_of)
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["ConnectRequest", "ConnectResponse", "CreateRequest", "GetDataRequest", "SetDataRequest", "DeleteRequest",
           "ExistsRequest", "GetChildrenRequest", "Ping", "CloseSession", "Reply", "WatcherEvent", "ZooServer",
           "SERVER_VARIANTS", "EVENT_TYPES"]

EVENT_TYPES = ("NodeCreated", "NodeDeleted", "NodeDataChanged", "NodeChildrenChanged")


# -- messages (named after ZooKeeper's wire protocol records) ------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    timeout: float


@dataclass(frozen=True, slots=True)
class ConnectResponse:
    session: int
    timeout: float


@dataclass(frozen=True, slots=True)
class CreateRequest:
    xid: int
    session: int
    path: str
    data: Any = None
    ephemeral: bool = False
    sequential: bool = False


@dataclass(frozen=True, slots=True)
class GetDataRequest:
    xid: int
    session: int
    path: str
    watch: bool = False


@dataclass(frozen=True, slots=True)
class SetDataRequest:
    xid: int
    session: int
    path: str
    data: Any
    version: int = -1


@dataclass(frozen=True, slots=True)
class DeleteRequest:
    xid: int
    session: int
    path: str
    version: int = -1


@dataclass(frozen=True, slots=True)
class ExistsRequest:
    xid: int
    session: int
    path: str
    watch: bool = False


@dataclass(frozen=True, slots=True)
class GetChildrenRequest:
    xid: int
    session: int
    path: str
    watch: bool = False


@dataclass(frozen=True, slots=True)
class Ping:
    xid: int
    session: int


@dataclass(frozen=True, slots=True)
class CloseSession:
    xid: int
    session: int


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to request ``xid``: ``err`` is None or an error code such as ``"NoNode"``."""

    xid: int
    zxid: int
    err: str | None = None
    value: Any = None


@dataclass(frozen=True, slots=True)
class WatcherEvent:
    type: str
    path: str


class _Session:
    __slots__ = ("id", "client", "timeout", "last_heard")

    def __init__(self, sid: int, client: str, timeout: float, now: float) -> None:
        self.id, self.client, self.timeout, self.last_heard = sid, client, timeout, now


class ZooServer(Node):
    """The coordination service (see the module doc). ``tick``: how often it looks for expired sessions.

    ``min_timeout``/``max_timeout`` clamp the timeout a client asks for, as ZooKeeper clamps it
    to [2, 20] ticks by default (ZooKeeper Administrator's Guide, ``minSessionTimeout``).
    """

    #: broken variants: a watch not removed when it fires; a sequence number reused; ephemerals kept
    keep_watches = False
    reuse_sequence = False
    keep_ephemerals = False

    def __init__(self, node_id: str, *, tick: float = 10.0, min_timeout: float | None = None,
                 max_timeout: float | None = None) -> None:
        super().__init__(node_id)
        if isinstance(tick, bool) or not isinstance(tick, (int, float)) or tick <= 0:
            raise ConfigError(f"tick must be a number of ms > 0, got {tick!r}")
        self.tick = float(tick)
        self.min_timeout = 2 * self.tick if min_timeout is None else float(min_timeout)
        self.max_timeout = 20 * self.tick if max_timeout is None else float(max_timeout)
        if not 0 < self.min_timeout <= self.max_timeout:
            raise ConfigError(f"need 0 < min_timeout <= max_timeout, got {self.min_timeout} and {self.max_timeout}")
        self.tree = ZnodeTree(reuse_sequence=self.reuse_sequence)
        self.zxid = 0
        self.sessions: dict[int, _Session] = {}
        self.ended: set[int] = set()  # expired or closed sessions
        self._next_session = 0
        self._watch_id = 0
        self.data_watches: dict[str, dict[int, int]] = {}  # path -> {session: watch id}
        self.child_watches: dict[str, dict[int, int]] = {}

    # -- events ---------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.set_timer("tick", self.tick)

    def on_timer(self, name: Any) -> None:
        if name == "tick":
            now = self.now()
            for s in [s for s in self.sessions.values() if now - s.last_heard > s.timeout]:
                self.note(expired=s.id, client=s.client, zxid=self.zxid + 1)
                self._end_session(s.id)
            self.set_timer("tick", self.tick)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, ConnectRequest):
            self._connect(src, msg)
            return
        handler = _HANDLERS.get(type(msg))
        if handler is None:
            return
        session = self.sessions.get(msg.session)
        if session is None or session.client != src:
            self.send(src, Reply(msg.xid, self.zxid, SessionExpired.__name__))
            return
        session.last_heard = self.now()
        try:
            value = handler(self, session, msg)
        except ZooError as err:
            self.send(src, Reply(msg.xid, self.zxid, type(err).__name__, str(err)))
        except BadArguments as err:
            self.send(src, Reply(msg.xid, self.zxid, BadArguments.__name__, str(err)))
        else:
            self.send(src, Reply(msg.xid, self.zxid, None, value))

    def _connect(self, src: str, msg: ConnectRequest) -> None:
        timeout = min(max(float(msg.timeout), self.min_timeout), self.max_timeout)
        self._next_session += 1
        self.zxid += 1
        sid = self._next_session
        self.sessions[sid] = _Session(sid, src, timeout, self.now())
        self.note(session=sid, client=src, timeout=timeout, zxid=self.zxid)
        self.send(src, ConnectResponse(sid, timeout))

    # -- operations -----------------------------------------------------------------------------

    def _create(self, s: _Session, m: CreateRequest) -> tuple[str, Stat]:
        path = self.tree.create(m.path, m.data, zxid=self.zxid + 1, sequential=m.sequential,
                                ephemeral_owner=s.id if m.ephemeral else 0)
        self.zxid += 1
        self.note(created=path, seq=sequence_of(path) if m.sequential else None, session=s.id, zxid=self.zxid)
        self._fire(path, "NodeCreated")
        self._fire_children(parent_of(path))
        return path, self.tree.exists(path)  # type: ignore[return-value]

    def _get(self, s: _Session, m: GetDataRequest) -> tuple[Any, Stat]:
        out = self.tree.get(m.path)
        if m.watch:
            self._watch(self.data_watches, m.path, s, "data")
        return out

    def _exists(self, s: _Session, m: ExistsRequest) -> Stat | None:
        stat = self.tree.exists(m.path)
        if m.watch:  # an exists watch on a missing znode waits for its creation
            self._watch(self.data_watches, m.path, s, "data")
        return stat

    def _children(self, s: _Session, m: GetChildrenRequest) -> list[str]:
        out = self.tree.get_children(m.path)
        if m.watch:
            self._watch(self.child_watches, m.path, s, "child")
        return out

    def _set(self, s: _Session, m: SetDataRequest) -> Stat:
        stat = self.tree.set(m.path, m.data, version=m.version, zxid=self.zxid + 1)
        self.zxid += 1
        self.note(changed=m.path, session=s.id, zxid=self.zxid)
        self._fire(m.path, "NodeDataChanged")
        return stat

    def _delete(self, s: _Session, m: DeleteRequest) -> None:
        self._delete_path(m.path, m.version, s.id)

    def _ping(self, s: _Session, m: Ping) -> None:
        return None

    def _close(self, s: _Session, m: CloseSession) -> None:
        self.note(closed=s.id, client=s.client, zxid=self.zxid + 1)
        self._end_session(s.id)

    # -- internals --------------------------------------------------------------------------

    def _delete_path(self, path: str, version: int, session: int) -> None:
        self.tree.delete(path, version=version)
        self.zxid += 1
        self.note(deleted=path, session=session, zxid=self.zxid)
        self._fire(path, "NodeDeleted", children_too=True)
        self._fire_children(parent_of(path))

    def _end_session(self, sid: int) -> None:
        self.zxid += 1  # closing a session is a transaction (it deletes the ephemerals)
        for table in (self.data_watches, self.child_watches):  # its own watches go first: it is gone
            for path in list(table):
                table[path].pop(sid, None)
                if not table[path]:
                    del table[path]
        if not self.keep_ephemerals:
            for path in self.tree.ephemerals_of(sid):
                self._delete_path(path, -1, sid)
        del self.sessions[sid]
        self.ended.add(sid)

    def _watch(self, table: dict[str, dict[int, int]], path: str, s: _Session, kind: str) -> None:
        watchers = table.setdefault(path, {})
        if s.id not in watchers:
            self._watch_id += 1
            watchers[s.id] = self._watch_id
            self.note(watch=self._watch_id, kind=kind, path=path, session=s.id)

    def _fire(self, path: str, event: str, *, children_too: bool = False) -> None:
        told: set[int] = set()
        tables = [self.data_watches] + ([self.child_watches] if children_too else [])
        for table in tables:
            self._fire_table(table, path, event, told)

    def _fire_children(self, parent: str) -> None:
        self._fire_table(self.child_watches, parent, "NodeChildrenChanged", set())

    def _fire_table(self, table: dict[str, dict[int, int]], path: str, event: str, told: set[int]) -> None:
        watchers = table.get(path)
        if not watchers:
            return
        if not self.keep_watches:
            del table[path]
        for sid, wid in sorted(watchers.items()):
            self.note(fired=wid, event=event, path=path, session=sid, zxid=self.zxid)
            session = self.sessions.get(sid)
            if session is not None and sid not in told:  # one NodeDeleted for a data and a child watch
                told.add(sid)
                self.send(session.client, WatcherEvent(event, path))


_HANDLERS: dict[type, Any] = {
    CreateRequest: ZooServer._create, GetDataRequest: ZooServer._get, ExistsRequest: ZooServer._exists,
    GetChildrenRequest: ZooServer._children, SetDataRequest: ZooServer._set, DeleteRequest: ZooServer._delete,
    Ping: ZooServer._ping, CloseSession: ZooServer._close,
}


class _KeepWatches(ZooServer):
    """Broken: a watch stays after it fires, so it fires again on the next change (not one-shot)."""

    keep_watches = True


class _ReuseSequence(ZooServer):
    """Broken: the next sequence number is 1 + the largest child's, so a deleted newest number comes back."""

    reuse_sequence = True


class _KeepEphemerals(ZooServer):
    """Broken: an expired session's ephemeral znodes are left in the tree (a dead holder keeps the lock)."""

    keep_ephemerals = True


#: server class per broken variant of the service itself
SERVER_VARIANTS: dict[str, type[ZooServer]] = {"correct": ZooServer, "watch-twice": _KeepWatches,
                                               "seq-reuse": _ReuseSequence, "keep-ephemerals": _KeepEphemerals}
