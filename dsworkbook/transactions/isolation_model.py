"""Two-transaction interleavings that show the isolation anomalies, and the driver that runs them.

The anomalies are those of Berenson, Bernstein, Gray, Melton, O'Neil and O'Neil, "A Critique of
ANSI SQL Isolation Levels" (SIGMOD 1995): P1 dirty read (section 2.2; A1 is its strict form, close
to Adya's G1a "aborted read", Adya's thesis 1999, section 4.4.1), P2 non-repeatable read, P3 phantom,
P4 lost update (section 4.1) and A5B write skew (section 4.2). Each :class:`Scenario` is a list of
steps for transactions ``T1`` and ``T2``, initial rows of a one-table key/value store, and a test
on what the clients saw that says whether the anomaly happened.

:func:`run_scenario` drives an :class:`Engine` (the multi-version store of
:mod:`~dsworkbook.transactions.isolation` or real PostgreSQL) step by step in list order. A step
the engine reports as *blocked* (waiting for a row lock) is parked, and the rest of that
transaction's steps queue behind it; the other transaction carries on, and when it commits or
aborts the parked step is resumed. A transaction that fails with SQLSTATE 40001
(serialization_failure) is rolled back and, after the interleaving, retried alone from its first
step, as PostgreSQL documentation 13.2.2 and 13.2.3 tell applications to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from dsworkbook.errors import ConfigError

__all__ = ["LEVELS", "Read", "Write", "Insert", "Count", "Commit", "Abort", "Step", "Scenario", "Outcome",
           "Engine", "ScenarioRun", "SCENARIOS", "run_scenario", "check_level", "SerializationFailure"]

LEVELS = ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")
TXNS = ("T1", "T2")
Vars = dict[str, int | None]


def check_level(level: str) -> str:
    """The level's canonical name; ConfigError for anything else."""
    name = " ".join(str(level).upper().replace("_", " ").split())
    if name not in LEVELS:
        raise ConfigError(f"unknown isolation level {level!r}; choose one of {list(LEVELS)}")
    return name


class SerializationFailure(Exception):
    """The engine aborted the transaction (SQLSTATE 40001, or 40P01 for a deadlock)."""

    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(f"{sqlstate}: {message}")
        self.sqlstate = sqlstate


@dataclass(frozen=True, slots=True)
class Read:
    """``SELECT v FROM kv WHERE k = key``, kept in the client's variable ``into``."""
    txn: str
    key: str
    into: str


@dataclass(frozen=True, slots=True)
class Write:
    """``UPDATE kv SET v = value(vars) WHERE k = key``; skipped when ``value`` returns None."""
    txn: str
    key: str
    value: Callable[[Vars], int | None]
    label: str = ""


@dataclass(frozen=True, slots=True)
class Insert:
    """``INSERT INTO kv VALUES (key, value)``."""
    txn: str
    key: str
    value: int


@dataclass(frozen=True, slots=True)
class Count:
    """``SELECT count(*) FROM kv WHERE v > 0`` (a predicate read), kept in ``into``."""
    txn: str
    into: str


@dataclass(frozen=True, slots=True)
class Commit:
    txn: str


@dataclass(frozen=True, slots=True)
class Abort:
    txn: str


Step = Read | Write | Insert | Count | Commit | Abort


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a started step did: ``done`` with a value, or ``blocked`` behind another's lock."""
    blocked: bool = False
    value: int | None = None


