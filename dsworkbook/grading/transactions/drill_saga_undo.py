"""Exercise ``13-drill-saga-undo``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from dsworkbook.grading.core import exercise, fail, in_simulation, same_everywhere
from dsworkbook.sim import DOWN, Node, Simulation
from dsworkbook.transactions.saga import (DEFAULT_STEPS, ChoreoService, Do, Orchestrator, SagaService, Undo,
                                          saga_outcomes, saga_violation)
from dsworkbook.transactions.saga_campaign import FAULT_PHASE, SAGAS, SETTLE, saga_schedule

ORCHESTRATED_SEEDS = (700, 701, 702, 703, 704, 705)
CHOREOGRAPHED_SEEDS = (710, 711, 712, 713)
SERVICES = tuple(s.service for s in DEFAULT_STEPS)
IDS = [f"s{i}" for i in range(1, SAGAS + 1)]

HINT_DO_KEY = ("apply_do ran a step again for a key it had already seen: look the key up first "
               "(self.record(msg.key)) and, when it holds a \"do\" outcome, return that outcome without persisting")
HINT_UNDO_KEY = ("apply_undo compensated twice for one key: when self.record(msg.key) already holds \"undo\", return "
                 "False and persist nothing")
HINT_LATE = ("an Undo came before its Do: apply_undo must record \"undo\" for the key even though nothing was "
             "applied, and apply_do must then refuse the late step (record do=\"refused\", return False)")
HINT_NET = ("net is the step's effect: +1 when apply_do applies it, -1 when apply_undo compensates a step whose "
            "recorded \"do\" is \"ok\" - and unchanged when the step failed, was refused or never arrived")
HINT_DURABLE = ("after a crash and restart the service remembered nothing: what a key already did must be read from "
                "the durable record (self.record(msg.key), written with self.persist), not from attributes in memory")
HINT_DRAW = ("draw the step's outcome once per key, with the node's own generator (self.rng.random() >= "
             "self.fail_prob means applied), and answer every repeat from the record")
HINT_RETURN = ("apply_do returns True when the key's recorded \"do\" is \"ok\" (now or earlier) and False when it "
               "failed or was refused; apply_undo returns True only when it compensated now, on the first Undo")
HINT_RECORD = ("the records differ from the statement's: keep the key's record as one dict (dict(rec, ...), so "
               "earlier fields stay), with do = \"ok\", \"failed\" or \"refused\", undo = self.now() of the first "
               "Undo, and net; write nothing when a repeat is answered from the record")
HINT_ALSO = ("a choreographed service passes `also`: apply_do must persist also(ok) and apply_undo must persist "
             "also in the same self.persist(...) as the key's record, on the first delivery only")


def need_service_class(answer: Any) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, SagaService)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of dw.transactions.SagaService",
             got=type(answer).__name__, hint="write class KeyedSagaService(NotesSagaService) with apply_do and "
                                             "apply_undo")


# -- what happened, read off the trace -----------------------------------------------------------------------


def net_changes(sim: Simulation, node: str, key: str) -> list[int]:
    """The successive values of ``net`` that ``node`` persisted for ``key`` (0 first)."""
    nets = [0]
    for _t, kind, n, _p, _m, d in sim.trace.records:
        if kind == "persist" and n == node:
            rec = d.get(f"op/{key}")
            if isinstance(rec, dict):
                nets.append(rec.get("net", 0))
    return nets


def once_violation(sim: Simulation, node: str, key: str) -> tuple[str, str] | None:
    """A step applied or compensated more than once, a compensation of nothing, or a net outside 0..1."""
    nets = net_changes(sim, node, key)
    ups = sum(b > a for a, b in zip(nets, nets[1:]))
    downs = sum(b < a for a, b in zip(nets, nets[1:]))
    changes = [b for a, b in zip(nets, nets[1:]) if a != b]
    if ups > 1 or downs > 1 or any(n not in (0, 1) for n in nets):
        why = HINT_UNDO_KEY if downs > 1 else HINT_DO_KEY if ups > 1 else HINT_NET
        return (f"{node}, key {key}: net went 0 -> {' -> '.join(map(str, changes))} "
                f"({ups} application(s), {downs} compensation(s))", why)
    return None


# -- hand-driven scenarios against one service ---------------------------------------------------------------


@dataclass
class Log:
    replies: list[str] = field(default_factory=list)
    do_returns: list[Any] = field(default_factory=list)
    undo_returns: list[Any] = field(default_factory=list)


class Driver(Node):
    """Sends the scripted commands at their times and writes down every reply."""

    def __init__(self, node_id: str, *, script: tuple[tuple[float, str, Any], ...], log: Log) -> None:
        super().__init__(node_id)
        self.script, self.log = script, log

    def on_start(self) -> None:
        for i, (t, _dst, _msg) in enumerate(self.script):
            self.set_timer(i, t)

    def on_timer(self, name: Any) -> None:
        _t, dst, msg = self.script[name]
        self.send(dst, msg)

    def on_message(self, src: str, msg: Any) -> None:
        self.log.replies.append(f"{type(msg).__name__} {msg.saga}:{msg.step}")


def probe(cls: type, log: Log) -> type:
    """``cls`` with the return values of its two methods written down."""
    class Probe(cls):  # type: ignore[misc, valid-type]
        def apply_do(self, msg: Any, *args: Any) -> Any:
            result = super().apply_do(msg, *args)
            log.do_returns.append(result)
            return result

        def apply_undo(self, msg: Any, *args: Any) -> Any:
            result = super().apply_undo(msg, *args)
            log.undo_returns.append(result)
            return result

    Probe.__name__ = Probe.__qualname__ = cls.__name__
    return Probe


def cmd(kind: str, saga: str = "s1") -> Do | Undo:
    return (Do if kind == "Do" else Undo)(saga, 2, f"{saga}:2")


@dataclass(frozen=True)
class Scenario:
    name: str
    script: tuple[tuple[float, str], ...]          # (time, "Do s1" / "Undo s2")
    fail_prob: float
    replies: tuple[str, ...]
    nets: dict[str, int]
    do_returns: tuple[bool, ...] | None
    undo_returns: tuple[bool, ...] | None
    hint: str
    crash: tuple[float, int, float] | None = None   # (arm at, effects kept, restart at)
    seed: int = 5


def _r(kind: str, saga: str = "s1") -> str:
    return f"{kind} {saga}:2"


SCENARIOS = (
    Scenario("a duplicated Do", ((1, "Do s1"), (20, "Do s1")), 0.0, (_r("Done"), _r("Done")), {"s1": 1},
             (True, True), None, HINT_DO_KEY),
    Scenario("a Do, then a duplicated Undo", ((1, "Do s1"), (20, "Undo s1"), (40, "Undo s1")), 0.0,
             (_r("Done"), _r("Undone"), _r("Undone")), {"s1": 0}, (True,), (True, False), HINT_UNDO_KEY),
    Scenario("an Undo that overtook its Do, then the Do twice and the Undo again",
             ((1, "Undo s1"), (20, "Do s1"), (40, "Do s1"), (60, "Undo s1")), 0.0,
             (_r("Undone"), _r("Failed"), _r("Failed"), _r("Undone")), {"s1": 0}, (False, False), (True, False),
             HINT_LATE),
    Scenario("a failed step, then its Undo twice", ((1, "Do s1"), (20, "Undo s1"), (40, "Undo s1")), 1.0,
             (_r("Failed"), _r("Undone"), _r("Undone")), {"s1": 0}, (False,), (True, False), HINT_NET),
    Scenario("a Do, its Undo, then a late copy of the Do", ((1, "Do s1"), (20, "Undo s1"), (40, "Do s1")), 0.0,
             (_r("Done"), _r("Undone"), _r("Done")), {"s1": 0}, (True, True), (True,), HINT_DO_KEY),
    Scenario("two sagas' steps at one service, each duplicated, one compensated",
             ((1, "Do s1"), (10, "Do s2"), (20, "Undo s1"), (30, "Do s2"), (40, "Do s1"), (50, "Undo s1")), 0.0,
             (_r("Done"), _r("Done", "s2"), _r("Undone"), _r("Done", "s2"), _r("Done"), _r("Undone")),
             {"s1": 0, "s2": 1}, (True, True, True, True), (True, False), HINT_DO_KEY),
    Scenario("a crash after the Do's first effect (before the reply), a restart, the Do again",
             ((1, "Do s1"), (50, "Do s1")), 0.0, (_r("Done"),), {"s1": 1}, None, None, HINT_DURABLE,
             crash=(0.5, 1, 30)),
    Scenario("a crash before the Do's first effect, a restart, the Do again",
             ((1, "Do s1"), (50, "Do s1")), 0.0, (_r("Done"),), {"s1": 1}, None, None, HINT_DURABLE,
             crash=(0.5, 0, 30)),
    Scenario("a Do, a crash after the Undo's first effect (before the reply), a restart, the Undo again",
             ((1, "Do s1"), (20, "Undo s1"), (60, "Undo s1")), 0.0, (_r("Done"), _r("Undone")), {"s1": 0},
             None, None, HINT_DURABLE, crash=(15, 1, 40)),
    Scenario("an Undo that overtook its Do, a crash after its first effect, a restart, then the Do",
             ((1, "Undo s1"), (50, "Do s1"), (70, "Undo s1")), 0.0, (_r("Failed"), _r("Undone")), {"s1": 0},
             None, None, HINT_DURABLE, crash=(0.5, 1, 30)),
)


def play(cls: type, sc: Scenario) -> tuple[Simulation, Log]:
    log = Log()
    script = tuple((float(t), "payments", cmd(*what.split())) for t, what in sc.script)
    sim = Simulation(sc.seed, latency=(2.0, 2.0), trace=True)
    sim.add_node("driver", Driver, script=script, log=log)
    sim.add_node("payments", probe(cls, log), fail_prob=sc.fail_prob)
    if sc.crash is not None:
        arm, kept, back = sc.crash
        sim.at(arm, sim.crash_within, "payments", kept)
        sim.at(back, sim.restart, "payments")
    with in_simulation(case=sc.name, input=_describe(sc)):
        sim.run(until=200.0)
    return sim, log


def _describe(sc: Scenario) -> str:
    lines = [f"t={t:g}: {what.split()[0]}(saga {what.split()[1]!r}, step 2, key {what.split()[1] + ':2'!r})"
             for t, what in sc.script]
    if sc.crash is not None:
        arm, kept, back = sc.crash
        lines.append(f"the service crashes in its next handler after {kept} effect(s) (armed at t={arm:g}), "
                     f"restarts at t={back:g}")
    return f"fail_prob {sc.fail_prob:g}; every message 2 ms; " + "; ".join(lines)


def persisted_records(sim: Simulation, node: str = "payments") -> list[tuple[float, str, Any]]:
    """Every ``op/<key>`` record ``node`` persisted, in order, with its time (read off the trace)."""
    return [(t, k, v) for t, kind, n, _p, _m, d in sim.trace.records if kind == "persist" and n == node
            for k, v in d.items() if k.startswith("op/")]


def _records_match(cls: type, sim: Simulation, sc: Scenario) -> None:
    """The records written, write by write, are the reference's on the same scenario."""
    want = persisted_records(play(SagaService, sc)[0])
    got = persisted_records(sim)
    if got != want:
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        fmt = (lambda w: "nothing more" if k >= len(w) else f"at t={w[k][0]:g} {w[k][1]} = {w[k][2]}")
        fail(case=sc.name, input=_describe(sc),
             expected=f"write {k + 1} of the records: {fmt(want)} ({len(want)} writes in all)",
             got=f"write {k + 1}: {fmt(got)} ({len(got)} writes in all)", hint=HINT_RECORD)


