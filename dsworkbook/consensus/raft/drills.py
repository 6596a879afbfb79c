"""Raft as the seed notes wrote it: three counting rules, each with a classic bug (a pitfall drill).

Theory of operation
-------------------
The interview notes this workbook grew from sketch Raft in a few dozen lines, and get its
arithmetic wrong in ways interviewers like to probe. :class:`SeedRaft` is a complete
:class:`~dsworkbook.consensus.raft.node.RaftNode` whose three counting hooks are rewritten the
way those notes count (in this workbook's words, not theirs):

1. :meth:`SeedRaft.votes_needed` adds one to "half the cluster, rounded up" - with five servers
   a candidate needs four votes, so two crashed servers stop all elections, and with three
   servers it needs all three;
2. :meth:`SeedRaft.replicated_index` takes "the majority-th" match index with the majority
   computed as half the servers rounded down - with five servers that is the second highest,
   an entry stored on two servers only;
3. :meth:`SeedRaft.may_commit` commits whatever that count says, whatever the term of the
   entry - Figure 8's mistake.

Exercise ``06-drill-seed-raft`` asks for the three fixes; each bug is caught by a run that
exposes it (two servers down; a leader cut off right after a commit; Figure 8).
"""

from __future__ import annotations

from typing import Sequence

from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["SeedRaft"]


class SeedRaft(RaftNode):
    """A Raft server whose vote count, replication count and commit rule carry the notes' bugs."""

    def votes_needed(self) -> int:
        return (len(self.members) + 1) // 2 + 1  # bug 1: "a majority" plus one

    def replicated_index(self, matches: Sequence[int]) -> int:
        ranked = sorted(matches, reverse=True)
        return ranked[len(matches) // 2 - 1] if len(matches) > 1 else ranked[0]  # bug 2: half, rounded down

    def may_commit(self, index: int) -> bool:
        return index > self.commit_index  # bug 3: no current-term rule
