"""Sagas: a long transaction as local steps with compensations, orchestrated or choreographed.

Theory of operation
-------------------
A saga (Garcia-Molina & Salem, "Sagas", SIGMOD 1987) is a sequence of local transactions
T1..Tn, each with a compensating transaction Ci that semantically undoes it; the system
guarantees that either T1..Tn all run, or T1..Tj run and then Cj..C1 - compensations in
**reverse** order. Nothing is locked across steps, so there is no blocking, and no isolation.
Richardson (microservices.io, "Pattern: Saga") names two ways to coordinate one:

* **orchestration** - :class:`Orchestrator` tells each service what to do (:class:`Do`,
  :class:`Undo`) and waits for its answer (:class:`Done`, :class:`Failed`, :class:`Undone`);
* **choreography** - :class:`ChoreoService`: each service, after its step, emits the event that
  makes the next service act (or, on failure, the previous one compensate); no central node.

**At-least-once and idempotency.** Messages are lost and duplicated (the simulator's loss and
duplicate faults) and nodes crash, so every command is retried until answered and can arrive
twice. Each step carries an idempotency key (``saga:step``); a :class:`SagaService` applies a
step or a compensation at most once per key and answers a repeat with the recorded outcome. A
compensation that arrives before its step (the step's message was delayed) is recorded, and
the late step is then refused - otherwise it would be applied after being undone.

**The saga log.** The orchestrator persists the saga's position (which step, forward or
compensating) *before* it sends the command that position calls for; after a crash it reads
the log and resends that command with the same key. Choreographed services persist the event
they owe the next service before acknowledging the one they got, and resend it until acked.

**What is checked** (:func:`saga_violation`): every saga ends *all applied* (each step's net
effect is 1) or *all compensated* (each net effect is 0) - never a step applied twice, a
refund given twice, or a half-done saga - and compensations ran in reverse step order.

**Broken variants** (``bug``): ``non_idempotent_compensation`` - the compensation ignores its
key, so a duplicated Undo refunds twice; ``forward_compensation`` - the orchestrator compensates
T1 first, then T2...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation

__all__ = ["SagaStep", "Do", "Undo", "Done", "Failed", "Undone", "EventAck", "SAGA_BUGS", "DEFAULT_STEPS",
           "check_steps", "SagaService", "Orchestrator", "ChoreoService", "saga_sim", "saga_outcomes",
           "saga_violation"]

SAGA_BUGS = ("non_idempotent_compensation", "forward_compensation")


@dataclass(frozen=True, slots=True)
class SagaStep:
    """One local transaction of a saga: ``action`` on ``service``, undone by ``compensation``."""
    name: str
    service: str
    action: str
    compensation: str | None


DEFAULT_STEPS = (SagaStep("order", "orders", "create-order", "cancel-order"),
                 SagaStep("stock", "inventory", "reserve-stock", "release-stock"),
                 SagaStep("payment", "payments", "charge-card", "refund-card"))


def check_steps(steps: Sequence[SagaStep]) -> tuple[SagaStep, ...]:
    """A saga needs steps, and every step but the last needs a compensation (the last one is the
    point of no return: once it succeeded nothing is undone)."""
    steps = tuple(steps)
    if not steps:
        raise ConfigError("a saga needs at least one step: pass steps=[SagaStep(...), ...]")
    for i, s in enumerate(steps[:-1]):
        if not isinstance(s, SagaStep):
            raise ConfigError(f"step {i} must be a SagaStep, got {s!r}")
        if not s.compensation:
            raise ConfigError(f"step {i} ({s.name!r} on {s.service!r}) has no compensation; every step but the "
                              "last must say how it is undone, or a later failure leaves it applied")
    return steps


@dataclass(frozen=True, slots=True)
class Do:
    saga: str
    step: int
    key: str  # idempotency key


@dataclass(frozen=True, slots=True)
class Undo:
    saga: str
    step: int
    key: str


@dataclass(frozen=True, slots=True)
class Done:
    saga: str
    step: int


@dataclass(frozen=True, slots=True)
class Failed:
    saga: str
    step: int


@dataclass(frozen=True, slots=True)
class Undone:
    saga: str
    step: int


@dataclass(frozen=True, slots=True)
class EventAck:
    """Choreography: the receiver has durably taken the event ``kind`` for ``saga``/``step``."""
    saga: str
    step: int
    kind: str


class SagaService(Node):
    """A service that runs one step of each saga: applies it once per key, fails with ``fail_prob``."""

    def __init__(self, node_id: str, *, fail_prob: float = 0.0, bug: str | None = None) -> None:
        super().__init__(node_id)
        if not 0.0 <= fail_prob <= 1.0:
            raise ConfigError(f"fail_prob must be a probability in [0, 1], got {fail_prob!r}")
        if bug is not None and bug not in SAGA_BUGS:
            raise ConfigError(f"unknown saga bug {bug!r}; choose one of {list(SAGA_BUGS)} or None")
        self.fail_prob, self.bug = fail_prob, bug

    def record(self, key: str) -> dict[str, Any]:
        return self.storage.get(f"op/{key}", {})

    def apply_do(self, msg: Do, also: Callable[[bool], dict[str, Any]] | None = None) -> bool:
        """Run the step once per key; True if it is applied (now or earlier). ``also(ok)`` gives more
        records to write in the same persist (a choreographed service's owed event: one local
        transaction, as in Richardson's "Pattern: Transactional outbox")."""
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        if "undo" in rec:  # compensated before the step arrived: refuse the late step
            self.persist(**{f"op/{msg.key}": dict(rec, do="refused")}, **(also(False) if also else {}))
            return False
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok

    def apply_undo(self, msg: Undo, also: dict[str, Any] | None = None) -> bool:
        """Compensate once per key (the broken variant compensates on every delivery); True if it ran now."""
        rec = self.record(msg.key)
        if "undo" in rec and self.bug != "non_idempotent_compensation":
            return False
        applied = rec.get("do") == "ok"
        self.persist(**{f"op/{msg.key}": dict(rec, undo=rec.get("undo", self.now()),
                                              net=rec.get("net", 0) - (1 if applied else 0))}, **(also or {}))
        return "undo" not in rec

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Do):
            self.send(src, Done(msg.saga, msg.step) if self.apply_do(msg) else Failed(msg.saga, msg.step))
        elif isinstance(msg, Undo):
            self.apply_undo(msg)
            self.send(src, Undone(msg.saga, msg.step))


