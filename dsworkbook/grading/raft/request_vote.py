"""Exercise ``06-request-vote``: the voter's side of an election (§5.2, §5.4.1, Figure 2).

Theory of operation
-------------------
The learner's ``handle_request_vote`` and the library's (the reference) are driven side by side
on the same server state - role, term, vote, log - with the same RequestVotes, and everything
they do is compared: the reply, whether the election timer was restarted, the vote and term kept
in memory and on disk, and that a granted vote is on disk before the reply leaves. Three sets of
cases:

* hand-made adversarial ones with pointed hints: stale terms, one vote per term, a retry of the
  same candidate (it gets the vote again - RPCs are retried), a refusal that must neither spend
  the vote nor restart the timer (§5.2: a server restarts its timer only when it grants a vote or
  hears from the current leader), terms with more digits (9 against 10), a voter that is a
  candidate or a leader, a crash between two requests;
* seeded random ones over the whole domain (5 and 7 servers, every role, logs with equal last
  terms and different lengths, sequences of requests with retries and rivals), once with the
  servers named n1..n7 and once with names drawn from a pool of 240 (a vote must not depend on
  a server's name - or on its ``hash()``, which differs from one Python process to the next);
* the learner's class in every server of a 5- and a 7-server cluster under the fuzz campaign's
  faults (safe and live), and one run twice in two worlds (no hidden nondeterminism).
"""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft import RaftNode, RequestVote, server_ids
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.raft._common import (cluster_checks, cluster_experiment, effects_view, harness_in_role, need_node_class,
                                             persisted_before_first_send, same_run_everywhere)

FIVE = tuple(server_ids(5))
CLUSTER_SEEDS = (3, 4, 5)
SEVEN_SEEDS = (6,)
RANDOM_SEED, RANDOM_COUNT = 61, 300
#: the same draws with servers renamed from a pool of 240 names: a vote must not depend on a name
NAMED_SEED, NAMED_COUNT = 62, 150
NAME_POOL = tuple(f"{w}{k}" for w in ("n", "s", "node-", "raft-", "eu-west-1", "db") for k in range(1, 41))

#: (what it tests, voter role, voter term, votedFor, voter log terms, requests [(src, RequestVote)], hint)
VOTE_CASES: list[tuple[str, str, int, str | None, tuple[int, ...], list[tuple[str, RequestVote]], str]] = [
    ("a candidate with a stale term", "follower", 3, None, (1, 2), [("n1", RequestVote(2, "n1", 9, 2))],
     "a request whose term is lower than self.current_term is refused, and the reply carries self.current_term"),
    ("the first candidate of a new term, with a longer log", "follower", 1, None, (1, 1),
     [("n1", RequestVote(2, "n1", 3, 1))],
     "no vote cast yet in this term and the candidate's log is up-to-date: grant it"),
    ("a second candidate in the same term", "follower", 1, None, (1,),
     [("n1", RequestVote(2, "n1", 1, 1)), ("n3", RequestVote(2, "n3", 5, 1))],
     "one vote per term, first come first served: self.voted_for is already n1 (§5.2)"),
    ("the same candidate asking again (a retry)", "follower", 1, None, (1,),
     [("n1", RequestVote(2, "n1", 1, 1)), ("n1", RequestVote(2, "n1", 1, 1))],
     "self.voted_for == msg.candidate_id: answer the retry with the same vote (a lost reply makes a candidate "
     "ask again; refusing it can stall the election)"),
    ("a candidate whose last entry has a lower term", "follower", 2, None, (1, 2),
     [("n1", RequestVote(3, "n1", 5, 1))],
     "§5.4.1: different last terms - the later term is more up-to-date, whatever the lengths"),
    ("a candidate with the same last term but a shorter log", "follower", 2, None, (1, 2, 2),
     [("n1", RequestVote(3, "n1", 2, 2))], "§5.4.1: same last term - the longer log is more up-to-date"),
    ("a candidate with exactly the voter's log", "follower", 2, None, (1, 2, 2),
     [("n1", RequestVote(3, "n1", 3, 2))], "an equal log counts as at least as up-to-date: grant"),
    ("a candidate with a later last term and a shorter log", "follower", 2, None, (1, 1, 1, 1),
     [("n1", RequestVote(3, "n1", 2, 2))], "a later last term wins even with fewer entries (§5.4.1)"),
    ("a candidate of a higher term, after the voter voted in an earlier term", "follower", 2, "n3", (1,),
     [("n1", RequestVote(3, "n1", 1, 1))],
     "the higher term made the voter a follower of term 3 with no vote yet (the prologue did it): grant"),
    ("a refusal (log behind) does not spend the vote: a better candidate of the same term comes next", "follower",
     2, None, (1, 2, 2), [("n1", RequestVote(3, "n1", 2, 2)), ("n3", RequestVote(3, "n3", 3, 2))],
     "set self.voted_for only when you grant: a candidate you refused must not use up your vote for the term"),
    ("a refused vote does not restart the election timer", "follower", 4, "n3", (1, 4),
     [("n1", RequestVote(4, "n1", 2, 4))],
     "call self.reset_election_timer() only when you grant a vote: a server that refuses keeps its timer running "
     "(§5.2), or a stream of hopeless candidates keeps it from ever campaigning"),
    ("a stale retry from the candidate this server voted for in a later term", "follower", 3, "n1", (1,),
     [("n1", RequestVote(2, "n1", 1, 1))],
     "check msg.term < self.current_term first: a request of an old term is refused even from the candidate "
     "you voted for since"),
    ("terms with more digits: a last term of 10 beats 9, whatever the lengths", "follower", 10, None,
     (1, 9, 9, 9, 9), [("n1", RequestVote(11, "n1", 3, 10))],
     "compare terms as numbers: 10 > 9"),
    ("terms with more digits: a last term of 9 loses to 10 even with a longer log", "follower", 10, None,
     (1, 9, 10), [("n1", RequestVote(11, "n1", 6, 9))],
     "compare terms as numbers: 9 < 10, so the candidate is behind (§5.4.1)"),
    ("a candidate of the same term asks a voter that is itself a candidate", "candidate", 3, None, (1, 2),
     [("n1", RequestVote(3, "n1", 5, 2))],
     "a candidate has voted for itself in its term (self.voted_for == self.id): refuse"),
    ("a leader hears from a candidate of a higher term with a shorter log", "leader", 3, None, (1, 2),
     [("n1", RequestVote(4, "n1", 1, 1))],
     "the prologue made the leader a follower of term 4; its log (with its entries of term 3) is more up-to-date "
     "than the candidate's: refuse, with self.current_term (4) in the reply"),
]


