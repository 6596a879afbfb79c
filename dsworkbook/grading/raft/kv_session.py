"""Exercise ``06-kv-session``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import Command
from dsworkbook.consensus.raft_kv import KVStore, kv_verdict
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import CLUSTER_CASE, run_in_cluster
from dsworkbook.sim import DOWN

CLUSTER_SEEDS = (14, 15, 16)


def C(client: str, seq: int, op: str, key: str = "x", value: Any = None) -> Command:
    return Command(client, seq, op, key, value)


#: (what it tests, commands, expected outputs, expected number executed, expected data)
SEQUENCES: list[tuple[str, list[Command], list[Any], int, dict]] = [
    ("one put", [C("c1", 1, "put", value="a")], ["a"], 1, {"x": "a"}),
    ("a put applied twice (a retry reached the log twice)",
     [C("c1", 1, "put", value="a"), C("c1", 1, "put", value="a")], ["a", "a"], 1, {"x": "a"}),
    ("a retried put after another client's put", [C("c1", 1, "put", value="a"), C("c2", 1, "put", value="b"),
                                                   C("c1", 1, "put", value="a")], ["a", "b", "a"], 2, {"x": "b"}),
    ("a retried get answers what it read the first time", [C("c1", 1, "get"), C("c2", 1, "put", value="b"),
                                                             C("c1", 1, "get")], [None, "b", None], 2, {"x": "b"}),
    ("two clients with the same sequence numbers", [C("c1", 1, "put", value="a"), C("c2", 1, "put", "y", "b"),
                                                     C("c2", 2, "get", "y")], ["a", "b", "b"], 3, {"x": "a", "y": "b"}),
    ("an older command arriving after a newer one", [C("c1", 1, "put", value="a"), C("c1", 2, "put", value="b"),
                                                      C("c1", 1, "put", value="a")], ["a", "b", None], 2, {"x": "b"}),
    ("a cas retried after it succeeded", [C("c1", 1, "cas", value=(None, "a")), C("c1", 1, "cas", value=(None, "a"))],
     [True, True], 1, {"x": "a"}),
]


def _check_sequences(cls: type) -> None:
    for name, commands, outputs, executed, data in SEQUENCES:
        store = attempt(cls, input=f"{cls.__name__}()", case=name)
        shown = f"apply() on a new store, in order: {commands}"
        got = [attempt(store.apply, c, input=shown, case=name) for c in commands]
        if got != outputs:
            fail(case=name, input=shown, expected=outputs, got=got,
                 hint="a repeat of the client's latest seq gets the output it got the first time; an older seq gets "
                      "None; anything else runs once through self.execute(command)")
        if store.executed != executed or store.data != data:
            fail(case=name, input=shown, expected=f"{executed} executed, data {data}",
                 got=f"{store.executed} executed, data {store.data}",
                 hint="run each (client, seq) once: call self.execute(command) only for a new seq, and remember "
                      "(seq, output) in self.sessions[client]")


def _check_cluster(cls: type) -> int:
    answered = 0
    for seed in CLUSTER_SEEDS:
        case = f"the key-value store in the cluster, seed {seed}"
        sim = run_in_cluster(lambda: raft_run(seed, raft_schedule(seed), store=cls), case)
        for n in sim.node_ids:
            if not n.startswith("n") or sim.status(n) == DOWN:
                continue
            node = sim.node(n)
            commands = {(e.command.client, e.command.seq) for e in node.log.entries[:node.last_applied] if e.command}
            if node.state_machine.executed != len(commands):
                fail(case=case, input=CLUSTER_CASE,
                     expected=f"{n} executed each of its {len(commands)} distinct commands once",
                     got=f"{node.state_machine.executed} executions", hint="client retries put copies of a command in "
                     "the log; the session must stop the copies")
        verdict = kv_verdict(sim)
        if verdict != "linearizable" or not raft_progress(sim):
            fail(case=case, input=CLUSTER_CASE, expected="a linearizable history, every command answered",
                 got=f"{verdict}, {sim.history.counts()}", hint="answer a retry with the output of its first execution")
        answered += sim.history.counts()["ok"]
    return answered


@exercise("06-kv-session", title="Client sessions: apply each command exactly once", theme="T06", concepts=("F06",))
def grade_kv_session(MyStore: Any) -> str:
    """A subclass of ``dw.consensus.raft_kv.KVStore`` defining ``apply(self, command)``.

    ``command`` has ``client`` and ``seq`` (1, 2, ... per client; a client retries with the same
    seq). Keep ``self.sessions[client] = (seq, output)`` for the latest seq executed. A command
    with a higher seq runs through ``self.execute(command)`` (which counts ``self.executed``);
    the latest seq again returns its remembered output without running; an older seq returns
    None. Checked on 7 hand-made sequences, then as every server's state machine in a 5-server
    cluster under heavy faults (three seeds): each command executed once per server, and the
    clients' history linearizable (dsworkbook.checkers).
    """
    if not (inspect.isclass(MyStore) and issubclass(MyStore, KVStore)):
        fail(case="the answer itself", input=repr(MyStore), expected="a subclass of KVStore",
             got=type(MyStore).__name__,
             hint="write class MyStore(dw.consensus.raft_kv.KVStore) with a method apply(self, command)")
    _check_sequences(MyStore)
    answered = _check_cluster(MyStore)
    return (f"{len(SEQUENCES)} sequences right; in the cluster (seeds {CLUSTER_SEEDS}) {answered} commands answered, "
            "each executed once per server, and the histories are linearizable")
