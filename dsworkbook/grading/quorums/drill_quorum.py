"""Exercise ``02-drill-quorum``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.quorums._common import linearizable, need_subclass, run_learner
from dsworkbook.sim import Request, Simulation
from dsworkbook.storage.campaign import fault_schedule
from dsworkbook.storage.common import KVClient, client_ids, majority, random_workload, replica_ids
from dsworkbook.storage.cp import ZERO, CPReplica, Tag, _Op
from dsworkbook.storage.experiment import Script, scripted_run

R5 = tuple(replica_ids(5))
FUZZ_SEEDS = tuple(range(20, 36))
RANDOM_SEED = 17
_WRITES = tuple(("write", "x", v) for v in (40, 30, 20, 10))  # decreasing: the newest is not the biggest
_READS = tuple(("read", "x", None) for _ in range(6))


# -- the four methods, one at a time --------------------------------------------------------------------


def _draw_replies(rng: random.Random) -> tuple[int, dict[str, tuple[Tag, Any]]]:
    """Replies of k of n replicas: a few writes (tags with small counters, writers n1..nN), some replicas at ZERO."""
    n = rng.choice((3, 5, 7, 12, 25, 40))
    reps = replica_ids(n)
    k = rng.randint(majority(n), n)
    values = rng.sample(range(10, 10_000), 8)
    pool: list[tuple[Tag, Any]] = [(ZERO, None)]
    tags: set[Tag] = set()
    while len(tags) < rng.randint(1, 6):
        # few counters and writers n9/n10, n1/n12...: equal counters with different writers are common
        tags.add(Tag(rng.randint(1, 4), rng.choice(reps)))
    pool += [(t, values[i]) for i, t in enumerate(sorted(tags))]
    chosen = rng.sample(reps, k)
    return n, {r: rng.choice(pool) for r in chosen}


def _check_latest(cls: type) -> int:
    probe = cls("n1", replicas=R5)
    cases = [("every replica answered ZERO (nobody wrote x)", {r: (ZERO, None) for r in R5[:3]}),
             ("equal counters, writers n9 and n10", {"n1": (Tag(3, "n9"), 7), "n2": (Tag(3, "n10"), 8),
                                                    "n3": (Tag(2, "n1"), 9)}),
             ("the newest tag holds the smallest value", {"n1": (Tag(1, "n1"), 99), "n2": (Tag(4, "n2"), 1),
                                                         "n3": (Tag(2, "n3"), 50)}),
             ("the newest reply comes last", {"n1": (ZERO, None), "n2": (Tag(1, "n1"), 5), "n3": (Tag(5, "n2"), 6)})]
    cases += [(case, replies) for case, (_, replies) in random_cases(RANDOM_SEED, 300, _draw_replies)]
    for case, replies in cases:
        shown = f"latest({replies!r})"
        got = attempt(probe.latest, dict(replies), input=shown, case=f"latest: {case}")
        expected = max(replies.values(), key=lambda tv: tv[0])
        try:
            same = tuple(got) == expected
        except TypeError:
            same = False
        if not same:
            fail(case=f"latest: {case}", input=shown, expected=expected, got=got,
                 hint="return the (tag, value) pair whose Tag is highest - compare the Tag objects themselves "
                      "(counter first, then writer id as a string, so Tag(3, 'n9') > Tag(3, 'n10')); not the "
                      "first reply, not the biggest value")
    return len(cases)


def _draw_tags(rng: random.Random) -> tuple[int, str, int, Tag]:
    n = rng.choice((3, 5, 9, 12, 40))
    me = rng.choice(replica_ids(n))
    counter = rng.choice((0, 1, 2, 5, 9, 10, 11, 30))
    seen = ZERO if rng.random() < 0.15 else Tag(rng.choice((counter, counter + 1, max(0, counter - 1), 0, 10, 12)),
                                                rng.choice(replica_ids(n)))
    return n, me, counter, seen


def _check_next_tag(cls: type) -> int:
    cases = [("seen is newer than anything this replica issued", (5, "n1", 2, Tag(7, "n3"))),
             ("this replica issued a newer tag than the quorum reported", (5, "n2", 9, Tag(4, "n1"))),
             ("equal counters", (5, "n3", 6, Tag(6, "n5"))),
             ("nobody wrote yet", (5, "n4", 0, ZERO))]
    cases += list(random_cases(RANDOM_SEED + 1, 300, _draw_tags))
    for case, (n, me, counter, seen) in cases:
        probe = cls(me, replicas=replica_ids(n))
        probe.counter = counter
        shown = f"next_tag({seen!r}) on {me} with self.counter = {counter}"
        got = attempt(probe.next_tag, seen, input=shown, case=f"next_tag: {case}")
        expected = Tag(max(seen.counter, counter) + 1, me)
        if got != expected:
            fail(case=f"next_tag: {case}", input=shown, expected=expected, got=got,
                 hint="the new tag must be above seen (what the quorum reported) AND above every tag this replica "
                      "issued before (self.counter): Tag(max(seen.counter, self.counter) + 1, self.id)")
    return len(cases)


def _draw_acks(rng: random.Random) -> tuple[int, frozenset[str]]:
    n = rng.choice((1, 2, 3, 4, 5, 6, 7, 10, 11, 24, 25, 40, 45))
    reps = replica_ids(n)
    size = max(0, min(n, majority(n) + rng.choice((-2, -1, -1, 0, 0, 1, 2))))
    return n, frozenset(rng.sample(reps, size))


def _check_write_done(cls: type) -> int:
    cases = [("2 of 5 acknowledged, all 5 sent", (5, frozenset({"n1", "n2"}))),
             ("3 of 5 acknowledged", (5, frozenset({"n1", "n4", "n5"}))),
             ("3 of 6 acknowledged (half is not a majority)", (6, frozenset({"n1", "n2", "n3"})))]
    cases += list(random_cases(RANDOM_SEED + 2, 300, _draw_acks))
    for case, (n, acks) in cases:
        reps = replica_ids(n)
        probe = cls("n1", replicas=reps)
        op = _Op(("n1", 1, 1), "c1", Request(1, "write", ("x", 1)), "write", "x", 1, phase="propagate",
                 replies={r: (ZERO, None) for r in reps}, acks=set(acks), sent=set(reps))
        shown = f"write_done(op) among {n} replicas: op.acks = {sorted(acks)}, op.sent = every replica"
        got = attempt(probe.write_done, op, input=shown, case=f"write_done: {case}")
        expected = len(acks) >= majority(n)
        if got is not expected and got != expected:
            fail(case=f"write_done: {case}", input=shown, expected=expected, got=got,
                 hint="a write is stored once a majority ACKNOWLEDGED it: count op.acks against quorum_size(n) - "
                      "not op.sent (sent is not stored), not every replica (one replica down would block writes)")
    return len(cases)


# -- the class inside the simulator ----------------------------------------------------------------------


def _probe(cls: type, log: list[tuple[str, str, int, int]]) -> type:
    """The learner's class, recording for every answered operation how many replicas had replied and acked."""

    class Probe(cls):  # type: ignore[misc, valid-type]
        def _finish(self, op: Any) -> None:
            log.append((self.id, op.f, len(op.replies), len(op.acks) if op.phase == "propagate" else -1))
            super()._finish(op)

    Probe.__name__ = cls.__name__
    return Probe