class Orchestrator(Node):
    """Runs ``sagas`` (ids), ``gap`` ms apart, over ``steps``, keeping a saga log; retries every ``retry`` ms."""

    def __init__(self, node_id: str, *, sagas: Sequence[str] = ("s1",), steps: Sequence[SagaStep] = DEFAULT_STEPS,
                 start_at: float = 1.0, gap: float = 150.0, retry: float = 40.0, bug: str | None = None) -> None:
        super().__init__(node_id)
        self.steps = check_steps(steps)
        if not sagas or len(set(sagas)) != len(sagas):
            raise ConfigError(f"sagas must be a non-empty list of distinct ids, got {list(sagas)!r}")
        if bug is not None and bug not in SAGA_BUGS:
            raise ConfigError(f"unknown saga bug {bug!r}; choose one of {list(SAGA_BUGS)} or None")
        self.sagas, self.start_at, self.gap, self.retry, self.bug = tuple(sagas), start_at, gap, retry, bug

    def log(self, saga: str) -> dict[str, Any] | None:
        return self.storage.get(f"saga/{saga}")

    def on_start(self) -> None:
        for i, saga in enumerate(self.sagas):
            entry = self.log(saga)
            if entry is None:
                self.set_timer(("start", saga), max(0.0, self.start_at + i * self.gap - self.now()))
            else:
                self._command(saga, entry)  # recovery: resend what the log says is outstanding

    def _order(self, failed_at: int) -> list[int]:
        done = list(range(failed_at))  # the steps that ran before the failed one
        return done if self.bug == "forward_compensation" else done[::-1]

    def _advance(self, saga: str, entry: dict[str, Any]) -> None:
        self.persist(**{f"saga/{saga}": entry})  # the saga log first, then the command it calls for
        self.note(saga=saga, **{k: v for k, v in entry.items() if k != "todo"})
        self._command(saga, entry)

    def _command(self, saga: str, entry: dict[str, Any]) -> None:
        phase = entry["phase"]
        if phase == "forward":
            i = entry["step"]
            self.send(self.steps[i].service, Do(saga, i, f"{saga}:{i}"))
        elif phase == "compensating":
            i = entry["todo"][0]
            self.send(self.steps[i].service, Undo(saga, i, f"{saga}:{i}"))
        else:
            return
        self.set_timer(("retry", saga), self.retry)

    def on_timer(self, name: Any) -> None:
        kind, saga = name
        if kind == "start" and self.log(saga) is None:
            self._advance(saga, {"phase": "forward", "step": 0})
        elif kind == "retry" and self.log(saga) is not None:
            self._command(saga, self.log(saga))

    def on_message(self, src: str, msg: Any) -> None:
        entry = self.log(msg.saga)
        if entry is None:
            return
        phase = entry["phase"]
        if phase == "forward" and msg.step == entry["step"] and isinstance(msg, (Done, Failed)):
            if isinstance(msg, Done):
                nxt = msg.step + 1
                self._advance(msg.saga, {"phase": "forward", "step": nxt} if nxt < len(self.steps)
                              else {"phase": "completed"})
            else:
                todo = self._order(msg.step)
                self._advance(msg.saga, {"phase": "compensating", "todo": todo} if todo else {"phase": "compensated"})
        elif phase == "compensating" and isinstance(msg, Undone) and msg.step == entry["todo"][0]:
            todo = entry["todo"][1:]
            self._advance(msg.saga, {"phase": "compensating", "todo": todo} if todo else {"phase": "compensated"})
        # a finished saga sends nothing more: _command sets no retry timer for it


