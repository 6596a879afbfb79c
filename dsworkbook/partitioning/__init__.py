"""Partitioning and distributed hash tables (theme T11).

=====  =====================================================================  =========================
id     concept                                                                module
=====  =====================================================================  =========================
H01    modulo hashing and the remap storm (fraction of keys moved)            ``remap``
H02    consistent-hashing ring, virtual nodes, weights, balance figures       ``ring``, ``balance``,
                                                                              ``keyhash`` (batch MD5)
H03    replication: preference list of N distinct nodes, zones               ``replication``
H04    rendezvous (HRW), jump hash, bounded loads; Chord routing              ``alternatives``,
                                                                              ``chord``, ``chord_runs``
H05    range partitioning with split/merge; hot keys and their remedies       ``ranges``
=====  =====================================================================  =========================
"""

from dsworkbook.partitioning.alternatives import (BoundedAssignment, bounded_load_assign, bounded_load_table,
                                                  jump_hash, key64, rendezvous_owner, rendezvous_ranking,
                                                  rendezvous_scores)
from dsworkbook.partitioning.balance import balance_table, load_stats, ring_loads, weighted_table
from dsworkbook.partitioning.chord import ChordNode, chord_id, stable_tables
from dsworkbook.partitioning.chord_runs import (ChordRun, check_lookups, chord_campaign, chord_run, chord_schedule,
                                                churn_figures, hop_table, true_successor)
from dsworkbook.partitioning.keyhash import md5_words
from dsworkbook.partitioning.ranges import Range, RangePartitioner, hot_key_table, zipf_ranks
from dsworkbook.partitioning.remap import modulo_owners, remap_fraction, remap_table
from dsworkbook.partitioning.replication import ReplicaChange, preference_list, replicas_after_leave
from dsworkbook.partitioning.ring import SCHEMES, Arc, HashRing, key_position, keys_for_seed, moved_arcs

__all__ = [
    # H01
    "modulo_owners", "remap_fraction", "remap_table",
    # H02
    "HashRing", "Arc", "SCHEMES", "key_position", "keys_for_seed", "moved_arcs", "md5_words",
    "load_stats", "ring_loads", "balance_table", "weighted_table",
    # H03
    "preference_list", "ReplicaChange", "replicas_after_leave",
    # H04
    "rendezvous_scores", "rendezvous_ranking", "rendezvous_owner", "jump_hash", "key64",
    "BoundedAssignment", "bounded_load_assign", "bounded_load_table",
    "ChordNode", "chord_id", "stable_tables", "ChordRun", "chord_run", "chord_schedule", "check_lookups",
    "churn_figures", "hop_table", "true_successor", "chord_campaign",
    # H05
    "Range", "RangePartitioner", "zipf_ranks", "hot_key_table",
]