def _build(cls: type, reps: tuple[str, ...] = R5) -> Any:
    def build(sim: Simulation) -> None:
        for r in reps:
            sim.add_node(r, cls, replicas=reps)
    return build


def _lagging(sim: Simulation) -> None:
    sim.at(60, sim.net.isolate, "n5")  # after c1's first write reached it
    sim.at(400, sim.net.heal)


def _two_down(sim: Simulation) -> None:
    sim.at(0, sim.crash, "n4")
    sim.at(0, sim.crash, "n5")


def _busy_n1(count: int, base: int) -> tuple[tuple[str, str, int], ...]:
    return tuple(("write", "x", base + i) for i in range(count))


#: (scripts, faults, hint, every operation must succeed)
SCENARIOS: dict[str, tuple[dict[str, Script], Any, str, bool]] = {
    "no faults: three clients write and read x through n1, n2, n3": (
        {"c1": Script(("n1",), _WRITES, start_at=10), "c2": Script(("n2",), _READS, start_at=15),
         "c3": Script(("n3",), _WRITES[:2] + _READS[:2], start_at=20)}, None,
        "with no faults every operation should succeed: are you asking for more replicas than exist?", True),
    "n4 and n5 are down (a minority): clients write and read x through n1, n2, n3": (
        {"c1": Script(("n1",), _WRITES, start_at=10), "c2": Script(("n2",), _READS, start_at=15),
         "c3": Script(("n3",), _WRITES[:2] + _READS[:2], start_at=20)}, _two_down,
        "with a minority down a quorum store must stay available: a write needs a majority of acknowledgements, "
        "not all of them, and not more than a majority", True),
    "n5 is cut off after c1's first write through n1; after the heal c3 reads x through n5": (
        {"c1": Script(("n1",), _WRITES, start_at=20), "c3": Script(("n5",), _READS[:3], start_at=500)}, _lagging,
        "n5 missed c1's last writes, so its own copy is stale: a read must return the (tag, value) with the "
        "highest TAG among the quorum's replies - not the first reply, nor the biggest value", False),
    "n5 is cut off after c1's first write through n1; after the heal c3 writes x through n5 and c2 reads it": (
        {"c1": Script(("n1",), _WRITES, start_at=20), "c3": Script(("n5",), (("write", "x", 99),), start_at=500),
         "c2": Script(("n2",), _READS[:3], start_at=700)}, _lagging,
        "n5's own counter is behind: a write must take a tag above every tag the quorum reported "
        "(max(seen.counter, self.counter) + 1), or the replicas ignore it as older than what they hold", False),
    "three clients write x through n1 at once, readers on n2..n5": (
        {"c1": Script(("n1",), _busy_n1(6, 100), start_at=10, think=0),
         "c2": Script(("n1",), _busy_n1(6, 200), start_at=10, think=0),
         "c3": Script(("n1",), _busy_n1(6, 300), start_at=11, think=0),
         "c4": Script(("n2", "n3", "n4", "n5"), _READS * 3, start_at=12, think=1, routing="round-robin"),
         "c5": Script(("n5", "n4", "n3", "n2"), _READS * 3, start_at=14, think=1, routing="round-robin")}, None,
        "writes coordinated by the same replica at the same time must get different tags: above what the "
        "quorum reported AND above every tag this replica issued (self.counter)", True),
}