class ChoreoService(SagaService):
    """A service in a choreographed saga: step ``index`` of ``chain`` (service ids, in step order).

    It owes the next service a :class:`Do` after its own step succeeded, or the previous one an
    :class:`Undo` after its step failed or was compensated; the owed event is persisted, then sent
    every ``retry`` ms until the receiver acknowledges it (:class:`EventAck`). The first service
    starts ``sagas`` itself, ``gap`` ms apart.
    """

    def __init__(self, node_id: str, *, chain: Sequence[str], sagas: Sequence[str] = (), start_at: float = 1.0,
                 gap: float = 150.0, retry: float = 40.0, fail_prob: float = 0.0, bug: str | None = None) -> None:
        super().__init__(node_id, fail_prob=fail_prob, bug=bug)
        self.chain = tuple(chain)
        if node_id not in self.chain:
            raise ConfigError(f"service {node_id!r} is not in the saga's chain {list(chain)}")
        self.index = self.chain.index(node_id)
        self.sagas, self.start_at, self.gap, self.retry = tuple(sagas), start_at, gap, retry

    def on_start(self) -> None:
        for key, owed in self.storage.items():
            if key.startswith("owe/") and owed is not None:
                self._emit(key[4:], owed)
        if self.index == 0:
            for i, saga in enumerate(self.sagas):
                if f"op/{saga}:0" not in self.storage:
                    self.set_timer(("start", saga), max(0.0, self.start_at + i * self.gap - self.now()))

    def _owed(self, saga: str, ok: bool) -> dict[str, Any]:
        """The event this service owes after its step (ok) or its failure/compensation (not ok)."""
        if ok:
            event = ("do", self.index + 1) if self.index + 1 < len(self.chain) else None
        else:
            event = ("undo", self.index - 1) if self.index > 0 else None
        return {f"owe/{saga}": event}

    def _emit(self, saga: str, event: tuple[str, int]) -> None:
        kind, step = event
        cls = Do if kind == "do" else Undo
        self.send(self.chain[step], cls(saga, step, f"{saga}:{step}"))
        self.set_timer(("retry", saga), self.retry)

    def on_timer(self, name: Any) -> None:
        kind, saga = name
        if kind == "start" and f"op/{saga}:0" not in self.storage:
            self._step(Do(saga, 0, f"{saga}:0"))
        elif kind == "retry" and self.storage.get(f"owe/{saga}") is not None:
            self._emit(saga, self.storage[f"owe/{saga}"])

    def _step(self, msg: Do) -> None:
        if "do" in self.record(msg.key):
            return  # a duplicate: its event is already owed (or delivered)
        owed: dict[str, Any] = {}

        def also(ok: bool) -> dict[str, Any]:
            owed.update(self._owed(msg.saga, ok))
            return owed

        self.apply_do(msg, also)
        self._after(msg.saga, owed)

    def _after(self, saga: str, owed: dict[str, Any]) -> None:
        event = owed.get(f"owe/{saga}")
        if event is not None:
            self._emit(saga, event)
        else:
            self.cancel_timer(("retry", saga))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, EventAck):
            if self.storage.get(f"owe/{msg.saga}") == (msg.kind, msg.step):
                self.persist(**{f"owe/{msg.saga}": None})
                self.cancel_timer(("retry", msg.saga))
        elif isinstance(msg, Do):
            self._step(msg)
            self.send(src, EventAck(msg.saga, msg.step, "do"))
        elif isinstance(msg, Undo):
            owed = self._owed(msg.saga, False)
            if self.apply_undo(msg, owed):
                self._after(msg.saga, owed)
            self.send(src, EventAck(msg.saga, msg.step, "undo"))


