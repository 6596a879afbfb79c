"""Health checks and DNS failover on the simulator: how long clients keep failing after a region fails.

Theory of operation
-------------------
The pieces follow Route 53's DNS failover (Amazon Route 53 Developer Guide, "How Amazon Route 53
determines whether a health check is healthy"): health checkers send a request to each endpoint
every *request interval* (Route 53 offers 10 or 30 s), and an endpoint changes status - healthy
to unhealthy or back - only after *failure threshold* consecutive checks (1 to 10) agree. The
Route 53 probes from checkers in several locations; one checker does here. The
DNS service answers queries by a routing policy (:mod:`dsworkbook.regions.routing`) over the
endpoints it believes healthy, and resolvers cache each answer for its TTL. Times here are ms of
virtual time, and the defaults are small (checks every 200 ms, TTL 500 ms) so a run takes a few
virtual seconds; the relation between the numbers, not their scale, is the lesson.

Nodes, placed in regions with :meth:`World.wire` (so every link has the measured RTT):

* ``region/<name>`` (:class:`RegionServer`): answers requests and health probes. After
  :func:`dns_failover_run` fails it, it answers both with an error (a load balancer whose targets
  are gone); it does not fall silent, so errors are seen one round trip after a request.
* ``dns`` (:class:`DnsService`): the authority and the health checker in one node. It probes
  every region each ``interval`` ms (starting at a random phase) and keeps one
  :class:`HealthStatus` per region; it answers :class:`Resolve` with the policy's choice.
* ``client/<k>`` (:class:`DnsClient`): joins at a random time within its first ``ttl`` ms (so
  cached answers expire at spread-out times, as real resolvers' do), then sends a request every ``period`` ms
  to the region its resolver cached; when the cache is empty or older than ``ttl`` ms it asks
  ``dns`` first and holds its requests until the answer comes.

The bound (derived in :func:`recovery_bound`): a client that fails recovers at the latest
``interval * threshold + ttl + period + R`` ms after the failure, ``R`` being the round trips
and one-way delays on the way (probe reply, answer delivery, a fresh resolve, the first request
to the new region). Detection takes up to ``interval * threshold``; an answer given just before
detection may be cached ``ttl`` more; the next request comes within ``period``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.regions.routing import POLICIES, Client, Endpoint, HealthStatus, choose
from dsworkbook.regions.world import INTRA_REGION_MS, World, world as make_world
from dsworkbook.sim import Node, Simulation

__all__ = ["Probe", "ProbeReply", "Resolve", "Answer", "Get", "Reply", "RegionServer",
           "DnsService", "DnsClient", "DnsFailoverConfig", "DnsFailoverRun", "dns_failover_sim", "dns_failover_run",
           "recovery_bound", "dns_failover_sweep", "DEFAULT_REGIONS", "DEFAULT_LOCATIONS"]

DEFAULT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1")
#: ten clients, at locations homed in the default regions; four in Dublin, whose region the default run fails
DEFAULT_LOCATIONS = ("dublin", "dublin", "dublin", "dublin", "berlin", "berlin", "new-york", "new-york", "seattle",
                     "tokyo")


# -- messages -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Probe:
    """A health check's request."""
    seq: int


@dataclass(frozen=True, slots=True)
class ProbeReply:
    seq: int
    ok: bool


@dataclass(frozen=True, slots=True)
class Resolve:
    """A resolver's query, naming where the client is (the DNS service routes by it)."""
    location: str


@dataclass(frozen=True, slots=True)
class Answer:
    region: str | None


@dataclass(frozen=True, slots=True)
class Get:
    """A client's request to a region."""
    req: int


@dataclass(frozen=True, slots=True)
class Reply:
    req: int
    ok: bool
    region: str


# -- nodes ------------------------------------------------------------------------------------------


class RegionServer(Node):
    """A region's front door: answers requests and probes, with errors once it has failed."""

    def __init__(self, node_id: str, *, region: str) -> None:
        super().__init__(node_id)
        self.region, self.failed = region, False

    def on_message(self, src: str, msg: Any) -> None:
        if type(msg) is Get:
            self.send(src, Reply(msg.req, not self.failed, self.region))
        elif type(msg) is Probe:
            self.send(src, ProbeReply(msg.seq, not self.failed))


