"""Reads without a log entry: ReadIndex and leases (Ongaro's thesis, 2014, §6.4 and §6.4.1).

The steps of ReadIndex and the lease rule, one test each with :class:`RaftHarness`; then the
campaign: the broken lease (timed on the wall clock, no drift allowance) is caught by the
linearizability check under clock jumps, the correct read modes keep every property; and the
read-path table (latency, messages and disk writes per read).
"""

from __future__ import annotations

import pytest

from dsworkbook.consensus.fuzzing import campaign_run, fuzz_raft
from dsworkbook.consensus.fuzzing.raft import FAMILIES, campaign_schedule, clock_schedule, family_of
from dsworkbook.consensus.raft import AppendEntries, AppendEntriesReply, Command, RaftConfig, RaftNode, RequestVoteReply
from dsworkbook.consensus.raft.config import READ_MODES, VARIANTS
from dsworkbook.consensus.raft.harness import RaftHarness
from dsworkbook.consensus.raft.read_paths import read_path_run, read_path_table
from dsworkbook.consensus.raft_kv import KVStore, kv_violation
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Response

THREE = ("n1", "n2", "n3")
GET = Request(7, "get", Command("c1", 1, "get", "x"))
#: the first seed on which the campaign catches the broken lease (a clock-family seed: seed % 4 == 1)
LEASE_FIRST_FAILING = 13


class KVNode(RaftNode):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, state_machine=KVStore, **kwargs)


def leader(read_mode: str, *, commit_noop: bool = True, variant: str = "correct") -> RaftHarness:
    """n1 of three, leader of term 1 over the key-value store; its no-op committed (n2 acknowledged it)."""
    h = RaftHarness("n1", THREE, config=RaftConfig(read_mode=read_mode, variant=variant), node_class=KVNode)
    h.node.start_election()
    h.node.take_effects()
    for voter in THREE[1:]:
        h.deliver(voter, RequestVoteReply(1, True))
    if commit_noop:
        h.deliver("n2", AppendEntriesReply(1, True, 1, 1, round=h.node.round))
        assert h.node.commit_index == 1
    h.history.clear()
    return h


def answered(effects) -> list:
    return [m for _d, m in RaftHarness.sent(effects, Response)]


# --- §6.4 ReadIndex ---------------------------------------------------------------------------------


def test_readindex_appends_nothing_and_answers_only_after_a_majority_answers_a_round_started_after_the_read():
    h = leader("read_index")
    effects = h.client("c1", GET)
    beats = h.sent(effects, AppendEntries)
    assert len(h.node.log) == 1 and answered(effects) == []          # no entry, no answer yet
    assert {d for d, _m in beats} == {"n2", "n3"} and {m.round for _d, m in beats} == {h.node.round}
    late = h.deliver("n3", AppendEntriesReply(1, True, 0, 0, round=h.node.round - 1))  # a reply to an older round
    assert answered(late) == []
    effects = h.deliver("n3", AppendEntriesReply(1, True, 0, 0, round=h.node.round))
    assert answered(effects) == [Response(7, True, None)]


def test_readindex_waits_for_an_entry_of_the_leaders_own_term_by_sending_the_read_down_the_log():
    """§6.4 step 1: until it commits an entry of its term, a new leader's commit index may be stale."""
    h = leader("read_index", commit_noop=False)
    h.client("c1", GET)
    assert h.node.log[len(h.node.log)].command == GET.arg


def test_a_leader_that_loses_leadership_drops_its_waiting_reads_with_notleader():
    h = leader("read_index")
    h.client("c1", GET)
    effects = h.deliver("n2", AppendEntries(5, "n2", 0, 0, (), 0))
    assert [r.ok for r in answered(effects)] == [False]


# --- §6.4.1 leases ------------------------------------------------------------------------------------