def _reference() -> type[RaftNode]:
    return RaftNode


def _describe_state(h: RaftHarness) -> str:
    n = h.node
    terms = [e.term for e in n.log.entries]
    return (f"{n.role.name} {n.id} of {len(n.members)} servers at term {n.current_term}, "
            f"voted_for={n.voted_for!r}, log terms {terms}")


def _compare(case: str, shown: str, ref: RaftHarness, ans: RaftHarness, eff_ref: list[Any], eff_ans: list[Any],
             msg: RequestVote, hint: str, stored_before: tuple[Any, Any] = (None, None)) -> None:
    v_ref, v_ans = effects_view(eff_ref), effects_view(eff_ans)
    if v_ans["sent"] != v_ref["sent"]:
        replies = v_ans["sent"]
        if len(replies) != len(v_ref["sent"]):
            hint = ("answer every RequestVote with exactly one self.send(src, RequestVoteReply(self.current_term, "
                    "granted)) - " + hint)
        fail(case=case, input=shown, expected=v_ref["sent"], got=replies, hint=hint)
    if ("election" in v_ans["timers"]) != ("election" in v_ref["timers"]):
        if "election" in v_ref["timers"]:
            why = ("restart the election timer (self.reset_election_timer()) when you grant a vote: Figure 2 - a "
                   "follower campaigns only if it neither hears from the leader nor grants a vote")
            fail(case=case, input=shown, expected="the election timer restarted", got="no restart", hint=why)
        fail(case=case, input=shown, expected="the election timer left running (the vote was refused)",
             got="self.reset_election_timer() was called",
             hint="call self.reset_election_timer() only when you grant a vote: a refused candidate must not keep "
                  "this server from campaigning (§5.2)")
    a, r = ans.node, ref.node
    if (a.current_term, a.voted_for) != (r.current_term, r.voted_for):
        fail(case=case, input=shown, expected=f"current_term={r.current_term}, voted_for={r.voted_for!r}",
             got=f"current_term={a.current_term}, voted_for={a.voted_for!r}", hint=hint)
    stored_a = (ans.storage.get("term"), ans.storage.get("voted_for"))
    stored_r = (ref.storage.get("term"), ref.storage.get("voted_for"))
    if stored_a != stored_r:
        fail(case=case, input=shown, expected=f"on disk: term={stored_r[0]}, voted_for={stored_r[1]!r}",
             got=f"on disk: term={stored_a[0]}, voted_for={stored_a[1]!r}",
             hint="after setting self.voted_for call self.save_term_and_vote(): a vote that is not on disk is "
                  "forgotten by a crash (Figure 2: the vote is persistent state)")
    granted = any(getattr(m, "vote_granted", False) for _, m in v_ref["sent"])
    already = stored_before == (a.current_term, msg.candidate_id)  # a retry: the vote is on disk already
    if granted and not already and not persisted_before_first_send(eff_ans, "voted_for", msg.candidate_id):
        fail(case=case, input=shown, expected=f"voted_for={msg.candidate_id!r} persisted before the reply is sent",
             got=f"effects in order: {eff_ans}",
             hint="call self.save_term_and_vote() before self.send(...): a crash between the two would forget a vote "
                  "the candidate already counted")
    if a.role.name != r.role.name:
        fail(case=case, input=shown, expected=f"role {r.role.name}", got=f"role {a.role.name}",
             hint="handle_request_vote only votes: leave roles to the prologue")


