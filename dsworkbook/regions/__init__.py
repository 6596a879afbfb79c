"""Replication and multi-region patterns (theme T14): the world of regions, routing and failover,
single-leader replication, multi-leader and leaderless replication across regions, caches.

``dw.regions`` reaches everything below.
"""

from dsworkbook.regions.world import INTRA_REGION_MS, LOCATIONS, REGION_NAMES, RTT_MS, World, rtt, world

__all__ = ["INTRA_REGION_MS", "LOCATIONS", "REGION_NAMES", "RTT_MS", "World", "rtt", "world"]
