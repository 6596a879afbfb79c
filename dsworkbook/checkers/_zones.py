"""The fast path: linearizability of a read/write register whose written values are all distinct.

Theory of operation
-------------------
When every write writes a different value, each read names the one write it saw (the
*read-mapping* of Gibbons & Korach 1997, "Testing shared memories", SIAM J. Comput. 26(4)), and
linearizability stops being a search: it is decided in O(n log n) with *zones* (Gibbons &
Korach §5; the formulation below follows Golab, Li & Shah, "Analyzing consistency properties
for fun and profit", PODC 2011, §3).

Group each write with the reads that returned its value: a *cluster*. Let ``f`` be the earliest
completion in the cluster and ``s`` the latest invoke. If ``f < s`` the cluster has a *forward
zone* ``(f, s)``: the write took effect before ``f`` and its value was still read after ``s``,
so the value was current all through ``(f, s)``. Otherwise it has a *backward zone* ``[s, f]``:
one instant inside every member's interval, where the whole cluster can take effect at once.
The initial value is a cluster whose write happened at minus infinity. The history is
linearizable if and only if

1. every read returns the initial value or a value some write wrote,
2. no read completes before its write is invoked,
3. no two forward zones overlap (two values cannot both be current at once), and
4. no backward zone lies strictly inside a forward zone (a write in there would overwrite a
   value that is still read later).

A linearization comes out of the same zones: the write of a forward cluster at ``f`` and its
reads at their invoke time (or ``f``); a backward cluster all at one point of its zone that is
inside no forward zone. Sorting by those points (ties broken so that a cluster ending at a
point goes before one living there, which goes before one starting there) gives a legal order,
and :func:`check_zones` replays it through the model before returning it. A violation gives at
most six operations - the ends of the clusters involved - which are then pruned to a minimal
non-linearizable set.

Operations with an unknown outcome: an unknown write that somebody read took effect, at some
time after its invoke (its interval is open-ended); one nobody read is placed at the very end
(equivalently, it never happened). Unknown reads and failed operations are dropped before this
module is called.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.checkers.datatypes import Model
from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation
from dsworkbook.errors import InvariantViolation

__all__ = ["eligible", "check_zones", "ZoneVerdict"]

_NEG = -math.inf


def eligible(ops: Sequence[Operation], model: Model) -> bool:
    """True when ``ops`` are plain reads and writes of a register model, every written value distinct."""
    if not model.register_like():
        return False
    if not {op.f for op in ops} <= READ_FS | WRITE_FS:
        return False
    values = [op.input for op in ops if op.f in WRITE_FS]
    try:
        written = set(values)
        return len(written) == len(values) and model.init() not in written
    except TypeError:  # an unhashable value: leave it to the search
        return False


@dataclass
class ZoneVerdict:
    ok: bool
    order: list[Operation] | None = None
    points: list[float] | None = None
    violation: list[Operation] | None = None
    reason: str = ""


@dataclass
class _Cluster:
    cid: int
    value: Any
    write: Operation | None
    reads: list[Operation]
    f: float = 0.0
    s: float = 0.0
    f_op: Operation | None = None
    s_op: Operation | None = None

    @property
    def forward(self) -> bool:
        return self.f < self.s

    def members(self) -> list[Operation]:
        return ([self.write] if self.write is not None else []) + self.reads

    def ends(self) -> list[Operation]:
        """The write and the operations that fix ``f`` and ``s``."""
        out = [self.write] if self.write is not None else []
        for op in (self.f_op, self.s_op):
            if op is not None and op not in out:
                out.append(op)
        return out


def _clusters(ops: Sequence[Operation], initial: Any) -> tuple[list[_Cluster], list[Operation], ZoneVerdict | None]:
    writes: dict[Any, Operation] = {}
    reads: dict[Any, list[Operation]] = {}
    for op in ops:
        if op.f in WRITE_FS:
            writes[op.input] = op
        elif op.output in reads:
            reads[op.output].append(op)
        else:
            reads[op.output] = [op]
    for v, rs in reads.items():
        if v not in writes and v != initial:
            return [], [], ZoneVerdict(False, violation=[rs[0]], reason=(
                f"{rs[0]} returned {v!r}, a value no write (that did not fail) ever wrote"))
    clusters, unread = [], []
    if initial in reads:
        clusters.append(_span(_Cluster(0, initial, None, reads[initial])))
    for v, w in writes.items():
        rs = reads.get(v, [])
        if not rs and w.outcome != "ok":
            unread.append(w)
            continue
        c = _span(_Cluster(len(clusters), v, w, rs))
        if c.f_op is not w and c.f_op is not None and c.f_op.complete_time < w.invoke_time:
            r = c.f_op
            return [], [], ZoneVerdict(False, violation=[w, r], reason=(
                f"{r} returned {v!r} and completed at t={r.complete_time:g}, before the write of {v!r} "
                f"was even invoked (t={w.invoke_time:g})"))
        clusters.append(c)
    return clusters, unread, None


def _span(c: _Cluster) -> _Cluster:
    """The cluster's earliest completion ``f`` and latest invoke ``s``, and the ops that give them."""
    inf = math.inf
    f, f_op, s, s_op = inf, None, -inf, None
    for op in c.reads:
        end = op.complete_time if op.outcome == "ok" else inf
        if end < f:
            f, f_op = end, op
        if op.invoke_time > s:
            s, s_op = op.invoke_time, op
    w = c.write
    if w is None:
        c.f, c.f_op = _NEG, None
    else:
        end = w.complete_time if w.outcome == "ok" else inf
        if end <= f:
            f, f_op = end, w
        if w.invoke_time > s or s_op is None:
            s, s_op = w.invoke_time, w
        c.f, c.f_op = f, f_op
    c.s, c.s_op = s, s_op
    return c


