"""Exercises ``03-ryw-check`` and ``03-monotonic-reads``: see the graders' docstrings.

Both read one session's operations with their outcomes. Only ``ok`` operations say anything: a
failed write did not happen, a write whose outcome is unknown may take effect at any time after
its invoke (even after the session's later writes) or never, and a read that failed or timed out
returned nothing. The references are the checkers' own session rules
(:func:`~dsworkbook.checkers._session.ryw_bad_reads`, :func:`~dsworkbook.checkers._session.mr_bad_reads`)
applied to the ``ok`` operations, with positions counted in the whole list.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Iterator

from dsworkbook.checkers._session import mr_bad_reads, ryw_bad_reads
from dsworkbook.checkers.history import READ_FS, from_sim_history
from dsworkbook.checkers.replicas import gossip_run, naive_resolve
from dsworkbook.grading.consistency._common import need_callable
from dsworkbook.grading.core import attempt, exercise, fail, random_cases

RANDOM_SEED, RANDOM_COUNT = 500, 200
STORE_SEEDS = (1, 3, 5)
SESSION_SEEDS = (2, 4)

Op = tuple[str, Any, str]


# -- the references ----------------------------------------------------------------------------------


def ryw_reference(session: list[Op]) -> list[int]:
    """Positions (in the whole list) of the reads that break read-your-writes."""
    kept = [(i, f, v) for i, (f, v, outcome) in enumerate(session) if outcome == "ok"]
    return [kept[k][0] for k, _, _ in ryw_bad_reads([(f, v) for _, f, v in kept])]


def mr_reference(reads: list[tuple[Any, str]]) -> int | None:
    """Position (in the whole list) of the first read that goes back in time, or None."""
    kept = [(i, v) for i, (v, outcome) in enumerate(reads) if outcome == "ok"]
    bad = mr_bad_reads([v for _, v in kept])
    return kept[bad[0][0]][0] if bad else None


# -- inputs --------------------------------------------------------------------------------------------


def _values(rng: random.Random) -> Iterator[Any]:
    """The session's own written values: ints from 0 (0 is a value, not "nothing") or words."""
    return iter(range(rng.choice((0, 0, 5)), 10**6)) if rng.random() < 0.5 else (f"me{k}" for k in itertools.count(1))


def random_session(rng: random.Random, n: int | None = None) -> list[Op]:
    """One session's ops on one key: its writes (ok, failed, unknown) and reads (ok, or failed/timed out)."""
    own, others = _values(rng), (f"other{k}" for k in itertools.count(1))
    ops: list[Op] = []
    readable: list[Any] = [None]          # values a read may return: initial, own writes that may have happened
    for _ in range(n if n is not None else rng.randint(2, 16)):
        if rng.random() < 0.35:
            v = next(own)
            outcome = rng.choices(("ok", "unknown", "fail"), (0.7, 0.15, 0.15))[0]
            ops.append(("write", v, outcome))
            if outcome != "fail":
                readable.append(v)
            continue
        outcome = rng.choices(("ok", "unknown", "fail"), (0.8, 0.1, 0.1))[0]
        if outcome != "ok":
            ops.append(("read", None, outcome))  # it returned nothing
            continue
        v = next(others) if rng.random() < 0.25 else rng.choice(readable[-4:] if rng.random() < 0.5 else readable)
        readable.append(v)
        ops.append(("read", v, "ok"))
    return ops


def random_reads(rng: random.Random, n: int | None = None) -> list[tuple[Any, str]]:
    """One session's reads of one key: mostly moving forward, sometimes back; some failed or timed out."""
    fresh = _values(rng)
    seen: list[Any] = []
    reads: list[tuple[Any, str]] = []
    if rng.random() < 0.5:
        seen.append(None)
        reads.append((None, "ok"))
    for _ in range(n if n is not None else rng.randint(2, 12)):
        r = rng.random()
        if r < 0.12:
            reads.append((None, rng.choice(("unknown", "fail"))))
            continue
        if r < 0.5 or not seen:
            v = next(fresh)
        elif r < 0.8:
            v = seen[-1]
        elif r < 0.9:
            v = rng.choice(seen)
        else:
            v = None
        seen.append(v)
        reads.append((v, "ok"))
    return reads


