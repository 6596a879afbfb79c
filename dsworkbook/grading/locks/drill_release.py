"""Exercise ``09-drill-release``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.locks.server import LockTable

RANDOM_SEED = 9
RESOURCES = ("file", "orders", "jobs")
#: acquisition values: the same client acquires again with a new random suffix
VALUES = ("c1:0a3f", "c1:77b2", "c2:5e10", "c2:9c04", "c3:d1e8", "c10:4b6a")

Op = tuple  # ("set", r, v, ttl, now) | ("release", r, v, now) | ("extend", r, v, ttl, now)


def need_table_class(answer: Any) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, LockTable)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of NotesTable (a LockTable)",
             got=type(answer).__name__, hint="write class OwnerCheckedTable(NotesTable) and pass the class itself")


def _state(table: LockTable, now: float) -> dict[str, tuple[str, float] | None]:
    """What a client can observe: per resource, the holder and the expiry at ``now`` (None: free)."""
    out: dict[str, tuple[str, float] | None] = {}
    for r in RESOURCES:
        entry = table.entries.get(r)
        out[r] = None if entry is None or now >= entry[1] else (entry[0], entry[1])
    return out


def _apply(table: LockTable, op: Op, *, shown: str, case: str) -> Any:
    kind = op[0]
    if kind == "set":
        return attempt(table.set_nx, op[1], op[2], op[3], op[4], input=shown, case=case)
    if kind == "release":
        return attempt(table.release, op[1], op[2], op[3], input=shown, case=case)
    return attempt(table.extend, op[1], op[2], op[3], op[4], input=shown, case=case)


def _show(op: Op) -> str:
    kind = op[0]
    if kind == "set":
        return f"t={op[4]:g}: set_nx({op[1]!r}, {op[2]!r}, ttl={op[3]:g})"
    if kind == "release":
        return f"t={op[3]:g}: release({op[1]!r}, {op[2]!r})"
    return f"t={op[4]:g}: extend({op[1]!r}, {op[2]!r}, ttl={op[3]:g})"


def _now(op: Op) -> float:
    return op[3] if op[0] == "release" else op[4]


def _ok_of(got: Any) -> Any:
    """The ok flag of a ``(ok, reason)`` reply, or a marker saying the form is wrong."""
    if isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], bool) and isinstance(got[1], str):
        return got[0]
    return ("not an (ok, reason) pair", got)


def run_sequence(cls: type, ops: list[Op]) -> list[tuple[Any, dict]]:
    """Each operation's ok flag and the observable table after it, for table class ``cls``."""
    table = cls()
    out = []
    for op in ops:
        got = _apply(table, op, shown=_show(op), case="a sequence")
        out.append((got if op[0] == "set" else _ok_of(got), _state(table, _now(op))))
    return out


HINTS = {
    "owner": "release and extend must first find who holds the key now (self.holder(resource, now), which treats an "
             "expired key as free) and refuse unless it holds exactly the caller's value - the whole value, not "
             "the client part before the colon",
    "expired": "a key whose expiry is at or before now is free: self.holder(resource, now) returns None then, "
               "and neither release nor extend may succeed on it",
    "extend": "extend makes the key expire ttl ms after now (now + ttl), not ttl after its old expiry",
    "form": "return a pair (ok, reason): ok a bool, reason a str for people",
    "other": "touch only the resource named in the call",
}

#: (case, ops, hint key)
HAND: list[tuple[str, list[Op], str]] = [
    ("c1's key expired at t=100 and c2 took it at t=120; c1 releases at t=130",
     [("set", "file", "c1:0a3f", 100, 0), ("set", "file", "c2:5e10", 100, 120), ("release", "file", "c1:0a3f", 130)],
     "owner"),
    ("c1 extends c2's lock",
     [("set", "file", "c2:5e10", 100, 0), ("extend", "file", "c1:0a3f", 100, 50)], "owner"),
    ("c1 acquired at t=0 (c1:0a3f) and again at t=150 (c1:77b2); its first round's late release at t=160",
     [("set", "file", "c1:0a3f", 100, 0), ("set", "file", "c1:77b2", 100, 150), ("release", "file", "c1:0a3f", 160)],
     "owner"),
    ("release exactly at the expiry instant (ttl 100 from t=0, release at t=100)",
     [("set", "file", "c1:0a3f", 100, 0), ("release", "file", "c1:0a3f", 100)], "expired"),
    ("extend exactly at the expiry instant", [("set", "file", "c1:0a3f", 100, 0), ("extend", "file", "c1:0a3f", 100, 100)],
     "expired"),
    ("extend after the own key expired, nobody took it",
     [("set", "file", "c1:0a3f", 100, 0), ("extend", "file", "c1:0a3f", 100, 150)], "expired"),
    ("release of a lock nobody holds", [("release", "file", "c1:0a3f", 10)], "expired"),
    ("extend at t=60 with ttl 100 (acquired at t=0 with ttl 100)",
     [("set", "file", "c1:0a3f", 100, 0), ("extend", "file", "c1:0a3f", 100, 60)], "extend"),
    ("two resources: c1 releases file while c2 holds orders",
     [("set", "file", "c1:0a3f", 100, 0), ("set", "orders", "c2:5e10", 100, 5), ("release", "file", "c1:0a3f", 20)],
     "other"),
    ("c1 releases its own live lock, then c2 acquires",
     [("set", "file", "c1:0a3f", 100, 0), ("release", "file", "c1:0a3f", 40), ("set", "file", "c2:5e10", 100, 41)],
     "owner"),
]


