"""Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", 2014), theme T06.

``dw.consensus.raft`` holds the complete protocol on the simulator: the messages of Figure 2,
the log, the node with its roles as handler tables, elections, replication with batching and
pipelining, the commit rule, the back-off rules of §5.3 (``RaftConfig.backoff``), a client,
cluster helpers, a hand-driving harness for unit tests, scripted scenarios (Figure 7, Figure 8
with and without no-ops) and commit rules on trial (:mod:`~dsworkbook.consensus.raft.commit_rules`).
The extensions of Ongaro's thesis, each off by default: PreVote, CheckQuorum and the vote guard
(:mod:`~dsworkbook.consensus.raft.prevote`), leadership transfer
(:mod:`~dsworkbook.consensus.raft.transfer`), ReadIndex and lease reads
(:mod:`~dsworkbook.consensus.raft.reads`), log compaction with InstallSnapshot
(:mod:`~dsworkbook.consensus.raft.snapshots`, §7 of the paper), membership changes - single-server
and joint consensus, learners (:mod:`~dsworkbook.consensus.raft.membership`, driven by
:mod:`~dsworkbook.consensus.raft.membership_run`) - and the timing requirement of §5.6 as a sweep
(:mod:`~dsworkbook.consensus.raft.timing`), with their measurements
(:mod:`~dsworkbook.consensus.raft.availability`, :mod:`~dsworkbook.consensus.raft.read_paths`,
:mod:`~dsworkbook.consensus.raft.compaction`).
Safety checking lives in :mod:`dsworkbook.consensus.raft_invariants`, the key-value store on top
in :mod:`dsworkbook.consensus.raft_kv`.
"""

from dsworkbook.consensus.raft.client import RaftClient
from dsworkbook.consensus.raft.cluster import (Compacted, client_ids, cluster_table, committed_commands, leaders,
                                              live_servers, log_terms, raft_sim, server_ids)
from dsworkbook.consensus.raft.availability import disruption_table, transfer_table
from dsworkbook.consensus.raft.compaction import compaction_table
from dsworkbook.consensus.raft.config import BACKOFFS, READ_MODES, SNAPSHOT_VARIANT_EVERY, VARIANTS, RaftConfig
from dsworkbook.consensus.raft.log import RaftLog, at_least_as_up_to_date
from dsworkbook.consensus.raft.membership import ChangeMembership, Configuration, MembershipRefused
from dsworkbook.consensus.raft.membership_run import MembershipAdmin, membership_sim, membership_table
from dsworkbook.consensus.raft.messages import (RAFT_MESSAGES, AppendEntries, AppendEntriesReply, Command, Entry,
                                                InstallSnapshot, InstallSnapshotReply, NotLeader, PreVote, PreVoteReply,
                                                RequestVote, RequestVoteReply, Snapshot, TimeoutNow, TransferLeadership,
                                                message_kind, message_label)
from dsworkbook.consensus.raft.node import CommandList, RaftNode
from dsworkbook.consensus.raft.read_paths import read_path_table
from dsworkbook.consensus.raft.replication import majority_commit_index
from dsworkbook.consensus.raft.roles import CANDIDATE, FOLLOWER, LEADER, ROLES, Role
from dsworkbook.consensus.raft.timing import broadcast_time, plot_timing, timing_run, timing_sweep

__all__ = [
    "RaftNode", "RaftConfig", "VARIANTS", "BACKOFFS", "RaftClient", "CommandList",
    "RaftLog", "at_least_as_up_to_date", "majority_commit_index",
    "Entry", "Command", "NotLeader", "RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply",
    "RAFT_MESSAGES", "message_kind", "message_label", "Role", "FOLLOWER", "CANDIDATE", "LEADER", "ROLES",
    "raft_sim", "server_ids", "client_ids", "leaders", "live_servers", "cluster_table", "log_terms",
    "committed_commands",
    "READ_MODES", "PreVote", "PreVoteReply", "TimeoutNow", "TransferLeadership", "disruption_table", "transfer_table",
    "read_path_table",
    "Snapshot", "InstallSnapshot", "InstallSnapshotReply", "SNAPSHOT_VARIANT_EVERY", "compaction_table", "Compacted",
    "Configuration", "ChangeMembership", "MembershipRefused", "membership_sim", "membership_table", "MembershipAdmin",
    "timing_sweep", "timing_run", "broadcast_time", "plot_timing",
]
