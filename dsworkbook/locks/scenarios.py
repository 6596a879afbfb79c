"""The three failures of lease locks (L03), as golden scenarios, and the fix with fencing tokens.

Theory of operation
-------------------
Kleppmann ("How to do distributed locking", 2016) shows that a lock with an expiry cannot
keep two clients out of the critical section at once, whatever the lock service does:

* :func:`gc_pause_scenario` - "Protecting a resource with a lock": client 1 acquires the lock,
  is stopped by a garbage-collection pause longer than the lease, and on waking writes as if it
  still held it, after client 2 acquired the expired lock and wrote;
* :func:`clock_jump_scenario` - "Using time to solve consensus": client 1 holds the lock on
  servers A, B, C of five (D and E unreachable); C's clock jumps forward and the key expires;
  client 2 acquires on C, D, E (A and B unreachable). Both hold a "majority";
* :func:`delayed_packet_scenario` - the network delays client 1's write until after its lease
  expired and client 2 wrote; the packet then arrives and is applied.

Each scenario is hand-driven (constant 5 ms latency, faults at fixed times, fixed work times)
and ends with two clients that believed they held the lock at once and, without fencing, a
stale write that the storage accepted and that destroyed client 2's write. With
``fenced=True`` the same run issues fencing tokens (from a Raft-replicated counter by default,
:class:`~dsworkbook.locks.fencing.RaftTokens`) and the storage rejects client 1's stale request:
two clients still believed they held the lock - the lock is no safer - but the data is intact.

:func:`lock_sim` builds the system these scenarios and the campaign run: lock servers, clients,
a :class:`~dsworkbook.locks.fencing.Storage` and, when fenced, a token source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from dsworkbook.consensus.raft import RaftConfig, RaftNode
from dsworkbook.errors import ConfigError
from dsworkbook.locks.client import LockClient, overlapping_holders
from dsworkbook.locks.fencing import CounterStore, CounterTokens, RaftTokens, Storage, TokenCounter, stale_writes
from dsworkbook.locks.redlock import RedlockClient
from dsworkbook.locks.server import LockServer
from dsworkbook.sim import Simulation
from dsworkbook.sim.latency import LatencySpec

__all__ = ["STORAGE", "TOKEN_SOURCES", "RAFT_TOKEN_SERVERS", "lock_sim", "ScenarioResult", "result_of",
           "gc_pause_scenario", "clock_jump_scenario", "delayed_packet_scenario", "SCENARIOS"]

STORAGE = "store"
TOKEN_SOURCES = ("raft", "counter")
RAFT_TOKEN_SERVERS = ("t1", "t2", "t3")
#: fast Raft timeouts for the token store, so failover takes tens of ms, not hundreds
TOKEN_RAFT = RaftConfig(election_timeout=(50.0, 100.0), heartbeat=20.0)


def server_names(n: int) -> list[str]:
    return [f"s{i}" for i in range(1, n + 1)]


def lock_sim(seed: int, *, servers: int = 1, clients: Sequence[Mapping[str, Any]] = ({}, {}), fenced: bool = False,
             tokens: str = "raft", ttl: float = 100.0, check_owner: bool = True, restart_delay: float | None = None,
             quorum: int | None = None, latency: LatencySpec = 5, trace: bool = True,
             storage: type[Storage] = Storage) -> Simulation:
    """Lock servers ``s1..sN``, clients ``c1..ck`` (``clients[i]`` are extra client arguments),
    storage ``store`` (of class ``storage``) and, if ``fenced``, a token source (``raft``: servers
    ``t1..t3``; ``counter``: ``tokens``).

    One server gives :class:`LockClient` clients, more give :class:`RedlockClient` ones.
    ``restart_delay`` defaults to 1.1 x the ttl (the Redis docs' delayed restart).
    """
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ConfigError(f"servers must be an int >= 1, got {servers!r}")
    if tokens not in TOKEN_SOURCES:
        raise ConfigError(f"unknown token source {tokens!r}; choose one of {list(TOKEN_SOURCES)}")
    sim = Simulation(seed, latency=latency, trace=trace)
    names = server_names(servers)
    delay = 1.1 * ttl if restart_delay is None else restart_delay
    for s in names:
        sim.add_node(s, LockServer, check_owner=check_owner, restart_delay=delay)
    sim.add_node(STORAGE, storage, fenced=fenced)
    factory = None
    if fenced and tokens == "raft":
        for t in RAFT_TOKEN_SERVERS:
            sim.add_node(t, RaftNode, members=RAFT_TOKEN_SERVERS, config=TOKEN_RAFT, state_machine=CounterStore)
        factory = _RaftTokenFactory(RAFT_TOKEN_SERVERS)
    elif fenced:
        sim.add_node("tokens", TokenCounter)
        factory = CounterTokens
    for i, extra in enumerate(clients, start=1):
        kwargs = dict(storage=STORAGE, ttl=ttl, tokens=factory, **extra)
        if servers == 1:
            sim.add_node(f"c{i}", LockClient, server=names[0], **kwargs)
        else:
            sim.add_node(f"c{i}", RedlockClient, servers=names, quorum=quorum, **kwargs)
    return sim


class _RaftTokenFactory:
    """A picklable factory of :class:`RaftTokens` for the given servers."""

    def __init__(self, servers: Sequence[str]) -> None:
        self.servers = tuple(servers)

    def __call__(self) -> RaftTokens:
        return RaftTokens(self.servers)


@dataclass(frozen=True)
class ScenarioResult:
    """What a scenario ended with: who believed they held the lock at once, and what the storage did."""

    name: str
    fenced: bool
    overlapping: tuple[tuple[str, str, float], ...]
    stale_writes: tuple[str, ...]
    rejected: int
    final_value: tuple
    sim: Simulation

    @property
    def two_holders(self) -> bool:
        return bool(self.overlapping)

    def describe(self) -> str:
        who = "; ".join(f"{a} and {b} from t={t:.0f}" for a, b, t in self.overlapping) or "never"
        lines = [f"{self.name} ({'fenced' if self.fenced else 'unfenced'}, seed {self.sim.seed}):",
                 f"  two clients believed they held the lock: {who}",
                 f"  storage rejected {self.rejected} stale request(s); final value {self.final_value!r}"]
        lines += [f"  stale write accepted: {s}" for s in self.stale_writes] or ["  no stale write accepted"]
        return "\n".join(lines)


def result_of(name: str, sim: Simulation, fenced: bool) -> ScenarioResult:
    store = sim.node(STORAGE)
    return ScenarioResult(name, fenced, tuple(overlapping_holders(sim)),
                          tuple(stale_writes(store.accepted, fenced=fenced)), store.rejected, store.value, sim)


def _start(fenced: bool, tokens: str) -> float:
    """When client 1 starts: a Raft token store first elects a leader."""
    return 300.0 if fenced and tokens == "raft" else 0.0


def gc_pause_scenario(*, fenced: bool = False, tokens: str = "raft", seed: int = 0,
                      storage: type[Storage] = Storage) -> ScenarioResult:
    """Client 1 pauses for 200 ms, between its read and its write; its 100 ms lease expires; client 2 takes the lock and writes."""
    t0 = _start(fenced, tokens)
    sim = lock_sim(seed, fenced=fenced, tokens=tokens, storage=storage,
                   clients=[dict(rounds=1, work=(10.0, 10.0), start_at=t0),
                            dict(rounds=1, work=(10.0, 10.0), start_at=t0 + 120)])
    sim.at(t0 + 25, sim.pause, "c1", 200.0)
    sim.run(until=t0 + 600)
    return result_of("GC pause past the lease", sim, fenced)


def clock_jump_scenario(*, fenced: bool = False, tokens: str = "raft", seed: int = 0,
                        storage: type[Storage] = Storage) -> ScenarioResult:
    """Five Redlock servers; client 1 holds A, B, C; C's clock jumps 200 ms; client 2 takes C, D, E."""
    t0 = _start(fenced, tokens)
    sim = lock_sim(seed, servers=5, fenced=fenced, tokens=tokens, storage=storage,
                   clients=[dict(rounds=1, work=(50.0, 50.0), start_at=t0),
                            dict(rounds=1, work=(5.0, 5.0), start_at=t0 + 30)])
    for s in ("s4", "s5"):  # D and E cannot be reached by client 1
        sim.net.cut("c1", s)
    for s in ("s1", "s2"):  # A and B cannot be reached by client 2
        sim.net.cut("c2", s)
    sim.at(t0 + 20, sim.clock_jump, "s3", 200.0)
    sim.run(until=t0 + 600)
    return result_of("clock jump on one of five Redlock servers", sim, fenced)


def _set_latency(sim: Simulation, src: str, dst: str, ms: float) -> None:
    sim.net.set_link(src, dst, latency=ms)


def delayed_packet_scenario(*, fenced: bool = False, tokens: str = "raft", seed: int = 0,
                            storage: type[Storage] = Storage) -> ScenarioResult:
    """Client 1's write spends 200 ms in the network; meanwhile its lease expires and client 2 writes."""
    t0 = _start(fenced, tokens)
    sim = lock_sim(seed, fenced=fenced, tokens=tokens, storage=storage,
                   clients=[dict(rounds=1, work=(20.0, 20.0), start_at=t0),
                            dict(rounds=1, work=(10.0, 10.0), start_at=t0 + 120)])
    sim.at(t0 + 25, _set_latency, sim, "c1", STORAGE, 200.0)
    sim.at(t0 + 100, _set_latency, sim, "c1", STORAGE, 5.0)
    sim.run(until=t0 + 600)
    return result_of("delayed network packet", sim, fenced)


SCENARIOS = {"gc_pause": gc_pause_scenario, "clock_jump": clock_jump_scenario, "delayed_packet": delayed_packet_scenario}
