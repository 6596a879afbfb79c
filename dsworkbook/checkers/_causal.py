"""Causal consistency (causal memory) of read/write histories with distinct written values.

Theory of operation
-------------------
*Causal memory* (Ahamad, Neiger, Burns, Kohli & Hutto 1995): every process may see the writes
in its own order, but each process's view must be a legal serialization of all writes and its
own operations that respects the *causal order* ``CO`` - the transitive closure of program
order (``PO``, a process's operations in the order it issued them) and *reads-from* (``RF``, a
write before every read that returned its value).

Checking one history is NP-complete in general, but when every write of a key writes a
different value (a *differentiated* history: ``RF`` is then known), Bouajjani, Enea, Guerraoui
& Hamza ("On verifying causal consistency", POPL 2017, Table 2) show that a history is causal
memory iff none of six *bad patterns* occurs - each a small, explainable violation:

==================  ==============================================================================
ThinAirRead         a read returns a value no write wrote
CyclicCO            ``CO`` has a cycle (a read sees a write that its own session issues later)
WriteCOInitRead     a read returns the initial value although a write of that key causally precedes it
WriteCORead         ``w1 -> w2 -> r`` causally, all on one key, yet ``r`` returns ``w1``'s value
WriteHBInitRead     like WriteCOInitRead, for the order process p is forced into (``HB_p``)
CyclicHB            process p's reads force contradictory orders of two writes
==================  ==============================================================================

``HB_p`` starts from ``CO`` on the causal past of p's last operation and grows by one rule until
nothing changes: if p's read ``r`` returned the value of ``w2`` while another write ``w1`` of the
same key is already before ``r`` in ``HB_p``, then p must have seen ``w1`` before ``w2``, so
``w1 -> w2`` joins ``HB_p`` (Bouajjani et al., §4: ``HB_o``; checking p's last operation covers all
of p's, since ``HB`` only grows along p's program order).

Relations are Python ints used as bit sets: ``anc[v]`` holds the causal past of operation ``v``.
Unknown-outcome writes that somebody read did happen (at some time after their invoke: they get
program-order edges in, none out); unknown writes nobody read are taken to have never happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Sequence

from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation

__all__ = ["CausalGraph", "Pattern", "find_violation", "differentiated"]


def differentiated(ops: Sequence[Operation], initial: Any) -> tuple[bool, str]:
    """(True, "") when ops are reads/writes and each key's written values are distinct and not initial."""
    seen: set[tuple[Hashable, Any]] = set()
    for op in ops:
        if op.f not in READ_FS | WRITE_FS:
            return False, f"it has a {op.f!r} operation (only reads and writes are checked)"
        if op.f in WRITE_FS:
            kv = (op.key, op.input)
            if kv in seen or op.input == initial:
                return False, (f"value {op.input!r} is written twice{'' if op.key is None else f' to key {op.key!r}'} "
                               "(or equals the initial value), so a read does not say which write it saw")
            seen.add(kv)
    return True, ""


@dataclass
class Pattern:
    """A bad pattern found: its name, the operations that show it, and a sentence."""

    name: str
    ops: list[Operation]
    reason: str


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


