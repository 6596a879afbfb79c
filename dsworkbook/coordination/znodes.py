"""The znode tree: ZooKeeper's data model, without the network.

Theory of operation
-------------------
ZooKeeper keeps a tree of *znodes* named by slash-separated absolute paths; each holds a
little data and a :class:`Stat` (ZooKeeper Programmer's Guide, "The ZooKeeper Data Model").
The rules this module keeps, each from that guide:

* every path is absolute: it starts with ``/``, has no empty component, no trailing slash, and
  no ``.`` or ``..`` component (anything else is :class:`BadArguments`, a ``ConfigError``);
* a znode is created under an existing parent (:class:`NoNode` otherwise), only once
  (:class:`NodeExists`), never under an ephemeral (:class:`NoChildrenForEphemerals`: "ephemeral
  znodes are not allowed to have children");
* a *sequential* znode gets a counter appended, formatted ``%010d``; the counter belongs to
  the parent and never goes back. The real server takes it from the parent's ``cversion``, the
  number of changes to its children, which only grows - so a number is never reused, even
  after the znode holding it is deleted. :class:`ZnodeTree` does the same;
* ``set`` and ``delete`` take an expected version (``-1``: any) and fail with
  :class:`BadVersion` if the znode's version differs: a conditional write;
* a znode with children cannot be deleted (:class:`NotEmpty`);
* an *ephemeral* znode records the session that created it (``ephemeral_owner``); the service
  deletes it when that session ends.

Every change carries the *zxid* (ZooKeeper transaction id) the caller gives it: ``czxid`` is
the zxid that created a znode and ``mzxid`` the one that last changed its data. Because zxids
only grow, a lock znode's ``czxid`` makes a fencing token (Kleppmann, "How to do distributed
locking", 2016).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator

from dsworkbook.errors import ConfigError, DSWorkbookError

__all__ = ["Stat", "ZnodeTree", "ZooError", "NoNode", "NodeExists", "BadVersion", "NotEmpty",
           "NoChildrenForEphemerals", "BadArguments", "SessionExpired", "ERRORS", "check_path", "parent_of",
           "sequence_of", "SEQUENCE_DIGITS"]

#: ZooKeeper formats a sequential znode's counter as ``%010d``.
SEQUENCE_DIGITS = 10


class ZooError(DSWorkbookError):
    """An operation the service refused; the class name is the error code a client sees."""


class NoNode(ZooError):
    """The znode (or, for a create, its parent) does not exist."""


class NodeExists(ZooError):
    """A znode with that path already exists."""


class BadVersion(ZooError):
    """A conditional set or delete named a version the znode no longer has."""


class NotEmpty(ZooError):
    """A znode that has children cannot be deleted."""


class NoChildrenForEphemerals(ZooError):
    """An ephemeral znode cannot have children."""


class SessionExpired(ZooError):
    """The session is gone (expired or closed): open a new one."""


class BadArguments(ConfigError):
    """A malformed path or argument (a usage error, so also a ConfigError)."""


#: error code -> class, for turning a reply's code back into an exception.
ERRORS: dict[str, type[Exception]] = {c.__name__: c for c in (NoNode, NodeExists, BadVersion, NotEmpty,
                                                               NoChildrenForEphemerals, SessionExpired,
                                                               BadArguments)}


def check_path(path: Any) -> str:
    """``path`` if it is a valid absolute znode path, else :class:`BadArguments` saying why."""
    if not isinstance(path, str) or not path:
        raise BadArguments(f"a znode path must be a non-empty string such as '/locks', got {path!r}")
    if not path.startswith("/"):
        raise BadArguments(f"znode paths are absolute: {path!r} must start with '/' (try {'/' + path!r})")
    if path == "/":
        return path
    if path.endswith("/"):
        raise BadArguments(f"znode path {path!r} must not end with '/' (try {path.rstrip('/')!r})")
    for part in path[1:].split("/"):
        if part in ("", ".", ".."):
            raise BadArguments(f"znode path {path!r} has an empty, '.' or '..' component; ZooKeeper paths "
                               "are canonical, with no relative parts")
    return path


def parent_of(path: str) -> str:
    """The parent path of ``path`` (``/`` for a top-level znode)."""
    head = path.rsplit("/", 1)[0]
    return head or "/"


def sequence_of(name: str) -> int | None:
    """The sequence number a sequential znode's name ends with, or None."""
    tail = name[-SEQUENCE_DIGITS:]
    return int(tail) if len(name) >= SEQUENCE_DIGITS and tail.isdigit() else None


@dataclass(frozen=True, slots=True)
class Stat:
    """A znode's metadata (the fields of ZooKeeper's ``Stat`` this model keeps)."""

    czxid: int
    mzxid: int
    version: int = 0
    cversion: int = 0
    ephemeral_owner: int = 0  # 0: persistent; else the session id that owns it
    num_children: int = 0