def _run_case(cls: type[RaftNode], name: str, role: str, term: int, vote: str | None, log: tuple[int, ...],
              requests: list[tuple[str, RequestVote]], hint: str, *, members: tuple[str, ...] = FIVE,
              voter: str = "n2") -> None:
    kw = dict(node_id=voter, members=members, term=term, voted_for=vote, log=entries(*log))
    ref = harness_in_role(_reference(), role, case=name, **kw)
    ans = harness_in_role(cls, role, case=name, **kw)
    shown = _describe_state(ref) + "; then " + ", ".join(f"{m} from {s}" for s, m in requests)
    for src, msg in requests:
        stored = (ans.storage.get("term"), ans.storage.get("voted_for"))
        eff_ref = ref.deliver(src, msg)
        eff_ans = attempt(ans.deliver, src, msg, input=shown, case=name)
        _compare(name, shown, ref, ans, eff_ref, eff_ans, msg, hint, stored)


def _check_restart(cls: type[RaftNode]) -> None:
    name = "a crash and restart between two requests of the same term"
    h = attempt(RaftHarness, "n2", FIVE, term=1, node_class=cls, input="a fresh server", case=name)
    shown = ("RequestVote(term=2) from n1 (granted), then the voter crashes and restarts, then RequestVote(term=2) "
             "from n3")
    attempt(h.deliver, "n1", RequestVote(2, "n1", 0, 0), input=shown, case=name)
    attempt(h.restart, input=shown, case=name)
    effects = attempt(h.deliver, "n3", RequestVote(2, "n3", 0, 0), input=shown, case=name)
    replies = [m for d, m in effects_view(effects)["sent"] if d == "n3"]
    if len(replies) != 1 or getattr(replies[0], "vote_granted", True):
        fail(case=name, input=shown, expected="one RequestVoteReply(term=2, vote_granted=False) to n3", got=replies,
             hint="the vote must survive the crash: persist it (self.save_term_and_vote()) before replying")


# -- seeded random cases ----------------------------------------------------------------------------------

_TERMS = (0, 1, 2, 3, 4, 8, 9, 10, 11, 99, 100)


def _log(rng: random.Random, top: int) -> tuple[int, ...]:
    if top == 0:
        return ()
    length = rng.choice((0, 1, 2, 3, 4, 5, 6, 8))
    return tuple(sorted(rng.randint(1, top) for _ in range(length)))


def _near(rng: random.Random, log: tuple[int, ...], term: int) -> tuple[int, int]:
    """A candidate's (last index, last term) near the voter's: equal, a little longer or shorter, a term off."""
    last_i, last_t = len(log), (log[-1] if log else 0)
    pick = rng.random()
    if pick < 0.3:
        i, t = last_i, last_t
    elif pick < 0.55:
        i, t = max(last_i + rng.choice((-2, -1, 1, 2)), 1 if last_t else 0), last_t
    elif pick < 0.8:
        t = max(0, last_t + rng.choice((-1, 1, 2)))
        i = rng.randint(1, last_i + 3) if t else 0
    else:
        t = rng.choice(_TERMS)
        i = rng.randint(1, 12) if t else 0
    t = min(t, term)  # a candidate's last entry is never from a term after its own
    return (i if t else 0), t


