"""Exercise ``06-append-entries``: the follower's side of log replication (§5.3, Figure 2).

Theory of operation
-------------------
The learner's ``handle_append_entries`` and the library's (the reference) are driven side by
side on the same follower - role, term, log - with the same AppendEntries, and compared after
each one: the reply (its four fields), the log in memory and on disk (persisted before the
reply), the commit index, whether the election timer was restarted, and the leader noted. The
learner's servers run with ``RaftLog.merge`` switched off, so the truncation is theirs. Cases:

* hand-made adversarial ones with pointed hints: stale terms; the consistency check; a conflict
  after a matching prefix (truncate only from the first conflicting entry); a matching heartbeat
  and a stale, reordered, shorter request (never truncate); a duplicate; ``leader_commit``
  beyond the last new entry (commit only up to ``min(leader_commit, index of the last new
  entry)``); a late request with a lower ``leader_commit``; a candidate hearing from its
  leader; terms with more digits;
* seeded random ones: a leader's log and a follower's that agrees on a prefix and then goes
  astray, sequences of one to three requests (right and wrong ``prev_log_term``, duplicates,
  stale and reordered copies, stale terms, any ``leader_commit``);
* Figure 7's followers (a)-(f) repaired by a real leader; the learner's class in every server
  of a 5- and a 7-server cluster under heavy faults (reordering and duplication included), safe
  and live; and one run twice in two worlds (no hidden nondeterminism).
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft import AppendEntries, Entry, RaftLog, RaftNode
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft.scenarios import FIGURE7, figure7
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.raft._common import (cluster_checks, cluster_experiment, effects_view, harness_in_role, need_node_class,
                                             persisted_before_first_send, run_in_cluster, same_run_everywhere)

THREE = ("n1", "n2", "n3")
CLUSTER_SEEDS = (6, 7, 8)
SEVEN_SEEDS = (9,)
RANDOM_SEED, RANDOM_COUNT = 62, 300


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


def _log(terms: Sequence[int]) -> tuple[Entry, ...]:
    """Entries with these terms; the command names the term and index, so equal (index, term) means equal entry."""
    return tuple(Entry(t, f"{t}@{i}") for i, t in enumerate(terms, start=1))


def ae(term: int, leader_log: Sequence[int], prev: int, count: int, commit: int = 0, *,
       prev_term: int | None = None) -> AppendEntries:
    """The AppendEntries a leader of ``term`` with ``leader_log`` sends: ``count`` entries after ``prev``."""
    full = _log(leader_log)
    pt = (0 if prev == 0 else leader_log[prev - 1]) if prev_term is None else prev_term
    return AppendEntries(term, "n1", prev, pt, full[prev:prev + count], commit)


#: (what it tests, follower role, follower term, follower log terms, requests from n1, hint)
CASES: list[tuple[str, str, int, tuple[int, ...], list[AppendEntries], str]] = [
    ("a request from a stale leader", "follower", 3, (1, 2), [ae(2, (1, 2, 2), 2, 1)],
     "a request whose term is below self.current_term is refused with self.current_term in the reply; it changes "
     "nothing and restarts no timer (that leader is deposed)"),
    ("prev_log_index beyond the end of the log", "follower", 3, (1, 2), [ae(3, (1, 2, 3, 3, 3), 4, 1)],
     "no entry at prev_log_index: refuse (the consistency check, §5.3) - but a leader of this term exists, so note "
     "it and restart the election timer"),
    ("prev_log_term differs at prev_log_index", "follower", 3, (1, 2), [ae(3, (1, 3, 3), 2, 1)],
     "an entry at prev_log_index with another term: refuse, and change nothing"),
    ("the first entries, into an empty log", "follower", 1, (), [ae(1, (1, 1), 0, 2)],
     "index 0 always matches (self.log.term_at(0) == 0); append the entries"),
    ("entries after the last one", "follower", 3, (1, 2), [ae(3, (1, 2, 3, 3), 2, 2, 1)],
     "append; the reply's index is prev_log_index + len(entries)"),
    ("a conflict in the middle of the log", "follower", 3, (1, 2, 2, 2), [ae(3, (1, 3), 1, 1)],
     "at the first entry whose term differs, delete it and everything after, then append (Figure 2)"),
    ("a conflict after a matching prefix of the new entries", "follower", 3, (1, 1, 2, 2, 2),
     [ae(3, (1, 1, 2, 3, 3), 2, 3)],
     "keep the new entries that agree (index 3 has term 2 on both) and delete only from the first conflicting one "
     "(index 4), then append the rest"),
    ("a late, shorter copy of a request already applied", "follower", 3, (1, 3, 3, 3), [ae(3, (1, 3, 3, 3), 1, 1)],
     "entries that agree are kept: a late request must not cut entries the follower already acknowledged"),
    ("a matching heartbeat to a follower with extra entries", "follower", 3, (1, 1, 2, 2), [ae(3, (1, 1, 3), 2, 0)],
     "a heartbeat carries no entries, so nothing conflicts and nothing is deleted; delete only at a conflict"),
    ("the same request twice", "follower", 3, (1,), [ae(3, (1, 3), 1, 1), ae(3, (1, 3), 1, 1)],
     "a duplicate changes nothing and gets the same answer"),
    ("two requests reordered: the longer one first", "follower", 3, (1,),
     [ae(3, (1, 3, 3, 3), 1, 3), ae(3, (1, 3, 3, 3), 1, 1)],
     "the late, shorter request agrees with the log: keep everything (the leader already counted entries 3-4)"),
    ("a heartbeat whose leader_commit is past the entries it vouches for", "follower", 3, (1, 1, 2, 2),
     [ae(3, (1, 1, 3, 3), 2, 0, 4)],
     "commit only up to min(msg.leader_commit, msg.prev_log_index + len(msg.entries)) = min(4, 2 + 0): entries 3-4 "
     "are not yet known to match the leader's log"),
    ("leader_commit beyond the last new entry, with stale entries after it", "follower", 3, (1, 1, 2, 2, 2),
     [ae(3, (1, 1, 3, 3, 3, 3), 1, 1, 5)],
     "the last new entry is index 2: commit up to min(5, 2) = 2; entries 3-5 are stale (term 2) and must not be "
     "applied"),
    ("a late request with a lower leader_commit", "follower", 3, (), [ae(3, (1, 1, 1), 0, 3, 3),
                                                                      ae(3, (1, 1, 1), 0, 1, 1)],
     "the commit index never goes back: raise it with self.commit_to(...) only when msg.leader_commit is higher"),
    ("a candidate hears from the leader of its term", "candidate", 3, (1, 2), [ae(3, (1, 2, 3), 2, 1)],
     "a leader of this term exists: the candidate became a follower (the prologue did it); accept as usual"),
    ("prev_log_index 0 and a conflict at the first entry", "follower", 3, (2, 2), [ae(3, (1, 3), 0, 2)],
     "the conflict is at index 1: delete the whole log and append"),
    ("terms with more digits", "follower", 10, (1, 9, 9), [ae(10, (1, 9, 10, 10), 2, 2)],
     "index 3 holds term 9 here and 10 in the request: a conflict; delete from index 3 and append"),
]


def _describe(h: RaftHarness) -> str:
    n = h.node
    return (f"{n.role.name} {n.id} at term {n.current_term}, log terms {[e.term for e in n.log.entries]}, "
            f"commit_index {n.commit_index}")


def _four(msg: Any) -> Any:
    """An AppendEntriesReply as its four fields (hints left out); anything else as it is."""
    if type(msg).__name__ == "AppendEntriesReply":
        return (type(msg).__name__, msg.term, msg.success, msg.index, msg.last_log_index)
    return msg


def _reply_text(sent: list[tuple[str, Any]]) -> list[str]:
    out = []
    for dst, m in sent:
        if type(m).__name__ == "AppendEntriesReply":
            out.append(f"to {dst}: AppendEntriesReply(term={m.term}, success={m.success}, index={m.index}, "
                       f"last_log_index={m.last_log_index})")
        else:
            out.append(f"to {dst}: {m!r}")
    return out


def _compare(case: str, shown: str, ref: RaftHarness, ans: RaftHarness, eff_ref: list[Any], eff_ans: list[Any],
             hint: str) -> None:
    v_ref, v_ans = effects_view(eff_ref), effects_view(eff_ans)
    sent_ref = [(d, _four(m)) for d, m in v_ref["sent"]]
    sent_ans = [(d, _four(m)) for d, m in v_ans["sent"]]
    if sent_ans != sent_ref:
        extra = ""
        if len(sent_ans) != len(sent_ref):
            extra = "answer every AppendEntries with exactly one self.send(src, AppendEntriesReply(...)); "
        fail(case=case, input=shown, expected=_reply_text(v_ref["sent"]), got=_reply_text(v_ans["sent"]),
             hint=extra + hint + " (reply: term, success, index = prev_log_index + len(entries) on success or the "
                                 "refused prev_log_index, last_log_index = your log's last index afterwards)")
    a, r = ans.node, ref.node
    if a.log.entries != r.log.entries:
        fail(case=case, input=shown, expected=f"log terms {[e.term for e in r.log.entries]}",
             got=f"log terms {[e.term for e in a.log.entries]}", hint=hint)
    if tuple(ans.storage.get("log", ())) != tuple(a.log.entries):
        fail(case=case, input=shown, expected="the log on disk equals the log in memory",
             got=f"on disk {[e.term for e in ans.storage.get('log', ())]}, in memory {[e.term for e in a.log.entries]}",
             hint="after changing self.log.entries, call self.log_changed(k) - k the first index you changed - "
                  "before replying")
    if "log" in v_ans["persisted"] and not persisted_before_first_send(eff_ans, "log"):
        fail(case=case, input=shown, expected="the log persisted before the reply", got=f"effects in order: {eff_ans}",
             hint="call self.log_changed(...) before self.send(...): the leader counts your reply as a stored entry")
    if a.commit_index != r.commit_index:
        fail(case=case, input=shown, expected=f"commit_index {r.commit_index}", got=f"commit_index {a.commit_index}",
             hint=hint)
    if ("election" in v_ans["timers"]) != ("election" in v_ref["timers"]):
        if "election" in v_ref["timers"]:
            fail(case=case, input=shown, expected="the election timer restarted (a leader of this term is alive)",
                 got="no restart", hint="call self.reset_election_timer() for every request of the current term - "
                 "refused by the consistency check or not: it comes from the current leader (Figure 2)")
        fail(case=case, input=shown, expected="the election timer left running (the request is from a deposed "
             "leader)", got="self.reset_election_timer() was called",
             hint="a request whose term is below self.current_term must not restart the timer")
    if a.leader_id != r.leader_id or a.role.name != r.role.name:
        fail(case=case, input=shown, expected=f"leader_id={r.leader_id!r}, role {r.role.name}",
             got=f"leader_id={a.leader_id!r}, role {a.role.name}",
             hint="for a request of the current term set self.leader_id = src (clients are redirected there)")


def _run_case(cls: type[RaftNode], name: str, role: str, term: int, log: tuple[int, ...],
              requests: list[AppendEntries], hint: str, *, members: tuple[str, ...] = THREE) -> None:
    kw = dict(node_id="n2", members=members, term=term, voted_for=None, log=_log(log))
    ref = harness_in_role(RaftNode, role, case=name, **kw)
    ans = harness_in_role(cls, role, case=name, **kw)
    shown = _describe(ref) + "; then from n1, in order: " + "; ".join(map(repr, requests))
    for msg in requests:
        eff_ref = ref.deliver("n1", msg)
        eff_ans = attempt(ans.deliver, "n1", msg, input=shown, case=name)
        _compare(name, shown, ref, ans, eff_ref, eff_ans, hint)


# -- seeded random cases ---------------------------------------------------------------------------------

_TERMS = (1, 2, 3, 4, 8, 9, 10, 11)


def _terms(rng: random.Random, length: int, lo: int, hi: int) -> list[int]:
    return sorted(rng.randint(lo, hi) for _ in range(length)) if hi >= lo else []


def _draw(rng: random.Random) -> tuple:
    role = "candidate" if rng.random() < 0.15 else "follower"
    f_term = rng.choice(_TERMS)
    if role == "candidate" and f_term == 1:
        f_term = 2
    top = f_term if role == "follower" else f_term - 1
    leader_term = max(1, f_term + rng.choice((-1, 0, 0, 0, 1, 2)))
    leader = _terms(rng, rng.randint(0, 10), 1, leader_term)
    prefix = rng.randint(0, len(leader))
    while prefix and leader[prefix - 1] > top:  # the follower cannot hold entries of terms it never saw
        prefix -= 1
    follower = leader[:prefix]
    last = follower[-1] if follower else 1
    for i in range(prefix, prefix + rng.randint(0, 4)):  # then a suffix that goes astray
        t = rng.randint(last, max(last, top))
        if i < len(leader) and t == leader[i]:
            t += 1
        if t > top:
            break
        follower.append(t)
        last = t
    requests = []
    for _ in range(rng.choice((1, 2, 2, 3))):
        if requests and rng.random() < 0.25:
            old = requests[-1]
            shorter = old.entries[:rng.randint(0, len(old.entries))]  # a duplicate, or a late shorter copy
            requests.append(old if rng.random() < 0.5 else AppendEntries(
                old.term, old.leader_id, old.prev_log_index, old.prev_log_term, shorter, old.leader_commit))
            continue
        prev = rng.randint(0, len(leader))
        count = rng.randint(0, min(4, len(leader) - prev))
        commit = rng.choice((0, rng.randint(0, len(leader)), len(leader)))
        wrong = rng.random() < 0.15 and prev > 0
        pt = leader[prev - 1] + rng.choice((-1, 1)) if wrong else None
        requests.append(ae(leader_term, leader, prev, count, commit, prev_term=max(pt, 0) if wrong else None))
    return role, f_term, tuple(follower), requests


def _check_random(cls: type[RaftNode]) -> int:
    for case, (role, term, log, requests) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _run_case(cls, case, role, term, log, requests,
                  "refuse a stale term; refuse unless self.log.term_at(msg.prev_log_index) == msg.prev_log_term; keep "
                  "agreeing entries, delete only from the first conflict, append the rest; commit up to "
                  "min(msg.leader_commit, msg.prev_log_index + len(msg.entries))")
    return RANDOM_COUNT


def _check_figure7(cls: type[RaftNode]) -> None:
    for follower in "abcdef":
        case = f"Figure 7, follower ({follower})"
        sim = run_in_cluster(lambda: figure7(follower, node_class=cls), case, servers=3)
        n1, n2 = sim.node("n1"), sim.node("n2")
        if n2.log.entries != n1.log.entries or not check_safety(sim).ok:
            fail(case=case, input=f"leader n1 (term 8) with log terms {list(FIGURE7['leader'])}, follower n2 with "
                 f"{list(FIGURE7[follower])}, 2 ms links (seed 7)",
                 expected=f"n2 ends with the leader's log {[e.term for e in n1.log.entries]}",
                 got=f"n2's log terms {[e.term for e in n2.log.entries]}",
                 hint="refuse until prev matches; then delete from the first conflicting entry and append the rest")


@exercise("06-append-entries", title="The AppendEntries handler: consistency check and conflict truncation",
          theme="T06", concepts=("F02",),
          reference=("dsworkbook.consensus.raft.replication.ReplicationMixin.handle_append_entries",
                     "dsworkbook.consensus.raft.log.RaftLog.merge"),
          experiment=cluster_experiment(_graded))
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
    Checked against the reference on hand-made and seeded random cases, on Figure 7's followers,
    and in 5- and 7-server clusters under heavy faults: safe, live and deterministic.
    """
    need_node_class(MyRaft, "handle_append_entries")
    cls = _graded(MyRaft)
    for case in CASES:
        _run_case(cls, *case)
    n_random = _check_random(cls)
    _check_figure7(cls)
    hint = ("a safety property broke, or the cluster stalled, with your follower code: keep agreeing entries (never "
            "truncate on a late request or a heartbeat), reply with index = prev_log_index + len(entries), commit at "
            "most up to the last new entry, restart the timer for every request of the current term")
    answered, leaders = cluster_checks(cls, CLUSTER_SEEDS, hint=hint)
    answered7, leaders7 = cluster_checks(cls, SEVEN_SEEDS, hint=hint, servers=7)
    seed = CLUSTER_SEEDS[0]
    same_run_everywhere(lambda: raft_run(seed, raft_schedule(seed), node_class=cls),
                        f"the 5-server cluster run with seed {seed}")
    return (f"{len(CASES)} hand-made and {n_random} random AppendEntries cases match the reference, Figure 7's "
            f"followers (a)-(f) repaired; in the clusters (5 servers: seeds {CLUSTER_SEEDS}; 7 servers: seed "
            f"{SEVEN_SEEDS[0]}) {answered + answered7} commands committed under {leaders + leaders7} leaders, all five "
            "safety properties held, and a rerun gave the same history")


__all__ = ["grade_append_entries", "ae", "CASES"]
