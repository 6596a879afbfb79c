"""Log compaction (§7 of the Raft paper, Figure 13): a log with a base index, snapshots of the key-value
store with its sessions, InstallSnapshot to a follower far behind, restart from a snapshot, the safety
checker on truncated logs, the campaign option and the broken variant it catches, and the figure.

Arrange / act / check; always/sometimes pairs for the runs (nothing broke, and a snapshot was installed).
"""

from __future__ import annotations


import pytest

from dsworkbook.cli import main
from dsworkbook.consensus.fuzzing import (campaign_run, campaign_schedule, fuzz_raft, raft_problem, raft_run,
                                          raft_schedule)
from dsworkbook.consensus.fuzzing.raft import snapshot_option
from dsworkbook.consensus.raft import RaftConfig, RaftLog, raft_sim
from dsworkbook.consensus.raft.compaction import compaction_table
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.messages import (AppendEntries, AppendEntriesReply, Command, Entry, InstallSnapshot,
                                                InstallSnapshotReply, Snapshot)
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.consensus.raft_kv import KVStore, kv_violation, kv_workload
from dsworkbook.errors import ConfigError

SNAP = RaftConfig(snapshot_every=4)


def based_log() -> RaftLog:
    """Entries 1..5 compacted (index 5 of term 2); entries 6, 7, 8 of terms 2, 3, 3 held."""
    return RaftLog([Entry(2, "v6"), Entry(3, "v7"), Entry(3, "v8")], base_index=5, base_term=2)


# -- a log with a base index ----------------------------------------------------------------------------


@pytest.mark.parametrize("index, term", [
    (5, 2),      # the base: the snapshot's last included term
    (4, None),   # below the base: compacted away
    (0, None),   # index 0 too, once a snapshot covers it
    (6, 2), (8, 3),
    (9, None),   # past the end
])
def test_term_at_answers_the_snapshots_term_at_the_base_and_none_below_it(index, term):
    assert based_log().term_at(index) == term


def test_a_based_log_keeps_absolute_indexes():
    log = based_log()
    assert (log.last_index, log.last_term, len(log), log.held) == (8, 3, 8, 3)
    assert log[6] == Entry(2, "v6") and log.slice(7, 5) == (Entry(3, "v7"), Entry(3, "v8"))
    assert log.entries_from(8) == (Entry(3, "v8"),)
    with pytest.raises(IndexError):
        log[5]  # the base's entry itself is gone
    assert log.first_index_of_term(8) == 7 and log.first_index_of_term(6) == 6  # a run stops at the base


def test_an_empty_log_after_its_base_ends_at_the_base():
    log = RaftLog(base_index=5, base_term=2)
    assert (log.last_index, log.last_term, log.held) == (5, 2, 0)


@pytest.mark.parametrize("prev, term, ok", [
    (5, 2, True),    # prev_log_index == last included index: the snapshot's term decides
    (5, 1, False),
    (8, 3, True), (8, 2, False),
    (9, 3, False),   # past the end
])
def test_the_consistency_check_at_the_boundary_uses_the_snapshots_term(prev, term, ok):
    assert based_log().matches(prev, term) is ok


def test_merge_after_the_base_cuts_at_the_first_conflict_only():
    log = based_log()
    assert log.merge(5, (Entry(2, "v6"), Entry(4, "x7"))) == 7
    assert [e.term for e in log.entries] == [2, 4] and log.last_index == 7


def test_compact_drops_the_entries_a_snapshot_covers():
    log = based_log()
    log.compact(7)
    assert (log.base_index, log.base_term, log.entries) == (7, 3, [Entry(3, "v8")])
    with pytest.raises(IndexError):
        log.compact(9)


@pytest.mark.parametrize("index, term, kept, held", [
    (7, 3, True, 1),    # §7: the log holds the last included entry: the suffix after it stays
    (7, 4, False, 0),   # conflicting term: the whole log goes
    (10, 3, False, 0),  # the log ends before the snapshot: the whole log goes
])
def test_install_keeps_a_matching_suffix_and_discards_a_conflicting_log(index, term, kept, held):
    log = based_log()
    assert log.install(index, term) is kept
    assert (log.base_index, log.base_term, log.held) == (index, term, held)


# -- the key-value store's snapshot ---------------------------------------------------------------------


def test_a_kv_snapshot_holds_the_sessions_so_a_retried_command_is_not_applied_twice():
    store = KVStore()
    put = Command("c1", 1, "put", "x", "a")
    store.apply(put)
    store.apply(Command("c2", 1, "put", "x", "b"))
    restored = KVStore()
    restored.restore(store.snapshot())
    assert restored.apply(put) == "a" and restored.data == {"x": "b"}  # the retry is answered, not re-executed
    forgetful = KVStore()
    forgetful.restore(store.snapshot(sessions=False))
    forgetful.apply(put)
    assert forgetful.data == {"x": "a"}  # the broken variant: applied twice, c2's write is lost


# -- one server, by hand -----------------------------------------------------------------------------------


