"""Exercise ``07-multipaxos-recovery``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.consensus.multipaxos import MPromise, MultiPaxosNode, check_multipaxos, multipaxos_sim
from dsworkbook.consensus.paxos import Ballot
from dsworkbook.consensus.raft_kv import kv_verdict
from dsworkbook.grading.core import attempt, exercise, fail, in_simulation
from dsworkbook.sim import FaultSchedule

B = Ballot
CLUSTER_SEEDS = (3, 4, 5)

CASES: list[tuple[str, list[MPromise], int, dict[int, Any]]] = [
    ("nothing accepted anywhere", [MPromise(B(2, "n1"), ())] * 3, 1, {}),
    ("one acceptance", [MPromise(B(2, "n1"), ((1, B(1, "n2"), "x"),)), MPromise(B(2, "n1"), ())], 1, {1: "x"}),
    ("the higher ballot wins a slot", [MPromise(B(5, "n1"), ((1, B(2, "n2"), "old"),)),
                                       MPromise(B(5, "n1"), ((1, B(4, "n3"), "new"),))], 1, {1: "new"}),
    ("a hole below the highest slot gets a no-op", [MPromise(B(3, "n1"), ((1, B(1, "n2"), "a"), (3, B(2, "n3"), "c")))],
     1, {1: "a", 2: None, 3: "c"}),
    ("slots below the first unapplied one are left out",
     [MPromise(B(3, "n1"), ((1, B(1, "n2"), "a"), (2, B(1, "n2"), "b"), (4, B(2, "n2"), "d")))], 2,
     {2: "b", 3: None, 4: "d"}),
    ("the proposer id breaks a tie of rounds", [MPromise(B(4, "n1"), ((1, B(3, "n2"), "p"),)),
                                                 MPromise(B(4, "n1"), ((1, B(3, "n4"), "q"),))], 1, {1: "q"}),
]


def _node_class(fn: Callable[..., Any]) -> type[MultiPaxosNode]:
    class WithYourRecovery(MultiPaxosNode):
        @staticmethod
        def recover(promises: Any, first: int) -> dict[int, Any]:
            return fn(promises, first)

    return WithYourRecovery


def _cluster(cls: type[MultiPaxosNode]) -> int:
    answered = 0
    servers = [f"n{i}" for i in range(1, 6)]
    for seed in CLUSTER_SEEDS:
        case = f"a Multi-Paxos cluster with leader changes, seed {seed}"
        sim = multipaxos_sim(seed, clients=3, ops=15, loss=0.05, node_class=cls)
        faults = FaultSchedule.random(seed, servers, duration=2500, faults=5, kinds=("crash", "partition", "pause"))
        faults.apply_to(sim)
        with in_simulation(case=case, input="5 servers, 3 clients, crashes, partitions and pauses for 2.5 s",
                           hint="your recover() raised inside a new leader"):
            sim.run(until=2500)
            sim.net.heal()
            sim.run(until=5000)
        problems = check_multipaxos(sim)
        verdict = kv_verdict(sim)
        done = all(sim.node(f"c{i}").done for i in range(1, 4))
        if problems or verdict != "linearizable" or not done:
            fail(case=case, input="5 servers, 3 clients, crashes, partitions and pauses for 2.5 s",
                 expected="one value per slot, a linearizable history, every command answered",
                 got=(problems[:1] or [f"{verdict}, all answered: {done}"])[0],
                 hint="a new leader must re-propose, per slot, the highest-ballot value it heard of, and fill holes "
                      "with no-ops so later slots can be applied")
        answered += sim.history.counts()["ok"]
    return answered


@exercise("07-multipaxos-recovery", title="Multi-Paxos: what a new leader re-proposes", theme="T07", concepts=("P02",))
def grade_multipaxos_recovery(recover: Any) -> str:
    """A function ``recover(promises, first) -> dict[slot, value]``.

    Each promise has ``accepted``: ``(slot, ballot, value)`` triples. For every slot from
    ``first`` up to the highest slot any promise mentions, return the value accepted with the
    highest ballot, or None (a no-op) for a slot nobody accepted; slots below ``first`` (already
    applied) are left out; no slots at all gives ``{}``. Checked on 6 hand-made cases, then as
    every new leader's rule in a Multi-Paxos key-value store under crashes and partitions
    (three seeds): one value per slot, and a linearizable history.
    """
    if not callable(recover):
        fail(case="the answer itself", input=repr(recover), expected="a function", got=type(recover).__name__,
             hint="pass the function itself")
    for name, promises, first, want in CASES:
        shown = f"recover({promises}, first={first})"
        got = attempt(recover, list(promises), first, input=shown, case=name)
        if got != want:
            fail(case=name, input=shown, expected=want, got=got,
                 hint="per slot the highest ballot's value (compare whole Ballots); None for holes below the top slot; "
                      "nothing below first")
    answered = _cluster(_node_class(recover))
    return (f"{len(CASES)} cases right; with your recovery the Multi-Paxos store answered {answered} commands under "
            f"leader changes (seeds {CLUSTER_SEEDS}), one value per slot, linearizable")
