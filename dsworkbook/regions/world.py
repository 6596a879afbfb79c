"""The world the theme's experiments run in: regions, the round-trip times between them, clients.

Theory of operation
-------------------
A multi-region lesson is only as honest as its latencies. :data:`RTT_MS` holds measured average
round-trip times between ten AWS regions (ping between EC2 instances, in ms), as tabulated in
"AWS Regions", *A Computer Scientist Learns AWS* (April 2017,
https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html), from the measurements
of "Latency Between AWS Global Regions". The table there has a value for each direction; the two
directions differ by less than 2 ms and are averaged here, rounded to the millisecond. Today's
figures differ a little (CloudPing, https://cloudping.co, publishes live ones); the shape - about
20 ms inside a continent, 70-90 ms across the Atlantic, 150-330 ms to Asia and South America -
is what the lessons need.

A :class:`World` is a set of regions (a subset of the table, or your own with :meth:`World.custom`)
plus client locations (:data:`LOCATIONS`: where users are, each nearest one region). It never
runs anything itself; :meth:`World.wire` gives the links of a :class:`~dsworkbook.sim.Simulation`
their one-way delays (half the RTT, with a little jitter), once the nodes are placed in regions.
Inside one region a message takes 0.5-2 ms (availability zones of one region are a few ms apart
at most).

Bad input - an unknown region, a negative or missing latency, a node placed nowhere - raises
:class:`~dsworkbook.errors.ConfigError` naming what to fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from dsworkbook.errors import ConfigError
from dsworkbook.sim.latency import Uniform

__all__ = ["RTT_MS", "REGION_NAMES", "LOCATIONS", "INTRA_REGION_MS", "World", "rtt", "world"]

#: Average round-trip times in ms between ten AWS regions (both directions averaged; see the module notes).
_TABLE: dict[tuple[str, str], float] = {}
_ROWS = {
    #                 us-east-1 us-west-1 us-west-2 eu-west-1 eu-central-1 ap-ne-1 ap-ne-2 ap-se-1 ap-se-2 sa-east-1
    "us-east-1":      (0, 72, 88, 81, 89, 145, 178, 217, 230, 120),
    "us-west-1":      (72, 0, 19, 153, 167, 103, 132, 174, 158, 193),
    "us-west-2":      (88, 19, 0, 137, 160, 89, 118, 161, 162, 183),
    "eu-west-1":      (81, 153, 137, 0, 20, 212, 242, 239, 310, 191),
    "eu-central-1":   (89, 167, 160, 20, 0, 237, 266, 326, 323, 195),
    "ap-northeast-1": (145, 103, 89, 212, 237, 0, 31, 74, 104, 257),
    "ap-northeast-2": (178, 132, 118, 242, 266, 31, 0, 72, 134, 286),
    "ap-southeast-1": (217, 174, 161, 239, 326, 74, 72, 0, 175, 328),
    "ap-southeast-2": (230, 158, 162, 310, 323, 104, 134, 175, 0, 323),
    "sa-east-1":      (120, 193, 183, 191, 195, 257, 286, 328, 323, 0),
}
REGION_NAMES: tuple[str, ...] = tuple(_ROWS)
for _a, _row in _ROWS.items():
    for _b, _ms in zip(REGION_NAMES, _row):
        _TABLE[(_a, _b)] = float(_ms)
RTT_MS: Mapping[tuple[str, str], float] = _TABLE

#: A message between two nodes of one region takes this many ms (uniform), one way.
INTRA_REGION_MS: tuple[float, float] = (0.5, 2.0)

#: Where clients are: each location's nearest region in the table (its "home" for geolocation
#: routing) and its round-trip time to that region over the internet's last mile.
LOCATIONS: Mapping[str, tuple[str, float]] = {
    "new-york": ("us-east-1", 10.0),
    "san-francisco": ("us-west-1", 8.0),
    "seattle": ("us-west-2", 8.0),
    "dublin": ("eu-west-1", 8.0),
    "berlin": ("eu-central-1", 10.0),
    "tokyo": ("ap-northeast-1", 8.0),
    "seoul": ("ap-northeast-2", 8.0),
    "singapore": ("ap-southeast-1", 8.0),
    "sydney": ("ap-southeast-2", 10.0),
    "sao-paulo": ("sa-east-1", 10.0),
}


def rtt(a: str, b: str) -> float:
    """The round-trip time between regions ``a`` and ``b`` in ms (0 for one region)."""
    for r in (a, b):
        if r not in REGION_NAMES:
            raise ConfigError(f"unknown region {r!r}; the table knows {list(REGION_NAMES)}")
    return RTT_MS[(a, b)]


def _check_ms(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a number of ms, got {value!r}")
    if value < 0:
        raise ConfigError(f"{name} must be >= 0 ms, got {value}; a message cannot arrive before it is sent")
    return float(value)


@dataclass(frozen=True)
class World:
    """Regions with round-trip times between every pair, and client locations.

    >>> w = world("us-east-1", "eu-west-1", "ap-northeast-1")
    >>> w.rtt("us-east-1", "eu-west-1")
    81.0
    """

    regions: tuple[str, ...]
    rtts: Mapping[tuple[str, str], float]
    #: location -> (home region, RTT from the location to its home region)
    locations: Mapping[str, tuple[str, float]]
    #: jitter: each one-way delay is drawn uniformly within +-jitter of half the RTT (a fraction)
    jitter: float = 0.05

    def __post_init__(self) -> None:
        if len(self.regions) < 1:
            raise ConfigError("a world needs at least one region")
        if len(set(self.regions)) != len(self.regions):
            raise ConfigError(f"regions must be distinct, got {list(self.regions)}")
        for a in self.regions:
            for b in self.regions:
                if a != b and (a, b) not in self.rtts:
                    raise ConfigError(f"no round-trip time between {a!r} and {b!r}; give one for every pair")
                if a != b:
                    _check_ms(f"the round-trip time {a} -> {b}", self.rtts[(a, b)])
        if not 0 <= self.jitter < 1:
            raise ConfigError(f"jitter is a fraction in [0, 1), got {self.jitter!r}")

    @classmethod
    def custom(cls, rtts: Mapping[tuple[str, str], float], *, locations: Mapping[str, tuple[str, float]] | None = None,
               jitter: float = 0.05) -> "World":
        """A world of your own: ``rtts`` maps (a, b) to ms for each pair (one direction is enough)."""
        table: dict[tuple[str, str], float] = {}
        names: list[str] = []
        for (a, b), ms in rtts.items():
            ms = _check_ms(f"the round-trip time {a} -> {b}", ms)
            for r in (a, b):
                if r not in names:
                    names.append(r)
            table[(a, b)] = table[(b, a)] = ms
        for r in names:
            table[(r, r)] = 0.0
        return cls(tuple(names), table, dict(locations or {}), jitter)

    def check_region(self, region: str) -> str:
        if region not in self.regions:
            raise ConfigError(f"unknown region {region!r}; this world has {list(self.regions)}")
        return region

    def rtt(self, a: str, b: str) -> float:
        """Round-trip time between two regions of this world, ms."""
        return 0.0 if self.check_region(a) == self.check_region(b) else float(self.rtts[(a, b)])

    def one_way(self, a: str, b: str) -> float:
        """Mean one-way delay between two regions, ms (half the RTT; inside a region, the intra-region mean)."""
        if a == b:
            self.check_region(a)
            return sum(INTRA_REGION_MS) / 2
        return self.rtt(a, b) / 2

    def nearest(self, region: str, among: Iterable[str] | None = None) -> str:
        """The region of ``among`` (default: all others) with the smallest RTT from ``region``; ties by name."""
        choices = [r for r in (self.regions if among is None else among) if r != region]
        if not choices:
            raise ConfigError(f"no other region to choose from {region!r}")
        return min(choices, key=lambda r: (self.rtt(region, r), r))

    def client_rtt(self, location: str, region: str) -> float:
        """RTT from a client location to a region: the last mile to its home region, then region to region."""
        if location not in self.locations:
            raise ConfigError(f"unknown location {location!r}; this world has {list(self.locations)}")
        home, last_mile = self.locations[location]
        self.check_region(region)
        if home in self.regions:
            return last_mile + self.rtt(home, region)
        if (home, region) in RTT_MS:
            return last_mile + RTT_MS[(home, region)]
        raise ConfigError(f"location {location!r} is homed in {home!r}, which has no round-trip time to {region!r}")

    def wire(self, sim: "object", placement: Mapping[str, str]) -> None:
        """Set every link between the placed nodes of ``sim`` to its regions' one-way delay.

        ``placement`` maps node id -> region. Links inside a region draw from
        :data:`INTRA_REGION_MS`; links between regions draw uniformly within ``jitter`` of half
        the RTT. Every node of ``sim`` must be placed.
        """
        nodes = list(getattr(sim, "node_ids"))
        missing = [n for n in nodes if n not in placement]
        if missing:
            raise ConfigError(f"nodes {missing} are in no region; give placement[node] = region for each")
        for node, region in placement.items():
            self.check_region(region)
        net = getattr(sim, "net")
        for a in nodes:
            for b in nodes:
                if a == b:
                    continue
                ra, rb = placement[a], placement[b]
                if ra == rb:
                    net.set_link(a, b, latency=Uniform(*INTRA_REGION_MS))
                else:
                    half = self.rtt(ra, rb) / 2
                    net.set_link(a, b, latency=Uniform(half * (1 - self.jitter), half * (1 + self.jitter)))


def world(*regions: str, jitter: float = 0.05) -> World:
    """A world of some regions of the table (all ten when none are named), with the locations they serve.

    A location whose home region is left out is still a client: it reaches any region over its
    home region's links (so Dublin's users, in a world without eu-west-1, pay Dublin -> Ireland
    -> the region they use).
    """
    names = tuple(regions) or REGION_NAMES
    for r in names:
        if r not in REGION_NAMES:
            raise ConfigError(f"unknown region {r!r}; the table knows {list(REGION_NAMES)} "
                              "(or build your own with World.custom({(a, b): rtt_ms, ...}))")
    table = {(a, b): RTT_MS[(a, b)] for a in names for b in names}
    return World(names, table, dict(LOCATIONS), jitter)