#: Hand-made sessions for read-your-writes, each with the rule it is aimed at.
RYW_HAND: list[tuple[str, list[Op], str]] = [
    ("a read that timed out after the session's write", [("write", 1, "ok"), ("read", None, "unknown")],
     "a read that failed or timed out returned nothing: it is never a violation"),
    ("a failed write, then an older value", [("write", "a", "ok"), ("write", "b", "fail"), ("read", "a", "ok")],
     "a failed write did not happen: the session's latest write is still the last ok one"),
    ("an unknown write, then a value read before it",
     [("read", "x", "ok"), ("write", "b", "unknown"), ("read", "x", "ok")],
     "a write whose outcome is unknown may not have happened: it is not a write the session can demand to read"),
    ("an unknown write read back after a later write",
     [("write", "a", "unknown"), ("write", "b", "ok"), ("read", "a", "ok")],
     "a write whose outcome is unknown may take effect at any time after its invoke - even after the "
     "session's later write - so reading its value later is fine"),
    ("the value 0, written and then read back after a later write",
     [("write", 0, "ok"), ("write", 1, "ok"), ("read", 0, "ok")],
     "0 is a value the session wrote before its latest write, not the initial value None"),
    ("the initial value after an unknown write only", [("write", 5, "unknown"), ("read", None, "ok")],
     "before the session's first ok write there is nothing it must read"),
    ("two reads of values the session knew before its write",
     [("write", "a", "ok"), ("read", "c", "ok"), ("write", "b", "ok"), ("read", "c", "ok"), ("read", "a", "ok")],
     "a value the session wrote, or read, before its latest ok write is older than that write"),
    ("new values after the write, then one of them again",
     [("write", "a", "ok"), ("read", "p", "ok"), ("read", "q", "ok"), ("read", "p", "ok")],
     "values first seen after the latest write may be newer than it: only values known before the write count"),
]

#: Hand-made read sequences for monotonic reads.
MR_HAND: list[tuple[str, list[tuple[Any, str]], str]] = [
    ("a read that timed out between two reads", [(1, "ok"), (None, "unknown"), (1, "ok")],
     "a read that failed or timed out returned nothing: skip it, it is not the initial value"),
    ("a failed read, then the next value", [("a", "ok"), (None, "fail"), ("b", "ok"), ("a", "ok")],
     "compare a read with the previous read that returned something (ok), not with a failed one"),
    ("the value 0 read first", [(0, "ok"), (1, "ok"), (0, "ok")],
     "0 is a value like any other: it was seen before 1, so going back to it is a regression"),
    ("the initial value twice in a row", [(None, "ok"), (None, "ok"), ("a", "ok")],
     "reading the initial value again before any written value is not going back"),
    ("a value seen long ago", [("a", "ok"), ("b", "ok"), ("b", "ok"), ("c", "ok"), ("b", "ok")],
     "a value seen before the previous read's value was first seen is older than it"),
    ("a value never seen before, after several", [("c", "ok"), ("a", "ok"), ("b", "ok")],
     "a value never seen before may be newer: it is not a regression"),
]


def store_sessions() -> list[tuple[str, list[Op]]]:
    """(name, session) per (process, key) of store runs: the seed notes' resolver (sticky clients), and
    clients that go to any replica under partitions with no session rule at all."""
    from dsworkbook.storage.stores.session import session_run

    class NoRule:  # every replica may serve every request
        def start(self) -> None:
            return None

        def admit(self, token: Any, op: str, replica: str, vector: Any) -> bool:
            return True

        def advance(self, token: Any, op: str, replica: str, vector: Any) -> None:
            return None

    runs = [(f"gossip store, seed={s}", gossip_run(s, resolve=naive_resolve).history) for s in STORE_SEEDS]
    runs += [(f"any-replica clients under partitions, seed={s}", session_run(s, NoRule()).history)
             for s in SESSION_SEEDS]
    out = []
    for label, sim_history in runs:
        sessions: dict[tuple[Any, Any], list[Op]] = {}
        for op in from_sim_history(sim_history):
            read = op.f in READ_FS
            value = (op.output if op.outcome == "ok" else None) if read else op.input
            sessions.setdefault((op.process, op.key), []).append(("read" if read else "write", value, op.outcome))
        out += [(f"{label}, session {p} on key {k!r}", s) for (p, k), s in sessions.items()]
    return out


# -- read-your-writes ------------------------------------------------------------------------------------


@exercise("03-ryw-check", title="Read-your-writes: find the reads that miss the session's own write", theme="T03",
          concepts=("M01", "M03"), reference="dsworkbook.checkers._session.ryw_bad_reads")
def grade_ryw(ryw_violations: Any) -> str:
    """A function ``ryw_violations(session) -> list of positions``.

    ``session`` is one session's operations on one key, in order: ``(f, value, outcome)`` with
    ``f`` ``"write"`` or ``"read"`` and ``outcome`` ``"ok"``, ``"fail"`` or ``"unknown"`` (a
    read that did not complete ok carries ``None``: it returned nothing). ``None`` is the
    initial value; written values are distinct. Return the positions of the ``ok`` reads that
    break read-your-writes: after the session's latest ``ok`` write, a read that returns the
    initial value, or a value the session already knew to be older than that write - one it
    wrote ``ok``, or read, before it. A failed write did not happen; a write whose outcome is
    unknown may take effect at any time after its invoke, or never. Graded on hand-made
    sessions, 200 seeded random ones, two long ones (1,000 and 3,000 operations) and every
    session of five store runs.
    """
    need_callable(ryw_violations, "function ryw_violations(session)")
    cases = [(name, s, hint) for name, s, hint in RYW_HAND]
    cases += [(name, random_session(random.Random(seed)), "") for name, seed in
              random_cases(RANDOM_SEED, RANDOM_COUNT, lambda rng: rng.randrange(10**6))]
    cases += [(f"a long session of {n} operations", random_session(random.Random(n), n), "") for n in (1000, 3000)]
    cases += [(name, s, "") for name, s in store_sessions()]
    flagged = 0
    for name, session, hint in cases:
        want = ryw_reference(session)
        got = attempt(ryw_violations, list(session), input=session, case=name)
        if not _same_positions(got, want):
            fail(case=name, input=session, expected=want, got=got, hint=hint or _ryw_hint(session, want, got))
        flagged += len(want)
    return (f"{len(cases)} sessions (hand-made, {RANDOM_COUNT} random with seed {RANDOM_SEED}, long ones, and store "
            f"runs): all {flagged} bad reads found, no false alarm")


