"""The consistency models weaker than linearizability: one check each, with evidence.

Theory of operation
-------------------
Each function takes a history (from the simulator, a file, or :func:`parse_timeline`) and a
data-type model, and returns a :class:`~dsworkbook.checkers.result.CheckResult`: ``ok`` True,
False or None (unknown), a witness or the smallest violating sub-history found, and a sentence.

=====================================  =====================================================================
:func:`check_sequential`               one legal order of all operations keeping each process's order
                                       (Lamport 1979) - a memoised search (:mod:`._sequential`)
:func:`check_causal`                   causal memory (Ahamad et al. 1995) via the bad patterns of
                                       Bouajjani et al. (POPL 2017) - polynomial (:mod:`._causal`)
:func:`check_read_your_writes`         a session sees its own writes (Terry et al. 1994)
:func:`check_monotonic_reads`          a session's reads never go back in time (Terry et al. 1994)
:func:`check_convergence`              after the writes stop, the processes end up agreeing (eventual)
=====================================  =====================================================================

Strength: linearizable => sequential => causal => read-your-writes and monotonic reads (the last
two are incomparable). Convergence is a different kind of promise - about the end of a run, not
each read - and none of the others implies it: a sequentially consistent store may serve a stale
value forever.

The causal and session checks read the history as reads and writes of registers (one per key)
in which each key's written values are distinct, so that every read names the write it saw;
elsewhere they answer ``unknown`` and say why. Sequential consistency works with any model.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

from dsworkbook.checkers import _causal, _session
from dsworkbook.checkers._sequential import SeqSearch
from dsworkbook.checkers.datatypes import JointModel, Model
from dsworkbook.checkers.history import READ_FS, WRITE_FS, History, Operation
from dsworkbook.checkers.linearizability import prepare
from dsworkbook.checkers.result import CheckResult
from dsworkbook.errors import ConfigError

__all__ = ["check_sequential", "check_causal", "check_read_your_writes", "check_monotonic_reads",
           "check_convergence", "SEQUENTIAL", "CAUSAL", "RYW", "MONOTONIC_READS", "CONVERGENT"]

SEQUENTIAL, CAUSAL, RYW, MONOTONIC_READS, CONVERGENT = (
    "sequential", "causal", "read-your-writes", "monotonic reads", "convergent")


def _ops(history: Any, model: "str | Model") -> tuple[History, Model, list[Operation]]:
    h, m, parts = prepare(history, model)
    ops = sorted((op for part in parts.values() for op in part), key=lambda o: o.invoke_time)
    return h, m, ops


def _register_view(m: Model, ops: Sequence[Operation], level: str) -> str:
    """Why ``level`` cannot be checked on these ops ('' when it can)."""
    if not m.register_like():
        return f"the {level} check reads histories of registers (reads and writes); the {m.name} model is not one"
    ok, why = _causal.differentiated(ops, m.init())
    return "" if ok else f"the {level} check needs distinct written values per key, but {why}"


def _units(op: Operation, current: list[Operation]) -> set[Operation]:
    """``op``, and for a write the reads that returned its value (they would be left without a source)."""
    if op.f in WRITE_FS:
        return {op} | {r for r in current if r.f in READ_FS and r.key == op.key and r.output == op.input}
    return {op}


def _without(current: list[Operation], chunk: Sequence[Operation]) -> list[Operation]:
    drop: set[Operation] = set()
    for op in chunk:
        drop |= _units(op, current)
    return [o for o in current if o not in drop]


def _minimise(ops: list[Operation], still_bad: Any, budget: float) -> list[Operation]:
    """A small subset on which ``still_bad`` holds: shortest bad prefix, then delta debugging.

    First the shortest prefix (by invoke time) that is still bad, found by bisection; then
    Zeller's ddmin - drop chunks of halving size while the rest stays bad - which ends with
    single operations (a 1-minimal subset when the budget allows). A write is dropped together
    with the reads of its value, so no read is left without its write.
    """
    deadline = time.perf_counter() + budget
    current = sorted(ops, key=lambda o: o.invoke_time)
    lo, hi = 1, len(current)
    while lo < hi and time.perf_counter() < deadline:
        mid = (lo + hi) // 2
        if still_bad(_closed_prefix(current, mid)):
            hi = mid
        else:
            lo = mid + 1
    if hi < len(current) and still_bad(_closed_prefix(current, hi)):
        current = _closed_prefix(current, hi)
    n = 2
    while len(current) > 1 and time.perf_counter() < deadline:
        size = -(-len(current) // n)
        for start in range(0, len(current), size):
            trial = _without(current, current[start:start + size])
            if trial and still_bad(trial):
                current, n = trial, max(n - 1, 2)
                break
        else:
            if size == 1:
                break
            n = min(len(current), 2 * n)
    return current


def _closed_prefix(ops: list[Operation], k: int) -> list[Operation]:
    """The first ``k`` operations plus the writes their reads returned (so no read loses its write)."""
    head = ops[:k]
    wanted = {(r.key, r.output) for r in head if r.f in READ_FS}
    extra = [o for o in ops[k:] if o.f in WRITE_FS and (o.key, o.input) in wanted]
    return sorted(head + extra, key=lambda o: o.invoke_time)


def _budget(time_limit: Any, memory_limit_mb: Any) -> None:
    for name, value in (("time_limit", time_limit), ("memory_limit_mb", memory_limit_mb)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ConfigError(f"{name} must be a number > 0, got {value!r}")


# -- sequential consistency -------------------------------------------------------------------------

def _joint(m: Model, ops: Sequence[Operation]) -> Model:
    return JointModel(m, dict.fromkeys(op.key for op in ops)) if m.partitioned else m


def _seq_refutes(ops: list[Operation], m: Model) -> bool:
    return SeqSearch(ops, _joint(m, ops)).run(1.0, 64 * 2**20, max_iterations=50_000) is False


def check_sequential(history: Any, model: "str | Model" = "register", *, time_limit: float = 5.0,
                     memory_limit_mb: float = 512.0, max_iterations: int | None = None,
                     shrink_time: float = 1.0) -> CheckResult:
    """Sequential consistency (Lamport 1979): see the module docstring.

    For a register history with distinct values it first looks for a causal violation (cheap,
    and causal is weaker, so any violation found also refutes sequential consistency).
    """
    _budget(time_limit, memory_limit_mb)
    start = time.perf_counter()
    h, m, ops = _ops(history, model)
    if not _register_view(m, ops, CAUSAL):
        pattern, _ = _causal.find_violation(ops, m.init())
        if pattern is not None:
            bad = _minimise(pattern.ops, lambda s: _causal.find_violation(s, m.init())[0] is not None, shrink_time)
            return CheckResult(SEQUENTIAL, False, counterexample=bad, method="causal bad patterns",
                               reason=f"not even causal ({pattern.name}): {pattern.reason}",
                               stats={"ops": len(h), "seconds": time.perf_counter() - start})
    search = SeqSearch(ops, _joint(m, ops))
    found = search.run(time_limit - (time.perf_counter() - start), memory_limit_mb * 2**20, max_iterations)
    stats = {"ops": len(h), "configurations": len(search.seen), "iterations": search.iterations}
    if found is None:
        return CheckResult(SEQUENTIAL, None, method="search", stats=stats,
                           reason="no verdict: the search ran out of its time or memory budget")
    if found:
        return CheckResult(SEQUENTIAL, True, witness=search.witness(), method="search", stats=stats,
                           reason="one legal order keeps every process's own order (the witness)")
    bad = _minimise(ops, lambda s: _seq_refutes(s, m), shrink_time)
    return CheckResult(SEQUENTIAL, False, counterexample=bad, method="search", stats=stats,
                       reason=f"no legal order of these {len(bad)} operations keeps each process's own order")


# -- causal consistency -------------------------------------------------------------------------------

def check_causal(history: Any, model: "str | Model" = "register", *, shrink_time: float = 1.0) -> CheckResult:
    """Causal memory via Bouajjani et al.'s bad patterns (see :mod:`dsworkbook.checkers._causal`)."""
    start = time.perf_counter()
    h, m, ops = _ops(history, model)
    why = _register_view(m, ops, CAUSAL)
    if why:
        return CheckResult(CAUSAL, None, method="causal bad patterns", reason=why)
    pattern, graph = _causal.find_violation(ops, m.init())
    stats = {"ops": len(h), "seconds": time.perf_counter() - start}
    if pattern is None:
        witness = {"causal order": [graph.ops[v] for v in graph.order],
                   "reads from": {graph.ops[r]: graph.ops[w] for r, w in graph.source.items()}}
        return CheckResult(CAUSAL, True, witness=witness, method="causal bad patterns", stats=stats,
                           reason="no bad pattern: every process can order the writes it saw, respecting causality")
    bad = _minimise(pattern.ops, lambda s: _causal.find_violation(s, m.init())[0] is not None, shrink_time)
    return CheckResult(CAUSAL, False, counterexample=bad, method="causal bad patterns", stats=stats,
                       reason=f"{pattern.name}: {pattern.reason}")


