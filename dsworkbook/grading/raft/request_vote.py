"""Exercise ``06-request-vote``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft import RaftNode, RequestVote, RequestVoteReply
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import cluster_checks, need_node_class
from dsworkbook.sim import Persist, Send, SetTimer

FIVE = ("n1", "n2", "n3", "n4", "n5")
CLUSTER_SEEDS = (3, 4, 5)

#: (what it tests, voter's term, voter's vote, voter's log terms, requests [(src, RequestVote)], granted?, hint)
VOTE_CASES: list[tuple[str, int, str | None, tuple[int, ...], list[tuple[str, RequestVote]], bool, str]] = [
    ("a candidate with a stale term", 3, None, (1, 2), [("n1", RequestVote(2, "n1", 9, 9))], False,
     "a request whose term is lower than currentTerm is refused (§5.1)"),
    ("the first candidate of a new term, with a longer log", 1, None, (1, 1), [("n1", RequestVote(2, "n1", 3, 1))],
     True, "no vote cast yet in this term and the candidate's log is up-to-date: grant it"),
    ("a second candidate in the same term", 1, None, (1,), [("n1", RequestVote(2, "n1", 1, 1)),
                                                           ("n3", RequestVote(2, "n3", 5, 1))], False,
     "one vote per term, first come first served: votedFor is already n1 (§5.2)"),
    ("the same candidate asking again (a retry)", 1, None, (1,), [("n1", RequestVote(2, "n1", 1, 1)),
                                                                  ("n1", RequestVote(2, "n1", 1, 1))], True,
     "votedFor == candidateId: answer the retry with the same vote (RPCs are idempotent)"),
    ("a candidate whose last entry has a lower term", 2, None, (1, 2), [("n1", RequestVote(3, "n1", 5, 1))], False,
     "§5.4.1: different last terms - the later term is more up-to-date, whatever the lengths"),
    ("a candidate with the same last term but a shorter log", 2, None, (1, 2, 2),
     [("n1", RequestVote(3, "n1", 2, 2))], False, "§5.4.1: same last term - the longer log is more up-to-date"),
    ("a candidate with exactly the voter's log", 2, None, (1, 2, 2), [("n1", RequestVote(3, "n1", 3, 2))], True,
     "an equal log counts as at least as up-to-date: grant"),
    ("a candidate with a later last term and a shorter log", 2, None, (1, 1, 1, 1),
     [("n1", RequestVote(3, "n1", 2, 2))], True, "a later last term wins even with fewer entries (§5.4.1)"),
    ("a candidate of a higher term, after the voter voted in an earlier term", 2, "n3", (1,),
     [("n1", RequestVote(3, "n1", 1, 1))], True,
     "the higher term made the voter a follower of term 3 with no vote yet (the prologue did it): grant"),
]


def _deliver(h: RaftHarness, src: str, msg: RequestVote, shown: str, case: str) -> list[Any]:
    return attempt(h.deliver, src, msg, input=shown, case=case)


def _reply(effects: list[Any], src: str, shown: str, case: str) -> RequestVoteReply:
    replies = [e.msg for e in effects if type(e) is Send and e.dst == src and type(e.msg) is RequestVoteReply]
    if len(replies) != 1:
        fail(case=case, input=shown, expected=f"exactly one RequestVoteReply sent to {src}",
             got=f"{len(replies)} replies; effects: {effects}", hint="answer every RequestVote with one "
             "self.send(src, RequestVoteReply(self.current_term, granted))")
    return replies[0]


def _check_case(cls: type[RaftNode], name: str, term: int, vote: str | None, log: tuple[int, ...],
                requests: list[tuple[str, RequestVote]], granted: bool, hint: str) -> None:
    h = attempt(RaftHarness, "n2", FIVE, term=term, voted_for=vote, log=entries(*log), node_class=cls,
                input="a fresh server", case=name)
    shown = (f"voter n2 at term {term}, votedFor={vote!r}, log terms {list(log)}; then "
             + ", ".join(f"{m} from {s}" for s, m in requests))
    for i, (src, msg) in enumerate(requests):
        effects = _deliver(h, src, msg, shown, name)
        reply = _reply(effects, src, shown, name)
        last = i == len(requests) - 1
        want = granted if last else True
        if reply.vote_granted != want or reply.term != h.node.current_term:
            fail(case=name, input=shown, expected=RequestVoteReply(h.node.current_term, want), got=reply, hint=hint)
        if reply.vote_granted:
            _check_granted(h, effects, msg.candidate_id, shown, name)


def _check_granted(h: RaftHarness, effects: list[Any], candidate: str, shown: str, name: str) -> None:
    sends = [i for i, e in enumerate(effects) if type(e) is Send]
    saves = [i for i, e in enumerate(effects) if type(e) is Persist and e.values.get("voted_for") == candidate]
    if not saves or saves[0] > sends[0]:
        fail(case=name, input=shown, expected=f"voted_for={candidate!r} persisted before the reply is sent",
             got=f"effects in order: {effects}", hint="call self.save_term_and_vote() after setting self.voted_for "
             "and before self.send(...): a vote that is not on disk is forgotten by a crash (Figure 2)")
    if h.node.voted_for != candidate:
        fail(case=name, input=shown, expected=f"self.voted_for == {candidate!r}", got=repr(h.node.voted_for),
             hint="remember whom you voted for in this term")
    if not any(type(e) is SetTimer and e.name == "election" for e in effects):
        fail(case=name, input=shown, expected="the election timer restarted when the vote is granted",
             got="no SetTimer('election', ...)", hint="call self.reset_election_timer() when you grant a vote "
             "(Figure 2: a follower times out only if it neither hears a leader nor grants a vote)")


def _check_restart(cls: type[RaftNode]) -> None:
    name = "a crash and restart between two requests of the same term"
    h = attempt(RaftHarness, "n2", FIVE, term=1, node_class=cls, input="a fresh server", case=name)
    shown = ("RequestVote(term=2) from n1 (granted), then the voter crashes and restarts, then RequestVote(term=2) "
             "from n3")
    _deliver(h, "n1", RequestVote(2, "n1", 0, 0), shown, name)
    attempt(h.restart, input=shown, case=name)
    reply = _reply(_deliver(h, "n3", RequestVote(2, "n3", 0, 0), shown, name), "n3", shown, name)
    if reply.vote_granted:
        fail(case=name, input=shown, expected=RequestVoteReply(2, False), got=reply,
             hint="the vote must survive the crash: persist it (self.save_term_and_vote()) before replying")


@exercise("06-request-vote", title="The RequestVote handler", theme="T06", concepts=("F01", "F04"))
def grade_request_vote(MyRaft: Any) -> str:
    """A ``RaftNode`` subclass defining ``handle_request_vote(self, src, msg)``.

    The prologue has already made ``self.current_term >= msg.term``. Refuse a stale term; grant
    at most one vote per term (``self.voted_for``; a retry from the same candidate gets it
    again) and only to a candidate whose log is at least as up-to-date
    (``dw.consensus.raft.at_least_as_up_to_date``); on a grant set ``self.voted_for``, call
    ``self.save_term_and_vote()`` and ``self.reset_election_timer()``, then send
    ``RequestVoteReply(self.current_term, granted)``. Checked on 10 hand-made cases, then inside a
    5-server cluster under heavy faults on three seeds: safe and live.
    """
    need_node_class(MyRaft, "handle_request_vote")
    for case in VOTE_CASES:
        _check_case(MyRaft, *case)
    _check_restart(MyRaft)
    answered, leaders = cluster_checks(MyRaft, CLUSTER_SEEDS, hint=(
        "a safety property broke with your votes in the cluster: check the up-to-date comparison, the one vote per "
        "term, and that the vote is persisted before the reply"))
    return (f"{len(VOTE_CASES) + 1} voting cases right; in the cluster (seeds {CLUSTER_SEEDS}, heavy faults) "
            f"{leaders} leaders were elected with your votes, {answered} commands committed, all five safety "
            "properties held")
