"""A multi-version key/value store with four isolation levels, and the anomaly table.

Theory of operation. Every committed write creates a version stamped with a commit sequence
number; a transaction's uncommitted writes stay in its own buffer. Writers take a row lock held to
commit or abort, so no level allows P0 (dirty write; Berenson et al. 1995, section 3). What a read
sees is the level's business:

* ``READ UNCOMMITTED`` - the newest write of any transaction, committed or not (the ANSI meaning,
  which permits P1). PostgreSQL does *not* do this: its READ UNCOMMITTED behaves as READ COMMITTED
  (PostgreSQL documentation 13.2 "Transaction Isolation", Table 13.1 and the text below it). The
  anomaly table shows both, honestly.
* ``READ COMMITTED`` - a fresh snapshot per statement (13.2.1). An UPDATE that waited for another
  writer's lock then applies to the row's newest committed version.
* ``REPEATABLE READ`` - snapshot isolation: one snapshot from the transaction's first statement
  (13.2.2). An UPDATE of a row that a concurrent transaction changed and committed fails with
  SQLSTATE 40001 ("could not serialize access due to concurrent update") - first updater wins.
  Berenson et al. section 4.2 show snapshot isolation still allows A5B write skew.
* ``SERIALIZABLE`` - snapshot isolation plus Serializable Snapshot Isolation's check, as
  PostgreSQL implements it (13.2.3; Cahill, Roehm and Fekete, "Serializable Isolation for Snapshot
  Databases", SIGMOD 2008): the store records rw-antidependencies (T read a version that a
  concurrent U overwrote, or U wrote what T read), and a transaction fails with 40001 at commit
  when it has an incoming rw edge and an outgoing rw edge to a transaction that already committed
  (the "dangerous structure"). A predicate read (``Count``) counts as reading the whole table, as
  PostgreSQL's relation-level SIREAD lock after a sequential scan does - coarser, never wrong.

:func:`isolation_table` runs every scenario of :mod:`~dsworkbook.transactions.isolation_model` at
every level and reports which level prevented which anomaly; ``postgres_isolation_table`` in
:mod:`~dsworkbook.transactions.postgres_isolation` does the same on a real server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.isolation_model import (LEVELS, SCENARIOS, Abort, Commit, Count, Insert, Outcome,
                                                      Read, ScenarioRun, SerializationFailure, Step, Write,
                                                      check_level, run_scenario)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MVStore", "isolation_runs", "isolation_table", "anomaly_matrix"]


@dataclass
class _Txn:
    name: str
    level: str
    snapshot: int | None = None          # commit sequence visible to it; None until its first statement
    writes: dict[str, int] = field(default_factory=dict)
    reads: set[str] = field(default_factory=set)    # "*" = the whole table (a predicate read)
    rw_in: set[str] = field(default_factory=set)
    rw_out: set[str] = field(default_factory=set)
    state: str = "active"
    commit_seq: int | None = None
    pending: tuple[Step, int | None] | None = None


class MVStore:
    """The in-memory store: one session per transaction name, driven by :func:`run_scenario`."""

    def __init__(self) -> None:
        self.reset({})

    def reset(self, rows: dict[str, int]) -> None:
        self.versions: dict[str, list[tuple[int, int]]] = {k: [(0, v)] for k, v in rows.items()}
        self.seq = 0
        self.locks: dict[str, str] = {}
        self.txns: dict[str, _Txn] = {}
        self.finished: list[_Txn] = []

    def begin(self, txn: str, level: str) -> None:
        if txn in self.txns and self.txns[txn].state == "active":
            raise ConfigError(f"{txn} is already in a transaction")
        if txn in self.txns:
            self.finished.append(self.txns[txn])
        self.txns[txn] = _Txn(txn, check_level(level))

    def rows(self) -> dict[str, int]:
        return {k: vs[-1][1] for k, vs in self.versions.items() if vs}

    # -- visibility ---------------------------------------------------------------------------
    def _snapshot(self, t: _Txn) -> int:
        if t.level in ("READ UNCOMMITTED", "READ COMMITTED"):
            return self.seq                                   # per statement
        if t.snapshot is None:
            t.snapshot = self.seq
        return t.snapshot

    def _visible(self, t: _Txn, key: str) -> int | None:
        if key in t.writes:
            return t.writes[key]
        if t.level == "READ UNCOMMITTED" and key in self.locks:
            return self.txns[self.locks[key]].writes[key]     # someone's uncommitted write: P1
        snap = self._snapshot(t)
        for seq, value in reversed(self.versions.get(key, [])):
            if seq <= snap:
                return value
        return None

    def _keys(self, t: _Txn) -> set[str]:
        return set(self.versions) | set(t.writes) | (set(self.locks) if t.level == "READ UNCOMMITTED" else set())

    # -- SSI bookkeeping (SERIALIZABLE only) ----------------------------------------------------
    def _concurrent(self, a: _Txn, b: _Txn) -> bool:
        return b.state != "aborted" and (b.commit_seq is None or a.snapshot is None or b.commit_seq > a.snapshot)

    def _others(self, t: _Txn) -> list[_Txn]:
        return [u for u in [*self.txns.values(), *self.finished] if u is not t and u.level == "SERIALIZABLE"]

    def _note_read(self, t: _Txn, key: str) -> None:
        if t.level != "SERIALIZABLE":
            return
        t.reads.add(key)
        for u in self._others(t):
            if self._concurrent(t, u) and (key == "*" and u.writes or key in u.writes):
                t.rw_out.add(u.name), u.rw_in.add(t.name)

    def _note_write(self, t: _Txn, key: str) -> None:
        if t.level != "SERIALIZABLE":
            return
        for u in self._others(t):
            if self._concurrent(t, u) and (key in u.reads or "*" in u.reads):
                u.rw_out.add(t.name), t.rw_in.add(u.name)

    # -- statements -----------------------------------------------------------------------------
    def start(self, txn: str, step: Step, value: int | None) -> Outcome:
        t = self._txn(txn)
        if isinstance(step, Read):
            self._snapshot(t)
            self._note_read(t, step.key)
            return Outcome(value=self._visible(t, step.key))
        if isinstance(step, Count):
            self._snapshot(t)
            self._note_read(t, "*")
            return Outcome(value=sum(1 for k in self._keys(t) if (self._visible(t, k) or 0) > 0))
        if isinstance(step, Write | Insert):
            self._snapshot(t)
            assert value is not None
            return self._write(t, step, value)
        if isinstance(step, Commit):
            self._commit(t)
        elif isinstance(step, Abort):
            self._end(t, "aborted")
        return Outcome()

    def resume(self, txn: str) -> Outcome:
        t = self._txn(txn)
        if t.pending is None:
            raise ConfigError(f"{txn} has no blocked statement to resume")
        step, value = t.pending
        t.pending = None
        assert value is not None and isinstance(step, Write | Insert)
        return self._write(t, step, value)

    def _txn(self, txn: str) -> _Txn:
        if txn not in self.txns or self.txns[txn].state != "active":
            raise ConfigError(f"{txn} has no open transaction; call begin({txn!r}, level) first")
        return self.txns[txn]

    def _write(self, t: _Txn, step: Write | Insert, value: int) -> Outcome:
        key = step.key
        holder = self.locks.get(key)
        if holder is not None and holder != t.name:
            t.pending = (step, value)
            return Outcome(blocked=True)
        newest = self.versions.get(key, [(0, None)])[-1][0]
        if t.level in ("REPEATABLE READ", "SERIALIZABLE") and newest > self._snapshot(t):
            self._end(t, "aborted")
            raise SerializationFailure("40001", "could not serialize access due to concurrent update")
        self.locks[key] = t.name
        t.writes[key] = value
        self._note_write(t, key)
        return Outcome()

    def _commit(self, t: _Txn) -> None:
        if t.level == "SERIALIZABLE" and t.rw_in and any(
                u.state == "committed" for u in self._others(t) if u.name in t.rw_out):
            self._end(t, "aborted")
            raise SerializationFailure("40001", "could not serialize access due to read/write dependencies "
                                                "among transactions")
        if t.writes:
            self.seq += 1
            for key, value in t.writes.items():
                self.versions.setdefault(key, []).append((self.seq, value))
        t.commit_seq = self.seq
        self._end(t, "committed")

    def _end(self, t: _Txn, state: str) -> None:
        t.state = state
        for key in [k for k, holder in self.locks.items() if holder == t.name]:
            del self.locks[key]


def isolation_runs(engine: object | None = None, levels: tuple[str, ...] = LEVELS) -> list[ScenarioRun]:
    """Every scenario at every level on ``engine`` (a fresh :class:`MVStore` by default)."""
    store = engine if engine is not None else MVStore()
    return [run_scenario(store, sc, lv) for sc in SCENARIOS.values() for lv in levels]  # type: ignore[arg-type]


def anomaly_matrix(runs: list[ScenarioRun]) -> dict[tuple[str, str], bool]:
    """(scenario, level) -> True when the anomaly happened in that run."""
    return {(r.scenario, r.level): r.anomaly for r in runs}


def isolation_table(runs: list[ScenarioRun] | None = None) -> pd.DataFrame:
    """Rows = anomalies, columns = levels; a cell says ``prevented`` or ``ANOMALY`` (+ how it was
    prevented: ``40001 + retry`` when a transaction was aborted and retried, ``blocked`` when it
    waited for a lock)."""
    import pandas as pd

    runs = isolation_runs() if runs is None else runs
    cells: dict[str, dict[str, str]] = {}
    for r in runs:
        how = [w for w, hit in (("blocked", r.blocked), ("40001 + retry", r.retried)) if hit]
        cells.setdefault(f"{r.scenario} [{SCENARIOS[r.scenario].code}]", {})[r.level] = \
            ("ANOMALY" if r.anomaly else "prevented") + (f" ({', '.join(how)})" if how else "")
    return pd.DataFrame(cells).T