def check_scenario(cls: type, sc: Scenario) -> None:
    sim, log = play(cls, sc)
    storage = sim.storage("payments")
    recs = {s: storage.get(f"op/{s}:2") for s in sc.nets}
    nets = {s: rec.get("net", 0) if isinstance(rec, dict) else None for s, rec in recs.items()}
    for saga in sc.nets:
        bad = once_violation(sim, "payments", f"{saga}:2")
        if bad:
            fail(case=sc.name, input=_describe(sc), expected=f"each key applied at most once and compensated at most "
                 f"once; final net {sc.nets}", got=bad[0], hint=HINT_DURABLE if sc.crash else bad[1])
    if nets != sc.nets:
        fail(case=sc.name, input=_describe(sc), expected=f"net per saga {sc.nets} in the records op/<key>",
             got=f"net per saga {nets}; records {dict(storage)}",
             hint=sc.hint if sc.hint in (HINT_LATE, HINT_DURABLE) else HINT_NET)
    if tuple(log.replies) != sc.replies:
        fail(case=sc.name, input=_describe(sc), expected=f"replies {list(sc.replies)}", got=f"replies {log.replies}",
             hint=sc.hint if sc.hint in (HINT_LATE, HINT_DURABLE) else HINT_RETURN)
    for what, want, got in (("apply_do", sc.do_returns, log.do_returns), ("apply_undo", sc.undo_returns,
                                                                          log.undo_returns)):
        if want is not None and tuple(got) != want:
            fail(case=sc.name, input=_describe(sc), expected=f"{what} returned {list(want)}, call by call",
                 got=f"{what} returned {got}", hint=HINT_RETURN)
    _records_match(cls, sim, sc)


