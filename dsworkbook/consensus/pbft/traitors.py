"""Byzantine replicas: an honest replica's behaviour with its output rewritten by a strategy.

Theory of operation
-------------------
A :class:`Traitor` runs the honest :class:`~.replica.Replica` code - so it keeps a plausible view,
log and state - and rewrites what it sends (:meth:`Traitor._out`) or adds to it after each
message (:meth:`Traitor.on_message`). It signs with its **own** key only: it holds no other
key, so a message it forges in another replica's name, or tampers with, fails verification at
every honest receiver and is rejected and counted there. Traitors share a :class:`Cabal`
(collusion): who they are, and which two digests an equivocating primary sent to which
replicas, so the others vote for each digest where it helps it. The strategies
(:data:`STRATEGIES`), after the failure modes named in Lamport, Shostak and Pease (1982) and
Castro and Liskov §2:

=============  ================================================================================
equivocate     as primary: one pre-prepare to half the backups, a different one (a null request
               or another request) to the others, one backup getting both; as backup: a prepare
               and commit for the real digest to some, for another to the rest
forge          messages in an honest replica's name (signed with its own key) and honest
               messages with a field changed; replies to clients in honest replicas' names
replay         re-sends messages it received before, to everyone
lie            wrong digests in prepares, commits and checkpoints; a wrong result to the client,
               sent early; view changes that hide its prepared certificates
vote_all       a prepare and a commit for every digest it hears of, prepared or not
silent         sends nothing
delay          holds everything for one group of replicas and sends it late
mixed          each traitor draws one of the above from the run's seed
=============  ================================================================================
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from dsworkbook.consensus.pbft.messages import (Checkpoint, Commit, PrePrepare, Prepare, Reply, Request, Signed,
                                                ViewChange)
from dsworkbook.consensus.pbft.replica import Replica
from dsworkbook.errors import ConfigError

__all__ = ["STRATEGIES", "Cabal", "Traitor", "check_strategy"]

STRATEGIES = ("mixed", "equivocate", "forge", "replay", "lie", "vote_all", "silent", "delay")
BOGUS = "bad0bad0bad0bad0"


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise ConfigError(f"unknown traitor strategy {strategy!r}; choose one of {list(STRATEGIES)}")
    return strategy


class Cabal:
    """What colluding traitors share: their ids and strategies, and the equivocations under way."""

    def __init__(self, strategies: dict[str, str]) -> None:
        for s in strategies.values():
            check_strategy(s)
        self.strategies = dict(strategies)
        self.split: dict[tuple[int, int], tuple[str, frozenset[str], str]] = {}  # (v, n) -> (digest B, group B, A)


class Traitor(Replica):
    """A Byzantine replica playing ``cabal.strategies[id]`` (see the module docstring)."""

    def __init__(self, node_id: str, *, cabal: Cabal, **kwargs: Any) -> None:
        super().__init__(node_id, **kwargs)
        self.cabal = cabal
        self.strategy = cabal.strategies[node_id]
        self.voted_all: set[tuple[int, int, str]] = set()
        self.held: list[tuple[str, Signed]] = []
        self.stock: list[Signed] = []

    @property
    def honest(self) -> list[str]:
        return [m for m in self.members if m not in self.cabal.strategies]

    # -- output rewriting ------------------------------------------------------------------------------

    def _sign_send(self, dsts: Sequence[str], body: Any) -> Signed:
        signed = self.keys.sign(self.id, body)
        self.seen.add(signed)
        for d in dsts:
            if d != self.id:
                self.send_raw(d, signed)
        return signed

    def send_raw(self, dst: str, signed: Any) -> None:
        if self.strategy == "delay" and dst in self.honest[: max(1, len(self.honest) // 2)]:
            if not self.held:
                self.set_timer("release", 4 * self.view_timeout)
            self.held.append((dst, signed))
        else:
            self.send(dst, signed)

    def _out(self, dsts: Sequence[str] | None, body: Any) -> Signed:
        targets = [m for m in (self.members if dsts is None else dsts) if m != self.id]
        s, kind = self.strategy, type(body)
        if s == "silent":
            return self.keys.sign(self.id, body)
        if s == "lie":
            if kind in (Prepare, Commit):
                body = replace(body, digest=BOGUS)
            elif kind is Checkpoint:
                body = replace(body, state_digest=BOGUS)
            elif kind is Reply:
                body = replace(body, result=("lie", self.id))
            elif kind is ViewChange:
                body = replace(body, prepared=())
        if s == "equivocate" or self.cabal.split:
            out = self._equivocate(targets, body)
            if out is not None:
                return out
        signed = self._sign_send(targets, body)
        if s == "forge":
            self._forge(targets, signed)
        elif s == "replay" and self.stock:
            for old in self.stock[-3:]:
                for d in targets:
                    self.send(d, old)
        return signed

    def _equivocate(self, targets: list[str], body: Any) -> Signed | None:
        kind = type(body)
        if kind is PrePrepare and body.replica == self.id and self.strategy == "equivocate" and len(targets) > 1:
            honest = [t for t in targets if t not in self.cabal.strategies]
            other = next((p for p in list(self.pending.values())
                          if body.request is None or p != body.request), None)
            alt = replace(body, request=other, digest=self.digest(other))
            if alt.digest == body.digest:
                alt = replace(body, request=None, digest=self.digest(None))
            half = len(honest) // 2
            group_b = frozenset(honest[half:])
            self.cabal.split[(body.view, body.seq)] = (alt.digest, group_b, body.digest)
            first = self._sign_send([t for t in targets if t not in group_b], body)
            self._sign_send(sorted(group_b) + honest[half - 1: half], alt)  # one backup gets both
            return first
        if kind in (Prepare, Commit) and (body.view, body.seq) in self.cabal.split:
            digest_b, group_b, digest_a = self.cabal.split[(body.view, body.seq)]
            a = self._sign_send([t for t in targets if t not in group_b], replace(body, digest=digest_a))
            self._sign_send([t for t in targets if t in group_b], replace(body, digest=digest_b))
            return a
        return None

    @staticmethod
    def digest(request: Signed | None) -> str:
        from dsworkbook.consensus.pbft.messages import digest_of

        return digest_of(None if request is None else request.body)

    def _forge(self, targets: list[str], signed: Signed) -> None:
        body = signed.body
        victims = self.honest
        if not victims or not hasattr(body, "replica"):
            return
        victim = victims[(len(self.seen)) % len(victims)]
        if type(body) in (Prepare, Commit):
            fake = replace(body, replica=victim, digest=BOGUS)
            tampered = Signed(replace(body, digest=BOGUS), signed.signature)
        elif type(body) is Reply:
            fake = replace(body, replica=victim, result=("forged", self.id))
            tampered = Signed(replace(body, result=("forged", self.id)), signed.signature)
        else:
            fake = replace(body, replica=victim)
            tampered = Signed(fake, signed.signature)
        forged = self.keys.sign(self.id, fake)  # its own key, another's name: fails verification
        for d in targets:
            self.send(d, forged)
            self.send(d, tampered)

    # -- reactions added to the honest handlers ---------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        super().on_message(src, msg)
        if type(msg) is not Signed or not self.keys.verify(msg):
            return
        body = msg.body
        if self.strategy == "replay" and type(body) is not Request and len(self.stock) < 50:
            self.stock.append(msg)
        req = body if type(body) is Request else getattr(body, "request", None)
        req = req.body if type(req) is Signed else req
        if self.strategy in ("lie", "forge") and type(req) is Request:  # answer the client first, wrongly
            self._sign_send([req.client], Reply(self.view, req.timestamp, req.client, self.id, ("lie", self.id)))
        if self.strategy == "vote_all" and type(body) in (PrePrepare, Prepare):
            key = (body.view, body.seq, body.digest)
            if key not in self.voted_all:
                self.voted_all.add(key)
                self._sign_send(self.members, Prepare(*key, self.id))
                self._sign_send(self.members, Commit(*key, self.id))

    def on_timer(self, name: Any) -> None:
        if name == "release":
            held, self.held = self.held, []
            for dst, signed in held:
                self.send(dst, signed)
            return
        super().on_timer(name)
