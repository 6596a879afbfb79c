"""A PBFT replica: the normal case (§4.2), checkpoints and garbage collection (§4.3) of Castro and Liskov (OSDI 1999).

Theory of operation
-------------------
``n`` replicas tolerate ``f`` Byzantine ones when n >= 3f+1 (§3). The primary of view ``v`` is
replica ``v mod n``. A client's signed :class:`Request` reaches the primary, which assigns it the
next sequence number and multicasts a :class:`PrePrepare`. A backup accepts it if it is signed
by the primary of its current view, the sequence number lies between the water marks h and H,
and it has accepted no other pre-prepare for that view and number - a second, different one is
*equivocation*, kept with both signed messages as evidence. Accepting, it multicasts a
:class:`Prepare`. A replica is **prepared** for (v, n, d) once it holds the pre-prepare and 2f
matching prepares from distinct backups (the primary's pre-prepare stands for its vote); it then
multicasts a :class:`Commit`, and is **committed-local** once prepared with 2f+1 matching commits
from distinct replicas (§4.2). Committed requests are executed strictly in sequence-number order
and each answer goes to the client in a :class:`Reply` (the client waits for f+1 matching ones).

Every ``checkpoint_interval`` (K) executed requests a replica multicasts a :class:`Checkpoint`
with its state's digest; 2f+1 matching ones make the checkpoint **stable**: the low water mark h
moves to it, H = h + 2K, and every log entry at or below h is discarded (§4.3). A replica that
learns of a stable checkpoint beyond what it executed fetches that state and checks it against
the checkpoint's digest (state transfer). The view change of §4.4 lives in :mod:`.viewchange`.

Durable state (persisted before the messages that depend on it are sent): the view, the stable
checkpoint with its proof and state, the digest of every pre-prepare accepted and every prepared
certificate - so a replica that crashes and restarts from its latest stable checkpoint never
votes twice for one (view, number) and still reports what it prepared in a view change.

Messages from a replica are checked in one prologue (:meth:`Replica.on_message`): a bad signature
is rejected and counted (``rejected["bad signature"]``), a message seen before is a replay
(``rejected["replay"]``); neither is ever applied.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any, Callable, Sequence

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import (NULL_DIGEST, Checkpoint, Commit, FetchState, NewView, PrePrepare,
                                                Prepare, PreparedCert, Reply, Request, Signed, StateReply, Status,
                                                ViewChange, digest_of)
from dsworkbook.consensus.pbft.viewchange import ViewChangeMixin
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node

__all__ = ["Replica", "Thresholds", "execute_op", "state_digest"]


class Thresholds:
    """How many matching messages each certificate needs (§4.2-4.4); n >= 3f+1 is checked by the caller.

    The paper takes n = 3f+1, where a quorum is 2f+1. With more replicas a quorum must still make
    any two quorums share f+1 replicas (so at least one honest one): ceil((n+f+1)/2) of them
    (Malkhi and Reiter, "Byzantine Quorum Systems", 1998), which is 2f+1 again at n = 3f+1. A fixed
    2f+1 with n > 3f+1 would let two quorums share f replicas, all of them traitors.
    """

    def __init__(self, n: int, f: int) -> None:
        self.n, self.f = n, f
        quorum = (n + f + 2) // 2      # ceil((n+f+1)/2): 2f+1 when n = 3f+1
        self.prepares = quorum - 1     # prepared: pre-prepare + 2f prepares from distinct backups (n = 3f+1)
        self.commits = quorum          # committed-local: 2f+1 commits
        self.checkpoint = quorum       # stable checkpoint
        self.view_change = quorum      # NEW-VIEW needs 2f+1 VIEW-CHANGE messages
        self.join = f + 1              # f+1 view changes for a later view: join it (§4.5.2)


def execute_op(data: dict[str, Any], op: tuple) -> Any:
    """The replicated service: a key-value map. ``("put", k, v)`` returns the old value, ``("get", k)`` the value."""
    if op[0] == "put":
        old = data.get(op[1])
        data[op[1]] = op[2]
        return old
    if op[0] == "get":
        return data.get(op[1])
    return ("error", f"unknown operation {op[0]!r}")


def state_digest(snapshot: tuple) -> str:
    return hashlib.sha256(repr(snapshot).encode()).hexdigest()[:16]


class Replica(ViewChangeMixin, Node):
    """An honest PBFT replica (see the module docstring). ``members`` lists every replica in order."""

    def __init__(self, node_id: str, *, members: Sequence[str], f: int, keys: Keyring,
                 checkpoint_interval: int = 4, view_timeout: float = 80.0,
                 thresholds: Callable[[int, int], Thresholds] = Thresholds) -> None:
        super().__init__(node_id)
        self.members = tuple(members)
        self.n, self.f, self.keys = len(self.members), f, keys
        self.q = thresholds(self.n, f)
        self.K, self.L = checkpoint_interval, 2 * checkpoint_interval
        self.view_timeout = view_timeout
        self.view, self.active = 0, True
        self.data: dict[str, Any] = {}
        self.last_reply: dict[str, tuple[int, Any]] = {}
        self.last_executed = self.stable_seq = 0
        self.stable_digest = state_digest(self.snapshot())
        self.stable_proof: tuple[Signed, ...] = ()
        self.snapshots: dict[int, tuple] = {0: self.snapshot()}
        self.seq_next = 0
        self.pre_prepares: dict[tuple[int, int], Signed] = {}
        self.prepares: dict[tuple[int, int, str], dict[str, Signed]] = {}
        self.commits: dict[tuple[int, int, str], dict[str, Signed]] = {}
        self.prepared: dict[int, PreparedCert] = {}     # highest-view prepared certificate per number
        self.committed: set[tuple[int, int]] = set()
        self.ready: dict[int, Signed | None] = {}
        self.checkpoints: dict[int, dict[str, Signed]] = {}
        self.pending: dict[tuple[str, int], Signed] = {}  # requests known and not executed
        self.backlog: list[Signed] = []                    # primary: requests beyond the high water mark
        self.assigned: set[tuple[str, int]] = set()
        self.voted: dict[tuple[int, int], str] = {}        # durable: digest accepted per (view, number)
        self.seen: set[Signed] = set()
        self.rejected: Counter[str] = Counter()
        self.evidence: list[tuple[Signed, Signed]] = []
        self.executed: dict[int, str] = {}
        self.early: list[Signed] = []
        self.status_armed, self.status_mark = False, None
        self.new_view_msg: Signed | None = None
        self.init_view_change()

    # -- basics ------------------------------------------------------------------------------------

    def primary(self, view: int | None = None) -> str:
        return self.members[(self.view if view is None else view) % self.n]

    @property
    def is_primary(self) -> bool:
        return self.primary() == self.id

    def snapshot(self) -> tuple:
        return (tuple(sorted(self.data.items())), tuple(sorted(self.last_reply.items())))

    def in_window(self, seq: int) -> bool:
        """h < n <= H (§4.2): stops a faulty primary exhausting the sequence numbers."""
        return self.stable_seq < seq <= self.stable_seq + self.L

    def _out(self, dsts: Sequence[str] | None, body: Any) -> Signed:
        """Sign ``body`` and send it to ``dsts`` (None: every other replica). Traitors override this."""
        signed = self.keys.sign(self.id, body)
        self.seen.add(signed)
        for d in (self.members if dsts is None else dsts):
            if d != self.id:
                self.send(d, signed)
        return signed

    def hold(self, signed: Signed, view: int) -> None:
        """Keep a message of a view not entered yet (it may overtake the NEW-VIEW); drop older views'."""
        if view < self.view or (view == self.view and self.active):
            return self.reject("wrong view")
        if len(self.early) < self.EARLY_LIMIT:
            self.early.append(signed)

    def release_held(self) -> None:
        """Handle the held messages of the view just entered (after its pre-prepares)."""
        held, self.early = self.early, []
        for signed in held:
            if signed.body.view == self.view:
                self.HANDLERS[type(signed.body)](self, signed)
            elif signed.body.view > self.view:
                self.early.append(signed)

    def reject(self, reason: str) -> None:
        self.rejected[reason] += 1

    # -- start and restart -------------------------------------------------------------------------

    def on_start(self) -> None:
        st = self.storage
        if not st:
            return
        self.view = st.get("view", 0)  # the votes below keep it from voting twice in this view
        snap = st.get("stable_state")
        if snap is not None:
            self.stable_seq, self.stable_proof = st["stable_seq"], st["stable_proof"]
            self.adopt(self.stable_seq, snap)
        for key, value in st.items():
            if key.startswith("vote/"):
                _, v, n = key.split("/")
                self.voted[(int(v), int(n))] = value
            elif key.startswith("cert/"):
                n = int(key.split("/")[1])
                if n > self.stable_seq:
                    self.prepared[n] = value
        self.note(recovered=self.stable_seq, view=self.view)
        self.status_mark = (self.view, self.active, self.last_executed, self.stable_seq)
        self._out(None, Status(self.view, self.active, self.last_executed, self.stable_seq, self.id))

    # -- the prologue every replica message goes through ---------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        if not self.keys.verify(msg):
            self.reject("bad signature")
            return
        if msg in self.seen:
            self.reject("duplicate or replay")
            return
        self.seen.add(msg)
        handler = self.HANDLERS.get(type(msg.body))
        if handler is not None:
            handler(self, msg)

    # -- normal case (§4.2) --------------------------------------------------------------------------

    def on_request(self, signed: Signed) -> None:
        req: Request = signed.body
        last = self.last_reply.get(req.client)
        if last is not None and req.timestamp <= last[0]:
            if req.timestamp == last[0]:  # re-send the answer (at-most-once, §4.1)
                self._out([req.client], Reply(self.view, req.timestamp, req.client, self.id, last[1]))
            return
        key = (req.client, req.timestamp)
        self.pending.setdefault(key, signed)
        self.arm_status()
        if not self.active:
            return
        if self.is_primary:
            self.assign(signed)
        else:
            self.send(self.primary(), signed)  # relay the client's own signed request
            self.arm_view_timer()

    def assign(self, signed: Signed) -> None:
        req = signed.body
        key = (req.client, req.timestamp)
        if key in self.assigned:
            return
        if self.seq_next + 1 > self.stable_seq + self.L:
            if signed not in self.backlog:
                self.backlog.append(signed)
            return
        self.assigned.add(key)
        self.seq_next += 1
        self.send_pre_prepare(self.seq_next, signed)

    def send_pre_prepare(self, seq: int, request: Signed | None) -> None:
        pp = self._out(None, PrePrepare(self.view, seq, digest_of(None if request is None else request.body),
                                        request, self.id))
        self.accept_pre_prepare(pp)

    def on_pre_prepare(self, signed: Signed) -> None:
        pp: PrePrepare = signed.body
        if pp.replica != self.primary(pp.view):
            return self.reject("pre-prepare not from the primary")
        if pp.view != self.view or not self.active:
            return self.hold(signed, pp.view)
        if not self.in_window(pp.seq):
            return self.reject("outside the water marks")
        if pp.request is not None and not (self.keys.verify(pp.request) and type(pp.request.body) is Request):
            return self.reject("bad signature")
        if pp.digest != digest_of(None if pp.request is None else pp.request.body):
            return self.reject("digest does not match the request")
        self.accept_pre_prepare(signed)

    def accept_pre_prepare(self, signed: Signed) -> None:
        pp: PrePrepare = signed.body
        known = self.pre_prepares.get((pp.view, pp.seq))
        if known is not None:
            if known.body.digest != pp.digest:
                self.evidence.append((known, signed))
                self.reject("equivocation")
                self.note(equivocation=pp.replica, view=pp.view, seq=pp.seq)
            return
        voted = self.voted.get((pp.view, pp.seq))
        if voted is not None and voted != pp.digest:
            return self.reject("equivocation")
        self.pre_prepares[(pp.view, pp.seq)] = signed
        if voted is None:
            self.voted[(pp.view, pp.seq)] = pp.digest
            self.persist(**{f"vote/{pp.view}/{pp.seq}": pp.digest})
        if pp.request is not None:
            req = pp.request.body
            self.assigned.add((req.client, req.timestamp))
            if req.timestamp > self.last_reply.get(req.client, (0,))[0]:
                self.pending.setdefault((req.client, req.timestamp), pp.request)
        if pp.replica != self.id:  # a backup's own prepare counts towards its 2f (§4.2: it is in its log)
            mine = self._out(None, Prepare(pp.view, pp.seq, pp.digest, self.id))
            self.prepares.setdefault((pp.view, pp.seq, pp.digest), {})[self.id] = mine
            self.arm_view_timer()
        self.check_prepared(pp.view, pp.seq, pp.digest)

    def on_prepare(self, signed: Signed) -> None:
        p: Prepare = signed.body
        if p.replica == self.primary(p.view):
            return self.reject("prepare from the primary")
        if p.view != self.view or not self.active:
            return self.hold(signed, p.view)
        if not self.in_window(p.seq):
            return self.reject("outside the water marks")
        self.prepares.setdefault((p.view, p.seq, p.digest), {})[p.replica] = signed
        self.check_prepared(p.view, p.seq, p.digest)

    def check_prepared(self, view: int, seq: int, digest: str) -> None:
        pp = self.pre_prepares.get((view, seq))
        if pp is None or pp.body.digest != digest:
            return
        cert = self.prepared.get(seq)
        if cert is not None and cert.pre_prepare.body.view >= view:
            return
        votes = self.prepares.get((view, seq, digest), {})
        votes = {r: s for r, s in votes.items() if r != pp.body.replica}
        if len(votes) < self.q.prepares:
            return
        cert = PreparedCert(pp, tuple(votes[r] for r in sorted(votes)[: self.q.prepares]))
        self.prepared[seq] = cert
        self.persist(**{f"cert/{seq}": cert})
        mine = self._out(None, Commit(view, seq, digest, self.id))
        self.commits.setdefault((view, seq, digest), {})[self.id] = mine
        self.check_committed(view, seq, digest)

    def on_commit(self, signed: Signed) -> None:
        c: Commit = signed.body
        if c.view != self.view or not self.active:
            return self.hold(signed, c.view)
        if not self.in_window(c.seq):
            return self.reject("outside the water marks")
        self.commits.setdefault((c.view, c.seq, c.digest), {})[c.replica] = signed
        self.check_committed(c.view, c.seq, c.digest)

    def check_committed(self, view: int, seq: int, digest: str) -> None:
        cert = self.prepared.get(seq)
        if (view, seq) in self.committed or cert is None or cert.pre_prepare.body.view != view \
                or cert.pre_prepare.body.digest != digest:
            return
        if len(self.commits.get((view, seq, digest), ())) < self.q.commits:
            return
        self.committed.add((view, seq))
        if seq > self.last_executed:
            self.ready[seq] = cert.pre_prepare.body.request
        self.execute_ready()

    def execute_ready(self) -> None:
        """Execute committed requests in sequence-number order, never skipping one (§4.2)."""
        while self.last_executed + 1 in self.ready:
            seq = self.last_executed + 1
            request = self.ready.pop(seq)
            self.last_executed = seq
            self.execute(seq, request)
            if seq % self.K == 0:
                self.take_checkpoint(seq)
        if not self.pending:
            self.cancel_timer("view change")
            self.timer_armed = False
        else:
            self.arm_view_timer(restart=True)

    def execute(self, seq: int, signed: Signed | None) -> None:
        digest = NULL_DIGEST if signed is None else digest_of(signed.body)
        self.executed[seq] = digest
        if signed is None:
            self.note(executed=seq, digest=digest)
            return
        req: Request = signed.body
        self.pending.pop((req.client, req.timestamp), None)
        last = self.last_reply.get(req.client)
        if last is not None and req.timestamp <= last[0]:
            self.note(executed=seq, digest=digest)  # a duplicate: executed once already
            if req.timestamp == last[0]:
                self._out([req.client], Reply(self.view, req.timestamp, req.client, self.id, last[1]))
            return
        result = execute_op(self.data, req.op)
        self.last_reply[req.client] = (req.timestamp, result)
        self.note(executed=seq, digest=digest, client=req.client, timestamp=req.timestamp, result=result)
        self._out([req.client], Reply(self.view, req.timestamp, req.client, self.id, result))

    # -- checkpoints and garbage collection (§4.3) -----------------------------------------------------

    def take_checkpoint(self, seq: int) -> None:
        snap = self.snapshot()
        self.snapshots[seq] = snap
        signed = self._out(None, Checkpoint(seq, state_digest(snap), self.id))
        self.on_checkpoint_signed(signed)

    def on_checkpoint(self, signed: Signed) -> None:
        if signed.body.seq <= self.stable_seq:
            return
        self.on_checkpoint_signed(signed)

    def on_checkpoint_signed(self, signed: Signed) -> None:
        c: Checkpoint = signed.body
        self.checkpoints.setdefault(c.seq, {})[c.replica] = signed
        matching = [s for s in self.checkpoints[c.seq].values() if s.body.state_digest == c.state_digest]
        if len(matching) >= self.q.checkpoint and c.seq > self.stable_seq:
            self.make_stable(c.seq, c.state_digest, tuple(sorted(matching, key=lambda s: s.body.replica)))

    def make_stable(self, seq: int, digest: str, proof: tuple[Signed, ...]) -> None:
        """The checkpoint at ``seq`` is stable: move h, discard the log at or below it (§4.3)."""
        self.stable_seq, self.stable_digest, self.stable_proof = seq, digest, proof
        for table in (self.pre_prepares, self.committed):
            for key in [k for k in table if k[1] <= seq]:
                table.remove(key) if isinstance(table, set) else table.pop(key)
        for table2 in (self.prepares, self.commits):
            for key in [k for k in table2 if k[1] <= seq]:
                del table2[key]
        for n in [n for n in self.prepared if n <= seq]:
            del self.prepared[n]
        for n in [n for n in self.checkpoints if n < seq]:
            del self.checkpoints[n]
        for n in [n for n in self.snapshots if n < seq]:
            del self.snapshots[n]
        for n in [n for n in self.ready if n <= seq]:
            del self.ready[n]
        self.note(stable=seq)
        if self.last_executed >= seq and seq in self.snapshots:
            self.persist(stable_seq=seq, stable_proof=proof, stable_state=self.snapshots[seq], view=self.view)
        elif self.last_executed < seq:  # behind: fetch the state at the stable checkpoint from its signers
            for s in proof:
                if s.body.replica != self.id:
                    self._out([s.body.replica], FetchState(seq, self.id))
        if self.is_primary and self.active:
            backlog, self.backlog = self.backlog, []
            for signed in backlog:
                self.assign(signed)

    def on_fetch_state(self, signed: Signed) -> None:
        seq = signed.body.seq
        if seq in self.snapshots and seq <= self.last_executed:
            self._out([signed.body.replica], StateReply(seq, self.snapshots[seq], self.id))

    def on_state_reply(self, signed: Signed) -> None:
        r: StateReply = signed.body
        if r.seq != self.stable_seq or self.last_executed >= r.seq:
            return
        if state_digest(r.snapshot) != self.stable_digest:
            return self.reject("state does not match the stable checkpoint")
        self.adopt(r.seq, r.snapshot)
        self.persist(stable_seq=r.seq, stable_proof=self.stable_proof, stable_state=r.snapshot, view=self.view)
        self.note(adopted=r.seq)
        self.execute_ready()

    def adopt(self, seq: int, snapshot: tuple) -> None:
        """Take the state ``snapshot`` as the result of executing everything up to ``seq``."""
        self.data = dict(snapshot[0])
        self.last_reply = dict(snapshot[1])
        self.last_executed, self.snapshots[seq] = seq, snapshot
        self.stable_digest = state_digest(snapshot)
        for key in [k for k in self.pending if k[1] <= self.last_reply.get(k[0], (0,))[0]]:
            del self.pending[key]
        self.seq_next = max(self.seq_next, seq)

    # -- retransmission (Castro's thesis: status messages) ---------------------------------------------

    def arm_status(self) -> None:
        if not self.status_armed:
            self.status_armed = True
            self.set_timer("status", self.view_timeout)

    def on_status_timer(self) -> None:
        self.status_armed = False
        mark = (self.view, self.active, self.last_executed, self.stable_seq)
        stuck = self.pending or not self.active or self.ready
        if stuck and mark == self.status_mark:
            self._out(None, Status(self.view, self.active, self.last_executed, self.stable_seq, self.id))
        self.status_mark = mark
        if stuck:
            self.arm_status()

    def on_status(self, signed: Signed) -> None:
        st: Status = signed.body
        if st.stable_seq < self.stable_seq:
            for s in self.stable_proof:
                self.send(st.replica, s)
        if st.view < self.view or (st.view == self.view and not st.active):
            if self.active and self.new_view_msg is not None:
                self.send(st.replica, self.new_view_msg)
            for msgs in self.view_changes.values():
                for s in msgs.values():
                    self.send(st.replica, s)
        if st.view != self.view or not self.active:
            return
        for (v, n), pp in sorted(self.pre_prepares.items()):
            if v == self.view and n > st.last_executed:
                self.send(st.replica, pp)
                for table in (self.prepares, self.commits):
                    for s in table.get((v, n, pp.body.digest), {}).values():
                        self.send(st.replica, s)

    HANDLERS: dict[type, Callable[[Any, Signed], None]] = {}
    EARLY_LIMIT = 400


