"""Routing policies: which region answers a client, as a DNS service with health checks decides it.

Theory of operation
-------------------
A DNS routing policy turns one name into one region's address, per query. The four policies
here are modelled on the routing policies of the Amazon Route 53 Developer Guide ("Choosing a
routing policy": latency-based, geolocation, weighted and failover routing), reduced to what a
lesson needs. Each works on a list of :class:`Endpoint` records (a region's name, whether its
health check passes, its weight) and a :class:`Client` (its home region for geolocation and its
round-trip time to each region), and only **healthy** endpoints are ever answered:

* ``latency``: the healthy region with the smallest round-trip time from the client; ties go to
  the region whose name sorts first (never to list order, so the answer does not depend on how
  the list happened to be built).
* ``geolocation``: the client's home region when it is listed and healthy; otherwise the healthy
  region nearest the client by round-trip time (ties by name) - never simply the first region of
  the list, which may be on another continent. (Route 53 itself falls back to a record for a
  larger area or a default record; nearest-healthy is this workbook's rule.)
* ``weighted``: each healthy region with probability weight / (sum of the healthy weights). A
  uniform number ``u`` in [0, 1) is mapped onto the cumulative healthy weights in list order with
  a half-open rule: region ``i`` is chosen when ``cum[i-1] <= u * total < cum[i]``. So a region of
  weight 0 is never chosen, ``u = 0`` picks the first region of positive weight, and ``u`` just
  below 1 the last one. A negative weight, or healthy weights that total 0, raise
  :class:`~dsworkbook.errors.ConfigError`. (Route 53 answers with zero-weight records once every
  record of positive weight is unhealthy - Developer Guide, "Health checks and weighted routing";
  here weight 0 means *never*, and an all-zero choice is an error to fix.)
* ``failover``: the first endpoint of the list is the primary, the second the secondary
  (active-passive failover): the primary while it is healthy, else the secondary while it is.

When no endpoint the policy may answer with is healthy, :func:`choose` returns **None** (a DNS
"no answer"): the caller decides whether that is an outage or a retry. An unknown policy, a
repeated region, a missing round-trip time or a ``u`` outside [0, 1) raise ConfigError.

:func:`route` applies a policy for a client location of a :class:`~dsworkbook.regions.world.World`
(round-trip times from :meth:`World.client_rtt`, home region from :data:`LOCATIONS`);
:func:`route_table` routes every location at once (what the widget draws).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.world import World

__all__ = ["POLICIES", "Endpoint", "Client", "HealthStatus", "choose", "client_of", "endpoints", "route", "route_table"]

#: The routing policies :func:`choose` knows.
POLICIES: tuple[str, ...] = ("latency", "geolocation", "weighted", "failover")


@dataclass(frozen=True)
class Endpoint:
    """One region's record: its name, whether its health check passes, and its weight (weighted routing)."""

    name: str
    healthy: bool = True
    weight: float = 1.0


@dataclass(frozen=True)
class Client:
    """Who asks: the home region geolocation maps the client to, and its RTT (ms) to each region."""

    home: str
    rtt: Mapping[str, float] = field(default_factory=dict)


class HealthStatus:
    """One endpoint's health as a checker sees it: it flips only after ``threshold`` consecutive probes disagree.

    Route 53's *failure threshold* (1-10) is "the number of consecutive health checks that an
    endpoint must pass or fail" to change its status, in both directions (Route 53 Developer Guide,
    "How Amazon Route 53 determines whether a health check is healthy"; API Reference,
    ``HealthCheckConfig.FailureThreshold``): one failed request is not enough.
    """

    __slots__ = ("threshold", "healthy", "streak")

    def __init__(self, threshold: int, healthy: bool = True) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise ConfigError(f"threshold must be a whole number of probes >= 1, got {threshold!r}")
        self.threshold, self.healthy, self.streak = threshold, healthy, 0

    def observe(self, ok: bool) -> bool:
        """Record one probe's result; True when the status flipped on it."""
        if ok == self.healthy:
            self.streak = 0
            return False
        self.streak += 1
        if self.streak >= self.threshold:
            self.healthy, self.streak = ok, 0
            return True
        return False


def _check_weights(regions: Sequence[Endpoint]) -> None:
    for e in regions:
        w = e.weight
        if isinstance(w, bool) or not isinstance(w, (int, float)) or math.isnan(w) or math.isinf(w):
            raise ConfigError(f"the weight of {e.name!r} must be a finite number, got {w!r}")
        if w < 0:
            raise ConfigError(f"the weight of {e.name!r} is {w}; weights are >= 0 (0 means: send it nothing)")


