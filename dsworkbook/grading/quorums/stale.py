"""Exercise ``02-stale-reads``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.quorums._common import need_callable
from dsworkbook.sim import History
from dsworkbook.storage.quorum import nrw_sim, stale_reads

SETTINGS = ((3, 1, 1), (3, 1, 2), (3, 2, 2))
SEEDS = tuple(range(30, 36))


def _history(rows: list[tuple]) -> History:
    """rows: (process, f, key, value, invoke, complete, outcome, output), replayed in time order.

    A row whose ``complete`` is None stays pending (outcome None, complete_time None).
    """
    h = History()
    events = sorted([(row[4], 1, i) for i, row in enumerate(rows)] +
                    [(row[5], 0, i) for i, row in enumerate(rows) if row[5] is not None])
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
    ("the newer write completed exactly when the read was invoked: not before it",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("a", "write", "x", 2, 12, 20, "ok", None),
      ("b", "read", "x", None, 20, 30, "ok", 1)]),
    ("the newer write was invoked exactly when the older one completed: they overlap",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 10, 20, "ok", None),
      ("b", "read", "x", None, 25, 30, "ok", 1)]),
    ("a read of the value of a refused write, though a refused write's completion carries a value",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 0, 5, "fail", 2),
      ("a", "write", "x", 3, 12, 20, "ok", None), ("b", "read", "x", None, 25, 30, "ok", 2)]),
    ("a read of the value of a write that timed out, after a later ok write",
     [("c", "write", "x", 2, 0, 5, "unknown", None), ("a", "write", "x", 3, 12, 20, "ok", None),
      ("b", "read", "x", None, 25, 30, "ok", 2)]),
    ("an ok write's completion carries no value: a read of the initial value after it is stale",
     [("a", "write", "x", 7, 0, 10, "ok", None), ("b", "read", "x", None, 25, 30, "ok", None),
      ("d", "read", "x", None, 26, 31, "ok", 7)]),
    ("a write still pending when the history ended never completed",
     [("a", "write", "x", 1, 0, 10, "ok", None), ("c", "write", "x", 2, 12, None, None, None),
      ("b", "read", "x", None, 25, 30, "ok", 1)]),
    ("a read that returned the value of an overwritten write on another key's timeline",
     [("a", "write", "y", 1, 0, 10, "ok", None), ("a", "write", "x", 2, 11, 20, "ok", None),
      ("a", "write", "x", 3, 21, 30, "ok", None), ("b", "read", "x", None, 40, 50, "ok", 2),
      ("b", "read", "y", None, 51, 60, "ok", 1)]),
]

RANDOM_SEED, RANDOM_COUNT = 51, 300


def _draw(rng: random.Random, *, processes: int | None = None, per: int | None = None,
          pending: bool = True) -> list[tuple]:
    """Rows of a random history: sequential processes, keys x/y/z, small integer times (ties), every outcome."""
    rows: list[tuple] = []
    keys = ("x", "y", "z")[: rng.randint(1, 3)]
    values: dict[str, list[int]] = {k: [] for k in keys}
    next_value = 1
    writes: list[tuple] = []
    for p in range(processes or rng.randint(1, 5)):
        t = rng.randint(0, 6)
        for _ in range(per or rng.randint(1, 6)):
            key = rng.choice(keys)
            start, end = t, t + rng.randint(1, 8)
            if rng.random() < 0.5:
                outcome = rng.choice(("ok", "ok", "ok", "fail", "unknown", None if pending else "ok"))
                value = next_value
                next_value += 1
                # a refused write's completion may carry something; an unknown one keeps its value
                output = rng.choice((None, value, "refused")) if outcome == "fail" else None
                row = (f"p{p}", "write", key, value, start, None if outcome is None else end, outcome, output)
                values[key].append(value)
                writes.append(row)
            else:
                outcome = rng.choice(("ok", "ok", "ok", "ok", "fail", "unknown", None if pending else "ok"))
                row = (f"p{p}", "read", key, None, start, None if outcome is None else end, outcome, None)
            rows.append(row)
            if outcome is None:
                break  # a pending operation is a process's last
            t = end + rng.randint(0, 3)
    # reads answer a value written to their key (by any write, of any outcome) or the initial None
    out = []
    for row in rows:
        if row[1] == "read" and row[6] == "ok":
            choices = [None] + values[row[2]]
            row = row[:7] + (rng.choice(choices),)
        elif row[1] == "read" and row[6] == "unknown":
            row = row[:7] + (None,)
        out.append(row)
    return out


def _check(fn: Any, history: History, case: str) -> int:
    expected = sorted(s.read.index for s in stale_reads(history))
    shown = "; ".join(_show_op(op) for op in history)
    got = attempt(fn, history, input=shown if len(shown) <= 2000 else case, case=case)
    try:
        got_set = sorted(set(got))
    except TypeError:
        got_set = None
    if got_set != expected:
        fail(case=case, input=shown if len(shown) <= 2000 else f"{len(history)} operations (see the case)",
             expected=f"stale reads {expected}", got=f"{got!r}",
             hint="a read is stale only if some OK write to its key was invoked strictly after the write of "
                  "the value it returned completed, and completed strictly before the read was invoked; a write's "
                  "value is its input (never its output); writes that failed, whose outcome is unknown or that "
                  "are still pending never count as completed; only ok reads can be stale")
    return len(expected)


def _show_op(op: Any) -> str:
    end = "pending" if op.complete_time is None else f"{op.complete_time:g}"
    value = f"={op.input!r}" if op.f == "write" else ""
    out = f" -> {op.output!r}" if op.f == "read" else (f" (output {op.output!r})" if op.output is not None else "")
    return f"#{op.index} {op.process} {op.f} {op.key}{value} [{op.invoke_time:g}, {end}] {op.outcome}{out}"


@exercise("02-stale-reads", title="Find the stale reads in a history", theme="T02", concepts=("Q03",),
          reference="dsworkbook.storage.quorum.stale_reads")
def grade_stale_reads(stale_read_indices: Any) -> str:
    """``stale_read_indices(history) -> set of op indices``: the stale reads of a history.

    ``history`` is a ``dw.sim.History``: operations with ``index, process, f ('read' or
    'write'), key, input, output, outcome ('ok', 'fail', 'unknown'), invoke_time,
    complete_time``; every write writes a value no other write uses. An ``ok`` read of value
    ``v`` is **stale** when some ``ok`` write ``w2`` to the same key completed before the read
    was invoked and was invoked after ``v``'s write completed (if ``v`` is None, the initial
    value, any such ``w2`` counts; if ``v``'s write is not ``ok``, nothing counts). A write's value
    is its input, whatever its completion carries; an operation still pending has outcome and
    complete_time None. Checked on hand-made histories (equal times at both boundaries, refused
    writes whose completion carries a value, timed-out and pending writes, reads of None), on
    300 random histories and one of 1,500 operations against the reference
    (:func:`~dsworkbook.storage.quorum.stale_reads`), in two worlds, and on the histories of
    N/R/W stores with a far replica (seeds 30-35, N=3 with R+W = 2, 3 and 4).
    """
    need_callable(stale_read_indices, "function stale_read_indices(history)")
    for case, rows in UNITS:
        _check(stale_read_indices, _history(rows), case)
    drawn = list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw))
    for case, rows in drawn:
        _check(stale_read_indices, _history(rows), case)
    big = _history(_draw(random.Random(RANDOM_SEED + 1), processes=60, per=25, pending=False))
    _check(stale_read_indices, big, f"a history of {len(big)} operations (seed {RANDOM_SEED + 1})")
    sample = [_history(rows) for _, rows in drawn[:40]]
    same_everywhere(lambda: [sorted(set(stale_read_indices(h))) for h in sample],
                    input=f"the first 40 random cases (seed {RANDOM_SEED})", case="the first 40 random cases")
    found = 0
    for n, r, w in SETTINGS:
        for seed in SEEDS:
            sim = nrw_sim(seed, n, r, w, ops=20)
            found += _check(stale_read_indices, sim.history, f"seed {seed}: N={n} R={r} W={w}, one writer")
    return (f"right on {len(UNITS)} hand-made histories, {RANDOM_COUNT} random ones and one of {len(big):,} "
            f"operations, and {len(SETTINGS) * len(SEEDS)} simulated ones "
            f"(seeds {SEEDS[0]}-{SEEDS[-1]}), {found} stale reads found in all")