def test_a_server_snapshots_once_enough_entries_are_applied_and_persists_snapshot_and_log_together():
    h = RaftHarness("n1", term=1, log=entries(1, 1, 1, 1, 1, 1), config=SNAP)
    effects = h.deliver("n2", AppendEntries(1, "n2", 6, 1, (), 5))
    persists = [e.values for e in effects if type(e).__name__ == "Persist" and "snapshot" in e.values]
    assert len(persists) == 1 and set(persists[0]) == {"snapshot", "log"}
    assert (h.node.log.base_index, h.node.log.held, h.storage["snapshot"].index) == (5, 1, 5)


def test_restart_restores_the_snapshot_and_replays_only_the_log_after_it():
    h = RaftHarness("n1", term=1, log=entries(1, 1, 1, 1, 1, 1), config=SNAP)
    h.deliver("n2", AppendEntries(1, "n2", 6, 1, (), 6))
    node = h.restart()
    assert (node.log.base_index, node.commit_index, node.last_applied) == (6, 6, 6)
    assert node.state_machine.applied == ["v1", "v2", "v3", "v4", "v5", "v6"]


def test_a_follower_accepts_append_entries_at_the_base_and_below_it():
    h = RaftHarness("n1", term=1, config=SNAP)
    h.storage["snapshot"] = Snapshot(5, 1, ("v1", "v2", "v3", "v4", "v5"))
    h.restart()
    at_base = h.sent(h.deliver("n2", AppendEntries(1, "n2", 5, 1, (Entry(1, "v6"),), 5)), AppendEntriesReply)
    below = h.sent(h.deliver("n2", AppendEntries(1, "n2", 3, 1, entries(1, 1, 1, 1), 5)), AppendEntriesReply)
    wrong = h.sent(h.deliver("n2", AppendEntries(1, "n2", 6, 2, (), 5)), AppendEntriesReply)
    assert at_base[0][1].success and at_base[0][1].index == 6
    assert below[0][1].success and h.node.log.last_index == 7  # 4 and 5 skipped (the snapshot's), 6 kept, 7 added
    assert not wrong[0][1].success


def test_install_snapshot_replaces_state_and_log_persists_before_replying():
    h = RaftHarness("n1", term=1, log=entries(1, 1), config=SNAP)
    effects = h.deliver("n2", InstallSnapshot(2, "n2", 9, 2, tuple(f"s{i}" for i in range(1, 10))))
    assert h.persisted_before_sent(effects, "snapshot")
    assert h.sent(effects, InstallSnapshotReply)[0][1] == InstallSnapshotReply(2, 9, 0)
    node = h.node
    assert (node.log.base_index, node.log.held, node.commit_index, node.last_applied) == (9, 0, 9, 9)
    assert node.state_machine.applied[-1] == "s9"


def test_an_install_snapshot_of_an_older_term_is_refused_and_a_stale_one_changes_nothing():
    h = RaftHarness("n1", term=3, log=entries(1, 1, 1), config=SNAP)
    old = h.sent(h.deliver("n2", InstallSnapshot(2, "n2", 9, 2, ())), InstallSnapshotReply)
    assert old[0][1].term == 3 and h.node.log.base_index == 0
    h.deliver("n2", AppendEntries(3, "n2", 3, 1, (), 3))
    h.deliver("n2", InstallSnapshot(3, "n2", 2, 1, ("v1", "v2")))  # covered by the commit index already
    assert h.node.log.base_index == 0 and h.node.last_applied == 3


# -- a cluster ------------------------------------------------------------------------------------------


def far_behind_run(every: int | None = 8):
    """n3 is down while the client writes 60 puts, then restarts and must catch up."""
    import random

    sim = raft_sim(1, servers=3, config=RaftConfig(snapshot_every=every), state_machine=KVStore,
                   workloads=[kv_workload(random.Random(1), 60, reads=0.3)])
    sim.at(0.0, sim.crash, "n3")
    sim.run(until=3000.0)
    sim.restart("n3")
    sim.run(until=4000.0)
    return sim


def test_install_snapshot_brings_a_follower_far_behind_up_to_date():
    sim = far_behind_run()
    sent = [r for r in sim.trace.records if r[1] == "send" and type(r[5]) is InstallSnapshot]
    leader = next(sim.node(n) for n in ("n1", "n2") if sim.node(n).is_leader)
    n3 = sim.node("n3")
    assert sent and all(r[3] == "n3" for r in sent)  # sometimes: a snapshot was sent, to the lagging server
    assert n3.log.base_index > 0 and n3.last_applied == leader.last_applied
    assert (n3.state_machine.data, n3.state_machine.sessions) == (leader.state_machine.data,
                                                                  leader.state_machine.sessions)
    assert max(sim.node(n).log.held for n in ("n1", "n2", "n3")) < 8 + 2  # the logs stay short
    assert check_safety(sim).ok and kv_violation(sim.history) is None  # always: safe and linearizable


def test_without_snapshots_the_same_follower_catches_up_from_the_whole_log():
    sim = far_behind_run(None)
    assert not any(r[1] == "send" and type(r[5]) is InstallSnapshot for r in sim.trace.records)
    assert sim.node("n3").log.held == sim.node("n3").last_applied > 60


