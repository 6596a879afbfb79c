"""Linearizability: is there one order of the operations, each inside its own interval, that is legal?

Theory of operation
-------------------
A history is *linearizable* (Herlihy & Wing 1990) when every operation can be given a single
instant between its invoke and its completion - its linearization point - such that the
operations, taken in the order of those points, are a legal sequential run of the object.
Failed operations did not happen; an operation with an unknown outcome may take effect at any
instant after its invoke, or never (Jepsen's ``:info``). Deciding it is NP-complete in general
(Gibbons & Korach 1997), so :func:`check_linearizable` combines three ideas:

1. **Split per key** when the model allows (:class:`~dsworkbook.checkers.datatypes.KVModel`):
   linearizability is *local* - a history is linearizable iff each object's sub-history is
   (Herlihy & Wing §3.3) - and many small searches are exponentially cheaper than one big one.
2. **A fast path** for plain read/write registers whose written values are all distinct:
   Gibbons & Korach's read-mapping case, decided in O(n log n) with zones
   (:mod:`dsworkbook.checkers._zones`). It handles 20 clients as easily as 2.
3. **A memoised search** for the rest (compare-and-set, repeated values, sets, counters):
   Wing & Gong's backtracking with Lowe's cache of configurations, as in Porcupine
   (:mod:`dsworkbook.checkers._wgl`). The per-key searches run **in rotation**, a few
   thousand steps each in turn, so one hard key cannot starve an easy violation on another.

Budgets: ``time_limit`` seconds and ``memory_limit_mb`` for the memo tables. When either runs
out before an answer, the verdict is ``unknown`` (``ok is None``) and ``reason`` says which
budget and which keys were still open - never an out-of-memory crash. The clock is read after
every slice of search steps (a slice is sized to take about a millisecond), so the check returns
within a few per cent of ``time_limit``; the memo tables' size is measured from the objects they
hold (:meth:`._wgl.Search.memory_bytes`).

The answer carries its evidence: a **witness** (a linearization, with points) when
linearizable; the **smallest violating sub-history found** when not (:mod:`._shrink`), with a
sentence saying why no order works and the operation whose completion no order gets past.
:func:`dsworkbook.viz.timeline` draws either. After a search, shrinking the counterexample is
deferred until it is first read (it has its own budget, ``shrink_time``), so a caller that
only wants the verdict does not pay for it, and ``time_limit`` bounds the verdict alone.

The initial value is the model's: ``nil`` for registers and kv stores, as in Jepsen and Knossos
histories; pass ``initial=""`` for MIT 6.824/6.5840 and Porcupine kv histories, which read a
missing key as the empty string (see :mod:`dsworkbook.checkers.datatypes`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable

from dsworkbook.checkers import _refute, _shrink, _zones
from dsworkbook.checkers._wgl import LINEARIZABLE, NOT_LINEARIZABLE, Search
from dsworkbook.checkers.datatypes import MODEL_DEFAULT, Model, resolve_model
from dsworkbook.checkers.history import History, Operation, from_sim_history
from dsworkbook.checkers.result import LinearizabilityResult
from dsworkbook.errors import ConfigError

__all__ = ["check_linearizable", "LinearizabilityResult", "FAST_PATH", "SEARCH", "METHODS", "prepare"]

FAST_PATH = "fast path (Gibbons-Korach)"
SEARCH = "search"
#: ``method=`` choices: ``auto`` takes the fast path where it applies and searches elsewhere.
METHODS = ("auto", "fast", "search")
_FIRST_SLICE = 500        # search steps before the first look at the clock
_SLICE_SECONDS = 0.001    # later slices are sized to take about this long


def _as_history(history: Any) -> History:
    if isinstance(history, History):
        return history
    if isinstance(history, (list, tuple)) and all(isinstance(o, Operation) for o in history):
        return History(history)
    try:
        return from_sim_history(history)
    except (ConfigError, TypeError):
        raise ConfigError(f"expected a History (dsworkbook.checkers or dsworkbook.sim) or a list of Operations, "
                          f"got {type(history).__name__}") from None


def prepare(history: Any, model: "str | Model",
            initial: Any = MODEL_DEFAULT) -> tuple[History, Model, dict[Hashable, list[Operation]]]:
    """The history, the model, and the operations that matter per part (key).

    Failed operations are dropped (they did not happen), as are unknown-outcome operations that
    cannot change the state (a read nobody saw the answer of constrains nothing).
    """
    m = resolve_model(model, initial=initial)
    h = _as_history(history)
    parts: dict[Hashable, list[Operation]] = {}
    checked: set[tuple[str, bool]] = set()
    partitioned = m.partitioned
    for op in h:
        kind = (op.f, op.key is None)
        if kind not in checked or op.f == "cas":  # the checks depend only on these (and a cas's input)
            m.check_op(op)
            checked.add(kind)
        if op.outcome != "ok" and (op.outcome == "fail" or m.is_read_only(op)):
            continue
        key = m.partition(op) if partitioned else None
        if key in parts:
            parts[key].append(op)
        else:
            parts[key] = [op]
    return h, m, parts


@dataclass
class _Part:
    key: Hashable
    ops: list[Operation]
    method: str = SEARCH
    status: str = "open"
    order: list[Operation] = field(default_factory=list)
    points: list[float] = field(default_factory=list)
    search: Search | None = None


def _search_points(order: list[Operation]) -> list[float]:
    """Linearization points for a search order: the running maximum of invoke times.

    Each op was linearized while every op still pending had its completion ahead, so the
    running maximum of invokes never passes an op's own completion.
    """
    points, last = [], float("-inf")
    for op in order:
        last = max(last, op.invoke_time)
        points.append(last)
    return points


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")


def check_linearizable(history: Any, model: "str | Model" = "register", *, initial: Any = MODEL_DEFAULT,
                       time_limit: float = 5.0, memory_limit_mb: float = 512.0, method: str = "auto",
                       shrink_time: float = 1.0, max_iterations: int | None = None) -> LinearizabilityResult:
    """Is ``history`` linearizable for ``model``? See the module docstring.

    ``model`` is ``"register"``, ``"cas-register"``, ``"kv"``, ``"set"``, ``"counter"`` or a
    :class:`~dsworkbook.checkers.datatypes.Model`; ``initial`` sets a named model's initial
    value (``initial=""`` for 6.824/Porcupine kv histories; the default is nil). ``method``
    forces the fast path (a ConfigError where it does not apply) or the search.
    ``max_iterations`` bounds the search steps, for a budget that does not depend on the
    machine's speed. ``time_limit`` bounds the verdict; shrinking a counterexample found by the
    search happens when it is first read, within its own budget of ``shrink_time`` seconds.
    """
    if method not in METHODS:
        raise ConfigError(f"method must be one of {METHODS}, got {method!r}")
    for name, value in (("time_limit", time_limit), ("memory_limit_mb", memory_limit_mb),
                        ("shrink_time", shrink_time)):
        _positive(name, value)
    if max_iterations is not None and (isinstance(max_iterations, bool) or not isinstance(max_iterations, int)
                                       or max_iterations < 1):
        raise ConfigError(f"max_iterations must be an int >= 1 or None, got {max_iterations!r}")
    start = time.perf_counter()
    deadline = start + time_limit
    h, m, parts = prepare(history, model, initial)
    plan = [_Part(k, ops) for k, ops in parts.items()]
    stats: dict[str, Any] = {"ops": len(h), "parts": len(plan), "iterations": 0}
    for part in plan:
        if method != "search" and _zones.eligible(part.ops, m):
            part.method = FAST_PATH
        elif method == "fast":
            raise ConfigError(f"the fast path needs plain reads and writes with distinct written values (key "
                              f"{part.key!r} has a repeated value, a cas or another function); use method='auto'")
    for part in plan:  # the fast path checks these itself; method="search" leaves everything to the search
        if method == "auto" and part.method == SEARCH and _refute.applies(part.ops, m):
            found = _refute.find(part.ops, m)
            if found is not None and found.pattern == _refute.THIN_AIR:
                return _thin_air_failure(h, m, plan, part, found, stats, start)
            if found is not None:  # shrunk from the part itself: the pattern's own sub-history may lean on
                # a compare-and-set whose expected value nothing in it sets
                return _deferred_failure(h, m, plan, part, part.ops, found.observer.complete_time,
                                         f"{SEARCH} (not needed: a value read after it was overwritten)", stats,
                                         start, shrink_time)
    for part in plan:
        if part.method == FAST_PATH:
            verdict = _zones.check_zones(part.ops, m)
            if not verdict.ok:
                return _fast_failure(h, m, plan, part, stats, start)
            part.status, part.order, part.points = LINEARIZABLE, verdict.order or [], verdict.points or []
    open_parts = [p for p in plan if p.method == SEARCH]
    for part in open_parts:
        part.search = Search(part.ops, m)
    outcome = _rotate(open_parts, deadline, memory_limit_mb, max_iterations, stats)
    if isinstance(outcome, _Part):
        return _search_failure(h, m, plan, outcome, stats, start, shrink_time)
    if outcome:
        return _unknown(h, plan, stats, start, outcome)
    return _success(h, plan, stats, start)


def _rotate(parts: list[_Part], deadline: float, memory_mb: float, max_iterations: int | None,
            stats: dict[str, Any]) -> "_Part | str":
    """Run the searches in turn; returns the failing part, a reason for giving up, or ''.

    Each turn is one slice of steps, sized from the steps per second measured so far so that it
    takes about a millisecond; the clock, the memory and the step budget are read after each.
    Freeing a big memo table takes time too (a few hundred nanoseconds an entry), so the search
    stops early enough for that to fit inside the time limit as well.
    """
    limit = memory_mb * 1024 * 1024
    active = list(parts)
    used = {id(p): (0, 0) for p in active}          # (bytes, objects) per open search
    total = objects = 0
    step = _FIRST_SLICE
    began = time.perf_counter()
    if began > deadline:
        return _gave_up(deadline, began)
    while active:
        for part in list(active):
            search = part.search
            assert search is not None
            before = search.iterations
            budget = step if max_iterations is None else max(1, min(step, max_iterations - stats["iterations"]))
            status = search.run(budget)
            stats["iterations"] += search.iterations - before
            if status == NOT_LINEARIZABLE:
                part.status = NOT_LINEARIZABLE
                return part
            old_bytes, old_objects = used.pop(id(part))
            if status == LINEARIZABLE:
                part.status = LINEARIZABLE
                order = [search.ops[i] for i in search.order()]
                part.order, part.points = order, _search_points(order)
                part.search = None  # free the memo table
                active.remove(part)
                total, objects = total - old_bytes, objects - old_objects
            else:
                now = (search.memory_bytes(), search.objects())
                used[id(part)] = now
                total, objects = total + now[0] - old_bytes, objects + now[1] - old_objects
            now_t = time.perf_counter()
            if active and now_t + _teardown_seconds(objects) > deadline:
                return _gave_up(deadline, began)
            if total > limit:
                return f"the memo tables reached the memory limit ({memory_mb:g} MB)"
            if max_iterations is not None and stats["iterations"] >= max_iterations and active:
                return f"the search stopped at max_iterations={max_iterations}"
            rate = stats["iterations"] / max(now_t - began, 1e-6)
            step = max(_FIRST_SLICE, int(rate * _SLICE_SECONDS))
    return ""


#: Seconds to free one object of a search's tables (memo entries, states, transitions): measured
#: at 40-90 ns on a 2 GHz x86 machine; rounded up, so that the check stops a little early rather
#: than late.
_FREE_SECONDS = 1e-7


def _teardown_seconds(objects: int) -> float:
    """About how long freeing ``objects`` memo entries and states takes once the search gives up."""
    return objects * _FREE_SECONDS


def _gave_up(deadline: float, began: float) -> str:
    return f"the time limit ran out ({max(deadline - began, 0.0):.3g} s were left for the search)"


def _clean(stats: dict[str, Any], start: float) -> dict[str, Any]:
    out = dict(stats)
    out["seconds"] = time.perf_counter() - start
    return out


def _method(plan: Iterable[_Part]) -> str:
    used = sorted({p.method for p in plan})
    return " + ".join(used) if used else "nothing to order"


def _success(h: History, plan: list[_Part], stats: dict[str, Any], start: float) -> LinearizabilityResult:
    if len(plan) == 1:  # one object: its order is already sorted by point
        witness, points = plan[0].order, plan[0].points
    else:               # several keys: merge by point (equal points are concurrent, so any order is fine)
        keyed = [(pt, n, j, op) for n, part in enumerate(plan) for j, (op, pt) in enumerate(zip(part.order,
                                                                                              part.points))]
        keyed.sort(key=lambda k: k[:3])
        witness, points = [k[3] for k in keyed], [k[0] for k in keyed]
    parts = {p.key: LINEARIZABLE for p in plan}
    return LinearizabilityResult(ok=True, witness=witness, points=points,
                                 method=_method(plan), parts=parts, history=h, stats=_clean(stats, start),
                                 reason=f"a legal order of all {len(h)} operations exists (the witness)")


def _unknown(h: History, plan: list[_Part], stats: dict[str, Any], start: float, why: str) -> LinearizabilityResult:
    still = [p.key for p in plan if p.status == "open"]
    keys = "" if still == [None] else f" (keys still open: {still[:10]})"
    return LinearizabilityResult(ok=None, method=_method(plan), parts={p.key: p.status for p in plan},
                                 history=h, stats=_clean(stats, start),
                                 reason=f"no verdict before the search finished: {why}{keys}")


def _fail_parts(plan: list[_Part], bad: _Part) -> dict[Hashable, str]:
    return {p.key: (NOT_LINEARIZABLE if p is bad else p.status if p.status != "open" else "not checked")
            for p in plan}


def _initial_hint(m: Model, ops: Iterable[Operation]) -> str:
    """A hint when a read of "" fails under the default nil: the history reads missing keys as ""."""
    if m.init() is not None or not any(m.observes(op) == (True, "") for op in ops):
        return ""
    return (" - if this history comes from MIT 6.824/6.5840 or Porcupine, where a missing key reads as the empty "
            "string, check it with initial=\"\" (command line: --initial '')")


def _thin_air_failure(h: History, m: Model, plan: list[_Part], part: _Part, found: _refute.Refutation,
                      stats: dict[str, Any], start: float) -> LinearizabilityResult:
    ops, why = found.ops, found.reason
    where = "" if part.key is None else f"key {part.key!r}: "
    return LinearizabilityResult(ok=False, counterexample=sorted(ops, key=lambda o: o.invoke_time),
                                 method=f"{SEARCH} (not needed: a value read before it was written)", stuck=ops[0],
                                 history=h, parts=_fail_parts(plan, part), stats=_clean(stats, start),
                                 reason=where + why + _initial_hint(m, ops))


def _fast_failure(h: History, m: Model, plan: list[_Part], part: _Part, stats: dict[str, Any],
                  start: float) -> LinearizabilityResult:
    verdict = _zones.minimal_violation(part.ops, m)
    ops = verdict.violation or []
    stuck = max(ops, key=lambda o: o.invoke_time) if ops else None
    where = "" if part.key is None else f"key {part.key!r}: "
    return LinearizabilityResult(ok=False, counterexample=ops, reason=where + verdict.reason + _initial_hint(m, ops),
                                 method=FAST_PATH,
                                 parts=_fail_parts(plan, part), stuck=stuck, history=h, stats=_clean(stats, start))


def _search_failure(h: History, m: Model, plan: list[_Part], part: _Part, stats: dict[str, Any], start: float,
                    shrink_time: float) -> LinearizabilityResult:
    """The verdict now; the counterexample, the reason and the stuck op when first read."""
    assert part.search is not None
    stuck_time = part.search.stuck_time()
    part.search = None
    return _deferred_failure(h, m, plan, part, part.ops, stuck_time, SEARCH, stats, start, shrink_time)


def _deferred_failure(h: History, m: Model, plan: list[_Part], part: _Part, ops: list[Operation], stuck_time: float,
                      method: str, stats: dict[str, Any], start: float, shrink_time: float) -> LinearizabilityResult:
    """A failure whose non-linearizable ``ops`` are shrunk and explained when the evidence is first read."""
    where = "" if part.key is None else f"key {part.key!r}: "
    result = LinearizabilityResult(ok=False, method=method, parts=_fail_parts(plan, part), history=h,
                                   stats=_clean(stats, start))

    def fill(res: LinearizabilityResult) -> None:
        began = time.perf_counter()
        small = _shrink.shrink(ops, m, stuck_time, began + 0.8 * shrink_time)
        _, stuck, text = _shrink.explain_failure(small, m, began + shrink_time)
        res.counterexample = sorted(small, key=lambda o: o.invoke_time)
        res.reason, res.stuck = where + text + _initial_hint(m, small), stuck
        res.stats["shrink seconds"] = time.perf_counter() - began

    result._defer(fill)
    return result
