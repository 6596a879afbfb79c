"""Driving one Raft server by hand: deliver a message, fire a timer, look at the effects.

Theory of operation
-------------------
A node built outside a simulation is *detached*: its handlers can be called directly and its
effects taken with ``take_effects()``. :class:`RaftHarness` adds what a test of the paper's
sentences needs around that: it starts the node from a given persistent state (term, vote,
log), carries out every ``Persist`` effect into the storage the node reads (so "persisted
before replying" can be checked and a crash can be simulated by building a new node from that
storage - also in the middle of a handler, after its first few effects,
:meth:`RaftHarness.deliver_torn`), and sorts the effects into what was sent and what was
persisted, in order.

This is the etcd style of testing (``raft_paper_test.go``): arrange a server's state, act with
one event, check the messages it sent and the state it kept.
"""

from __future__ import annotations

from typing import Any, Sequence

from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.messages import Entry
from dsworkbook.consensus.raft.node import RaftNode
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Persist, Send, SetTimer

__all__ = ["RaftHarness", "entries"]


def entries(*terms: int, prefix: str = "v") -> tuple[Entry, ...]:
    """Log entries with the given terms and commands ``v1, v2, ...`` (by position)."""
    return tuple(Entry(t, f"{prefix}{i}") for i, t in enumerate(terms, start=1))


class RaftHarness:
    """One detached :class:`RaftNode` (``node_id`` of ``members``) started from the given durable state."""

    def __init__(self, node_id: str = "n1", members: Sequence[str] = ("n1", "n2", "n3"), *, term: int = 0,
                 voted_for: str | None = None, log: Sequence[Entry] = (), config: RaftConfig | None = None,
                 node_class: type[RaftNode] = RaftNode) -> None:
        self.node_id, self.members, self.config, self.node_class = node_id, tuple(members), config, node_class
        self.storage: dict[str, Any] = {"term": term, "log": tuple(log)}
        if voted_for is not None:
            self.storage["voted_for"] = voted_for
        self.history: list[Any] = []
        self.node = self._boot()

    def _boot(self) -> RaftNode:
        node = self.node_class(self.node_id, members=self.members, config=self.config)
        node._storage = self.storage  # the harness plays the simulation's part: it owns the storage
        node.on_start()
        self._carry_out(node.take_effects())
        return node

    def _carry_out(self, effects: list[Any]) -> list[Any]:
        for eff in effects:
            if type(eff) is Persist:
                self.storage.update(eff.values)
        self.history.extend(effects)
        return effects

    # -- acting ------------------------------------------------------------------------------------

    def deliver(self, src: str, msg: Any) -> list[Any]:
        """Hand ``msg`` from ``src`` to the node; returns (and carries out) the effects."""
        self.node.on_message(src, msg)
        return self._carry_out(self.node.take_effects())

    def fire(self, timer: str = "election") -> list[Any]:
        """Fire the node's timer ``timer`` (``election``, ``heartbeat``, ``resend-votes``)."""
        self.node.on_timer(timer)
        return self._carry_out(self.node.take_effects())

    def client(self, src: str, request: Any) -> list[Any]:
        self.node.on_client_request(src, request)
        return self._carry_out(self.node.take_effects())

    def deliver_torn(self, src: str, msg: Any, keep: int) -> list[Any]:
        """Hand ``msg`` to the node, carry out only its first ``keep`` effects, then crash and restart it.

        A handler torn by a crash, as ``Simulation.crash_within(node, keep)`` tears one: what was
        persisted and sent before the crash stays done, the rest never happens. Returns the
        effects that were carried out.
        """
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 0:
            raise ConfigError(f"keep must be a number of effects >= 0, got {keep!r}")
        self.node.on_message(src, msg)
        kept = self._carry_out(self.node.take_effects()[:keep])
        self.restart()
        return kept

    def restart(self) -> RaftNode:
        """Crash and restart: volatile state is lost, the storage (as persisted) is kept."""
        self.node = self._boot()
        return self.node

    # -- looking -----------------------------------------------------------------------------------

    @staticmethod
    def sent(effects: list[Any], kind: type | None = None) -> list[tuple[str, Any]]:
        """``(dst, msg)`` of each Send among ``effects`` (only messages of type ``kind`` if given)."""
        return [(e.dst, e.msg) for e in effects if type(e) is Send and (kind is None or type(e.msg) is kind)]

    @staticmethod
    def timers(effects: list[Any]) -> dict[Any, float]:
        return {e.name: e.delay for e in effects if type(e) is SetTimer}

    @staticmethod
    def persisted_before_sent(effects: list[Any], key: str) -> bool:
        """True when ``key`` was persisted before the first Send among ``effects``."""
        for e in effects:
            if type(e) is Persist and key in e.values:
                return True
            if type(e) is Send:
                return False
        return False
