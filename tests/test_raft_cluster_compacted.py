"""The cluster helpers and the timeline read compacted logs (§7 of the Raft paper; F07).

committed_commands marks what a snapshot replaced, log_terms and cluster_table show the
snapshot's last included index (for a server that is down too), and the timeline's frames show
what each log holds - checked against the servers themselves every 50 ms of faulty runs with
snapshots every 4 entries (always), in runs where logs really were compacted (sometimes).
Arrange / act / check.
"""

from __future__ import annotations

import random

import pytest

from dsworkbook.consensus.fuzzing import raft_config, raft_schedule
from dsworkbook.consensus.raft import RaftConfig, cluster_table, committed_commands, log_terms, raft_sim
from dsworkbook.consensus.raft.cluster import Compacted
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.messages import AppendEntries, InstallSnapshot
from dsworkbook.consensus.raft.timeline import ServerView, frames
from dsworkbook.consensus.raft_kv import KVStore, kv_sim, kv_workload
from dsworkbook.sim import DOWN


def compacted_node():
    """A follower that applied 6 entries (terms 1 1 1 2 2 2) and snapshotted through index 4 (term 2)."""
    h = RaftHarness("n1", term=2, log=entries(1, 1, 1, 2, 2, 2), config=RaftConfig(snapshot_every=4))
    h.deliver("n2", AppendEntries(2, "n2", 6, 2, (), 4))  # 4 applied: a snapshot through 4
    h.deliver("n2", AppendEntries(2, "n2", 6, 2, (), 6))  # 2 more: not yet the next one
    return h.node


def test_committed_commands_start_with_a_marker_for_the_compacted_entries():
    node = compacted_node()
    out = committed_commands(node)
    assert out == [Compacted(4, 2), "v5", "v6"]
    assert "entries 1..4 compacted" in repr(out[0])


def test_committed_commands_of_a_log_never_compacted_are_unchanged():
    h = RaftHarness("n1", term=1, log=entries(1, 1, 1))
    h.deliver("n2", AppendEntries(1, "n2", 3, 1, (), 2))
    assert committed_commands(h.node) == ["v1", "v2"]


def test_log_terms_shows_the_snapshot_then_the_entries_held():
    assert log_terms(compacted_node()) == "[..4] 2 2"
    h = RaftHarness("n1", term=1, log=entries(1, 1, 1, 1), config=RaftConfig(snapshot_every=4))
    h.deliver("n2", AppendEntries(1, "n2", 4, 1, (), 4))
    assert log_terms(h.node) == "[..4]"  # everything compacted, nothing after it
    assert log_terms(RaftHarness("n1", term=1, log=entries(1, 2)).node) == "1 2"


def far_behind(every):
    """n3 down while a client writes 40 puts; then it restarts (snapshot_every=every)."""
    sim = raft_sim(2, servers=3, config=RaftConfig(snapshot_every=every), state_machine=KVStore,
                   workloads=[kv_workload(random.Random(2), 40, reads=0.0)])
    sim.at(0.0, sim.crash, "n3")
    sim.run(until=2500.0)
    return sim


def test_cluster_table_has_the_snapshots_last_included_index_for_live_and_down_servers():
    sim = far_behind(8)
    sim.crash("n1")
    table = cluster_table(sim).set_index("node")
    live = sim.node("n2")
    assert table.loc["n2", "snapshot"] == live.log.base_index > 0
    assert table.loc["n2", "entries"] == live.log.last_index and table.loc["n2", "log"] == log_terms(live)
    stored = sim.storage("n1")
    assert table.loc["n1", "status"] == "down" and table.loc["n1", "snapshot"] == stored["snapshot"].index > 0
    assert table.loc["n1", "entries"] == stored["snapshot"].index + len(stored["log"])
    assert table.loc["n3", "snapshot"] == 0  # down since t=0: never snapshotted
    sim.restart("n3")
    sim.run(until=3500.0)
    table = cluster_table(sim).set_index("node")
    assert table.loc["n3", "snapshot"] > 0 and table.loc["n3", "commit"] >= table.loc["n3", "snapshot"]


def test_cluster_table_without_snapshots_shows_snapshot_zero():
    sim = far_behind(None)
    assert cluster_table(sim)["snapshot"].tolist() == [0, 0, 0]


# -- the timeline ------------------------------------------------------------------------------------------


def test_a_server_view_indexes_its_log_from_its_base():
    v = ServerView("up", "follower", 3, (2, 3, 3), 6, base=5, base_term=2)
    assert v.last_index == 8
    assert [v.term_at(i) for i in (4, 5, 6, 8, 9)] == [None, 2, 2, 3, None]
    assert ServerView("up", "follower", 1, (1,), 1).term_at(0) == 0  # no snapshot: index 0 is the empty prefix


def _views_every(sim, step, until):
    """Run ``sim`` to ``until``, taking each live server's (base, base term, held terms, commit) every ``step`` ms."""
    seen = {}
    t = 0.0
    while t <= until:
        sim.run(until=t)
        for n in (x for x in sim.node_ids if x.startswith("n")):
            if sim.status(n) != DOWN:
                node = sim.node(n)
                seen[(t, n)] = (node.log.base_index, node.log.base_term, tuple(e.term for e in node.log.entries),
                                node.commit_index)
        t += step
    return seen


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frames_show_what_every_log_holds_under_faults_with_snapshots(seed):
    sim = kv_sim(seed, clients=5, ops=30, servers=5, config=raft_config(snapshot_every=4), client_timeout=100.0,
                 think=10.0)
    raft_schedule(seed).apply_to(sim)
    seen = _views_every(sim, 50.0, 3000.0)
    by_time = {f.time: f for f in frames(sim, step=50.0)}
    wrong = [(t, n, want, by_time[t].servers[n]) for (t, n), want in seen.items()
             if (by_time[t].servers[n].base, by_time[t].servers[n].base_term, by_time[t].servers[n].log,
                 by_time[t].servers[n].commit) != want]
    assert wrong == []                                    # always: the frame is the server's log
    assert max(base for base, *_ in seen.values()) > 20   # sometimes: logs were compacted far
    installs = [r for r in sim.trace.records if r[1] == "deliver" and type(r[5]) is InstallSnapshot]
    assert installs                                       # ... and snapshots installed


def test_frames_of_a_run_without_snapshots_keep_base_zero_and_whole_logs():
    sim = far_behind(None)
    sim.restart("n3")
    sim.run(until=3500.0)
    last = frames(sim, step=100.0)[-1]
    for n, v in last.servers.items():
        assert (v.base, v.log) == (0, tuple(e.term for e in sim.node(n).log.entries))
