"""PBFT's view change (Castro and Liskov, OSDI 1999, §4.4), as a mixin of :class:`~.replica.Replica`.

Theory of operation
-------------------
A backup that knows of a request it has not executed arms a timer; when it expires the primary
is taken to be faulty or slow, and the backup moves to view v+1: it stops accepting normal-case
messages and multicasts a :class:`ViewChange` with its stable checkpoint (sequence number and
the 2f+1 signed checkpoint messages that prove it) and a **prepared certificate** - the signed
pre-prepare and 2f signed matching prepares - for every sequence number above it that it
prepared. Because every certificate is made of signatures, the new primary and every backup can
check it; a replica cannot invent one (§4.4 with signatures; the TOCS 2002 paper does the same
with MACs at the price of extra messages).

The primary of v+1 collects 2f+1 valid view changes (its own included) and computes the set O
of pre-prepares for the new view: ``min-s`` is the latest stable checkpoint among them,
``max-s`` the highest prepared number; for each number in between it re-proposes the digest of
the certificate with the **highest view**, and a *null request* where there is none. It
multicasts :class:`NewView` with the view changes and O. A backup checks the new view by
recomputing O from the same view changes, then enters the view and prepares every pre-prepare
in O as in the normal case. Any two sets of 2f+1 replicas share an honest one, so a request
committed at an honest replica was prepared at f+1 honest ones and at least one of them is in
every NEW-VIEW's V: it is re-proposed under the same number.

Liveness (§4.5.2): a replica waiting for a new view moves on to v+2 after twice the timeout,
and a replica that receives f+1 valid view changes for views above its own joins the smallest
of them, even before its own timer expires.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.pbft.messages import (NULL_DIGEST, NewView, PrePrepare, PreparedCert, Signed, ViewChange,
                                                digest_of)

__all__ = ["ViewChangeMixin", "compute_new_view", "valid_certificate", "equivocation_evidence"]


def valid_certificate(node: Any, cert: Any, below_view: int) -> bool:
    """A prepared certificate with a pre-prepare signed by its view's primary and enough distinct matching prepares."""
    if type(cert) is not PreparedCert or not node.keys.verify(cert.pre_prepare):
        return False
    pp = cert.pre_prepare.body
    if type(pp) is not PrePrepare or pp.view >= below_view or pp.replica != node.primary(pp.view):
        return False
    if pp.digest != digest_of(None if pp.request is None else pp.request.body):
        return False
    voters = set()
    for s in cert.prepares:
        b = s.body
        if (not node.keys.verify(s) or type(b).__name__ != "Prepare" or (b.view, b.seq, b.digest) != (pp.view, pp.seq, pp.digest)
                or b.replica == pp.replica):
            return False
        voters.add(b.replica)
    return len(voters) >= node.q.prepares


def valid_checkpoint_proof(node: Any, seq: int, proof: tuple) -> str | None:
    """The state digest 2f+1 signed checkpoints for ``seq`` agree on (None if the proof is not valid)."""
    if seq == 0:
        return "genesis"
    digests, signers = set(), set()
    for s in proof:
        if not node.keys.verify(s) or type(s.body).__name__ != "Checkpoint" or s.body.seq != seq:
            return None
        digests.add(s.body.state_digest)
        signers.add(s.body.replica)
    if len(digests) != 1 or len(signers) < node.q.checkpoint:
        return None
    return digests.pop()


def compute_new_view(view_changes: tuple[Signed, ...]) -> tuple[int, int, dict[int, tuple[str, Signed | None]]]:
    """``(min-s, max-s, {n: (digest, request)})`` for the new view's pre-prepares (§4.4)."""
    min_s = max(vc.body.stable_seq for vc in view_changes)
    best: dict[int, PreparedCert] = {}
    for vc in view_changes:
        for cert in vc.body.prepared:
            n = cert.pre_prepare.body.seq
            if n > min_s and (n not in best or cert.pre_prepare.body.view > best[n].pre_prepare.body.view):
                best[n] = cert
    max_s = max(best, default=min_s)
    chosen: dict[int, tuple[str, Signed | None]] = {}
    for n in range(min_s + 1, max_s + 1):
        cert = best.get(n)
        chosen[n] = (NULL_DIGEST, None) if cert is None else (cert.pre_prepare.body.digest, cert.pre_prepare.body.request)
    return min_s, max_s, chosen


