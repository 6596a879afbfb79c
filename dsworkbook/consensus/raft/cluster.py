"""Building a Raft cluster on the simulator, and reading its state.

Theory of operation
-------------------
:func:`raft_sim` is the one place a Raft experiment starts: a seeded
:class:`~dsworkbook.sim.Simulation` with servers ``n1..nN`` (each a
:class:`~dsworkbook.consensus.raft.node.RaftNode` knowing the member list) and, optionally,
clients ``c1..cK`` (:class:`~dsworkbook.consensus.raft.client.RaftClient`) with their
workloads. The helpers read a running cluster: who leads (:func:`leaders`), a table of every
server's state (:func:`cluster_table`), and each log as a string of terms (:func:`log_terms`).

They read **compacted** logs too (log compaction, §7 of the paper; ``RaftConfig.snapshot_every``):
a server that took or installed a snapshot holds only the entries after its log's *base* (the
snapshot's last included index and term, ``node.log.base_index``/``base_term``), and the
commands before it exist only inside the state machine's snapshot. The helpers never invent
them and never drop them silently:

* :func:`committed_commands` returns the committed commands the log still holds, preceded - when
  the log was compacted - by one :class:`Compacted` marker that says how many entries (1..index)
  live in the snapshot, so ``len()`` of the list is not mistaken for the number of commits;
* :func:`log_terms` starts a compacted log with ``[..5]`` (entries 1-5 are in a snapshot), then
  the terms of the entries held;
* :func:`cluster_table` has a ``snapshot`` column: the last included index of the server's
  snapshot (0 without one), read from storage for a server that is down; ``entries`` stays the
  last index (compacted entries included), as ``len(node.log)`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from dsworkbook.consensus.raft.client import RaftClient
from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.node import CommandList, RaftNode
from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, Network, Simulation
from dsworkbook.sim.latency import LatencySpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["raft_sim", "server_ids", "client_ids", "leaders", "live_servers", "cluster_table", "log_terms",
           "committed_commands", "Compacted"]


@dataclass(frozen=True)
class Compacted:
    """Stands for the entries 1..``index`` of a log that a snapshot replaced (§7); the last was of ``term``.

    Their commands are gone from the log: only the state machine's snapshot holds their effect.
    """

    index: int
    term: int

    def __repr__(self) -> str:
        return f"<entries 1..{self.index} compacted into a snapshot (last term {self.term})>"


def server_ids(n: int) -> list[str]:
    return [f"n{i}" for i in range(1, n + 1)]


def client_ids(k: int) -> list[str]:
    return [f"c{i}" for i in range(1, k + 1)]


def raft_sim(seed: int, *, servers: int = 5, config: RaftConfig | None = None, workloads: Sequence[Sequence] = (),
             latency: LatencySpec = (1, 10), loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0,
             state_machine: Callable[[], Any] = CommandList, node_class: type[RaftNode] = RaftNode,
             client_timeout: float = 100.0, think: float = 0.0, trace: bool = True,
             initial: Mapping[str, Mapping[str, Any]] | None = None, fifo: bool = False) -> Simulation:
    """A cluster of ``servers`` Raft servers and one client per workload (a list of (op, key, value)).

    Nothing has run yet: call ``sim.run(until=...)``. ``node_class`` swaps in a RaftNode
    subclass (a variant, or an exercise's answer); ``initial`` maps a server id to the durable
    state it starts with (``term``, ``voted_for``, ``log``); ``fifo`` keeps each link's messages
    in order, as a TCP connection would.
    """
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ConfigError(f"servers must be an int >= 1, got {servers!r}")
    config = config if config is not None else RaftConfig()
    if fifo:
        sim = Simulation(seed, network=Network(latency, loss=loss, duplicate=duplicate, reorder=reorder, fifo=True),
                         trace=trace)
    else:
        sim = Simulation(seed, latency=latency, loss=loss, duplicate=duplicate, reorder=reorder, trace=trace)
    members = server_ids(servers)
    initial = dict(initial or {})
    unknown = set(initial) - set(members)
    if unknown:
        raise ConfigError(f"initial names unknown servers {sorted(unknown)}; the servers are {members}")
    for node_id in members:
        sim.add_node(node_id, node_class, members=members, config=config, state_machine=state_machine,
                     initial=initial.get(node_id))
    for node_id, ops in zip(client_ids(len(workloads)), workloads):
        sim.add_node(node_id, RaftClient, servers=members, ops=ops, timeout=client_timeout, think=think)
    return sim


def _servers(sim: Simulation) -> list[str]:
    return [n for n in sim.node_ids if n.startswith("n")]


def live_servers(sim: Simulation) -> list[RaftNode]:
    """The Raft servers that are up (or paused: a paused node keeps its state)."""
    return [sim.node(n) for n in _servers(sim) if sim.status(n) != DOWN]


def leaders(sim: Simulation) -> dict[int, str]:
    """term -> id of each live server that believes it leads in that term."""
    return {n.current_term: n.id for n in live_servers(sim) if n.is_leader}


def log_terms(node: RaftNode) -> str:
    """The log as the terms of its entries, e.g. ``"1 1 2 4"`` (empty string for an empty log).

    A compacted log starts with ``[..N]``: entries 1..N are in a snapshot (``"[..5] 2 3 3"``).
    """
    return _terms(node.log.base_index, node.log.entries)


def _terms(base: int, entries: Sequence[Any]) -> str:
    held = " ".join(str(e.term) for e in entries)
    if not base:
        return held
    return f"[..{base}] {held}".rstrip()


def committed_commands(node: RaftNode) -> list[Any]:
    """The commands of the committed entries of ``node``'s log (no-ops left out).

    If the log was compacted, the list starts with one :class:`Compacted` marker for the entries
    the snapshot replaced (their commands are no longer in the log), then the committed commands
    after the base.
    """
    base = node.log.base_index
    head: list[Any] = [Compacted(base, node.log.base_term)] if base else []
    return head + [node.log[i].command for i in range(base + 1, node.commit_index + 1)
                   if node.log[i].command is not None]


def cluster_table(sim: Simulation) -> "pd.DataFrame":
    """One row per server: status, role, term, vote, log length and terms, commit index, last applied,
    and the last included index of its snapshot (0 without one)."""
    import pandas as pd

    rows = []
    for n in _servers(sim):
        if sim.status(n) == DOWN:
            stored = sim.storage(n)
            log = stored.get("log", ())
            snap = stored.get("snapshot")
            base = snap.index if snap is not None else 0
            rows.append((n, "down", "", stored.get("term", 0), stored.get("voted_for"), base + len(log),
                         _terms(base, log), None, None, base))
            continue
        node = sim.node(n)
        rows.append((n, sim.status(n), node.role.name, node.current_term, node.voted_for, len(node.log),
                     log_terms(node), node.commit_index, node.last_applied, node.log.base_index))
    return pd.DataFrame(rows, columns=["node", "status", "role", "term", "voted_for", "entries", "log", "commit",
                                       "applied", "snapshot"])
