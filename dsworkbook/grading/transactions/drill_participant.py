"""Exercise ``13-drill-participant``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.grading.core import exercise, fail, in_simulation, same_everywhere
from dsworkbook.sim import DOWN, Simulation
from dsworkbook.transactions.commit_campaign import (FAULT_PHASE, PARTICIPANTS, SETTLE, TXNS, commit_schedule,
                                                     commit_violation)
from dsworkbook.transactions.twophase import (Coordinator, Participant, StatusQuery, atomicity_violation,
                                              participant_states)

CAMPAIGN_SEEDS = tuple(range(300, 316))
HINT_PERSIST = ("a crash fell between two effects of _vote: the yes vote (send Prepared) may leave only after the "
                "prepared record (with locked_at) and the lock are persisted - persist first, then send")
HINT_ALONE = ("a prepared participant is uncertain: on the (\"uncertain\", txn) timer it must not commit or abort on "
              "its own - it asks (self._ask(txn)) and keeps asking until someone tells it the outcome")
HINT_LOCK = ("two transactions were prepared at once at one participant: vote no while self.storage['lock'] holds "
             "another transaction, and take the lock with self.persist(lock=txn) (durable, so a restart keeps it)")
HINT_LIVE = ("a participant stayed prepared although the outcome was known elsewhere: on every (\"uncertain\", txn) "
             "timer call self._ask(txn) - it asks the coordinator and, with cooperative=True, the other "
             "participants - and arm the timer in _vote")
HINT_QUIET = ("a participant asked for the outcome of a transaction it had already committed or aborted: ask only while "
              "the transaction is prepared (check self.state(txn) == \"prepared\" in on_timer), and use the "
              "(\"uncertain\", txn) timer, which self._finish cancels - a timer of your own keeps firing after the end")
HINT_NO = "vote no with probability self.no_prob, drawn from the node's own generator: self.rng.random() < self.no_prob"


def need_participant_class(answer: Any) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, Participant)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of dw.transactions.Participant",
             got=type(answer).__name__, hint="write class SafeParticipant(NotesParticipant) with _vote and on_timer")


#: per simulation built by :func:`build`: the StatusQuery messages sent about a decided transaction
_LATE_QUERIES: dict[int, list[str]] = {}


def _probed(cls: type, late: list[str]) -> type:
    """``cls`` with its sends watched: a StatusQuery about a committed or aborted transaction is noted."""
    def send(self: Any, dst: str, msg: Any) -> None:
        if isinstance(msg, StatusQuery) and self.state(msg.txn) in ("committed", "aborted"):
            late.append(f"{self.id} asked {dst} about {msg.txn} at t={self.now():g}, already {self.state(msg.txn)}")
        cls.send(self, dst, msg)

    return type(cls.__name__, (cls,), {"send": send, "__qualname__": cls.__qualname__, "__module__": cls.__module__})


def build(cls: type, seed: int, *, txns: int = 1, no_prob: float = 0.0, cooperative: bool = False,
          latency: tuple[float, float] = (5.0, 5.0), participants: tuple[str, ...] = PARTICIPANTS) -> Simulation:
    """Coordinator ``tm`` (the library's) and participants of class ``cls`` (their late queries watched)."""
    sim = Simulation(seed, latency=latency, trace=False)
    late: list[str] = []
    _LATE_QUERIES[id(sim)] = late
    sim.add_node("tm", Coordinator, participants=list(participants), txns=[f"t{i}" for i in range(1, txns + 1)])
    for p in participants:
        sim.add_node(p, _probed(cls, late), coordinator="tm", others=list(participants), no_prob=no_prob,
                     cooperative=cooperative)
    return sim


def _quiet(sim: Simulation, case: str, input: Any) -> None:
    """No participant asked about a transaction whose outcome it knew (a storm of useless queries)."""
    late = _LATE_QUERIES.pop(id(sim), [])
    if late:
        fail(case=case, input=input, expected="queries only about prepared transactions",
             got=f"{len(late)} queries after the outcome was known, the first: {late[0]}", hint=HINT_QUIET)


def run(sim: Simulation, until: float, case: str, input: Any) -> Simulation:
    with in_simulation(case=case, input=input):
        sim.run(until=until)
    return sim


def overlapping_locks(sim: Simulation, participants: tuple[str, ...], txns: int) -> str | None:
    """Two transactions prepared at once at one participant (from the durable locked_at/released_at)."""
    for p in participants:
        spans = []
        for i in range(1, txns + 1):
            rec = sim.storage(p).get(f"txn/t{i}", {})
            if isinstance(rec, dict) and "locked_at" in rec:
                spans.append((rec["locked_at"], rec.get("released_at", float("inf")), f"t{i}"))
        spans.sort()
        for (a0, a1, ta), (b0, b1, tb) in zip(spans, spans[1:]):
            if b0 < a1:
                return f"{p} prepared {tb} at t={b0:g} while {ta} (prepared at t={a0:g}) still held its lock"
    return None


def states(sim: Simulation, txns: int, participants: tuple[str, ...] = PARTICIPANTS) -> dict[str, dict[str, str]]:
    return {f"t{i}": participant_states(sim, participants, f"t{i}") for i in range(1, txns + 1)}


def _hint_for(sim: Simulation, txns: int) -> str:
    """Decided alone (a logged yes vote, then the opposite outcome) or lost a vote (no logged yes vote)."""
    for i in range(1, txns + 1):
        recs = {p: sim.storage(p).get(f"txn/t{i}", {}) for p in PARTICIPANTS}
        if any("conflict" in r and "locked_at" in r for r in recs.values()):
            return HINT_ALONE
        if any(r.get("state") == "aborted" and "locked_at" in r and "released_at" in r for r in recs.values()) and \
                any(r.get("state") == "committed" for r in recs.values()):
            return HINT_ALONE
    return HINT_PERSIST


def _safe(sim: Simulation, case: str, input: Any, txns: int, hint: str = "") -> None:
    bad = atomicity_violation(sim, PARTICIPANTS, [f"t{i}" for i in range(1, txns + 1)])
    if bad:
        fail(case=case, input=input, expected="every transaction committed everywhere or aborted everywhere",
             got=f"{bad}; states: {states(sim, txns)}", hint=_hint_for(sim, txns))
    lock = overlapping_locks(sim, PARTICIPANTS, txns)
    if lock:
        fail(case=case, input=input, expected="one prepared transaction at a time per participant", got=lock,
             hint=HINT_LOCK)
    _quiet(sim, case, input)


def _settled(sim: Simulation, case: str, input: Any, txns: int, expected: dict[str, str]) -> None:
    got = {t: sorted(set(s.values())) for t, s in states(sim, txns).items()}
    want = {t: [v] for t, v in expected.items()}
    if got != want:
        fail(case=case, input=input, expected={t: f"{v} at every participant" for t, v in expected.items()},
             got=states(sim, txns), hint=HINT_LIVE if any("prepared" in v for v in got.values()) else HINT_PERSIST)


# -- hand-driven scenarios -----------------------------------------------------------------------------------


def torn_vote(cls: type, after: int) -> tuple[Simulation, str, str]:
    """rm2 crashes inside its vote handler after ``after`` effects, restarts 30 ms later; then t2."""
    case = f"rm2 crashes inside its vote for t1 after {after} of the handler's effects, restarts at t=40"
    input = "2 transactions (t1 at t=1, t2 at t=201), 3 participants, every message 5 ms, cooperative=False"
    sim = build(cls, 11, txns=2)
    sim.crash_within("rm2", after)
    sim.at(40.0, sim.restart, "rm2")
    return run(sim, 1500.0, case, input), case, input


def torn_uncertain(cls: type, after: int) -> tuple[Simulation, str, str]:
    """As :func:`torn_vote`, but tm->rm2 is cut until t=200, so rm2 is still uncertain when t2's Prepare comes."""
    case = (f"rm2 crashes inside its vote for t1 after {after} of the handler's effects, restarts at t=40; "
            "tm->rm2 is cut from t=12 to t=200, so t2's Prepare reaches rm2 before t1's outcome")
    input = "2 transactions (t1 at t=1, t2 at t=201), 3 participants, every message 5 ms, cooperative=False"
    sim = build(cls, 18, txns=2)
    sim.crash_within("rm2", after)
    sim.at(12.0, sim.net.cut, "tm", "rm2")
    sim.at(40.0, sim.restart, "rm2")
    sim.at(200.0, sim.net.restore, "tm", "rm2")
    return run(sim, 1500.0, case, input), case, input


def coordinator_down(cls: type) -> tuple[Simulation, str, str]:
    """Every participant votes yes; tm crashes before logging its decision; back 900 ms later."""
    case = "tm crashes in the handler of the last yes vote (no decision logged), restarts 900 ms later"
    input = "2 transactions (t1 at t=1, t2 at t=201), 3 participants, every message 5 ms, cooperative=True"
    sim = build(cls, 12, txns=2, cooperative=True)
    sim.run(until=2.0)
    sim.crash_within("tm", 0)
    while sim.status("tm") != DOWN and sim.step():
        pass
    sim.at(sim.now + 900.0, sim.restart, "tm")
    return run(sim, 2500.0, case, input), case, input


def commit_lost(cls: type) -> tuple[Simulation, str, str]:
    """tm decides commit; rm3 is cut off from tm for 600 ms before the Commit reaches it."""
    case = "tm decides commit, but rm3 hears nothing from tm for 600 ms (tm->rm3 cut at t=12)"
    input = "1 transaction, 3 participants, every message 5 ms, cooperative=False"
    sim = build(cls, 13)
    sim.at(12.0, sim.net.cut, "tm", "rm3")
    sim.at(612.0, sim.net.restore, "tm", "rm3")
    return run(sim, 1500.0, case, input), case, input


def coordinator_gone(cls: type) -> tuple[Simulation, str, str]:
    """rm3 is isolated before the Commit; tm crashes for good at t=100; rm3 rejoins at t=400."""
    case = "rm3 isolated from t=12 to t=400; tm commits, then crashes for good at t=100"
    input = "1 transaction, 3 participants, every message 5 ms, cooperative=True"
    sim = build(cls, 14, cooperative=True)
    sim.at(12.0, sim.net.isolate, "rm3")
    sim.at(100.0, sim.crash, "tm")
    sim.at(400.0, sim.net.heal)
    return run(sim, 1500.0, case, input), case, input


def crash_while_prepared(cls: type) -> tuple[Simulation, str, str]:
    """rm1 is uncertain about t1 (tm's replies cut off) and restarts while prepared; then t2's Prepare."""
    case = ("tm decides t1 but tm->rm1 is cut from t=12 to t=200; rm1 crashes at t=120 and restarts at t=180; "
            "t2's Prepare reaches rm1 before t1's Commit")
    input = "2 transactions (t1 at t=1, t2 at t=201), 3 participants, every message 5 ms, cooperative=False"
    sim = build(cls, 15, txns=2)
    sim.at(12.0, sim.net.cut, "tm", "rm1")
    sim.at(120.0, sim.crash, "rm1")
    sim.at(180.0, sim.restart, "rm1")
    sim.at(200.0, sim.net.restore, "tm", "rm1")
    return run(sim, 1500.0, case, input), case, input


def campaign_run(cls: type, seed: int) -> Simulation:
    """The commit campaign's run, with participants of class ``cls`` (crash mix, torn handlers)."""
    sim = build(cls, seed, txns=TXNS, no_prob=0.1, latency=(1.0, 10.0))
    commit_schedule(seed, variant="correct", mix="crash").apply_to(sim)
    with in_simulation(case=f"commit campaign seed {seed}", input=f"seed {seed}: crash mix, 4 transactions"):
        sim.run(until=FAULT_PHASE)
        sim.net.heal()
        for node in sim.node_ids:
            sim.cancel_crash(node)
            if sim.status(node) == DOWN:
                sim.restart(node)
        sim.run(until=FAULT_PHASE + SETTLE)
    return sim


def _summary(cls: type, seed: int, no_prob: float) -> dict[str, Any]:
    sim = run(build(cls, seed, txns=4, no_prob=no_prob, latency=(1.0, 10.0)), 1500.0,
              "a run in two worlds", f"seed {seed}, no_prob {no_prob}")
    _LATE_QUERIES.pop(id(sim), None)
    return states(sim, 4)


@exercise("13-drill-participant", title="Drill: a participant that logs before it votes and never decides alone",
          theme="T13", concepts=("X01",), kind="drill",
          reference=("dsworkbook.transactions.twophase.Participant._vote",
                     "dsworkbook.transactions.twophase.Participant.on_timer"))
def grade_drill_participant(SafeParticipant: Any) -> str:
    """A subclass of :class:`~dsworkbook.transactions.twophase.Participant` whose ``_vote`` votes no
    when locked (or with probability ``no_prob``) and otherwise persists the prepared record and the
    lock *before* it sends its yes vote, and whose ``on_timer`` only asks (``_ask``) while uncertain.

    Hand-driven: a crash inside the vote handler after each number of its effects (0-5); the
    coordinator down for 900 ms after every yes vote; a Commit that cannot reach one participant
    for 600 ms; the coordinator gone for good while one participant is isolated (cooperative
    termination must finish it); a prepared participant that crashes and restarts before the next
    Prepare; no_prob 1 and 0. Then 16 seeds of the commit campaign's crash schedules (always:
    atomicity and one prepared transaction at a time; sometimes: commits, nobody left prepared),
    and one run in two worlds.
    """
    need_participant_class(SafeParticipant)
    cls = SafeParticipant
    for after in range(6):
        sim, case, input = torn_vote(cls, after)
        _safe(sim, case, input, 2, HINT_PERSIST)
        left = {t: s for t, s in states(sim, 2).items() if "prepared" in s.values() or "working" in s.values()}
        if left:
            fail(case=case, input=input, expected="both transactions decided at every participant",
                 got=states(sim, 2), hint=HINT_LIVE if any("prepared" in s.values() for s in left.values())
                 else HINT_PERSIST)
    for after in (2, 3):
        sim, case, input = torn_uncertain(cls, after)
        _safe(sim, case, input, 2, HINT_PERSIST)
    sim, case, input = coordinator_down(cls)
    _safe(sim, case, input, 2, HINT_ALONE)
    _settled(sim, case, input, 2, {"t1": "aborted", "t2": "committed"})
    sim, case, input = commit_lost(cls)
    _safe(sim, case, input, 1, HINT_ALONE)
    _settled(sim, case, input, 1, {"t1": "committed"})
    sim, case, input = coordinator_gone(cls)
    _safe(sim, case, input, 1, HINT_ALONE)
    _settled(sim, case, input, 1, {"t1": "committed"})
    sim, case, input = crash_while_prepared(cls)
    _safe(sim, case, input, 2, HINT_LOCK)
    _settled(sim, case, input, 2, {"t1": "committed", "t2": "aborted"})
    for no_prob, want in ((1.0, "aborted"), (0.0, "committed")):
        case, input = f"no_prob={no_prob:g}, no faults", f"3 transactions, 3 participants, no_prob {no_prob:g}"
        sim = run(build(cls, 16, txns=3, no_prob=no_prob), 1500.0, case, input)
        got = states(sim, 3)
        if any(set(s.values()) != {want} for s in got.values()):
            fail(case=case, input=input, expected=f"every transaction {want} at every participant", got=got,
                 hint=HINT_NO if no_prob == 1.0 else HINT_LOCK)
        _quiet(sim, case, input)
    commits = 0
    for seed in CAMPAIGN_SEEDS:
        case, input = f"commit campaign seed {seed}", f"seed {seed}: {commit_schedule(seed, mix='crash')}"
        sim = campaign_run(cls, seed)
        bad = commit_violation(sim) or overlapping_locks(sim, PARTICIPANTS, TXNS)
        if bad:
            fail(case=case, input=input, expected="atomicity, and one prepared transaction at a time",
                 got=bad, hint=HINT_LOCK if "still held" in bad else _hint_for(sim, TXNS))
        _quiet(sim, case, input)
        seen = states(sim, TXNS)
        if any("prepared" in s.values() for s in seen.values()):
            fail(case=case, input=input, expected="nobody left prepared after the faults end and the run settles",
                 got=seen, hint=HINT_LIVE)
        commits += sum(set(s.values()) == {"committed"} for s in seen.values())
    if commits == 0:
        fail(case=f"commit campaign seeds {CAMPAIGN_SEEDS[0]}-{CAMPAIGN_SEEDS[-1]}", input="crash mix, no_prob 0.1",
             expected="some transaction committed", got="none committed", hint=HINT_LOCK)
    same_everywhere(lambda: _summary(cls, 17, 0.5), input="seed 17, 4 transactions, no_prob 0.5",
                    case="a run in two worlds")
    return (f"safe and live in 8 torn votes and 4 hand-made outages; commit campaign seeds {CAMPAIGN_SEEDS[0]}-"
            f"{CAMPAIGN_SEEDS[-1]}: atomic, never two prepared at once, nobody left uncertain, {commits} commits; "
            "the same in two worlds")
