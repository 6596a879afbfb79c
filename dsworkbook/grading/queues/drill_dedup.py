"""Exercise ``12-drill-dedup``: see its grader's docstring for what the learner writes.

The exercise's small transactional database lives here too (:class:`Database`): the learner's
consumer keeps everything that must survive a crash in it, and the check crashes the process
just before or just after any transaction commits, or after ``handle`` returned but before the
offset was committed.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import _world, attempt, exercise, fail, need_callable, random_cases

__all__ = ["Crash", "Database", "Transaction", "Record", "grade_drill_dedup"]

RANDOM_SEED = 31


class Crash(BaseException):
    """The consumer's process died here (a BaseException, so ``except Exception`` does not stop it)."""


@dataclass(frozen=True)
class Record:
    """One record of the partition: its offset, the producer's message id, an account and an amount."""

    offset: int
    msg_id: str
    account: str
    amount: int


class Transaction:
    """Reads see the transaction's own writes; on a clean exit every put commits at once, or none does."""

    def __init__(self, db: "Database") -> None:
        self.db, self.writes, self.open = db, {}, False

    def __enter__(self) -> "Transaction":
        self.open = True
        return self

    def get(self, key: Any, default: Any = None) -> Any:
        if not self.open:
            raise ConfigError("use the transaction inside its `with db.transaction() as t:` block")
        return self.writes[key] if key in self.writes else self.db._data.get(key, default)

    def put(self, key: Any, value: Any) -> None:
        if not self.open:
            raise ConfigError("use the transaction inside its `with db.transaction() as t:` block")
        self.writes[key] = value

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        self.open = False
        if kind is None:
            self.db._commit(self.writes)
        return False


class Database:
    """A key-value database with transactions; the one thing that survives the consumer's crash."""

    def __init__(self, crash_points: frozenset = frozenset()) -> None:
        self._data: dict[Any, Any] = {}
        self.commits = 0  # commits attempted so far
        self.crash_points = set(crash_points)  # ("before", k) / ("after", k): crash around the k-th commit

    def transaction(self) -> Transaction:
        return Transaction(self)

    def get(self, key: Any, default: Any = None) -> Any:
        """A read outside any transaction (the committed value)."""
        return self._data.get(key, default)

    def _commit(self, writes: dict) -> None:
        self.commits += 1
        k = self.commits
        if ("before", k) in self.crash_points:
            self.crash_points.discard(("before", k))
            raise Crash(f"crash before commit {k}")
        self._data.update(copy.deepcopy(writes))
        if ("after", k) in self.crash_points:
            self.crash_points.discard(("after", k))
            raise Crash(f"crash after commit {k}")


def _handle(consumer: Any, record: Record, process: int) -> bool:
    """True when the process crashed inside handle.

    Each process (a consumer built after a crash) runs in its own world: like a new Python
    process, it hashes strings with another salt, so a de-dup key built with ``hash()`` changes.
    """
    try:
        with _world(100 + process):
            consumer.handle(record)
    except Crash:
        return True
    return False


def deliver(cls: Any, log: list[Record], crashes: frozenset, case: str, shown: str) -> dict[str, int]:
    """Deliver ``log`` at least once to a consumer of class ``cls``, crashing at ``crashes``; the balances."""
    db = Database(frozenset(c for c in crashes if c[0] != "ack"))
    acks = {c[1] for c in crashes if c[0] == "ack"}
    committed, handled, process = 0, 0, 0
    consumer = attempt(cls, db, input=shown, case=case)
    steps = 0
    while committed < len(log):
        steps += 1
        if steps > 10 * (len(log) + len(crashes)) + 10:
            fail(case=case, input=shown, expected="every record handled", got="the delivery loop did not finish",
                 hint="handle(record) must return once the record's effect is in the database")
        record = log[committed]
        if attempt(_handle, consumer, record, process, input=shown, case=case):
            consumer = attempt(cls, db, input=shown, case=case)  # a new process: memory is gone
            process += 1
            continue
        handled += 1
        if handled in acks:  # handle returned, the process died before the offset commit
            acks.discard(handled)
            consumer = attempt(cls, db, input=shown, case=case)
            process += 1
            continue
        committed += 1
    return {a: db._data.get(("balance", a), 0) for a in sorted({r.account for r in log})}


def expected_balances(log: list[Record]) -> dict[str, int]:
    out: dict[str, int] = {a: 0 for a in sorted({r.account for r in log})}
    seen = set()
    for r in log:
        if r.msg_id not in seen:
            seen.add(r.msg_id)
            out[r.account] += r.amount
    return out


