"""Raft, one test per sentence of the paper that matters (Ongaro & Ousterhout, USENIX ATC 2014).

Each test is named after its sentence and cites the section, in the style of etcd's
``raft_paper_test.go``: arrange one server's state with :class:`RaftHarness`, act with one
event (a message, a timer), check what it sent and what it kept. A few sentences are about the
whole cluster; those run on the simulator (Figure 7, Figure 8, determinism).
"""

from __future__ import annotations

import pytest

from dsworkbook.consensus.raft import (AppendEntries, AppendEntriesReply, Command, Entry, NotLeader, RaftConfig,
                                       RequestVote, RequestVoteReply, at_least_as_up_to_date, cluster_table, leaders,
                                       majority_commit_index, raft_sim)
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.messages import TimeoutNow
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Response

THREE = ("n1", "n2", "n3")
FIVE = ("n1", "n2", "n3", "n4", "n5")


def leader(members=THREE, *, term=1, log=()) -> RaftHarness:
    """A harness whose node n1 has just won the election of ``term``."""
    h = RaftHarness("n1", members, term=term - 1, log=log)
    h.fire("election")
    for voter in members[1:]:
        h.deliver(voter, RequestVoteReply(term, True))
    assert h.node.is_leader and h.node.current_term == term
    h.history.clear()
    return h


def candidate(members=THREE, *, term=1, log=()) -> RaftHarness:
    h = RaftHarness("n1", members, term=term - 1, log=log)
    h.fire("election")
    assert h.node.role.name == "candidate" and h.node.current_term == term
    return h


# --- §5.1 Raft basics --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["follower", "candidate", "leader"])
@pytest.mark.parametrize("msg", [RequestVote(5, "n2", 0, 0), AppendEntries(5, "n2", 0, 0, (), 0),
                                 RequestVoteReply(5, False), AppendEntriesReply(5, False, 0, 0)])
def test_if_a_servers_current_term_is_smaller_it_updates_its_term_and_a_candidate_or_leader_reverts_to_follower(role, msg):
    """§5.1: "If a server's current term is smaller than the other's, then it updates its current term to the
    larger value. If a candidate or leader discovers that its term is out of date, it immediately reverts to
    follower state." (checked for every role and every message)."""
    h = {"follower": lambda: RaftHarness(term=1), "candidate": lambda: candidate(term=2),
         "leader": lambda: leader(term=2)}[role]()
    h.deliver("n2", msg)
    assert h.node.current_term == 5 and h.node.role.name == "follower"
    assert h.storage["term"] == 5


@pytest.mark.parametrize("msg, reply_type", [(RequestVote(1, "n2", 9, 9), RequestVoteReply),
                                             (AppendEntries(1, "n2", 0, 0, entries(1), 0), AppendEntriesReply)])
def test_if_a_server_receives_a_request_with_a_stale_term_number_it_rejects_the_request(msg, reply_type):
    """§5.1: "If a server receives a request with a stale term number, it rejects the request."
    The rejection carries the current term, so the stale sender learns it is out of date."""
    h = RaftHarness(term=2)
    sent = h.sent(h.deliver("n2", msg))
    assert len(sent) == 1 and type(sent[0][1]) is reply_type
    reply = sent[0][1]
    assert reply.term == 2 and not getattr(reply, "vote_granted", getattr(reply, "success", None))
    assert h.node.log.last_index == 0 and h.node.voted_for is None


# --- §5.2 Leader election ------------------------------------------------------------------------


def test_when_servers_start_up_they_begin_as_followers():
    """§5.2: "When servers start up, they begin as followers." - with an election timer running."""
    h = RaftHarness(term=3, voted_for="n2", log=entries(1, 3))
    assert h.node.role.name == "follower" and h.node.current_term == 3 and h.node.voted_for == "n2"
    assert "election" in h.timers(h.history)


def test_a_server_remains_follower_as_long_as_it_receives_valid_rpcs_from_a_leader():
    """§5.2: "A server remains in follower state as long as it receives valid RPCs from a leader or
    candidate." Each AppendEntries of the current leader restarts the election timer."""
    h = RaftHarness(term=1)
    effects = h.deliver("n2", AppendEntries(1, "n2", 0, 0, (), 0))
    assert "election" in h.timers(effects) and h.node.role.name == "follower" and h.node.leader_id == "n2"


def test_leaders_send_periodic_heartbeats_that_carry_no_entries_to_all_followers():
    """§5.2: "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to all
    followers in order to maintain their authority." """
    h = leader(FIVE, term=1)
    for follower in FIVE[1:]:
        h.deliver(follower, AppendEntriesReply(1, True, 1, 1))  # every follower holds the no-op
    effects = h.fire("heartbeat")
    sent = h.sent(effects, AppendEntries)
    assert sorted(dst for dst, _ in sent) == list(FIVE[1:])
    assert all(m.entries == () and m.term == 1 for _, m in sent)
    assert h.timers(effects)["heartbeat"] == h.node.config.heartbeat


