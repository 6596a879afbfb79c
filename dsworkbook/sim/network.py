"""The simulated network: latency, loss, duplication, reordering, partitions, bandwidth.

Theory of operation
-------------------
The :class:`Network` holds the *configuration* of every directed link and the current
*connectivity*; the simulation kernel asks it what happens to each message. Rules:

* A message on a cut link is dropped when it is sent **and** when it would arrive, so a
  partition that starts while a message is in flight loses it too.
* Loss, duplication, reordering and delay are independent per message, drawn from the
  **link's own random stream** (one per directed link, derived from the seed: see
  :meth:`Simulation.stream <dsworkbook.sim.kernel.Simulation.stream>`), so what happens on one
  link never shifts the draws of another. A duplicate is a second copy with its own delay,
  under the same msg id.
* Reordering: with probability ``reorder`` a message is held back an extra 1-5 mean
  latencies, so later messages overtake it. (Random latency alone already reorders; FIFO
  links, like a TCP connection, can be asked for with ``fifo=True``.)
* A **partition** splits the nodes into groups that cannot talk across; nodes not named in
  any group form one more group together. A **cut** blocks one direction of one link (a
  one-way fault: A hears B but B does not hear A). ``heal()`` removes every partition and cut.
* ``bandwidth`` (size units per ms, per directed link) turns on queueing: a message waits for
  the ones ahead of it on the same link, then takes ``size / bandwidth`` ms to transmit.
  A message's size is its ``size`` attribute if it has one, else 1.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Iterable

from dsworkbook.errors import ConfigError
from dsworkbook.sim.latency import Latency, LatencySpec, Uniform, latency as to_latency

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.sim.kernel import Simulation

__all__ = ["Network", "LinkConfig", "check_probability"]


def check_probability(name: str, p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or math.isnan(p) or not 0.0 <= p <= 1.0:
        raise ConfigError(f"{name} is a probability and must be within [0, 1], got {p!r}")
    return float(p)


class LinkConfig:
    """How one directed link (or the whole network, by default) treats messages."""

    __slots__ = ("latency", "loss", "duplicate", "reorder")

    def __init__(self, latency: Latency, loss: float, duplicate: float, reorder: float) -> None:
        self.latency = latency
        self.loss = check_probability("loss", loss)
        self.duplicate = check_probability("duplicate", duplicate)
        self.reorder = check_probability("reorder", reorder)

    def derive(self, *, latency: LatencySpec | None, loss: float | None, duplicate: float | None,
               reorder: float | None) -> "LinkConfig":
        """A copy with the given settings changed (None keeps this one's)."""
        return LinkConfig(to_latency(latency) if latency is not None else self.latency,
                          self.loss if loss is None else loss,
                          self.duplicate if duplicate is None else duplicate,
                          self.reorder if reorder is None else reorder)

    def __repr__(self) -> str:
        return (f"LinkConfig(latency={self.latency!r}, loss={self.loss}, duplicate={self.duplicate}, "
                f"reorder={self.reorder})")


class Network:
    """Network configuration and connectivity. Create it with the simulation, or alone and pass it in."""

    def __init__(self, latency: LatencySpec = Uniform(1, 10), *, loss: float = 0.0, duplicate: float = 0.0,
                 reorder: float = 0.0, fifo: bool = False, bandwidth: float | None = None) -> None:
        self.default = LinkConfig(to_latency(latency), loss, duplicate, reorder)
        self.fifo = bool(fifo)
        self.bandwidth = self._check_bandwidth(bandwidth)
        self._links: dict[tuple[str, str], LinkConfig] = {}
        self._blocked: set[tuple[str, str]] = set()
        self._groups: list[frozenset[str]] = []
        self._cuts: set[tuple[str, str]] = set()
        self._last_arrival: dict[tuple[str, str], float] = {}
        self._link_free: dict[tuple[str, str], float] = {}
        self._sim: Simulation | None = None
        #: per directed link: (config, its delay sampler, its random stream); rebuilt when configs change
        self.samplers: dict[tuple[str, str], tuple[LinkConfig, Callable[[], float], Any]] = {}
        self.fast_config: tuple | None = None

    @staticmethod
    def _check_bandwidth(bw: float | None) -> float | None:
        if bw is None:
            return None
        if isinstance(bw, bool) or not isinstance(bw, (int, float)) or not bw > 0:
            raise ConfigError(f"bandwidth must be a positive number of size units per ms (or None), got {bw!r}")
        return float(bw)

    # -- wiring --------------------------------------------------------------------------------

    def attach(self, sim: "Simulation") -> None:
        if self._sim is not None and self._sim is not sim:
            raise ConfigError("this Network already belongs to another Simulation; create a new Network")
        self._sim = sim
        self._refresh()

    def _refresh(self) -> None:
        """Recompute the kernel's fast path (None unless every link behaves like the default).

        Link samplers are rebuilt lazily from the new configs; each link keeps its random stream.
        """
        d = self.default
        plain = not (self._links or self.fifo or self.bandwidth)
        self.fast_config = (d.loss, d.duplicate, d.reorder) if plain else None
        self.samplers.clear()

    def sampler(self, src: str, dst: str) -> tuple[LinkConfig, Callable[[], float], Any]:
        """The link ``src -> dst``'s config, delay sampler and random stream (built on first use)."""
        entry = self.samplers.get((src, dst))
        if entry is None:
            if self._sim is None:
                raise ConfigError("this Network is not attached to a Simulation yet; pass it to Simulation(...)")
            cfg = self.link(src, dst)
            rng = self._sim.stream(f"link/{src}->{dst}")
            entry = self.samplers[(src, dst)] = (cfg, cfg.latency.sampler(rng), rng)
        return entry

    def _nodes(self) -> Iterable[str]:
        return self._sim.node_ids if self._sim is not None else ()

    def _check_node(self, node: str) -> str:
        if self._sim is not None:
            self._sim.check_node(node)
        return node

    def _trace(self, text: str) -> None:
        if self._sim is not None:
            self._sim.trace.add(self._sim.now, "fault", None, None, None, text)

    # -- configuration -------------------------------------------------------------------------

    def configure(self, *, latency: LatencySpec | None = None, loss: float | None = None,
                  duplicate: float | None = None, reorder: float | None = None) -> None:
        """Change the default link behaviour from now on (messages in flight keep their delay)."""
        self.default = self.default.derive(latency=latency, loss=loss, duplicate=duplicate, reorder=reorder)
        self._refresh()
        self._trace(f"network: {self.default!r}")
        d = self.default
        if self._sim is not None:
            now, trace = self._sim.now, self._sim.trace
            trace.fault_ended("network", now)
            if d.loss or d.duplicate or d.reorder:
                trace.fault_began("network", (), now, {"loss": d.loss, "duplicate": d.duplicate, "reorder": d.reorder})

    def set_link(self, src: str, dst: str, *, latency: LatencySpec | None = None, loss: float | None = None,
                 duplicate: float | None = None, reorder: float | None = None, both: bool = False) -> None:
        """Give one link its own behaviour (e.g. a slow cross-region link); ``both`` sets the reverse too."""
        pairs = [(src, dst), (dst, src)] if both else [(src, dst)]
        for s, t in pairs:
            self._check_node(s), self._check_node(t)
            base = self._links.get((s, t), self.default)
            self._links[(s, t)] = base.derive(latency=latency, loss=loss, duplicate=duplicate, reorder=reorder)
        self._refresh()

    def link(self, src: str, dst: str) -> LinkConfig:
        return self._links.get((src, dst), self.default)

    # -- connectivity --------------------------------------------------------------------------

    def partition(self, *groups: Iterable[str]) -> None:
        """Split the nodes into groups that cannot reach each other (replaces earlier partitions).

        ``net.partition(["n1", "n2"], ["n3", "n4", "n5"])``. Nodes named in no group form one more
        group together. Cuts made with :meth:`cut` stay in force.
        """
        if not groups:
            raise ConfigError("partition() needs at least one group, e.g. partition(['n1'], ['n2', 'n3'])")
        seen: dict[str, int] = {}
        norm: list[frozenset[str]] = []
        for i, g in enumerate(groups):
            if isinstance(g, str):
                raise ConfigError(f"each group must be a list of node ids, got the string {g!r}; "
                                  f"write [{g!r}] for a group of one")
            members = list(g)
            if not members:
                raise ConfigError(f"group {i} of the partition is empty")
            for n in members:
                self._check_node(n)
                if n in seen:
                    raise ConfigError(f"node {n!r} is named in group {seen[n]} and group {i}; "
                                      "a node can be in only one side of a partition")
                seen[n] = i
            norm.append(frozenset(members))
        rest = frozenset(n for n in self._nodes() if n not in seen)
        if rest:
            norm.append(rest)
        self._groups = norm
        self._rebuild()
        self._trace("partition " + " | ".join("{" + ",".join(sorted(g)) + "}" for g in norm))
        if self._sim is not None:
            now, trace = self._sim.now, self._sim.trace
            trace.fault_ended("partition", now)
            trace.fault_began("partition", tuple(n for g in norm for n in sorted(g)), now,
                              tuple(tuple(sorted(g)) for g in norm))

    def cut(self, src: str, dst: str, *, both: bool = False) -> None:
        """Block messages from ``src`` to ``dst`` (one way unless ``both``)."""
        self._check_node(src), self._check_node(dst)
        if src == dst:
            raise ConfigError(f"cannot cut {src!r} from itself")
        links = [(src, dst), (dst, src)] if both else [(src, dst)]
        for link in links:
            if link not in self._cuts and self._sim is not None:
                self._sim.trace.fault_began("cut", link, self._sim.now, link)
            self._cuts.add(link)
        self._rebuild()
        self._trace(f"cut {src}->{dst}" + (" and back" if both else ""))

    def isolate(self, node: str) -> None:
        """Cut ``node`` off from everyone, both ways."""
        self.partition([node])

    def heal(self) -> None:
        """Remove every partition and cut."""
        self._groups, self._cuts = [], set()
        self._rebuild()
        self._trace("heal")
        if self._sim is not None:
            self._sim.trace.fault_ended("partition", self._sim.now)
            self._sim.trace.fault_ended("cut", self._sim.now)

    def restore(self, src: str, dst: str, *, both: bool = False) -> None:
        """Undo :meth:`cut` for one link."""
        for link in [(src, dst), (dst, src)] if both else [(src, dst)]:
            self._cuts.discard(link)
            if self._sim is not None:
                self._sim.trace.fault_ended("cut", self._sim.now, detail=link)
        self._rebuild()
        self._trace(f"restore {src}->{dst}" + (" and back" if both else ""))

    def _rebuild(self) -> None:
        blocked = set(self._cuts)
        groups = self._groups
        for i, g in enumerate(groups):
            for h in groups[i + 1:]:
                for a in g:
                    for b in h:
                        blocked.add((a, b))
                        blocked.add((b, a))
        self._blocked.clear()
        self._blocked.update(blocked)

    def can_reach(self, src: str, dst: str) -> bool:
        return (src, dst) not in self._blocked

    @property
    def partitioned(self) -> bool:
        return bool(self._blocked)

    @property
    def groups(self) -> list[frozenset[str]]:
        """The current partition's groups ([] when there is none)."""
        return list(self._groups)

    @property
    def blocked_links(self) -> frozenset[tuple[str, str]]:
        return frozenset(self._blocked)

    # -- the slow path: per-link configs, FIFO links, bandwidth ----------------------------------

    def size_of(self, msg: Any) -> float:
        size = getattr(msg, "size", 1)
        return float(size)

    def delay(self, cfg: LinkConfig, src: str, dst: str, msg: Any, now: float, sample: float) -> float:
        """Adjust a sampled delay for bandwidth queueing and FIFO order; returns the arrival time."""
        depart = now
        if self.bandwidth:
            key = (src, dst)
            free = self._link_free.get(key, now)
            depart = max(now, free) + self.size_of(msg) / self.bandwidth
            self._link_free[key] = depart
        arrival = depart + sample
        if self.fifo:
            key = (src, dst)
            last = self._last_arrival.get(key, arrival)
            arrival = max(arrival, last)
            self._last_arrival[key] = arrival
        return arrival

    def __repr__(self) -> str:
        return (f"Network({self.default!r}, fifo={self.fifo}, bandwidth={self.bandwidth}, "
                f"groups={[sorted(g) for g in self._groups]}, cuts={sorted(self._cuts)})")