def _log(spec: list[tuple[str, str, int]]) -> list[Record]:
    return [Record(i, m, a, x) for i, (m, a, x) in enumerate(spec)]


#: the small log of the hand cases: m2 was retried by the producer and sits at offsets 1 and 3;
#: m3 and m4 credit the same account with the same amount
SMALL = _log([("m1", "alice", 5), ("m2", "bob", 7), ("m3", "alice", 3), ("m2", "bob", 7), ("m4", "alice", 3)])


def _describe(log: list[Record], crashes: frozenset) -> str:
    lines = [f"offset {r.offset}: msg_id={r.msg_id!r} account={r.account!r} amount={r.amount}" for r in log]
    where = ", ".join(f"{'after handle returned #' if c[0] == 'ack' else c[0] + ' commit #'}{c[1]}"
                      for c in sorted(crashes)) or "none"
    return "\n".join(lines) + f"\ncrashes: {where}"


HINTS = {
    "duplicated": "an effect was applied twice: a record comes back after a crash (and a producer's retry comes "
                  "back at a new offset with the same msg_id); write the de-dup mark keyed by msg_id in the same "
                  "transaction as the effect, and check it there",
    "lost": "an effect never landed: mark a message seen only in the transaction that applies its effect, keyed "
            "by msg_id alone (two messages can have the same account and amount; ids are not ordered)",
}


def _compare(cls: Any, log: list[Record], crashes: frozenset, case: str) -> None:
    shown = _describe(log, crashes)
    got = deliver(cls, log, crashes, case, shown)
    expected = expected_balances(log)
    if got != expected:
        more = any(got.get(a, 0) > expected[a] for a in expected)
        fail(case=case, input=shown, expected=f"balances {expected}", got=f"balances {got}",
             hint=HINTS["duplicated" if more else "lost"])


def _draw(rng: random.Random) -> tuple[list[Record], frozenset]:
    n = rng.randint(3, 14)
    spec, ids = [], []
    for i in range(n):
        if ids and rng.random() < 0.3:
            m = rng.choice(ids)  # a producer retry: the same message at a new offset
            spec.append(next(s for s in spec if s[0] == m))
        else:
            m = f"m{len(ids) + 1}"
            ids.append(m)
            spec.append((m, rng.choice(("alice", "bob", "carol")), rng.choice((1, 2, 5, 10, 10))))
    log = _log(spec)
    crashes = set()
    for _ in range(rng.randint(0, 4)):
        crashes.add((rng.choice(("before", "after", "after", "ack")), rng.randint(1, n + 2)))
    return log, frozenset(crashes)


@exercise("12-drill-dedup", title="Drill: an idempotent consumer", theme="T12", concepts=("Q13",), kind="drill",
          reference="dsworkbook.messaging.delivery.Sink.on_message")
def grade_drill_dedup(IdempotentConsumer: Any) -> str:
    """A class ``IdempotentConsumer(db)`` whose ``handle(record)`` adds ``record.amount`` to the
    balance of ``record.account`` (key ``("balance", account)``) exactly once per ``msg_id``,
    however often the record is delivered, with the crash of its process possible around any
    transaction.

    Checked on a small log with every single crash point (before and after each commit, and
    after ``handle`` returned before the offset commit), the same with no crash, then 300 random
    logs (up to 14 records, producer retries at new offsets, ten or more message ids, equal
    amounts) with up to four crashes each; every scenario gets a fresh database, so nothing
    but the database may remember a message, and every process after a crash hashes strings
    with a new salt, as a new Python process does.
    """
    need_callable(IdempotentConsumer, "class IdempotentConsumer")
    _compare(IdempotentConsumer, SMALL, frozenset(), "the small log, no crash")
    points = [(kind, k) for k in range(1, len(SMALL) + 2) for kind in ("before", "after", "ack")]
    for point in points:
        _compare(IdempotentConsumer, SMALL, frozenset({point}), f"the small log, one crash ({point[0]} #{point[1]})")
    many = _log([(f"m{i}", "alice", 1) for i in range(1, 13)] + [("m9", "alice", 1)])
    _compare(IdempotentConsumer, many, frozenset(), "twelve messages, m9 retried")
    cases = list(random_cases(RANDOM_SEED, 300, _draw))
    for case, (log, crashes) in cases:
        _compare(IdempotentConsumer, log, crashes, case)
    return (f"exactly-once effects on the small log with each of {len(points)} crash points, and on "
            f"{len(cases)} random logs with retries and crashes")
