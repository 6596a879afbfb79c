"""Two-phase commit participants on real PostgreSQL, the coordinator's loss, and recovery.

PostgreSQL is a 2PC *participant*, not a coordinator: ``PREPARE TRANSACTION 'gid'`` makes the
current transaction durable and detaches it from the session; ``COMMIT PREPARED 'gid'`` or
``ROLLBACK PREPARED 'gid'``, from any session connected to the same database, finishes it
(PostgreSQL documentation, SQL commands PREPARE TRANSACTION, COMMIT PREPARED, ROLLBACK PREPARED).
Prepared transactions are listed in the cluster-wide view ``pg_prepared_xacts`` (System Views,
"pg_prepared_xacts") and need ``max_prepared_transactions`` > 0. The PREPARE TRANSACTION page
warns that a prepared transaction keeps its locks until it is finished - which is the blocking
problem of 2PC (Gray and Lamport, "Consensus on Transaction Commit", 2006, section 3: a
participant that voted yes must wait for the coordinator's decision).

:class:`PgParticipant` offers the small interface a coordinator needs: ``prepare(txid) -> vote``,
``commit(txid)``, ``abort(txid)``. :func:`coordinator_crash_demo` uses two databases in *one*
cluster (so the global ids carry the database name to stay unique in ``pg_prepared_xacts``):
the coordinator prepares both, logs its commit decision in a sqlite coordinator log, then
vanishes (its connections are simply abandoned). The prepared transactions survive, keep their
row locks, and a concurrent UPDATE waits until ``lock_timeout`` cancels it (SQLSTATE 55P03).
:func:`recover` then reads the log and finishes every prepared transaction: commit when the log
says commit, otherwise roll back (presumed abort: no logged decision means none was sent).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:
    from dsworkbook.realservers.servers import PostgresServer

__all__ = ["Vote", "PgParticipant", "prepared_xacts", "CoordinatorLog", "recover", "CrashDemo",
           "coordinator_crash_demo"]

Vote = Literal["yes", "no"]


class PgParticipant:
    """One participant: a psycopg 3 connection (autocommit) to one database, one transaction at a time."""

    def __init__(self, conn: Any, name: str | None = None) -> None:
        if not conn.autocommit:
            raise ConfigError("PgParticipant needs an autocommit connection (server.connect() gives one)")
        self.conn, self.name = conn, name or conn.info.dbname
        self.open = False

    def gid(self, txid: str) -> str:
        """The global transaction id: txid plus the database, unique across the cluster."""
        if not txid or "'" in txid or len(txid) > 150:
            raise ConfigError(f"txid must be 1-150 characters without quotes, got {txid!r}")
        return f"{txid}@{self.name}"

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        """Run ``sql`` inside this participant's transaction (BEGIN on first use)."""
        if not self.open:
            self.conn.execute("BEGIN")
            self.open = True
        return self.conn.execute(sql, params)

    def prepare(self, txid: str) -> Vote:
        """Phase 1: PREPARE TRANSACTION; "no" (and the work rolled back) if PostgreSQL refuses."""
        import psycopg

        gid = self.gid(txid)
        if not self.open:
            self.conn.execute("BEGIN")
        self.open = False
        try:
            self.conn.execute(f"PREPARE TRANSACTION '{gid}'")
        except psycopg.Error:
            self.conn.execute("ROLLBACK")
            return "no"
        # a transaction that failed earlier is rolled back by PREPARE and never shows up prepared
        return "yes" if self.conn.execute("SELECT 1 FROM pg_prepared_xacts WHERE gid = %s",
                                          (gid,)).fetchone() else "no"

    def commit(self, txid: str) -> None:
        """Phase 2: COMMIT PREPARED (works from any session on this database)."""
        self.conn.execute(f"COMMIT PREPARED '{self.gid(txid)}'")

    def abort(self, txid: str) -> None:
        """Phase 2 abort: ROLLBACK PREPARED if prepared, else roll back the open transaction."""
        gid = self.gid(txid)
        if self.conn.execute("SELECT 1 FROM pg_prepared_xacts WHERE gid = %s", (gid,)).fetchone():
            self.conn.execute(f"ROLLBACK PREPARED '{gid}'")
        elif self.open:
            self.conn.execute("ROLLBACK")
            self.open = False


