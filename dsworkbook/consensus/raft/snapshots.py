"""Log compaction: snapshots of the state machine, and InstallSnapshot (§7 of the paper; thesis ch. 5).

Theory of operation
-------------------
A log that only grows fills the disk and makes a restart replay everything. With
``RaftConfig.snapshot_every = N`` (off by default) every server, on its own, writes a
**snapshot** once N applied entries follow its last one: the state machine's state after its
last applied entry, with that entry's index and term (the *last included* index and term,
:class:`~dsworkbook.consensus.raft.messages.Snapshot`), then drops the entries it covers
(:meth:`SnapshotMixin.maybe_snapshot`). Only applied - hence committed - entries go into a
snapshot, so no server ever discards an entry a leader might still change. Snapshot and the
remaining log are persisted in one write: a crash sees both or neither.

The state must include everything that decides what a later command does. For the key-value
store that is the data **and** the client-session table (the last sequence number and output
per client, §8 of the paper): a server restored from a snapshot without it would apply a
retried command a second time (the ``snapshot_without_sessions`` variant).

**InstallSnapshot** (Figure 13): when the next entry a leader must send a follower is at or
below its log's base - compacted away - the leader sends its snapshot instead, whole. The
follower (:meth:`SnapshotMixin.handle_install_snapshot`):

* refuses a request of an older term (its reply's term deposes the sender);
* ignores a snapshot that its commit index already covers (it holds that prefix, committed);
* otherwise keeps the entries after the snapshot's last included entry if its log holds that
  entry with the same term, and discards its whole log if not (§7); replaces its state machine
  with the snapshot's state; raises its commit and applied indexes to the last included index;
  persists; and only then replies.

The leader then moves ``match_index`` to the last included index and ``next_index`` past it.
A follower asked to append after an index its snapshot covers (an AppendEntries that was
delayed, or sent before the snapshot) treats the request as if it began at its base: what a
snapshot covers is committed, so it matches the leader's log there (Leader Completeness,
§5.4) - :meth:`SnapshotMixin.clip_to_base`.

After a crash a server rebuilds its state machine from its snapshot and replays only the
entries after it (:meth:`SnapshotMixin.restore_snapshot`); its commit index starts at the last
included index. Trace notes for the safety checker: ``compact=(index, term)`` when a server
snapshots its own log, ``snapshot=(index, term)`` (with ``log``/``entries``: what it kept) when
it installs one or restarts from one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from dsworkbook.consensus.raft.messages import AppendEntries, InstallSnapshot, InstallSnapshotReply, Snapshot
from dsworkbook.consensus.raft.roles import FOLLOWER, LEADER
from dsworkbook.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["SnapshotMixin"]


class SnapshotMixin:
    """The log-compaction half of :class:`~dsworkbook.consensus.raft.node.RaftNode` (idle unless
    ``snapshot_every`` is set, or a snapshot variant is chosen)."""

    # -- start ------------------------------------------------------------------------------------

    def restore_snapshot(self: "RaftNode", stored: Mapping[str, Any]) -> Snapshot | None:
        """On start: load the persisted snapshot (if any) into the log's base and the state machine."""
        self.snapshot_every = self.config.snapshot_interval
        self.last_snapshot: Snapshot | None = stored.get("snapshot")
        if self.snapshot_every is not None:
            sm = self.state_machine
            if not (callable(getattr(sm, "snapshot", None)) and callable(getattr(sm, "restore", None))):
                raise ConfigError(f"log compaction (snapshot_every) needs a state machine with snapshot() and "
                                  f"restore(state) methods; {type(sm).__name__} has not both")
        snap = self.last_snapshot
        if snap is None:
            return None
        self.log.base_index, self.log.base_term = snap.index, snap.term
        self.state_machine.restore(snap.state)
        self.commit_index = self.last_applied = snap.index
        return snap

    # -- taking a snapshot -----------------------------------------------------------------------

    def maybe_snapshot(self: "RaftNode") -> None:
        """After applying: snapshot and compact once ``snapshot_every`` applied entries follow the base."""
        every = self.snapshot_every
        if every is None or self.last_applied - self.log.base_index < every:
            return
        index = self.last_applied
        term = self.log.term_at(index)
        if self.config.variant == "snapshot_without_sessions":
            state = self.state_machine.snapshot(sessions=False)  # the broken variant: sessions left out
        else:
            state = self.state_machine.snapshot()
        self.log.compact(index)
        configuration = self.configuration_at(index) if self.dynamic else None
        self.fold_configurations(index)
        self.last_snapshot = Snapshot(index, term, state, configuration)
        self.persist(snapshot=self.last_snapshot, log=self.log.snapshot())  # one write: both or neither
        self.note(compact=(index, term))

    # -- the leader's side -----------------------------------------------------------------------

    def send_snapshot(self: "RaftNode", peer: str) -> None:
        """Figure 13, in one piece: the leader's latest snapshot to ``peer``."""
        snap = self.last_snapshot
        self.send(peer, InstallSnapshot(self.current_term, self.id, snap.index, snap.term, snap.state, self.round,
                                        snap.configuration))

    def handle_install_snapshot_reply(self: "RaftNode", src: str, msg: InstallSnapshotReply) -> None:
        """``src`` holds everything through ``msg.index``: move match_index and next_index, go on."""
        if msg.term != self.current_term:
            return
        if self.tracks_acks:
            self.heard.add(src)
            self.round_acknowledged(src, msg.round)
        self.probing.discard(src)
        if msg.index > self.match_index[src]:
            self.match_index[src] = msg.index
            self.advance_commit_index()
        self.next_index[src] = max(self.next_index[src], self.match_index[src] + 1)
        if self.role is LEADER:
            self.replicate(src)
            if src == self.transfer_target:
                self.maybe_send_timeout_now()

    # -- the follower's side ---------------------------------------------------------------------

    def handle_install_snapshot(self: "RaftNode", src: str, msg: InstallSnapshot) -> None:
        """Install the leader's snapshot (see the module doc); persist before replying."""
        index, term = msg.last_included_index, msg.last_included_term
        if msg.term < self.current_term:
            self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))
            return
        self.leader_id = src
        self.reset_election_timer()
        if self.guards_votes:
            self.heard_from_leader()
        if index > self.commit_index:  # else: this server holds that prefix already, committed
            self.log.install(index, term)
            self.state_machine = self.state_machine_factory()
            self.state_machine.restore(msg.data)
            self.commit_index = self.last_applied = index
            self.last_snapshot = Snapshot(index, term, msg.data, msg.configuration)
            self.install_configuration(msg.configuration)
            self.persist(snapshot=self.last_snapshot, log=self.log.snapshot())
            self.note(snapshot=(index, term), log=index + 1, entries=self.log.snapshot())
        self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))

    def candidate_install_snapshot(self: "RaftNode", src: str, msg: InstallSnapshot) -> None:
        """A leader of this term exists: the candidate returns to follower, then installs (§5.2)."""
        if msg.term == self.current_term:
            self.set_role(FOLLOWER)
        self.handle_install_snapshot(src, msg)

    def clip_to_base(self: "RaftNode", msg: AppendEntries) -> AppendEntries:
        """An AppendEntries whose ``prev_log_index`` is below this log's base, as if it began at the base.

        Everything through the base is committed, so the leader's log agrees with it there
        (§5.4); the entries the snapshot covers are dropped from the request.
        """
        base = self.log.base_index
        skip = base - msg.prev_log_index
        return AppendEntries(msg.term, msg.leader_id, base, self.log.base_term, msg.entries[skip:], msg.leader_commit,
                             msg.round)