@dataclass
class CausalGraph:
    """PO, RF and the causal order of a differentiated history's relevant operations."""

    ops: list[Operation]
    initial: Any
    preds: list[list[int]] = field(default_factory=list)
    source: dict[int, int] = field(default_factory=dict)     # read node -> write node it read from
    thin_air: list[int] = field(default_factory=list)
    write_mask: dict[Hashable, int] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)           # a topological order of CO
    anc: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, ops: Sequence[Operation], initial: Any) -> "CausalGraph":
        writes = {(op.key, op.input): op for op in ops if op.f in WRITE_FS}
        read_values = {(op.key, op.output) for op in ops if op.f in READ_FS and op.outcome == "ok"}
        nodes = [op for op in ops if (op.f in READ_FS and op.outcome == "ok") or
                 (op.f in WRITE_FS and (op.outcome == "ok" or (op.key, op.input) in read_values))]
        g = cls(sorted(nodes, key=lambda o: o.invoke_time), initial)
        g._edges(writes)
        return g

    def _edges(self, writes: dict[tuple[Hashable, Any], Operation]) -> None:
        pos = {op.index: i for i, op in enumerate(self.ops)}
        self.preds = [[] for _ in self.ops]
        last_ok: dict[Hashable, int] = {}
        for i, op in enumerate(self.ops):
            if op.process in last_ok:
                self.preds[i].append(last_ok[op.process])
            if op.outcome == "ok":
                last_ok[op.process] = i
            if op.f in WRITE_FS:
                self.write_mask[op.key] = self.write_mask.get(op.key, 0) | (1 << i)
            elif op.output != self.initial:
                w = writes.get((op.key, op.output))
                if w is None or w.index not in pos:
                    self.thin_air.append(i)
                else:
                    self.source[i] = pos[w.index]
                    self.preds[i].append(pos[w.index])

    def topo(self, extra: dict[int, list[int]] | None = None, within: int | None = None) -> list[int] | None:
        """A topological order of the nodes in ``within`` (all by default), or None on a cycle."""
        n = len(self.ops)
        members = range(n) if within is None else _bits(within)
        preds = {v: [p for p in self.preds[v] + (extra or {}).get(v, []) if within is None or (within >> p) & 1]
                 for v in members}
        succs: dict[int, list[int]] = {v: [] for v in preds}
        indeg = {v: len(ps) for v, ps in preds.items()}
        for v, ps in preds.items():
            for p in ps:
                succs[p].append(v)
        ready = sorted(v for v, d in indeg.items() if d == 0)
        out = []
        while ready:
            v = ready.pop()
            out.append(v)
            for s in succs[v]:
                indeg[s] -= 1
                if not indeg[s]:
                    ready.append(s)
        return out if len(out) == len(preds) else None

    def ancestors(self, order: list[int], extra: dict[int, list[int]] | None = None) -> dict[int, int]:
        anc: dict[int, int] = {}
        for v in order:
            a = 0
            for p in self.preds[v] + (extra or {}).get(v, []):
                if p in anc:
                    a |= anc[p] | (1 << p)
            anc[v] = a
        return anc

    def cycle(self, extra: dict[int, list[int]] | None = None, within: int | None = None) -> list[int]:
        """Some cycle of the graph (node ids in order), found by depth-first search."""
        members = set(range(len(self.ops)) if within is None else _bits(within))
        colour: dict[int, int] = {}
        for start in sorted(members):
            stack, path = [(start, iter(self._preds(start, extra, members)))], [start]
            colour[start] = 1
            while stack:
                v, it = stack[-1]
                p = next(it, None)
                if p is None:
                    colour[v] = 2
                    stack.pop()
                    path.pop()
                elif colour.get(p) == 1:
                    return list(reversed(path[path.index(p):]))
                elif p not in colour:
                    colour[p] = 1
                    stack.append((p, iter(self._preds(p, extra, members))))
                    path.append(p)
        return []

    def _preds(self, v: int, extra: dict[int, list[int]] | None, members: set[int]) -> list[int]:
        return [p for p in self.preds[v] + (extra or {}).get(v, []) if p in members]

    def path(self, src: int, dst: int, anc: dict[int, int]) -> list[int]:
        """A causal path src -> ... -> dst (node ids), through the predecessor lists."""
        out = [dst]
        v = dst
        while v != src:
            v = next(p for p in self.preds[v] if p == src or (anc.get(p, 0) >> src) & 1)
            out.append(v)
        return list(reversed(out))


