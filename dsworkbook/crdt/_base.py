"""What every state-based CRDT of this package shares: immutability, a replica set, clear errors.

Theory of operation
-------------------
A state-based CRDT (a *CvRDT*, Shapiro, Preguiça, Baquero & Zawirski, "Conflict-free
Replicated Data Types", SSS 2011, §2.2) is a value drawn from a **join-semilattice**:

* ``a <= b``  - the partial order: ``b`` knows everything ``a`` knows;
* ``a.merge(b)`` - the least upper bound (join) of ``a`` and ``b``;
* every update is an **inflation**: ``s <= s.update(...)``.

Then merge is commutative, associative and idempotent, and replicas that have received the same
updates - in any order, any number of times - hold equal states (SSS 2011, Theorem 2.1). The
laws are checked for every type in :mod:`dsworkbook.crdt.laws` and the tests.

Rules every type here keeps:

* **Values are immutable.** An update returns a new state and leaves the old one alone, so a
  state can be sent, kept in a trace, compared and hashed without copying, and a law can be
  checked on the very objects a run produced.
* **Equal means equal state**: ``==`` and ``hash`` look at the canonical state (what
  :meth:`CRDT._key` returns), and ``repr`` is sorted and stable, so a trace that holds states
  hashes to the same digest on every run.
* **Clear errors.** Merging or comparing two different types, or two states built over
  different replica sets, raises :class:`CRDTMismatchError`; an update naming a replica that
  is not in the set raises :class:`UnknownReplicaError`. Both are
  :class:`~dsworkbook.errors.ConfigError`, and their messages say how to fix the call.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, TypeVar

from dsworkbook.errors import ConfigError

__all__ = ["CRDT", "ReplicatedCRDT", "CRDTMismatchError", "UnknownReplicaError", "check_replicas", "sorted_repr"]

C = TypeVar("C", bound="CRDT")


class CRDTMismatchError(ConfigError):
    """Two states that cannot be merged or compared: different types, or different replica sets."""


class UnknownReplicaError(ConfigError):
    """An update names a replica id that the state was not built with."""

    def __init__(self, replica: object, known: Iterable[str]) -> None:
        known = tuple(known)
        super().__init__(f"unknown replica {replica!r}; this state was built for replicas {list(known)}. "
                         "Use one of them, or build every replica's state with replicas=[...] naming it.")
        self.replica = replica


def check_replicas(replicas: Iterable[str]) -> tuple[str, ...]:
    """The replica ids, validated and sorted (the order every repr and table uses)."""
    if isinstance(replicas, str):
        raise ConfigError(f"replicas must be a list of replica ids, got the string {replicas!r}; "
                          f"write [{replicas!r}] for one replica")
    try:
        ids = list(replicas)
    except TypeError:
        raise ConfigError(f"replicas must be a list of replica ids such as ['A', 'B', 'C'], got {replicas!r}") from None
    bad = [r for r in ids if not isinstance(r, str) or not r]
    if bad or not ids:
        raise ConfigError(f"replicas must be a non-empty list of non-empty strings, got {ids!r}")
    if len(set(ids)) != len(ids):
        raise ConfigError(f"replica ids must be distinct, got {ids!r}")
    return tuple(sorted(ids))


def sorted_repr(items: Iterable[Any]) -> str:
    """``{a, b, c}`` with the items in a stable order (sorted by repr), for stable reprs and digests."""
    return "{" + ", ".join(sorted(repr(x) for x in items)) + "}"


class CRDT:
    """Base of every state-based CRDT here. Subclasses implement ``_key``, ``_merge``, ``_leq``, ``value``."""

    __slots__ = ()

    #: The name used in error messages and tables ("G-Counter", "OR-Set"...).
    type_name: ClassVar[str] = "CRDT"

    # -- what a subclass provides -----------------------------------------------------------------

    def _key(self) -> tuple:
        """The canonical state: two states are equal exactly when their keys are."""
        raise NotImplementedError

    def _merge(self: C, other: C) -> C:
        """The join of two compatible states (already checked)."""
        raise NotImplementedError

    def _leq(self: C, other: C) -> bool:
        """The partial order on two compatible states (already checked)."""
        raise NotImplementedError

    @property
    def value(self) -> Any:
        """What a reader of the replicated object sees (the counter's number, the set's members...)."""
        raise NotImplementedError

    # -- the public operations --------------------------------------------------------------------

    def merge(self: C, other: C) -> C:
        """The least upper bound of ``self`` and ``other`` (a new state; neither is changed)."""
        self._check_compatible(other, "merge")
        return self._merge(other)

    def __le__(self, other: object) -> bool:
        """``a <= b``: ``b`` has seen everything ``a`` has (the semilattice's partial order)."""
        self._check_compatible(other, "compare")
        return self._leq(other)  # type: ignore[arg-type]

    def _check_compatible(self, other: object, what: str) -> None:
        if type(other) is not type(self):
            theirs = getattr(other, "type_name", type(other).__name__)
            raise CRDTMismatchError(
                f"cannot {what} a {self.type_name} ({type(self).__name__}) with a {theirs} "
                f"({type(other).__name__}); every replica of one object must hold the same CRDT type")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: updates return a new state "
                             f"(write s = s.increment(...), not s.x = ...)")

    def _init(self, **fields: Any) -> None:
        """Set the slots once, at construction (the only writes an immutable state allows)."""
        for name, value in fields.items():
            object.__setattr__(self, name, value)


class ReplicatedCRDT(CRDT):
    """A CRDT whose state names replicas (counters, version vectors, dots): the set is fixed at creation.

    Two states over different replica sets cannot be merged: a replica missing from one set
    would be silently dropped or invented, so it is an error instead.
    """

    __slots__ = ("replicas",)

    replicas: tuple[str, ...]

    def _check_compatible(self, other: object, what: str) -> None:
        super()._check_compatible(other, what)
        theirs = other.replicas  # type: ignore[attr-defined]
        if theirs != self.replicas:
            raise CRDTMismatchError(
                f"cannot {what} two {self.type_name}s over different replica sets {list(self.replicas)} and "
                f"{list(theirs)}; build every replica's state with the same replicas=[...]")

    def _check_replica(self, replica: object) -> str:
        if replica not in self.replicas:
            raise UnknownReplicaError(replica, self.replicas)
        return replica  # type: ignore[return-value]
