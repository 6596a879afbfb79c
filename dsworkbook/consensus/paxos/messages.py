"""Paxos's messages and ballots, named as in "Paxos Made Simple" (prepare, promise, accept, accepted, learn).

Theory of operation
-------------------
A :class:`Ballot` is a pair ``(round, proposer)`` ordered by round, then by proposer id, so two
proposers never use the same ballot. Messages are immutable records; ``Promise`` and ``Accept``
carry a value, and a :class:`Payload` value has a ``size``, so on a network with limited
bandwidth the messages that carry it travel slower (the duelling-proposers experiment uses
this). :class:`Nack` is the refusal that tells a proposer which higher ballot beat it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Ballot", "ZERO", "Payload", "Prepare", "Promise", "Accept", "Accepted", "Nack", "Learn", "LearnRequest",
           "PAXOS_MESSAGES"]


@dataclass(frozen=True, slots=True, order=True)
class Ballot:
    """A proposal number: compared by ``round``, ties broken by ``proposer`` (so ballots are unique)."""

    round: int
    proposer: str

    def __str__(self) -> str:
        return f"{self.round}.{self.proposer}"


ZERO = Ballot(0, "")


@dataclass(frozen=True, slots=True)
class Prepare:
    ballot: Ballot


@dataclass(frozen=True, slots=True)
class Promise:
    """An acceptor's promise for ``ballot``, with what it accepted before (None: nothing)."""

    ballot: Ballot
    accepted_ballot: Ballot | None
    accepted_value: Any

    @property
    def size(self) -> int:
        return 1 + (_size(self.accepted_value) if self.accepted_ballot is not None else 0)


def _size(value: Any) -> int:
    return int(getattr(value, "size", 1))


@dataclass(frozen=True, slots=True)
class Payload:
    """A proposed value with a size: on links with limited bandwidth a big value travels slowly."""

    name: str
    size: int = 1

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Accept:
    ballot: Ballot
    value: Any

    @property
    def size(self) -> int:
        return 1 + _size(self.value)


@dataclass(frozen=True, slots=True)
class Accepted:
    ballot: Ballot
    value: Any


@dataclass(frozen=True, slots=True)
class Nack:
    """A refusal: ``ballot`` lost to ``promised`` (so the proposer can jump past it)."""

    ballot: Ballot
    promised: Ballot


@dataclass(frozen=True, slots=True)
class Learn:
    value: Any


@dataclass(frozen=True, slots=True)
class LearnRequest:
    """An undecided node asks the others what was chosen (a learner that missed the Learn)."""


PAXOS_MESSAGES = (Prepare, Promise, Accept, Accepted, Nack, Learn, LearnRequest)
