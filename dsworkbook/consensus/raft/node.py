"""A Raft server as a sans-IO node: durable state, the shared prologue, clients, applying.

Theory of operation
-------------------
:class:`RaftNode` keeps the state of Figure 2 of the paper:

* **persistent** - ``current_term``, ``voted_for`` and ``log`` - written with ``persist``
  *before* any reply that depends on them is sent (the kernel carries out a handler's effects
  in order), and read back in :meth:`RaftNode.on_start`, so a crash and restart is safe;
* **volatile** - ``commit_index``, ``last_applied``, the role, and on a leader
  ``next_index`` / ``match_index`` - rebuilt from nothing after a restart.

Every message goes through one prologue, :meth:`RaftNode.on_message`: a higher term makes the
node a follower of that term (§5.1), then the current role's table picks the handler
(:mod:`~dsworkbook.consensus.raft.roles`). Elections live in
:mod:`~dsworkbook.consensus.raft.election`, replication and the commit rule in
:mod:`~dsworkbook.consensus.raft.replication`; the thesis's extensions, each off by default, in
:mod:`~dsworkbook.consensus.raft.prevote` (PreVote, CheckQuorum, the vote guard; their messages
and a guarded RequestVote are handled *before* the prologue, since they must not change terms),
:mod:`~dsworkbook.consensus.raft.transfer` (leadership transfer) and
:mod:`~dsworkbook.consensus.raft.reads` (ReadIndex and lease reads); log compaction (§7 of the
paper) in :mod:`~dsworkbook.consensus.raft.snapshots` (a ``snapshot`` is persistent state too,
written together with the log it leaves).

Committed entries are applied in log order to a state machine (any object with
``apply(command) -> output``; :class:`CommandList` by default, the key-value store of
:mod:`dsworkbook.consensus.raft_kv` for clients). A leader answers a client once the client's
command is applied; a node that is not the leader answers :class:`NotLeader` with a hint.

The node reports what the safety checker (:mod:`dsworkbook.consensus.raft_invariants`) needs
as trace notes: ``role``/``term`` on every role or term change (``start`` after a restart),
``vote`` when it grants one, ``log``/``entries`` when its log changes from some index on,
``commit`` when its commit index advances and ``applied`` when it has applied up to an index.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from dsworkbook.consensus.raft.config import RaftConfig
from dsworkbook.consensus.raft.election import ElectionMixin
from dsworkbook.consensus.raft.log import RaftLog
from dsworkbook.consensus.raft.membership import ChangeMembership, Configuration, MembershipMixin
from dsworkbook.consensus.raft.messages import (Command, Entry, NotLeader, PreVote, PreVoteReply, RequestVote, TimeoutNow,
                                                TransferLeadership)
from dsworkbook.consensus.raft.prevote import PreVoteMixin
from dsworkbook.consensus.raft.reads import ReadMixin
from dsworkbook.consensus.raft.replication import ReplicationMixin
from dsworkbook.consensus.raft.roles import FOLLOWER, LEADER, Role
from dsworkbook.consensus.raft.snapshots import SnapshotMixin
from dsworkbook.consensus.raft.transfer import TransferMixin
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response

__all__ = ["RaftNode", "CommandList"]

_BEFORE_PROLOGUE = frozenset({TimeoutNow, TransferLeadership, PreVote, PreVoteReply})


class CommandList:
    """The simplest state machine: it keeps the commands in the order applied."""

    def __init__(self) -> None:
        self.applied: list[Any] = []

    def apply(self, command: Any) -> Any:
        self.applied.append(command)
        return len(self.applied)

    def snapshot(self) -> tuple[Any, ...]:
        """The state for a snapshot (log compaction): the commands applied so far."""
        return tuple(self.applied)

    def restore(self, state: tuple[Any, ...]) -> None:
        self.applied = list(state)


class RaftNode(ElectionMixin, ReplicationMixin, PreVoteMixin, TransferMixin, ReadMixin, SnapshotMixin, MembershipMixin,
               Node):
    """One Raft server. ``members`` lists every server of the cluster (itself included).

    ``joining=True`` starts a server that is being added to a running cluster: it knows no
    configuration (``members`` may be empty) and waits, never campaigning, until a leader's log
    gives it one that names it (:mod:`~dsworkbook.consensus.raft.membership`).

    ``state_machine`` is a factory (called on every start: the state machine is volatile and
    rebuilt by re-applying the log). ``initial`` is the durable state (``term``, ``voted_for``,
    ``log``) of a server that has never run - for scenarios that begin with given logs, such as
    Figure 7; once anything is persisted, the storage wins. See the module docstring.
    """

    def __init__(self, node_id: str, *, members: Sequence[str], config: RaftConfig | None = None,
                 state_machine: Callable[[], Any] = CommandList, initial: Mapping[str, Any] | None = None,
                 joining: bool = False) -> None:
        super().__init__(node_id)
        members = tuple(members)
        if not isinstance(joining, bool):
            raise ConfigError(f"joining must be True or False, got {joining!r}")
        if (node_id not in members and not joining) or len(set(members)) != len(members):
            raise ConfigError(f"members must list the cluster's distinct server ids including {node_id!r}, "
                              f"got {members!r} (a server being added to a running cluster: joining=True)")
        if config is not None and not isinstance(config, RaftConfig):
            raise ConfigError(f"config must be a RaftConfig(...), got {config!r}")
        self.members = members
        self.config = config if config is not None else RaftConfig()
        self.state_machine_factory = state_machine
        self.initial = dict(initial or {})
        unknown = set(self.initial) - {"term", "voted_for", "log"}
        if unknown:
            raise ConfigError(f"initial state may hold term, voted_for and log, not {sorted(unknown)}")
        self.joining = joining
        self.bootstrap_configuration = Configuration(frozenset() if joining else frozenset(members))
        self._raft_peers = () if joining else tuple(m for m in members if m != node_id)

    # -- the cluster -----------------------------------------------------------------------------

    @property
    def peers(self) -> Sequence[str]:  # type: ignore[override]
        """The other servers of the cluster (clients are nodes too, but not peers)."""
        return self._raft_peers

    def votes_needed(self) -> int:
        """Votes that win an election: a majority of the full cluster, this server included (§5.2)."""
        return len(self.members) // 2 + 1

    @property
    def quorum(self) -> int:
        return self.votes_needed()

    @property
    def is_leader(self) -> bool:
        return self.role is LEADER

    # -- start and durable state ------------------------------------------------------------------

    def on_start(self) -> None:
        stored: Mapping[str, Any] = self.storage
        if not stored and self.initial:
            stored = {**self.initial, "log": tuple(self.initial.get("log", ()))}
            self.persist(**stored)
        self.current_term: int = stored.get("term", 0)
        self.voted_for: str | None = stored.get("voted_for")
        self.log = RaftLog(stored.get("log", ()))
        self.commit_index = 0
        self.last_applied = 0
        self.state_machine = self.state_machine_factory()
        snap = self.restore_snapshot(stored)  # log compaction: the log's base, the state machine, commit index
        self.init_membership(snap.configuration if snap is not None else None)
        self.role: Role = FOLLOWER
        self.leader_id: str | None = None
        self.votes: set[str] = set()
        self.answered: set[str] = set()
        self.next_index: dict[str, int] = {}
        self.match_index: dict[str, int] = {}
        self.probing: set[str] = set()
        self.beat_mark: dict[str, int] = {}
        self.pending: dict[tuple[str, int], tuple[str, int]] = {}
        # the thesis's extensions (all idle unless their RaftConfig option is on)
        self.round = 0
        self.acked_round: dict[str, int] = {}
        self.reads: list = []
        self.guarded = self.prevoting = self.transfer_campaign = False
        self.prevotes: set[str] = set()
        self.heard: set[str] = set()
        self.transfer_target: str | None = None
        # the options, looked up once (the handlers below run for every message)
        self.local_reads, self.leases = self.config.local_reads, self.config.lease_reads
        self.tracks_acks = self.local_reads or self.config.check_quorum
        self.guards_votes = self.config.vote_guard
        # what this server recovered from storage, for the safety checker: a crash that tore a handler
        # between a write and its note leaves the checker's copy of this log wrong until this note
        since = {"snapshot": (snap.index, snap.term)} if snap is not None else {}
        if self.joining:
            since["joining"] = True
        self.note(role="follower", term=self.current_term, start=True, log=self.log.base_index + 1,
                  entries=self.log.snapshot(), **since)
        self.reset_election_timer()
        if self.guards_votes:
            self.arm_vote_guard()  # a restarted server does not know when it last heard from a leader

    def save_term_and_vote(self) -> None:
        """Persist currentTerm and votedFor (call before sending anything that depends on them).

        A vote is also reported to the trace (``vote``), for the one-vote-per-term check.
        """
        if self.config.variant == "forget_voted_for":
            self.persist(term=self.current_term)  # the broken variant: the vote lives in RAM only
        else:
            self.persist(term=self.current_term, voted_for=self.voted_for)
        if self.voted_for is not None:
            self.note(vote=self.voted_for, term=self.current_term)

    def log_changed(self, first: int) -> None:
        """The log changed from index ``first`` on: persist it and tell the trace."""
        self.persist(log=self.log.snapshot())
        self.note(log=first, entries=self.log.entries_from(first))
        self.scan_configurations(first)

    # -- the shared prologue -------------------------------------------------------------------------

    def on_message(self, src: str, msg: Any) -> None:
        """§5.1: a higher term makes any role a follower of that term; then the role's handler runs."""
        kind = type(msg)
        if kind in _BEFORE_PROLOGUE:  # the thesis's messages that must not change terms
            self.before_prologue(src, msg)
            return
        if kind is RequestVote and self.guards_votes and self.ignores_vote(msg):
            return  # §4.2.3: a leader was heard from lately
        term = getattr(msg, "term", None)
        if term is None:
            return  # not a Raft message
        if term > self.current_term:
            self.become_follower(term)
        handler = self.role.handlers.get(type(msg))
        if handler is not None:
            getattr(self, handler)(src, msg)

    def on_timer(self, name: Any) -> None:
        if name == "election" and self.role is not LEADER:
            self.transfer_campaign = False
            if self.may_campaign():
                self.election_timeout_fired()
            else:
                self.reset_election_timer()  # not a voter of its latest configuration: never campaigns
        elif name == "heartbeat" and self.role is LEADER:
            self.heartbeat()
        elif name == "resend-votes" and self.role.name == "candidate":
            self.request_votes()
        elif name == "vote-guard":
            self.guarded = False
        elif name == "check-quorum" and self.role is LEADER:
            self.check_quorum()
        elif name == "transfer" and self.role is LEADER:
            self.abort_transfer()
        else:
            self.read_timer(name)

    # -- roles -------------------------------------------------------------------------------------------

    def set_role(self, role: Role) -> None:
        self.role = role
        self.prevoting = False
        self.note(role=role.name, term=self.current_term)

    def become_follower(self, term: int) -> None:
        """Adopt a higher ``term``: no vote in it yet, and whatever role this was, a follower now."""
        was = self.role
        self.current_term, self.voted_for = term, None
        self.save_term_and_vote()
        self.set_role(FOLLOWER)
        self.leader_id = None
        if was is LEADER:
            self.cancel_timer("heartbeat")
            self.drop_pending_clients()
        if was is not FOLLOWER:
            self.reset_election_timer()

    def become_leader(self) -> None:
        """Won the election: take over replication; a no-op entry commits earlier entries soon (§8)."""
        self.set_role(LEADER)
        self.leader_id = self.id
        self.cancel_timer("election")
        self.cancel_timer("resend-votes")
        self.next_index, self.match_index, self.beat_mark = {}, {}, {}  # nothing known from an earlier term
        for peer in self.peers:
            self.next_index[peer] = self.log.last_index + 1
            self.match_index[peer] = 0
            self.beat_mark[peer] = -1
        self.probing = set(self.peers)
        self.transfer_target = None
        self.reset_reads()
        if self.config.check_quorum:
            self.arm_check_quorum()
        if self.config.noop_on_election:
            self.append_entry(None)
        self.heartbeat()
        self.advance_commit_index()  # a cluster of one commits on its own

    def reset_election_timer(self) -> None:
        low, high = self.config.election_timeout
        self.set_timer("election", self.rng.uniform(low, high))

    # -- clients ------------------------------------------------------------------------------------------

    def on_client_request(self, src: str, request: Request) -> None:
        """A leader appends the command and answers once it is applied; others redirect (§8)."""
        command = request.arg
        if isinstance(command, ChangeMembership):
            if self.role is not LEADER or self.transfer_target is not None:
                self.send(src, Response(request.req_id, False, self.not_leader()))
            else:
                self.handle_membership_request(src, request, command)
            return
        if not isinstance(command, Command):
            self.reply(src, request, f"a Raft request carries a Command, got {command!r}", ok=False)
            return
        if self.role is not LEADER or self.transfer_target is not None:  # §3.10: no new requests while handing over
            self.send(src, Response(request.req_id, False, self.not_leader()))
            return
        if self.config.variant == "stale_read_leader" and self.read_locally(src, request, command):
            return
        if self.local_reads and self.serve_read(src, request, command):
            return
        self.pending[(command.client, command.seq)] = (src, request.req_id)
        self.append_entry(command)
        for peer in self.peers:
            self.replicate(peer)

    def not_leader(self) -> NotLeader:
        """The redirect a non-leader sends: its best guess at the leader (none from a server outside the cluster,
        whose guess may be long dead - nobody tells a removed server who leads)."""
        if self.dynamic and self.id not in self.configuration.members:
            return NotLeader(None)
        return NotLeader(self.transfer_target or self.leader_id)

    def read_locally(self, src: str, request: Request, command: Command) -> bool:
        """The ``stale_read_leader`` variant: answer a read from this leader's own state machine, now.

        Correct Raft puts the read in the log like any command, so it is answered only once a
        majority has accepted an entry of this leader's term after it - proof that no newer leader
        existed when the read was ordered (§8). Answering at once skips that proof: a leader cut off
        with a minority still believes it leads and answers with what it applied last, while the
        majority's new leader has committed writes since. Returns False when the state machine
        has no ``query`` for this command (it then goes through the log).
        """
        query = getattr(self.state_machine, "query", None)
        if query is None or command.op not in getattr(self.state_machine, "READS", ()):
            return False
        self.send(src, Response(request.req_id, True, query(command)))
        return True

    def append_entry(self, command: Any) -> int:
        """The leader appends a new entry of its term (Leader Append-Only) and persists it."""
        index = self.log.append(Entry(self.current_term, command))
        self.log_changed(index)
        if len(self.members) == 1 or self.dynamic:
            self.advance_commit_index()
        return index

    def drop_pending_clients(self) -> None:
        """No longer leader: the waiting clients must retry elsewhere (their command may still commit)."""
        for src, req_id in self.pending.values():
            self.send(src, Response(req_id, False, NotLeader(None)))
        self.pending.clear()
        self.drop_reads()
        self.drop_membership_request()
        self.transfer_target = None

    # -- commit and apply -------------------------------------------------------------------------------------

    def commit_to(self, index: int) -> None:
        """Raise the commit index to ``index`` and apply everything up to it, in order."""
        if index <= self.commit_index:
            return
        self.commit_index = index
        self.note(commit=index, term=self.current_term)
        while self.last_applied < self.commit_index:
            self.last_applied += 1
            entry = self.log[self.last_applied]
            if entry.command is not None and type(entry.command) is not Configuration:
                output = self.state_machine.apply(entry.command)
                self.answer_client(entry.command, output)
        self.note(applied=self.last_applied)
        if self.dynamic:
            self.configuration_committed()
        if self.snapshot_every is not None:
            self.maybe_snapshot()

    def answer_client(self, command: Any, output: Any) -> None:
        waiting = self.pending.pop((getattr(command, "client", None), getattr(command, "seq", None)), None)
        if waiting is not None:
            self.send(waiting[0], Response(waiting[1], True, output))

    def __repr__(self) -> str:
        role = getattr(self, "role", None)
        return f"<RaftNode {self.id} {role.name if role else 'new'} term={getattr(self, 'current_term', '?')}>"
