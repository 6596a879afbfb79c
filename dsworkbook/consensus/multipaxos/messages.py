"""Multi-Paxos's messages: the single-decree ones with a slot, plus what a replicated log needs.

Theory of operation
-------------------
Phase 1 is run once for every slot at a time (:class:`MPrepare`, :class:`MPromise` carrying every
acceptance, slot by slot); phase 2 once per slot (:class:`MAccept`, :class:`MAccepted`).
**An acknowledgement names what it acknowledges** - ballot, slot *and value* - so a leader never
counts an acceptance of one value as an acceptance of another. Within one ballot a slot only
ever carries one value, so on a correct leader the value in :class:`MAccepted` is redundant; it
is the second line of defence that makes a bug elsewhere (a ballot reused for a second value)
visible instead of silently fatal.

:class:`Decide` announces a chosen value; :class:`Heartbeat` tells the replicas who leads and how
far the leader's log is applied, and a replica that is behind answers with :class:`CatchUp`,
which is answered **only from decided slots** - never from what an acceptor merely accepted,
which may never have been chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dsworkbook.consensus.paxos.messages import ZERO, Ballot

__all__ = ["Ballot", "ZERO", "MPrepare", "MPromise", "MAccept", "MAccepted", "MNack", "Decide", "Heartbeat",
           "CatchUp", "MULTIPAXOS_MESSAGES"]


@dataclass(frozen=True, slots=True)
class MPrepare:
    """Phase 1a for every slot at once: "promise me ``ballot``"."""

    ballot: Ballot


@dataclass(frozen=True, slots=True)
class MPromise:
    """A promise for ``ballot`` with every acceptance: ``(slot, ballot, value)`` triples."""

    ballot: Ballot
    accepted: tuple[tuple[int, Ballot, Any], ...]


@dataclass(frozen=True, slots=True)
class MAccept:
    """Phase 2a for one slot: "accept ``value`` in ``slot`` under ``ballot``"."""

    ballot: Ballot
    slot: int
    value: Any


@dataclass(frozen=True, slots=True)
class MAccepted:
    """Phase 2b: the acceptor accepted ``value`` in ``slot`` under ``ballot`` (all three named)."""

    ballot: Ballot
    slot: int
    value: Any


@dataclass(frozen=True, slots=True)
class MNack:
    """A refusal: ``ballot`` lost to ``promised``."""

    ballot: Ballot
    promised: Ballot


@dataclass(frozen=True, slots=True)
class Decide:
    """``value`` was chosen in ``slot``."""

    slot: int
    value: Any


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The leader of ``ballot`` is alive and has applied its log up to ``decided_upto``."""

    ballot: Ballot
    decided_upto: int


@dataclass(frozen=True, slots=True)
class CatchUp:
    """A replica asks for decided slots from ``first`` on (answered from decided slots only)."""

    first: int


MULTIPAXOS_MESSAGES = (MPrepare, MPromise, MAccept, MAccepted, MNack, Decide, Heartbeat, CatchUp)
