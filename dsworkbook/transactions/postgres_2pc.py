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

**The simulator's coordinator on real databases.** :class:`PgBridge` lets the simulated
:class:`~dsworkbook.transactions.twophase.Coordinator` and
:class:`~dsworkbook.transactions.twophase.Participant` nodes (unchanged: they stay sans-IO) drive
real PostgreSQL participants. A participant's write-ahead log *is* its database's durable state,
so the bridge replays every durable record the simulation carried out, in order, onto
PostgreSQL: ``prepared`` -> PREPARE TRANSACTION, ``committed`` -> COMMIT PREPARED, ``aborted`` ->
ROLLBACK PREPARED (or ROLLBACK when it never prepared); the coordinator's decision record ->
:class:`CoordinatorLog`. Only records the kernel kept are replayed, so a torn handler (a crash
between a persist and a send) reaches the databases exactly as far as it reached the log. The
work itself (the UPDATEs) runs before the simulation starts; a participant whose work failed
votes no. :func:`simulated_coordinator_crash` crashes the simulated coordinator (a simulator
:class:`~dsworkbook.sim.Crash` torn inside the handler of the last yes vote) and shows the two
prepared transactions in ``pg_prepared_xacts`` blocking a concurrent UPDATE, then recovers: the
coordinator restarts from its log in the simulation and resends its decision, or (``recovery=
"log"``) an operator runs :func:`recover` on the :class:`CoordinatorLog`.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Mapping

from dsworkbook.errors import ConfigError, InvariantViolation

if TYPE_CHECKING:
    from dsworkbook.realservers.servers import PostgresServer

__all__ = ["Vote", "PgParticipant", "prepared_xacts", "CoordinatorLog", "recover", "CrashDemo",
           "coordinator_crash_demo", "BRIDGE_CRASHES", "BridgeError", "PgOp", "PgBridge", "BridgeRun",
           "simulated_coordinator_crash"]

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


# --- the simulator's coordinator driving PostgreSQL participants ----------------------------------

#: Where :func:`simulated_coordinator_crash` crashes the coordinator, as ``Crash(after=...)`` in
#: the handler of the last yes vote: after its decision record (kept) but before any Commit is
#: sent, or before the decision record (nothing kept); None: no crash.
BRIDGE_CRASHES: dict[str | None, int | None] = {"after_decision": 1, "before_decision": 0, None: None}


class BridgeError(InvariantViolation):
    """PostgreSQL and the simulated participant disagree (e.g. the database refused a PREPARE the
    simulated participant logged as a yes vote): the bridge stops rather than go on inconsistent."""


@dataclass(frozen=True, slots=True)
class PgOp:
    """One statement the bridge ran for a simulated durable record: at ``time`` (simulated ms)."""
    time: float
    node: str
    database: str
    sql: str


class PgBridge:
    """Replays the durable records of a 2PC simulation onto PostgreSQL participants (module docstring).

    ``participants`` maps each simulated participant node id to its :class:`PgParticipant`; the
    coordinator's decision records go to ``log``. Run the simulation with :meth:`run` (it needs
    ``trace=True``: the bridge reads the kernel's persist records, in the order they happened).
    """

    def __init__(self, sim: Any, participants: Mapping[str, PgParticipant], log: CoordinatorLog, *,
                 coordinator: str = "tm") -> None:
        if not sim.trace.enabled:
            raise ConfigError("the bridge reads the simulation's persist records: build it with trace=True")
        for node in [coordinator, *participants]:
            sim.check_node(node)
        self.sim, self.participants, self.log, self.coordinator = sim, dict(participants), log, coordinator
        self.ops: list[PgOp] = []
        self._cursor = 0
        self._state: dict[tuple[str, str], str] = {}

    def run(self, until: float) -> None:
        """Run the simulation up to ``until`` ms, then carry every new durable record over to PostgreSQL."""
        self.sim.run(until=until)
        self.sync()

    def sync(self) -> None:
        records = self.sim.trace.records
        for time_, kind, node, _peer, _mid, detail in records[self._cursor:]:
            if kind != "persist":
                continue
            for key, rec in detail.items():
                if key.startswith("txn/") and isinstance(rec, dict):
                    self._apply(time_, node, key[4:], rec)
        self._cursor = len(records)

    def _apply(self, time_: float, node: str, txn: str, rec: dict[str, Any]) -> None:
        if node == self.coordinator:
            if "decision" in rec and self.log.decision(txn) is None:
                self.log.record(txn, rec["decision"])
                self.ops.append(PgOp(time_, node, "coordinator log", f"decision {txn} = {rec['decision']}"))
            return
        part = self.participants.get(node)
        state, before = rec.get("state"), self._state.get((node, txn), "working")
        if part is None or state == before:
            return
        self._state[(node, txn)] = state
        gid = part.gid(txn)
        if state == "prepared":
            if part.prepare(txn) != "yes":
                raise BridgeError(f"{node} logged a yes vote on {txn!r} but {part.name} refused PREPARE TRANSACTION",
                                  seed=self.sim.seed)
            sql = f"PREPARE TRANSACTION '{gid}'"
        elif state == "committed":
            part.commit(txn)
            sql = f"COMMIT PREPARED '{gid}'"
        elif state == "aborted":
            sql = f"ROLLBACK PREPARED '{gid}'" if before == "prepared" else "ROLLBACK"
            part.abort(txn)
        else:
            raise BridgeError(f"{node} logged an unknown state {state!r} for {txn!r}", seed=self.sim.seed)
        self.ops.append(PgOp(time_, node, part.name, sql))


