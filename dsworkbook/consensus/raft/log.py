"""The replicated log: 1-indexed entries, the up-to-date rule, and conflict truncation.

Theory of operation
-------------------
Index 0 is a sentinel with term 0, so "the entry before the first one" always exists and the
consistency check of AppendEntries needs no special case (§5.3). The log only changes in two
ways: a leader appends at the end, and a follower :meth:`RaftLog.merge`\\ s what a leader sent
after a matching ``prev_log_index``. Merging keeps every entry that agrees with the leader and
truncates only at the **first conflict** (same index, different term): an AppendEntries that
arrives late, or twice, must never cut entries the follower already acknowledged (Figure 2,
AppendEntries rule 3: "If an existing entry conflicts with a new one ... delete the existing
entry and all that follow it").

:func:`at_least_as_up_to_date` is the voting rule of §5.4.1: compare the terms of the last
entries; if they are equal, the longer log wins.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from dsworkbook.consensus.raft.messages import Entry

__all__ = ["RaftLog", "at_least_as_up_to_date"]


def at_least_as_up_to_date(last_term: int, last_index: int, other_term: int, other_index: int) -> bool:
    """True when a log ending at (``last_term``, ``last_index``) is at least as up-to-date as the other (§5.4.1)."""
    if last_term != other_term:
        return last_term > other_term
    return last_index >= other_index


class RaftLog:
    """A list of :class:`Entry`, addressed from 1 (index 0 is the empty prefix, term 0)."""

    __slots__ = ("entries",)

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = list(entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def last_index(self) -> int:
        return len(self.entries)

    @property
    def last_term(self) -> int:
        return self.entries[-1].term if self.entries else 0

    def term_at(self, index: int) -> int | None:
        """The term of the entry at ``index`` (0 for index 0), or None when the log is shorter."""
        if index == 0:
            return 0
        if 0 < index <= len(self.entries):
            return self.entries[index - 1].term
        return None

    def __getitem__(self, index: int) -> Entry:
        """The entry at ``index`` (1-based)."""
        if not 0 < index <= len(self.entries):
            raise IndexError(f"log index {index} out of range 1..{len(self.entries)}")
        return self.entries[index - 1]

    def slice(self, start: int, count: int) -> tuple[Entry, ...]:
        """Up to ``count`` entries from index ``start`` on."""
        return tuple(self.entries[start - 1:start - 1 + count])

    def first_index_of_term(self, index: int) -> int:
        """The first index of the run of entries with the same term as the entry at ``index`` (1..last)."""
        term = self.term_at(index)
        if term is None or index == 0:
            raise IndexError(f"log index {index} out of range 1..{len(self.entries)}")
        first = index
        while first > 1 and self.entries[first - 2].term == term:
            first -= 1
        return first

    def matches(self, prev_index: int, prev_term: int) -> bool:
        """The consistency check: does the log hold an entry at ``prev_index`` with ``prev_term``?"""
        return self.term_at(prev_index) == prev_term

    def append(self, entry: Entry) -> int:
        self.entries.append(entry)
        return len(self.entries)

    def merge(self, prev_index: int, new: Sequence[Entry]) -> int | None:
        """Merge ``new`` after ``prev_index`` (which must match); the first index changed, or None.

        Entries that agree are kept; at the first conflict the rest of the log is cut and the
        remaining new entries appended. A stale or duplicated request changes nothing.
        """
        for k, entry in enumerate(new):
            index = prev_index + 1 + k
            if index > len(self.entries):
                self.entries.extend(new[k:])
                return index
            if self.entries[index - 1].term != entry.term:
                del self.entries[index - 1:]
                self.entries.extend(new[k:])
                return index
        return None

    def snapshot(self) -> tuple[Entry, ...]:
        """The log as an immutable tuple (what is persisted)."""
        return tuple(self.entries)

    def __repr__(self) -> str:
        return "RaftLog([" + ", ".join(str(e.term) for e in self.entries) + "])"