def draws_once(cls: type) -> None:
    """fail_prob 0.5, one key, five copies of the Do: every reply the same, and the reference's."""
    for seed in range(20, 28):
        sc = Scenario(f"five copies of one Do, fail_prob 0.5, seed {seed}",
                      tuple((1 + 15 * i, "Do s1") for i in range(5)), 0.5, (), {}, None, None, HINT_DRAW, seed=seed)
        _sim, want = play(SagaService, sc)
        sim, got = play(cls, sc)
        if got.replies != want.replies:
            fail(case=sc.name, input=_describe(sc), expected=f"replies {want.replies}", got=f"replies {got.replies}",
                 hint=HINT_DRAW)
        _records_match(cls, sim, sc)


# -- the saga campaign's schedules ----------------------------------------------------------------------------


def choreographed(cls: type) -> type:
    """``cls``'s apply_do and apply_undo inside a choreographed service."""
    if issubclass(cls, ChoreoService):
        return cls
    if cls is SagaService:
        return ChoreoService
    return type(cls.__name__, (cls, ChoreoService), {})


def campaign_run(cls: type, seed: int, choreography: bool) -> Simulation:
    """The saga campaign's run (5 sagas, fail 0.3 on the last two steps, 10% duplicates, its fault schedule)."""
    sim = Simulation(seed, latency=(1.0, 10.0), duplicate=0.1, trace=True)
    if choreography:
        kind = choreographed(cls)
        for i, name in enumerate(SERVICES):
            sim.add_node(name, kind, chain=SERVICES, sagas=IDS if i == 0 else (), fail_prob=0.3 if i else 0.0)
    else:
        sim.add_node("orchestrator", Orchestrator, sagas=IDS, steps=DEFAULT_STEPS)
        for i, name in enumerate(SERVICES):
            sim.add_node(name, cls, fail_prob=0.3 if i else 0.0)
    saga_schedule(seed, variant="choreography" if choreography else "correct").apply_to(sim)
    how = "choreographed" if choreography else "orchestrated"
    with in_simulation(case=f"saga campaign seed {seed} ({how})", input=f"seed {seed}"):
        sim.run(until=FAULT_PHASE)
        sim.net.configure(loss=0.0, duplicate=0.1)
        for node in sim.node_ids:
            sim.cancel_crash(node)
            if sim.status(node) == DOWN:
                sim.restart(node)
        sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def finished(sim: Simulation) -> bool:
    if "orchestrator" in sim.node_ids:
        return all(sim.storage("orchestrator").get(f"saga/{s}", {}).get("phase") in ("completed", "compensated")
                   for s in IDS)
    return not any(k.startswith("owe/") and v is not None for n in SERVICES for k, v in sim.storage(n).items())


