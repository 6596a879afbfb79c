"""Helpers shared by the T06 graders: drive a learner's Raft server by hand, run it in faulty clusters.

Theory of operation
-------------------
A protocol handler is checked three ways, and every helper here serves one of them:

* **by hand** (:func:`harness_in_role`, :func:`effects_view`): one server in a chosen role and
  state, driven message by message with :class:`~dsworkbook.consensus.raft.harness.RaftHarness`
  (the etcd style), its effects compared with the reference's on the same state - the
  adversarial cases and the seeded random ones alike;
* **in clusters** (:func:`cluster_checks`): the fuzz campaign's 5-server cluster (and a
  7-server one) under heavy faults, with the five safety properties checked from the trace and
  every client command required to commit (the *sometimes* half: a stuck cluster fails);
* **twice** (:func:`same_run_everywhere`): one cluster run in two worlds that differ in string
  hashing, the global ``random`` and the clock; an answer that leans on any of them fails.

:func:`cluster_experiment` is the cluster check as an experiment over seeds, for the flakiness
meter (:mod:`dsworkbook.grading.flaky`): one seed, one run, the campaign's *always* check
(the five safety properties, then linearizability). A stalled cluster is not counted as a
failure there: the reference itself stalls on some seeds of this heavy schedule.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterable, Sequence

from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.fuzzing.raft import raft_problem
from dsworkbook.consensus.raft import RaftNode, RequestVoteReply, server_ids
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, fail, in_simulation, same_everywhere, seeded
from dsworkbook.sim import CancelTimer, FaultSchedule, Persist, Send, SetTimer, Simulation

__all__ = ["need_node_class", "run_in_cluster", "cluster_checks", "cluster_experiment", "cluster_case", "CLUSTER_CASE",
           "call_handler", "harness_in_role", "effects_view", "same_run_everywhere", "minority_down_checks", "ROLES"]

ROLES = ("follower", "candidate", "leader")


def cluster_case(servers: int = 5) -> str:
    return (f"a {servers}-server cluster serving 5 clients for 4 s under crashes (many), partitions, one-way cuts, "
            "loss, duplication, reordering, pauses and clock drift, then 1.5 s to recover")


CLUSTER_CASE = cluster_case(5)


def need_node_class(answer: Any, method: str, base: type = RaftNode) -> None:
    """Fail clearly unless ``answer`` is a subclass of ``base`` that defines ``method`` itself."""
    if not (inspect.isclass(answer) and issubclass(answer, base)):
        fail(case="the answer itself", input=repr(answer), expected=f"a subclass of {base.__name__}",
             got=type(answer).__name__,
             hint=f"write a subclass of {base.__name__} with a method {method}, and pass the class itself")
    if not any(method in vars(c) for c in answer.__mro__ if c is not base and issubclass(c, base)):
        fail(case="the answer itself", input=answer.__name__, expected=f"a class that defines {method}",
             got=f"{answer.__name__} does not define {method}", hint=f"define `def {method}(self, ...)` in your class")


def run_in_cluster(run: Callable[[], Simulation], case: str, servers: int = 5) -> Simulation:
    """Run a simulation with learner code in it; a stub is 'not attempted', a crash a clear failure."""
    with in_simulation(case=case, input=cluster_case(servers),
                       hint="your code raised inside a server; the message names the node, the handler and the time"):
        return run()
    raise AssertionError("unreachable")  # pragma: no cover


def cluster_checks(node_class: type[RaftNode] | None, seeds: Iterable[int], *, hint: str, servers: int = 5,
                   schedule: Callable[..., FaultSchedule] = raft_schedule, **run_kwargs: Any) -> tuple[int, int]:
    """Run the fuzz campaign's cluster with ``node_class`` on ``seeds``: safe and live, or fail.

    Returns (commands answered, leaders elected) over all seeds, for the summary line.
    """
    answered = leaders = 0
    nodes = server_ids(servers)
    for seed in seeds:
        case = f"the {servers}-server cluster run with seed {seed}"
        with seeded(seed):
            sim = run_in_cluster(lambda: raft_run(seed, schedule(seed, nodes), node_class=node_class, servers=servers,
                                                  **run_kwargs), case, servers)
            report = check_safety(sim)
            if not report.ok:
                fail(case=case, input=cluster_case(servers), expected="all five safety properties hold",
                     got=report.violations[0].describe(), hint=hint)
            if not raft_progress(sim):
                counts = sim.history.counts()
                fail(case=case, input=cluster_case(servers), expected="every client command committed and answered "
                     "by the end", got=f"{counts['ok']} of {len(sim.history)} commands answered", hint=hint)
        answered += sim.history.counts()["ok"]
        leaders += len(report.leaders)
    return answered, leaders


def cluster_experiment(prepare: Callable[[Any], Any] = lambda answer: answer, *, slot: str = "node_class",
                       servers: int = 5, extra: Callable[[Simulation], tuple[str, str] | None] | None = None
                       ) -> Callable[..., Any]:
    """The cluster check on one seed, as the flakiness meter runs it: ``fn(answer, seed, schedule, until)``.

    ``prepare`` turns the answer into what the cluster runs (a wrapper class, say); ``slot`` is
    the :func:`raft_run` argument it goes in (``node_class`` or ``store``); ``extra`` adds a
    check of the exercise's own, returning (property, what broke) or None.
    """
    from dsworkbook.grading.flaky import Failure

    nodes = server_ids(servers)

    def experiment(answer: Any, seed: int, schedule: FaultSchedule | None = None,
                   until: float | None = None) -> Failure | None:
        faults = raft_schedule(seed, nodes) if schedule is None else schedule
        case = f"the {servers}-server cluster run with seed {seed}"
        sim = run_in_cluster(lambda: raft_run(seed, faults, servers=servers, until=until,
                                              **{slot: prepare(answer)}), case, servers)
        problem = raft_problem(sim)
        if problem is not None:
            return Failure(problem.message, problem.time, faults, problem.property, sim)
        broke = extra(sim) if extra is not None else None
        if broke is not None:
            return Failure(broke[1], sim.now, faults, broke[0], sim)
        return None

    return experiment


def minority_down_checks(node_class: type[RaftNode], hint: str) -> None:
    """With a minority down for good (two of five, three of seven), every client command must still commit."""
    from dsworkbook.consensus.fuzzing import raft_config
    from dsworkbook.consensus.raft_kv import kv_sim

    for servers, down in ((5, ("n4", "n5")), (7, ("n5", "n6", "n7"))):
        case = f"{servers} servers, {', '.join(down)} crashed for good at t=0"

        def run(servers: int = servers, down: tuple[str, ...] = down) -> Simulation:
            sim = kv_sim(21, clients=3, ops=10, servers=servers, config=raft_config(), client_timeout=100.0,
                         think=10.0, node_class=node_class)
            for n in down:
                sim.at(0.0, sim.crash, n)
            sim.run(until=3000.0)
            return sim

        sim = run_in_cluster(run, case, servers)
        if not raft_progress(sim):
            fail(case=case, input=f"{servers} servers, {len(down)} of them down the whole time; 3 clients, 10 "
                 "commands each, 3 s (seed 21)", expected="every client command committed",
                 got=f"{sim.history.counts()['ok']} of {len(sim.history)} answered", hint=hint)


def _summary(sim: Simulation) -> tuple:
    ops = tuple((op.process, op.f, repr(op.input), op.outcome, repr(op.output), op.complete_time)
                for op in sim.history)
    return ops, tuple(sorted(check_safety(sim).leaders.items()))


def same_run_everywhere(run: Callable[[], Simulation], case: str) -> None:
    """Run ``run()`` in two worlds (string hashes, global random, clock) and fail if the runs differ."""
    def summary() -> tuple:
        return _summary(run_in_cluster(run, case))

    same_everywhere(summary, input=CLUSTER_CASE, case=case)


def call_handler(fn: Callable[..., Any], *args: Any, case: str, shown: str) -> Any:
    return attempt(fn, *args, input=shown, case=case)


# -- one server by hand ------------------------------------------------------------------------------


def harness_in_role(node_class: type[RaftNode], role: str, *, node_id: str, members: Sequence[str], term: int,
                    voted_for: str | None, log: Sequence[Any], case: str) -> RaftHarness:
    """A server in ``role`` at ``term`` (its term once in that role) with ``log``, its effects cleared.

    A candidate got there by its election timer (so it voted for itself); a leader by the votes
    of every peer.
    """
    start = term if role == "follower" else term - 1
    h = attempt(RaftHarness, node_id, tuple(members), term=start, voted_for=voted_for if role == "follower" else None,
                log=tuple(log), node_class=node_class, input=f"a {role} at term {term}", case=case)
    if role in ("candidate", "leader"):
        attempt(h.fire, "election", input=f"a {role} at term {term}", case=case)
    if role == "leader":
        for peer in members:
            if peer != node_id:
                attempt(h.deliver, peer, RequestVoteReply(term, True), input=f"a leader at term {term}", case=case)
    h.history.clear()
    return h


def effects_view(effects: list[Any]) -> dict[str, Any]:
    """What a handler did, in a form two correct handlers share: sends, timers set/cancelled, persisted keys."""
    return {"sent": [(e.dst, e.msg) for e in effects if type(e) is Send],
            "timers": sorted({str(e.name) for e in effects if type(e) is SetTimer}),
            "cancelled": sorted({str(e.name) for e in effects if type(e) is CancelTimer}),
            "persisted": sorted({k for e in effects if type(e) is Persist for k in e.values})}


def persisted_before_first_send(effects: list[Any], key: str, value: Any = ...) -> bool:
    """True when ``key`` (with ``value``, if given) is persisted before the first Send among ``effects``."""
    for e in effects:
        if type(e) is Persist and key in e.values and (value is ... or e.values[key] == value):
            return True
        if type(e) is Send:
            return False
    return True