def test_a_follower_that_receives_no_communication_for_an_election_timeout_begins_an_election():
    """§5.2: "If a follower receives no communication over a period of time called the election timeout,
    then it assumes there is no viable leader and begins an election to choose a new leader." """
    h = RaftHarness(term=4)
    h.fire("election")
    assert h.node.role.name == "candidate" and h.node.current_term == 5


def test_to_begin_an_election_a_follower_increments_its_term_votes_for_itself_and_requests_votes_in_parallel():
    """§5.2: "To begin an election, a follower increments its current term and transitions to candidate
    state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other servers." """
    h = RaftHarness("n1", FIVE, term=2, log=entries(1, 2))
    effects = h.fire("election")
    assert h.node.current_term == 3 and h.node.voted_for == "n1"
    assert h.storage["term"] == 3 and h.storage["voted_for"] == "n1"
    sent = h.sent(effects, RequestVote)
    assert sorted(d for d, _ in sent) == ["n2", "n3", "n4", "n5"]
    assert {m for _, m in sent} == {RequestVote(3, "n1", 2, 2)}
    assert h.persisted_before_sent(effects, "voted_for")


@pytest.mark.parametrize("size, granted, wins", [
    # one server: its own vote is a majority
    (1, [], True),
    # three servers: two votes (its own and one more) win
    (3, ["n2"], True), (3, [], False),
    # five servers: three votes win, two do not
    (5, ["n2", "n3"], True), (5, ["n2"], False),
    # a duplicated vote counts once
    (5, ["n2", "n2"], False),
])
def test_a_candidate_wins_an_election_if_it_receives_votes_from_a_majority_of_the_full_cluster(size, granted, wins):
    """§5.2: "A candidate wins an election if it receives votes from a majority of the servers in the full
    cluster for the same term." (etcd: TestLeaderElectionInOneRoundRPC)"""
    members = FIVE[:size]
    h = RaftHarness("n1", members)
    h.fire("election")
    for voter in granted:
        h.deliver(voter, RequestVoteReply(1, True))
    for voter in members[1:]:
        if voter not in granted:
            h.deliver(voter, RequestVoteReply(1, False))
    assert h.node.is_leader == wins


def test_votes_for_another_term_are_not_counted():
    """§5.2: votes count "for the same term": a late grant from an earlier election is ignored."""
    h = RaftHarness("n1", THREE, term=4)
    h.fire("election")  # term 5
    h.deliver("n2", RequestVoteReply(4, True))
    assert h.node.role.name == "candidate"


def test_each_server_votes_for_at_most_one_candidate_per_term_first_come_first_served():
    """§5.2: "Each server will vote for at most one candidate in a given term, on a first-come-first-served
    basis." A repeated request from the same candidate gets the same answer (RPCs are idempotent)."""
    h = RaftHarness("n3", FIVE, term=1)
    first = h.sent(h.deliver("n1", RequestVote(2, "n1", 0, 0)))[0][1]
    second = h.sent(h.deliver("n2", RequestVote(2, "n2", 0, 0)))[0][1]
    again = h.sent(h.deliver("n1", RequestVote(2, "n1", 0, 0)))[0][1]
    assert (first.vote_granted, second.vote_granted, again.vote_granted) == (True, False, True)
    assert h.node.voted_for == "n1"


def test_once_a_candidate_wins_it_sends_heartbeats_to_all_other_servers_at_once():
    """§5.2: "Once a candidate wins an election, it becomes leader. It then sends heartbeat messages to all
    of the other servers to establish its authority and prevent new elections." """
    h = candidate(FIVE, term=1)
    h.deliver("n2", RequestVoteReply(1, True))
    effects = h.deliver("n3", RequestVoteReply(1, True))
    assert h.node.is_leader
    assert sorted(d for d, _ in h.sent(effects, AppendEntries)) == ["n2", "n3", "n4", "n5"]


@pytest.mark.parametrize("term", [3, 4])
def test_a_candidate_that_hears_from_a_leader_of_at_least_its_term_returns_to_follower(term):
    """§5.2: "If the leader's term (included in its RPC) is at least as large as the candidate's current
    term, then the candidate recognizes the leader as legitimate and returns to follower state." """
    h = candidate(term=3)
    h.deliver("n2", AppendEntries(term, "n2", 0, 0, (), 0))
    assert h.node.role.name == "follower" and h.node.current_term == term and h.node.leader_id == "n2"


def test_a_candidate_rejects_an_append_entries_of_a_smaller_term_and_stays_candidate():
    """§5.2: "If the term in the RPC is smaller than the candidate's current term, then the candidate
    rejects the RPC and continues in candidate state." """
    h = candidate(term=3)
    sent = h.sent(h.deliver("n2", AppendEntries(2, "n2", 0, 0, (), 0)))
    assert h.node.role.name == "candidate" and sent == [("n2", AppendEntriesReply(3, False, 0, 0))]