# -- session guarantees and convergence ------------------------------------------------------------------

def _session_check(history: Any, model: "str | Model", level: str, find: Any) -> CheckResult:
    h, m, ops = _ops(history, model)
    why = _register_view(m, ops, level)
    if why:
        return CheckResult(level, None, method="session order", reason=why)
    found = find(ops, m.init())
    reads = sum(1 for op in ops if op.f in READ_FS and op.outcome == "ok")
    sessions = len({op.process for op in ops})
    if found is None:
        return CheckResult(level, True, witness={"reads checked": reads, "sessions": sessions}, method="session order",
                           reason=f"all {reads} reads of {sessions} sessions respect {level}")
    bad, reason = found
    return CheckResult(level, False, counterexample=bad, method="session order", reason=reason)


def check_read_your_writes(history: Any, model: "str | Model" = "register") -> CheckResult:
    """Read-your-writes (Terry et al. 1994): see :mod:`dsworkbook.checkers._session`."""
    return _session_check(history, model, RYW, _session.ryw_violation)


def check_monotonic_reads(history: Any, model: "str | Model" = "register") -> CheckResult:
    """Monotonic reads (Terry et al. 1994): see :mod:`dsworkbook.checkers._session`."""
    return _session_check(history, model, MONOTONIC_READS, _session.mr_violation)


def check_convergence(history: Any, model: "str | Model" = "register", *, settle: float = 0.0) -> CheckResult:
    """After the last write of each key (plus ``settle``), do the processes' last reads of it agree?"""
    if isinstance(settle, bool) or not isinstance(settle, (int, float)) or settle < 0:
        raise ConfigError(f"settle must be a number >= 0 (time after the last write), got {settle!r}")
    h, m, ops = _ops(history, model)
    read_fs = frozenset(f for f in m.functions if f in READ_FS)
    found, agreed, unread = _session.convergence_violation(ops, float(settle), read_fs)
    if found is not None:
        return CheckResult(CONVERGENT, False, counterexample=found[0], method="reads after the writes stopped",
                           reason=found[1])
    if not agreed:
        return CheckResult(CONVERGENT, None, method="reads after the writes stopped",
                           reason="nothing to check: no read began after the writes stopped")
    note = f"; {len(unread)} key(s) were not read after their last write" if unread else ""
    shown = ", ".join(f"{'value' if k is None else k}={v!r}" for k, v in list(agreed.items())[:5])
    return CheckResult(CONVERGENT, True, witness=agreed, method="reads after the writes stopped",
                       reason=f"after the writes stopped, the processes' last reads agree ({shown}){note}")
