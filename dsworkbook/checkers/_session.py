"""Session guarantees and convergence: what one client can notice, and whether replicas agree.

Theory of operation
-------------------
Terry, Demers, Petersen, Spreitzer, Theimer & Welch ("Session guarantees for weakly consistent
replicated data", PDIS 1994) name the promises a store can make to one *session* (here: one
process) even when replicas disagree. Without access to the store's internals, a checker can
only use what the session itself knew, so "older" below means older *as the session could
tell*. Both checks need distinct written values per key (so a read names its write).

* **Read your writes**: once a session has written ``v`` to a key, its later reads of that key
  return ``v`` or something that might be newer - never the initial value, and never a value the
  session already knew to be older than its own write: one it wrote, or read, before writing
  ``v``.
* **Monotonic reads**: once a session has read ``v``, its later reads of that key never return
  a value it knew to be older than ``v`` - the initial value (after a written one), or a value
  it had seen before it first saw ``v``. The sequence of values a session reads therefore never
  goes back; two sessions may still see concurrent writes in opposite orders.

Both are implied by causal memory, and neither implies the other. A read of a value that no
write wrote breaks both (it breaks every model).

* **Convergence** (the safety half of eventual consistency; Vogels 2009, Burckhardt 2014):
  once the writes to a key stop, the replicas come to agree. The check looks at the reads of
  each key that began after the key's last write had completed (an unknown write counts from
  when the client gave up) plus ``settle``, and asks that every process's *last* such read
  return the same value; it cannot judge a key that nobody read after the writes stopped, and
  says so.
"""

from __future__ import annotations

import math
from typing import Any, Hashable, Sequence

from dsworkbook.checkers.history import READ_FS, WRITE_FS, Operation

__all__ = ["ryw_violation", "mr_violation", "convergence_violation", "thin_air", "ryw_bad_reads", "mr_bad_reads"]

Violation = tuple[list[Operation], str]


def _sessions(ops: Sequence[Operation]) -> dict[tuple[Hashable, Hashable], list[Operation]]:
    """(process, key) -> that session's ok operations on that key, in session order."""
    out: dict[tuple[Hashable, Hashable], list[Operation]] = {}
    for op in sorted(ops, key=lambda o: o.invoke_time):
        if op.outcome == "ok" and op.f in READ_FS | WRITE_FS:
            out.setdefault((op.process, op.key), []).append(op)
    return out


def _writer(ops: Sequence[Operation]) -> dict[tuple[Hashable, Any], Operation]:
    return {(op.key, op.input): op for op in ops if op.f in WRITE_FS}


def thin_air(ops: Sequence[Operation], initial: Any) -> Violation | None:
    """A read of a value nobody wrote breaks every model: the session checks report it first."""
    writer = _writer(ops)
    for op in ops:
        if op.f in READ_FS and op.outcome == "ok" and op.output != initial and (op.key, op.output) not in writer:
            return [op], f"{op} returned {op.output!r}, a value no write wrote"
    return None


def ryw_bad_reads(session: Sequence[tuple[str, Any]], initial: Any = None) -> list[tuple[int, int, int | None]]:
    """One session's operations on one key, as ``(f, value)`` pairs: the reads that break read-your-writes.

    Returns ``(read position, position of the session's latest write before it, position of the
    op that made the returned value known-older, or None for the initial value)`` per bad read.
    """
    known: dict[Any, int] = {}        # values known to be older than the latest own write -> where learned
    seen_since: dict[Any, int] = {}   # values read since the latest own write
    latest: int | None = None
    bad = []
    for i, (f, value) in enumerate(session):
        if f in WRITE_FS:
            if latest is not None:
                known.setdefault(session[latest][1], latest)
            for v, j in seen_since.items():
                known.setdefault(v, j)
            seen_since, latest = {}, i
        elif latest is not None and (value == initial or value in known):
            bad.append((i, latest, None if value == initial else known[value]))
        else:
            seen_since.setdefault(value, i)
    return bad


def mr_bad_reads(values: Sequence[Any], initial: Any = None) -> list[tuple[int, int, int | None]]:
    """The values one session read from one key, in order: the reads that go back in time.

    Returns ``(position, position of the previous read, position where the returned value was
    first seen, or None for the initial value)`` per bad read.
    """
    first_seen: dict[Any, int] = {}
    bad = []
    for i, v in enumerate(values):
        if i and v != values[i - 1]:
            cur = values[i - 1]
            if (v == initial and cur != initial) or (v in first_seen and first_seen[v] < first_seen[cur]):
                bad.append((i, i - 1, None if v == initial else first_seen[v]))
        first_seen.setdefault(v, i)
    return bad