def _draw(rng: random.Random) -> list[Op]:
    ops: list[Op] = []
    now = 0.0
    recent: list[tuple[str, str, float]] = []  # (resource, value, expiry) of sets, to aim at expiry instants
    for _ in range(rng.randint(3, 14)):
        step = rng.choice((0.0, 1.0, 5.0, 20.0, 50.0, 99.0))
        if recent and rng.random() < 0.25:  # land exactly on an expiry
            now = max(now, rng.choice(recent)[2])
        else:
            now += step
        r = rng.choice(RESOURCES[: rng.randint(1, 3)])
        v = rng.choice(VALUES)
        ttl = float(rng.choice((1, 10, 40, 100, 250)))
        kind = rng.choice(("set", "set", "release", "extend"))
        if kind == "set":
            ops.append(("set", r, v, ttl, now))
            recent.append((r, v, now + ttl))
        elif kind == "release":
            if recent and rng.random() < 0.5:  # a value that did acquire this resource
                r, v = rng.choice(recent)[:2]
            ops.append(("release", r, v, now))
        else:
            if recent and rng.random() < 0.5:
                r, v = rng.choice(recent)[:2]
            ops.append(("extend", r, v, ttl, now))
            recent.append((r, v, now + ttl))
    return ops


def _compare(cls: type, ops: list[Op], case: str, hint: str) -> None:
    expected = run_sequence(LockTable, ops)
    got = run_sequence(cls, ops)
    shown = "\n".join(_show(op) for op in ops)
    for k, (op, exp, g) in enumerate(zip(ops, expected, got)):
        if exp != g:
            if g[0] != exp[0] and not isinstance(g[0], bool):
                h = HINTS["form"]
            else:
                h = hint
            fail(case=f"{case}, operation {k + 1}: {_show(op)}", input=shown,
                 expected=f"ok={exp[0]!r}, then held: {exp[1]}", got=f"ok={g[0]!r}, then held: {g[1]}", hint=h)


def _hint_for(ops: list[Op], k: int) -> str:
    """The rule that step ``k`` of ``ops`` exercises, judged on the reference's table before it."""
    ref = LockTable()
    for op in ops[:k]:
        _apply(ref, op, shown=_show(op), case="reference")
    op = ops[k]
    holder = ref.holder(op[1], _now(op))
    if op[0] == "set":
        return "other"
    if holder is None:
        return "expired"
    if holder != op[2]:
        return "owner"
    return "extend" if op[0] == "extend" else "other"


@exercise("09-drill-release", title="Drill: release and extend only your own lock", theme="T09", concepts=("L01",),
          kind="drill", reference=("dsworkbook.locks.server.LockTable.release", "dsworkbook.locks.server.LockTable.extend"))
def grade_drill_release(OwnerCheckedTable: Any) -> str:
    """A subclass of ``NotesTable`` (a :class:`~dsworkbook.locks.server.LockTable`) whose ``release``
    and ``extend`` compare the value and treat an expired key as free.

    ``release(resource, value, now)`` deletes the key only if ``value`` holds it at ``now`` and
    returns ``(True, reason)``, else ``(False, reason)``; ``extend(resource, value, ttl, now)``
    makes the key expire at ``now + ttl`` under the same condition. A key whose expiry is ``<=
    now`` is free. Checked on hand-made sequences with pointed hints (an expired holder's
    release after a takeover, the same client's older acquisition, the exact expiry instant,
    extend from now rather than from the old expiry, two resources), then on 400 random
    sequences of up to 14 operations over three resources (a quarter of the steps landing
    exactly on an expiry), comparing after every step the ok flag and who holds each resource
    until when; and in two worlds.
    """
    need_table_class(OwnerCheckedTable)
    for case, ops, key in HAND:
        _compare(OwnerCheckedTable, ops, case, HINTS[key])
    cases = list(random_cases(RANDOM_SEED, 400, _draw))
    for case, ops in cases:
        expected = run_sequence(LockTable, ops)
        got = run_sequence(OwnerCheckedTable, ops)
        if expected != got:
            k = next(i for i, (e, g) in enumerate(zip(expected, got)) if e != g)
            _compare(OwnerCheckedTable, ops[: k + 1], case, HINTS[_hint_for(ops, k)])
    seq = cases[7][1]
    same_everywhere(run_sequence, OwnerCheckedTable, seq, input="\n".join(_show(op) for op in seq),
                    case="random case 8, run in two worlds")
    return (f"release and extend right on {len(HAND)} hand-made sequences and {len(cases)} random ones "
            "(expired holders, takeovers, the exact expiry instant, several resources); the same in two worlds")
