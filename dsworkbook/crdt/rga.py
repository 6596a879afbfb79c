"""A sequence CRDT for collaborative text: the Replicated Growable Array (R06).

Theory of operation
-------------------
Two people type into the same document on different replicas. Positions do not work as
identities ("insert at 3" means different things once someone else inserted at 1), so the
Replicated Growable Array (RGA; Roh, Jeon, Kim & Lee, "Replicated abstract data types:
Building blocks for collaborative applications", JPDC 2011) gives every character an **id**
and says where it goes relative to another character's id:

* ``insert`` creates a node ``(id, anchor, char)``: put ``char`` right after the character
  ``anchor`` (or at the start: the anchor ``ROOT``). The id is a Lamport timestamp
  ``RGAId(counter, replica)``: one more than the largest counter the replica has seen, so an
  insert's id is always larger than its anchor's, and ids are totally ordered (ties by replica).
* ``delete`` never removes a node - another replica may still insert after it - it adds the id
  to the **tombstones** and the character disappears from the text.

The state is ``(nodes, tombstones)``, two grow-only sets, so merge is union and the laws hold
for free. All the subtlety is in reading the text back, the **RGA ordering rule**: read the
nodes as a tree (each node a child of its anchor) and walk it depth first from ``ROOT``,
visiting the children of a node in **descending id order** - the newest insert after a
character comes first, right next to it. (Roh et al. state it as "skip over the nodes with
larger timestamps"; the tree walk is the same order, as shown by Attiya et al., PODC 2016.)

Why descending? When one person types "ab" after "x", "b" is anchored at "a" and "a" at "x".
A concurrent insert "Z" after "x" by someone else is a sibling of "a"; ordering siblings by id
keeps each person's run of typing together ("xabZ" or "xZab", never "xaZb"), and because every
replica sorts the same ids the same way, every replica shows the same text.
:func:`linearise` is that rule on its own; exercise ``05-rga-order`` asks for it.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from dsworkbook.crdt._base import ReplicatedCRDT, check_replicas
from dsworkbook.errors import ConfigError

__all__ = ["RGAId", "ROOT", "RGA", "linearise"]


class RGAId(NamedTuple):
    """A character's id: a Lamport timestamp, compared by ``counter`` then ``replica``."""

    counter: int
    replica: str

    def __repr__(self) -> str:
        return "ROOT" if self.counter == 0 else f"{self.counter}{self.replica}"


#: The anchor of an insert at the start of the text.
ROOT = RGAId(0, "")


def linearise(nodes: Iterable[tuple[RGAId, RGAId, str]], tombstones: Iterable[RGAId] = ()) -> list[tuple[RGAId, str]]:
    """The visible characters ``(id, char)`` in text order, by the RGA rule (see the module docstring)."""
    children: dict[RGAId, list[tuple[RGAId, str]]] = {}
    for node_id, anchor, char in nodes:
        children.setdefault(anchor, []).append((node_id, char))
    for kids in children.values():
        kids.sort(reverse=True)  # newest first: descending (counter, replica)
    dead = set(tombstones)
    out: list[tuple[RGAId, str]] = []
    stack = list(reversed(children.get(ROOT, [])))
    while stack:  # depth-first, pre-order; a stack keeps long runs of typing from recursing deeply
        node_id, char = stack.pop()
        if node_id not in dead:
            out.append((node_id, char))
        stack.extend(reversed(children.get(node_id, [])))
    return out


class RGA(ReplicatedCRDT):
    """Collaborative text: ``RGA(["A", "B"]).insert(0, "h", "A").insert(1, "i", "A").value == "hi"``."""

    __slots__ = ("nodes", "tombstones", "_visible")
    type_name = "RGA"
    nodes: frozenset  # of (RGAId, anchor RGAId, char)
    tombstones: frozenset  # of RGAId

    def __init__(self, replicas: Iterable[str], nodes: Iterable[tuple[RGAId, RGAId, str]] = (),
                 tombstones: Iterable[RGAId] = ()) -> None:
        ids = check_replicas(replicas)
        items = frozenset((RGAId(*i), RGAId(*a), c) for i, a, c in nodes)
        known = {i for i, _, _ in items}
        for i, a, c in items:
            if i.replica not in ids or i.counter < 1 or not isinstance(c, str) or len(c) != 1:
                raise ConfigError(f"an RGA node is (RGAId(counter >= 1, replica of {list(ids)}), anchor, one "
                                  f"character), got {(i, a, c)!r}")
            if a != ROOT and (a not in known or not a < i):
                raise ConfigError(f"node {i!r} is anchored at {a!r}, which must be ROOT or an older node of the state")
        tombs = frozenset(RGAId(*t) for t in tombstones)
        if not tombs <= known:
            raise ConfigError(f"tombstones {sorted(tombs - known)} name characters that were never inserted")
        self._init(replicas=ids, nodes=items, tombstones=tombs, _visible=None)

    def _with(self, nodes: frozenset, tombstones: frozenset) -> "RGA":
        new = type(self).__new__(type(self))
        new._init(replicas=self.replicas, nodes=nodes, tombstones=tombstones, _visible=None)
        return new

    def visible(self) -> list[tuple[RGAId, str]]:
        """The visible characters with their ids, in text order (computed once per state)."""
        if self._visible is None:
            object.__setattr__(self, "_visible", tuple(linearise(self.nodes, self.tombstones)))
        return list(self._visible)  # type: ignore[arg-type]

    @property
    def value(self) -> str:
        return "".join(c for _, c in self.visible())

    def __len__(self) -> int:
        return len(self.visible())

    def _index(self, index: object, upper: int, what: str) -> int:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= upper:
            raise ConfigError(f"{what} index must be a whole number from 0 to {upper} (the text is "
                              f"{self.value!r}), got {index!r}")
        return index

    def insert(self, index: int, char: str, replica: str) -> "RGA":
        """Insert the one-character string ``char`` so that it becomes the text's ``index``-th character."""
        self._check_replica(replica)
        visible = self.visible()
        index = self._index(index, len(visible), "insert")
        if not isinstance(char, str) or len(char) != 1:
            raise ConfigError(f"insert takes one character, got {char!r}; use insert_text for a string")
        anchor = visible[index - 1][0] if index else ROOT
        counter = 1 + max((i.counter for i, _, _ in self.nodes), default=0)
        return self._with(self.nodes | {(RGAId(counter, replica), anchor, char)}, self.tombstones)

    def insert_text(self, index: int, text: str, replica: str) -> "RGA":
        """Insert ``text`` character by character at ``index`` (as someone typing it)."""
        state = self
        for k, char in enumerate(text):
            state = state.insert(index + k, char, replica)
        return state

    def delete(self, index: int) -> "RGA":
        """Delete the ``index``-th visible character (its node stays, as a tombstone)."""
        visible = self.visible()
        if not visible:
            raise ConfigError("cannot delete from an empty text")
        index = self._index(index, len(visible) - 1, "delete")
        return self._with(self.nodes, self.tombstones | {visible[index][0]})

    def _key(self) -> tuple:
        return (self.replicas, self.nodes, self.tombstones)

    def _merge(self, other: "RGA") -> "RGA":
        return self._with(self.nodes | other.nodes, self.tombstones | other.tombstones)

    def _leq(self, other: "RGA") -> bool:
        return self.nodes <= other.nodes and self.tombstones <= other.tombstones

    def __repr__(self) -> str:
        return f"RGA({self.value!r}, {len(self.nodes)} nodes, {len(self.tombstones)} tombstones)"
