"""The isolation scenarios on a real PostgreSQL server, two sessions driven step by step.

Each transaction of a scenario gets its own psycopg 3 connection (autocommit on, so the explicit
``BEGIN ISOLATION LEVEL ...`` and ``COMMIT`` are the statements the scenario lists; psycopg 3 docs,
"Transactions management", autocommit). Statements run on one worker thread per connection, so
a statement that waits for a row lock cannot stall the driver. The driver decides "blocked"
without guessing from a timeout: while the statement has not returned, it asks a third,
monitoring connection for that backend's ``wait_event_type`` in ``pg_stat_activity``
(PostgreSQL documentation 28.2.3 "pg_stat_activity"; ``Lock`` = waiting for a heavyweight lock).
Every session also has ``statement_timeout`` set, so a mistake ends in an error, never a hang.

An error with SQLSTATE 40001 (``serialization_failure``) or 40P01 (``deadlock_detected``) rolls
the transaction back and is reported to the driver, which retries the transaction
(PostgreSQL documentation 13.2.2 and 13.2.3: "applications using this level must be prepared to
retry transactions due to serialization failures").

PostgreSQL accepts READ UNCOMMITTED but runs it as READ COMMITTED (13.2, Table 13.1); the
comparison table runs it anyway, so the reader sees the difference from the ANSI level.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.isolation import isolation_runs
from dsworkbook.transactions.isolation_model import (LEVELS, SCENARIOS, TXNS, Abort, Commit, Count, Insert,
                                                      Outcome, Read, ScenarioRun, SerializationFailure, Step,
                                                      Write, check_level)

if TYPE_CHECKING:
    import pandas as pd

    from dsworkbook.realservers.servers import PostgresServer

__all__ = ["PostgresEngine", "postgres_isolation_runs", "isolation_comparison"]

RETRYABLE = ("40001", "40P01")


class PostgresEngine:
    """The :class:`~dsworkbook.transactions.isolation_model.Engine` for a real server (table ``kv``)."""

    def __init__(self, server: PostgresServer, dbname: str = "postgres", *, table: str = "kv",
                 statement_timeout_ms: int = 10_000, block_after_s: float = 5.0) -> None:
        if not table.isidentifier():
            raise ConfigError(f"table must be a plain identifier, got {table!r}")
        self.table, self.block_after_s = table, block_after_s
        self.admin = server.connect(dbname)
        self.monitor = server.connect(dbname)
        self.sessions = {t: server.connect(dbname) for t in TXNS}
        self.pids = {t: c.info.backend_pid for t, c in self.sessions.items()}
        for c in self.sessions.values():
            c.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
        self.workers = {t: ThreadPoolExecutor(1, thread_name_prefix=f"pg-{t}") for t in TXNS}
        self.pending: dict[str, Future[Any]] = {}
        self.admin.execute(f"CREATE TABLE IF NOT EXISTS {table} (k text PRIMARY KEY, v integer)")

    def close(self) -> None:
        for w in self.workers.values():
            w.shutdown(wait=True)
        for c in [self.admin, self.monitor, *self.sessions.values()]:
            c.close()

    def __enter__(self) -> PostgresEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self, rows: dict[str, int]) -> None:
        for c in self.sessions.values():
            c.execute("ROLLBACK")                   # nothing may hold the table (a warning if idle)
        self.admin.execute(f"TRUNCATE {self.table}")
        with self.admin.cursor() as cur:
            cur.executemany(f"INSERT INTO {self.table} VALUES (%s, %s)", list(rows.items()))

    def begin(self, txn: str, level: str) -> None:
        self.sessions[txn].execute(f"BEGIN ISOLATION LEVEL {check_level(level)}")

    def rows(self) -> dict[str, int]:
        return dict(self.admin.execute(f"SELECT k, v FROM {self.table}").fetchall())

    def _sql(self, step: Step, value: int | None) -> tuple[str, tuple[object, ...]]:
        t = self.table
        if isinstance(step, Read):
            return f"SELECT v FROM {t} WHERE k = %s", (step.key,)
        if isinstance(step, Count):
            return f"SELECT count(*) FROM {t} WHERE v > 0", ()
        if isinstance(step, Write):
            return f"UPDATE {t} SET v = %s WHERE k = %s", (value, step.key)
        if isinstance(step, Insert):
            return f"INSERT INTO {t} VALUES (%s, %s)", (step.key, value)
        if isinstance(step, Commit):
            return "COMMIT", ()
        if isinstance(step, Abort):
            return "ROLLBACK", ()
        raise ConfigError(f"unknown step {step!r}")

    def _run(self, txn: str, sql: str, params: tuple[object, ...]) -> int | None:
        cur = self.sessions[txn].execute(sql, params)  # type: ignore[arg-type]
        row = cur.fetchone() if cur.description else None
        return None if row is None else row[0]

    def start(self, txn: str, step: Step, value: int | None) -> Outcome:
        sql, params = self._sql(step, value)
        future = self.workers[txn].submit(self._run, txn, sql, params)
        deadline = time.monotonic() + self.block_after_s
        while time.monotonic() < deadline:
            try:
                return self._outcome(txn, future.result(timeout=0.005))
            except TimeoutError:
                pass
            wait = self.monitor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                        (self.pids[txn],)).fetchone()
            if wait and wait[0] == "Lock":
                self.pending[txn] = future
                return Outcome(blocked=True)
        raise ConfigError(f"{txn}: {sql!r} neither finished nor waited for a lock in {self.block_after_s} s")

    def resume(self, txn: str) -> Outcome:
        future = self.pending.pop(txn, None)
        if future is None:
            raise ConfigError(f"{txn} has no blocked statement to resume")
        return self._outcome(txn, future.result(timeout=self.block_after_s))

    def _outcome(self, txn: str, value: object) -> Outcome:
        return Outcome(value=value)  # type: ignore[arg-type]




def _wrap(method: Any) -> Any:
    import psycopg

    def call(self: PostgresEngine, txn: str, *args: Any) -> Outcome:
        try:
            return method(self, txn, *args)
        except psycopg.Error as e:
            if e.sqlstate not in RETRYABLE:
                raise
            self.sessions[txn].execute("ROLLBACK")
            raise SerializationFailure(e.sqlstate, str(e).splitlines()[0]) from e
    return call


PostgresEngine.start = _wrap(PostgresEngine.start)      # type: ignore[method-assign]
PostgresEngine.resume = _wrap(PostgresEngine.resume)    # type: ignore[method-assign]


def postgres_isolation_runs(server: PostgresServer, levels: tuple[str, ...] = LEVELS) -> list[ScenarioRun]:
    """Every scenario at every level on ``server`` (READ UNCOMMITTED included: it runs as READ COMMITTED)."""
    with PostgresEngine(server) as engine:
        return isolation_runs(engine, levels)


def isolation_comparison(sim: list[ScenarioRun], pg: list[ScenarioRun]) -> pd.DataFrame:
    """Anomalies x (level, store): ``ANOMALY``/``prevented`` for the simulated store and PostgreSQL,
    plus ``agree`` per level (READ UNCOMMITTED is expected to disagree on the dirty read)."""
    import pandas as pd

    cells: dict[tuple[str, str], dict[str, str]] = {}
    for engine, runs in (("sim", sim), ("postgres", pg)):
        for r in runs:
            name = f"{r.scenario} [{SCENARIOS[r.scenario].code}]"
            how = "".join(m for m, hit in ((" +blocked", r.blocked), (" +40001/retry", r.retried)) if hit)
            cells.setdefault((r.level, engine), {})[name] = ("ANOMALY" if r.anomaly else "prevented") + how
    frame = pd.DataFrame(cells)
    for level in dict.fromkeys(r.level for r in sim):
        if (level, "postgres") in frame:
            frame[(level, "agree")] = [a.split()[0] == b.split()[0] if isinstance(b, str) else None
                                       for a, b in zip(frame[(level, "sim")], frame[(level, "postgres")])]
    return frame.reindex(columns=sorted(frame.columns, key=lambda c: (LEVELS.index(c[0]), c[1] != "sim",
                                                                       c[1] == "agree")))
