"""Exercise ``06-kv-session``: client sessions that apply each command exactly once (§8 of the paper).

Theory of operation
-------------------
The learner's ``KVStore.apply`` is fed the same command streams as the reference
(:meth:`dsworkbook.consensus.raft_kv.KVStore.apply`) and compared after every command: the
output, the data, and how many commands really ran (``executed``). Streams:

* hand-made ones with pointed hints: a retry reaching the log twice, a retried ``get`` or
  ``cas``, clients with the same sequence numbers, a stale duplicate of an older command after
  a newer one from the same client (answered ``None``, and the session must not go back: a
  retry of the newer one still runs nothing), sequence numbers crossing 9/10, client ids ``c9``
  and ``c10``;
* seeded random ones: several clients interleaved, each retrying and repeating old commands
  at random, puts, gets and compare-and-sets, and a few streams thousands of commands long;
* the store as every server's state machine in 5-server clusters under heavy faults: each
  command executed once per server, every command answered, and the clients' history
  linearizable (the checker of theme M02); and one run twice in two worlds.

The cluster part, one seed at a time, is the exercise's experiment over seeds for the
flakiness meter (``dw.grading.flaky("06-kv-session", MyStore)``): linearizability and the
once-per-server count.
"""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.consensus.fuzzing import raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import Command
from dsworkbook.consensus.raft_kv import KVStore, kv_verdict
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere, seeded
from dsworkbook.grading.raft._common import CLUSTER_CASE, cluster_experiment, run_in_cluster
from dsworkbook.sim import DOWN

CLUSTER_SEEDS = (14, 15, 16)
RANDOM_SEED, RANDOM_COUNT = 808, 200


def C(client: str, seq: int, op: str, key: str = "x", value: Any = None) -> Command:
    return Command(client, seq, op, key, value)


#: (what it tests, commands, hint)
SEQUENCES: list[tuple[str, list[Command], str]] = [
    ("one put", [C("c1", 1, "put", value="a")], "a new command runs through self.execute(command)"),
    ("a put applied twice (a retry reached the log twice)",
     [C("c1", 1, "put", value="a"), C("c1", 1, "put", value="a")],
     "the client's latest seq again: return the remembered output without running it"),
    ("a retried put after another client's put", [C("c1", 1, "put", value="a"), C("c2", 1, "put", value="b"),
                                                   C("c1", 1, "put", value="a")],
     "the retry must not run again: it would overwrite c2's later write"),
    ("a retried get answers what it read the first time", [C("c1", 1, "get"), C("c2", 1, "put", value="b"),
                                                             C("c1", 1, "get")],
     "return the output remembered in self.sessions[client], not a fresh read"),
    ("two clients with the same sequence numbers", [C("c1", 1, "put", value="a"), C("c2", 1, "put", "y", "b"),
                                                     C("c2", 2, "get", "y")],
     "sessions are per client: c2's seq 1 is new even though c1 has used seq 1"),
    ("an older command arriving after a newer one", [C("c1", 1, "put", value="a"), C("c1", 2, "put", value="b"),
                                                      C("c1", 1, "put", value="a")],
     "an older seq than the client's latest returns None and runs nothing"),
    ("a stale duplicate must not move the session back", [C("c1", 1, "put", value="a"), C("c1", 2, "put", value="b"),
                                                           C("c1", 1, "put", value="a"), C("c1", 2, "put", value="b"),
                                                           C("c1", 3, "get")],
     "leave self.sessions[client] at the latest seq when an older one arrives: otherwise the retry of seq 2 that "
     "follows runs a second time"),
    ("a cas retried after it succeeded", [C("c1", 1, "cas", value=(None, "a")), C("c1", 1, "cas", value=(None, "a"))],
     "the retry answers True again (the first outcome) without running: a second run would answer False"),
    ("sequence numbers with more digits: 10 comes after 9", [C("c1", 9, "put", value="a"), C("c1", 10, "put",
                                                                                            value="b"),
                                                             C("c1", 9, "put", value="a"), C("c1", 10, "get")],
     "compare seq numbers as numbers: 10 > 9"),
    ("clients c9 and c10", [C("c9", 1, "put", value="a"), C("c10", 1, "put", value="b"), C("c9", 1, "put", value="a"),
                            C("c1", 1, "get")],
     "key the sessions by the whole client id: c9 and c10 (and c1) are different clients"),
    ("a client whose first command has seq 3 (its earlier ones were never committed)",
     [C("c1", 3, "put", value="a"), C("c1", 3, "put", value="a"), C("c1", 4, "get")],
     "any seq above the latest one the client has run (or any seq at all for a new client) is new"),
]


def _state(store: Any) -> tuple[Any, int]:
    return dict(store.data), store.executed


def _run_stream(cls: type, name: str, commands: list[Command], hint: str) -> None:
    ref = KVStore()
    ans = attempt(cls, input=f"{cls.__name__}()", case=name)
    shown_cmds = commands if len(commands) <= 30 else f"{len(commands)} commands (first: {commands[:5]})"
    outputs_ref: list[Any] = []
    outputs_ans: list[Any] = []
    for k, command in enumerate(commands):
        outputs_ref.append(ref.apply(command))
        outputs_ans.append(attempt(ans.apply, command, input=f"apply() on a new store, in order: {shown_cmds}",
                                   case=name))
        if outputs_ans[-1] != outputs_ref[-1] or _state(ans) != _state(ref):
            shown = f"apply() on a new store, in order: {commands[:k + 1] if k < 30 else shown_cmds}"
            fail(case=f"{name}, command {k + 1}", input=shown,
                 expected=f"outputs {outputs_ref[-12:]}, data {ref.data}, {ref.executed} executed",
                 got=f"outputs {outputs_ans[-12:]}, data {ans.data}, {ans.executed} executed", hint=hint)


