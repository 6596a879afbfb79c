"""Exercise ``06-append-entries``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.raft import AppendEntries, AppendEntriesReply, Entry, RaftConfig, RaftLog, RaftNode, raft_sim
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.messages import TimeoutNow
from dsworkbook.consensus.raft.scenarios import Director
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import cluster_checks, need_node_class, run_in_cluster
from dsworkbook.sim import Persist, Send, SetTimer

THREE = ("n1", "n2", "n3")
CLUSTER_SEEDS = (6, 7, 8)


class _NoMergeLog(RaftLog):
    """The log the exercise's servers get: merge() is switched off, so the truncation is the learner's own."""

    def merge(self, prev_index: int, new: Sequence[Entry]) -> int | None:
        raise RuntimeError("RaftLog.merge is switched off in this exercise: compare and truncate self.log.entries "
                           "yourself")


def _graded(cls: type[RaftNode]) -> type[RaftNode]:
    class Graded(cls):  # type: ignore[valid-type, misc]
        def on_start(self) -> None:
            super().on_start()
            self.log = _NoMergeLog(self.log.entries)

    Graded.__name__ = cls.__name__
    return Graded


def _e(*terms: int, start: int = 1, tag: str = "v") -> tuple[Entry, ...]:
    return tuple(Entry(t, f"{tag}{start + k}") for k, t in enumerate(terms))


#: (what it tests, follower's term, follower's log terms, the request, expected (success, index), expected log
#:  terms, expected commit index, hint)
CASES: list[tuple[str, int, tuple[int, ...], AppendEntries, tuple[bool, int], tuple[int, ...], int, str]] = [
    ("a request from a stale leader", 3, (1, 2), AppendEntries(2, "n1", 2, 2, _e(2, start=3), 0), (False, 2), (1, 2), 0,
     "a request whose term is below currentTerm is refused, with the current term in the reply"),
    ("prev_log_index beyond the end of the log", 3, (1, 2), AppendEntries(3, "n1", 4, 3, _e(3, start=5), 0),
     (False, 4), (1, 2), 0, "no entry at prev_log_index: refuse (the consistency check, §5.3)"),
    ("prev_log_term differs at prev_log_index", 3, (1, 2), AppendEntries(3, "n1", 2, 3, _e(3, start=3), 0),
     (False, 2), (1, 2), 0, "an entry at prev_log_index with another term: refuse, and change nothing"),
    ("the first entries, into an empty log", 1, (), AppendEntries(1, "n1", 0, 0, _e(1, 1), 0), (True, 2), (1, 1), 0,
     "index 0 always matches; append the entries"),
    ("entries after the last one", 3, (1, 2), AppendEntries(3, "n1", 2, 2, _e(3, 3, start=3), 1), (True, 4),
     (1, 2, 3, 3), 1, "append; the reply's index is prev_log_index + len(entries)"),
    ("a conflict in the middle of the log", 3, (1, 2, 2, 2), AppendEntries(3, "n1", 1, 1, _e(3, start=2), 0), (True, 2),
     (1, 3), 0, "at the first entry whose term differs, delete it and everything after, then append (Figure 2)"),
    ("a late, shorter copy of a request already applied", 3, (1, 3, 3, 3),
     AppendEntries(3, "n1", 1, 1, _e(3, start=2), 0), (True, 2), (1, 3, 3, 3), 0,
     "entries that agree are kept: a late request must not cut entries the follower already acknowledged"),
    ("the same request twice", 3, (1, 3), AppendEntries(3, "n1", 1, 1, _e(3, start=2), 0), (True, 2), (1, 3), 0,
     "a duplicate changes nothing and gets the same answer"),
    ("a heartbeat whose leader_commit is past the entries it vouches for", 3, (1, 1, 2, 2),
     AppendEntries(3, "n1", 2, 1, (), 4), (True, 2), (1, 1, 2, 2), 2,
     "commitIndex = min(leaderCommit, index of the last NEW entry) = min(4, 2 + 0): entries 3-4 are not yet known "
     "to match the leader's log"),
]


def _entries_for(log_terms: tuple[int, ...]) -> tuple[Entry, ...]:
    return _e(*log_terms)


def _check_case(cls: type[RaftNode], name: str, term: int, log: tuple[int, ...], msg: AppendEntries,
                want: tuple[bool, int], want_log: tuple[int, ...], want_commit: int, hint: str) -> None:
    h = attempt(RaftHarness, "n2", THREE, term=term, log=_entries_for(log), node_class=cls,
                input="a fresh server", case=name)
    if name == "the same request twice":
        attempt(h.deliver, "n1", msg, input="the request once", case=name)
    shown = f"follower n2 at term {term} with log terms {list(log)} receives {msg}"
    effects = attempt(h.deliver, "n1", msg, input=shown, case=name)
    replies = [e for e in effects if type(e) is Send and type(e.msg) is AppendEntriesReply]
    if len(replies) != 1 or replies[0].dst != "n1":
        fail(case=name, input=shown, expected="one AppendEntriesReply to n1", got=effects,
             hint="answer every AppendEntries with exactly one self.send(src, AppendEntriesReply(...))")
    expected = AppendEntriesReply(h.node.current_term, want[0], want[1], len(want_log))
    if replies[0].msg != expected:
        fail(case=name, input=shown, expected=expected, got=replies[0].msg, hint=hint +
             " (reply: term, success, index = last matching index on success or the rejected prev_log_index, "
             "last_log_index)")
    got_log = tuple(e.term for e in h.node.log.entries)
    if got_log != want_log:
        fail(case=name, input=shown, expected=f"log terms {list(want_log)}", got=f"log terms {list(got_log)}",
             hint=hint)
    _check_durable(h, effects, shown, name)
    if h.node.commit_index != want_commit:
        fail(case=name, input=shown, expected=f"commit_index {want_commit}", got=f"commit_index {h.node.commit_index}",
             hint=hint)
    if want[0] and not any(type(e) is SetTimer and e.name == "election" for e in effects):
        fail(case=name, input=shown, expected="the election timer restarted (a valid leader is alive)",
             got="no SetTimer('election', ...)",
             hint="call self.reset_election_timer() for a request of the current term")


def _check_durable(h: RaftHarness, effects: list[Any], shown: str, name: str) -> None:
    stored = tuple(h.storage.get("log", ()))
    if stored != tuple(h.node.log.entries):
        fail(case=name, input=shown, expected="the log on disk equals the log in memory",
             got=f"on disk {len(stored)} entries, in memory {h.node.log.last_index}",
             hint="after changing self.log.entries, call self.log_changed(first_changed_index) before replying")
    first_send = next(i for i, e in enumerate(effects) if type(e) is Send)
    late = [i for i, e in enumerate(effects) if type(e) is Persist and "log" in e.values and i > first_send]
    if late:
        fail(case=name, input=shown, expected="the log persisted before the reply", got=f"effects in order: {effects}",
             hint="persist (self.log_changed(...)) before self.send(...): the leader counts your reply as a "
                  "stored entry")


FIGURE7 = {"leader": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6), "d": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),
           "f": (1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3)}


def _check_figure7(cls: type[RaftNode]) -> None:
    for follower in ("d", "f"):
        case = f"Figure 7, follower ({follower})"
        initial = {"n1": {"term": 7, "log": entries(*FIGURE7["leader"])},
                   "n2": {"term": 7, "log": entries(*FIGURE7[follower])},
                   "n3": {"term": 7, "log": entries(*FIGURE7["leader"])}}

        def run() -> Any:
            sim = raft_sim(7, servers=3, initial=initial, latency=(2, 2), node_class=cls,
                           config=RaftConfig(election_timeout=(1000, 2000)))
            sim.add_node("ctl", Director, script=[(1, "n1", TimeoutNow())])
            sim.run(until=400)
            return sim

        sim = run_in_cluster(run, case)
        n1, n2 = sim.node("n1"), sim.node("n2")
        if n2.log.entries != n1.log.entries or not check_safety(sim).ok:
            fail(case=case, input=f"leader n1 (term 8) with log terms {list(FIGURE7['leader'])}, follower n2 with "
                 f"{list(FIGURE7[follower])}",
                 expected=f"n2 ends with the leader's log {[e.term for e in n1.log.entries]}",
                 got=f"n2's log terms {[e.term for e in n2.log.entries]}",
                 hint="refuse until prev matches; then delete from the first conflicting entry and append the rest")


@exercise("06-append-entries", title="The AppendEntries handler: consistency check and conflict truncation",
          theme="T06", concepts=("F02",))
def grade_append_entries(MyRaft: Any) -> str:
    """A ``RaftNode`` subclass defining ``handle_append_entries(self, src, msg)`` (the follower's side).

    Refuse a stale term. Otherwise note the leader (``self.leader_id = src``), restart the
    election timer, and refuse unless ``self.log.term_at(msg.prev_log_index) ==
    msg.prev_log_term``. Then merge ``msg.entries`` into ``self.log.entries`` yourself (keep
    entries that agree; at the first conflict delete it and all after; append what is new;
    ``self.log.merge`` is switched off), call ``self.log_changed(first_changed_index)`` if the
    log changed, raise the commit index to ``min(msg.leader_commit, prev + len(entries))`` with
    ``self.commit_to``, and reply ``AppendEntriesReply(term, success, index, last_log_index)``
    where ``index`` is ``prev + len(entries)`` on success, ``msg.prev_log_index`` on refusal.
    Checked on 9 hand-made cases, Figure 7's followers (d) and (f), and in a 5-server cluster
    under heavy faults (reordering and duplication included) on three seeds.
    """
    need_node_class(MyRaft, "handle_append_entries")
    cls = _graded(MyRaft)
    for case in CASES:
        _check_case(cls, *case)
    _check_figure7(cls)
    answered, leaders = cluster_checks(cls, CLUSTER_SEEDS, hint=(
        "a safety property broke with your follower code: keep agreeing entries (never truncate on a late request), "
        "reply with index = prev + len(entries), commit at most up to the last new entry"))
    return (f"{len(CASES)} AppendEntries cases right, Figure 7's followers (d) and (f) repaired; in the cluster "
            f"(seeds {CLUSTER_SEEDS}) {answered} commands committed under {leaders} leaders, all five safety "
            "properties held")
