"""Right and plausible wrong answers to the log-compaction exercise of T06 (F07): ``06-install-snapshot``.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the check must accept.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft import RaftLog, RaftNode
from dsworkbook.consensus.raft.messages import InstallSnapshotReply, Snapshot


class InstallRight(RaftNode):
    def handle_install_snapshot(self, src, msg):
        index, term = msg.last_included_index, msg.last_included_term
        if msg.term < self.current_term:
            self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))
            return
        self.leader_id = src
        self.reset_election_timer()
        if index > self.commit_index:
            log = self.log
            if index >= log.base_index and log.term_at(index) == term:
                log.entries = log.entries[index - log.base_index:]
            else:
                log.entries = []
            log.base_index, log.base_term = index, term
            self.state_machine = self.state_machine_factory()
            self.state_machine.restore(msg.data)
            self.commit_index = self.last_applied = index
            self.last_snapshot = Snapshot(index, term, msg.data)
            self.persist(snapshot=self.last_snapshot, log=self.log.snapshot())
            self.note(snapshot=(index, term), log=index + 1, entries=self.log.snapshot())
        self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))


class InstallNewLog(RaftNode):
    # also right: builds a new RaftLog from the kept entries, restores the state machine in place
    def handle_install_snapshot(self, src, msg):
        i, t = msg.last_included_index, msg.last_included_term
        if msg.term >= self.current_term:
            self.leader_id = src
            self.reset_election_timer()
            if i > self.commit_index:
                kept = [e for k, e in enumerate(self.log.entries, start=self.log.base_index + 1) if k > i] \
                    if self.log.term_at(i) == t else []
                self.log = RaftLog(kept, base_index=i, base_term=t)
                self.state_machine.restore(msg.data)
                self.commit_index = i
                self.last_applied = i
                self.last_snapshot = Snapshot(i, t, msg.data)
                self.persist(log=tuple(kept), snapshot=self.last_snapshot)
                self.note(snapshot=(i, t), log=i + 1, entries=tuple(kept))
        self.send(src, InstallSnapshotReply(self.current_term, i, msg.round))


class InstallAboveApplied(InstallRight):
    # also right: "already covered" judged by last_applied (this library applies as soon as it commits)
    def handle_install_snapshot(self, src, msg):
        if msg.term >= self.current_term and msg.last_included_index <= self.last_applied:
            self.leader_id = src
            self.reset_election_timer()
            self.send(src, InstallSnapshotReply(self.current_term, msg.last_included_index, msg.round))
            return
        InstallRight.handle_install_snapshot(self, src, msg)


def _install(node, msg, kept_from, *, keep_always=False, base_from_msg_term=False, commit=True, restore=True,
             persist="together", note=True, set_snapshot=True):
    """The install step with one knob turned (each wrong answer below turns one)."""
    index, term = msg.last_included_index, msg.last_included_term
    log = node.log
    if keep_always or (index >= log.base_index and log.term_at(index) == term):
        log.entries = log.entries[max(kept_from - log.base_index, 0):]
    else:
        log.entries = []
    log.base_index, log.base_term = index, msg.term if base_from_msg_term else term
    if restore:
        node.state_machine = node.state_machine_factory()
        node.state_machine.restore(msg.data)
    if commit:
        node.commit_index = index
    node.last_applied = index
    snap = Snapshot(index, term, msg.data)
    if set_snapshot:
        node.last_snapshot = snap
    if persist == "together":
        node.persist(snapshot=snap, log=log.snapshot())
    elif persist == "apart":
        node.persist(snapshot=snap)
        node.persist(log=log.snapshot())
    elif persist == "snapshot only":
        node.persist(snapshot=snap)
    if note:
        node.note(snapshot=(index, term), log=index + 1, entries=log.snapshot())


def _wrong(name: str, *, guard: str = ">", stale: str = "reply", timer: bool = True, reply_first: bool = False,
           offset: int = 0, **knobs: Any) -> type[RaftNode]:
    """A RaftNode whose handle_install_snapshot makes one mistake (named by the knobs)."""

    def handle_install_snapshot(self, src, msg):
        index = msg.last_included_index
        if msg.term < self.current_term and stale != "accept":
            if stale == "reply":
                self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))
            return
        self.leader_id = src
        if timer:
            self.reset_election_timer()
        if reply_first:
            self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))
        install = {">": index > self.commit_index, ">=": index >= self.commit_index, "always": True,
                   "base": index > self.log.base_index, "applied-or-base": index >= self.log.base_index}[guard]
        if install:
            _install(self, msg, index + offset, **knobs)
        if not reply_first:
            self.send(src, InstallSnapshotReply(self.current_term, index, msg.round))

    return type(name, (RaftNode,), {"handle_install_snapshot": handle_install_snapshot})


WRONG_INSTALL = [
    _wrong("KeepSuffixAnyTerm", keep_always=True),        # keeps the suffix even when the term at the index differs
    _wrong("KeepEntryAtIndex", offset=-1),                # keeps the entry at the last included index in the log
    _wrong("DropOneTooMany", offset=1),                   # off by one: drops the first entry after the snapshot too
    _wrong("NoCommitRaise", commit=False),                # forgets to raise the commit index
    _wrong("NoStaleCheck", guard="always"),               # installs a stale snapshot: lowers the commit index
    _wrong("StaleAgainstBase", guard="base"),             # "stale" judged by the log's base, not the commit index
    _wrong("ReinstallEqual", guard=">="),                 # not strict: re-installs a snapshot equal to the commit index
    _wrong("NoRestore", restore=False),                   # forgets to restore the state machine from the snapshot
    _wrong("ReplyBeforePersist", reply_first=True),       # replies before persisting the snapshot
    _wrong("PersistApart", persist="apart"),              # two writes: a crash between them leaves the old log
    _wrong("PersistSnapshotOnly", persist="snapshot only"),  # never writes the shortened log
    _wrong("NoPersist", persist="none"),                  # keeps the snapshot in memory only
    _wrong("AcceptOlderTerm", stale="accept"),            # installs a snapshot from a deposed leader
    _wrong("SilentOnOlderTerm", stale="silent"),          # refuses an older term without replying (never deposes it)
    _wrong("NoTimerReset", timer=False),                  # does not restart the election timer
    _wrong("BaseTermFromMsgTerm", base_from_msg_term=True),  # the base's term from msg.term, not last_included_term
    _wrong("NoNote", note=False),                         # never tells the safety checker what it installed
    _wrong("NoLastSnapshot", set_snapshot=False),         # does not keep the snapshot to send as a leader
]


RIGHT: dict[str, Any] = {"06-install-snapshot": InstallRight}
ALSO_RIGHT: dict[str, list[Any]] = {"06-install-snapshot": [InstallNewLog, InstallAboveApplied]}
WRONG: dict[str, list[Any]] = {"06-install-snapshot": WRONG_INSTALL}
