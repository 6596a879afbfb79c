"""SWIM-style membership: probing with indirect pings, suspicion, and infection-style dissemination.

Theory of operation
-------------------
Das, Gupta & Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group
Membership Protocol", DSN 2002. Every member runs the same loop, once per protocol period ``T``
(section 3.1):

1. pick the next target from a shuffled round-robin list of the members it knows (section 4.3:
   every member is probed within a bounded time), send it a :class:`Ping`;
2. if no :class:`Ack` comes within ``ping_timeout``, ask ``k`` other members to probe it for
   us with a :class:`PingReq`; they ping the target and relay its ack;
3. if by the end of the period no ack came, directly or indirectly, the target becomes
   **suspect** (section 4.2), not dead: a suspected member that hears of it refutes it by
   raising its *incarnation number* and spreading ``alive``; a suspicion not refuted within
   ``suspicion_periods`` periods is **confirmed** and the member is removed.

Membership changes (``alive`` / ``suspect`` / ``dead`` with an incarnation) are not broadcast:
they ride on the pings, ping-reqs and acks that flow anyway, "piggybacked" (section 4.1), each
update at most ``lambda_ * log2(n)`` times, freshest first. An update reaches everyone the way an
epidemic does, in O(log n) protocol periods - :func:`dissemination_table` measures it against
cluster size. Precedence between updates about one member follows section 4.2: ``dead`` wins;
otherwise the higher incarnation wins, and at equal incarnation ``suspect`` beats ``alive``.

A new member joins through any existing one (:class:`Join`), which answers with its member list
and spreads ``alive`` for the newcomer.

Broken variant ``no_refute`` (:data:`VARIANTS`): a suspected member does not raise its
incarnation, so on a lossy network a live member is confirmed dead - what the suspicion
mechanism exists to prevent (section 4.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation
from dsworkbook.sim.latency import LatencySpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SwimConfig", "VARIANTS", "Update", "Ping", "Ack", "PingReq", "Join", "JoinAck", "SwimNode",
           "swim_sim", "member_ids", "wrongly_dead", "dissemination", "dissemination_table"]

VARIANTS: dict[str, str] = {
    "correct": "SWIM with suspicion and refutation by incarnation number (section 4.2)",
    "no_refute": "a suspected member never refutes: lost pings on a lossy network get live members confirmed dead",
}
ALIVE, SUSPECT, DEAD = "alive", "suspect", "dead"
_RANK = {ALIVE: 0, SUSPECT: 1}


@dataclass(frozen=True)
class SwimConfig:
    """Protocol period, ping timeout, ``k`` indirect probes, suspicion length, piggyback limits."""

    period: float = 100.0
    ping_timeout: float = 30.0
    k: int = 3
    suspicion_periods: int = 5
    lambda_: float = 3.0
    max_piggyback: int = 8
    variant: str = "correct"

    def __post_init__(self) -> None:
        for name in ("period", "ping_timeout", "lambda_"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ConfigError(f"SwimConfig.{name} must be > 0, got {v!r}")
        if self.ping_timeout >= self.period:
            raise ConfigError(f"ping_timeout ({self.ping_timeout}) must be shorter than the period ({self.period}): "
                              "the indirect probes need the rest of the period")
        for name in ("k", "suspicion_periods", "max_piggyback"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if name == "k" else 1):
                raise ConfigError(f"SwimConfig.{name} must be an int >= {0 if name == 'k' else 1}, got {v!r}")
        if self.variant not in VARIANTS:
            raise ConfigError(f"unknown SWIM variant {self.variant!r}; choose one of {list(VARIANTS)}")


@dataclass(frozen=True, slots=True)
class Update:
    """What one member is now: ``alive``, ``suspect`` or ``dead``, at ``incarnation``."""

    kind: str
    member: str
    incarnation: int


@dataclass(frozen=True, slots=True)
class Ping:
    seq: int
    updates: tuple[Update, ...] = ()


@dataclass(frozen=True, slots=True)
class Ack:
    seq: int
    target: str
    updates: tuple[Update, ...] = ()


@dataclass(frozen=True, slots=True)
class PingReq:
    seq: int
    target: str
    updates: tuple[Update, ...] = ()


@dataclass(frozen=True, slots=True)
class Join:
    member: str


@dataclass(frozen=True, slots=True)
class JoinAck:
    members: tuple[Update, ...]


def _newer(new: Update, old: tuple[str, int] | None) -> bool:
    """Does ``new`` override what is known (section 4.2's precedence)?"""
    if old is None:
        return True
    kind, inc = old
    if kind == DEAD:
        return False
    if new.kind == DEAD:
        return True
    return new.incarnation > inc or (new.incarnation == inc and _RANK[new.kind] > _RANK[kind])


class SwimNode(Node):
    """One SWIM member. ``members`` is who it knows at start; ``join_via`` makes it join through that member."""

    def __init__(self, node_id: str, *, members: Sequence[str] = (), config: SwimConfig = SwimConfig(),
                 join_via: str | None = None) -> None:
        super().__init__(node_id)
        self.config = config
        self.join_via = join_via
        self.incarnation = 0
        self.view: dict[str, tuple[str, int]] = {m: (ALIVE, 0) for m in members}
        self.view[node_id] = (ALIVE, 0)
        self.queue: dict[str, list[Any]] = {}  # member -> [update, sends left]
        self.order: list[str] = []
        self.seq = 0
        self.probe: tuple[int, str, bool] | None = None  # (seq, target, acked)
        self.relays: dict[int, tuple[str, int]] = {}  # my seq -> (asker, their seq)

    # -- dissemination (section 4.1) ---------------------------------------------------------------

    def _limit(self) -> int:
        return max(1, math.ceil(self.config.lambda_ * math.log2(max(len(self.view), 2))))

    def _gossip(self, update: Update) -> None:
        self.queue[update.member] = [update, self._limit()]

    def _piggyback(self) -> tuple[Update, ...]:
        ranked = sorted(self.queue.items(), key=lambda kv: (-kv[1][1], kv[0]))[:self.config.max_piggyback]
        out = []
        for member, entry in ranked:
            out.append(entry[0])
            entry[1] -= 1
            if entry[1] <= 0:
                del self.queue[member]
        return tuple(out)

    def _apply(self, updates: tuple[Update, ...]) -> None:
        for u in updates:
            if u.member == self.id:
                if u.kind == SUSPECT and u.incarnation >= self.incarnation and self.config.variant != "no_refute":
                    self.incarnation = u.incarnation + 1  # refute (section 4.2)
                    self.view[self.id] = (ALIVE, self.incarnation)
                    self._gossip(Update(ALIVE, self.id, self.incarnation))
                continue
            if not _newer(u, self.view.get(u.member)):
                continue
            self.view[u.member] = (u.kind, u.incarnation)
            self.note(learned=u.member, status=u.kind, incarnation=u.incarnation)
            self._gossip(u)
            if u.kind == SUSPECT:
                self.set_timer(("confirm", u.member, u.incarnation),
                               self.config.suspicion_periods * self.config.period)

    # -- probing (sections 3.1, 4.3) ---------------------------------------------------------------

    def _alive_others(self, exclude: tuple[str, ...] = ()) -> list[str]:
        return sorted(m for m, (kind, _) in self.view.items() if kind != DEAD and m != self.id and m not in exclude)

    def on_start(self) -> None:
        if self.join_via is not None:
            self.send(self.join_via, Join(self.id))
        self.set_timer("period", self.rng.uniform(0, self.config.period))

    def on_timer(self, name: Any) -> None:
        if name == "period":
            self._end_probe()
            self._start_probe()
            self.set_timer("period", self.config.period)
        elif name == "indirect":
            self._indirect()
        elif isinstance(name, tuple) and name[0] == "confirm":
            _, member, inc = name
            if self.view.get(member) == (SUSPECT, inc):
                self._apply((Update(DEAD, member, inc),))

    def _end_probe(self) -> None:
        if self.probe is not None and not self.probe[2]:
            target = self.probe[1]
            state = self.view.get(target)
            if state is not None and state[0] == ALIVE:
                self._apply((Update(SUSPECT, target, state[1]),))
        self.probe = None

    def _start_probe(self) -> None:
        candidates = self._alive_others()
        self.order = [m for m in self.order if m in candidates]
        if not self.order:
            self.order = candidates[:]
            self.rng.shuffle(self.order)
        if not self.order:
            return
        target = self.order.pop(0)
        self.seq += 1
        self.probe = (self.seq, target, False)
        self.send(target, Ping(self.seq, self._piggyback()))
        self.set_timer("indirect", self.config.ping_timeout)

    def _indirect(self) -> None:
        if self.probe is None or self.probe[2]:
            return
        seq, target, _ = self.probe
        others = self._alive_others((target,))
        for helper in self.rng.sample(others, min(self.config.k, len(others))):
            self.send(helper, PingReq(seq, target, self._piggyback()))

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Join):
            self._apply((Update(ALIVE, msg.member, 0),))
            self.send(src, JoinAck(tuple(Update(k, m, i) for m, (k, i) in sorted(self.view.items()))))
            return
        if isinstance(msg, JoinAck):
            self._apply(msg.members)
            return
        self._apply(msg.updates)
        if isinstance(msg, Ping):
            self.send(src, Ack(msg.seq, self.id, self._piggyback()))
        elif isinstance(msg, PingReq):
            self.seq += 1
            self.relays[self.seq] = (src, msg.seq)
            self.send(msg.target, Ping(self.seq, self._piggyback()))
        elif isinstance(msg, Ack):
            relay = self.relays.pop(msg.seq, None)
            if relay is not None:
                self.send(relay[0], Ack(relay[1], msg.target, self._piggyback()))
            elif self.probe is not None and self.probe[0] == msg.seq and self.probe[1] == msg.target:
                self.probe = (msg.seq, msg.target, True)


