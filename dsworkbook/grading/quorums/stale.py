"""Exercise ``02-stale-reads``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.quorums._common import need_callable
from dsworkbook.sim import History
from dsworkbook.storage.quorum import nrw_sim, stale_reads

SETTINGS = ((3, 1, 1), (3, 1, 2), (3, 2, 2))
SEEDS = tuple(range(30, 36))


def _history(rows: list[tuple]) -> History:
    """rows: (process, f, key, value, invoke, complete, outcome, output), replayed in time order."""
    h = History()
    events = sorted([(row[4], 1, i) for i, row in enumerate(rows)] + [(row[5], 0, i) for i, row in enumerate(rows)])
    ops: dict[int, Any] = {}
    for t, is_invoke, i in events:
        process, f, key, value, _start, _end, outcome, output = rows[i]
        if is_invoke:
            ops[i] = h.invoke(process, f, value, t, key=key)
        else:
            h.complete(ops[i], outcome, output, t)
    return h


UNITS: list[tuple[str, list[tuple]]] = [
    ("a read after the write completed returns the initial value",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("b", "read", "x", None, 20, 30, "ok", None)]),
    ("a read concurrent with the write may return either",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("b", "read", "x", None, 5, 30, "ok", None)]),
    ("the second write overwrote the first before the read began",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("a", "write", "x", 2, 12, 20, "ok", None),
      ("b", "read", "x", None, 25, 30, "ok", 1)]),
    ("two concurrent writes: either may be last",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 5, 20, "ok", None),
      ("b", "read", "x", None, 25, 30, "ok", 1)]),
    ("a write that timed out (unknown) need not have taken effect",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 12, 20, "unknown", 2),
      ("b", "read", "x", None, 25, 30, "ok", 1)]),
    ("a refused write did not happen",
     [("c", "write", "x", 2, 0, 10, "fail", None), ("b", "read", "x", None, 25, 30, "ok", None)]),
    ("other keys do not matter",
     [("a", "write", "y", 1, 0, 10, "ok", None), ("b", "read", "x", None, 20, 30, "ok", None)]),
    ("reading the value of a timed-out write, then an older one",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 12, 20, "unknown", 2),
      ("b", "read", "x", None, 25, 30, "ok", 2), ("b", "read", "x", None, 31, 40, "ok", 1)]),
    ("a failed read is not a stale read",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("b", "read", "x", None, 20, 30, "fail", None)]),
]


def _check(fn: Any, history: History, case: str) -> int:
    expected = sorted(s.read.index for s in stale_reads(history))
    shown = "; ".join(f"#{op.index} {op.process} {op.f} {op.key}"
                      f"{'=' + repr(op.input) if op.f == 'write' else ''} [{op.invoke_time:g}, {op.complete_time:g}] "
                      f"{op.outcome}{' -> ' + repr(op.output) if op.f == 'read' else ''}" for op in history)
    got = attempt(fn, history, input=shown if len(history) < 12 else case, case=case)
    try:
        got_set = sorted(set(got))
    except TypeError:
        got_set = None
    if got_set != expected:
        fail(case=case, input=shown if len(history) < 12 else f"{len(history)} operations (see the case)",
             expected=f"stale reads {expected}", got=f"{got!r}",
             hint="a read is stale only if some OK write to its key was invoked after the read's value was "
                  "written (completed) and completed before the read was invoked; writes that failed or whose "
                  "outcome is unknown never count as completed")
    return len(expected)


@exercise("02-stale-reads", title="Find the stale reads in a history", theme="T02", concepts=("Q03",))
def grade_stale_reads(stale_read_indices: Any) -> str:
    """``stale_read_indices(history) -> set of op indices``: the stale reads of a history.

    ``history`` is a ``dw.sim.History``: operations with ``index, process, f ('read' or
    'write'), key, input, output, outcome ('ok', 'fail', 'unknown'), invoke_time,
    complete_time``; every write writes a value no other write uses. An ``ok`` read of value
    ``v`` is **stale** when some ``ok`` write ``w2`` to the same key completed before the read
    was invoked and was invoked after ``v``'s write completed (if ``v`` is None, the initial
    value, any such ``w2`` counts; if ``v``'s write is not ``ok``, nothing counts). Checked on
    hand-made histories and on the histories of N/R/W stores with a far replica (seeds 30-35,
    N=3 with R+W = 2, 3 and 4).
    """
    need_callable(stale_read_indices, "function stale_read_indices(history)")
    for case, rows in UNITS:
        _check(stale_read_indices, _history(rows), case)
    found = 0
    for n, r, w in SETTINGS:
        for seed in SEEDS:
            sim = nrw_sim(seed, n, r, w, ops=20)
            found += _check(stale_read_indices, sim.history, f"seed {seed}: N={n} R={r} W={w}, one writer")
    return (f"right on {len(UNITS)} hand-made histories and {len(SETTINGS) * len(SEEDS)} simulated ones "
            f"(seeds {SEEDS[0]}-{SEEDS[-1]}), {found} stale reads found in all")