def test_a_candidate_that_neither_wins_nor_loses_times_out_and_starts_a_new_election():
    """§5.2: "each candidate will time out and start a new election by incrementing its term and initiating
    another round of RequestVote RPCs." """
    h = candidate(FIVE, term=1)
    h.deliver("n2", RequestVoteReply(1, False))
    effects = h.fire("election")
    assert h.node.role.name == "candidate" and h.node.current_term == 2
    assert len(h.sent(effects, RequestVote)) == 4


def test_election_timeouts_are_chosen_randomly_from_a_fixed_interval():
    """§5.2: "Raft uses randomized election timeouts ... chosen randomly from a fixed interval (e.g.,
    150-300ms)." Timeouts of one server differ from election to election and stay in the interval."""
    h = RaftHarness(config=RaftConfig(election_timeout=(150, 300)))
    delays = [h.timers(h.fire("election"))["election"] for _ in range(50)]
    assert all(150 <= d <= 300 for d in delays) and len(set(delays)) == 50


def test_a_candidate_retries_request_vote_to_servers_that_have_not_answered():
    """§5.5: "If a follower or candidate crashes, then future RequestVote and AppendEntries RPCs sent to it
    will fail. Raft handles these failures by retrying indefinitely." """
    h = candidate(FIVE, term=1)
    h.deliver("n2", RequestVoteReply(1, False))
    h.deliver("n3", RequestVoteReply(1, True))
    resent = h.sent(h.fire("resend-votes"), RequestVote)
    assert sorted(d for d, _ in resent) == ["n4", "n5"]


# --- §5.3 Log replication ------------------------------------------------------------------------


def put(seq: int, value: str = "v", client: str = "c1") -> Request:
    return Request(seq, "put", Command(client, seq, "put", "x", value))


def test_the_leader_appends_a_client_command_to_its_log_and_issues_append_entries_in_parallel():
    """§5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries RPCs in
    parallel to each of the other servers to replicate the entry." """
    h = leader(THREE, term=1)
    for f in THREE[1:]:
        h.deliver(f, AppendEntriesReply(1, True, 1, 1))
    effects = h.client("c1", put(1))
    assert h.node.log.last_index == 2 and h.node.log[2] == Entry(1, Command("c1", 1, "put", "x", "v"))
    sent = h.sent(effects, AppendEntries)
    assert sorted(d for d, _ in sent) == ["n2", "n3"]
    assert all(m.prev_log_index == 1 and m.entries == (h.node.log[2],) for _, m in sent)
    assert h.persisted_before_sent(effects, "log")


@pytest.mark.parametrize("size, acks, committed", [
    (3, ["n2"], True), (3, [], False),
    (5, ["n2", "n3"], True), (5, ["n4"], False),
])
def test_an_entry_is_committed_once_the_leader_that_created_it_has_replicated_it_on_a_majority(size, acks, committed):
    """§5.3: "A log entry is committed once the leader that created the entry has replicated it on a majority
    of the servers." (etcd: TestLeaderAcknowledgeCommit)"""
    h = leader(FIVE[:size], term=1)
    h.client("c1", put(1))  # index 2 (index 1 is the no-op)
    for f in acks:
        h.deliver(f, AppendEntriesReply(1, True, 2, 2))
    assert (h.node.commit_index == 2) == committed


def test_committing_an_entry_also_commits_all_preceding_entries_including_those_of_previous_leaders():
    """§5.3: "This also commits all preceding entries in the leader's log, including entries created by
    previous leaders." """
    h = leader(THREE, term=3, log=entries(1, 2))  # index 3 is the no-op of term 3
    h.deliver("n2", AppendEntriesReply(3, True, 3, 3))
    assert h.node.commit_index == 3 and h.node.last_applied == 3


def test_the_leader_applies_a_committed_command_and_returns_the_result_to_the_client():
    """§5.3: "the leader applies the entry to its state machine and returns the result of that execution
    to the client." Not before: an uncommitted command gets no answer."""
    h = leader(THREE, term=1)
    before = h.client("c1", put(1, "hello"))
    assert not h.sent(before, Response)
    after = h.deliver("n2", AppendEntriesReply(1, True, 2, 2))
    assert h.sent(after, Response) == [("c1", Response(1, True, 1))]  # CommandList: the 1st command applied


def test_a_follower_applies_committed_entries_in_log_order_up_to_min_of_leader_commit_and_its_last_new_entry():
    """§5.3: "Once a follower learns that a log entry is committed, it applies the entry to its local state
    machine (in log order)." Figure 2: "set commitIndex = min(leaderCommit, index of last new entry)"."""
    h = RaftHarness(term=1, log=entries(1, 1, 1))
    h.deliver("n2", AppendEntries(1, "n2", 1, 1, (), 3))
    assert h.node.commit_index == 1  # index 1 is the last entry this request vouched for
    h.deliver("n2", AppendEntries(1, "n2", 3, 1, (), 2))
    assert h.node.commit_index == 2 and h.node.state_machine.applied == ["v1", "v2"]