class DnsService(Node):
    """Health checker and authoritative DNS: probes every region, answers by the policy over the healthy ones."""

    def __init__(self, node_id: str, *, world: World, policy: str, interval: float, threshold: int,
                 weights: Mapping[str, float]) -> None:
        super().__init__(node_id)
        self.world, self.policy, self.interval = world, policy, interval
        self.status = {r: HealthStatus(threshold) for r in world.regions}
        self.weights = weights
        self.seq = 0
        #: (time, region, healthy) at every change of status: what the widget and the figures read
        self.flips: list[tuple[float, str, bool]] = []
        self.clients = {loc: Client(home, {r: world.client_rtt(loc, r) for r in world.regions})
                        for loc, (home, _m) in world.locations.items()
                        if home in world.regions}

    def on_start(self) -> None:
        self.set_timer("probe", self.rng.uniform(0, self.interval))

    def on_timer(self, name: Any) -> None:
        self.seq += 1
        for r in self.world.regions:
            self.send(f"region/{r}", Probe(self.seq))
        self.set_timer("probe", self.interval)

    def on_message(self, src: str, msg: Any) -> None:
        if type(msg) is ProbeReply:
            region = src.split("/", 1)[1]
            if self.status[region].observe(msg.ok):
                self.flips.append((self.now(), region, msg.ok))
                self.note(region=region, healthy=msg.ok)
        elif type(msg) is Resolve:
            eps = [Endpoint(r, self.status[r].healthy, self.weights.get(r, 1.0)) for r in self.world.regions]
            u = self.rng.random() if self.policy == "weighted" else 0.0
            self.send(src, Answer(choose(self.policy, self.clients[msg.location], eps, u)))


class DnsClient(Node):
    """A client with its own caching resolver; writes each request's (sent, done, region, ok) to ``log``."""

    def __init__(self, node_id: str, *, location: str, period: float, ttl: float, log: list) -> None:
        super().__init__(node_id)
        self.location, self.period, self.ttl, self.log = location, period, ttl, log
        self.cached: str | None = None
        self.expires = -math.inf
        self.resolving = False
        self.waiting: list[float] = []
        self.sent: dict[int, tuple[float, str]] = {}
        self.req = 0

    def on_start(self) -> None:
        # clients join at random times over one TTL, so their cached answers expire at spread-out times
        self.set_timer("tick", self.rng.uniform(0, self.ttl))

    def on_timer(self, name: Any) -> None:
        self.set_timer("tick", self.period)
        now = self.now()
        if self.cached is not None and now < self.expires:
            self._get(now, self.cached)
            return
        self.waiting.append(now)
        if not self.resolving:
            self.resolving = True
            self.send("dns", Resolve(self.location))

    def _get(self, t: float, region: str) -> None:
        self.req += 1
        self.sent[self.req] = (t, region)
        self.send(f"region/{region}", Get(self.req))

    def on_message(self, src: str, msg: Any) -> None:
        if type(msg) is Reply:
            t, region = self.sent.pop(msg.req)
            self.log.append((self.id, t, self.now(), region, msg.ok))
        elif type(msg) is Answer:
            self.resolving = False
            self.cached, self.expires = msg.region, self.now() + self.ttl
            waiting, self.waiting = self.waiting, []
            for t in waiting:
                if msg.region is None:  # no healthy region: the request fails at once
                    self.log.append((self.id, t, self.now(), None, False))
                else:
                    self._get(t, msg.region)


# -- configuration and the run -----------------------------------------------------------------------


def _positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")


@dataclass(frozen=True)
class DnsFailoverConfig:
    """What one failover run does (all times in ms of virtual time)."""

    interval: float = 200.0
    threshold: int = 3
    ttl: float = 500.0
    period: float = 50.0
    policy: str = "latency"
    regions: tuple[str, ...] = DEFAULT_REGIONS
    locations: tuple[str, ...] = DEFAULT_LOCATIONS
    fail: str = "eu-west-1"
    fail_at: float = 2000.0
    dns_region: str = "us-east-1"
    weights: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.ttl, bool) or not isinstance(self.ttl, (int, float)) or not self.ttl > 0:
            raise ConfigError(f"ttl must be > 0 ms, got {self.ttl!r}: a resolver caches an answer for ttl ms, "
                              "and a TTL of 0 or less would mean asking the DNS service before every request")
        _positive("interval", self.interval)
        _positive("period", self.period)
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or self.threshold < 1:
            raise ConfigError(f"threshold must be a whole number of probes >= 1, got {self.threshold!r}")
        if self.policy not in POLICIES:
            raise ConfigError(f"unknown routing policy {self.policy!r}; choose one of {list(POLICIES)}")
        if self.fail not in self.regions or self.dns_region not in self.regions:
            raise ConfigError(f"fail={self.fail!r} and dns_region={self.dns_region!r} must be among the regions "
                              f"{list(self.regions)}")
        if not isinstance(self.fail_at, (int, float)) or self.fail_at < 0:
            raise ConfigError(f"fail_at must be a time >= 0 ms, got {self.fail_at!r}")
        if not self.locations:
            raise ConfigError("a run needs at least one client location")

    def world(self) -> World:
        return make_world(*self.regions, jitter=0.05)