@dataclass
class _Znode:
    data: Any
    stat: Stat
    children: set[str] = field(default_factory=set)


class ZnodeTree:
    """The tree of znodes, with ZooKeeper's rules. Every change raises a :class:`ZooError` or applies fully.

    ``reuse_sequence`` switches on a classic bug: the next sequence number is computed from the
    children that exist now (1 + the largest), so after the newest sequential child is deleted
    its number is handed out again.
    """

    def __init__(self, *, reuse_sequence: bool = False) -> None:
        self._nodes: dict[str, _Znode] = {"/": _Znode(None, Stat(0, 0))}
        self.reuse_sequence = reuse_sequence

    # -- reads ------------------------------------------------------------------------------

    def exists(self, path: str) -> Stat | None:
        node = self._nodes.get(check_path(path))
        return None if node is None else node.stat

    def get(self, path: str) -> tuple[Any, Stat]:
        node = self._node(path)
        return node.data, node.stat

    def get_children(self, path: str) -> list[str]:
        return sorted(self._node(path).children)

    def paths(self) -> Iterator[str]:
        return iter(sorted(self._nodes))

    def ephemerals_of(self, session: int) -> list[str]:
        """The paths of the ephemeral znodes ``session`` owns, deepest first."""
        own = [p for p, n in self._nodes.items() if n.stat.ephemeral_owner == session]
        return sorted(own, key=lambda p: (-p.count("/"), p))

    def __len__(self) -> int:
        return len(self._nodes)

    # -- writes -----------------------------------------------------------------------------

    def create(self, path: str, data: Any, *, zxid: int, ephemeral_owner: int = 0, sequential: bool = False) -> str:
        """Create a znode; returns its actual path (with the counter appended if ``sequential``)."""
        check_path(path)
        if path == "/":
            raise NodeExists("the root znode '/' always exists")
        parent_path = parent_of(path)
        parent = self._nodes.get(parent_path)
        if parent is None:
            raise NoNode(f"cannot create {path!r}: its parent {parent_path!r} does not exist; create it first")
        if parent.stat.ephemeral_owner:
            raise NoChildrenForEphemerals(f"cannot create {path!r}: its parent {parent_path!r} is ephemeral")
        if sequential:
            path = f"{path}{self._next_sequence(parent, path):0{SEQUENCE_DIGITS}d}"
        if path in self._nodes:
            raise NodeExists(f"znode {path!r} already exists")
        self._nodes[path] = _Znode(data, Stat(czxid=zxid, mzxid=zxid, ephemeral_owner=ephemeral_owner))
        self._child_changed(parent, path.rsplit("/", 1)[1], add=True)
        return path

    def _next_sequence(self, parent: _Znode, path: str) -> int:
        if not self.reuse_sequence:
            return parent.stat.cversion
        prefix = path.rsplit("/", 1)[1]
        taken = [sequence_of(c) for c in parent.children if c.startswith(prefix)]
        return 1 + max((s for s in taken if s is not None), default=-1)

    def set(self, path: str, data: Any, *, version: int, zxid: int) -> Stat:
        """Replace the data if ``version`` is -1 or the current version; returns the new stat."""
        node = self._node(path)
        self._check_version(path, node, version)
        node.data = data
        node.stat = replace(node.stat, version=node.stat.version + 1, mzxid=zxid)
        return node.stat

    def delete(self, path: str, *, version: int) -> None:
        node = self._node(path)
        if path == "/":
            raise BadArguments("the root znode '/' cannot be deleted")
        self._check_version(path, node, version)
        if node.children:
            raise NotEmpty(f"cannot delete {path!r}: it has {len(node.children)} children; delete them first")
        del self._nodes[path]
        self._child_changed(self._nodes[parent_of(path)], path.rsplit("/", 1)[1], add=False)

    # -- internals --------------------------------------------------------------------------

    def _node(self, path: str) -> _Znode:
        node = self._nodes.get(check_path(path))
        if node is None:
            raise NoNode(f"znode {path!r} does not exist")
        return node

    @staticmethod
    def _check_version(path: str, node: _Znode, version: int) -> None:
        if isinstance(version, bool) or not isinstance(version, int) or version < -1:
            raise BadArguments(f"version must be an int >= 0, or -1 for any version, got {version!r}")
        if version != -1 and version != node.stat.version:
            raise BadVersion(f"{path!r} is at version {node.stat.version}, not {version}")

    @staticmethod
    def _child_changed(parent: _Znode, name: str, *, add: bool) -> None:
        (parent.children.add if add else parent.children.discard)(name)
        parent.stat = replace(parent.stat, cversion=parent.stat.cversion + 1, num_children=len(parent.children))