def check_campaign(cls: type, seed: int, choreography: bool) -> dict[str, str]:
    how = "choreographed" if choreography else "orchestrated"
    case = f"saga campaign seed {seed} ({how})"
    schedule = saga_schedule(seed, variant="choreography" if choreography else "correct")
    input = (f"{SAGAS} {how} sagas of create order, reserve stock, charge card (the last two fail with probability "
             f"0.3), 10% duplicated messages; faults: {schedule}")
    sim = campaign_run(cls, seed, choreography)
    for saga in IDS:
        for i, name in enumerate(SERVICES):
            bad = once_violation(sim, name, f"{saga}:{i}")
            if bad:
                fail(case=case, input=input, expected="every step applied at most once and compensated at most once",
                     got=bad[0], hint=bad[1])
    bad = saga_violation(sim, IDS)
    if bad:
        fail(case=case, input=input, expected="every saga all applied or all compensated, in reverse order",
             got=f"{bad}; outcomes {saga_outcomes(sim, IDS)}", hint=HINT_ALSO if choreography else HINT_LATE)
    if not finished(sim):
        fail(case=case, input=input, expected="every saga finished once the faults end (nothing left to send)",
             got=f"outcomes {saga_outcomes(sim, IDS)}", hint=HINT_ALSO if choreography else HINT_RETURN)
    return saga_outcomes(sim, IDS)


