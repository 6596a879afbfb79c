"""Coordination (theme T10): a ZooKeeper-like service on the simulator, its recipes and its lock.

* :mod:`.znodes` - the znode tree and its rules (Z01);
* :mod:`.service` - the service as one simulated server: sessions, one-shot watches (Z01);
* :mod:`.client` - the client node: a heartbeating session and the operations scripts call (Z01);
* :mod:`.recipes` - configuration, group membership, leader election, a barrier (Z02);
* :mod:`.lock` - the lock recipe, the herd effect, the pause past expiry and fencing (L04);
* :mod:`.campaign` - invariants and the ``coordination`` fuzz campaign;
* :mod:`.election` - bully and lease-based election, Raft's election reused, and the ``election``
  fuzz campaign (Z03);
* :mod:`.detection` - heartbeat timeouts and their false suspicions, phi accrual (Z04);
* :mod:`.gossip` - SWIM-style membership and its dissemination time (Z04).
"""

from __future__ import annotations

from dsworkbook.coordination.client import SERVER, ZooClient, coordination_sim
from dsworkbook.coordination.lock import (LOCK_MODES, FencedStorage, HerdRow, LockClient, PauseOutcome, Write,
                                          belief_intervals, herd_effect, notifications_per_release,
                                          pause_past_expiry)
from dsworkbook.coordination.service import (EVENT_TYPES, SERVER_VARIANTS, Reply, WatcherEvent, ZooServer)
from dsworkbook.coordination.znodes import (BadArguments, BadVersion, NoChildrenForEphemerals, NodeExists, NoNode,
                                            NotEmpty, SessionExpired, Stat, ZnodeTree, ZooError, check_path)

__all__ = [
    "ZnodeTree", "Stat", "ZooError", "NoNode", "NodeExists", "BadVersion", "NotEmpty", "NoChildrenForEphemerals",
    "SessionExpired", "BadArguments", "check_path",
    "ZooServer", "Reply", "WatcherEvent", "EVENT_TYPES", "SERVER_VARIANTS",
    "ZooClient", "coordination_sim", "SERVER",
    "LockClient", "LOCK_MODES", "FencedStorage", "Write", "HerdRow", "herd_effect", "notifications_per_release",
    "PauseOutcome", "pause_past_expiry", "belief_intervals",
]

from dsworkbook.coordination import campaign  # noqa: E402,F401  (registers the "coordination" campaign)
from dsworkbook.coordination import detection, election, gossip  # noqa: E402  (election registers "election")
from dsworkbook.coordination.detection import (FixedTimeout, PhiAccrual, compare_detectors,  # noqa: E402
                                               false_suspicion_curve, heartbeat_sim)
from dsworkbook.coordination.election import (BullyConfig, BullyNode, LeaseCandidate, LeaseStore,  # noqa: E402
                                              bully_scenario, bully_sim, coordinators, election_campaign,
                                              lease_overlap, lease_overlap_table, lease_sim, raft_leaders)
from dsworkbook.coordination.gossip import (SwimConfig, SwimNode, dissemination, dissemination_table,  # noqa: E402
                                            swim_sim)

__all__ += [
    "campaign", "election", "detection", "gossip",
    "BullyNode", "BullyConfig", "bully_sim", "bully_scenario", "coordinators", "LeaseStore", "LeaseCandidate",
    "lease_sim", "lease_overlap", "lease_overlap_table", "raft_leaders", "election_campaign",
    "FixedTimeout", "PhiAccrual", "heartbeat_sim", "false_suspicion_curve", "compare_detectors",
    "SwimNode", "SwimConfig", "swim_sim", "dissemination", "dissemination_table",
]
