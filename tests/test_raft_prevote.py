"""PreVote, CheckQuorum, the vote guard and leadership transfer (Ongaro's thesis, 2014: §9.6, §6.2, §4.2.3, §3.10).

One test per sentence, in arrange/act/check form with :class:`RaftHarness`; then the cluster-level
figures (a rejoining server disrupts the paper's Raft and not PreVote's; CheckQuorum deposes a
cut-off leader; a planned transfer beats a crash) and the campaign with the options on.
"""

from __future__ import annotations

import pytest

from dsworkbook.consensus.fuzzing import fuzz_raft
from dsworkbook.consensus.raft import (AppendEntries, AppendEntriesReply, Command, NotLeader, RaftConfig, RequestVote,
                                       RequestVoteReply)
from dsworkbook.consensus.raft.availability import disruption_run, disruption_table, transfer_run, transfer_table
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.messages import PreVote, PreVoteReply, TimeoutNow, TransferLeadership
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Persist, Request, Response

THREE = ("n1", "n2", "n3")
PREVOTE = RaftConfig(prevote=True)


def leader(config: RaftConfig | None = None, *, term: int = 1) -> RaftHarness:
    """n1 of three, just elected leader of ``term`` (elected the paper's way, whatever ``config`` says)."""
    h = RaftHarness("n1", THREE, term=term - 1, config=config)
    h.node.start_election()
    h.node.take_effects()
    for voter in THREE[1:]:
        h.deliver(voter, RequestVoteReply(term, True))
    assert h.node.is_leader
    h.history.clear()
    return h


# --- configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, match", [
    ({"prevote": 1}, "prevote must be True or False"),
    ({"check_quorum": "yes"}, "check_quorum must be True or False"),
    ({"read_mode": "fast"}, "unknown read_mode"),
    ({"clock_drift_bound": 1.0}, "clock_drift_bound"),
    ({"clock_drift_bound": -0.1}, "clock_drift_bound"),
])
def test_bad_options_are_refused_with_what_to_do(bad, match):
    with pytest.raises(ConfigError, match=match):
        RaftConfig(**bad)


def test_every_extension_is_off_by_default_so_the_default_cluster_is_the_papers():
    cfg = RaftConfig()
    assert (cfg.prevote, cfg.check_quorum, cfg.read_mode) == (False, False, "log")
    assert not cfg.vote_guard and not cfg.local_reads and not cfg.lease_reads


# --- §9.6 PreVote ---------------------------------------------------------------------------------------


def test_with_prevote_a_timed_out_follower_first_asks_whether_it_could_win_and_bumps_no_term():
    """§9.6: a candidate only increments its term if it first learns from a majority that they would vote."""
    h = RaftHarness("n1", THREE, term=3, log=entries(1, 3), config=PREVOTE)
    h.node.guarded = False
    effects = h.fire("election")
    sent = h.sent(effects)
    assert sent == [("n2", PreVote(4, "n1", 2, 3)), ("n3", PreVote(4, "n1", 2, 3))]
    assert h.node.current_term == 3 and h.node.role.name == "follower"
    assert not [e for e in effects if type(e) is Persist]  # nothing durable changed


@pytest.mark.parametrize("case, voter_term, voter_log, guarded, msg, granted", [
    # grants: the asker's term would be higher, its log is as up-to-date, no leader heard lately
    ("fresh voter, equal log", 3, (1, 3), False, PreVote(4, "n2", 2, 3), True),
    ("longer log of the same last term", 3, (1, 3), False, PreVote(4, "n2", 5, 3), True),
    # refusals
    ("heard from a leader within the minimum election timeout", 3, (1, 3), True, PreVote(4, "n2", 2, 3), False),
    ("the asker's log is behind (§5.4.1)", 3, (1, 3), False, PreVote(4, "n2", 1, 1), False),
    ("the asked term is not above the voter's", 4, (1, 3), False, PreVote(4, "n2", 2, 3), False),
])
def test_a_prevote_is_granted_only_as_the_thesis_says_and_never_changes_the_voters_term(
        case, voter_term, voter_log, guarded, msg, granted):
    h = RaftHarness("n1", THREE, term=voter_term, log=entries(*voter_log), config=PREVOTE)
    h.node.guarded = guarded
    effects = h.deliver("n2", msg)
    assert h.sent(effects) == [("n2", PreVoteReply(voter_term, msg.term, granted))], case
    assert h.node.current_term == voter_term and h.storage["term"] == voter_term