# -- experiments -----------------------------------------------------------------------------------


def member_ids(n: int) -> list[str]:
    return [f"m{i:02d}" for i in range(1, n + 1)]


def swim_sim(seed: int, n: int = 8, *, config: SwimConfig = SwimConfig(), latency: LatencySpec = (1, 10),
             loss: float = 0.0) -> Simulation:
    """``n`` SWIM members ``m01..``, each knowing all the others from the start."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ConfigError(f"a SWIM cluster needs n >= 2 members, got {n!r}")
    if config.k > n - 2:
        raise ConfigError(f"k={config.k} indirect probers is more than the {n - 2} members other than the prober "
                          f"and its target in a cluster of {n}; use k <= {n - 2}")
    sim = Simulation(seed, latency=latency, loss=loss)
    members = member_ids(n)
    for m in members:
        sim.add_node(m, SwimNode, members=members, config=config)
    return sim


def _learned(sim: Simulation, about: str, kinds: tuple[str, ...]) -> dict[str, float]:
    """member -> first true time it noted ``about`` with a status in ``kinds``."""
    out: dict[str, float] = {}
    for r in sim.trace.of_kind("note"):
        if r.detail.get("learned") == about and r.detail.get("status") in kinds:
            out.setdefault(r.node, r.time)
    return out


def wrongly_dead(sim: Simulation) -> list[tuple[str, str]]:
    """(observer, member) pairs where a member that never crashed was confirmed dead: the *always* check."""
    crashed = {r.node for r in sim.trace.of_kind("fault") if r.detail == "crash"}
    return sorted((r.node, r.detail["learned"]) for r in sim.trace.of_kind("note")
                  if r.detail.get("status") == DEAD and r.detail.get("learned") not in crashed)


def dissemination(seed: int, n: int, *, event: str = "failure", config: SwimConfig = SwimConfig(),
                  warmup: float = 1000.0, horizon: float = 6000.0) -> dict[str, float]:
    """Time for a failure (a crash) or a join to become known to every live member, in ms and periods.

    ``failure``: ``first_ms`` is when some member first suspects the crashed one (detection),
    ``all_ms`` when every live member knows it is suspect or dead; ``join``: ``all_ms`` is
    when every member has the newcomer in its list. Times count from the crash or the join.
    """
    if event not in ("failure", "join"):
        raise ConfigError(f"event must be 'failure' or 'join', got {event!r}")
    sim = swim_sim(seed, n, config=config)
    sim.run(until=warmup)
    members = member_ids(n)
    if event == "failure":
        about = members[sim.stream("experiment").randrange(n)]
        sim.crash(about)
        kinds: tuple[str, ...] = (SUSPECT, DEAD)
        audience = [m for m in members if m != about]
    else:
        about = "new"
        sim.add_node(about, SwimNode, config=config, join_via=members[0])
        kinds = (ALIVE,)
        audience = members
    sim.run(until=warmup + horizon)
    known = _learned(sim, about, kinds)
    missing = [m for m in audience if m not in known]
    last = math.inf if missing else max(known[m] for m in audience) - warmup
    first = min(known.values(), default=math.inf) - warmup
    return {"n": n, "first_ms": first, "all_ms": last, "all_periods": last / config.period}


def dissemination_table(sizes: Sequence[int] = (8, 16, 32, 64), *, seeds: Sequence[int] = (1, 2, 3),
                        config: SwimConfig = SwimConfig()) -> "pd.DataFrame":
    """Mean time until every member knows of a failure and of a join, per cluster size, with log2(n)."""
    import pandas as pd

    rows = []
    for n in sizes:
        fail = [dissemination(s, n, event="failure", config=config) for s in seeds]
        join = [dissemination(s, n, event="join", config=config) for s in seeds]
        mean = lambda rs, key: sum(r[key] for r in rs) / len(rs)  # noqa: E731
        rows.append((n, math.log2(n), mean(fail, "first_ms"), mean(fail, "all_ms"), mean(join, "all_ms"),
                     mean(join, "all_periods")))
    return pd.DataFrame(rows, columns=["members", "log2_members", "failure_detected_ms", "failure_known_by_all_ms",
                                       "join_known_by_all_ms", "join_known_by_all_periods"])
