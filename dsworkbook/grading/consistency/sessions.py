"""Exercises ``03-ryw-check`` and ``03-monotonic-reads``: see the graders' docstrings."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.checkers._session import mr_bad_reads, ryw_bad_reads
from dsworkbook.checkers.history import READ_FS, from_sim_history
from dsworkbook.checkers.replicas import gossip_run, naive_resolve
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.consistency._common import need_callable

RANDOM_SEEDS = tuple(range(500, 560))
STORE_SEEDS = (1, 3, 5)


def random_session(seed: int) -> list[tuple[str, Any]]:
    """One session's ops on one key: its own writes, reads of its own, others', older and initial values."""
    rng = random.Random(seed)
    ops: list[tuple[str, Any]] = []
    mine, seen = 0, [None]
    for _ in range(rng.randint(4, 14)):
        if rng.random() < 0.35:
            mine += 1
            ops.append(("write", f"me{mine}"))
            continue
        pool = seen + [f"me{k}" for k in range(1, mine + 1)] + [f"other{rng.randint(1, 4)}"]
        value = rng.choice(pool)
        ops.append(("read", value))
        seen.append(value)
    return ops


def random_reads(seed: int) -> list[Any]:
    """One session's read values on one key: mostly moving forward, sometimes back."""
    rng = random.Random(seed)
    values: list[Any] = [None] if rng.random() < 0.5 else []
    fresh = iter(f"v{k}" for k in range(1, 100))
    for _ in range(rng.randint(3, 10)):
        r = rng.random()
        if r < 0.45 or not values:
            values.append(next(fresh))
        elif r < 0.8:
            values.append(values[-1])
        else:
            values.append(rng.choice(values))
    return values


def store_sessions() -> list[tuple[str, list[tuple[str, Any]]]]:
    """(name, session) per (process, key) of gossip-store runs that use the seed notes' resolver."""
    out = []
    for seed in STORE_SEEDS:
        h = from_sim_history(gossip_run(seed, resolve=naive_resolve).history)
        sessions: dict[tuple[Any, Any], list[tuple[str, Any]]] = {}
        for op in h:
            if op.outcome == "ok":
                sessions.setdefault((op.process, op.key), []).append(
                    ("read", op.output) if op.f in READ_FS else ("write", op.input))
        out += [(f"store run seed={seed}, session {p} on key {k!r}", s) for (p, k), s in sessions.items()]
    return out


@exercise("03-ryw-check", title="Read-your-writes: find the reads that miss the session's own write", theme="T03",
          concepts=("M03",))
def grade_ryw(ryw_violations: Any) -> str:
    """A function ``ryw_violations(session) -> list of positions``.

    ``session`` is one session's operations on one key, in order: ``("write", v)`` or
    ``("read", v)`` (``None`` is the initial value; written values are distinct). Return the
    positions of the reads that break read-your-writes: a read after the session's own write
    that returns the initial value, or a value the session already knew to be older than its
    latest write - one it wrote, or read, before that write. Values the session never saw
    before its write may be newer: they are fine. Graded on 60 seeded sessions and on every
    session of three gossip-store runs (seeds 1, 3, 5) that use the seed notes' resolver.
    """
    need_callable(ryw_violations, "function ryw_violations(session)")
    cases = [(f"random session seed={s}", random_session(s)) for s in RANDOM_SEEDS] + store_sessions()
    flagged = 0
    for name, session in cases:
        want = [i for i, _, _ in ryw_bad_reads(session)]
        got = attempt(ryw_violations, list(session), input=session, case=name)
        if not isinstance(got, (list, tuple)) or sorted(got) != want:
            fail(case=name, input=session, expected=want, got=got, hint=_ryw_hint(session, want, got))
        flagged += len(want)
    return f"{len(cases)} sessions ({len(RANDOM_SEEDS)} random, {len(cases) - len(RANDOM_SEEDS)} from store runs " \
           f"seeds {STORE_SEEDS}): all {flagged} bad reads found, no false alarm"


def _ryw_hint(session: list[tuple[str, Any]], want: list[int], got: Any) -> str:
    if not isinstance(got, (list, tuple)):
        return "return a list of positions (ints) of the bad reads, [] when there is none"
    extra = sorted(set(got) - set(want))
    if extra:
        i = extra[0]
        return (f"position {i} ({session[i]}) is fine: a value the session had not seen before its latest write "
                "may be newer than that write")
    i = sorted(set(want) - set(got))[0]
    return (f"position {i} ({session[i]}) breaks read-your-writes: that value was known to the session (written or "
            "read by it) before its latest write, or it is the initial value")


@exercise("03-monotonic-reads", title="Monotonic reads: find where a session's reads go back", theme="T03",
          concepts=("M03",))
def grade_monotonic_reads(first_regression: Any) -> str:
    """A function ``first_regression(values) -> position or None``.

    ``values`` are the values one session read from one key, in order (``None`` is the
    initial value; each written value is distinct). Return the position of the first read that
    goes back in time - it returns the initial value after a written one, or a value the session
    had already seen *before* it first saw the value of the previous read - or None. Reading
    the same value again is fine, and so is a value never seen before (it may be newer).
    Graded on 60 seeded sequences and on the sessions of three gossip-store runs.
    """
    need_callable(first_regression, "function first_regression(values)")
    cases = [(f"random reads seed={s}", random_reads(s)) for s in RANDOM_SEEDS]
    cases += [(name, [v for f, v in s if f == "read"]) for name, s in store_sessions()]
    regress = 0
    for name, values in cases:
        bad = mr_bad_reads(values)
        want = bad[0][0] if bad else None
        got = attempt(first_regression, list(values), input=values, case=name)
        if got != want:
            why = (f"position {want}: {values[want]!r} was seen before {values[want - 1]!r} (or is the initial value)"
                   if want is not None else "these reads never go back: a new value may be newer")
            fail(case=name, input=values, expected=want, got=got, hint=why)
        regress += want is not None
    return f"{len(cases)} read sequences ({regress} go back in time): every first regression found"