def test_a_majority_of_prevotes_starts_the_real_election():
    h = RaftHarness("n1", THREE, term=3, config=PREVOTE)
    h.fire("election")
    effects = h.deliver("n2", PreVoteReply(3, 4, True))
    assert h.node.current_term == 4 and h.node.role.name == "candidate"
    assert any(type(m) is RequestVote and m.term == 4 for _d, m in h.sent(effects))


def test_a_prevote_round_ends_when_the_leader_is_heard_from():
    h = RaftHarness("n1", THREE, term=3, config=PREVOTE)
    h.fire("election")
    h.deliver("n3", AppendEntries(3, "n3", 0, 0, (), 0))
    h.deliver("n2", PreVoteReply(3, 4, True))
    assert h.node.current_term == 3 and h.node.role.name == "follower"


def test_a_refusal_from_a_higher_term_makes_the_asker_adopt_that_term():
    h = RaftHarness("n1", THREE, term=3, config=PREVOTE)
    h.fire("election")
    h.deliver("n2", PreVoteReply(7, 4, False))
    assert h.node.current_term == 7 and h.storage["term"] == 7


# --- §4.2.3 the vote guard ---------------------------------------------------------------------------------


def test_a_server_that_heard_from_a_leader_lately_ignores_a_requestvote_and_keeps_its_term():
    """§4.2.3: within the minimum election timeout of hearing from a leader, neither grant nor update the term."""
    h = RaftHarness("n1", THREE, term=2, config=PREVOTE)
    h.deliver("n2", AppendEntries(2, "n2", 0, 0, (), 0))
    effects = h.deliver("n3", RequestVote(5, "n3", 0, 0))
    assert h.sent(effects) == [] and h.node.current_term == 2


def test_the_guard_ends_after_a_minimum_election_timeout_and_is_armed_again_on_restart():
    h = RaftHarness("n1", THREE, term=2, config=PREVOTE)
    assert h.timers(h.history)["vote-guard"] == PREVOTE.election_timeout[0]  # armed at start
    h.fire("vote-guard")
    effects = h.deliver("n3", RequestVote(5, "n3", 0, 0))
    assert h.sent(effects) == [("n3", RequestVoteReply(5, True))]
    h.restart()
    assert h.node.guarded


def test_a_requestvote_of_a_leadership_transfer_gets_through_the_guard():
    """§4.2.3: a transfer's RequestVote carries a flag that lets it disrupt the leader ("it told you to")."""
    h = RaftHarness("n1", THREE, term=2, config=PREVOTE)
    effects = h.deliver("n3", RequestVote(3, "n3", 0, 0, transfer=True))
    assert h.sent(effects) == [("n3", RequestVoteReply(3, True))]


# --- §6.2 CheckQuorum -------------------------------------------------------------------------------------


@pytest.mark.parametrize("answered, stays", [((), False), (("n2",), True), (("n2", "n3"), True)])
def test_a_leader_that_did_not_hear_from_a_majority_in_an_election_timeout_steps_down_keeping_term_and_vote(
        answered, stays):
    h = leader(RaftConfig(check_quorum=True), term=2)
    for peer in answered:
        h.deliver(peer, AppendEntriesReply(2, True, 1, 1))
    h.fire("check-quorum")
    assert h.node.is_leader is stays
    assert h.node.current_term == 2 and h.node.voted_for == "n1"


def test_a_leader_that_steps_down_tells_its_waiting_clients_to_go_elsewhere():
    h = leader(RaftConfig(check_quorum=True), term=2)
    h.client("c1", Request(1, "put", Command("c1", 1, "put", "x", 1)))
    effects = h.fire("check-quorum")
    assert ("c1", Response(1, False, NotLeader(None))) in h.sent(effects)


# --- §3.10 leadership transfer ------------------------------------------------------------------------------


def test_a_transferring_leader_refuses_new_requests_and_sends_timeoutnow_once_the_target_is_up_to_date():
    h = leader(term=2)
    h.deliver("n2", AppendEntriesReply(2, True, 1, 1))  # n2 holds the no-op
    h.deliver("n3", AppendEntriesReply(2, True, 0, 0))
    effects = h.deliver("op", TransferLeadership())  # no target: the most up-to-date follower, n2
    assert h.sent(effects, TimeoutNow) == [("n2", TimeoutNow())]
    effects = h.client("c1", Request(1, "put", Command("c1", 1, "put", "x", 1)))
    assert h.sent(effects) == [("c1", Response(1, False, NotLeader("n2")))]


