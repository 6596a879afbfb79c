"""Replication and multi-region patterns (theme T14): the world of regions, routing and failover,
single-leader replication, multi-leader and leaderless replication across regions, caches.

``dw.regions`` reaches everything below; each module's docstring gives its rules and sources.

==========================  ======================================================================
``world``                   ten AWS regions and their measured round-trip times; client locations
``routing``, ``dns``        latency, geolocation, weighted and failover routing; health checks and
                            DNS failover with a TTL, recovery time measured (G01)
``leader*``, ``failover*``  single-leader replication (sync, semi-sync, async), lag, follower-read
                            anomalies and their fixes, failover, lost writes, split brain and epochs,
                            the ``failover`` campaign (G04)
``activeactive*``,          the seed notes' active-active design, LWW and what it loses, conflicts per
``resolution``,             second, version vectors with siblings, CRDTs, one write region per key
``conflicts``               (G02, G05)
``cache``, ``cache_races``  cache-aside, write-through, write-behind; staleness and hit rate; the
                            thundering herd and coalescing; the invalidation race and versioned
                            entries (G03)
==========================  ======================================================================

Names that two modules share are exported here under a longer name (``ROUTING_POLICIES``,
``CACHE_POLICIES``, ``CACHE_MODES``, ``REPLICATION_MODES``); the modules keep the short ones.
"""

from dsworkbook.regions import failover_campaign  # registers the ``failover`` campaign
from dsworkbook.regions.activeactive import FIXED, SEED, RegionClient, RegionReplica, Variant
from dsworkbook.regions.activeactive_run import ACTIVE_ACTIVE_REGIONS, ActiveActiveRun, active_active_run
from dsworkbook.regions.cache import MODES as CACHE_MODES
from dsworkbook.regions.cache import POLICIES as CACHE_POLICIES
from dsworkbook.regions.cache import CacheServer, apply_versioned, single_flight
from dsworkbook.regions.cache_races import (CacheRun, HerdRun, RaceRun, cache_run, cache_sweep, invalidation_race,
                                            race_frequency, staleness, thundering_herd, write_behind_losses)
from dsworkbook.regions.conflicts import (acked_writes_lost, causality_violations, conflict_model, conflict_pairs,
                                          conflict_sweep, has_seen, home_region_cost, resolution_table, run_summary,
                                          skew_losses, surviving_writes)
from dsworkbook.regions.dns import (DnsFailoverConfig, DnsFailoverRun, dns_failover_run, dns_failover_sim,
                                    dns_failover_sweep, recovery_bound)
from dsworkbook.regions.failover import FailoverRun, failover_run, false_failovers, lost_writes, lost_writes_table, \
    split_brain
from dsworkbook.regions.failover_campaign import FAILOVER_VARIANTS, fuzz_failover
from dsworkbook.regions.leader import MODES as REPLICATION_MODES
from dsworkbook.regions.leader import Replica, Topology, topology
from dsworkbook.regions.leader_lag import consistent_prefix, follower_reads, replication_lag, write_latency
from dsworkbook.regions.leader_messages import Entry
from dsworkbook.regions.leader_reads import (Anomalies, ReplicaView, Session, check_consistent_prefix,
                                             count_anomalies, nearest_router, random_router, route_read,
                                             sticky_router)
from dsworkbook.regions.leader_sim import Orchestrator, leader_sim
from dsworkbook.regions.resolution import RESOLUTIONS, RegionStore, Version, WriteInfo, lww_resolve, seed_resolve
from dsworkbook.regions.routing import POLICIES as ROUTING_POLICIES
from dsworkbook.regions.routing import Client, Endpoint, HealthStatus, choose, client_of, endpoints, route, \
    route_table
from dsworkbook.regions.world import INTRA_REGION_MS, LOCATIONS, REGION_NAMES, RTT_MS, World, rtt, world

__all__ = [
    # the world
    "INTRA_REGION_MS", "LOCATIONS", "REGION_NAMES", "RTT_MS", "World", "rtt", "world",
    # G01 routing and DNS failover
    "ROUTING_POLICIES", "Client", "Endpoint", "HealthStatus", "choose", "client_of", "endpoints", "route",
    "route_table", "DnsFailoverConfig", "DnsFailoverRun", "dns_failover_run", "dns_failover_sim",
    "dns_failover_sweep", "recovery_bound",
    # G04 single-leader replication and failover
    "REPLICATION_MODES", "Replica", "Topology", "topology", "Entry", "Orchestrator", "leader_sim",
    "ReplicaView", "Session", "route_read", "nearest_router", "random_router", "sticky_router", "Anomalies",
    "count_anomalies", "check_consistent_prefix", "write_latency", "replication_lag", "follower_reads",
    "consistent_prefix", "FailoverRun", "failover_run", "lost_writes", "lost_writes_table", "false_failovers",
    "split_brain", "FAILOVER_VARIANTS", "fuzz_failover", "failover_campaign",
    # G02, G05 active-active, multi-leader and leaderless
    "Version", "lww_resolve", "seed_resolve", "RESOLUTIONS", "WriteInfo", "RegionStore", "Variant", "SEED",
    "FIXED", "RegionReplica", "RegionClient", "ACTIVE_ACTIVE_REGIONS", "ActiveActiveRun", "active_active_run",
    "conflict_pairs", "has_seen", "acked_writes_lost", "surviving_writes", "causality_violations", "run_summary",
    "conflict_sweep", "conflict_model", "skew_losses", "resolution_table", "home_region_cost",
    # G03 caches
    "CACHE_POLICIES", "CACHE_MODES", "apply_versioned", "single_flight", "CacheServer", "CacheRun", "HerdRun",
    "RaceRun", "cache_run", "cache_sweep", "staleness", "thundering_herd", "invalidation_race", "race_frequency",
    "write_behind_losses",
]
