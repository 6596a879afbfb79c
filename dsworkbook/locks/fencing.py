"""Fencing tokens (L03): a storage service that rejects stale tokens, and where tokens come from.

Theory of operation
-------------------
A lease lock cannot by itself keep a paused or delayed holder from writing after its lease
ran out. Kleppmann's fix ("How to do distributed locking", 2016, "Making the lock safe with
fencing"): every grant of the lock comes with a **fencing token**, a number that increases
with every grant, and the storage remembers the highest token it has seen and **rejects any
request with a lower one**. The storage becomes the place where the order of holders is
enforced, so no timing assumption is left in the safety argument.

:class:`Storage` holds one value (a tuple of entries) that clients update by read-modify-write,
as in Kleppmann's example (read the file, change it, write it back). With ``fenced=True`` the
token is checked on the read *and* on the write and both advance the remembered maximum: a
holder whose token was overtaken between its read and its write is refused, so its write
cannot silently drop the newer holder's entry. Every accepted write is logged for the checker
(:func:`stale_writes`).

**Stale write accepted** (what the campaign counts), precisely: the storage accepts a write
whose new value lacks the entry of a write it accepted earlier. Each client writes "what I
read, plus my entry"; if writes happen one holder at a time every value contains every entry
accepted before it. A missing entry means a newer holder wrote between this writer's read and
its write - the writer's lock had expired or been taken over - and the storage let the stale
write destroy the newer one (Kleppmann's "corrupted data"). For fenced storage the checker
also requires the accepted tokens never to decrease.

Token sources are pluggable: a client gets one from a factory and asks it for the next token
once it holds the lock. :class:`CounterTokens` asks a single :class:`TokenCounter` node: the
counter is persisted before it answers, so a crash and restart never repeat a token, but while
the node is down no client gets a token (and a lost disk would repeat them) - a single point
of failure. :class:`RaftTokens` increments a counter in a key-value store replicated by the
project's Raft (:mod:`dsworkbook.consensus.raft_kv`, store :class:`CounterStore`): a token is
issued only once the increment is committed by a majority, and Raft's sessions apply a retried
increment once, so tokens stay unique and increasing across leader failover.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dsworkbook.consensus.raft import Command, NotLeader
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response

__all__ = ["Read", "ReadReply", "Write", "WriteReply", "Accepted", "Storage", "stale_writes",
           "NextToken", "Token", "TokenCounter", "TokenClient", "CounterTokens", "CounterStore", "RaftTokens",
           "TOKEN_KEY"]

TOKEN_KEY = "fencing-token"


@dataclass(frozen=True, slots=True)
class Read:
    req: int
    token: int | None = None


@dataclass(frozen=True, slots=True)
class ReadReply:
    req: int
    ok: bool
    value: tuple = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Write:
    """Replace the value with ``value``, which the writer built as what it read plus ``entry``."""

    req: int
    value: tuple
    entry: Any
    token: int | None = None


@dataclass(frozen=True, slots=True)
class WriteReply:
    req: int
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Accepted:
    """One write the storage accepted: who, with which token, the entry it added and the new value."""

    time: float
    writer: str
    token: int | None
    entry: Any
    value: tuple


class Storage(Node):
    """One register of entries, updated by read-modify-write; ``fenced`` rejects older tokens."""

    def __init__(self, node_id: str, *, fenced: bool = False) -> None:
        super().__init__(node_id)
        self.fenced = bool(fenced)
        self.accepted: list[Accepted] = []
        self.rejected = 0

    def on_start(self) -> None:
        self.value: tuple = self.storage.get("value", ())
        self.max_token: int = self.storage.get("max_token", 0)

    def _fence(self, token: int | None) -> str:
        """'' if the request may go on (and remember its token), else why it is refused."""
        if not self.fenced:
            return ""
        if not isinstance(token, int):
            return "fenced storage needs a fencing token with every request"
        if token < self.max_token:
            self.rejected += 1
            return f"stale token {token}: the storage has seen token {self.max_token}"
        self.max_token = token
        return ""

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Read):
            reason = self._fence(msg.token)
            self.send(src, ReadReply(msg.req, not reason, () if reason else self.value, reason))
        elif isinstance(msg, Write):
            reason = self._fence(msg.token)
            if not reason:
                self.value = tuple(msg.value)
                self.accepted.append(Accepted(self.now(), src, msg.token, msg.entry, self.value))
                self.persist(value=self.value, max_token=self.max_token)
                self.note(accepted=msg.entry, token=msg.token)
            else:
                self.note(rejected=msg.entry, token=msg.token)
            self.send(src, WriteReply(msg.req, not reason, reason))


def stale_writes(accepted: Sequence[Accepted], *, fenced: bool = False) -> list[str]:
    """Every stale write the storage accepted, one line each (see the module docstring)."""
    problems: list[str] = []
    seen: list[Accepted] = []
    last_token = 0
    for w in accepted:
        lost = [p for p in seen if p.entry not in w.value]
        if lost:
            gone = ", ".join(f"{p.writer}'s {p.entry!r}" for p in lost)
            problems.append(f"t={w.time:.1f}: the storage accepted {w.writer}'s write {w.entry!r} (token {w.token}) "
                            f"built on a stale read; it destroyed {gone}")
        if fenced and isinstance(w.token, int):
            if w.token < last_token:
                problems.append(f"t={w.time:.1f}: fenced storage accepted token {w.token} after token {last_token}")
            last_token = max(last_token, w.token)
        seen.append(w)
    return problems


# -- token sources -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NextToken:
    req: int


@dataclass(frozen=True, slots=True)
class Token:
    req: int
    value: int


class TokenCounter(Node):
    """A single-node token source: persists the counter, then answers (caveat: a single point of failure)."""

    def on_start(self) -> None:
        self.counter: int = self.storage.get("counter", 0)

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, NextToken):
            self.counter += 1
            self.persist(counter=self.counter)
            self.send(src, Token(msg.req, self.counter))


class TokenClient:
    """A lock client's side of a token source. ``request`` sends; ``on_message`` returns the token
    when ``msg`` carries it (else None); ``on_timeout`` retries. ``timeout`` is how long to wait."""

    timeout: float = 50.0

    def request(self, node: Node) -> None:
        raise NotImplementedError

    def on_message(self, node: Node, src: str, msg: Any) -> int | None:
        raise NotImplementedError

    def on_timeout(self, node: Node) -> None:
        self.request(node)


class CounterTokens(TokenClient):
    """Tokens from one :class:`TokenCounter` node called ``server``."""

    def __init__(self, server: str = "tokens", *, timeout: float = 50.0) -> None:
        self.server, self.timeout, self.req = server, timeout, 0

    def request(self, node: Node) -> None:
        self.req += 1
        node.send(self.server, NextToken(self.req))

    def on_message(self, node: Node, src: str, msg: Any) -> int | None:
        return msg.value if isinstance(msg, Token) and msg.req == self.req else None


class CounterStore(KVStore):
    """The Raft key-value store plus ``incr key``: add one and return the new value."""

    def execute(self, command: Command) -> Any:
        if command.op == "incr":
            self.executed += 1
            value = self.data.get(command.key, 0) + 1
            self.data[command.key] = value
            return value
        return super().execute(command)


class RaftTokens(TokenClient):
    """Tokens from a counter in a Raft-replicated key-value store (servers run :class:`CounterStore`).

    Every attempt of one increment carries the same ``(client, seq)``, so Raft's session applies
    it once (§8 of the Raft paper); ``seq`` is persisted by the lock client, so a restarted client
    does not reuse one.
    """

    def __init__(self, servers: Sequence[str], *, timeout: float = 60.0) -> None:
        if not servers:
            raise ConfigError("RaftTokens needs the ids of the Raft servers that keep the counter")
        self.servers, self.timeout = tuple(servers), timeout
        self.target, self.req, self.seq, self.current = self.servers[0], 0, 0, set()

    def request(self, node: Node) -> None:
        if not self.current:  # a new increment
            self.seq = node.storage.get("token_seq", 0) + 1
            node.persist(token_seq=self.seq)
        self.req += 1
        self.current.add(self.req)
        node.send(self.target, Request(self.req, "incr", Command(node.id, self.seq, "incr", TOKEN_KEY, None)))

    def on_message(self, node: Node, src: str, msg: Any) -> int | None:
        if not isinstance(msg, Response) or msg.req_id not in self.current:
            return None
        if msg.ok and isinstance(msg.value, int):
            self.current = set()
            return msg.value
        hint = msg.value.leader if isinstance(msg.value, NotLeader) else None
        if hint is not None and hint != src and hint in self.servers:
            self.target = hint
            self.request(node)  # straight to the leader it named
        else:
            self.target = self._next()  # no leader known yet: the timeout retries elsewhere
        return None

    def on_timeout(self, node: Node) -> None:
        self.target = self._next()
        self.request(node)

    def _next(self) -> str:
        return self.servers[(self.servers.index(self.target) + 1) % len(self.servers)]


TokenFactory = Callable[[], TokenClient]