def recovery_bound(cfg: DnsFailoverConfig, location: str, to: str, w: World | None = None) -> float:
    """The latest a client at ``location`` that fails can have a success again from region ``to``, ms after the failure.

    Derivation: probes leave ``dns`` every I ms. Let p be the first whose arrival at the failed
    region F is at or after the failure; the one before arrived before it, so p's arrival is
    within I (plus the spread of one-way delays) of the failure. T failed probes later, the
    last reply reaches ``dns``: detection D <= I*T + rtt(dns, F) (rtt covers a reply leg and
    the spread). Any answer naming F left ``dns`` before D; it reaches the client one way later
    and is cached ``ttl``; the client's next tick comes within ``period``; then a resolve round
    trip to ``dns`` and a request round trip to ``to``. Links inside a region take at most the
    intra-region maximum each way; links between regions at most (1 + jitter) half their RTT.
    """
    w = w or cfg.world()
    home = w.locations[location][0]

    def rtt(a: str, b: str) -> float:
        return 2 * INTRA_REGION_MS[1] if a == b else w.rtt(a, b) * (1 + w.jitter)

    detect = cfg.interval * cfg.threshold + rtt(cfg.dns_region, cfg.fail)
    return (detect + rtt(cfg.dns_region, home) / 2 + cfg.ttl + cfg.period + rtt(home, cfg.dns_region)
            + rtt(home, to))


@dataclass
class DnsFailoverRun:
    """What a failover run measured. Times are ms after the failure unless named ``_at``."""

    config: DnsFailoverConfig
    seed: int
    detected_at: float | None
    #: one row per client: location, errors, recovery (first success after its first error), last error,
    #: the region it ended on, and its bound
    clients: list[dict[str, Any]]
    #: every request: (client, sent, done, region or None, ok)
    requests: list[tuple[str, float, float, str | None, bool]]

    @property
    def affected(self) -> list[dict[str, Any]]:
        return [c for c in self.clients if c["errors"]]

    @property
    def recovery(self) -> float:
        """Until every client that saw an error had a success after it (0 when none saw one)."""
        return max((c["recovery"] for c in self.affected), default=0.0)

    @property
    def last_error(self) -> float:
        return max((c["last_error"] for c in self.affected), default=0.0)

    @property
    def errors(self) -> int:
        return sum(c["errors"] for c in self.clients)

    @property
    def bound(self) -> float:
        return max((c["bound"] for c in self.affected), default=0.0)

    @property
    def detect(self) -> float | None:
        return None if self.detected_at is None else self.detected_at - self.config.fail_at

    def client_table(self) -> "Any":
        """The per-client figures as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.clients)

    def traffic(self, bin_ms: float = 100.0) -> "Any":
        """Requests served (answered ok) by each region per ``bin_ms`` of time, as a DataFrame (rows: bin start)."""
        import pandas as pd

        _positive("bin_ms", bin_ms)
        rows = [(math.floor(done / bin_ms) * bin_ms, region) for _c, _s, done, region, ok in self.requests if ok]
        df = pd.DataFrame(rows, columns=["t", "region"])
        table = df.groupby(["t", "region"]).size().unstack(fill_value=0) if rows else pd.DataFrame()
        return table.reindex(columns=list(self.config.regions), fill_value=0)


def dns_failover_sim(cfg: DnsFailoverConfig, seed: int, log: list, *, trace: bool = False) -> Simulation:
    """The run's simulation, wired and ready (the failure not yet scheduled)."""
    w = cfg.world()
    for loc in cfg.locations:
        if loc not in w.locations or w.locations[loc][0] not in w.regions:
            homed = [l for l, (h, _m) in w.locations.items() if h in w.regions]
            raise ConfigError(f"client location {loc!r} is not homed in one of the regions {list(w.regions)}; "
                              f"choose among {homed}")
    sim = Simulation(seed, trace=trace)
    placement: dict[str, str] = {}
    for r in w.regions:
        sim.add_node(f"region/{r}", RegionServer, region=r)
        placement[f"region/{r}"] = r
    sim.add_node("dns", DnsService, world=w, policy=cfg.policy, interval=cfg.interval, threshold=cfg.threshold,
                 weights=dict(cfg.weights))
    placement["dns"] = cfg.dns_region
    for k, loc in enumerate(cfg.locations):
        sim.add_node(f"client/{k}", DnsClient, location=loc, period=cfg.period, ttl=cfg.ttl, log=log)
        placement[f"client/{k}"] = w.locations[loc][0]
    w.wire(sim, placement)
    return sim