@pytest.mark.parametrize("prev_index, prev_term, accepted", [
    (0, 0, True),   # before the first entry: always matches
    (2, 2, True),   # an entry with that index and term
    (2, 1, False),  # same index, another term
    (4, 3, False),  # beyond the end of the log
])
def test_a_follower_refuses_new_entries_without_an_entry_of_the_same_index_and_term_as_prev(prev_index, prev_term, accepted):
    """§5.3: "If the follower does not find an entry in its log with the same index and term, then it refuses
    the new entries." (the consistency check; etcd: TestFollowerCheckMsgApp)"""
    h = RaftHarness(term=4, log=entries(1, 2, 3))
    before = list(h.node.log.entries)
    reply = h.sent(h.deliver("n2", AppendEntries(4, "n2", prev_index, prev_term, (Entry(4, "new"),), 0)))[0][1]
    assert reply.success == accepted
    if accepted:
        assert h.node.log[prev_index + 1] == Entry(4, "new") and h.node.log.last_index == prev_index + 1
    else:
        assert h.node.log.entries == before


@pytest.mark.parametrize("log_terms, prev, new_terms, expected", [
    # a conflict at index 2: it and everything after go, the leader's entries come in
    ((1, 2, 2), 1, (3,), (1, 3)),
    # no conflict: nothing the follower has is cut, the missing entry is appended
    ((1, 1), 1, (1, 1), (1, 1, 1)),
    # a late, shorter request: the entries after it are kept (they may be acknowledged already)
    ((1, 1, 1), 1, (1,), (1, 1, 1)),
])
def test_conflicting_entries_in_follower_logs_are_overwritten_and_agreeing_ones_kept(log_terms, prev, new_terms, expected):
    """§5.3: "conflicting entries in follower logs will be overwritten with entries from the leader's log";
    Figure 2: "If an existing entry conflicts with a new one (same index but different terms), delete the
    existing entry and all that follow it. Append any new entries not already in the log." """
    h = RaftHarness(term=3, log=entries(*log_terms))
    new = tuple(Entry(t, f"v{prev + 1 + k}") for k, t in enumerate(new_terms))
    h.deliver("n2", AppendEntries(3, "n2", prev, h.node.log.term_at(prev), new, 0))
    assert tuple(e.term for e in h.node.log.entries) == expected
    assert tuple(e.term for e in h.storage["log"]) == expected  # persisted


def test_when_a_leader_comes_to_power_it_initializes_next_index_just_after_its_last_entry():
    """§5.3: "When a leader first comes to power, it initializes all nextIndex values to the index just after
    the last one in its log." (11 in Figure 7; here 3 + 1, before its no-op)"""
    h = candidate(THREE, term=4, log=entries(1, 2, 3))
    effects = h.deliver("n2", RequestVoteReply(4, True))
    sent = h.sent(effects, AppendEntries)
    assert {m.prev_log_index for _, m in sent} == {3} and {m.prev_log_term for _, m in sent} == {3}


def test_after_a_rejection_the_leader_decrements_next_index_and_retries():
    """§5.3: "After a rejection, the leader decrements nextIndex and retries the AppendEntries RPC." With the
    hint of the follower's last index (the default back-off, "length") it skips straight past the end of a short
    log."""
    h = leader(THREE, term=2, log=entries(1, 1, 1, 1))  # no-op at 5
    retry = h.sent(h.deliver("n2", AppendEntriesReply(2, False, 4, 9)), AppendEntries)
    assert [(d, m.prev_log_index) for d, m in retry] == [("n2", 3)]
    short = h.sent(h.deliver("n3", AppendEntriesReply(2, False, 4, 1)), AppendEntries)
    assert [(d, m.prev_log_index) for d, m in short] == [("n3", 1)]


def leader_with(backoff: str, log=entries(1, 1, 1, 1)) -> RaftHarness:
    h = RaftHarness("n1", THREE, term=1, log=log, config=RaftConfig(backoff=backoff))
    h.fire("election")
    for voter in THREE[1:]:
        h.deliver(voter, RequestVoteReply(2, True))
    h.history.clear()
    return h


def test_with_the_basic_rule_the_leader_goes_back_one_entry_per_rejection_even_past_a_short_log():
    """§5.3, the rule as stated: "the leader decrements nextIndex" - one entry per round trip (backoff="one")."""
    h = leader_with("one")
    short = h.sent(h.deliver("n3", AppendEntriesReply(2, False, 4, 1, 0, 2)), AppendEntries)
    assert [(d, m.prev_log_index) for d, m in short] == [("n3", 3)]


