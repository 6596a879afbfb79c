"""Lamport clocks: one counter per process, consistent with happens-before (concept C02).

Theory of operation
-------------------
Lamport ("Time, Clocks, and the Ordering of Events in a Distributed System", CACM 1978)
defines *happens-before* (``->``): ``a -> b`` when ``a`` comes before ``b`` in one process, or
``a`` sends a message that ``b`` receives, or by transitivity. Two events with neither
``a -> b`` nor ``b -> a`` are **concurrent**. His logical clock keeps the *clock condition*

    a -> b   =>   L(a) < L(b)

with two implementation rules (IR1, IR2 in the paper), for a process with counter ``L``:

=================  ===========================================================
local event, send  ``L = L + 1``; a message carries ``L``
receive m          ``L = max(L, m.L) + 1``      (:func:`lamport_receive`)
=================  ===========================================================

The converse does **not** hold: ``L(a) < L(b)`` says nothing when the events are concurrent
(vector clocks, vector.py, fix that). Breaking ties with the process id gives a *total* order
consistent with happens-before (:class:`LamportTimestamp`), which is what mutual exclusion in
the paper, and "last writer wins" on logical time, use.

A clock must survive a crash: a process that restarts at 0 gives its later events smaller
timestamps than earlier ones, breaking the condition along its own process order.
:class:`~dsworkbook.clocks.run.ClockNode` persists its clock before each send for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.errors import ConfigError

__all__ = ["LamportClock", "LamportTimestamp", "lamport_receive"]


def _counter(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{name} must be a Lamport time (an int >= 0), got {value!r}")
    return value


def lamport_receive(local: int, received: int) -> int:
    """The receive rule (IR2): the receive event's time is ``max(local, received) + 1``.

    ``+ 1`` makes the receive later than the send (``received``) *and* than the process's own
    previous event (``local``), so the clock condition holds along both edges into it.
    """
    return max(_counter("local", local), _counter("received", received)) + 1


@dataclass(frozen=True, order=True, slots=True)
class LamportTimestamp:
    """``(time, node)``: Lamport time with the node id as tie-break, a total order (Lamport 1978, §3)."""

    time: int
    node: str

    def __str__(self) -> str:
        return f"{self.time}.{self.node}"


class LamportClock:
    """The Lamport clock of process ``node``. Each method returns the event's time."""

    __slots__ = ("node", "time")

    def __init__(self, node: str, time: int = 0) -> None:
        if not isinstance(node, str) or not node:
            raise ConfigError(f"a node id must be a non-empty string, got {node!r}")
        self.node = node
        self.time = _counter("time", time)

    def tick(self) -> int:
        """A local event (IR1)."""
        self.time += 1
        return self.time

    def send(self) -> int:
        """A send: tick, and return the time the message carries."""
        return self.tick()

    def receive(self, received: int) -> int:
        """A receive (IR2): ``max(own, received) + 1``."""
        self.time = lamport_receive(self.time, received)
        return self.time

    def stamp(self) -> LamportTimestamp:
        """The current time with this node as tie-break."""
        return LamportTimestamp(self.time, self.node)

    def __repr__(self) -> str:
        return f"LamportClock({self.node!r}, time={self.time})"
