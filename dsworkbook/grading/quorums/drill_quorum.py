"""Exercise ``02-drill-quorum``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.quorums._common import linearizable, need_subclass, run_learner
from dsworkbook.sim import Simulation
from dsworkbook.storage.campaign import fault_schedule
from dsworkbook.storage.common import KVClient, client_ids, majority, random_workload, replica_ids
from dsworkbook.storage.cp import CPReplica
from dsworkbook.storage.experiment import Script, scripted_run

R5 = tuple(replica_ids(5))
FUZZ_SEEDS = tuple(range(20, 30))
_WRITES = tuple(("write", "x", v) for v in (40, 30, 20, 10))  # decreasing: the newest is not the biggest
_READS = tuple(("read", "x", None) for _ in range(6))


def _probe(cls: type, log: list[tuple[str, str, int, int]]) -> type:
    """The learner's class, recording for every answered operation how many replicas had replied and acked."""

    class Probe(cls):  # type: ignore[misc, valid-type]
        def _finish(self, op: Any) -> None:
            log.append((self.id, op.f, len(op.replies), len(op.acks) if op.phase == "propagate" else -1))
            super()._finish(op)

    Probe.__name__ = cls.__name__
    return Probe


def _build(cls: type) -> Any:
    def build(sim: Simulation) -> None:
        for r in R5:
            sim.add_node(r, cls, replicas=R5)
    return build


def _lagging(sim: Simulation) -> None:
    sim.at(60, sim.net.isolate, "n5")  # after c1's first write reached it
    sim.at(400, sim.net.heal)


SCENARIOS: dict[str, tuple[dict[str, Script], Any, str]] = {
    "no faults: three clients write and read x through n1, n2, n3": (
        {"c1": Script(("n1",), _WRITES, start_at=10), "c2": Script(("n2",), _READS, start_at=15),
         "c3": Script(("n3",), _WRITES[:2] + _READS[:2], start_at=20)}, None,
        "with no faults every operation should succeed: are you asking for more replicas than exist?"),
    "n5 is cut off after c1's first write through n1; after the heal c3 reads x through n5": (
        {"c1": Script(("n1",), _WRITES, start_at=20), "c3": Script(("n5",), _READS[:3], start_at=500)}, _lagging,
        "n5 missed c1's last writes, so its own copy is stale: a read must return the (tag, value) with the "
        "highest TAG among the quorum's replies - not the first reply, nor the biggest value"),
    "n5 is cut off after c1's first write through n1; after the heal c3 writes x through n5 and c2 reads it": (
        {"c1": Script(("n1",), _WRITES, start_at=20), "c3": Script(("n5",), (("write", "x", 99),), start_at=500),
         "c2": Script(("n2",), _READS[:3], start_at=700)}, _lagging,
        "n5's own counter is behind: a write must take a tag above every tag the quorum reported "
        "(max(seen.counter, self.counter) + 1), or the replicas ignore it as older than what they hold"),
}


def _check_answered(log: list[tuple[str, str, int, int]], case: str) -> None:
    need = majority(len(R5))
    for node, f, replies, acks in log:
        if replies < need or (acks != -1 and acks < need):
            got = f"{replies} query replies" + (f" and {acks} propagate acks" if acks != -1 else "")
            fail(case=case, input=f"a {f} coordinated by {node} among {len(R5)} replicas",
                 expected=f"answered only after {need} replicas replied (and {need} acknowledged a propagate)",
                 got=f"answered after {got}",
                 hint="a write is stored when a majority ACKNOWLEDGED it; counting the replicas you sent it to "
                      "(the 'available' ones) reports success for a write that may sit on one replica")


def _check_run(sim: Simulation, log: list, case: str, hint: str, *, all_ok: bool = False) -> None:
    _check_answered(log, case)
    counts = sim.history.counts()
    if all_ok and counts["ok"] != len(sim.history):
        fail(case=case, input=f"seed={sim.seed}", expected=f"all {len(sim.history)} operations ok",
             got=f"{counts}", hint=hint)
    verdict = linearizable(sim)
    if verdict.ok is False:
        fail(case=case, input=f"seed={sim.seed}", expected="a linearizable history",
             got=verdict.explain(), hint=hint)


@exercise("02-drill-quorum", title="Drill: fix the seeds' quorum store", theme="T02", concepts=("Q01",), kind="drill")
def grade_drill_quorum(FixedQuorumReplica: Any) -> str:
    """A class: ``dw.storage.NaiveQuorumReplica`` with its four mistakes fixed.

    Subclass ``NaiveQuorumReplica`` and override ``quorum_size(self, n)`` (a majority),
    ``write_done(self, op)`` (a quorum of ``op.acks``, the replicas that acknowledged),
    ``latest(self, replies)`` (the ``(tag, value)`` with the highest tag; ``replies`` maps a
    replica to ``(tag, value)``) and ``next_tag(self, seen)`` (``Tag(max(seen.counter,
    self.counter) + 1, self.id)``). Checked: ``quorum_size`` for n = 1..120; five replicas in three
    scripted scenarios and ten seeds of random partitions, crashes and loss, where every
    operation must be answered only after a majority replied and every history must be
    linearizable.
    """
    need_subclass(FixedQuorumReplica, CPReplica, "write class FixedQuorumReplica(dw.storage.NaiveQuorumReplica)")
    probe = FixedQuorumReplica("n1", replicas=R5)
    for n in range(1, 121):
        got = attempt(probe.quorum_size, n, input=f"quorum_size({n})", case=f"quorum_size({n})")
        if got != majority(n):
            fail(case=f"quorum_size({n})", input=f"n={n}", expected=majority(n), got=got,
                 hint="a majority is n // 2 + 1; ceil(n * 0.51) asks for one replica too many from n = 51 on"
                 if isinstance(got, int) and got > majority(n) else "two quorums must always share a replica")
    for case, (scripts, faults, hint) in SCENARIOS.items():
        log: list = []
        build = _build(_probe(FixedQuorumReplica, log))
        sim = run_learner(lambda b=build, s=scripts, f=faults: scripted_run(b, 7, s, faults=f, until=2500), case=case)
        _check_run(sim, log, case, hint, all_ok=faults is None)
    ok = 0
    cls = client_ids(3)
    for seed in FUZZ_SEEDS:
        log = []
        sched = fault_schedule(seed, list(R5), cls, duration=1200.0)

        def make(seed: int = seed, sched: Any = sched, log: list = log) -> Simulation:
            sim = Simulation(seed=seed, latency=(1, 10))
            _build(_probe(FixedQuorumReplica, log))(sim)
            return _clients(sim, seed, sched)

        case = f"seed {seed}: random partitions, cuts, crashes, pauses and loss"
        sim = run_learner(make, case=case)
        _check_run(sim, log, case, "every decision matters under faults: quorum size, counting acks, the highest "
                                   "tag, and a tag above the quorum's")
        ok += sim.history.counts()["ok"]
    return (f"quorum_size right for n = 1..120; all three scenarios and seeds {FUZZ_SEEDS[0]}-{FUZZ_SEEDS[-1]} under "
            f"faults linearizable, every answer after a majority ({ok} ok operations on the fuzz seeds)")


def _clients(sim: Simulation, seed: int, sched: Any) -> Simulation:
    cls = client_ids(3)
    work = random_workload(seed, cls, ops=12, keys=("x", "y"))
    for i, c in enumerate(cls):
        sim.add_node(c, KVClient, servers=R5[i:] + R5[:i], ops=work.ops[c], think=5.0, req_base=(i + 1) * 100_000)
    sched.apply_to(sim)
    sim.run(until=3500)
    return sim