Replica.HANDLERS = {Request: Replica.on_request, PrePrepare: Replica.on_pre_prepare, Prepare: Replica.on_prepare,
                    Commit: Replica.on_commit, Checkpoint: Replica.on_checkpoint,
                    ViewChange: ViewChangeMixin.on_view_change, NewView: ViewChangeMixin.on_new_view,
                    FetchState: Replica.on_fetch_state, StateReply: Replica.on_state_reply, Status: Replica.on_status}


def check_config(n: int, f: int, checkpoint_interval: int) -> None:
    """ConfigErrors for impossible settings (n < 3f+1, K <= 0...)."""
    for name, v in (("n", n), ("f", f), ("checkpoint_interval", checkpoint_interval)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{name} must be an int, got {v!r}")
    if f < 0:
        raise ConfigError(f"f must be >= 0 faulty replicas, got {f}")
    if n < 3 * f + 1:
        raise ConfigError(f"n={n} replicas cannot tolerate f={f} Byzantine faults: PBFT needs n >= 3f+1 = {3 * f + 1} "
                          f"(Castro and Liskov §3; Lamport, Shostak and Pease 1982); add replicas or lower f")
    if checkpoint_interval <= 0:
        raise ConfigError(f"checkpoint_interval must be >= 1 request, got {checkpoint_interval}")