def saga_sim(seed: int, *, sagas: int = 1, steps: Sequence[SagaStep] = DEFAULT_STEPS, fail_prob: float = 0.2,
             choreography: bool = False, bug: str | None = None, duplicate: float = 0.0,
             latency: tuple[float, float] = (1.0, 10.0), trace: bool = True) -> Simulation:
    """A simulation of ``sagas`` sagas over ``steps`` (services named by the steps), not yet run.

    Orchestrated: node ``orchestrator`` plus one :class:`SagaService` per step; choreographed: one
    :class:`ChoreoService` per step and no orchestrator."""
    steps = check_steps(steps)
    services = [s.service for s in steps]
    if len(set(services)) != len(services):
        raise ConfigError(f"each step needs its own service in this model, got {services}")
    if isinstance(sagas, bool) or not isinstance(sagas, int) or sagas < 1:
        raise ConfigError(f"sagas must be an int >= 1, got {sagas!r}")
    if choreography and bug == "forward_compensation":
        raise ConfigError("forward_compensation is an orchestrator bug; a choreographed saga has no orchestrator")
    ids = [f"s{i}" for i in range(1, sagas + 1)]
    sim = Simulation(seed, latency=latency, duplicate=duplicate, trace=trace)
    service_bug = bug if bug == "non_idempotent_compensation" else None
    if choreography:
        for i, name in enumerate(services):
            sim.add_node(name, ChoreoService, chain=services, sagas=ids if i == 0 else (),
                         fail_prob=fail_prob if i else 0.0, bug=service_bug)
    else:
        sim.add_node("orchestrator", Orchestrator, sagas=ids, steps=steps,
                     bug=bug if bug == "forward_compensation" else None)
        for i, name in enumerate(services):
            sim.add_node(name, SagaService, fail_prob=fail_prob if i else 0.0, bug=service_bug)
    return sim


def saga_outcomes(sim: Simulation, sagas: Sequence[str], steps: Sequence[SagaStep] = DEFAULT_STEPS) -> dict[str, str]:
    """Each saga's end state from the services' durable records: ``applied``, ``compensated``, or
    what is wrong (``mixed [1, 0, 0]``: each step's net effect)."""
    out = {}
    for saga in sagas:
        nets = [sim.storage(s.service).get(f"op/{saga}:{i}", {}).get("net", 0) for i, s in enumerate(steps)]
        out[saga] = ("applied" if all(n == 1 for n in nets) else "compensated" if all(n == 0 for n in nets)
                     else f"mixed {nets}")
    return out


def saga_violation(sim: Simulation, sagas: Sequence[str], steps: Sequence[SagaStep] = DEFAULT_STEPS) -> str | None:
    """All applied or all compensated for every saga, and compensations in reverse step order."""
    for saga, outcome in saga_outcomes(sim, sagas, steps).items():
        if outcome not in ("applied", "compensated"):
            return f"saga {saga}: net effect per step {outcome[6:]} (1 applied, 0 none or compensated)"
        times = [sim.storage(s.service).get(f"op/{saga}:{i}", {}).get("undo") for i, s in enumerate(steps)]
        done = [(i, t) for i, t in enumerate(times) if t is not None
                and sim.storage(steps[i].service).get(f"op/{saga}:{i}", {}).get("do") == "ok"]
        if any(a[1] < b[1] for a, b in zip(done, done[1:])):
            return f"saga {saga}: compensations ran in step order {[i for i, _ in sorted(done, key=lambda x: x[1])]}"
    return None