def _draw(rng: random.Random) -> list[Command]:
    clients = [f"c{k}" for k in rng.sample(range(1, 12), rng.randint(1, 4))]
    length = rng.randint(2, 25) if rng.random() < 0.95 else rng.randint(2000, 4000)
    keys = ("x", "y")
    sent: dict[str, list[Command]] = {c: [] for c in clients}
    out: list[Command] = []
    for _ in range(length):
        c = rng.choice(clients)
        mine = sent[c]
        pick = rng.random()
        if mine and pick < 0.25:
            out.append(mine[-1])  # a retry of the latest
        elif len(mine) > 1 and pick < 0.35:
            out.append(rng.choice(mine[:-1]))  # a stale duplicate of an older one
        else:
            seq = (mine[-1].seq if mine else 0) + rng.choice((1, 1, 1, 2))
            r = rng.random()
            key = rng.choice(keys)
            if r < 0.35:
                cmd = C(c, seq, "get", key)
            elif r < 0.55:
                cmd = C(c, seq, "cas", key, (rng.choice((None, f"{c}-{seq - 1}", "x0")), f"{c}-{seq}"))
            else:
                cmd = C(c, seq, "put", key, f"{c}-{seq}")
            mine.append(cmd)
            out.append(cmd)
    return out


def _check_random(cls: type) -> int:
    for case, commands in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _run_stream(cls, case, commands,
                    "a new seq (above the client's latest) runs once through self.execute(command) and is remembered "
                    "as (seq, output) in self.sessions[client]; the latest seq again returns that output; an older "
                    "seq returns None; neither runs anything or changes the session")
    return RANDOM_COUNT


def _executed_twice(sim: Any) -> tuple[str, int, int] | None:
    """(server, distinct commands applied, executions) of the first up server that ran a command twice."""
    for n in sim.node_ids:
        if not n.startswith("n") or sim.status(n) == DOWN:
            continue
        node = sim.node(n)
        commands = {(e.command.client, e.command.seq) for e in node.log.entries[:node.last_applied] if e.command}
        if node.state_machine.executed != len(commands):
            return n, len(commands), node.state_machine.executed
    return None


def _once_per_server(sim: Any) -> tuple[str, str] | None:
    twice = _executed_twice(sim)
    if twice is None:
        return None
    return "executed once", f"{twice[0]} ran {twice[2]} executions for {twice[1]} distinct commands"


def _check_cluster(cls: type) -> int:
    answered = 0
    for seed in CLUSTER_SEEDS:
        case = f"the key-value store in the cluster, seed {seed}"
        with seeded(seed):
            sim = run_in_cluster(lambda: raft_run(seed, raft_schedule(seed), store=cls), case)
            twice = _executed_twice(sim)
            if twice is not None:
                fail(case=case, input=CLUSTER_CASE,
                     expected=f"{twice[0]} executed each of its {twice[1]} distinct commands once",
                     got=f"{twice[2]} executions", hint="client retries put copies of a command in "
                     "the log; the session must stop the copies")
            verdict = kv_verdict(sim)
            if verdict != "linearizable" or not raft_progress(sim):
                fail(case=case, input=CLUSTER_CASE, expected="a linearizable history, every command answered",
                     got=f"{verdict}, {sim.history.counts()}",
                     hint="answer a retry with the output of its first execution")
        answered += sim.history.counts()["ok"]
    seed = CLUSTER_SEEDS[0]

    def summary() -> tuple:
        sim = run_in_cluster(lambda: raft_run(seed, raft_schedule(seed), store=cls), f"cluster seed {seed}")
        return tuple((op.process, op.f, repr(op.input), op.outcome, repr(op.output)) for op in sim.history)

    same_everywhere(summary, input=CLUSTER_CASE, case=f"the key-value store in the cluster, seed {seed}")
    return answered


@exercise("06-kv-session", title="Client sessions: apply each command exactly once", theme="T06", concepts=("F06",),
          reference="dsworkbook.consensus.raft_kv.KVStore.apply",
          experiment=cluster_experiment(slot="store", extra=_once_per_server))
def grade_kv_session(MyStore: Any) -> str:
    """A subclass of ``dw.consensus.raft_kv.KVStore`` defining ``apply(self, command)``.

    ``command`` has ``client`` and ``seq`` (increasing per client; a client retries with the same
    seq). Keep ``self.sessions[client] = (seq, output)`` for the latest seq executed. A command
    with a higher seq runs through ``self.execute(command)`` (which counts ``self.executed``);
    the latest seq again returns its remembered output without running; an older seq returns
    None and changes nothing. Checked against the reference on hand-made and random command
    streams, then as every server's state machine in 5-server clusters under heavy faults: each
    command executed once per server, the clients' history linearizable, the same on a rerun.
    """
    if not (inspect.isclass(MyStore) and issubclass(MyStore, KVStore)):
        fail(case="the answer itself", input=repr(MyStore), expected="a subclass of KVStore",
             got=type(MyStore).__name__,
             hint="write class MyStore(dw.consensus.raft_kv.KVStore) with a method apply(self, command)")
    for case in SEQUENCES:
        _run_stream(MyStore, *case)
    n_random = _check_random(MyStore)
    answered = _check_cluster(MyStore)
    return (f"{len(SEQUENCES)} hand-made and {n_random} random command streams match the reference; in the cluster "
            f"(seeds {CLUSTER_SEEDS}) {answered} commands answered, each executed once per server, the histories "
            "linearizable, and a rerun gave the same history")


__all__ = ["grade_kv_session"]