def _rtt(client: Client, name: str) -> float:
    try:
        return float(client.rtt[name])
    except KeyError:
        raise ConfigError(f"the client has no round-trip time to {name!r}; give client.rtt[{name!r}]") from None


def _nearest(client: Client, healthy: Sequence[Endpoint]) -> str:
    return min(healthy, key=lambda e: (_rtt(client, e.name), e.name)).name


def _weighted(healthy: Sequence[Endpoint], u: float) -> str:
    total = sum(e.weight for e in healthy)
    if total <= 0:
        raise ConfigError(f"the healthy regions' weights total {total}: nothing can be chosen; give at least one "
                          f"healthy region a positive weight ({[(e.name, e.weight) for e in healthy]})")
    x = u * total
    cum = 0.0
    for e in healthy:
        cum += e.weight
        if x < cum:  # cum[i-1] <= x holds: the earlier regions did not take x
            return e.name
    # u * total rounded up to total (u a hair below 1): the last region of positive weight
    return [e for e in healthy if e.weight > 0][-1].name


def choose(policy: str, client: Client, regions: Sequence[Endpoint], u: float = 0.0) -> str | None:
    """The region ``policy`` answers for ``client`` among ``regions``, or None when none is healthy.

    ``u`` (in [0, 1)) is the uniform draw of the weighted policy; the others ignore it. Why
    pass it in rather than draw it here: the same ``u`` always gives the same region, so a
    check (or a reader) can walk the boundaries ``u = cum[i] / total`` one by one.
    """
    if policy not in POLICIES:
        raise ConfigError(f"unknown routing policy {policy!r}; choose one of {list(POLICIES)}")
    names = [e.name for e in regions]
    if len(set(names)) != len(names):
        raise ConfigError(f"a region is listed twice in {names}; give each region one endpoint")
    if policy == "failover":
        for e in regions[:2]:  # the primary, then the secondary
            if e.healthy:
                return e.name
        return None
    if policy == "weighted":
        _check_weights(regions)
        if isinstance(u, bool) or not isinstance(u, (int, float)) or not 0.0 <= u < 1.0:
            raise ConfigError(f"u must be a number in [0, 1), got {u!r}")
    healthy = [e for e in regions if e.healthy]
    if not healthy:
        return None
    if policy == "latency":
        return _nearest(client, healthy)
    if policy == "geolocation":
        if any(e.name == client.home for e in healthy):
            return client.home
        return _nearest(client, healthy)
    return _weighted(healthy, u)


def client_of(world: World, location: str) -> Client:
    """The :class:`Client` of a location of ``world``: its home region and its RTT to every region of the world."""
    if location not in world.locations:
        raise ConfigError(f"unknown location {location!r}; this world has {list(world.locations)}")
    home = world.locations[location][0]
    return Client(home, {r: world.client_rtt(location, r) for r in world.regions})


def endpoints(world: World, *, down: Sequence[str] = (), weights: Mapping[str, float] | None = None
              ) -> list[Endpoint]:
    """One endpoint per region of ``world`` (in the world's order): healthy unless in ``down``, weight 1 unless given."""
    for r in list(down) + list(weights or {}):
        world.check_region(r)
    w = weights or {}
    return [Endpoint(r, r not in down, w.get(r, 1.0)) for r in world.regions]


def route(world: World, policy: str, location: str, regions: Sequence[Endpoint] | None = None, *,
          u: float | None = None, rng: random.Random | None = None) -> str | None:
    """The region ``policy`` sends a client at ``location`` to (None: no healthy region).

    ``regions`` defaults to every region of the world, healthy, weight 1. The weighted policy
    needs ``u`` in [0, 1) or a seeded ``rng`` to draw it from (never the global ``random``).
    """
    eps = endpoints(world) if regions is None else list(regions)
    for e in eps:
        world.check_region(e.name)
    if policy == "weighted" and u is None:
        if rng is None:
            raise ConfigError("the weighted policy needs u in [0, 1) or rng=random.Random(seed) to draw it")
        u = rng.random()
    return choose(policy, client_of(world, location), eps, 0.0 if u is None else u)


def route_table(world: World, policy: str, regions: Sequence[Endpoint] | None = None, *,
                seed: int = 0) -> dict[str, str | None]:
    """Every location's region under ``policy`` (weighted: one draw per location from ``Random(seed)``)."""
    rng = random.Random(seed)
    return {loc: route(world, policy, loc, regions, rng=rng) for loc in world.locations}