def test_when_rejecting_the_follower_includes_the_term_of_the_conflicting_entry_and_the_first_index_of_that_term():
    """§5.3: "when rejecting an AppendEntries request, the follower can include the term of the conflicting entry
    and the first index it stores for that term." With no entry at prev_log_index there is no conflicting entry:
    the hint is term 0 and the index just past the follower's log."""
    h = RaftHarness(term=3, log=entries(1, 1, 2, 2, 2))
    (_, reply), = h.sent(h.deliver("n2", AppendEntries(3, "n2", 4, 3, (), 0)), AppendEntriesReply)
    assert (reply.success, reply.index, reply.conflict_term, reply.conflict_index) == (False, 4, 2, 3)
    (_, short), = h.sent(h.deliver("n2", AppendEntries(3, "n2", 9, 3, (), 0)), AppendEntriesReply)
    assert (short.conflict_term, short.conflict_index) == (0, 6)


def test_with_this_information_the_leader_bypasses_all_the_conflicting_entries_in_that_term():
    """§5.3: "With this information, the leader can decrement nextIndex to bypass all of the conflicting entries
    in that term" (backoff="term"): the next request's prev_log_index is just before the term's first index."""
    h = leader_with("term", entries(1, 1, 4, 4, 4, 4))  # no-op at 7
    retry = h.sent(h.deliver("n2", AppendEntriesReply(2, False, 6, 7, 3, 3)), AppendEntries)
    assert [(d, m.prev_log_index) for d, m in retry] == [("n2", 2)]
    no_hint = h.sent(h.deliver("n3", AppendEntriesReply(2, False, 6, 9)), AppendEntries)  # a reply without the hint
    assert [(d, m.prev_log_index) for d, m in no_hint] == [("n3", 5)]


def test_one_append_entries_rpc_is_required_for_each_term_with_conflicting_entries_rather_than_one_per_entry():
    """§5.3: "one AppendEntries RPC will be required for each term with conflicting entries, rather than one RPC
    per entry." Figure 7's follower (f) holds five conflicting entries of term 3 and three of term 2."""
    from dsworkbook.consensus.raft.scenarios import backoff_table

    table = backoff_table("f").set_index("backoff")
    assert table.loc["term", "refused"] == 2  # one per conflicting term: 3, then 2
    assert table.loc["one", "refused"] == table.loc["length", "refused"] == 7  # one per entry, indexes 10 down to 4
    assert table["follower's log after"].nunique() == 1


@pytest.mark.parametrize("backoff", ["one", "length", "term"])
@pytest.mark.parametrize("follower", list("abcdef"))
def test_every_back_off_rule_brings_every_follower_of_figure7_to_the_leaders_log(backoff, follower):
    """§5.3: whichever rule moves nextIndex, the consistency check decides what is appended: the same result."""
    from dsworkbook.consensus.raft.scenarios import figure7

    sim = figure7(follower, backoff=backoff)
    n1, n2 = sim.node("n1"), sim.node("n2")
    assert n1.is_leader and n2.log.entries == n1.log.entries and check_safety(sim).ok


FIGURE7 = {  # the leader (term 8) and followers (a)-(f) of Figure 7, as the terms of their entries
    "leader": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6),
    "a": (1, 1, 1, 4, 4, 5, 5, 6, 6),
    "b": (1, 1, 1, 4),
    "c": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),
    "d": (1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),
    "e": (1, 1, 1, 4, 4, 4, 4),
    "f": (1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3),
}


@pytest.mark.parametrize("follower", list("abcdef"))
def test_eventually_next_index_reaches_a_point_where_leader_and_follower_logs_match(follower):
    """§5.3: "Eventually nextIndex will reach a point where the leader and follower logs match. When this
    happens, AppendEntries will succeed, which removes any conflicting entries in the follower's log and
    appends entries from the leader's log." Each follower of Figure 7 ends with the leader's log."""
    from dsworkbook.consensus.raft.scenarios import Director

    initial = {"n1": {"term": 7, "log": entries(*FIGURE7["leader"])},
               "n2": {"term": 7, "log": entries(*FIGURE7[follower])},
               "n3": {"term": 7, "log": entries(*FIGURE7["leader"])}}  # a voter, as in the figure's majority
    sim = raft_sim(7, servers=3, initial=initial, latency=(2, 2),
                   config=RaftConfig(election_timeout=(1000, 2000), max_batch=3))
    sim.add_node("ctl", Director, script=[(1, "n1", TimeoutNow())])
    sim.run(until=400)
    n1, n2 = sim.node("n1"), sim.node("n2")
    assert n1.is_leader and n1.current_term == 8
    assert n2.log.entries == n1.log.entries and n2.commit_index == n1.commit_index == len(n1.log)
    assert check_safety(sim).ok