def _fail(sim: Simulation, region: str) -> None:
    sim.node(f"region/{region}").failed = True  # type: ignore[attr-defined]
    sim.trace.add(sim.now, "fault", f"region/{region}", None, None, "region fails: errors from now on")


def dns_failover_run(cfg: DnsFailoverConfig | None = None, *, seed: int = 1, until: float | None = None,
                 trace: bool = False, **changes: Any) -> DnsFailoverRun:
    """Fail ``cfg.fail`` at ``cfg.fail_at`` and measure every client's errors and recovery.

    ``changes`` override fields of the default configuration (``dns_failover_run(ttl=100)``). The
    run lasts until every client could have recovered (the largest bound) plus 500 ms, unless
    ``until`` says otherwise.
    """
    cfg = DnsFailoverConfig(**changes) if cfg is None else replace(cfg, **changes)
    log: list = []
    sim = dns_failover_sim(cfg, seed, log, trace=trace)
    w = cfg.world()
    sim.at(cfg.fail_at, _fail, sim, cfg.fail)
    worst = max(recovery_bound(cfg, loc, r, w) for loc in set(cfg.locations) for r in cfg.regions)
    sim.run(until=cfg.fail_at + worst + 500.0 if until is None else until)
    flips = sim.node("dns").flips  # type: ignore[attr-defined]
    detected = [t for t, r, healthy in flips if r == cfg.fail and not healthy and t >= cfg.fail_at]
    return _measure(cfg, seed, w, log, detected[0] if detected else None)


def _measure(cfg: DnsFailoverConfig, seed: int, w: World, log: list, detected_at: float | None) -> DnsFailoverRun:
    by_client: dict[str, list] = {f"client/{k}": [] for k in range(len(cfg.locations))}
    for row in log:
        by_client[row[0]].append(row)
    rows = []
    for k, loc in enumerate(cfg.locations):
        done = sorted(by_client[f"client/{k}"], key=lambda r: r[2])
        errs = [r for r in done if not r[4] and r[2] >= cfg.fail_at]
        rec = last = 0.0
        ended = next((r[3] for r in reversed(done) if r[4]), None)
        if errs:
            first_err = errs[0][2]
            ok_after = [r for r in done if r[4] and r[2] > first_err]
            rec = (ok_after[0][2] if ok_after else math.inf) - cfg.fail_at
            last = errs[-1][2] - cfg.fail_at
        rows.append({"client": f"client/{k}", "location": loc, "errors": len(errs), "recovery": rec,
                     "last_error": last, "region": ended,
                     "bound": recovery_bound(cfg, loc, ended, w) if ended else math.inf})
    return DnsFailoverRun(cfg, seed, detected_at, rows, log)


def dns_failover_sweep(intervals: Sequence[float] = (100.0, 200.0, 400.0), thresholds: Sequence[int] = (1, 3),
                   ttls: Sequence[float] = (100.0, 500.0, 1000.0), *, seed: int = 1, **changes: Any) -> "Any":
    """Recovery against check interval x failure threshold x TTL: one failover run per row, as a DataFrame.

    Columns: the three settings, ``detect`` (failure to the DNS marking the region unhealthy),
    ``recovery`` and ``last_error`` (the worst client's), ``errors`` (all clients), ``bound``
    (:func:`recovery_bound`, the worst affected client's) and ``ratio`` = recovery / bound.
    """
    import pandas as pd

    rows = []
    for interval in intervals:
        for threshold in thresholds:
            for ttl in ttls:
                run = dns_failover_run(seed=seed, interval=interval, threshold=threshold, ttl=ttl, **changes)
                rows.append({"interval": interval, "threshold": threshold, "ttl": ttl, "detect": run.detect,
                             "recovery": run.recovery, "last_error": run.last_error, "errors": run.errors,
                             "bound": run.bound, "ratio": run.recovery / run.bound if run.bound else 0.0})
    return pd.DataFrame(rows)
