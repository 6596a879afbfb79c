"""dsworkbook: distributed systems you can run, break and fix, in a Jupyter workbook.

``import dsworkbook as dw`` reaches everything a notebook needs:

===================  ======================================================================
``dw.sim``           the deterministic network simulator (nodes, network, faults, trace)
``dw.reliability``   request-reply with timeouts, retries, backoff with jitter, idempotency
``dw.fallacies``     the eight fallacies of distributed computing, one experiment each
``dw.viz``           space-time diagrams and cluster graphs
``dw.widgets``       the experiment panels notebooks display
``dw.grading``       the checks that exercise notebooks call
``dw.catalog``       the concept map: every concept, its module, notebook and exercises
``dw.storage``       CP and AP stores, quorums, PACELC (theme 02)
``dw.checkers``      histories and consistency checkers: linearizability and weaker models (03)
``dw.clocks``        physical, Lamport, vector, hybrid logical clocks; TrueTime (04)
``dw.crdt``          conflict resolution and CRDTs (05)
``dw.consensus``     Raft and Paxos (06, 07)
``dw.locks``         lock servers, Redlock, fencing tokens, lease locks, ordered locking (09)
``dw.coordination``  a ZooKeeper-like service and its recipes; elections; failure detection (10)
``dw.partitioning``  consistent hashing, vnodes, preference lists, HRW/jump/bounded loads, Chord,
                     range partitions and hot keys (11)
``dw.messaging``     partitioned logs, consumer groups, broker queues, delivery guarantees (12)
``dw.transactions``  two- and three-phase commit, sagas, the outbox, isolation levels (13)
``dw.regions``       regions and routing, single-leader replication and failover, multi-leader
                     and leaderless replication across regions, caches (14)
===================  ======================================================================

Submodules other than ``sim`` load on first use, so the command line starts quickly.
"""

from __future__ import annotations

import importlib
from typing import Any

from dsworkbook import errors, sim
from dsworkbook.display import source, table
from dsworkbook.errors import ConfigError, DSWorkbookError, InvariantViolation, NodeError

__version__ = "0.1.0"

_LAZY = ("reliability", "fallacies", "viz", "widgets", "grading", "catalog", "checkers", "storage", "clocks", "crdt",
         "consensus", "locks", "coordination", "messaging", "transactions", "partitioning",
         "regions", "interview", "sweeps")

__all__ = ["sim", "errors", "source", "table", "ConfigError", "DSWorkbookError", "InvariantViolation", "NodeError",
           "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"dsworkbook.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dsworkbook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