def test_within_a_lease_a_read_is_answered_at_once_with_no_message_to_any_follower():
    h = leader("lease")  # the no-op's acknowledgement confirmed a round: the lease holds
    effects = h.client("c1", GET)
    assert h.sent(effects) == [("c1", Response(7, True, None))]


def test_when_the_leases_timer_fires_the_leader_falls_back_to_readindex():
    h = leader("lease")
    h.fire(("lease", h.node.lease_round))
    effects = h.client("c1", GET)
    assert answered(effects) == [] and h.sent(effects, AppendEntries)


def test_the_lease_is_shorter_than_the_election_timeout_by_the_drift_bound():
    cfg = RaftConfig(read_mode="lease", clock_drift_bound=0.25)
    assert cfg.lease_length == pytest.approx(150.0 / 1.25) and cfg.vote_guard


def test_a_leader_that_sent_timeoutnow_gives_up_its_lease():
    from dsworkbook.consensus.raft.messages import TransferLeadership

    h = leader("lease")
    h.deliver("op", TransferLeadership("n2"))  # n2 holds the no-op: TimeoutNow leaves at once
    assert not h.node.lease_valid()


# --- the campaign ---------------------------------------------------------------------------------------


def test_the_clock_family_is_drawn_only_when_reads_skip_the_log_so_the_default_campaign_is_unchanged():
    assert [family_of(s) for s in range(8)] == ["random", "random", "random", "stale tail"] * 2
    assert family_of(1, options={"read_mode": "lease"}) == "clock" == family_of(5, variant="lease_read_clock_drift")
    assert campaign_schedule(1) != campaign_schedule(1, options={"read_mode": "read_index"}) == clock_schedule(1)
    assert "clock" in FAMILIES and "lease_read_clock_drift" in VARIANTS


def test_the_broken_lease_is_caught_by_the_linearizability_check_and_a_correct_lease_is_not():
    seed = LEASE_FIRST_FAILING
    schedule = clock_schedule(seed)
    broken = kv_violation(campaign_run(seed, schedule, variant="lease_read_clock_drift").history)
    assert broken is not None and broken.op.f == "get"                  # a stale read, seen by a client
    for mode in ("lease", "read_index"):
        assert kv_violation(campaign_run(seed, schedule, options={"read_mode": mode}).history) is None, mode


def test_the_campaign_catches_the_broken_lease_and_names_the_stale_read():
    report = fuzz_raft(LEASE_FIRST_FAILING + 1, variant="lease_read_clock_drift", stop_after=1, shrink_first=False)
    assert report.first is not None and report.first.seed == LEASE_FIRST_FAILING
    assert report.first.message.startswith("linearizability broken") and "'s get " in report.first.message


@pytest.mark.parametrize("mode", ["read_index", "lease"])
def test_the_correct_read_modes_keep_every_property_on_every_family_and_make_progress(mode):
    report = fuzz_raft(range(4), options={"read_mode": mode}, shrink_first=False)
    assert report.violations == [] and report.progress == 4, report.summary()


# --- read paths, measured -------------------------------------------------------------------------------


def test_read_paths_side_by_side_cost_what_each_path_must():
    df = read_path_table(1).set_index("read path")
    assert list(df.index) == list(READ_MODES)
    assert df.loc["log", "disk writes per read"] == 3.0           # an entry on every server of three
    assert df.loc["read_index", "disk writes per read"] == 0.0 == df.loc["lease", "disk writes per read"]
    assert df.loc["read_index", "messages per read"] == 6.0       # request, answer, a round to two followers
    assert df.loc["lease", "messages per read"] == 2.0            # request and answer only
    assert df.loc["lease", "mean latency (ms)"] < df.loc["read_index", "mean latency (ms)"]
    assert df.equals(read_path_table(1).set_index("read path"))


@pytest.mark.parametrize("kwargs, match", [({"read_mode": "stale"}, "unknown read_mode"),
                                           ({"reads": 0}, "reads must be"), ({"reads": True}, "reads must be")])
def test_read_path_run_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        read_path_run(1, **kwargs)
