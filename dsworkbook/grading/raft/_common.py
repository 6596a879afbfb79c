"""Helpers shared by the T06 graders: run a learner's Raft inside a faulty cluster, check it."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterable

from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, fail, in_simulation
from dsworkbook.sim import FaultSchedule, Simulation

__all__ = ["need_node_class", "run_in_cluster", "cluster_checks", "CLUSTER_CASE", "call_handler"]

CLUSTER_CASE = ("a 5-server cluster serving 5 clients for 4 s under crashes (many), partitions, one-way cuts, "
                "loss, duplication, reordering, pauses and clock drift, then 1.5 s to recover")


def need_node_class(answer: Any, method: str) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, RaftNode)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of dw.consensus.raft.RaftNode",
             got=type(answer).__name__, hint=f"write `class MyRaft(RaftNode):` with a method {method}, and pass MyRaft")
    if method not in vars(answer) and not any(method in vars(c) for c in answer.__mro__[:-1] if c is not RaftNode
                                               and issubclass(c, RaftNode)):
        fail(case="the answer itself", input=answer.__name__, expected=f"a class that defines {method}",
             got=f"{answer.__name__} does not define {method}", hint=f"define `def {method}(self, ...)` in your class")


def run_in_cluster(run: Callable[[], Simulation], case: str) -> Simulation:
    """Run a simulation with learner code in it; a stub is 'not attempted', a crash a clear failure."""
    with in_simulation(case=case, input=CLUSTER_CASE,
                       hint="your code raised inside a server; the message names the node, the handler and the time"):
        return run()
    raise AssertionError("unreachable")  # pragma: no cover


def cluster_checks(node_class: type[RaftNode], seeds: Iterable[int], *, hint: str,
                   schedule: Callable[[int], FaultSchedule] = raft_schedule, **run_kwargs: Any) -> tuple[int, int]:
    """Run the fuzz campaign's cluster with ``node_class`` on ``seeds``: safe and live, or fail.

    Returns (commands answered, leaders elected) over all seeds, for the summary line.
    """
    answered = leaders = 0
    for seed in seeds:
        case = f"the cluster run with seed {seed}"
        sim = run_in_cluster(lambda: raft_run(seed, schedule(seed), node_class=node_class, **run_kwargs), case)
        report = check_safety(sim)
        if not report.ok:
            fail(case=case, input=CLUSTER_CASE, expected="all five safety properties hold",
                 got=report.violations[0].describe(), hint=hint)
        if not raft_progress(sim):
            counts = sim.history.counts()
            fail(case=case, input=CLUSTER_CASE, expected="every client command committed and answered by the end",
                 got=f"{counts['ok']} of {len(sim.history)} commands answered", hint=hint)
        answered += sim.history.counts()["ok"]
        leaders += len(report.leaders)
    return answered, leaders


def call_handler(fn: Callable[..., Any], *args: Any, case: str, shown: str) -> Any:
    return attempt(fn, *args, input=shown, case=case)