def test_a_leader_never_overwrites_or_deletes_entries_in_its_own_log():
    """§5.3 / Figure 3: "Leader Append-Only: a leader never overwrites or deletes entries in its log; it only
    appends new entries." An AppendEntries of its own term (another leader!) is refused, not obeyed."""
    h = leader(THREE, term=2, log=entries(1, 1))
    before = list(h.node.log.entries)
    reply = h.sent(h.deliver("n3", AppendEntries(2, "n3", 0, 0, (Entry(2, "other"),), 0)))[0][1]
    assert not reply.success and h.node.log.entries == before and h.node.is_leader


# --- §5.4 Safety -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mine, theirs, up_to_date", [
    # (last term, last index) pairs. Different last terms: the later term wins, whatever the lengths
    ((3, 1), (2, 5), True), ((2, 5), (3, 1), False),
    # same last term: the longer log is more up-to-date; equal logs count as up-to-date
    ((2, 4), (2, 3), True), ((2, 3), (2, 4), False), ((2, 3), (2, 3), True),
    # empty logs
    ((0, 0), (0, 0), True), ((1, 1), (0, 0), True),
])
def test_the_log_with_the_later_last_term_is_more_up_to_date_and_with_equal_terms_the_longer_one(mine, theirs, up_to_date):
    """§5.4.1: "If the logs have last entries with different terms, then the log with the later term is more
    up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date." """
    assert at_least_as_up_to_date(*mine, *theirs) == up_to_date


@pytest.mark.parametrize("voter_log, cand_last, granted", [
    ((1, 1), (2, 1), True),   # the candidate's last term is later
    ((1, 2), (2, 1), False),  # the voter's last term is later
    ((1, 1), (1, 2), True),   # same term, the candidate's log is as long
    ((1, 1), (2, 1), True),
    ((1, 1), (1, 1), False),  # same term, the candidate's log is shorter
])
def test_the_voter_denies_its_vote_if_its_own_log_is_more_up_to_date_than_the_candidates(voter_log, cand_last, granted):
    """§5.4.1: "The RequestVote RPC implements this restriction: the RPC includes information about the
    candidate's log, and the voter denies its vote if its own log is more up-to-date than that of the
    candidate." (etcd: TestVoter)"""
    h = RaftHarness("n2", THREE, term=2, log=entries(*voter_log))
    last_term, last_index = cand_last
    reply = h.sent(h.deliver("n1", RequestVote(3, "n1", last_index, last_term)))[0][1]
    assert reply.vote_granted == granted


def test_raft_never_commits_entries_from_previous_terms_by_counting_replicas():
    """§5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log entries
    from the leader's current term are committed by counting replicas." """
    cfg = RaftConfig(noop_on_election=False)
    h = RaftHarness("n1", THREE, term=2, log=entries(1, 2), config=cfg)
    h.fire("election")
    h.deliver("n2", RequestVoteReply(3, True))
    h.deliver("n2", AppendEntriesReply(3, True, 2, 2))  # index 2 (term 2) is now on a majority
    assert h.node.is_leader and h.node.commit_index == 0
    h.client("c1", put(1))  # index 3, term 3
    h.deliver("n2", AppendEntriesReply(3, True, 3, 3))
    assert h.node.commit_index == 3  # the current-term entry commits, and index 2 with it
    assert majority_commit_index([2, 2, 0], h.node.log.term_at, 3, 0) == 0
    assert majority_commit_index([2, 2, 0], h.node.log.term_at, 3, 0, current_term_only=False) == 2


def test_figure8_a_term2_entry_on_a_majority_is_not_committed_so_its_overwrite_loses_nothing():
    """§5.4.2, Figure 8 (golden scenario): the leader of term 4 copies index 2 (term 2) to a majority; correct
    Raft does not count it as committed, so when the leader of term 5 overwrites it, no committed entry is
    lost. The transcript of leaders and commits is exactly the story of the figure."""
    sim = figure8()
    story = [(round(r.time), r.node, r.detail) for r in sim.trace.notes()
             if r.detail.get("role") == "leader" or ("commit" in r.detail and r.detail["term"] >= 4)]
    assert story == [
        (12, "n2", {"role": "leader", "term": 1}),
        (212, "n1", {"role": "leader", "term": 2}),
        (462, "n5", {"role": "leader", "term": 3}),
        (652, "n1", {"role": "leader", "term": 4}),
        (852, "n5", {"role": "leader", "term": 5}),
        (912, "n5", {"commit": 3, "term": 5}),  # the first commit after term 1: index 3, term 5
        (946, "n2", {"commit": 3, "term": 5}),
        (946, "n3", {"commit": 3, "term": 5}),
        (946, "n4", {"commit": 3, "term": 5}),
    ]
    assert cluster_table(sim)["log"].tolist() == ["1 2", "1 3 5", "1 3 5", "1 3 5", "1 3 5"]
    assert check_safety(sim).ok