def _same_positions(got: Any, want: list[int]) -> bool:
    if not isinstance(got, (list, tuple)) or any(isinstance(i, bool) or not isinstance(i, int) for i in got):
        return False
    return sorted(got) == want


def _ryw_hint(session: list[Op], want: list[int], got: Any) -> str:
    if not isinstance(got, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) for i in got):
        return "return a list of positions (ints) of the bad reads, [] when there is none"
    extra = sorted(set(got) - set(want), key=repr)
    if extra:
        i = extra[0]
        if not isinstance(i, int) or not 0 <= i < len(session):
            return f"{i!r} is not a position in the session (0 to {len(session) - 1})"
        f, value, outcome = session[i]
        if f != "read" or outcome != "ok":
            return f"position {i} ({session[i]}) is not an ok read: only ok reads returned something"
        return (f"position {i} ({session[i]}) is fine: only ok writes count as the session's writes, and a value "
                "the session had not seen before its latest ok write may be newer than that write")
    missing = sorted(set(want) - set(got))
    if not missing:
        return "list each bad read's position once, as ints"
    i = missing[0]
    return (f"position {i} ({session[i]}) breaks read-your-writes: that value was known to the session (written "
            "ok, or read) before its latest ok write, or it is the initial value")


# -- monotonic reads -----------------------------------------------------------------------------------


@exercise("03-monotonic-reads", title="Monotonic reads: find where a session's reads go back", theme="T03",
          concepts=("M01", "M03"), reference="dsworkbook.checkers._session.mr_bad_reads")
def grade_monotonic_reads(first_regression: Any) -> str:
    """A function ``first_regression(reads) -> position or None``.

    ``reads`` are one session's reads of one key, in order, as ``(value, outcome)``: ``outcome``
    is ``"ok"``, ``"fail"`` or ``"unknown"``, and a read that did not complete ok returned
    nothing (its value is ``None``). ``None`` is the initial value; written values are distinct.
    Return the position of the first ``ok`` read that goes back in time - it returns the initial
    value after a written one, or a value the session had already seen *before* it first saw the
    value of the previous ``ok`` read - or None. Graded on hand-made sequences, 200 seeded random
    ones, two long ones and the sessions of five store runs.
    """
    need_callable(first_regression, "function first_regression(reads)")
    cases = [(name, r, hint) for name, r, hint in MR_HAND]
    cases += [(name, random_reads(random.Random(seed)), "") for name, seed in
              random_cases(RANDOM_SEED + 1, RANDOM_COUNT, lambda rng: rng.randrange(10**6))]
    cases += [(f"a long sequence of {n} reads", _long_reads(n), "") for n in (1000, 3000)]
    cases += [(name, [(v, o) for f, v, o in s if f == "read"], "") for name, s in store_sessions()]
    regress = 0
    for name, reads, hint in cases:
        want = mr_reference(reads)
        got = attempt(first_regression, list(reads), input=reads, case=name)
        if got != want or isinstance(got, bool):
            fail(case=name, input=reads, expected=want, got=got, hint=hint or _mr_hint(reads, want, got))
        regress += want is not None
    return f"{len(cases)} read sequences ({regress} go back in time): every first regression found, no false alarm"


def _long_reads(n: int) -> list[tuple[Any, str]]:
    """Reads that only move forward or repeat for ``n - 1`` reads, then go back to a value from the start."""
    rng = random.Random(n)
    reads = [(0, "ok")]
    v = 0
    for _ in range(n - 2):
        if rng.random() < 0.1:
            reads.append((None, "unknown"))
        else:
            v += rng.random() < 0.5
            reads.append((v, "ok"))
    return reads + [(0, "ok")]


def _mr_hint(reads: list[tuple[Any, str]], want: int | None, got: Any) -> str:
    if want is None:
        return "these reads never go back: a value never seen before may be newer, and reads that failed or timed " \
               "out returned nothing"
    prev = next(reads[j][0] for j in range(want - 1, -1, -1) if reads[j][1] == "ok")
    return (f"position {want}: {reads[want][0]!r} was seen before {prev!r} (the previous ok read) was first seen, or "
            "it is the initial value after a written one")
