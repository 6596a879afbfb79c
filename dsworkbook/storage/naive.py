"""The seeds' quorum store, rewritten as a replica with the same mistakes (drill ``02-drill-quorum``).

Theory of operation
-------------------
The source notes' "CP system" computed its quorum as ``ceil(n * 0.51)``, checked how many
nodes it *believed* were up, then wrote "to all available nodes" and reported success without
counting who actually stored the value; its reads took the first answer. Put on a real network,
each habit is a bug. :class:`NaiveQuorumReplica` is the correct :class:`~dsworkbook.storage.cp.CPReplica`
with its decisions replaced by those habits, one method each:

==================  ======================================================================================
method              the mistake
==================  ======================================================================================
``quorum_size``     ``ceil(n * 0.51)``: a float "51 %" that asks for more replicas than a majority from
                    ``n = 51`` on (27 of 51), so the store refuses writes it could have accepted
``write_done``      counts the replicas the write was *sent* to, not those that *acknowledged* it: a
                    coordinator cut off from the others reports success for a write only it holds
``latest``          takes the first reply instead of the newest version, so a read returns whatever the
                    fastest replica - maybe a stale one - holds
``next_tag``        numbers a write from this replica's own counter only, ignoring the tags the quorum
                    reported, so a write through a quiet replica gets an *older* tag than the value it
                    overwrites and is silently ignored
==================  ======================================================================================

Exercise ``02-drill-quorum`` asks for a subclass that fixes all four; its check runs five
replicas under partitions and checks the histories for linearizability.

The notes' eventually consistent store had two more, rendered here as the functions
:func:`naive_merge` and :func:`naive_resolve` over :class:`~dsworkbook.storage.stores.Sibling`
(drill ``03-drill-eventual`` fixes the merge):

* the merge keeps every version it has ever seen, de-duplicated by ``(writer, the writer's own
  counter)``: a version that another one overwrote is never dropped, so replicas accumulate
  history and an overwritten value can win again;
* the resolver compares each version's *own* entry of its vector (``vector[writer]``): counters
  of different replicas count different things, so the "latest" it picks is arbitrary.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

from dsworkbook.storage.cp import CPReplica, Tag
from dsworkbook.storage.stores.eventual import Sibling

__all__ = ["NaiveQuorumReplica", "naive_merge", "naive_resolve"]


class NaiveQuorumReplica(CPReplica):
    """A majority-quorum replica with the four mistakes of the source notes (see the module docstring)."""

    def quorum_size(self, n: int) -> int:
        return math.ceil(n * 0.51)  # bug 1: a rounded percentage is not a majority

    def write_done(self, op: Any) -> bool:
        return len(op.sent) >= self.quorum_size(len(self.replicas))  # bug 2: sent is not stored

    def latest(self, replies: Mapping[str, tuple[Tag, Any]]) -> tuple[Tag, Any]:
        return next(iter(replies.values()))  # bug 3: the first answer, not the newest

    def next_tag(self, seen: Tag) -> Tag:
        return Tag(self.counter + 1, self.id)  # bug 4: ignores the tags the quorum reported


def naive_merge(mine: Iterable[Sibling], theirs: Iterable[Sibling]) -> tuple[Sibling, ...]:
    """Keeps every version, de-duplicated by (writer, writer's own counter): nothing is ever dropped."""
    out, seen = [], set()
    for s in [*mine, *theirs]:
        writer = s.stamp[1]
        if (writer, s.vector[writer]) not in seen:  # bug: dominated versions are kept forever
            seen.add((writer, s.vector[writer]))
            out.append(s)
    return tuple(out)


def naive_resolve(siblings: Sequence[Sibling]) -> Any:
    """Picks the version whose writer's own counter is highest: counters of different replicas compared."""
    return max(siblings, key=lambda s: s.vector[s.stamp[1]]).value if siblings else None
