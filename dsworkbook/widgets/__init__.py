"""Experiment widgets: one panel per theme, all built on :class:`ExperimentPanel`.

Every theme's widget subclasses :class:`ExperimentPanel` (controls -> compute -> verdict, table
and diagram); notebooks display them with ``dw.widgets.<name>(...)``.
"""

from dsworkbook.widgets.byzantine import PbftPanel, pbft_panel
from dsworkbook.widgets.cap import CapScorecard, cap_scorecard
from dsworkbook.widgets.clocks import ClockDiagramPanel, clock_diagram
from dsworkbook.widgets.coordination import DetectorPanel, detector_panel
from dsworkbook.widgets.consistency import ConsistencyExplorer, consistency_explorer
from dsworkbook.widgets.crdt import ConflictPlayground, conflict_playground
from dsworkbook.widgets.interview import DecisionDrill, decision_drill
from dsworkbook.widgets.locks import LockUnderPressure, lock_panel
from dsworkbook.widgets.network import NetworkPlayground, network_playground, ping_workload
from dsworkbook.widgets.panel import ExperimentPanel, ExperimentResult
from dsworkbook.widgets.partitioning import RingPanel, ring_panel
from dsworkbook.widgets.paxos import PaxosDuel, paxos_duel
from dsworkbook.widgets.queues import ConsumerGroupPanel, consumer_group_panel
from dsworkbook.widgets.raft import RaftScope, raft_scope
from dsworkbook.widgets.raft_timing import RaftTimingPanel, raft_timing_panel
from dsworkbook.widgets.regions import RegionPanel, region_panel
from dsworkbook.widgets.transactions import TransactionTimeline, transaction_panel

__all__ = [
    "ExperimentPanel", "ExperimentResult",
    "NetworkPlayground", "network_playground", "ping_workload",  # 01
    "CapScorecard", "cap_scorecard",  # 02
    "ConsistencyExplorer", "consistency_explorer",  # 03
    "ClockDiagramPanel", "clock_diagram",  # 04
    "ConflictPlayground", "conflict_playground",  # 05
    "RaftScope", "raft_scope",  # 06
    "RaftTimingPanel", "raft_timing_panel",  # 06b
    "DecisionDrill", "decision_drill",  # 15
    "PaxosDuel", "paxos_duel",  # 07
    "PbftPanel", "pbft_panel",  # 08
    "LockUnderPressure", "lock_panel",  # 09
    "DetectorPanel", "detector_panel",  # 10
    "RingPanel", "ring_panel",  # 11
    "ConsumerGroupPanel", "consumer_group_panel",  # 12
    "TransactionTimeline", "transaction_panel",  # 13
    "RegionPanel", "region_panel",  # 14
]
