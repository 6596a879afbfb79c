"""Log replication (§5.3) and the commit rule (§5.4.2).

Theory of operation
-------------------
The leader keeps, per follower, ``next_index`` (the next entry to send) and ``match_index``
(the highest entry known to be replicated there). An AppendEntries carries the entry before
the new ones (``prev_log_index``, ``prev_log_term``); the follower accepts only if its log
holds that entry - the **consistency check** - so by induction an accepted request leaves the
follower's log identical to the leader's up to the last new entry (Log Matching, §5.3). On a
rejection the leader **backs off** ``next_index`` and tries again, by one of three rules
(``RaftConfig.backoff``, see :data:`~dsworkbook.consensus.raft.config.BACKOFFS`):

* ``"one"`` - one entry back per refusal, as §5.3 states the rule;
* ``"length"`` (the default) - one entry back, but straight past the end of a follower's log
  that is shorter than ``prev_log_index`` (the reply carries the follower's last index; etcd's
  raft does the same);
* ``"term"`` - the optimisation §5.3 describes at its end: the follower's refusal names the term
  of its conflicting entry and the first index it stores for that term, and the leader moves
  ``next_index`` to that index, skipping the whole term in one round trip.

The back-off changes how many round trips a repair takes, never its result: whatever
``next_index`` the leader tries, the consistency check refuses until the logs match.

A new leader first *probes* each follower - one request at a time, moving ``next_index`` only
on answers - until the follower accepts; from then on entries flow in one of two modes (F05):

* **stop-and-wait** (``pipeline=False``): one AppendEntries with entries in flight per
  follower; the next leaves when the answer comes back;
* **pipelined** (``pipeline=True``): up to ``max_inflight`` in flight; ``next_index`` moves on
  as requests leave, and a gap left by a lost request shows up as a rejection (back to probing).

Each request carries at most ``max_batch`` entries (batching). A heartbeat that finds no
progress since the previous one resends from the last acknowledged entry, so a lost request
costs one heartbeat period.

With log compaction (§7, :mod:`~dsworkbook.consensus.raft.snapshots`) a follower whose
``next_index`` is at or below the leader's log base gets the leader's snapshot instead of
entries, and is probed meanwhile (one InstallSnapshot per heartbeat until it answers).

The leader commits index N when a majority's ``match_index`` (its own last index included) is
>= N **and** the entry at N is from the current term; earlier entries are then committed
indirectly (§5.4.2, Figure 8). :func:`majority_commit_index` is that rule as a pure function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from dsworkbook.consensus.raft.messages import AppendEntries, AppendEntriesReply
from dsworkbook.consensus.raft.roles import FOLLOWER

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["ReplicationMixin", "majority_commit_index"]


def majority_commit_index(match_indexes: Sequence[int], term_at: Callable[[int], int | None], current_term: int,
                          commit_index: int, *, current_term_only: bool = True) -> int:
    """The new commit index of a leader (§5.3, §5.4.2).

    ``match_indexes`` holds one number per server of the cluster, the leader's own last index
    included. The highest index stored on a majority is committed if its entry is from
    ``current_term``; otherwise nothing new is (every later current-term entry sits above it).
    ``current_term_only=False`` is the Figure 8 bug: commit by counting alone.
    """
    majority = len(match_indexes) // 2 + 1
    n = sorted(match_indexes, reverse=True)[majority - 1]
    if n > commit_index and (not current_term_only or term_at(n) == current_term):
        return n
    return commit_index


class ReplicationMixin:
    """The replication half of :class:`~dsworkbook.consensus.raft.node.RaftNode`."""

    # -- the follower's side -----------------------------------------------------------------

    def handle_append_entries(self: "RaftNode", src: str, msg: AppendEntries) -> None:
        """Consistency check, conflict truncation, append, commit; persist before replying (§5.3)."""
        if msg.term < self.current_term:
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index))
            return
        self.leader_id = src
        self.reset_election_timer()
        if self.guards_votes:
            self.heard_from_leader()
        if msg.prev_log_index < self.log.base_index:  # a snapshot covers it: see snapshots.clip_to_base
            msg = self.clip_to_base(msg)
        if not self.log.matches(msg.prev_log_index, msg.prev_log_term):
            term, first = self.conflict_hint(msg.prev_log_index)
            self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index,
                                              term, first, msg.round))
            return
        changed = self.log.merge(msg.prev_log_index, msg.entries)
        last_new = msg.prev_log_index + len(msg.entries)
        reply = AppendEntriesReply(self.current_term, True, last_new, self.log.last_index, 0, 0, msg.round)
        if self.config.variant == "reply_before_persist":
            self.send(src, reply)  # the broken variant: the acknowledgement leaves before the log is on disk
        if changed is not None:
            self.log_changed(changed)
        if msg.leader_commit > self.commit_index:
            self.commit_to(min(msg.leader_commit, self.follower_commit_bound(last_new)))
        if self.config.variant != "reply_before_persist":
            self.send(src, reply)

    def follower_commit_bound(self: "RaftNode", last_new: int) -> int:
        """How far an accepted AppendEntries lets this follower commit: the last new entry (Figure 2,
        AppendEntries rule 5: ``commitIndex = min(leaderCommit, index of last new entry)``).

        Only up to ``last_new`` is this log known to equal the leader's: the consistency check
        vouched for ``prev_log_index`` and the request carried the rest. Entries past it may be
        a stale tail left by a deposed leader, which the leader's commit index says nothing about.
        The ``commit_to_own_last_index`` variant commits up to its own last index and applies
        such a tail.
        """
        if self.config.variant == "commit_to_own_last_index":
            return self.log.last_index
        return last_new

    def conflict_hint(self: "RaftNode", prev_index: int) -> tuple[int, int]:
        """§5.3's hint for a refused ``prev_index``: (term of the conflicting entry, first index of that term).

        ``(0, last index + 1)`` when this log has no entry at ``prev_index``.
        """
        term = self.log.term_at(prev_index)
        if term is None:
            return 0, self.log.last_index + 1
        return term, self.log.first_index_of_term(prev_index)

    def candidate_append_entries(self: "RaftNode", src: str, msg: AppendEntries) -> None:
        """A leader of this term exists: the candidate returns to follower, then handles it (§5.2)."""
        if msg.term == self.current_term:
            self.set_role(FOLLOWER)
        self.handle_append_entries(src, msg)

    def leader_append_entries(self: "RaftNode", src: str, msg: AppendEntries) -> None:
        """Another leader of this very term cannot exist (Election Safety); refuse, never obey."""
        self.send(src, AppendEntriesReply(self.current_term, False, msg.prev_log_index, self.log.last_index))

    # -- the leader's side ---------------------------------------------------------------------

    def replicate(self: "RaftNode", peer: str, *, force: bool = False, heartbeat: bool = False) -> None:
        """Send ``peer`` what its state allows: a probe, new entries within the window, or a heartbeat.

        A follower is *probed* (one request at a time, ``next_index`` moved only by answers) until
        it first accepts in this term; then entries flow within the window - one batch in flight
        without pipelining, ``max_inflight`` batches with it. A heartbeat that finds no progress
        since the previous one resends from the last acknowledged entry (a lost request).
        """
        cfg = self.config
        nxt, match = self.next_index[peer], self.match_index[peer]
        base = self.log.base_index
        if peer in self.probing:
            if force or heartbeat:
                if nxt <= base:  # §7: those entries are gone; the snapshot instead
                    self.send_snapshot(peer)
                else:
                    self.send_append(peer, nxt, self.log.slice(nxt, cfg.max_batch))
            return
        if heartbeat:
            if nxt > match + 1 and self.beat_mark[peer] == match:
                nxt = self.next_index[peer] = match + 1
            self.beat_mark[peer] = match
        if nxt <= base:  # §7: probe with the snapshot until the follower answers
            self.probing.add(peer)
            self.send_snapshot(peer)
            return
        if cfg.pipeline:
            room = cfg.max_inflight * cfg.max_batch - (nxt - match - 1)
        else:
            room = cfg.max_batch if nxt == match + 1 else 0  # stop-and-wait: nothing may be in flight
        entries = self.log.slice(nxt, min(cfg.max_batch, room)) if room > 0 else ()
        if entries:
            self.send_append(peer, nxt, entries)
            self.next_index[peer] = nxt + len(entries)
        elif heartbeat or force:
            self.send_append(peer, max(match, base) + 1, ())  # empty, where the follower matches (or at the base)

    def send_append(self: "RaftNode", peer: str, first: int, entries: tuple) -> None:
        prev = first - 1
        self.send(peer, AppendEntries(self.current_term, self.id, prev, self.log.term_at(prev) or 0, entries,
                                      self.commit_index, self.round))

    def heartbeat(self: "RaftNode") -> None:
        """Every heartbeat period: a new round (see :mod:`~dsworkbook.consensus.raft.reads`) and an
        AppendEntries to each follower (empty if nothing is pending)."""
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, heartbeat=True)
        self.set_timer("heartbeat", self.config.heartbeat)

    def handle_append_entries_reply(self: "RaftNode", src: str, msg: AppendEntriesReply) -> None:
        """Track what ``src`` stores; back off ``next_index`` on a rejection (§5.3)."""
        if msg.term != self.current_term:
            return
        if self.tracks_acks:
            self.heard.add(src)
            self.round_acknowledged(src, msg.round)
        if msg.success:
            self.probing.discard(src)
            if msg.index > self.match_index[src]:
                self.match_index[src] = msg.index
                self.advance_commit_index()
            self.next_index[src] = max(self.next_index[src], self.match_index[src] + 1)
            if self.role.name == "leader":
                self.replicate(src)
                if src == self.transfer_target:
                    self.maybe_send_timeout_now()
        elif msg.index > self.match_index[src]:  # else: a late rejection of something long acknowledged
            self.probing.add(src)
            self.next_index[src] = self.back_off(msg, self.match_index[src])
            self.replicate(src, force=True)

    def back_off(self: "RaftNode", reply: AppendEntriesReply, match: int) -> int:
        """The next ``next_index`` after ``reply`` refused ``prev_log_index = reply.index`` (see the module doc).

        Never at or below ``match`` (those entries are known to be stored), never above the
        refused index (the follower does not hold that entry as the leader does).
        """
        rejected = reply.index
        rule = self.config.backoff
        if rule == "one":
            nxt = rejected
        elif rule == "term" and 0 < reply.conflict_index <= rejected:
            nxt = reply.conflict_index
        else:  # "length", or "term" facing a reply without the hint
            nxt = min(rejected, reply.last_log_index + 1)
        return max(match + 1, nxt)

    def advance_commit_index(self: "RaftNode") -> None:
        """Commit what a majority stores, counting only current-term entries (§5.4.2)."""
        if self.dynamic:  # membership changes: the configuration's quorums (joint: both)
            index = self.quorum_commit_index()
        else:
            index = self.replicated_index([self.log.last_index, *(self.match_index[p] for p in self.peers)])
        if self.may_commit(index):
            self.commit_to(index)

    def replicated_index(self: "RaftNode", matches: Sequence[int]) -> int:
        """The highest index stored on a majority: the majority-th largest of ``matches`` (one per server)."""
        return sorted(matches, reverse=True)[len(matches) // 2]

    def may_commit(self: "RaftNode", index: int) -> bool:
        """May the leader count ``index`` as committed? Only if it is new and from the current term."""
        if index <= self.commit_index:
            return False
        if self.config.variant == "commit_old_term_by_count":
            return True  # the broken variant: Figure 8
        return self.log.term_at(index) == self.current_term
