"""Time and ordering (theme T04): physical, logical, vector, hybrid clocks and TrueTime.

There is no global clock in a distributed system. This package has every way the workbook
orders events without one, each as plain code and, where several nodes are involved, as nodes
on the simulator:

============================  ======================================================  =====
module                        what it is                                              id
============================  ======================================================  =====
``physical`` (+ ``lww``)      clock offset and drift, NTP's offset and error bound,   C01
                              last-write-wins losing writes under skew
``lamport``                   Lamport clocks: ``a -> b => L(a) < L(b)``               C02
``vector``                    vector clocks: before / after / equal / concurrent      C03
``version`` (+ ``pruning``)   version vectors and siblings (Dynamo); pruned clocks    C04
``hlc``                       hybrid logical clocks (Kulkarni et al. 2014)            C05
``truetime``                  TrueTime intervals and commit wait (Spanner)            C06
``sync``                      TrueTime on NTP: poll interval, drift and eps           C01, C06
``diagram`` / ``draw``        a space-time diagram as data, and its picture
``run``                       nodes that stamp every event with three clocks, checked
============================  ======================================================  =====
"""

from dsworkbook.clocks.diagram import EVENT_KINDS, PUZZLE_PAIRS, PUZZLE_WHY_PAIR, Event, Message, SpaceTimeDiagram
from dsworkbook.clocks.draw import draw_diagram, puzzle_diagram
from dsworkbook.clocks.hlc import HybridClock, HybridTimestamp, hlc_experiment, hlc_update
from dsworkbook.clocks.lamport import LamportClock, LamportTimestamp, lamport_receive
from dsworkbook.clocks.physical import (LwwRegister, LwwResult, LwwWriter, NtpClient, NtpRun, NtpSample, TimeServer,
                                        lost_writes_vs_skew, lww_experiment, ntp_experiment, ntp_offset)
from dsworkbook.clocks.run import ClockNode, ClockRun, Stamped, clock_run
from dsworkbook.clocks.sync import SYNC_GOALS, SyncClient, SyncedLeader, SyncGoals, SyncRun, sync_run
from dsworkbook.clocks.truetime import (SpannerLeader, TrueTime, TTInterval, TxnClient, TxnRun, commit_wait_experiment,
                                        external_consistency, no_wait_commit, spanner_commit, spanner_run)
from dsworkbook.clocks.vector import Order, VectorClock, VectorTimestamp, compare, naive_compare
from dsworkbook.clocks.version import (Entry, NaivePrunedClock, PrunedClock, Sibling, VersionedClient,
                                       VersionedReplica, VersionRun, context_of, naive_prune, prune,
                                       pruning_experiment, pruning_table, reconcile, siblings_experiment)

__all__ = [
    # C01
    "NtpSample", "ntp_offset", "TimeServer", "NtpClient", "NtpRun", "ntp_experiment",
    "LwwRegister", "LwwWriter", "LwwResult", "lww_experiment", "lost_writes_vs_skew",
    # C02, C03
    "LamportClock", "LamportTimestamp", "lamport_receive", "Order", "VectorTimestamp", "VectorClock", "compare",
    "naive_compare",
    # C04
    "Sibling", "reconcile", "context_of", "VersionedReplica", "VersionedClient", "VersionRun", "siblings_experiment",
    "Entry", "prune", "naive_prune", "PrunedClock", "NaivePrunedClock", "pruning_experiment", "pruning_table",
    # C05
    "HybridTimestamp", "HybridClock", "hlc_update", "hlc_experiment",
    # C06
    "TTInterval", "TrueTime", "spanner_commit", "no_wait_commit", "SpannerLeader", "TxnClient", "TxnRun",
    "external_consistency", "spanner_run", "commit_wait_experiment",
    "SyncGoals", "SYNC_GOALS", "SyncedLeader", "SyncClient", "SyncRun", "sync_run",
    # diagrams and runs
    "SpaceTimeDiagram", "Event", "Message", "EVENT_KINDS", "draw_diagram", "puzzle_diagram", "PUZZLE_PAIRS",
    "PUZZLE_WHY_PAIR",
    "ClockNode", "Stamped", "ClockRun", "clock_run",
]