def _summary(cls: type) -> dict[str, str]:
    return saga_outcomes(campaign_run(cls, 709, False), IDS)


@exercise("13-drill-saga-undo", title="Drill: a saga step and its compensation, each once per idempotency key",
          theme="T13", concepts=("X03",), kind="drill",
          reference=("dsworkbook.transactions.saga.SagaService.apply_do",
                     "dsworkbook.transactions.saga.SagaService.apply_undo"))
def grade_drill_saga_undo(KeyedSagaService: Any) -> str:
    """A subclass of :class:`~dsworkbook.transactions.saga.SagaService` whose ``apply_do`` and
    ``apply_undo`` apply a step and its compensation at most once per idempotency key, from the
    durable record ``op/<key>``, and refuse a step whose compensation came first.

    Hand-driven against one service: a duplicated Do; a duplicated Undo; an Undo before its Do
    (then the Do twice); a failed step's Undo; a late copy of an applied and compensated Do; two
    sagas' keys; crashes after 0 or 1 effects of a Do or an Undo handler (between the persist and
    the reply), then a restart and the retry; five copies of a Do with fail_prob 0.5 on 8 seeds,
    against the reference. Replies, return values, the final net per key and every change of it
    (read off the trace: at most one application and one compensation), and every record written
    (the reference's, write by write) are checked. Then the saga
    campaign's fault schedules, orchestrated (6 seeds) and choreographed (4 seeds): always each
    step at most once each way and every saga all applied or all compensated in reverse order;
    sometimes every saga finished, one applied and one compensated; one run in two worlds.
    """
    need_service_class(KeyedSagaService)
    cls = KeyedSagaService
    for sc in SCENARIOS:
        check_scenario(cls, sc)
    draws_once(cls)
    seen: set[str] = set()
    for seed in ORCHESTRATED_SEEDS:
        seen |= set(check_campaign(cls, seed, False).values())
    for seed in CHOREOGRAPHED_SEEDS:
        seen |= set(check_campaign(cls, seed, True).values())
    if not {"applied", "compensated"} <= seen:
        fail(case="saga campaign, every seed", input=f"seeds {ORCHESTRATED_SEEDS} and {CHOREOGRAPHED_SEEDS}",
             expected="some saga applied and some compensated", got=sorted(seen), hint=HINT_RETURN)
    same_everywhere(lambda: _summary(cls), input="saga campaign seed 709, orchestrated", case="a run in two worlds")
    return (f"{len(SCENARIOS)} hand-driven scenarios (duplicates, an Undo before its Do, crashes before the reply) "
            f"and 8 seeds of repeated Do's; saga campaign seeds {ORCHESTRATED_SEEDS[0]}-{ORCHESTRATED_SEEDS[-1]} "
            f"orchestrated and {CHOREOGRAPHED_SEEDS[0]}-{CHOREOGRAPHED_SEEDS[-1]} choreographed: every step and "
            "compensation at most once, every saga all applied or all compensated; the same in two worlds")