class ViewChangeMixin:
    """View changes for :class:`~.replica.Replica` (see the module docstring)."""

    def init_view_change(self: Any) -> None:
        self.view_changes: dict[int, dict[str, Signed]] = {}
        self.vc_attempts = 0
        self.timer_armed = False
        self.new_view_sent: set[int] = set()

    def arm_view_timer(self: Any, restart: bool = False) -> None:
        if (self.timer_armed and not restart) or (self.active and self.is_primary):
            return  # a backup suspects the primary (§4.4); the primary does not time itself out
        self.timer_armed = True
        self.set_timer("view change", self.view_timeout * (2 ** min(self.vc_attempts, 3)))

    def on_timer(self: Any, name: Any) -> None:
        if name == "status":
            self.on_status_timer()
        elif name == "view change":
            self.timer_armed = False
            if self.pending or not self.active:
                self.start_view_change(self.view + 1)

    def start_view_change(self: Any, new_view: int) -> None:
        """Move to ``new_view``: stop the normal case and multicast VIEW-CHANGE (§4.4)."""
        if not self.active:
            self.vc_attempts += 1
        self.view, self.active = new_view, False
        self.persist(view=new_view)
        prepared = tuple(self.prepared[n] for n in sorted(self.prepared) if n > self.stable_seq)
        signed = self._out(None, ViewChange(new_view, self.stable_seq, self.stable_proof, prepared, self.id))
        self.view_changes.setdefault(new_view, {})[self.id] = signed
        self.note(view_change=new_view)
        self.arm_status()
        self.timer_armed = False
        self.arm_view_timer()
        self.maybe_new_view(new_view)

    def on_view_change(self: Any, signed: Signed) -> None:
        vc: ViewChange = signed.body
        if vc.new_view < self.view or (vc.new_view == self.view and self.active):
            return
        if valid_checkpoint_proof(self, vc.stable_seq, vc.checkpoint_proof) is None or not all(
                valid_certificate(self, c, vc.new_view) and c.pre_prepare.body.seq > vc.stable_seq
                for c in vc.prepared):
            return self.reject("invalid view change")
        self.view_changes.setdefault(vc.new_view, {})[vc.replica] = signed
        later = {r for v, msgs in self.view_changes.items() if v > self.view for r in msgs}
        if len(later) >= self.q.join and (self.active or vc.new_view > self.view):
            target = min(v for v, msgs in self.view_changes.items() if v > self.view and msgs)
            if len(later) >= self.q.join:
                self.start_view_change(target)
        self.maybe_new_view(vc.new_view)

    def maybe_new_view(self: Any, view: int) -> None:
        if self.primary(view) != self.id or view in self.new_view_sent or view != self.view:
            return
        msgs = self.view_changes.get(view, {})
        if len(msgs) < self.q.view_change:
            return
        self.new_view_sent.add(view)
        chosen_vcs = tuple(msgs[r] for r in sorted(msgs))
        min_s, max_s, chosen = compute_new_view(chosen_vcs)
        pps = tuple(self.keys.sign(self.id, PrePrepare(view, n, d, req, self.id)) for n, (d, req) in chosen.items())
        nv = self.new_view_msg = self._out(None, NewView(view, chosen_vcs, pps, self.id))
        self.enter_view(nv.body, min_s, max_s)

    def on_new_view(self: Any, signed: Signed) -> None:
        nv: NewView = signed.body
        if nv.replica != self.primary(nv.view) or nv.view < self.view or (nv.view == self.view and self.active):
            return
        senders = {vc.body.replica for vc in nv.view_changes}
        if len(senders) < self.q.view_change or any(
                not self.keys.verify(vc) or type(vc.body) is not ViewChange or vc.body.new_view != nv.view
                or valid_checkpoint_proof(self, vc.body.stable_seq, vc.body.checkpoint_proof) is None
                or not all(valid_certificate(self, c, nv.view) for c in vc.body.prepared)
                for vc in nv.view_changes):
            return self.reject("invalid new view")
        min_s, max_s, chosen = compute_new_view(nv.view_changes)
        got = {pp.body.seq: pp for pp in nv.pre_prepares}
        if set(got) != set(chosen) or any(
                not self.keys.verify(pp) or pp.body.replica != nv.replica or pp.body.view != nv.view
                or (pp.body.digest, pp.body.request) != chosen[pp.body.seq] for pp in nv.pre_prepares):
            return self.reject("invalid new view")
        self.view = nv.view
        self.persist(view=nv.view)
        self.new_view_msg = signed
        self.enter_view(nv, min_s, max_s)

    def enter_view(self: Any, nv: NewView, min_s: int, max_s: int) -> None:
        """Install the new view: adopt its stable checkpoint, accept its pre-prepares, resume (§4.4)."""
        self.active, self.vc_attempts, self.timer_armed = True, 0, False
        self.cancel_timer("view change")
        self.note(view=nv.view, primary=nv.replica)
        for v in [v for v in self.view_changes if v <= nv.view]:
            del self.view_changes[v]
        if min_s > self.stable_seq:
            vc = next(vc for vc in nv.view_changes if vc.body.stable_seq == min_s)
            self.make_stable(min_s, vc.body.checkpoint_proof[0].body.state_digest, vc.body.checkpoint_proof)
        self.assigned = set()
        self.seq_next = max(max_s, self.last_executed, self.stable_seq)
        for pp in nv.pre_prepares:
            if pp.body.seq > self.stable_seq and self.in_window(pp.body.seq):
                self.seen.add(pp)
                self.accept_pre_prepare(pp)
        self.release_held()
        if self.id == nv.replica:
            for signed in list(self.pending.values()) + self.backlog:
                self.assign(signed)
            self.backlog = [s for s in self.backlog if (s.body.client, s.body.timestamp) not in self.assigned]
        if self.pending:
            self.arm_view_timer()


def equivocation_evidence(keys: Any, a: Signed, b: Signed) -> str | None:
    """The replica two signed pre-prepares convict of equivocation (same view and number, different
    digests, both validly signed by it), or None if they prove nothing. Anyone holding the public keys can check it."""
    if not (keys.verify(a) and keys.verify(b)) or type(a.body) is not PrePrepare or type(b.body) is not PrePrepare:
        return None
    x, y = a.body, b.body
    if x.replica == y.replica and (x.view, x.seq) == (y.view, y.seq) and x.digest != y.digest:
        return x.replica
    return None
