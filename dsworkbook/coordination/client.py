"""The client side of the coordination service: a session that heartbeats, operations with callbacks.

Theory of operation
-------------------
:class:`ZooClient` is a simulated node that scripts and recipes subclass. On start it opens a
session (:class:`~dsworkbook.coordination.service.ConnectRequest`); once the server answers it
calls :meth:`ZooClient.on_connected` and from then on sends a :class:`Ping` every third of the
negotiated timeout, as ZooKeeper's client does when idle (Programmer's Guide, "ZooKeeper
Sessions"), so a live client keeps its session and its ephemeral znodes.

Operations mirror ZooKeeper's asynchronous API: ``create``, ``get``, ``set``, ``delete``,
``exists``, ``get_children``, each taking ``callback(err, value)`` - ``err`` is None or an
error code such as ``"NoNode"`` or ``"BadVersion"``. ``get`` and ``exists`` take a ``watch``
callback for a data watch, ``get_children`` one for a child watch; a watch callback is called
once with the :class:`~dsworkbook.coordination.service.WatcherEvent` and then forgotten - a
client that wants to keep watching sets the watch again ("Watches are one time triggers",
Programmer's Guide). A malformed path raises a ``ConfigError`` at once, before anything is sent.

When a reply says ``SessionExpired`` the session is gone for good: the client drops its
pending callbacks (each gets ``"SessionExpired"``) and its watches, and calls
:meth:`ZooClient.on_session_expired`, which by default opens a new session. A client frozen
by a long pause learns this only after it resumes - the heart of the lock-safety lesson.
Links are assumed FIFO, as a ZooKeeper client's TCP connection is: build the simulation with
``Network(..., fifo=True)`` (:func:`coordination_sim` does). A connect that gets no answer
within the session timeout is sent again. Other messages lost in a partition are not resent:
a real client reconnects, fails pending calls with ``ConnectionLoss`` and sets its watches
again (Programmer's Guide, "ZooKeeper Sessions"); here such a loss can leave a recipe waiting
for ever - a liveness failure the campaign counts as no progress, never a safety one.
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.coordination.service import (CloseSession, ConnectRequest, ConnectResponse, CreateRequest,
                                             DeleteRequest, ExistsRequest, GetChildrenRequest, GetDataRequest, Ping,
                                             Reply, SetDataRequest, WatcherEvent, ZooServer)
from dsworkbook.coordination.znodes import SessionExpired, check_path
from dsworkbook.errors import ConfigError, NodeStateError
from dsworkbook.sim import Network, Node, Simulation, Uniform

__all__ = ["ZooClient", "Callback", "WatchCallback", "coordination_sim", "SERVER"]

Callback = Callable[[str | None, Any], None]
WatchCallback = Callable[[WatcherEvent], None]

#: the server's node id in every scenario of this package
SERVER = "zk"
_EXPIRED = SessionExpired.__name__


def _ignore(err: str | None, value: Any) -> None:
    return None


class ZooClient(Node):
    """A node with a session on the coordination service (see the module doc). Subclass it."""

    def __init__(self, node_id: str, *, server: str = SERVER, session_timeout: float = 100.0) -> None:
        super().__init__(node_id)
        if isinstance(session_timeout, bool) or not isinstance(session_timeout, (int, float)) or session_timeout <= 0:
            raise ConfigError(f"session_timeout must be a number of ms > 0, got {session_timeout!r}")
        self.server = server
        self.session_timeout = float(session_timeout)
        self.session: int | None = None
        self.timeout = self.session_timeout  # what the server granted
        self._xid = 0
        self._pending: dict[int, tuple[int, Callback, Any]] = {}  # xid -> (session, callback, watch to set)
        self._watches: dict[tuple[str, str], list[WatchCallback]] = {}
        self.events: list[WatcherEvent] = []  # every event received, in order
        self.expirations = 0

    # -- to override ----------------------------------------------------------------------------

    def on_connected(self) -> None:
        """The session is open: start work here."""

    def on_session_expired(self) -> None:
        """The session expired (its ephemerals and watches are gone). By default, open a new one."""
        self.connect()

    # -- session --------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.connect()

    def connect(self) -> None:
        """Open a new session (its answer calls :meth:`on_connected`)."""
        self.session = None
        self.send(self.server, ConnectRequest(self.session_timeout))
        self.set_timer("connect", self.session_timeout)  # no answer by then: ask again

    def close(self) -> None:
        """End the session now: the server deletes its ephemerals at once."""
        self._request(CloseSession, _ignore)
        self.session = None
        self.cancel_timer("ping")

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Reply):
            self._on_reply(msg)
        elif isinstance(msg, WatcherEvent):
            self._on_event(msg)
        elif isinstance(msg, ConnectResponse) and self.session is None:
            self.session, self.timeout = msg.session, msg.timeout
            self.cancel_timer("connect")
            self.set_timer("ping", self.timeout / 3)
            self.on_connected()

    def on_timer(self, name: Any) -> None:
        if name == "ping" and self.session is not None:
            self._request(Ping, _ignore)
            self.set_timer("ping", self.timeout / 3)
        elif name == "connect" and self.session is None:
            self.connect()

    def _on_reply(self, msg: Reply) -> None:
        entry = self._pending.pop(msg.xid, None)
        if entry is None:
            return
        session, callback, watch = entry
        if msg.err == _EXPIRED:
            if session == self.session:
                self._expired()
            callback(msg.err, None)
            return
        if watch is not None and session == self.session and (msg.err is None):
            self._watches.setdefault(watch[0], []).append(watch[1])
        callback(msg.err, msg.value)

    def _expired(self) -> None:
        self.session = None
        self.expirations += 1
        self.cancel_timer("ping")
        self._watches.clear()
        stale = [xid for xid, (s, _, _) in self._pending.items()]
        for xid in stale:
            _, callback, _ = self._pending.pop(xid)
            callback(_EXPIRED, None)
        self.on_session_expired()

    def _on_event(self, event: WatcherEvent) -> None:
        self.events.append(event)
        kinds = {"NodeCreated": ("data",), "NodeDataChanged": ("data",), "NodeChildrenChanged": ("child",),
                 "NodeDeleted": ("data", "child")}[event.type]
        for kind in kinds:
            for callback in self._watches.pop((kind, event.path), []):
                callback(event)

    # -- operations -----------------------------------------------------------------------------

    def _request(self, cls: type, callback: Callback | None, *args: Any, watch: Any = None) -> int:
        if self.session is None:
            raise NodeStateError(f"{self.id} has no open session; start operations from on_connected()")
        self._xid += 1
        self._pending[self._xid] = (self.session, callback or _ignore, watch)
        self.send(self.server, cls(self._xid, self.session, *args))
        return self._xid

    def create(self, path: str, data: Any = None, *, ephemeral: bool = False, sequential: bool = False,
               callback: Callback | None = None) -> int:
        """Create a znode; the callback gets ``(path actually created, Stat)``."""
        return self._request(CreateRequest, callback, check_path(path), data, bool(ephemeral), bool(sequential))

    def get(self, path: str, *, watch: WatchCallback | None = None, callback: Callback | None = None) -> int:
        """Read ``(data, Stat)``; ``watch`` fires once on the next change or deletion."""
        return self._request(GetDataRequest, callback, check_path(path), watch is not None,
                             watch=None if watch is None else (("data", path), watch))

    def set(self, path: str, data: Any, *, version: int = -1, callback: Callback | None = None) -> int:
        """Write data if the znode is at ``version`` (-1: any); the callback gets the new Stat."""
        return self._request(SetDataRequest, callback, check_path(path), data, version)

    def delete(self, path: str, *, version: int = -1, callback: Callback | None = None) -> int:
        return self._request(DeleteRequest, callback, check_path(path), version)

    def exists(self, path: str, *, watch: WatchCallback | None = None, callback: Callback | None = None) -> int:
        """The Stat or None; ``watch`` fires once on creation, change or deletion."""
        return self._request(ExistsRequest, callback, check_path(path), watch is not None,
                             watch=None if watch is None else (("data", path), watch))

    def get_children(self, path: str, *, watch: WatchCallback | None = None,
                     callback: Callback | None = None) -> int:
        """The sorted child names; ``watch`` fires once when a child is added or removed."""
        return self._request(GetChildrenRequest, callback, check_path(path), watch is not None,
                             watch=None if watch is None else (("child", path), watch))

    def ensure_path(self, path: str, callback: Callable[[], None]) -> None:
        """Create ``path`` and its missing ancestors as persistent znodes, then call ``callback()``."""
        parts = check_path(path).strip("/").split("/")
        prefixes = ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))] if path != "/" else []

        def step(i: int) -> None:
            if i == len(prefixes):
                callback()
            else:
                self.create(prefixes[i], callback=lambda err, _v: step(i + 1) if err in (None, "NodeExists")
                            else None)

        step(0)


def coordination_sim(seed: int, *, server_class: type[ZooServer] = ZooServer, latency: tuple[float, float] = (1, 10),
                     **server_kwargs: Any) -> Simulation:
    """A simulation with FIFO links (a client's TCP connection) and the service on node :data:`SERVER`."""
    sim = Simulation(seed=seed, network=Network(Uniform(*latency), fifo=True))
    sim.add_node(SERVER, server_class, **server_kwargs)
    return sim