def test_a_transfer_to_a_lagging_target_waits_for_its_log_and_gives_up_after_an_election_timeout():
    h = leader(term=2)
    effects = h.deliver("op", TransferLeadership("n3"))
    assert h.sent(effects, TimeoutNow) == [] and h.timers(effects)["transfer"] == 150.0
    effects = h.deliver("n3", AppendEntriesReply(2, True, 1, 1))
    assert h.sent(effects, TimeoutNow) == [("n3", TimeoutNow())]
    h.fire("transfer")
    assert h.node.transfer_target is None  # accepting requests again


def test_timeoutnow_starts_an_election_at_once_without_prevote_and_flags_its_requestvote():
    h = RaftHarness("n2", THREE, term=2, config=PREVOTE)
    effects = h.deliver("n1", TimeoutNow())
    assert h.node.current_term == 3 and h.node.role.name == "candidate"
    assert all(m.transfer for _d, m in h.sent(effects, RequestVote))


# --- on the simulator ------------------------------------------------------------------------------------


def test_a_rejoining_server_deposes_the_papers_leader_but_not_one_with_prevote():
    """§9.6 measured: with PreVote the isolated server's term never moves and no election follows its return."""
    paper = disruption_run(1, "follower rejoins")
    pre = disruption_run(1, "follower rejoins", prevote=True)
    assert paper["isolated server's term gain"] > 0 and paper["elections"] > 0  # sometimes: the disruption happens
    assert pre["isolated server's term gain"] == 0 and pre["elections"] == 0    # always, with PreVote
    assert pre["longest write gap (ms)"] < paper["longest write gap (ms)"]


def test_checkquorum_deposes_a_cut_off_leader_within_two_election_timeouts_and_the_paper_does_not():
    plain = disruption_run(2, "leader cut off", isolate_for=600.0)
    cq = disruption_run(2, "leader cut off", check_quorum=True, isolate_for=600.0)
    assert plain["old leader led on for (ms)"] >= 600.0
    assert cq["old leader led on for (ms)"] <= 2 * RaftConfig().election_timeout[0] + 10


def test_the_disruption_table_has_a_row_per_scenario_and_config_and_is_the_same_every_run():
    df = disruption_table(3)
    assert list(zip(df["scenario"], df["config"])) == [("follower rejoins", "paper"), ("follower rejoins", "PreVote"),
                                                       ("leader cut off", "paper"), ("leader cut off", "CheckQuorum")]
    assert df.equals(disruption_table(3))
    full = disruption_table(3, every_config=True)
    assert len(full) == 8 and set(full["config"]) == {"paper", "PreVote", "CheckQuorum", "PreVote + CheckQuorum"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planned_transfer_is_unavailable_for_less_time_than_a_leader_crash(seed):
    transfer, crash = transfer_run(seed, "transfer"), transfer_run(seed, "crash")
    assert transfer["new leader after (ms)"] is not None and crash["new leader after (ms)"] is not None
    assert transfer["longest write gap (ms)"] < crash["longest write gap (ms)"]
    cfg = RaftConfig()  # a crash waits out an election timeout, counted from the last heartbeat before it
    assert transfer["new leader after (ms)"] < cfg.heartbeat < cfg.election_timeout[0] - cfg.heartbeat \
        <= crash["new leader after (ms)"]


def test_transfer_table_rows_and_bad_arguments():
    assert list(transfer_table(1, trials=1)["how"]) == ["transfer", "crash"]
    with pytest.raises(ConfigError, match="how must be"):
        transfer_run(1, "reboot")
    with pytest.raises(ConfigError, match="scenario must be"):
        disruption_run(1, "rejoin")
    with pytest.raises(ConfigError, match="trials"):
        disruption_table(1, trials=0)
    with pytest.raises(ConfigError, match="servers"):
        transfer_run(1, "crash", servers=2)


def test_the_campaign_with_prevote_and_checkquorum_keeps_every_property_and_makes_progress():
    report = fuzz_raft(12, options={"prevote": True, "check_quorum": True}, shrink_first=False)
    assert report.violations == [] and report.progress >= 10, report.summary()