def _check_answered(log: list[tuple[str, str, int, int]], n: int, case: str) -> None:
    need = majority(n)
    for node, f, replies, acks in log:
        if replies < need or (acks != -1 and acks < need):
            got = f"{replies} query replies" + (f" and {acks} propagate acks" if acks != -1 else "")
            fail(case=case, input=f"a {f} coordinated by {node} among {n} replicas",
                 expected=f"answered only after {need} replicas replied (and {need} acknowledged a propagate)",
                 got=f"answered after {got}",
                 hint="a write is stored when a majority ACKNOWLEDGED it; counting the replicas you sent it to "
                      "(the 'available' ones) reports success for a write that may sit on one replica")


def _check_run(sim: Simulation, log: list, n: int, case: str, hint: str, *, all_ok: bool = False) -> None:
    _check_answered(log, n, case)
    counts = sim.history.counts()
    if all_ok and counts["ok"] != len(sim.history):
        bad = [f"{op.process} {op.f} {op.key} ended {op.outcome or 'pending'}" for op in sim.history
               if op.outcome != "ok"]
        fail(case=case, input=f"seed={sim.seed}", expected=f"all {len(sim.history)} operations ok",
             got=f"{counts}; e.g. {bad[0]}", hint=hint)
    verdict = linearizable(sim)
    if verdict.ok is False:
        fail(case=case, input=f"seed={sim.seed}", expected="a linearizable history",
             got=verdict.explain(), hint=hint)


def _clients(sim: Simulation, seed: int, sched: Any, reps: tuple[str, ...]) -> Simulation:
    cls = client_ids(3)
    work = random_workload(seed, cls, ops=12, keys=("x", "y"))
    for i, c in enumerate(cls):
        sim.add_node(c, KVClient, servers=reps[i:] + reps[:i], ops=work.ops[c], think=5.0, req_base=(i + 1) * 100_000)
    sched.apply_to(sim)
    sim.run(until=3500)
    return sim


def _signature(sim: Simulation) -> tuple:
    return tuple((op.process, op.f, op.key, op.input, op.outcome, op.output, op.invoke_time, op.complete_time)
                 for op in sim.history)


@exercise("02-drill-quorum", title="Drill: fix the seeds' quorum store", theme="T02", concepts=("Q01",), kind="drill",
          reference=("dsworkbook.storage.cp.CPReplica.quorum_size", "dsworkbook.storage.cp.CPReplica.write_done",
                     "dsworkbook.storage.cp.CPReplica.latest", "dsworkbook.storage.cp.CPReplica.next_tag"))