def _zone_violation(clusters: list[_Cluster]) -> tuple[list[_Cluster], ZoneVerdict | None]:
    forward = sorted((c for c in clusters if c.forward), key=lambda c: c.f)
    for a, b in zip(forward, forward[1:]):
        if b.f < a.s:
            return forward, ZoneVerdict(False, violation=a.ends() + b.ends(), reason=(
                f"{_v(a)} and {_v(b)} were each current over overlapping spans of time - "
                f"{_v(a)} from before t={_t(a.f)} until a read at t={a.s:g}, {_v(b)} from before "
                f"t={_t(b.f)} until a read at t={b.s:g} - so one of them was overwritten while it was still to be "
                "read"))
    starts = [c.f for c in forward]
    for c in clusters:
        if c.forward:
            continue
        i = bisect_left(starts, c.s) - 1
        if i >= 0 and c.f < forward[i].s:
            z = forward[i]
            return forward, ZoneVerdict(False, violation=z.ends() + c.ends(), reason=(
                f"the write of {c.value!r} took effect within [{c.s:g}, {_t(c.f)}], entirely inside the span "
                f"({_t(z.f)}, {z.s:g}) in which {_v(z)} was current and still to be read: that read of "
                f"{_v(z)} should have seen {c.value!r} or a later value"))
    return forward, None


def _v(c: _Cluster) -> str:
    """A cluster's value as a reader would say it."""
    return "the initial value" if c.write is None else repr(c.value)


def _t(x: float) -> str:
    return "-inf" if x == _NEG else ("inf" if x == math.inf else f"{x:g}")


def _points(clusters: list[_Cluster], forward: list[_Cluster]) -> list[tuple[float, int, int, int, float, int, Operation]]:
    """(point, phase, cluster, write first, invoke, index, op), sorted: the witness order."""
    starts = [c.f for c in forward]
    keyed = []
    add = keyed.append
    for c in clusters:
        cid = c.cid
        if c.f < c.s:  # forward
            f, s = c.f, c.s
            if c.write is not None:
                add((f, 2, cid, 0, c.write.invoke_time, c.write.index, c.write))
            for r in c.reads:
                p = r.invoke_time if r.invoke_time > f else f
                add((p, 0 if p == s else (2 if p == f else 1), cid, 1, r.invoke_time, r.index, r))
        else:
            i = bisect_left(starts, c.s) - 1
            p = forward[i].s if i >= 0 and forward[i].f < c.s < forward[i].s else c.s
            if c.write is not None:
                add((p, 1, cid, 0, c.write.invoke_time, c.write.index, c.write))
            for r in c.reads:
                add((p, 1, cid, 1, r.invoke_time, r.index, r))
    keyed.sort()
    return keyed


def _replay(order: list[Operation], points: list[float], initial: Any) -> None:
    """Check the witness before returning it: points inside intervals, never going back, reads legal."""
    state, last = initial, _NEG
    for op, p in zip(order, points):
        if p < last or p < op.invoke_time or (op.outcome == "ok" and p > op.complete_time):
            raise InvariantViolation(f"zones fast path: {op} placed at t={p:g}, outside its interval or out of order")
        if op.f in WRITE_FS:
            state = op.input
        elif op.outcome == "ok" and op.output != state:
            raise InvariantViolation(f"zones fast path built an illegal order at {op}")
        last = p


def check_zones(ops: Sequence[Operation], model: Model) -> ZoneVerdict:
    """Decide linearizability of an :func:`eligible` register history (see the module docstring)."""
    clusters, unread, bad = _clusters(ops, model.init())
    if bad is not None:
        return bad
    forward, bad = _zone_violation(clusters)
    if bad is not None:
        return bad
    keyed = _points(clusters, forward)
    order = [k[6] for k in keyed]
    points = [k[0] for k in keyed]
    last = points[-1] if points else _NEG
    for w in sorted(unread, key=lambda o: o.invoke_time):
        last = max(last, w.invoke_time)
        order.append(w)
        points.append(last)
    _replay(order, points, model.init())
    return ZoneVerdict(True, order=order, points=points)


def minimal_violation(ops: Sequence[Operation], model: Model) -> ZoneVerdict:
    """Prune a zone violation to a minimal set: no read (or write with its reads) can be dropped."""
    verdict = check_zones(ops, model)
    if verdict.ok:
        return verdict
    current = list(verdict.violation or ops)
    changed = True
    while changed:
        changed = False
        for op in list(current):
            if op not in current:
                continue
            drop = {op} if op.f in READ_FS else {op} | {r for r in current if r.f in READ_FS and r.output == op.input}
            trial = [o for o in current if o not in drop]
            if trial:
                v = check_zones(trial, model)
                if not v.ok:
                    current, verdict, changed = trial, v, True
    verdict.violation = sorted(current, key=lambda o: o.invoke_time)
    return verdict