def _evidence(session: Sequence[Operation], positions: Sequence[int | None], writer: dict, key: Hashable,
              value: Any) -> list[Operation]:
    shown = [session[p] for p in positions if p is not None]
    src = writer.get((key, value))
    if src is not None:
        shown.append(src)
    return sorted(dict.fromkeys(shown), key=lambda o: o.invoke_time)


def ryw_violation(ops: Sequence[Operation], initial: Any) -> Violation | None:
    """The first read-your-writes violation (the operations that show it, and a sentence), or None."""
    found = thin_air(ops, initial)
    if found:
        return found
    writer = _writer(ops)
    for (process, key), session in _sessions(ops).items():
        bad = ryw_bad_reads([("write" if op.f in WRITE_FS else "read", op.value) for op in session], initial)
        if bad:
            i, w, k = bad[0]
            op, own = session[i], session[w]
            why = ("the initial value" if k is None else
                   f"{op.output!r}, which it {'wrote' if session[k].f in WRITE_FS else 'had read'} before writing "
                   f"{own.input!r}")
            return _evidence(session, (w, i, k), writer, key, op.output), (
                f"process {process!r} wrote {own.input!r} ({own}) and then read {why} ({op})")
    return None


def mr_violation(ops: Sequence[Operation], initial: Any) -> Violation | None:
    """The first monotonic-reads violation, or None."""
    found = thin_air(ops, initial)
    if found:
        return found
    writer = _writer(ops)
    for (process, key), session in _sessions(ops).items():
        reads = [op for op in session if op.f in READ_FS]
        bad = mr_bad_reads([op.output for op in reads], initial)
        if bad:
            i, prev, first = bad[0]
            op, cur = reads[i], reads[prev]
            shown = _evidence(reads, (first, prev, i), writer, key, op.output)
            src = writer.get((key, cur.output))
            if src is not None and src not in shown:
                shown = sorted(shown + [src], key=lambda o: o.invoke_time)
            had = "known as the initial one" if first is None else f"seen before {cur.output!r}"
            return shown, (f"process {process!r} read {cur.output!r} ({cur}) and later {op.output!r} ({op}), a value "
                           f"it had {had}: its reads went back in time")
    return None


def _quiet_from(ops: Sequence[Operation], key: Hashable, mutating: set[str]) -> float:
    last = -math.inf
    for op in ops:
        if op.key == key and op.f in mutating and op.outcome != "fail":
            end = op.complete_time if math.isfinite(op.complete_time) else op.invoke_time
            last = max(last, end)
    return last


def convergence_violation(ops: Sequence[Operation], settle: float,
                          read_fs: frozenset[str] = READ_FS) -> tuple[Violation | None, dict[Hashable, Any], list[Any]]:
    """(violation or None, key -> the value the final reads agree on, keys with no read after the writes).

    For each key: the writes stop at ``quiet`` (the last completion, or give-up time of an unknown
    write); among the reads that began after ``quiet + settle``, each process's last one must
    return the same value.
    """
    keys = list(dict.fromkeys(op.key for op in ops))
    mutating = {op.f for op in ops if op.f not in read_fs}
    agreed: dict[Hashable, Any] = {}
    unread: list[Any] = []
    for key in keys:
        quiet = _quiet_from(ops, key, mutating) + settle
        final: dict[Hashable, Operation] = {}
        for op in sorted(ops, key=lambda o: o.invoke_time):
            if op.key == key and op.f in read_fs and op.outcome == "ok" and op.invoke_time > quiet:
                final[op.process] = op
        if not final:
            unread.append(key)
            continue
        values = list(dict.fromkeys(op.output for op in final.values()))
        if len(values) > 1:
            a = next(op for op in final.values() if op.output == values[0])
            b = next(op for op in final.values() if op.output == values[1])
            where = "" if key is None else f" of key {key!r}"
            return ([a, b], f"after the writes{where} stopped (t={quiet:g}), the processes' last reads still "
                    f"disagree: {a} and {b}"), {}, []
        agreed[key] = values[0]
    return None, agreed, unread
