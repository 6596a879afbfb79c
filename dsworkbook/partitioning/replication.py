"""H03: replication on a ring - the preference list of N distinct physical nodes, with zones.

Theory of operation
-------------------
Dynamo stores a key on the first node clockwise from it and on the N - 1 clockwise successors
after it; because a node owns many virtual nodes, the walk *skips positions* owned by a
physical node already chosen, so the list holds N distinct physical nodes (DeCandia et al.,
"Dynamo", SOSP 2007, sec. 4.3 "Replication": the preference list). :func:`preference_list`
walks the ring's points clockwise from the key and does exactly that.

Zones (racks, availability zones). With ``zones={node: zone}`` the walk first takes only
nodes whose zone is not yet used, so the N replicas lie in N distinct zones when at least N
zones exist. **When there are fewer zones than N** the first pass stops once every zone holds
one replica, and a second walk from the same start fills the remaining places with the next
distinct nodes clockwise, whatever their zone: every zone has a replica and the list still has
N distinct nodes (the alternative, refusing, would make N impossible to meet on small
clusters). N larger than the number of nodes is an error: N distinct nodes do not exist.

When a node leaves, the keys it replicated get the next distinct node further clockwise
(:func:`replicas_after_leave` shows the before/after lists); the other replicas stay put.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Mapping

from dsworkbook.errors import ConfigError
from dsworkbook.partitioning.ring import HashRing

__all__ = ["preference_list", "ReplicaChange", "replicas_after_leave"]


def _check(ring: HashRing, n: int, zones: Mapping[str, str] | None) -> None:
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"the replication factor must be an integer >= 1, got {n!r}")
    if len(ring) == 0:
        raise ConfigError("the ring is empty: add nodes before asking for a preference list")
    if n > len(ring):
        raise ConfigError(f"replication factor {n} is above the node count {len(ring)}: N distinct "
                          f"nodes do not exist. Use N <= {len(ring)} or add nodes")
    if zones is not None:
        missing = [x for x in ring.nodes if x not in zones]
        if missing:
            raise ConfigError(f"nodes {missing} have no zone; give zones={{node: zone}} for every node")


def preference_list(ring: HashRing, key: object, n: int, *, zones: Mapping[str, str] | None = None) -> list[str]:
    """The ``n`` distinct physical nodes that hold ``key``, coordinator first (Dynamo sec. 4.3)."""
    _check(ring, n, zones)
    ints, owners = ring._ints, ring._owners
    start = bisect_right(ints, ring.position(key))
    walk = [owners[(start + k) % len(ints)] for k in range(len(ints))]
    chosen: list[str] = []
    if zones is not None:
        used: set[str] = set()
        for node in walk:
            if len(chosen) == n:
                break
            if node not in chosen and zones[node] not in used:
                chosen.append(node)
                used.add(zones[node])
    for node in walk:
        if len(chosen) == n:
            break
        if node not in chosen:
            chosen.append(node)
    return chosen


@dataclass(frozen=True)
class ReplicaChange:
    """A key's preference list before and after ``node`` left, and which replicas changed."""

    key: object
    node: str
    before: list[str]
    after: list[str]

    @property
    def dropped(self) -> list[str]:
        return [x for x in self.before if x not in self.after]

    @property
    def added(self) -> list[str]:
        return [x for x in self.after if x not in self.before]


def replicas_after_leave(ring: HashRing, key: object, n: int, node: str, *,
                         zones: Mapping[str, str] | None = None) -> ReplicaChange:
    """What happens to ``key``'s ``n`` replicas when ``node`` leaves ``ring`` (the ring is not changed)."""
    before = preference_list(ring, key, n, zones=zones)
    after_ring = ring.copy()
    after_ring.remove_node(node)
    return ReplicaChange(key, node, before, preference_list(after_ring, key, n, zones=zones))
