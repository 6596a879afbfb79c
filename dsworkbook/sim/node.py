"""Nodes: protocol participants as sans-IO state machines.

Theory of operation
-------------------
A :class:`Node` reacts to four kinds of event and does nothing else:

* ``on_start()``                      - the node (re)starts; rebuild from ``self.storage``;
* ``on_message(src, msg)``            - a message from another node arrived;
* ``on_timer(name)``                  - a timer it set has fired;
* ``on_client_request(src, request)`` - a :class:`Request` from a client arrived.

It acts only by emitting **effects**, a small closed set of immutable records: :class:`Send`,
:class:`SetTimer`, :class:`CancelTimer`, :class:`Persist`, :class:`Note`, and for clients
:class:`Invoke` / :class:`Complete` (the simulation stamps them with the *true* time and
records them in the history the checkers read). The helper
methods (``send``, ``set_timer``, ``persist``, ``reply``...) append them to ``self.outbox``;
whoever drives the node (the :class:`~dsworkbook.sim.kernel.Simulation`, or a unit test, or
one day a real transport) takes them out and carries them out. A node never reads the wall
clock, never calls the global ``random``, never prints: it reads ``self.now()`` (its own local
clock) and draws from ``self.rng`` (its own random stream, derived from the simulation's seed).

Durable versus volatile state
-----------------------------
``self.storage`` is a read-only view of what the node persisted; a ``Persist`` effect is the
only way to write it. When a node crashes, the instance is thrown away; a restart builds a
**new** instance from the same factory and hands it the same storage. So anything a node kept
only in attributes is gone after a crash, exactly as in RAM, and nobody can cheat by accident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, NewType, Sequence

from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "NodeId",
    "Node",
    "Send",
    "SetTimer",
    "CancelTimer",
    "Persist",
    "Note",
    "Invoke",
    "Complete",
    "Effect",
    "Request",
    "Response",
]

NodeId = NewType("NodeId", str)


# --- effects -----------------------------------------------------------------------------
# NamedTuples: immutable, matchable with `match`, and about twice as cheap to build as frozen
# dataclasses, which matters on the send path (see bench/sim_vs_simpy.py).


class Send(NamedTuple):
    """Send ``msg`` to node ``dst`` over the network."""

    dst: str
    msg: Any


class SetTimer(NamedTuple):
    """Fire ``on_timer(name)`` after ``delay`` ms of local time; replaces a timer of that name."""

    name: Any
    delay: float


class CancelTimer(NamedTuple):
    """Cancel the timer ``name`` if it is pending (no error if it is not)."""

    name: Any


class Persist(NamedTuple):
    """Write ``values`` to durable storage; they survive a crash."""

    values: Mapping[str, Any]


class Note(NamedTuple):
    """Record a state change in the trace (a role change, a commit...); no effect on the run."""

    fields: Mapping[str, Any]


class Invoke(NamedTuple):
    """A client operation begins: the simulation records it in the history at the true time."""

    handle: int
    f: str
    input: Any
    key: Any = None


class Complete(NamedTuple):
    """A client operation ends with ``outcome`` ok / fail / unknown (see history.py)."""

    handle: int
    outcome: str
    output: Any = None


Effect = Send | SetTimer | CancelTimer | Persist | Note | Invoke | Complete


# --- client messages -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """A client operation sent to a server node.

    ``req_id`` is unique per *attempt* (a retry gets a new one); ``idem_key`` is the same for
    every attempt of one logical operation, so a server can apply it once (None: no key).
    """

    req_id: int
    op: str
    arg: Any = None
    idem_key: str | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """A server's answer to the :class:`Request` with the same ``req_id``."""

    req_id: int
    ok: bool
    value: Any = None


_new = tuple.__new__


class _Detached:
    """Stand-in runtime for a node that is driven by hand (unit tests): time 0, fixed seed."""

    def __init__(self) -> None:
        self.now = 0.0
        self.rng = random.Random(0)