def prepared_xacts(conn: Any) -> list[dict[str, object]]:
    """The rows of ``pg_prepared_xacts`` (cluster-wide): gid, database, owner, prepared, transaction."""
    cur = conn.execute("SELECT gid, database, owner, prepared, transaction::text FROM pg_prepared_xacts "
                       "ORDER BY gid")
    return [dict(zip(("gid", "database", "owner", "prepared", "transaction"), row)) for row in cur.fetchall()]


class CoordinatorLog:
    """The coordinator's durable decision log: one sqlite row per transaction id, written before phase 2."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("CREATE TABLE IF NOT EXISTS decisions (txid TEXT PRIMARY KEY, decision TEXT NOT NULL)")

    def record(self, txid: str, decision: Literal["commit", "abort"]) -> None:
        if decision not in ("commit", "abort"):
            raise ConfigError(f"decision must be 'commit' or 'abort', got {decision!r}")
        self.conn.execute("INSERT INTO decisions VALUES (?, ?)", (txid, decision))

    def decision(self, txid: str) -> str | None:
        row = self.conn.execute("SELECT decision FROM decisions WHERE txid = ?", (txid,)).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        self.conn.close()


def recover(server: PostgresServer, log: CoordinatorLog, databases: list[str]) -> list[tuple[str, str]]:
    """Finish every prepared transaction in ``databases`` from the log: [(gid, "commit"|"abort"), ...]."""
    done = []
    for db in databases:
        with server.connect(db) as conn:
            for row in prepared_xacts(conn):
                if row["database"] != db:
                    continue
                gid = str(row["gid"])
                decision = log.decision(gid.rsplit("@", 1)[0]) or "abort"      # presumed abort
                conn.execute(f"{'COMMIT' if decision == 'commit' else 'ROLLBACK'} PREPARED '{gid}'")
                done.append((gid, decision))
    return done


@dataclass
class CrashDemo:
    """What :func:`coordinator_crash_demo` observed."""
    votes: dict[str, str]
    prepared_after_crash: list[str]
    blocked_sqlstate: str | None
    blocked_seconds: float
    recovered: list[tuple[str, str]]
    prepared_after_recovery: list[str]
    balances: dict[str, int]
    update_after_recovery_ok: bool
    notes: list[str] = field(default_factory=list)


def coordinator_crash_demo(server: PostgresServer, log_path: Path, *, txid: str = "transfer-1",
                           amount: int = 10, lock_timeout_ms: int = 300) -> CrashDemo:
    """Move ``amount`` from bank_a to bank_b with 2PC; the coordinator vanishes after logging commit."""
    import psycopg

    if lock_timeout_ms <= 0:
        raise ConfigError(f"lock_timeout_ms must be > 0, got {lock_timeout_ms}")
    dbs = [server.create_database("bank_a"), server.create_database("bank_b")]
    for db, balance in zip(dbs, (100, 0)):
        with server.connect(db) as c:
            c.execute("DROP TABLE IF EXISTS account")
            c.execute("CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)")
            c.execute("INSERT INTO account VALUES (1, %s)", (balance,))
    log = CoordinatorLog(log_path)
    try:
        parts = [PgParticipant(server.connect(db)) for db in dbs]
        parts[0].execute("UPDATE account SET balance = balance - %s WHERE id = 1", (amount,))
        parts[1].execute("UPDATE account SET balance = balance + %s WHERE id = 1", (amount,))
        votes = {p.name: p.prepare(txid) for p in parts}
        log.record(txid, "commit" if all(v == "yes" for v in votes.values()) else "abort")
        for p in parts:                     # the coordinator is gone before phase 2: nobody finishes them
            p.conn.close()
        with server.connect(dbs[0]) as other:
            prepared = [str(r["gid"]) for r in prepared_xacts(other)]
            other.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
            started, sqlstate = time.perf_counter(), None
            try:
                other.execute("UPDATE account SET balance = 0 WHERE id = 1")
            except psycopg.Error as e:
                sqlstate = e.sqlstate
            waited = time.perf_counter() - started
        recovered = recover(server, log, dbs)
        with server.connect(dbs[0]) as other:
            after = [str(r["gid"]) for r in prepared_xacts(other)]
            other.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
            other.execute("BEGIN")
            other.execute("UPDATE account SET balance = balance WHERE id = 1")
            other.execute("ROLLBACK")
        balances = {}
        for db in dbs:
            with server.connect(db) as c:
                balances[db] = c.execute("SELECT balance FROM account WHERE id = 1").fetchone()[0]
        return CrashDemo(votes, prepared, sqlstate, waited, recovered, after, balances, True)
    finally:
        log.close()
