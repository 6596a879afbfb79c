"""Exercise ``06-install-snapshot``: the follower's side of InstallSnapshot (§7 of the paper, Figure 13; F07).

Theory of operation
-------------------
The learner writes ``handle_install_snapshot(self, src, msg)`` in a subclass of
:class:`RaftNode`: the rule of §7 (Figure 13, receiver steps 6-8) plus the library's two extras
(refuse an older term; ignore a snapshot the commit index already covers). The learner's
servers run with ``RaftLog.install`` switched off, so the suffix rule is theirs. The learner's
handler and the library's (the reference) are driven side by side on the same follower - role,
term, snapshot base, entries after it, commit index - with the same InstallSnapshot requests
from ``n1``, and compared after each one:

* the reply (``InstallSnapshotReply``: term, last included index, round);
* the log in memory (base index, base term, the entries kept), the commit and applied indexes,
  the state machine's state, ``last_snapshot``, the leader noted, the election timer restarted
  or not, and the trace note the safety checker reads;
* what is on disk: snapshot and log, written in **one** ``persist`` and before the reply (a
  crash between two writes would leave an old log behind a new base; a reply before the write
  lets the leader count entries a crash then loses).

Cases: hand-made adversarial ones with pointed hints (:data:`CASES`: a snapshot covering the
whole log, the entry at the last included index of another term, a stale snapshot, one equal to
the commit index, an empty log, a log compacted past it, an older term, a candidate, a duplicate,
a newer term); seeded random ones over the whole domain (a leader's log, a follower that agrees
with it on a committed prefix and then goes astray, already compacted or not, one to three
requests: fresh, duplicated, older, of any term); then the learner's class in every server of
the fuzz campaign's clusters with ``snapshot_every=4`` (5 servers under the random and the
stale-tail families, 7 servers once), where the five safety properties and the key-value
store's linearizability must hold, every command must be answered, and snapshots must really
have been installed (the *sometimes* half); and one run twice in two worlds.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from dsworkbook.consensus.fuzzing import raft_problem, raft_progress, raft_run, raft_schedule, stale_tail_schedule
from dsworkbook.consensus.raft import AppendEntries, Entry, RaftConfig, RaftLog, RaftNode, server_ids
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft.messages import InstallSnapshot, Snapshot
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.raft._common import effects_view, need_node_class, run_in_cluster, same_run_everywhere
from dsworkbook.sim import Note, Persist, Send, Simulation

__all__ = ["grade_install_snapshot", "CASES", "snap", "CLUSTER_RUNS"]

THREE = ("n1", "n2", "n3")
#: hand-driven servers never compact on their own: only InstallSnapshot changes their base
CONFIG = RaftConfig(snapshot_every=1000)
RANDOM_SEED, RANDOM_COUNT = 15, 300
#: (seed, family, servers) of the cluster runs, all with snapshot_every=4
CLUSTER_RUNS = ((0, "random", 5), (1, "random", 5), (3, "stale tail", 5), (9, "random", 7))
OPTIONS = {"snapshot_every": 4}


class _NoInstallLog(RaftLog):
    """The log the exercise's servers get: install() is switched off, so the suffix rule is the learner's own."""

    def install(self, index: int, term: int) -> bool:
        raise RuntimeError("RaftLog.install is switched off in this exercise: set self.log.entries, "
                           "self.log.base_index and self.log.base_term yourself")


def _graded(cls: type[RaftNode]) -> type[RaftNode]:
    class Graded(cls):  # type: ignore[valid-type, misc]
        def on_start(self) -> None:
            super().on_start()
            self.log = _NoInstallLog(self.log.entries, base_index=self.log.base_index, base_term=self.log.base_term)

    Graded.__name__ = cls.__name__
    return Graded


# -- states and requests ---------------------------------------------------------------------------------


def _cmd(term: int, index: int) -> str:
    """The command of the entry at ``index`` of ``term``: equal (index, term) means equal entry."""
    return f"{term}@{index}"


def _entries(terms: Sequence[int], first: int) -> tuple[Entry, ...]:
    return tuple(Entry(t, _cmd(t, i)) for i, t in enumerate(terms, start=first))


def snap(term: int, leader_log: Sequence[int], index: int, round_: int = 0, *,
         last_term: int | None = None) -> InstallSnapshot:
    """The InstallSnapshot a leader of ``term`` with ``leader_log`` (its entries' terms) sends: its state
    through ``index`` - the commands of entries 1..index, as the CommandList state machine holds them."""
    lt = leader_log[index - 1] if last_term is None else last_term
    data = tuple(_cmd(t, i) for i, t in enumerate(leader_log[:index], start=1))
    return InstallSnapshot(term, "n1", index, lt, data, round_)


def _state_at(terms: Sequence[int], upto: int) -> tuple[str, ...]:
    return tuple(_cmd(t, i) for i, t in enumerate(terms[:upto], start=1))


#: A follower: (role, term, its full log's terms - the first `base` are in its snapshot -, base, commit)
Follower = tuple[str, int, tuple[int, ...], int, int]


def _setup(cls: type[RaftNode], f: Follower, case: str) -> RaftHarness:
    """``n2`` in the follower's state, its effects cleared (its commit index learned from a heartbeat of n1)."""
    role, term, terms, base, commit = f
    start = term if role == "follower" else term - 1
    shown = _describe_state(f)
    h = attempt(RaftHarness, "n2", THREE, term=start, log=_entries(terms[base:], base + 1), config=CONFIG,
                node_class=cls, input=shown, case=case)
    if base:
        h.storage["snapshot"] = Snapshot(base, terms[base - 1], _state_at(terms, base))
        attempt(h.restart, input=shown, case=case)
    if commit > base:
        last = len(terms)
        attempt(h.deliver, "n3", AppendEntries(start, "n3", last, terms[last - 1], (), commit), input=shown, case=case)
    if role == "candidate":
        attempt(h.fire, "election", input=shown, case=case)
    h.history.clear()
    return h


def _describe_state(f: Follower) -> str:
    role, term, terms, base, commit = f
    snapshot = f"a snapshot through index {base} (term {terms[base - 1]}), " if base else "no snapshot, "
    return (f"{role} n2 at term {term}: {snapshot}entries after it of terms {list(terms[base:])} "
            f"(indexes {base + 1}..{len(terms)}), commit_index {commit}")


def _show_msg(m: InstallSnapshot) -> str:
    return (f"InstallSnapshot(term={m.term}, leader_id={m.leader_id!r}, last_included_index={m.last_included_index}, "
            f"last_included_term={m.last_included_term}, data=<{len(m.data)} commands>, round={m.round})")


# -- comparing one step -----------------------------------------------------------------------------------


def _snapshot_notes(effects: list[Any]) -> list[dict]:
    return [dict(e.fields) for e in effects if type(e) is Note and "snapshot" in e.fields]


def _view(h: RaftHarness) -> dict[str, Any]:
    n = h.node
    return {"log base": (n.log.base_index, n.log.base_term),
            "entries after the base": [(e.term, e.command) for e in n.log.entries],
            "commit_index": n.commit_index, "last_applied": n.last_applied,
            "state machine": tuple(n.state_machine.snapshot()), "last_snapshot": n.last_snapshot,
            "leader_id": n.leader_id, "role": n.role.name, "term": n.current_term}


_HINTS = {
    "log base": "after installing, self.log.base_index and self.log.base_term are the snapshot's last included index "
                "and term (msg.last_included_index, msg.last_included_term) - not msg.term",
    "entries after the base": "keep the entries after the last included index only if your log holds an entry at "
                              "that index with the same term (self.log.term_at(index) == msg.last_included_term); "
                              "then drop everything up to and including it. Otherwise discard the whole log",
    "commit_index": "an installed snapshot is committed: raise self.commit_index to its last included index; a "
                    "snapshot at or below the commit index is ignored, so the commit index never goes back",
    "last_applied": "the state machine now holds everything through the last included index: set self.last_applied "
                    "to it",
    "state machine": "replace the state machine's state with the snapshot's: "
                     "self.state_machine = self.state_machine_factory(); self.state_machine.restore(msg.data)",
    "last_snapshot": "keep the snapshot: self.last_snapshot = Snapshot(index, term, msg.data) (this server sends it "
                     "if it becomes leader)",
    "leader_id": "a request of the current term comes from the leader: self.leader_id = src",
    "role": "the library turned the candidate into a follower before calling you: do not change the role",
    "term": "do not change self.current_term: the library adopted a higher term before calling you",
}


def _compare(case: str, shown: str, ref: RaftHarness, ans: RaftHarness, eff_ref: list[Any], eff_ans: list[Any],
             hint: str) -> None:
    v_ref, v_ans = effects_view(eff_ref), effects_view(eff_ans)
    if v_ans["sent"] != v_ref["sent"]:
        fail(case=case, input=shown, expected=v_ref["sent"], got=v_ans["sent"],
             hint=f"{hint}; answer every request with exactly one self.send(src, InstallSnapshotReply("
                  "self.current_term, msg.last_included_index, msg.round)) - after anything you persist")
    want, got = _view(ref), _view(ans)
    installed = "snapshot" in v_ref["persisted"]
    for key in want:
        if want[key] != got[key]:
            pointed = _HINTS[key] if installed else ("this request changes no state (it only gets a reply, and "
                                                     "if of the current term notes the leader); " if key not in ("leader_id", "role", "term") else
                                                     _HINTS[key] + "; ")
            fail(case=case, input=shown, expected={key: want[key]}, got={key: got[key]},
                 hint=f"{pointed} ({hint})" if installed else f"{pointed}{hint}")
    _compare_disk(case, shown, ref, ans, eff_ans, installed)
    if ("election" in v_ans["timers"]) != ("election" in v_ref["timers"]):
        if "election" in v_ref["timers"]:
            fail(case=case, input=shown, expected="the election timer restarted (the leader of this term is alive)",
                 got="no restart", hint="call self.reset_election_timer() for every request of the current term - "
                                        "also for a snapshot you ignore")
        fail(case=case, input=shown, expected="the election timer left running (the request is from a deposed leader)",
             got="self.reset_election_timer() was called",
             hint="a request whose term is below self.current_term only gets a reply: no timer, no leader noted")
    if _snapshot_notes(eff_ans) != _snapshot_notes(eff_ref):
        fail(case=case, input=shown, expected={"trace notes": _snapshot_notes(eff_ref)},
             got={"trace notes": _snapshot_notes(eff_ans)},
             hint="after installing (and only then), tell the safety checker: self.note(snapshot=(index, term), "
                  "log=index + 1, entries=self.log.snapshot())")


def _compare_disk(case: str, shown: str, ref: RaftHarness, ans: RaftHarness, eff_ans: list[Any],
                  installed: bool) -> None:
    disk_ref = (ref.storage.get("snapshot"), tuple(ref.storage.get("log", ())))
    disk_ans = (ans.storage.get("snapshot"), tuple(ans.storage.get("log", ())))
    if disk_ans != disk_ref:
        fail(case=case, input=shown, expected={"on disk: snapshot, log": disk_ref}, got={"on disk: snapshot, log":
             disk_ans}, hint="persist what you installed: self.persist(snapshot=self.last_snapshot, "
                             "log=self.log.snapshot()); persist nothing for a snapshot you refuse or ignore")
    if not installed:
        return
    writes = [e for e in eff_ans if type(e) is Persist and ("snapshot" in e.values or "log" in e.values)]
    if len(writes) != 1 or not {"snapshot", "log"} <= set(writes[0].values):
        fail(case=case, input=shown, expected="one persist holding both snapshot and log",
             got=[sorted(w.values) for w in writes],
             hint="write the snapshot and the log in one self.persist(snapshot=..., log=...): a crash between two "
                  "writes leaves the old log behind the new base")
    for e in eff_ans:
        if e is writes[0]:
            break
        if type(e) is Send:
            fail(case=case, input=shown, expected="the snapshot persisted before the reply",
                 got=f"effects in order: {[type(x).__name__ for x in eff_ans]}",
                 hint="call self.persist(...) before self.send(...): the leader counts your reply as a stored "
                      "snapshot and moves on; a crash right after the reply must not lose it")


def _run_case(cls: type[RaftNode], name: str, f: Follower, requests: Sequence[InstallSnapshot], hint: str) -> None:
    ref = _setup(RaftNode, f, name)
    ans = _setup(cls, f, name)
    shown = _describe_state(f) + "; then from n1, in order: " + "; ".join(_show_msg(m) for m in requests)
    for msg in requests:
        eff_ref = ref.deliver("n1", msg)
        eff_ans = attempt(ans.deliver, "n1", msg, input=shown, case=name)
        _compare(name, shown, ref, ans, eff_ref, eff_ans, hint)


# -- hand-made cases ------------------------------------------------------------------------------------------

L = (1, 1, 2, 2, 3, 3, 3, 4)  # the leader's log in most cases (term 4 leader)

#: (what it tests, follower, requests, hint)
CASES: list[tuple[str, Follower, list[InstallSnapshot], str]] = [
    ("a snapshot covering the whole log", ("follower", 4, (1, 1, 2), 0, 2), [snap(4, L, 8)],
     "the log ends before the last included index: discard it all; base 8, no entries, commit 8"),
    ("a snapshot into an empty log", ("follower", 4, (), 0, 0), [snap(4, L, 5)],
     "an empty log holds no entry at the last included index: base 5, nothing kept, commit and applied 5"),
    ("the log holds the last included entry: keep the suffix", ("follower", 4, (1, 1, 2, 2, 3, 3, 3), 0, 2),
     [snap(4, L, 5)],
     "index 5 holds term 3 here as in the snapshot: keep entries 6 and 7 (§7), and set commit to 5, not to 7"),
    ("the entry at the last included index is of another term", ("follower", 4, (1, 1, 2, 2, 2, 2), 0, 2),
     [snap(4, L, 5)],
     "index 5 holds term 2 here but 3 in the snapshot: the log conflicts with it, so discard the whole log"),
    ("the snapshot ends exactly at the log's last entry", ("follower", 4, (1, 1, 2, 2, 3), 0, 3), [snap(4, L, 5)],
     "the last entry matches (index 5, term 3): keep what follows it - nothing; an entry at the last included "
     "index is in the snapshot, not in the log"),
    ("a matching suffix after a compacted prefix", ("follower", 4, (1, 1, 2, 2, 3, 3, 3, 4), 3, 4),
     [snap(4, L, 6)],
     "the log's base is 3: entry k of self.log.entries is at index base + 1 + k; keep the entries after index 6"),
    ("a stale snapshot: below the commit index", ("follower", 4, (1, 1, 2, 2, 3, 3), 0, 5), [snap(4, L, 3)],
     "a snapshot at or below self.commit_index is ignored: this server holds that prefix already, committed; "
     "reply, and change nothing (the commit index never goes back)"),
    ("a snapshot equal to the commit index", ("follower", 4, (1, 1, 2, 2, 3, 3), 0, 5), [snap(4, L, 5)],
     "msg.last_included_index == self.commit_index is covered already: ignore it (compare with >, not >=)"),
    ("a log compacted past the snapshot", ("follower", 4, (1, 1, 2, 2, 3, 3, 3), 6, 6), [snap(4, L, 4)],
     "this server's own snapshot reaches index 6 already: the commit index covers index 4; ignore it"),
    ("a snapshot at the log's own base", ("follower", 4, (1, 1, 2, 2, 3), 5, 5), [snap(4, L, 5)],
     "index 5 is this log's base and commit index: ignore the snapshot"),
    ("an older term", ("follower", 5, (1, 1, 2), 0, 1), [snap(4, L, 8)],
     "a request whose term is below self.current_term is refused: reply with self.current_term (that deposes the "
     "sender) and change nothing - no install, no timer, no leader noted"),
    ("a newer term", ("follower", 3, (1, 1, 2, 2), 0, 2), [snap(4, L, 6)],
     "the library adopted term 4 before calling you; install as usual and reply with term 4"),
    ("a candidate hears from the leader of its term", ("candidate", 4, (1, 1, 2), 0, 2), [snap(4, L, 7)],
     "a leader of this term exists; the library made the candidate a follower before calling you: install"),
    ("the same snapshot twice", ("follower", 4, (1, 1), 0, 1), [snap(4, L, 6, 1), snap(4, L, 6, 1)],
     "the second copy is covered by the commit index the first one raised: ignore it, but reply again"),
    ("an older snapshot after a newer one", ("follower", 4, (1,), 0, 0), [snap(4, L, 7, 2), snap(4, L, 4, 1)],
     "the late, older snapshot is covered by the commit index: it must not take the log or the state back"),
    ("the reply carries the request's round", ("follower", 4, (1, 1, 2), 0, 1), [snap(4, L, 4, 7)],
     "reply InstallSnapshotReply(self.current_term, msg.last_included_index, msg.round)"),
    ("terms with more digits", ("follower", 12, (1, 9, 9, 10, 10), 0, 2),
     [snap(12, (1, 9, 9, 10, 11, 12), 4), snap(12, (1, 9, 9, 10, 11, 12), 5)],
     "index 4 matches (term 10): keep entry 5; then index 5 holds term 10 here and 11 in the snapshot: discard"),
]


# -- seeded random cases -----------------------------------------------------------------------------------


def _nondecreasing(rng: random.Random, n: int, lo: int, hi: int) -> list[int]:
    return sorted(rng.randint(lo, hi) for _ in range(n)) if hi >= lo else []


def _draw(rng: random.Random) -> tuple[Follower, list[InstallSnapshot]]:
    role = "candidate" if rng.random() < 0.15 else "follower"
    f_term = rng.choice((2, 3, 4, 5, 9, 10, 11))
    top = f_term if role == "follower" else f_term - 1
    leader_term = max(1, f_term + rng.choice((-1, 0, 0, 0, 1, 2)))
    leader = _nondecreasing(rng, rng.randint(1, 12), 1, leader_term)
    prefix = rng.randint(0, len(leader))
    while prefix and leader[prefix - 1] > top:  # the follower cannot hold entries of terms it never saw
        prefix -= 1
    terms = leader[:prefix]
    last = terms[-1] if terms else 1
    for i in range(prefix, prefix + rng.randint(0, 4)):  # a suffix that goes astray
        t = rng.randint(last, max(last, top))
        if i < len(leader) and t == leader[i]:
            t += 1
        if t > top:
            break
        terms.append(t)
        last = t
    commit = rng.randint(0, prefix)  # what is committed agrees with the leader's log
    base = rng.choice((0, 0, rng.randint(0, commit)))
    requests: list[InstallSnapshot] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if requests and rng.random() < 0.3:
            requests.append(requests[-1])  # a duplicate
            continue
        index = rng.randint(1, len(leader))
        term = leader_term if rng.random() < 0.8 else max(1, leader_term - rng.randint(1, 2))
        if term < leader_term:  # an older leader's snapshot: only the entries it could hold
            index = min(index, sum(1 for t in leader if t <= term)) or 1
            if leader[index - 1] > term:
                continue
        requests.append(snap(term, leader, index, rng.randint(0, 5)))
    if not requests:
        requests.append(snap(leader_term, leader, len(leader)))
    return (role, f_term, tuple(terms), base, commit), requests


def _check_random(cls: type[RaftNode]) -> int:
    for case, (f, requests) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _run_case(cls, case, f, requests,
                  "refuse an older term; ignore a snapshot with last_included_index <= commit_index; else keep the "
                  "entries after the last included index only if the log holds it with the same term, restore the "
                  "state machine from msg.data, raise commit_index and last_applied to the index, persist, reply")
    return RANDOM_COUNT


# -- clusters ------------------------------------------------------------------------------------------------


def _run(seed: int, family: str, servers: int, cls: type[RaftNode]) -> Simulation:
    nodes = server_ids(servers)
    if family == "stale tail":
        return raft_run(seed, stale_tail_schedule(seed, nodes), node_class=cls, servers=servers,
                        options={**OPTIONS, "backoff": "term"})
    return raft_run(seed, raft_schedule(seed, nodes), node_class=cls, servers=servers, options=OPTIONS)


def cluster_checks(cls: type[RaftNode]) -> tuple[int, int]:
    """The campaign's clusters with ``snapshot_every=4``: (snapshots installed, operations answered)."""
    installed = answered = 0
    for seed, family, servers in CLUSTER_RUNS:
        case = f"the {family} family, seed {seed}: {servers} servers with snapshot_every=4"
        sim = run_in_cluster(lambda: _run(seed, family, servers, cls), case, servers)
        shown = f"the campaign's {family} schedule for seed {seed} ({servers} servers, snapshot_every=4)"
        problem = raft_problem(sim)
        if problem is not None:
            fail(case=case, input=shown, expected="the five safety properties and a linearizable history",
                 got=problem.message,
                 hint="a follower installed a snapshot it should have ignored, kept entries that conflict with it, "
                      "or lost the state it holds")
        if not raft_progress(sim):
            fail(case=case, input=shown, expected="every client command answered by the end",
                 got=f"{sim.history.counts()['ok']} of {len(sim.history)} answered",
                 hint="reply to every InstallSnapshot (also one you ignore), or the leader keeps sending it")
        installed += sum(1 for r in sim.trace.records if r[1] == "note" and "snapshot" in r[5] and "start" not in r[5])
        answered += sim.history.counts()["ok"]
    if installed == 0:
        fail(case="the cluster runs", input=f"{len(CLUSTER_RUNS)} runs with snapshot_every=4",
             expected="followers that fell behind installed the leader's snapshot", got="no snapshot installed",
             hint="install a snapshot whose last included index is above your commit index")
    return installed, answered


@exercise("06-install-snapshot", title="InstallSnapshot: what a follower keeps", theme="T06", concepts=("F07",),
          reference=("dsworkbook.consensus.raft.snapshots.SnapshotMixin.handle_install_snapshot",
                     "dsworkbook.consensus.raft.log.RaftLog.install"))
def grade_install_snapshot(answer: Any) -> str:
    """A ``RaftNode`` subclass defining ``handle_install_snapshot(self, src, msg)`` (the follower's side, §7)."""
    need_node_class(answer, "handle_install_snapshot")
    cls = _graded(answer)
    for name, f, requests, hint in CASES:
        _run_case(cls, name, f, requests, hint)
    n_random = _check_random(cls)
    installed, answered = cluster_checks(cls)
    same_run_everywhere(lambda: _run(0, "random", 5, cls), "the 5-server cluster run with seed 0 and snapshot_every=4")
    runs = ", ".join(f"{family} seed {seed} ({servers} servers)" for seed, family, servers in CLUSTER_RUNS)
    return (f"{len(CASES)} hand-made and {n_random} random InstallSnapshot cases match the reference; in the clusters "
            f"with snapshot_every=4 ({runs}) {installed} snapshots were installed, {answered} operations answered, "
            "the five safety properties held and the history was linearizable; a rerun gave the same history")