def test_a_restarted_server_rebuilds_its_store_from_its_snapshot():
    sim = far_behind_run()
    before = dict(sim.node("n1").state_machine.data)
    sim.crash("n1")
    sim.restart("n1")
    sim.run(until=4100.0)
    n1 = sim.node("n1")
    assert n1.log.base_index > 0 and n1.commit_index >= n1.log.base_index
    assert n1.state_machine.data == before
    assert check_safety(sim).ok


# -- the safety checker on truncated logs -------------------------------------------------------------------


class _Trace:
    def __init__(self, records):
        self.records = records


def _notes(*rows):
    return _Trace([(t, "note", node, None, None, d) for t, node, d in rows])


def test_the_checker_accepts_a_snapshot_of_the_committed_prefix_and_rejects_one_of_another_term():
    e = (Entry(1, "a"), Entry(1, "b"))
    base = [(1.0, "n1", {"role": "leader", "term": 1}), (2.0, "n1", {"log": 1, "entries": e}),
            (3.0, "n2", {"log": 1, "entries": e}), (4.0, "n1", {"commit": 2, "term": 1})]
    good = check_safety(_notes(*base, (5.0, "n3", {"snapshot": (2, 1), "log": 3, "entries": ()})))
    bad = check_safety(_notes(*base, (5.0, "n3", {"snapshot": (2, 2), "log": 3, "entries": ()})))
    beyond = check_safety(_notes(*base, (5.0, "n3", {"snapshot": (3, 1), "log": 4, "entries": ()})))
    assert good.ok, good.summary()
    assert bad.violations[0].property == "state machine safety" and "term 2" in bad.violations[0].message
    assert not beyond.ok and "no entry was committed at index 3" in beyond.violations[0].message


# -- the campaign --------------------------------------------------------------------------------------------


def test_the_campaign_option_reads_the_command_lines_words():
    assert [snapshot_option(v) for v in ("off", None, "8", 32)] == [None, None, 8, 32]
    with pytest.raises(ConfigError, match="snapshot_every"):
        snapshot_option("often")


def test_correct_raft_with_snapshots_is_safe_and_live_on_a_few_seeds_and_installs_snapshots():
    report = fuzz_raft(range(4), options={"snapshot_every": "8"}, shrink_first=False)
    assert (report.seeds, report.progress, len(report.violations)) == (4, 4, 0)
    sim = raft_run(0, raft_schedule(0), options={"snapshot_every": 8})
    assert any(r[1] == "send" and type(r[5]) is InstallSnapshot for r in sim.trace.records)  # sometimes


def test_the_snapshot_without_sessions_variant_is_caught_by_the_linearizability_check():
    report = fuzz_raft(range(3, 4), variant="snapshot_without_sessions", shrink_first=False)
    assert report.first is not None and report.first.message.startswith("linearizability broken")
    schedule = campaign_schedule(3, variant="snapshot_without_sessions")
    assert raft_problem(campaign_run(3, schedule, options={"snapshot_every": 4})) is None  # with sessions: fine


def test_the_command_fuzzes_with_snapshots(capsys):
    assert main(["fuzz", "raft", "--seeds", "2", "--processes", "1", "--snapshot_every", "8"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("raft --snapshot_every 8: 2 seeds, 0 violations, ")


# -- defaults, errors, the figure ---------------------------------------------------------------------------


def test_compaction_is_off_by_default():
    assert RaftConfig().snapshot_every is None and RaftConfig().snapshot_interval is None
    sim = raft_run(0, raft_schedule(0))
    assert not any(r[1] == "note" and ("compact" in r[5] or "snapshot" in r[5]) for r in sim.trace.records)


@pytest.mark.parametrize("bad", [0, -3, True, 2.5, "8"])
def test_a_bad_snapshot_every_is_a_config_error(bad):
    with pytest.raises(ConfigError, match="snapshot_every"):
        RaftConfig(snapshot_every=bad)


def test_a_state_machine_without_snapshot_and_restore_is_a_config_error():
    class Bare:
        def apply(self, command):
            return None

    sim = raft_sim(0, servers=1, config=SNAP, state_machine=Bare)
    with pytest.raises(Exception, match="snapshot\\(\\) and restore"):
        sim.run(until=1.0)


def test_the_figure_shows_short_logs_and_fast_catch_up_with_snapshots():
    table = compaction_table(0)
    off, on = table.iloc[0], table.iloc[1]
    assert off["snapshot_every"] == "off" and off["peak entries held"] > 300 >= off["entries to catch up"] - 1
    assert on["peak entries held"] <= 32 < off["peak entries held"]
    assert on["catch-up ms"] * 5 < off["catch-up ms"] and on["messages to catch up"] < off["messages to catch up"]
    assert compaction_table(0).equals(table)  # seeded


@pytest.mark.parametrize("kwargs", [{"ops": 0}, {"max_batch": 0}, {"settings": ()}, {"settings": (None, 0)}])
def test_the_figure_refuses_bad_arguments(kwargs):
    with pytest.raises(ConfigError):
        compaction_table(0, **kwargs)