def grade_drill_quorum(FixedQuorumReplica: Any) -> str:
    """A class: ``dw.storage.NaiveQuorumReplica`` with its four mistakes fixed.

    Subclass ``NaiveQuorumReplica`` and override ``quorum_size(self, n)`` (a majority),
    ``write_done(self, op)`` (a quorum of ``op.acks``, the replicas that acknowledged),
    ``latest(self, replies)`` (the ``(tag, value)`` with the highest tag; ``replies`` maps a
    replica to ``(tag, value)``) and ``next_tag(self, seen)`` (``Tag(max(seen.counter,
    self.counter) + 1, self.id)``). Checked method by method - ``quorum_size`` for n = 1..120
    and 1,000; ``latest``, ``next_tag`` and ``write_done`` on hand cases and 300 random cases
    each (up to 40 replicas; equal counters with different writers such as ``n9``/``n10``;
    replicas that never saw a write) - then as five replicas in five scripted scenarios (two
    replicas down: every operation must succeed; a lagging replica; three clients writing
    through one coordinator at once), on sixteen seeds of random partitions, crashes and loss
    with five and seven replicas, and in two worlds (string hashes, the global random and the
    clock differ). Every operation must be answered only after a majority replied and every
    history must be linearizable.
    """
    need_subclass(FixedQuorumReplica, CPReplica, "write class FixedQuorumReplica(dw.storage.NaiveQuorumReplica)")
    probe = FixedQuorumReplica("n1", replicas=R5)
    for n in list(range(1, 121)) + [1000, 1001]:
        got = attempt(probe.quorum_size, n, input=f"quorum_size({n})", case=f"quorum_size({n})")
        if got != majority(n) or isinstance(got, bool):
            fail(case=f"quorum_size({n})", input=f"n={n}", expected=majority(n), got=got,
                 hint="a majority is n // 2 + 1; ceil(n * 0.51) asks for one replica too many from n = 51 on"
                 if isinstance(got, int) and got > majority(n) else "two quorums must always share a replica: "
                 "more than half of n, for even n too")
    units = _check_latest(FixedQuorumReplica) + _check_next_tag(FixedQuorumReplica) + \
        _check_write_done(FixedQuorumReplica)
    for case, (scripts, faults, hint, all_ok) in SCENARIOS.items():
        log: list = []
        build = _build(_probe(FixedQuorumReplica, log))
        sim = run_learner(lambda b=build, s=scripts, f=faults: scripted_run(b, 7, s, faults=f, until=2500), case=case)
        _check_run(sim, log, len(R5), case, hint, all_ok=all_ok)
    ok = 0
    for seed in FUZZ_SEEDS:
        reps = R5 if seed % 2 == 0 else tuple(replica_ids(7))
        log = []
        sched = fault_schedule(seed, list(reps), client_ids(3), duration=1200.0)

        def make(seed: int = seed, sched: Any = sched, log: list = log, reps: tuple = reps) -> Simulation:
            sim = Simulation(seed=seed, latency=(1, 10))
            _build(_probe(FixedQuorumReplica, log), reps)(sim)
            return _clients(sim, seed, sched, reps)

        case = f"seed {seed}: {len(reps)} replicas, random partitions, cuts, crashes, pauses and loss"
        sim = run_learner(make, case=case)
        _check_run(sim, log, len(reps), case, "every decision matters under faults: quorum size, counting acks, "
                                              "the highest tag, and a tag above the quorum's")
        ok += sim.history.counts()["ok"]
    world_case = "seed 20 (5 replicas under faults), run in two worlds"
    sched20 = fault_schedule(20, list(R5), client_ids(3), duration=1200.0)

    def world_run() -> tuple:
        sim = Simulation(seed=20, latency=(1, 10))
        _build(FixedQuorumReplica)(sim)
        return _signature(run_learner(lambda: _clients(sim, 20, sched20, R5), case=world_case))

    same_everywhere(world_run, input="seed 20: the whole run's history", case=world_case)
    return (f"quorum_size right for n = 1..120 and 1,000; latest, next_tag and write_done right on {units} cases; "
            f"all {len(SCENARIOS)} scenarios (a minority down included) and seeds {FUZZ_SEEDS[0]}-{FUZZ_SEEDS[-1]} "
            f"under faults linearizable, every answer after a majority ({ok} ok operations on the fuzz seeds); "
            f"the same run in two worlds")