def find_violation(ops: Sequence[Operation], initial: Any) -> tuple[Pattern | None, CausalGraph]:
    """The first bad pattern of causal memory in a differentiated history, or None."""
    g = CausalGraph.build(ops, initial)
    if g.thin_air:
        r = g.ops[g.thin_air[0]]
        return Pattern("ThinAirRead", [r], f"{r} returned {r.output!r}, a value no write wrote"), g
    order = g.topo()
    if order is None:
        cyc = g.cycle()
        names = " -> ".join(g.ops[v].label() for v in cyc)
        return Pattern("CyclicCO", [g.ops[v] for v in cyc],
                       f"the causal order has a cycle ({names} -> back): some read sees a write that causally "
                       "depends on the read itself"), g
    g.order = order
    anc = g.ancestors(order)
    g.anc = [anc[v] for v in range(len(g.ops))]
    return _co_patterns(g, anc) or _hb_patterns(g, anc), g


def _co_patterns(g: CausalGraph, anc: dict[int, int]) -> Pattern | None:
    for v in g.order:
        op = g.ops[v]
        if op.f not in READ_FS:
            continue
        same_key = g.write_mask.get(op.key, 0) & anc[v]
        if op.output == g.initial:
            if same_key:
                w = _bits(same_key)[0]
                chain = g.path(w, v, anc)
                return Pattern("WriteCOInitRead", [g.ops[c] for c in chain], (
                    f"{op} returned the initial value although {g.ops[w]} causally precedes it "
                    f"({' -> '.join(g.ops[c].label() for c in chain)})"))
            continue
        w1 = g.source[v]
        for w2 in _bits(same_key & ~(1 << w1)):
            if (anc[w2] >> w1) & 1:
                chain = g.path(w1, w2, anc) + g.path(w2, v, anc)[1:]
                return Pattern("WriteCORead", [g.ops[c] for c in chain], (
                    f"{op} returned {op.output!r}, but causally {g.ops[w1].label()} -> {g.ops[w2].label()} -> "
                    f"{op.label()}: the newer write {g.ops[w2].label()} was already in the reader's causal past "
                    f"({' -> '.join(g.ops[c].label() for c in chain)})"))
    return None


def _hb_patterns(g: CausalGraph, anc: dict[int, int]) -> Pattern | None:
    last: dict[Hashable, int] = {}
    for v, op in enumerate(g.ops):
        if op.outcome == "ok":
            last[op.process] = v
    for process, o in last.items():
        found = _hb_of(g, anc, process, o)
        if found is not None:
            return found
    return None


def _hb_of(g: CausalGraph, anc: dict[int, int], process: Hashable, o: int) -> Pattern | None:
    within = anc[o] | (1 << o)
    reads = [v for v in _bits(within) if g.ops[v].process == process and g.ops[v].f in READ_FS]
    extra: dict[int, list[int]] = {}
    hb = {v: anc[v] for v in _bits(within)}
    while True:
        added = False
        for r in reads:
            op = g.ops[r]
            if op.output == g.initial:
                continue
            w2 = g.source[r]
            for w1 in _bits(hb[r] & g.write_mask.get(op.key, 0) & ~(1 << w2)):
                if not (hb[w2] >> w1) & 1 and w1 not in extra.get(w2, ()):
                    extra.setdefault(w2, []).append(w1)
                    added = True
        if not added:
            break
        order = g.topo(extra, within)
        if order is None:
            cyc = g.cycle(extra, within)
            return Pattern("CyclicHB", [g.ops[v] for v in _bits(within)], (
                f"process {process!r} cannot order what it saw: its reads force "
                f"{' -> '.join(g.ops[v].label() for v in cyc)} -> back (a value it read after another "
                "would have to be both older and newer)"))
        hb = g.ancestors(order, extra)
    for r in reads:
        op = g.ops[r]
        if op.output == g.initial and hb[r] & g.write_mask.get(op.key, 0):
            w = _bits(hb[r] & g.write_mask.get(op.key, 0))[0]
            return Pattern("WriteHBInitRead", [g.ops[v] for v in _bits(within)], (
                f"process {process!r} read the initial value in {op}, although by what it had read before, "
                f"{g.ops[w]} was already visible to it"))
    return None