class Engine(Protocol):
    """What :func:`run_scenario` needs from a store; each transaction is its own session."""

    def reset(self, rows: dict[str, int]) -> None: ...
    def begin(self, txn: str, level: str) -> None: ...
    def start(self, txn: str, step: Step, value: int | None) -> Outcome: ...
    def resume(self, txn: str) -> Outcome: ...
    def rows(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class Scenario:
    """An interleaving, its initial rows, and ``anomaly(vars, rows) -> bool`` on the final result."""
    name: str
    code: str
    steps: tuple[Step, ...]
    initial: dict[str, int]
    anomaly: Callable[[dict[str, Vars], dict[str, int]], bool]
    explain: str

    def __post_init__(self) -> None:
        for i, step in enumerate(self.steps):
            if step.txn not in TXNS:
                raise ConfigError(f"scenario {self.name!r} step {i} names transaction {step.txn!r}; "
                                  f"interleavings use {list(TXNS)}")
        for t in TXNS:
            mine = [s for s in self.steps if s.txn == t]
            ends = [s for s in mine if isinstance(s, Commit | Abort)]
            if len(ends) != 1 or mine[-1] is not ends[0]:
                raise ConfigError(f"scenario {self.name!r}: {t} must end with exactly one Commit or Abort, "
                                  "as its last step")


@dataclass
class ScenarioRun:
    """One scenario at one level: what each client saw, the final rows, failures and retries."""
    scenario: str
    level: str
    vars: dict[str, Vars]
    rows: dict[str, int]
    blocked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    anomaly: bool = False


def _value(step: Step, vars: Vars) -> int | None:
    if isinstance(step, Write):
        return step.value(vars)
    if isinstance(step, Insert):
        return step.value
    return None


def run_scenario(engine: Engine, scenario: Scenario, level: str, *, retries: int = 3) -> ScenarioRun:
    """Drive ``scenario`` on ``engine`` at ``level``; retry 40001 victims alone afterwards."""
    level = check_level(level)
    engine.reset(scenario.initial)
    run = ScenarioRun(scenario.name, level, {t: {} for t in TXNS}, {})
    failed: set[str] = set()
    parked: dict[str, list[Step]] = {}
    for t in TXNS:
        engine.begin(t, level)

    def execute(t: str, step: Step, outcome: Outcome | None = None) -> None:
        try:
            if outcome is None:
                if isinstance(step, Write) and step.value(run.vars[t]) is None:
                    return
                outcome = engine.start(t, step, _value(step, run.vars[t]))
            if outcome.blocked:
                run.blocked.append(f"{t}: {type(step).__name__} {getattr(step, 'key', '')}".strip())
                parked[t] = [step]
                return
            if isinstance(step, Read | Count):
                run.vars[t][step.into] = outcome.value
        except SerializationFailure as e:
            failed.add(t)
            run.failures.append(f"{t}: {e}")

    for step in scenario.steps:
        t = step.txn
        if t in failed:
            continue
        if t in parked:
            parked[t].append(step)
            continue
        execute(t, step)
        if isinstance(step, Commit | Abort):
            for u in [u for u in parked if u != t]:
                waiting = parked.pop(u)
                try:
                    outcome = engine.resume(u)
                except SerializationFailure as e:
                    failed.add(u)
                    run.failures.append(f"{u}: {e}")
                    continue
                execute(u, waiting[0], outcome)
                for later in waiting[1:]:
                    if u not in failed and u not in parked:
                        execute(u, later)
    if parked:
        raise ConfigError(f"scenario {scenario.name!r}: {sorted(parked)} still blocked when the steps ran out; "
                          "every lock holder must commit or abort in the list, and the "
                          "two must not wait for each other (a deadlock)")
    for t in sorted(failed):
        _retry(engine, scenario, level, t, run, retries)
    run.rows = engine.rows()
    run.anomaly = scenario.anomaly(run.vars, run.rows)
    return run


def _retry(engine: Engine, scenario: Scenario, level: str, t: str, run: ScenarioRun, retries: int) -> None:
    for _ in range(retries):
        run.retried.append(t)
        run.vars[t] = {}
        engine.begin(t, level)
        try:
            for step in (s for s in scenario.steps if s.txn == t):
                if isinstance(step, Write) and step.value(run.vars[t]) is None:
                    continue
                outcome = engine.start(t, step, _value(step, run.vars[t]))
                if outcome.blocked:
                    raise ConfigError(f"retry of {t} blocked while running alone")
                if isinstance(step, Read | Count):
                    run.vars[t][step.into] = outcome.value
            return
        except SerializationFailure as e:
            run.failures.append(f"{t} (retry): {e}")
    raise ConfigError(f"{t} failed {retries} retries in scenario {scenario.name!r}")


def _on_call(v: Vars) -> int | None:
    """A doctor may leave the rota only if both are on call now (the constraint is x + y >= 1)."""
    return 0 if (v.get("x") or 0) + (v.get("y") or 0) >= 2 else None


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("dirty read", "P1 (A1; Adya G1a)",
             (Write("T1", "x", lambda v: 10, "10"), Read("T2", "x", "x"), Abort("T1"), Commit("T2")),
             {"x": 0}, lambda v, rows: v["T2"].get("x") == 10,
             "T2 read 10, a value T1 wrote and then rolled back"),
    Scenario("non-repeatable read", "P2 (A2)",
             (Read("T1", "x", "a"), Write("T2", "x", lambda v: 20, "20"), Commit("T2"),
              Read("T1", "x", "b"), Commit("T1")),
             {"x": 10}, lambda v, rows: v["T1"].get("a") != v["T1"].get("b"),
             "T1 read x twice and got two different committed values"),
    Scenario("lost update", "P4",
             (Read("T1", "x", "x"), Read("T2", "x", "x"), Write("T1", "x", lambda v: v["x"] + 10, "x+10"),
              Write("T2", "x", lambda v: v["x"] + 20, "x+20"), Commit("T1"), Commit("T2")),
             {"x": 100}, lambda v, rows: rows.get("x") != 130,
             "both increments committed but x != 130: one was overwritten"),
    Scenario("write skew", "A5B",
             (Read("T1", "x", "x"), Read("T1", "y", "y"), Read("T2", "x", "x"), Read("T2", "y", "y"),
              Write("T1", "x", _on_call, "leave"), Write("T2", "y", _on_call, "leave"),
              Commit("T1"), Commit("T2")),
             {"x": 1, "y": 1}, lambda v, rows: rows.get("x", 0) + rows.get("y", 0) < 1,
             "each checked x + y >= 2 and left; nobody is on call"),
    Scenario("phantom", "P3 (A3)",
             (Count("T1", "a"), Insert("T2", "z", 5), Commit("T2"), Count("T1", "b"), Commit("T1")),
             {"x": 1, "y": 1}, lambda v, rows: v["T1"].get("a") != v["T1"].get("b"),
             "T1 ran the same predicate query twice and a new row appeared"),
]}
