"""H04 (+): Chord - a ring of nodes that route a lookup in O(log n) hops with finger tables.

Theory of operation
-------------------
Stoica et al., "Chord: A Scalable Peer-to-peer Lookup Service for Internet Applications",
SIGCOMM 2001. Node and key identifiers are ``m``-bit (the top ``m`` bits of MD5 here); a key
belongs to its *successor*, the first node whose identifier is equal to or follows the key's
(sec. 4.2). Each node keeps:

* ``fingers[i]``, the successor of ``id + 2**i`` (sec. 4.3): a lookup that is not settled
  locally is forwarded to the closest finger *preceding* the key, which at least halves the
  remaining distance, so a lookup takes O(log n) hops (about ``0.5 * log2(n)`` on average,
  sec. 6.3 of the paper);
* ``pred`` and a **successor list** of ``r`` nodes (sec. 5.2): when the successor fails, the
  next live entry takes over, so the ring survives as long as no ``r`` consecutive nodes fail.

The ring is kept correct by periodic work (sec. 5.1, Figure 7): ``stabilize`` asks the
successor for its predecessor and adopts it if it lies between, then ``notify``-es the
successor; ``fix_fingers`` refreshes one finger per tick by looking up ``id + 2**i``;
``check_predecessor`` forgets a predecessor that stops answering.

Lookups here are *recursive*: each hop forwards the request and the last one answers the
origin. Every hop is acknowledged; a hop not acknowledged in ``ack_timeout`` marks that node
dead and the forwarder routes around it. Nodes are :class:`~dsworkbook.sim.Node` state machines;
lookups are recorded in the simulation's history (``f="lookup"``, input the key identifier,
output ``(owner, hops)``).

What is checked (``chord_runs.check_lookups``): once churn has stopped and ``settle`` ms have passed,
every lookup invoked must complete, and complete with the true successor of its key among the
nodes that are up. During churn a lookup may return a stale owner (a node that just joined is
not yet known to its predecessor: sec. 5.1 discusses lookups that run before stabilization has
caught up); those are counted, not judged.

Runs, the checker and the hop-count table are in chord_runs.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["chord_id", "ChordNode", "FindSuccessor", "Found", "Ack", "GetPred", "PredIs", "Notify",
           "Ping", "Pong", "stable_tables", "VARIANTS"]

#: ``owner_is_predecessor`` answers a lookup with the node *preceding* the key (the node that
#: found the key between itself and its successor) instead of the successor: the classic
#: off-by-one of sec. 4.2's "a key is assigned to the first node whose identifier is equal to
#: or follows" it.
VARIANTS = ("correct", "owner_is_predecessor")


def chord_id(name: str, m: int) -> int:
    """The ``m``-bit identifier of a node name or key: the top ``m`` bits of its MD5."""
    return int.from_bytes(hashlib.md5(name.encode()).digest(), "big") >> (128 - m)


def _open(x: int, a: int, b: int) -> bool:
    """x in the open arc (a, b) clockwise; (a, a) is the whole circle but a."""
    return (a < x < b) if a < b else (x > a or x < b) if a > b else x != a


def _half(x: int, a: int, b: int) -> bool:
    """x in the arc (a, b]; (a, a] is the whole circle."""
    return a == b or _open(x, a, b) or x == b


@dataclass(frozen=True, slots=True)
class FindSuccessor:
    target: int
    origin: str
    tag: tuple
    hops: int
    fwd: int


@dataclass(frozen=True, slots=True)
class Found:
    target: int
    owner: str
    tag: tuple
    hops: int


@dataclass(frozen=True, slots=True)
class Ack:
    fwd: int


@dataclass(frozen=True, slots=True)
class GetPred:
    pass


@dataclass(frozen=True, slots=True)
class PredIs:
    pred: str | None
    succs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notify:
    pass


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class Pong:
    pass


def stable_tables(names: Sequence[str], m: int, r: int) -> dict[str, dict[str, Any]]:
    """Correct pred / successor list / fingers for a ring of ``names`` (what stabilization converges to)."""
    ring = sorted(names, key=lambda n: chord_id(n, m))
    ids = [chord_id(n, m) for n in ring]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"two node names share an {m}-bit identifier; use a larger m")

    def successor(x: int) -> str:
        for n, i in zip(ring, ids):
            if i >= x:
                return n
        return ring[0]
    out = {}
    for k, n in enumerate(ring):
        out[n] = {"pred": ring[k - 1], "succ": [ring[(k + j) % len(ring)] for j in range(1, r + 1)][:max(1, len(ring) - 1)],
                  "fingers": [successor((ids[k] + 2**i) % 2**m) for i in range(m)]}
    return out


class ChordNode(Node):
    """A Chord peer: joins through ``bootstrap`` (or starts from ``init`` tables), stabilizes, looks keys up."""

    def __init__(self, node_id: str, *, m: int = 32, r: int = 4, bootstrap: str | None = None,
                 init: dict[str, Any] | None = None, stabilize_every: float = 50.0, fix_every: float = 20.0,
                 lookup_every: float = 0.0, lookup_timeout: float = 2000.0, ack_timeout: float = 30.0,
                 variant: str = "correct") -> None:
        super().__init__(node_id)
        if variant not in VARIANTS:
            raise ConfigError(f"unknown Chord variant {variant!r}; use one of {VARIANTS}")
        self.variant = variant
        if r < 1 or m < 2:
            raise ConfigError(f"need r >= 1 successors and m >= 2 bits, got r={r}, m={m}")
        self.m, self.r, self.bootstrap, self.init = m, r, bootstrap, init
        self.periods = (stabilize_every, fix_every, lookup_every, lookup_timeout, ack_timeout)
        self.ident = chord_id(node_id, m)

    def on_start(self) -> None:
        self.pred: str | None = None
        self.succ: list[str] = []
        self.fingers: list[str | None] = [None] * self.m
        self.dead: set[str] = set()
        self.pending: dict[int, tuple[FindSuccessor, str]] = {}
        self.lookup: tuple[int, int] | None = None
        self.wait_succ: str | None = None  # the node a GetPred / Ping went to, until it answers
        self.wait_pred: str | None = None
        self.next_finger = self.fwd_seq = self.rejoins = 0
        self.contacts: list[str] = [] if self.bootstrap is None else [self.bootstrap]
        if self.init is not None:
            self.pred, self.succ, self.fingers = self.init["pred"], list(self.init["succ"]), list(self.init["fingers"])
            self._joined()
        elif self.bootstrap is None:
            self.succ = [self.id]  # the first node: a ring of one
            self._joined()
        else:
            self._forward(FindSuccessor(self.ident, self.id, ("join",), 0, 0), self.bootstrap)
            self.set_timer("stabilize", self.periods[0])  # retries the join until it is answered

    def _joined(self) -> None:
        stab, fix, work, _, _ = self.periods
        self.set_timer("stabilize", stab)
        self.set_timer("fix", fix)
        if work > 0:
            self.set_timer("work", self.rng.uniform(0, work))

    def id_of(self, name: str) -> int:
        return chord_id(name, self.m)

    # -- routing ------------------------------------------------------------------------

    def _live_succ(self) -> str:
        for s in self.succ:
            if s not in self.dead:
                return s
        return self.id

    def _closest_preceding(self, target: int) -> str:
        best, best_d = self._live_succ(), -1
        for n in (*self.fingers, *self.succ):
            if n is None or n == self.id or n in self.dead or not _open(self.id_of(n), self.ident, target):
                continue
            d = (self.id_of(n) - self.ident) % 2**self.m
            if d > best_d:
                best, best_d = n, d
        return best

    def _forward(self, msg: FindSuccessor, dst: str) -> None:
        self.fwd_seq += 1
        out = FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops, self.fwd_seq)
        self.pending[self.fwd_seq] = (out, dst)
        self.send(dst, out)
        self.set_timer(("ack", self.fwd_seq), self.periods[4])

    def _route(self, msg: FindSuccessor) -> None:
        if not self.succ:
            return  # not on the ring (joining): drop it, the origin times out
        s = self._live_succ()
        if s == self.id or _half(msg.target, self.ident, self.id_of(s)):
            owner = self.id if self.variant == "owner_is_predecessor" and msg.tag[0] == "lookup" else s
            self._answer(Found(msg.target, owner, msg.tag, msg.hops), msg.origin)
        else:
            nxt = self._closest_preceding(msg.target)
            self._forward(FindSuccessor(msg.target, msg.origin, msg.tag, msg.hops + 1, 0), nxt)

    def _answer(self, found: Found, origin: str) -> None:
        if origin == self.id:
            self._on_found(found)
        else:
            self.send(origin, found)

    def _on_found(self, f: Found) -> None:
        kind = f.tag[0]
        if kind == "join" and not self.succ:
            self.succ = [f.owner]
            self._joined()
        elif kind == "finger":
            self.fingers[f.tag[1]] = f.owner
        elif kind == "lookup" and self.lookup is not None and self.lookup[0] == f.tag[1]:
            self.complete(f.tag[1], "ok", (f.owner, f.hops))
            self.lookup = None

    def _suspect(self, node: str) -> None:
        self.dead.add(node)
        self.succ = [s for s in self.succ if s != node]
        self.fingers = [None if x == node else x for x in self.fingers]
        if self.pred == node:
            self.pred = None

    # -- events -------------------------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        self.dead.discard(src)  # it spoke, so it is up (a suspicion can be wrong)
        if src not in self.contacts:
            self.contacts.append(src)
        match msg:
            case FindSuccessor():
                self.send(src, Ack(msg.fwd))
                if self.succ:
                    self._route(msg)
            case Ack():
                self.pending.pop(msg.fwd, None)
            case Found():
                self._on_found(msg)
            case GetPred():
                self.send(src, PredIs(self.pred, tuple(self.succ)))
            case PredIs() if src == self.wait_succ:
                self.wait_succ = None
                if self.succ and self.succ[0] == src:
                    self._stabilized(msg)
            case Notify():
                if self.pred is None or self.pred in self.dead or _open(self.id_of(src), self.id_of(self.pred), self.ident):
                    self.pred = src
            case Ping():
                self.send(src, Pong())
            case Pong() if src == self.wait_pred:
                self.wait_pred = None

    def _stabilized(self, msg: PredIs) -> None:
        succ0 = self.succ[0]
        rest = [x for x in msg.succs if x != self.id and x not in self.dead]
        if (msg.pred is not None and msg.pred not in self.dead and msg.pred != self.id
                and _open(self.id_of(msg.pred), self.ident, self.id_of(succ0))):
            self.succ = [msg.pred, succ0, *rest][:self.r]
        else:
            self.succ = [succ0, *rest][:self.r]
        self.send(self.succ[0], Notify())

    def on_timer(self, name: Any) -> None:
        stab, fix, work, timeout, _ = self.periods
        if isinstance(name, tuple) and name[0] == "ack":
            entry = self.pending.pop(name[1], None)
            if entry is not None:  # the next hop never acknowledged: route around it
                self._suspect(entry[1])
                if entry[0].tag[0] != "join":
                    self._route(entry[0])
        elif isinstance(name, tuple) and name[0] == "giveup":
            if self.lookup is not None and self.lookup[0] == name[1]:
                self.complete(name[1], "unknown")
                self.lookup = None
        elif name == "stabilize":
            self._stabilize()
            self.set_timer("stabilize", stab)
        elif name == "fix" and not self.succ:
            self.set_timer("fix", fix)
        elif name == "fix":
            i = self.next_finger = (self.next_finger + 1) % self.m
            self._route(FindSuccessor((self.ident + 2**i) % 2**self.m, self.id, ("finger", i), 0, 0))
            self.set_timer("fix", fix)
        elif name == "work":
            if self.lookup is None and self.succ:
                key = f"k{self.rng.getrandbits(32):08x}"
                target = chord_id(key, self.m)
                handle = self.invoke("lookup", target, key=key)
                self.lookup = (handle, target)
                self.set_timer(("giveup", handle), timeout)
                self._route(FindSuccessor(target, self.id, ("lookup", handle), 0, 0))
            self.set_timer("work", work)

    def _rejoin(self) -> None:
        """Look our own identifier up through a node we have heard from (sec. 4.4's join, again)."""
        live = [c for c in self.contacts if c not in self.dead and c != self.id]
        if live:
            self.rejoins += 1
            self._forward(FindSuccessor(self.ident, self.id, ("join",), 0, 0), live[self.rejoins % len(live)])

    def _stabilize(self) -> None:
        if self.wait_succ is not None:
            self._suspect(self.wait_succ)  # no answer for a whole period: the successor failed
        if self.wait_pred is not None:
            self._suspect(self.wait_pred)
        self.wait_succ = self.wait_pred = None
        if not self.succ:
            self._rejoin()  # every successor failed (or the join was lost): join again
            return
        if self.succ[0] == self.id:
            if self.pred is not None and self.pred != self.id:
                self.succ = [self.pred]
        else:
            self.send(self.succ[0], GetPred())
            self.wait_succ = self.succ[0]
        if self.pred is not None and self.pred != self.id:
            self.send(self.pred, Ping())
            self.wait_pred = self.pred