@dataclass
class BridgeRun:
    """What :func:`simulated_coordinator_crash` observed (times in simulated ms unless named seconds)."""
    seed: int
    crash: str | None
    recovery: str
    votes: dict[str, str]                   # participant -> "yes" | "no" (its work on PostgreSQL)
    tm_down: bool                           # the coordinator was down during the probe
    logged_decision: str | None             # in the CoordinatorLog at the probe
    states_while_down: dict[str, str]       # simulated participants' logs at the probe
    prepared_while_down: list[str]          # gids in pg_prepared_xacts at the probe
    blocked_sqlstate: str | None            # the concurrent UPDATE's error (55P03: lock_timeout)
    blocked_seconds: float
    recovered: list[tuple[str, str]]        # recovery="log": what recover() finished
    final_states: dict[str, str]
    prepared_after: list[str]
    balances: dict[str, int]
    update_after_ok: bool
    lock_held_ms: dict[str, float | None]   # simulated lock-held time per participant
    violation: str | None                   # atomicity, on the simulated logs
    ops: list[PgOp] = field(default_factory=list)

    def verdict(self) -> str:
        outcome = set(self.final_states.values())
        atomic = "atomic" if self.violation is None and len(outcome) == 1 else "NOT atomic"
        blocked = (f"a concurrent UPDATE blocked ({self.blocked_sqlstate} after {self.blocked_seconds:.2f} s)"
                   if self.blocked_sqlstate else "no concurrent UPDATE blocked")
        return (f"seed={self.seed} crash={self.crash} recovery={self.recovery}: {atomic}, outcome "
                f"{'/'.join(sorted(outcome))}; {len(self.prepared_while_down)} prepared transactions while the "
                f"coordinator was down, {blocked}; balances {self.balances}")


def _setup_bank(server: PostgresServer, db: str, balance: int) -> None:
    with server.connect(db) as c:
        for row in prepared_xacts(c):        # a leftover from an interrupted run would hold the table's locks
            if row["database"] == db:
                c.execute(f"ROLLBACK PREPARED '{row['gid']}'")
        c.execute("DROP TABLE IF EXISTS account")
        c.execute("CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0))")
        c.execute("INSERT INTO account VALUES (1, %s)", (balance,))


def _probe_update(server: PostgresServer, db: str, lock_timeout_ms: int) -> tuple[str | None, float]:
    """A concurrent UPDATE of the transferred row, cancelled by lock_timeout if a lock holds it."""
    import psycopg

    with server.connect(db) as other:
        other.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
        started, sqlstate = time.perf_counter(), None
        try:
            other.execute("BEGIN")
            other.execute("UPDATE account SET balance = balance WHERE id = 1")
        except psycopg.Error as e:
            sqlstate = e.sqlstate
        finally:
            other.execute("ROLLBACK")
        return sqlstate, time.perf_counter() - started