def _draw(rng: random.Random) -> tuple:
    members = tuple(server_ids(rng.choice((5, 5, 7))))
    voter = rng.choice(members)
    role = rng.choice(("follower", "follower", "follower", "candidate", "leader"))
    term = rng.choice(_TERMS[1:])
    log = _log(rng, term if role == "follower" else term - 1)
    vote = rng.choice((None, None, rng.choice(members))) if role == "follower" else None
    others = [m for m in members if m != voter]
    requests = []
    current = term
    for _ in range(rng.choice((1, 2, 2, 3))):
        if requests and rng.random() < 0.3:
            requests.append(requests[-1])  # a retry, or a duplicate
            continue
        cand = rng.choice(others)
        t = max(1, current + rng.choice((-1, 0, 0, 1, 1, 2)))
        i, lt = _near(rng, log, t)
        requests.append((cand, RequestVote(t, cand, i, lt)))
        current = max(current, t)
    return members, voter, role, term, vote, log, requests


def _draw_named(rng: random.Random) -> tuple:
    members, voter, role, term, vote, log, requests = _draw(rng)
    name = dict(zip(members, rng.sample(NAME_POOL, len(members))))
    renamed = [(name[src], RequestVote(m.term, name[m.candidate_id], m.last_log_index, m.last_log_term))
               for src, m in requests]
    return (tuple(name[m] for m in members), name[voter], role, term, None if vote is None else name[vote], log,
            renamed)


def _check_random(cls: type[RaftNode]) -> int:
    cases = list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw)) + list(random_cases(NAMED_SEED, NAMED_COUNT,
                                                                                      _draw_named))
    for case, (members, voter, role, term, vote, log, requests) in cases:
        _run_case(cls, case, role, term, vote, log, requests,
                  "grant exactly when msg.term is current, self.voted_for is None or msg.candidate_id, and "
                  "at_least_as_up_to_date(msg.last_log_term, msg.last_log_index, self.log.last_term, "
                  "self.log.last_index); otherwise refuse and change nothing",
                  members=members, voter=voter)
    return len(cases)


@exercise("06-request-vote", title="The RequestVote handler", theme="T06", concepts=("F01", "F04"),
          reference="dsworkbook.consensus.raft.election.ElectionMixin.handle_request_vote",
          experiment=cluster_experiment())
def grade_request_vote(MyRaft: Any) -> str:
    """A ``RaftNode`` subclass defining ``handle_request_vote(self, src, msg)``.

    The prologue has already made ``self.current_term >= msg.term``. Refuse a stale term; grant
    at most one vote per term (``self.voted_for``; a retry from the same candidate gets it
    again) and only to a candidate whose log is at least as up-to-date
    (``dw.consensus.raft.at_least_as_up_to_date``); on a grant set ``self.voted_for``, call
    ``self.save_term_and_vote()`` and ``self.reset_election_timer()``, then send
    ``RequestVoteReply(self.current_term, granted)``; a refusal changes nothing and restarts no
    timer. Checked against the reference on hand-made and seeded random server states, across a
    crash, then inside 5- and 7-server clusters under heavy faults: safe, live and deterministic.
    """
    need_node_class(MyRaft, "handle_request_vote")
    for case in VOTE_CASES:
        _run_case(MyRaft, *case)
    _check_restart(MyRaft)
    n_random = _check_random(MyRaft)
    hint = ("a safety property broke, or the cluster stalled, with your votes: check the up-to-date comparison, the "
            "one vote per term, the retry, and that the vote is persisted before the reply")
    answered, leaders = cluster_checks(MyRaft, CLUSTER_SEEDS, hint=hint)
    answered7, leaders7 = cluster_checks(MyRaft, SEVEN_SEEDS, hint=hint, servers=7)
    seed = CLUSTER_SEEDS[0]
    same_run_everywhere(lambda: raft_run(seed, raft_schedule(seed), node_class=MyRaft),
                        f"the 5-server cluster run with seed {seed}")
    return (f"{len(VOTE_CASES) + 1} hand-made and {n_random} random voting cases match the reference; in the "
            f"clusters (5 servers: seeds {CLUSTER_SEEDS}; 7 servers: seed {SEVEN_SEEDS[0]}; heavy faults) "
            f"{leaders + leaders7} leaders were elected with your votes, {answered + answered7} commands committed, "
            "all five safety properties held, and a rerun gave the same history")
