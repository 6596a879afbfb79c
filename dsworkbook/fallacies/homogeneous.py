"""Fallacy 8: the network is homogeneous.

Theory of operation
-------------------
A writer replicates records to two replicas. ``r1`` shares its Ethernet segment (a maximum
packet size, MTU, of 1,500 bytes, the writer's own). ``r2`` sits at another site behind a
tunnel gateway whose link carries at most 1,400 bytes per packet (an IPsec or GRE tunnel spends
the rest on its own headers). The gateway drops a larger packet - and the "fragmentation needed"
message that should tell the sender (RFC 1191) is filtered on the way back, so the drop is
silent: the path-MTU "black hole" of RFC 2923 §2.1. Small packets (acknowledgements, heartbeats)
pass; only big ones vanish.

* The **naive** writer cuts records into packets of its own link's size, as if every link were
  like its own, and retransmits a lost packet at the same size, forever. ``r2`` answers every
  heartbeat - it looks healthy - yet replication to it stalls at the first record that needs a
  full-size packet, and everything behind that record waits (one record at a time, in order).
* The **fixed** writer does not assume the path: when a full-size packet to a peer has gone
  unacknowledged twice, it lowers that peer's packet size to the next common MTU "plateau"
  (RFC 1191 §7's table: 1,492, then 1,006, ...; we also try IPv6's minimum of 1,280, RFC 8200
  §5) and re-sends the record in smaller packets - packetization-layer path MTU discovery in
  the spirit of RFC 4821. It settles on 1,280 bytes for ``r2`` and keeps 1,500 for ``r1``.

Every packet carries :data:`HEADER` bytes of headers; a record of ``n`` bytes travels as
``ceil(n / (mss - HEADER))`` packets.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.fallacies._result import FallacyResult, _check_seed, _result
from dsworkbook.sim import Node, Simulation

__all__ = ["HEADER", "PLATEAUS", "Segment", "SegmentAck", "Ping", "Pong", "Replicator", "Replica", "TunnelGateway",
           "network_is_homogeneous"]

HEADER = 40  # bytes of IP and transport headers per packet, an assumption
#: Packet sizes to fall back to, largest first: Ethernet, PPPoE (RFC 1191 §7), IPv6's minimum
#: link MTU (RFC 8200 §5), then RFC 1191's next plateaus.
PLATEAUS = (1500, 1492, 1280, 1006, 576)


@dataclass(frozen=True, slots=True)
class Segment:
    """Piece ``part`` of ``parts`` of record ``record``; ``size`` bytes on the wire."""

    record: int
    part: int
    parts: int
    size: int


@dataclass(frozen=True, slots=True)
class SegmentAck:
    record: int
    part: int
    parts: int
    size: int = 64


@dataclass(frozen=True, slots=True)
class Ping:
    n: int
    size: int = 64


@dataclass(frozen=True, slots=True)
class Pong:
    n: int
    size: int = 64


class Replica(Node):
    """Reassembles records from segments and acknowledges every segment; answers pings."""

    def on_start(self) -> None:
        self.parts: dict[tuple[int, int], set[int]] = {}
        self.complete: set[int] = set()

    def on_message(self, src: str, msg: Any) -> None:
        if isinstance(msg, Segment):
            got = self.parts.setdefault((msg.record, msg.parts), set())
            got.add(msg.part)
            if len(got) == msg.parts:
                self.complete.add(msg.record)
            self.send(src, SegmentAck(msg.record, msg.part, msg.parts))
        elif isinstance(msg, Ping):
            self.send(src, Pong(msg.n))


class TunnelGateway(Node):
    """Relays between ``inside`` and ``outside``; silently drops packets bigger than ``mtu`` bytes."""

    def __init__(self, node_id: str, *, inside: str, outside: str, mtu: int) -> None:
        super().__init__(node_id)
        if isinstance(mtu, bool) or not isinstance(mtu, int) or mtu <= HEADER:
            raise ConfigError(f"mtu must be an int of bytes above the {HEADER}-byte header, got {mtu!r}")
        self.inside, self.outside, self.mtu = inside, outside, mtu

    def on_start(self) -> None:
        self.dropped = 0

    def on_message(self, src: str, msg: Any) -> None:
        if getattr(msg, "size", 0) > self.mtu:
            self.dropped += 1
            self.note(dropped=type(msg).__name__, size=msg.size, mtu=self.mtu)  # no ICMP makes it back
            return
        self.send(self.outside if src == self.inside else self.inside, msg)


class Replicator(Node):
    """Sends ``records`` (their sizes in bytes) to every replica, one record at a time per replica.

    ``routes`` maps each replica to the node its packets go to (itself, or a gateway that serves
    that one replica). Packets
    start at ``mtu`` bytes (this node's own link). A packet unacknowledged after ``timeout`` ms is
    resent. With ``discover=True``, a full-size packet unacknowledged twice lowers that replica's
    packet size to the next of :data:`PLATEAUS`, and the record is re-sent in smaller packets.
    Pings every replica every ``ping_every`` ms and counts the pongs.
    """

    def __init__(self, node_id: str, *, routes: dict[str, str], records: Sequence[int], discover: bool,
                 mtu: int = 1500, timeout: float = 200.0, ping_every: float = 100.0) -> None:
        super().__init__(node_id)
        self.routes, self.records, self.discover = dict(routes), list(records), bool(discover)
        self.mtu, self.timeout, self.ping_every = mtu, timeout, ping_every

    def on_start(self) -> None:
        self.replica_behind = {via: r for r, via in self.routes.items()}
        self.mss = {r: self.mtu for r in self.routes}
        self.current = {r: 0 for r in self.routes}
        self.acked: dict[str, set[int]] = {}
        self.misses: dict[str, int] = {r: 0 for r in self.routes}
        self.pongs = {r: 0 for r in self.routes}
        self.pings = 0
        for r in self.routes:
            self._send_record(r)
        self.set_timer("ping", 0)

    def _split(self, replica: str) -> list[int]:
        size = self.records[self.current[replica]]
        payload = self.mss[replica] - HEADER
        parts = max(1, math.ceil(size / payload))
        return [min(payload, size - i * payload) + HEADER for i in range(parts)]

    def _send_record(self, replica: str, only_missing: bool = False) -> None:
        if self.current[replica] >= len(self.records):
            return
        pieces = self._split(replica)
        if not only_missing:
            self.acked[replica] = set()
        for part, size in enumerate(pieces):
            if part not in self.acked[replica]:
                self.send(self.routes[replica], Segment(self.current[replica], part, len(pieces), size))
        self.set_timer(("resend", replica), self.timeout)

    def on_timer(self, name: Any) -> None:
        if name == "ping":
            self.pings += 1
            for r in self.routes:
                self.send(self.routes[r], Ping(self.pings))
            self.set_timer("ping", self.ping_every)
            return
        _, replica = name
        self.misses[replica] += 1
        full = max(self._split(replica)) >= self.mss[replica]
        smaller = [p for p in PLATEAUS if p < self.mss[replica]]
        if self.discover and full and self.misses[replica] >= 2 and smaller:
            self.mss[replica], self.misses[replica] = smaller[0], 0
            self.note(peer=replica, packet_size=self.mss[replica])
            self._send_record(replica)
        else:
            self._send_record(replica, only_missing=True)

    def on_message(self, src: str, msg: Any) -> None:
        replica = self.replica_behind[src]
        if isinstance(msg, Pong):
            self.pongs[replica] += 1
        elif isinstance(msg, SegmentAck) and msg.record == self.current[replica] and msg.parts == len(
                self._split(replica)):
            self.acked[replica].add(msg.part)
            self.misses[replica] = 0
            if len(self.acked[replica]) == msg.parts:
                self.cancel_timer(("resend", replica))
                self.current[replica] += 1
                self._send_record(replica)


def _replication_run(seed: int, discover: bool, records: list[int], tunnel_mtu: int) -> dict[str, Any]:
    sim = Simulation(seed=seed, latency=(1, 5))
    sim.add_nodes(["r1", "r2"], Replica)
    gw = sim.add_node("gw", TunnelGateway, inside="app", outside="r2", mtu=tunnel_mtu)
    sim.net.set_link("gw", "r2", latency=(20, 40), both=True)  # the tunnel to the other site
    app = sim.add_node("app", Replicator, routes={"r1": "r1", "r2": "gw"}, records=records, discover=discover)
    sim.run(until=20_000)
    r1, r2 = sim.node("r1"), sim.node("r2")
    return {"records": len(records), "r1 has": len(r1.complete), "r2 has": len(r2.complete),
            "r2 heartbeats answered": app.pongs["r2"], "packet size to r2": app.mss["r2"],
            "packets dropped at the tunnel": gw.dropped}


def network_is_homogeneous(seed: int = 0, records: int = 30, tunnel_mtu: int = 1400) -> FallacyResult:
    """A writer that cuts packets to its own link's size vs one that discovers the path's, across a tunnel.

    ``tunnel_mtu`` is the largest packet the tunnel to ``r2`` carries (1,500 makes the network
    homogeneous again, and the naive writer no longer breaks).
    """
    seed = _check_seed(seed)
    if isinstance(records, bool) or not isinstance(records, int) or records < 1:
        raise ConfigError(f"records must be an int >= 1, got {records!r}")
    rng = random.Random(seed)
    sizes = [rng.choice([rng.randint(100, 1300), rng.randint(1400, 6000)]) for _ in range(records)]
    naive, fixed = _replication_run(seed, False, sizes, tunnel_mtu), _replication_run(seed, True, sizes, tunnel_mtu)
    broke = naive["r2 has"] < records and naive["r2 heartbeats answered"] > 0 and naive["r1 has"] == records
    held = fixed["r1 has"] == fixed["r2 has"] == records
    return _result(8, seed, f"""
        A writer replicates {records} records of 100 to 6,000 bytes to two replicas, one record
        at a time, in order. Replica r1 shares the writer's Ethernet segment, which carries
        packets of up to 1,500 bytes. Replica r2 is at another site behind a tunnel whose link
        carries at most {tunnel_mtu:,} bytes per packet, and the gateway drops bigger packets
        silently (the message that would tell the sender is filtered: a path-MTU black hole,
        RFC 2923).
        The naive writer cuts every record into packets of its own link's size, as if every
        link were like its own: r1 gets everything, r2 answers every heartbeat and looks
        healthy, yet its replication stalls at the first record that needs a full-size packet.
        The fixed writer notices that its full-size packets to r2 go unacknowledged, steps down
        to the next common packet size (RFC 1191, RFC 4821) and re-sends the record in smaller
        packets: both replicas get every record.""", naive, fixed, broke, held,
        f"naive: r2 has {naive['r2 has']}/{records} records while answering {naive['r2 heartbeats answered']} "
        f"heartbeats; fixed: r2 has {fixed['r2 has']}/{records}, packets to r2 of {fixed['packet size to r2']} bytes.")
