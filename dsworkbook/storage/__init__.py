"""Replicated stores on the simulator: CP and AP, tunable quorums, PACELC, three consistency models.

``dw.storage`` (theme 02, and M04 of theme 03):

====================  ====  ==================================================================================
module                id    what it holds
====================  ====  ==================================================================================
``cp``                Q01   the majority-quorum (ABD) store that refuses rather than answer stale
``ap``                Q02   the Dynamo-style store: LWW, hinted handoff, read repair, anti-entropy
``merkle``            Q02   Merkle trees and the top-down comparison (``antientropy`` runs it)
``quorum``            Q03   N/R/W arithmetic, stale reads found in histories, measured per setting
``pacelc``            Q04   the latency price of consistency with no partition, measured
``design``            Q03   a choice of N, R, W and repair checked against stated SLOs by running it
``stores``            M04   eventual (siblings + resolver), causal (dependencies), sequential
``experiment``              settings, one harness to run and measure any of them under faults
``campaign``                CAP demonstrated: CP linearizable on many faulty seeds, AP not
``anomalies``               the anomaly zoo: seven anomalies and the setting that prevents each
``rmw``                     the lost update of read-modify-write cycles, and compare-and-set
``naive``                   the source notes' mistakes, for drills ``02-drill-quorum``, ``03-drill-eventual``
``common``                  the client, refusals, workloads, placement; ``plots`` the drawings
====================  ====  ==================================================================================
"""

from dsworkbook.storage import stores
from dsworkbook.storage.anomalies import ZOO, ZooResult, reproduce, zoo_table
from dsworkbook.storage.antientropy import BucketSync, TreeLevel, anti_entropy_run, merkle_traffic
from dsworkbook.storage.ap import APReplica, Get, GetReply, Put, PutAck, Stamp, Versioned, resolve_lww
from dsworkbook.storage.campaign import APViolation, cp_campaign, fault_schedule, find_ap_violation
from dsworkbook.storage.common import (KVClient, Refused, Workload, client_ids, majority, outcome_of,
                                       preference_list, random_workload, replica_ids)
from dsworkbook.storage.cp import ZERO, CPReplica, Propagate, PropagateAck, Query, QueryReply, Tag
from dsworkbook.storage.design import REPAIRS, SLOS, Design, SLOResult, check_design, design_from, design_table
from dsworkbook.storage.experiment import AP, CP, SETTINGS, Setting, consistency, measure, quorum_setting, run_setting
from dsworkbook.storage.merkle import MerkleDiff, MerkleTree, bucket_of, exchange_cost, merkle_diff
from dsworkbook.storage.naive import NaiveQuorumReplica
from dsworkbook.storage.pacelc import FAR_SETTINGS, PACELC_SETTINGS, far_latencies, latency_table
from dsworkbook.storage.plots import history_strips, stale_rate_plot
from dsworkbook.storage.quorum import (NRW_SETTINGS, nrw_sim, overlap, skewed_lww, stale_read_table, stale_reads,
                                       strict, worst_case)
from dsworkbook.storage.rmw import IncrementClient, LeaderKV, detect_lost_update

__all__ = [
    "CPReplica", "Tag", "ZERO", "Query", "QueryReply", "Propagate", "PropagateAck",
    "APReplica", "Stamp", "Versioned", "Put", "PutAck", "Get", "GetReply", "resolve_lww",
    "TreeLevel", "BucketSync", "merkle_traffic", "anti_entropy_run", "MerkleTree", "MerkleDiff", "merkle_diff",
    "bucket_of",
    "exchange_cost",
    "overlap", "strict", "stale_reads", "nrw_sim", "stale_read_table", "NRW_SETTINGS", "worst_case", "skewed_lww",
    "latency_table", "PACELC_SETTINGS", "far_latencies", "FAR_SETTINGS",
    "Design", "SLOResult", "REPAIRS", "SLOS", "design_from", "check_design", "design_table",
    "LeaderKV", "IncrementClient", "detect_lost_update",
    "stores",
    "Setting", "CP", "AP", "quorum_setting", "SETTINGS", "run_setting", "measure", "consistency",
    "cp_campaign", "find_ap_violation", "fault_schedule", "APViolation",
    "ZOO", "ZooResult", "reproduce", "zoo_table",
    "NaiveQuorumReplica",
    "KVClient", "Refused", "Workload", "random_workload", "preference_list", "majority", "replica_ids",
    "client_ids", "outcome_of",
    "history_strips", "stale_rate_plot",
]