class Node:
    """Base class of every protocol participant. Subclass it and override the handlers.

    Build nodes through :meth:`Simulation.add_node`; the simulation sets ``id``, the clock, the
    RNG and the storage. A node created by hand (``MyNode("n1")``) is *detached*: handlers can
    be called directly and the emitted effects inspected with :meth:`take_effects`.
    """

    def __init__(self, node_id: str) -> None:
        if not isinstance(node_id, str) or not node_id:
            raise ConfigError(f"a node id must be a non-empty string, got {node_id!r}")
        self.id: str = node_id
        self.outbox: list[Effect] = []
        self._sim: Any = _Detached()
        self._rng: random.Random = self._sim.rng
        self._clock: Any = None
        self._storage: dict[str, Any] = {}
        self._peers: tuple[str, ...] = ()
        self._handles = 0

    # -- what the runtime provides ----------------------------------------------------------

    @property
    def rng(self) -> random.Random:
        """This node's random stream, derived from the simulation's seed: its only source of randomness.

        Each node has its own stream (``Simulation.stream("node/ID")``), kept across restarts, so
        what other nodes draw never changes what this one draws.
        """
        return self._rng

    def now(self) -> float:
        """This node's local clock, in ms. It may be offset, drift or jump (see clock.py)."""
        t = self._sim.now
        return t if self._clock is None else self._clock.read(t)

    def monotonic(self) -> float:
        """This node's monotonic clock, in ms: it runs at the local clock's rate but never jumps (see clock.py).

        Measure durations - a lease, a timeout - with it; :meth:`now` may be stepped back or forward.
        """
        t = self._sim.now
        return t if self._clock is None else self._clock.monotonic(t)

    @property
    def storage(self) -> Mapping[str, Any]:
        """Read-only view of durable state. Write with :meth:`persist`."""
        return MappingProxyType(self._storage)

    @property
    def peers(self) -> Sequence[str]:
        """The other nodes of the simulation, in the order they were added."""
        return self._peers

    # -- handlers (override) ------------------------------------------------------------------

    def on_start(self) -> None:
        """Called when the node starts and after each restart."""

    def on_message(self, src: str, msg: Any) -> None:
        """Called when a message from ``src`` is delivered."""

    def on_timer(self, name: Any) -> None:
        """Called when the timer ``name`` fires."""

    def on_client_request(self, src: str, request: Request) -> None:
        """Called when a :class:`Request` arrives. The default refuses it with an error reply."""
        self.reply(src, request, f"{type(self).__name__} does not serve client requests", ok=False)

    # -- effects --------------------------------------------------------------------------------

    def send(self, dst: str, msg: Any) -> None:
        self.outbox.append(_new(Send, (dst, msg)))  # == Send(dst, msg), without a call layer

    def broadcast(self, msg: Any) -> None:
        """Send ``msg`` to every peer (not to itself)."""
        out = self.outbox
        for p in self._peers:
            out.append(_new(Send, (p, msg)))

    def set_timer(self, name: Any, delay: float) -> None:
        self.outbox.append(SetTimer(name, delay))

    def cancel_timer(self, name: Any) -> None:
        self.outbox.append(CancelTimer(name))

    def persist(self, **values: Any) -> None:
        """Write ``values`` to durable storage (applied before any later effect of this handler)."""
        self.outbox.append(Persist(values))

    def note(self, **fields: Any) -> None:
        """Record a state change in the trace, e.g. ``self.note(role="leader", term=3)``."""
        self.outbox.append(Note(fields))

    def reply(self, src: str, request: Request, value: Any = None, *, ok: bool = True) -> None:
        """Answer ``request`` (received from ``src``)."""
        self.outbox.append(Send(src, Response(request.req_id, ok, value)))

    def invoke(self, f: str, input: Any = None, *, key: Any = None) -> int:
        """Begin a client operation (for the history); returns a handle for :meth:`complete`."""
        self._handles += 1
        self.outbox.append(Invoke(self._handles, f, input, key))
        return self._handles

    def complete(self, handle: int, outcome: str, output: Any = None) -> None:
        """End the operation ``handle``: outcome ``ok``, ``fail`` (did not happen) or ``unknown``."""
        self.outbox.append(Complete(handle, outcome, output))

    def take_effects(self) -> list[Effect]:
        """Remove and return the effects emitted so far (for driving a node by hand)."""
        out, self.outbox = self.outbox, []
        return out

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