def simulated_coordinator_crash(server: PostgresServer, log_path: Path, *, seed: int = 0,
                                crash: str | None = "after_decision", recovery: str = "restart",
                                outage: float = 500.0, amount: int = 10, txid: str = "transfer-sim",
                                lock_timeout_ms: int = 200) -> BridgeRun:
    """Move ``amount`` from bank_a (rm1) to bank_b (rm2) with the simulator's 2PC coordinator.

    The coordinator crashes as ``crash`` says (:data:`BRIDGE_CRASHES`); at simulated t=100 ms -
    both participants prepared and uncertain - the probe lists ``pg_prepared_xacts`` and runs a
    concurrent UPDATE under ``lock_timeout_ms``. Recovery: ``"restart"`` restarts the simulated
    coordinator at ``outage`` ms (it reads its log and resends the decision, or aborts if none
    was logged); ``"log"`` leaves it down and runs :func:`recover` on the :class:`CoordinatorLog`.
    A transfer larger than bank_a's 100 fails its CHECK constraint: rm1 votes no and both abort.
    """
    from dsworkbook.sim import Crash, FaultSchedule, Simulation
    from dsworkbook.transactions.twophase import (Coordinator, Participant, atomicity_violation, lock_held,
                                                  participant_states)

    if crash not in BRIDGE_CRASHES:
        raise ConfigError(f"unknown crash point {crash!r}; choose one of {list(BRIDGE_CRASHES)}")
    if recovery not in ("restart", "log"):
        raise ConfigError(f"recovery must be 'restart' or 'log', got {recovery!r}")
    if isinstance(outage, bool) or not isinstance(outage, (int, float)) or outage < 100:
        raise ConfigError(f"outage must be >= 100 ms (the probe runs at t=100 ms), got {outage!r}")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or lock_timeout_ms <= 0:
        raise ConfigError(f"amount and lock_timeout_ms must be positive ints, got {amount!r}, {lock_timeout_ms!r}")
    dbs = {"rm1": server.create_database("bank_a"), "rm2": server.create_database("bank_b")}
    for db, balance in zip(dbs.values(), (100, 0)):
        _setup_bank(server, db, balance)
    log = CoordinatorLog(log_path)
    parts = {rm: PgParticipant(server.connect(db)) for rm, db in dbs.items()}
    try:
        votes = {}
        for rm, delta in (("rm1", -amount), ("rm2", amount)):
            try:                                # the work, before the coordinator asks for votes
                parts[rm].execute("UPDATE account SET balance = balance + %s WHERE id = 1", (delta,))
                votes[rm] = "yes"
            except Exception:                   # psycopg.Error: the transaction failed, it will vote no
                parts[rm].conn.execute("ROLLBACK")
                parts[rm].open = False
                votes[rm] = "no"
        sim = Simulation(seed, latency=(1.0, 10.0))
        sim.add_node("tm", Coordinator, participants=list(dbs), txns=[txid])
        for rm in dbs:
            sim.add_node(rm, Participant, coordinator="tm", others=list(dbs), cooperative=True,
                         no_prob=0.0 if votes[rm] == "yes" else 1.0)
        bridge = PgBridge(sim, parts, log)
        after = BRIDGE_CRASHES[crash]
        if after is not None:                   # armed before the votes arrive: strikes in the last vote's handler
            FaultSchedule([Crash(1.5, "tm", after=after)]).apply_to(sim)
        bridge.run(until=100.0)
        tm_down, logged = sim.status("tm") == "down", log.decision(txid)
        states_down = participant_states(sim, list(dbs), txid)
        with server.connect() as c:
            prepared = [str(r["gid"]) for r in prepared_xacts(c) if r["database"] in dbs.values()]
        sqlstate, waited = _probe_update(server, dbs["rm1"], lock_timeout_ms)
        recovered: list[tuple[str, str]] = []
        if tm_down and recovery == "restart":
            sim.at(float(outage), sim.restart, "tm")
        if recovery == "log":
            recovered = recover(server, log, list(dbs.values()))
            bridge.run(until=float(outage))     # the participants stay uncertain in the simulation
        else:
            bridge.run(until=float(outage) + 300.0)
        with server.connect() as c:
            prepared_after = [str(r["gid"]) for r in prepared_xacts(c) if r["database"] in dbs.values()]
        ok = _probe_update(server, dbs["rm1"], lock_timeout_ms)[0] is None
        balances = {}
        for db in dbs.values():
            with server.connect(db) as c:
                balances[db] = c.execute("SELECT balance FROM account WHERE id = 1").fetchone()[0]
        final = participant_states(sim, list(dbs), txid)
        if recovery == "log":                   # the databases finished; the simulated logs did not hear it
            final = {rm: ("committed" if log.decision(txid) == "commit" else "aborted") if s == "prepared" else s
                     for rm, s in final.items()}
        return BridgeRun(seed, crash, recovery, votes, tm_down, logged, states_down, prepared, sqlstate, waited,
                         recovered, final, prepared_after, balances, ok, lock_held(sim, list(dbs), txid),
                         atomicity_violation(sim, list(dbs), [txid]), list(bridge.ops))
    finally:
        for p in parts.values():
            p.conn.close()
        log.close()
