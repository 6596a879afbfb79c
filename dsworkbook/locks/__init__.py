"""Distributed locks and leases (theme T09), on the simulator.

* L01 :mod:`~dsworkbook.locks.server` (a single-instance lock server: set-if-absent with expiry,
  compare-and-delete, extend) and :mod:`~dsworkbook.locks.client` (retry with jittered backoff);
* L02 :mod:`~dsworkbook.locks.redlock` (Redlock over N lock servers);
* L03 :mod:`~dsworkbook.locks.fencing` (fencing tokens and a storage that checks them),
  :mod:`~dsworkbook.locks.scenarios` (Kleppmann's three failures of lease locks, and the fix) and
  :mod:`~dsworkbook.locks.campaign` (``dsworkbook fuzz locks``; importing this package registers it);
* L05 :mod:`~dsworkbook.locks.conditional` (a lease lock on conditional writes, DynamoDB style, with
  heartbeats, a lock manager and a context manager);
* L06 :mod:`~dsworkbook.locks.deadlock` (transfers that deadlock without a global lock order, the
  wait-for graph and a detector that names the cycle).
"""

from dsworkbook.locks import campaign, conditional, deadlock, scenarios
from dsworkbook.locks.campaign import LOCK_VARIANTS, fuzz_locks, locks_run, locks_schedule, locks_violation
from dsworkbook.locks.client import Backoff, LockClient, holding_periods, overlapping_holders, validity_time
from dsworkbook.locks.conditional import (LEASE_VARIANTS, All, AttributeNotExists, ConditionalStore, Lease,
                                          LeaseLockClient, LeaseLost, LockItem, LockManager, LockNotAcquired, OwnerIs,
                                          VersionIn, fuzz_lease, lease_invariant, renewal_under_pause)
from dsworkbook.locks.deadlock import (Transfer, deadlock_counts, draw_wait_for, find_deadlock, random_transfers,
                                       run_transfers, two_transfers, wait_for_graph)
from dsworkbook.locks.fencing import (Accepted, CounterStore, CounterTokens, RaftTokens, Storage, TokenClient,
                                      TokenCounter, stale_writes)
from dsworkbook.locks.redlock import RedlockClient, check_quorum, majority
from dsworkbook.locks.scenarios import (ScenarioResult, clock_jump_scenario, delayed_packet_scenario,
                                        gc_pause_scenario)
from dsworkbook.locks.server import (DelIfValue, DelReply, ExtendIfValue, ExtendReply, LockServer, LockTable, SetNX,
                                     SetNXReply, check_ttl)

__all__ = [
    "LockTable", "LockServer", "SetNX", "SetNXReply", "DelIfValue", "DelReply", "ExtendIfValue", "ExtendReply",
    "check_ttl", "Backoff", "validity_time", "LockClient", "holding_periods", "overlapping_holders",
    "RedlockClient", "majority", "check_quorum",
    "Storage", "Accepted", "stale_writes", "TokenClient", "TokenCounter", "CounterTokens", "CounterStore",
    "RaftTokens",
    "ScenarioResult", "gc_pause_scenario", "clock_jump_scenario", "delayed_packet_scenario", "scenarios",
    "campaign", "fuzz_locks", "locks_run", "locks_schedule", "locks_violation", "LOCK_VARIANTS",
    "conditional", "ConditionalStore", "LeaseLockClient", "LockManager", "Lease", "LockNotAcquired", "LeaseLost",
    "LockItem", "AttributeNotExists", "VersionIn", "OwnerIs", "All", "LEASE_VARIANTS", "renewal_under_pause",
    "fuzz_lease", "lease_invariant",
    "deadlock", "Transfer", "run_transfers", "two_transfers", "random_transfers", "find_deadlock", "wait_for_graph",
    "deadlock_counts", "draw_wait_for",
]
