"""Exercise ``06-read-index``: the leader's ReadIndex steps, as two methods of a server (thesis §6.4, F10).

Theory of operation
-------------------
The learner writes ``serve_read`` (a read arrives at the leader) and ``serve_reads`` (answer the
reads whose round a majority confirmed) in a subclass of :class:`RaftNode`, the two halves of
:class:`~dsworkbook.consensus.raft.reads.ReadMixin` that make ReadIndex: send a read through the
log until an entry of the leader's own term is committed (a new leader's commit index may lag),
record the commit index, start a heartbeat round, answer once a majority (the leader included)
has answered that round or a later one and the read index is applied. The grader

* drives one server by hand (:class:`~dsworkbook.consensus.raft.harness.RaftHarness`, with the
  key-value store as state machine and ``read_mode="read_index"``) through :data:`SCENARIOS`,
  next to the library's server, and compares the messages both send after every step: a new
  leader whose commit index is of an earlier term, a write, a reply to a round sent *before*
  the read arrived, two reads waiting in two rounds, a deposed leader that never hears back, a
  5-server cluster, a cluster of one;
* then puts the class in every server of the campaign's 5-server cluster with
  ``read_mode="read_index"`` under the ``clock`` family (a pair cut off with stepped-back
  clocks, clients moved to their side) and the random family: the clients' history must be
  linearizable, the five safety properties must hold, every command must be answered, and reads
  must really have been answered without the log (the *sometimes* half).
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.fuzzing import clock_schedule, raft_problem, raft_progress, raft_run, raft_schedule
from dsworkbook.consensus.raft import (AppendEntries, AppendEntriesReply, Command, Entry, RaftConfig, RaftNode,
                                       RequestVoteReply)
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import effects_view, need_node_class, run_in_cluster
from dsworkbook.sim import Request

__all__ = ["grade_read_index", "SCENARIOS", "run_scenario", "with_kv", "CLUSTER_RUNS"]

CONFIG = RaftConfig(read_mode="read_index")
#: (seed, family) of the cluster runs: seeds 13 and 21 are of the clock family
CLUSTER_RUNS = ((13, "clock"), (21, "clock"), (9, "random"), (10, "random"))


def with_kv(cls: type[RaftNode]) -> type[RaftNode]:
    """``cls`` with the key-value store as its state machine (what the harness builds)."""

    def __init__(self: Any, node_id: str, *, members: Any, config: Any = None, **kw: Any) -> None:
        kw.setdefault("state_machine", KVStore)
        cls.__init__(self, node_id, members=members, config=config, **kw)

    return type(f"{cls.__name__}WithKV", (cls,), {"__init__": __init__})


def get(seq: int, key: str = "x") -> Request:
    return Request(100 + seq, "raft", Command("c1", seq, "get", key))


def put(seq: int, value: str, key: str = "x") -> Request:
    return Request(100 + seq, "raft", Command("c1", seq, "put", key, value))


def ack(term: int, index: int, round_: int) -> AppendEntriesReply:
    return AppendEntriesReply(term, True, index, index, 0, 0, round_)


# A step: ("deliver", src, msg) | ("client", request) | ("fire", timer); each scenario starts from a set-up.
# Set-ups: "leader3" - n1 leads term 2 of three servers with its no-op (index 2) committed by n2's reply to
# round 1, x = "a" applied; "fresh3" - n1 learned commit index 1 as a follower in term 1, then won term 2:
# its no-op is not committed; "leader5" - as leader3 with five servers (n2 and n3 acknowledged); "alone".
SCENARIOS: list[tuple[str, str, list[tuple], str]] = [
    ("a new leader whose commit index is of an earlier term", "fresh3",
     [("client", get(1))],
     "until an entry of the leader's own term is committed, self.log.term_at(self.commit_index) differs from "
     "self.current_term: return False, and the read goes through the log"),
    ("a write is not a read", "leader3",
     [("client", put(1, "b"))],
     "only commands whose op is in self.state_machine.READS are reads: return False for the others"),
    ("a read: record it, start a round, send it to every peer", "leader3",
     [("client", get(1))],
     "append (self.round + 1, self.commit_index, src, request.req_id, command) to self.reads, call "
     "self.start_round(), then self.replicate(peer, force=True) for every peer, then self.serve_reads()"),
    ("a majority answers the read's round", "leader3",
     [("client", get(1)), ("deliver", "n2", ack(2, 2, 2))],
     "once self.confirmed_round() reaches the read's round, answer with "
     "Response(req_id, True, self.state_machine.query(command))"),
    ("a reply to a round sent before the read arrived", "leader3",
     [("client", get(1)), ("deliver", "n2", ack(2, 2, 1)), ("deliver", "n3", ack(2, 2, 1))],
     "a reply to an earlier round proves nothing about the moment the read arrived: the read needs the round "
     "its own AppendEntries carry, self.round + 1 before self.start_round()"),
    ("two reads in two rounds; only the first round is answered", "leader3",
     [("client", get(1)), ("client", get(2, "y")), ("deliver", "n3", ack(2, 2, 2))],
     "answer each waiting read only when self.confirmed_round() reaches its own round; keep the others waiting"),
    ("two reads, both rounds answered, then more replies", "leader3",
     [("client", get(1)), ("client", get(2, "y")), ("deliver", "n2", ack(2, 2, 3)), ("deliver", "n3", ack(2, 2, 3))],
     "answer a read once, then remove it from self.reads"),
    ("a deposed leader hears nothing back", "leader3",
     [("client", get(1)), ("fire", "heartbeat"), ("fire", "heartbeat")],
     "without replies of this term from a majority, the leader may have been replaced: never answer"),
    ("a heartbeat's later round confirms an earlier read", "leader3",
     [("client", get(1)), ("fire", "heartbeat"), ("deliver", "n3", ack(2, 2, 3))],
     "a reply to a later round confirms every read of an earlier round: compare self.confirmed_round() with the "
     "read's round using >="),
    ("five servers: one reply is not a majority", "leader5",
     [("client", get(1)), ("deliver", "n4", ack(2, 2, 2)), ("deliver", "n5", ack(2, 2, 2))],
     "the leader counts itself: of five servers it needs two replies to the read's round"),
    ("a cluster of one server", "alone",
     [("client", get(1))],
     "with no peers a leader confirms its own round: call self.serve_reads() at the end of serve_read"),
]


def _setup(cls: type[RaftNode], name: str, case: str) -> RaftHarness:
    kv = with_kv(cls)
    if name == "alone":
        h = attempt(RaftHarness, "n1", ("n1",), config=CONFIG, node_class=kv, input="one server", case=case)
        attempt(h.fire, "election", input="one server", case=case)
        attempt(h.client, "c1", put(0, "a"), input="one server", case=case)
        h.history.clear()
        return h
    members = ("n1", "n2", "n3", "n4", "n5") if name == "leader5" else ("n1", "n2", "n3")
    h = attempt(RaftHarness, "n1", members, config=CONFIG, node_class=kv, input=f"{len(members)} servers", case=case)
    steps: list[tuple] = [("deliver", "n2", AppendEntries(1, "n2", 0, 0, (), 0, 1))]
    if name == "fresh3":
        steps = [("deliver", "n2", AppendEntries(1, "n2", 0, 0, (Entry(1, Command("c9", 1, "put", "x", "a")),), 1, 1))]
    steps.append(("fire", "election"))
    steps += [("deliver", p, RequestVoteReply(2, True)) for p in members[1:]]
    if name != "fresh3":
        steps.append(("client", put(0, "a")))
        steps += [("deliver", p, ack(2, 2, 1)) for p in members[1:3]]
    for step in steps:
        _do(h, step, case)
    h.history.clear()
    return h


def _do(h: RaftHarness, step: tuple, case: str) -> list[Any]:
    kind = step[0]
    shown = _show(step)
    if kind == "deliver":
        return attempt(h.deliver, step[1], step[2], input=shown, case=case)
    if kind == "client":
        return attempt(h.client, "c1", step[1], input=shown, case=case)
    return attempt(h.fire, step[1], input=shown, case=case)


def _show(step: tuple) -> str:
    if step[0] == "deliver":
        return f"{step[1]} -> n1: {step[2]}"
    if step[0] == "client":
        return f"c1 -> n1: {step[1].arg}"
    return f"n1's {step[1]} timer fires"


def run_scenario(cls: type[RaftNode], name: str) -> list[list[tuple[str, Any]]]:
    """The messages ``cls`` sends after each step of scenario ``name``."""
    _label, setup, steps, _hint = next(s for s in SCENARIOS if s[0] == name)
    h = _setup(cls, setup, name)
    return [effects_view(_do(h, step, name))["sent"] for step in steps]


_SETUPS = {"leader3": "n1 leads term 2 of n1-n3; its no-op and put x=a are committed (n2 and n3 answered round 1); "
                      "x = 'a' is applied",
           "fresh3": "n1 learned commit index 1 (term 1) as a follower, then won term 2: its no-op is not committed",
           "leader5": "n1 leads term 2 of n1-n5; its no-op and put x=a are committed by n2 and n3",
           "alone": "n1 alone leads term 1; put x=a is committed"}


def check_scenarios(cls: type[RaftNode]) -> int:
    for name, setup, steps, hint in SCENARIOS:
        want = run_scenario(RaftNode, name)
        got = run_scenario(cls, name)
        for k, (w, g) in enumerate(zip(want, got)):
            if w != g:
                shown = _SETUPS[setup] + "; then " + "; ".join(_show(s) for s in steps[:k + 1])
                fail(case=name, input=shown, expected={"sent": w}, got={"sent": g}, hint=hint)
    return len(SCENARIOS)


def cluster_checks(cls: type[RaftNode]) -> tuple[int, int]:
    """The campaign's cluster with ``read_mode="read_index"``; (reads answered without the log, ops answered)."""
    local = answered = 0
    for seed, family in CLUSTER_RUNS:
        case = f"the {family} family, seed {seed}: 5 servers with read_mode='read_index'"
        schedule = clock_schedule(seed) if family == "clock" else raft_schedule(seed)
        sim = run_in_cluster(lambda: raft_run(seed, schedule, node_class=cls, options={"read_mode": "read_index"}),
                             case)
        problem = raft_problem(sim)
        if problem is not None:
            fail(case=case, input=f"the campaign's {family} schedule for seed {seed}",
                 expected="a linearizable history and the five safety properties", got=problem.message,
                 hint="a read was answered by a leader that had not confirmed, by a round started when the read "
                      "arrived, that it still led")
        if not raft_progress(sim):
            fail(case=case, input=f"the campaign's {family} schedule for seed {seed}",
                 expected="every client command answered by the end",
                 got=f"{sim.history.counts()['ok']} of {len(sim.history)} answered",
                 hint="every read must end: answered once its round is confirmed, or sent through the log")
        log_gets = max(sum(1 for e in sim.node(n).log.entries if getattr(e.command, "op", None) == "get")
                       for n in sim.node_ids if n.startswith("n"))
        gets = sum(1 for op in sim.history if op.f == "get" and op.outcome == "ok")
        local += max(0, gets - log_gets)
        answered += sim.history.counts()["ok"]
    if local == 0:
        fail(case="the cluster runs", input=f"{len(CLUSTER_RUNS)} runs", expected="reads answered without the log",
             got="every read went through the log",
             hint="return True and keep the read in self.reads once an entry of this term is committed")
    return local, answered


@exercise("06-read-index", title="ReadIndex: a linearizable read without a log entry", theme="T06", concepts=("F10",),
          reference=("dsworkbook.consensus.raft.reads.ReadMixin.serve_read",
                     "dsworkbook.consensus.raft.reads.ReadMixin.serve_reads"), seconds=20.0)
def grade_read_index(answer: Any) -> str:
    """A subclass of RaftNode defining ``serve_read(self, src, request, command)`` and ``serve_reads(self)``."""
    need_node_class(answer, "serve_read")
    need_node_class(answer, "serve_reads")
    n = check_scenarios(answer)
    local, answered = cluster_checks(answer)
    return (f"{n} hand-driven scenarios send what the library's server sends; in the clusters "
            f"({', '.join(f'{f} seed {s}' for s, f in CLUSTER_RUNS)}) about {local} reads were answered without "
            f"the log, {answered} operations in all, the history linearizable")