def test_figure8_committing_the_old_entry_by_counting_breaks_leader_completeness():
    """§5.4.2, Figure 8 (d): commit the term 2 entry by counting, and the leader of term 5 erases a committed
    entry - the checker names the property, the servers and the terms."""
    report = check_safety(figure8("commit_old_term_by_count"))
    broken = {v.property for v in report.violations}
    assert broken == {"leader completeness", "state machine safety"}
    first = report.violations[0]
    assert first.nodes == ("n1", "n5") and first.terms == (4,) and "index 2" in first.message


def test_figure8_e_once_a_current_term_entry_is_on_a_majority_the_term3_server_cannot_win():
    """§5.4.2, Figure 8 (e): "if S1 replicates an entry from its current term on a majority of the servers
    before crashing ... then this entry is committed (S5 cannot win an election)." """
    sim = figure8(current_term_entry=True)
    assert 5 not in leaders(sim) and cluster_table(sim)["log"].tolist()[1:4] == ["1 2 4"] * 3
    assert check_safety(sim).ok


# --- persistence (Figure 2) ----------------------------------------------------------------------


def test_current_term_and_voted_for_are_updated_on_stable_storage_before_responding():
    """Figure 2: "Persistent state on all servers: (Updated on stable storage before responding to RPCs)"
    currentTerm and votedFor."""
    h = RaftHarness("n2", THREE, term=1)
    effects = h.deliver("n1", RequestVote(2, "n1", 0, 0))
    assert h.persisted_before_sent(effects, "voted_for")
    assert (h.storage["term"], h.storage["voted_for"]) == (2, "n1")


def test_the_log_is_updated_on_stable_storage_before_responding():
    """Figure 2: log[] is persistent state, "updated on stable storage before responding to RPCs"."""
    h = RaftHarness(term=1)
    effects = h.deliver("n2", AppendEntries(1, "n2", 0, 0, entries(1, 1), 0))
    assert h.persisted_before_sent(effects, "log") and len(h.storage["log"]) == 2


def test_a_server_that_crashes_and_restarts_cannot_vote_twice_in_a_term():
    """§5.2 with Figure 2: the vote survives a crash, so a restarted server still votes only once per term.
    The ``forget_voted_for`` variant keeps the vote in memory only, and votes again."""
    for variant, second_vote in (("correct", False), ("forget_voted_for", True)):
        h = RaftHarness("n3", FIVE, term=1, config=RaftConfig(variant=variant))
        h.deliver("n1", RequestVote(2, "n1", 0, 0))
        h.restart()
        reply = h.sent(h.deliver("n2", RequestVote(2, "n2", 0, 0)))[0][1]
        assert reply.vote_granted == second_vote, variant


@pytest.mark.parametrize("variant, votes_twice", [("correct", False), ("reply_before_persist", True)])
def test_a_vote_that_left_the_server_was_on_disk_whatever_effect_a_crash_interrupts(variant, votes_twice):
    """Figure 2: "Updated on stable storage before responding to RPCs". A crash can fall between any two
    effects of the vote handler (a torn handler); if the granted vote was sent, a restarted server must
    refuse another candidate of that term. ``reply_before_persist`` sends first, and for some cut votes twice."""
    double = []
    for keep in range(6):
        h = RaftHarness("n3", FIVE, term=2, config=RaftConfig(variant=variant))
        kept = h.deliver_torn("n1", RequestVote(2, "n1", 0, 0), keep)
        first = any(msg.vote_granted for _, msg in h.sent(kept, RequestVoteReply))
        second = h.sent(h.deliver("n2", RequestVote(2, "n2", 0, 0)), RequestVoteReply)[0][1].vote_granted
        if first and second:
            double.append(keep)
    assert bool(double) == votes_twice, (variant, double)


@pytest.mark.parametrize("variant, loses_entries", [("correct", False), ("reply_before_persist", True)])
def test_entries_a_follower_acknowledged_are_on_disk_whatever_effect_a_crash_interrupts(variant, loses_entries):
    """Figure 2: log[] is updated on stable storage before responding. A crash between any two effects of
    AppendEntries never leaves an acknowledged entry missing after the restart - unless the server replies
    first (``reply_before_persist``)."""
    lost = []
    for keep in range(6):
        h = RaftHarness(term=1, config=RaftConfig(variant=variant))
        kept = h.deliver_torn("n2", AppendEntries(1, "n2", 0, 0, entries(1, 1), 0), keep)
        acked = [msg.index for _, msg in h.sent(kept, AppendEntriesReply) if msg.success]
        if acked and h.node.log.last_index < max(acked):
            lost.append(keep)
    assert bool(lost) == loses_entries, (variant, lost)


