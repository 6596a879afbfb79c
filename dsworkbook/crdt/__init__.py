"""Conflict resolution and CRDTs (theme 05): replicas that accept writes on both sides of a partition.

Theory of operation
-------------------
When a partition splits the replicas and both sides keep accepting writes (an AP system,
theme 02), the sides diverge. After healing something must reconcile them, without asking
anyone: that is the subject here.

=====  ===========================  ===============================================================
id     module                       what it holds
=====  ===========================  ===============================================================
R01    ``registers``, ``scenarios``  last-write-wins with a deterministic tie-break; multi-value
                                     registers (siblings via version vectors); the shopping cart
                                     that LWW and a naive union both get wrong
R02    ``counters``                 G-Counter, PN-Counter
R03    ``sets`` (+ ``registers``)   G-Set, 2P-Set (+ LWW-Register, MV-Register)
R04    ``orset``                    OR-Set: textbook (tombstones) and optimised (a version vector
                                     instead of tombstones: safe compaction)
R05    ``laws``, ``replication``    the laws as checks with counterexamples; replicas on the
                                     simulator under faults, and a convergence fuzz campaign
R06    ``rga``                      RGA, a sequence CRDT for collaborative text
(all)  ``design``                   an application's record, one CRDT per field, run on the
                                     simulator and judged against the application's requirements
=====  ===========================  ===============================================================

Every type is an immutable state-based CRDT (``merge`` returns a new state; ``<=`` is the
partial order; ``value`` is what a reader sees) - see :mod:`dsworkbook.crdt._base`.
``workloads.TYPES`` wraps each as a replicated type for the law checks and the simulator;
``pitfalls`` keeps the broken merges from the seeds that the checks must catch.
"""

from dsworkbook.crdt import design, laws, pitfalls, replication, scenarios, workloads
from dsworkbook.crdt._base import CRDT, CRDTMismatchError, ReplicatedCRDT, UnknownReplicaError
from dsworkbook.crdt.causal import Dot, VersionVector
from dsworkbook.crdt.counters import GCounter, PNCounter
from dsworkbook.crdt.laws import LawViolation, check_convergence, check_laws, check_monotonic, check_type
from dsworkbook.crdt.orset import ORSet, TombstoneORSet
from dsworkbook.crdt.registers import LWWRegister, MVRegister, Stamp
from dsworkbook.crdt.replication import (Gossip, Replica, convergence_campaign, convergence_problem,
                                         diverged_during_partition, run_replicas)
from dsworkbook.crdt.rga import RGA, ROOT, RGAId, linearise
from dsworkbook.crdt.scenarios import run_scenario, shopping_cart
from dsworkbook.crdt.sets import GSet, TwoPSet
from dsworkbook.crdt.workloads import TYPES, ReplicatedType, show

__all__ = [
    "design", "laws", "pitfalls", "replication", "scenarios", "workloads",
    "CRDT", "ReplicatedCRDT", "CRDTMismatchError", "UnknownReplicaError",
    "Dot", "VersionVector",
    "GCounter", "PNCounter", "GSet", "TwoPSet", "LWWRegister", "MVRegister", "Stamp", "ORSet", "TombstoneORSet",
    "RGA", "RGAId", "ROOT", "linearise",
    "LawViolation", "check_laws", "check_monotonic", "check_convergence", "check_type",
    "TYPES", "ReplicatedType", "show",
    "Gossip", "Replica", "run_replicas", "convergence_problem", "diverged_during_partition", "convergence_campaign",
    "run_scenario", "shopping_cart",
]
