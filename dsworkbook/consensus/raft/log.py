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

With log compaction (§7 of the paper, ``RaftConfig.snapshot_every``) the log holds only the
entries after a **base**: the last index and term a snapshot includes (``base_index``,
``base_term``; 0 and 0 until the first snapshot, so a log that never compacts behaves exactly as
before). Indexes stay absolute: :meth:`RaftLog.term_at` answers ``base_term`` at the base and None
below it (those entries are gone), ``last_index``/``last_term`` fall back to the base when no
entry is held, and ``len(log)`` stays the last index (``held`` counts the entries kept).
:meth:`RaftLog.compact` drops the entries a snapshot now covers; :meth:`RaftLog.install` is
§7's rule for a snapshot received from the leader: if the log holds the snapshot's last
included entry (same index and term), the entries after it are kept, otherwise the whole log
is discarded.
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
    """A list of :class:`Entry`, addressed from 1 (index 0 is the empty prefix, term 0), after a base.

    ``base_index``/``base_term`` are the last index and term covered by a snapshot (0, 0 without
    one); ``entries`` holds the entries from ``base_index + 1`` on.
    """

    __slots__ = ("entries", "base_index", "base_term")

    def __init__(self, entries: Iterable[Entry] = (), *, base_index: int = 0, base_term: int = 0) -> None:
        self.entries: list[Entry] = list(entries)
        self.base_index = base_index
        self.base_term = base_term

    def __len__(self) -> int:
        """The last index (entries a snapshot covers included); see :attr:`held` for the entries kept."""
        return self.base_index + len(self.entries)

    @property
    def held(self) -> int:
        """How many entries the log keeps (those after the base)."""
        return len(self.entries)

    @property
    def last_index(self) -> int:
        return self.base_index + len(self.entries)

    @property
    def last_term(self) -> int:
        return self.entries[-1].term if self.entries else self.base_term

    def term_at(self, index: int) -> int | None:
        """The term of the entry at ``index`` (the base's term at the base, 0 for index 0), or None when
        the log is shorter or the entry was compacted away."""
        base = self.base_index
        if index == base:
            return self.base_term
        if base < index <= base + len(self.entries):
            return self.entries[index - base - 1].term
        return None

    def __getitem__(self, index: int) -> Entry:
        """The entry at ``index`` (1-based; only entries after the base are held)."""
        base = self.base_index
        if not base < index <= base + len(self.entries):
            raise IndexError(f"log index {index} out of range {base + 1}..{base + len(self.entries)}")
        return self.entries[index - base - 1]

    def slice(self, start: int, count: int) -> tuple[Entry, ...]:
        """Up to ``count`` entries from index ``start`` on (``start`` must be after the base)."""
        first = start - self.base_index - 1
        return tuple(self.entries[first:first + count])

    def entries_from(self, first: int) -> tuple[Entry, ...]:
        """Every entry from index ``first`` (after the base) to the end."""
        return tuple(self.entries[first - self.base_index - 1:])

    def first_index_of_term(self, index: int) -> int:
        """The first index of the run of entries with the same term as the entry at ``index`` (base..last);
        the run stops at the base (what lies before it is compacted away)."""
        term = self.term_at(index)
        if term is None or index == 0:
            raise IndexError(f"log index {index} out of range 1..{self.last_index}")
        base = self.base_index
        first = index
        while first > base + 1 and self.entries[first - base - 2].term == term:
            first -= 1
        return first

    def matches(self, prev_index: int, prev_term: int) -> bool:
        """The consistency check: does the log hold an entry at ``prev_index`` with ``prev_term``?"""
        return self.term_at(prev_index) == prev_term

    def append(self, entry: Entry) -> int:
        self.entries.append(entry)
        return self.base_index + len(self.entries)

    def merge(self, prev_index: int, new: Sequence[Entry]) -> int | None:
        """Merge ``new`` after ``prev_index`` (which must match, at or after the base); the first index
        changed, or None.

        Entries that agree are kept; at the first conflict the rest of the log is cut and the
        remaining new entries appended. A stale or duplicated request changes nothing.
        """
        base = self.base_index
        for k, entry in enumerate(new):
            index = prev_index + 1 + k
            if index > base + len(self.entries):
                self.entries.extend(new[k:])
                return index
            if self.entries[index - base - 1].term != entry.term:
                del self.entries[index - base - 1:]
                self.entries.extend(new[k:])
                return index
        return None

    def compact(self, index: int) -> None:
        """Drop the entries up to ``index`` (held, at or after the base): a snapshot now covers them (§7)."""
        term = self.term_at(index)
        if term is None or index < self.base_index:
            raise IndexError(f"cannot compact up to index {index}: the log holds {self.base_index}..{self.last_index}")
        del self.entries[:index - self.base_index]
        self.base_index, self.base_term = index, term

    def install(self, index: int, term: int) -> bool:
        """A snapshot through (``index``, ``term``) from the leader replaces the log's prefix (§7).

        "If the follower has an existing log entry with the same index and term as the snapshot's
        last included entry, it retains log entries following it"; otherwise the whole log is
        discarded (it conflicts with the snapshot, or ends before it). Returns whether a suffix
        was kept.
        """
        kept = index >= self.base_index and self.term_at(index) == term
        self.entries = self.entries[index - self.base_index:] if kept else []
        self.base_index, self.base_term = index, term
        return kept

    def snapshot(self) -> tuple[Entry, ...]:
        """The entries held, as an immutable tuple (what is persisted; the base is persisted with the snapshot)."""
        return tuple(self.entries)

    def __repr__(self) -> str:
        base = f"base={self.base_index}@{self.base_term}; " if self.base_index else ""
        return "RaftLog([" + base + ", ".join(str(e.term) for e in self.entries) + "])"