def test_a_follower_commits_only_what_the_leader_vouched_for_not_a_stale_tail_past_it():
    """Figure 2, AppendEntries rule 5: "set commitIndex = min(leaderCommit, index of last new entry)". The
    follower's entries 3 and 4 are a stale tail of term 2; the leader of term 3 vouched for index 2 only.
    ``commit_to_own_last_index`` commits (and applies) the tail."""
    for variant, commit in (("correct", 2), ("commit_to_own_last_index", 4)):
        h = RaftHarness(term=2, log=entries(1, 1, 2, 2), config=RaftConfig(variant=variant))
        h.deliver("n2", AppendEntries(3, "n2", 2, 1, (), 6))
        assert h.node.commit_index == commit, variant


def test_a_leader_answers_a_read_only_after_an_entry_of_its_term_commits_after_it():
    """§8: "a leader must check whether it has been deposed before processing a read-only request". Here a
    read goes through the log like any command, so a leader cut off from the others never answers it; the
    ``stale_read_leader`` variant answers at once from its own state."""
    for variant, answered in (("correct", False), ("stale_read_leader", True)):
        h = RaftHarness("n1", THREE, term=0, config=RaftConfig(variant=variant), node_class=_kv_node())
        h.fire("election")
        for voter in THREE[1:]:
            h.deliver(voter, RequestVoteReply(1, True))
        sent = h.sent(h.client("c1", Request(1, "get", Command("c1", 1, "get", "x"))), Response)
        assert bool(sent) == answered, variant


def _kv_node():
    from dsworkbook.consensus.raft import RaftNode

    class KVNode(RaftNode):
        def __init__(self, node_id, **kwargs):
            super().__init__(node_id, state_machine=KVStore, **kwargs)

    return KVNode


def test_after_a_restart_a_server_rebuilds_its_state_machine_by_reapplying_committed_entries():
    """Figure 2: commitIndex and lastApplied are volatile; after a restart they start at 0 and committed
    entries are applied again once the leader's commit index is learned."""
    h = RaftHarness(term=1)
    h.deliver("n2", AppendEntries(1, "n2", 0, 0, entries(1, 1), 2))
    h.restart()
    assert (h.node.commit_index, h.node.state_machine.applied) == (0, [])
    h.deliver("n2", AppendEntries(1, "n2", 2, 1, (), 2))
    assert h.node.state_machine.applied == ["v1", "v2"]


# --- §5.6 timing and §8 clients ------------------------------------------------------------------


def test_broadcast_time_must_be_well_below_the_election_timeout():
    """§5.6: "broadcastTime ≪ electionTimeout ≪ MTBF": a heartbeat not shorter than the lowest election
    timeout is refused, since followers would start elections while the leader is healthy."""
    with pytest.raises(ConfigError, match="heartbeat"):
        RaftConfig(election_timeout=(100, 200), heartbeat=150)


def test_a_server_that_is_not_the_leader_rejects_a_client_request_and_names_the_leader():
    """§8: "If the client's first choice is not the leader, that server will reject the client's request and
    supply information about the most recent leader it has heard from." """
    h = RaftHarness(term=1)
    h.deliver("n2", AppendEntries(1, "n2", 0, 0, (), 0))
    sent = h.sent(h.client("c1", put(1)))
    assert sent == [("c1", Response(1, False, NotLeader("n2")))]


def test_a_leader_commits_a_blank_no_op_entry_at_the_start_of_its_term():
    """§8: "Raft handles this by having each leader commit a blank no-op entry into the log at the start of
    its term." """
    h = leader(THREE, term=3, log=entries(1, 2))
    assert h.node.log[3] == Entry(3, None)


def test_the_state_machine_executes_each_serial_number_once_and_answers_repeats_at_once():
    """§8: "If it receives a command whose serial number has already been executed, it responds immediately
    without re-executing the request." """
    kv = KVStore()
    first = kv.apply(Command("c1", 1, "put", "x", "a"))
    kv.apply(Command("c2", 1, "put", "x", "b"))
    again = kv.apply(Command("c1", 1, "put", "x", "a"))
    assert (first, again, kv.data["x"], kv.executed) == ("a", "a", "b", 2)


# --- the whole cluster ---------------------------------------------------------------------------


def test_same_seed_same_trace_and_a_different_seed_a_different_one():
    """Determinism: a run is a function of its seed (the simulator's promise, kept by the Raft nodes)."""
    def run(seed):
        sim = raft_sim(seed, workloads=[[("put", "x", i) for i in range(5)]] * 2, loss=0.05)
        sim.run(until=1500)
        return sim.trace.digest()

    assert run(11) == run(11) != run(12)


def test_a_cluster_elects_one_leader_and_commits_every_client_command():
    """§5.2 and §5.3 together: five servers elect a leader, every command commits on every server."""
    sim = raft_sim(3, workloads=[[("put", "x", i) for i in range(10)]] * 3)
    sim.run(until=2000)
    assert len(leaders(sim)) == 1 and sim.history.counts() == {"ok": 30, "fail": 0, "unknown": 0}
    assert len(set(cluster_table(sim)["log"])) == 1
    assert check_safety(sim).ok
