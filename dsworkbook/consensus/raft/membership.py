"""Membership changes: configurations as log entries, one server at a time or by joint consensus (F08).

Theory of operation
-------------------
A cluster's **configuration** (:class:`Configuration`) names its *voters* - the servers whose
votes elect a leader and whose copies commit an entry - and its *learners*, which receive the
log but count in no majority (the non-voting members of thesis §4.2.1, which a new server is
added as until it has caught up; etcd calls them learners). A configuration changes through
the log: the leader appends it as an entry like a command, and **every server uses the latest
configuration in its log, committed or not** (thesis §4.1; the paper, §6). When a conflicting
suffix is cut off, the configuration reverts to the latest one left.

Two ways to change it, both refused while an earlier change is not yet committed:

* **one server at a time** (thesis §4.1): the new configuration adds or removes one voter
  (learners may come and go freely - they are in no majority). Any majority of the old
  voters and any majority of the new ones then share a server, so no two leaders can be
  elected in one term, one by each. The rule that makes this safe across leader changes -
  found after the thesis and published by Ongaro on the raft-dev list in 2015 - is that a
  leader may not start a change until it has **committed an entry of its own term**: without
  it, a new leader can commit its change under the new voters while an uncommitted change of
  the previous leader, appended under the old voters, is still alive elsewhere; the two new
  configurations need not overlap, and the earlier leader can come back and overwrite a
  committed entry. The ``change_before_term_commit`` variant drops the rule and the campaign
  (``dsworkbook fuzz raft --membership single --variant change_before_term_commit``) catches
  it;
* **joint consensus** (§6 of the paper): the leader first appends C_old,new - a joint
  configuration (``old_voters`` set) in which an election and a commit need a majority of the
  old voters *and* a majority of the new ones; once that entry is committed, it appends
  C_new. Any set of voters can be replaced this way in one request.

Servers not in the new configuration keep working until its entry is committed; a leader that
is not among the voters manages the cluster without counting itself, and steps down once the
configuration without it is committed (thesis §4.2.2). A server that is not a voter in its own
latest configuration - a learner, a server being added, a removed server - never starts an
election. Requests come from an administrator as :class:`ChangeMembership`; the leader answers
once the target configuration is committed, or refuses with :class:`MembershipRefused` and a
reason. A request whose target is the current configuration is answered at once (a retry of a
change that already took effect).

Every quorum decision of a server goes through its configuration: votes and pre-votes,
the commit index, the heartbeat rounds of ReadIndex and leases, CheckQuorum. A server started
with a fixed member list and never given a configuration entry keeps the paper's plain counting
(``dynamic`` stays False), so runs without membership changes are exactly those of the paper.
A snapshot records the configuration as of its last included entry (thesis §5.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

from dsworkbook.consensus.raft.messages import NotLeader
from dsworkbook.consensus.raft.roles import LEADER
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["Configuration", "ChangeMembership", "MembershipRefused", "MembershipMixin", "OPS", "quorum_index",
           "change_problem"]


def _ids(name: str, value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        raise ConfigError(f"{name} must be a collection of server ids such as ('n1', 'n2'), got the string {value!r}")
    try:
        ids = frozenset(value)
    except TypeError:
        raise ConfigError(f"{name} must be a collection of server ids, got {value!r}") from None
    bad = [i for i in ids if not isinstance(i, str) or not i]
    if bad:
        raise ConfigError(f"{name} must hold non-empty string ids, got {sorted(map(repr, bad))}")
    return ids


def quorum_index(voters: frozenset[str], values: Mapping[str, int]) -> int:
    """The highest value that a majority of ``voters`` have reached (a voter missing from ``values``: 0).

    With the servers' match indexes that is the highest index stored on a majority; with the
    heartbeat rounds they answered, the latest round a majority confirmed. No voters: 0.
    """
    if not voters:
        return 0
    ranked = sorted((values.get(v, 0) for v in voters), reverse=True)
    return ranked[len(voters) // 2]


@dataclass(frozen=True, slots=True)
class Configuration:
    """Who votes (``voters``), who only follows (``learners``), and - during joint consensus - the old voters."""

    voters: frozenset[str]
    learners: frozenset[str] = frozenset()
    old_voters: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "voters", _ids("voters", self.voters))
        object.__setattr__(self, "learners", _ids("learners", self.learners))
        if self.old_voters is not None:
            object.__setattr__(self, "old_voters", _ids("old_voters", self.old_voters))
        both = self.voters & self.learners
        if both:
            raise ConfigError(f"a server is a voter or a learner, not both: {sorted(both)}")

    @property
    def joint(self) -> bool:
        """Is this C_old,new (§6 of the paper): two majorities needed?"""
        return self.old_voters is not None

    @property
    def members(self) -> tuple[str, ...]:
        """Everyone the leader replicates to: voters, learners and, while joint, the old voters (sorted)."""
        return tuple(sorted(self.voters | self.learners | (self.old_voters or frozenset())))

    def is_voter(self, server: str) -> bool:
        return server in self.voters or (self.old_voters is not None and server in self.old_voters)

    def is_quorum(self, servers: Iterable[str]) -> bool:
        """Do ``servers`` include a majority of the voters (and, while joint, of the old voters too)?"""
        have = set(servers)
        if not self.voters or 2 * len(have & self.voters) <= len(self.voters):
            return False
        return self.old_voters is None or 2 * len(have & self.old_voters) > len(self.old_voters)

    def agreed(self, values: Mapping[str, int]) -> int:
        """The highest value a quorum has reached: for joint consensus, the lower of the two majorities'."""
        index = quorum_index(self.voters, values)
        if self.old_voters is not None:
            index = min(index, quorum_index(self.old_voters, values))
        return index

    def describe(self) -> str:
        text = "voters " + ",".join(sorted(self.voters))
        if self.learners:
            text += "; learners " + ",".join(sorted(self.learners))
        if self.old_voters is not None:
            text = "joint: old voters " + ",".join(sorted(self.old_voters)) + "; new " + text
        return text


#: op -> what a :class:`ChangeMembership` asks of the leader's current configuration
OPS = {
    "add_learner": "add ``server`` as a learner: it receives the log, counts in no majority (thesis §4.2.1)",
    "promote": "make the learner ``server`` a voter (a single-server change)",
    "add": "add ``server`` as a voter at once (a single-server change; it may slow commits until it catches up)",
    "remove": "remove ``server``, voter or learner (a single-server change)",
    "set": "make the voters ``voters`` and the learners ``learners`` (joint consensus unless one voter changes)",
}


@dataclass(frozen=True, slots=True)
class ChangeMembership:
    """An administrator's request, relative to the configuration the leader holds (see :data:`OPS`).

    ``ChangeMembership("add_learner", "n6")``, ``ChangeMembership("promote", "n6")``,
    ``ChangeMembership("remove", "n2")``; ``ChangeMembership("set", voters=("n1", "n6", "n7"),
    joint=True)`` replaces the voters through C_old,new. A request that is already in effect (add
    a voter that is one, remove a server that is gone) is answered at once, so retries are safe.
    """

    op: str
    server: str | None = None
    voters: tuple[str, ...] = ()
    learners: tuple[str, ...] = ()
    joint: bool = False

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ConfigError(f"unknown membership op {self.op!r}; choose one of {list(OPS)}")
        if self.op == "set":
            _ids("voters", self.voters), _ids("learners", self.learners)
        elif not isinstance(self.server, str) or not self.server:
            raise ConfigError(f"{self.op!r} needs server='<id>', got {self.server!r}")

    def target(self, current: Configuration) -> Configuration:
        """The configuration this request asks for, given the leader's ``current`` one."""
        s, voters, learners = self.server, current.voters, current.learners
        if self.op == "set":
            return Configuration(frozenset(self.voters), frozenset(self.learners))
        if self.op == "add_learner":
            return current if s in voters else Configuration(voters, learners | {s})
        if self.op == "promote":
            if s not in learners and s not in voters:
                raise ConfigError(f"{s} is not a learner of {current.describe()}; add it with add_learner first")
            return Configuration(voters | {s}, learners - {s})
        if self.op == "add":
            return Configuration(voters | {s}, learners - {s})
        return Configuration(voters - {s}, learners - {s})

    def describe(self) -> str:
        if self.op == "set":
            return f"set voters {','.join(sorted(self.voters))}" + (" (joint)" if self.joint else "")
        return f"{self.op} {self.server}"


@dataclass(frozen=True, slots=True)
class MembershipRefused:
    """Why a leader refused a change; ``retry``: the same request may succeed later (else it never will)."""

    reason: str
    retry: bool = True


def change_problem(current: Configuration, target: Configuration, joint: bool) -> str | None:
    """None if ``current -> target`` is a change a leader may make in one request, else why not."""
    if not target.voters:
        return "the new configuration has no voter; keep at least one"
    if current.joint:
        return "a joint configuration is still in place; wait until C_new is committed"
    if not joint and len(current.voters ^ target.voters) > 1:
        return (f"a single-server change adds or removes one voter, but {current.describe()} -> "
                f"{target.describe()} changes {len(current.voters ^ target.voters)}; use joint consensus (joint=True) "
                "or several changes")
    return None


class MembershipMixin:
    """The membership half of :class:`~dsworkbook.consensus.raft.node.RaftNode` (see the module doc)."""

    # -- the configuration, from the log ---------------------------------------------------------

    def init_membership(self: "RaftNode", base: Configuration | None) -> None:
        """On start: the configuration the snapshot held (or the bootstrap one), then the log's entries."""
        self.dynamic = self.joining or base is not None
        self.base_configuration = base if base is not None else self.bootstrap_configuration
        self.config_entries: list[tuple[int, Configuration]] = []
        self.pending_change: tuple[str, int, Configuration] | None = None
        self.scan_configurations(self.log.base_index + 1)

    def scan_configurations(self: "RaftNode", first: int) -> None:
        """The log changed from ``first`` on: forget configurations there and read the new entries."""
        had = self.config_entries
        while had and had[-1][0] >= first:
            had.pop()
        for index in range(max(first, self.log.base_index + 1), self.log.last_index + 1):
            command = self.log[index].command
            if type(command) is Configuration:
                had.append((index, command))
                self.dynamic = True
        if self.dynamic:
            self.configuration_changed()

    def fold_configurations(self: "RaftNode", through: int) -> None:
        """This server compacted its log through ``through``: the latest configuration there becomes the base."""
        self.base_configuration = self.configuration_at(through)
        self.config_entries = [(i, c) for i, c in self.config_entries if i > through]

    def install_configuration(self: "RaftNode", base: Configuration | None) -> None:
        """An installed snapshot replaced the log's prefix: its configuration (if it has one) is the base."""
        if base is not None:
            self.base_configuration = base
            self.dynamic = True
        self.config_entries = []
        self.scan_configurations(self.log.base_index + 1)

    @property
    def configuration(self: "RaftNode") -> Configuration:
        """The latest configuration in this server's log, committed or not (thesis §4.1)."""
        return self.config_entries[-1][1] if self.config_entries else self.base_configuration

    def configuration_at(self: "RaftNode", index: int) -> Configuration:
        """The configuration in force at ``index`` (the latest entry at or before it)."""
        found = self.base_configuration
        for i, c in self.config_entries:
            if i > index:
                break
            found = c
        return found

    def configuration_changed(self: "RaftNode") -> None:
        """New peers get replication state on a leader; gone ones keep theirs (harmless)."""
        self._raft_peers = tuple(m for m in self.configuration.members if m != self.id)
        if getattr(self, "role", None) is LEADER:
            for peer in self._raft_peers:
                if peer not in self.next_index:
                    self.next_index[peer] = self.log.last_index + 1
                    self.match_index[peer] = 0
                    self.beat_mark[peer] = -1
                    self.probing.add(peer)
                    self.acked_round.setdefault(peer, 0)
                    self.replicate(peer, force=True)  # a new member hears from the leader at once

    # -- quorums -----------------------------------------------------------------------------------

    def has_quorum(self: "RaftNode", servers: set[str]) -> bool:
        """Do ``servers`` (this one included if it counts) make a quorum of this server's configuration?"""
        if not self.dynamic:
            return len(servers) >= self.votes_needed()
        return self.configuration.is_quorum(servers)

    def may_campaign(self: "RaftNode") -> bool:
        """Only a voter of its latest configuration starts an election (thesis §4.2.1, §4.2.2)."""
        return not self.dynamic or self.configuration.is_voter(self.id)

    def quorum_commit_index(self: "RaftNode") -> int:
        """The highest index a quorum of the configuration stores (this leader counts if it votes)."""
        return self.configuration.agreed({**self.match_index, self.id: self.log.last_index})

    # -- the leader: requests and the steps of a change -----------------------------------------------

    def handle_membership_request(self: "RaftNode", src: str, request: Request, change: ChangeMembership) -> None:
        """Start a change, or refuse it saying why (see the module doc)."""
        current = self.configuration
        latest = self.config_entries[-1][0] if self.config_entries else 0
        if self.pending_change is not None or latest > self.commit_index or current.joint:
            self.refuse(src, request, "an earlier configuration change is not committed yet; retry when it is")
            return
        try:
            target = change.target(current)
        except ConfigError as exc:
            self.refuse(src, request, str(exc), retry=False)
            return
        if target == current:
            self.send(src, Response(request.req_id, True, current))
            return
        if (self.log.term_at(self.commit_index) != self.current_term
                and self.config.variant != "change_before_term_commit"):
            self.refuse(src, request, "this leader has not committed an entry of its own term yet; retry in a moment "
                                      "(a leader must commit an entry of its term before changing the configuration)")
            return
        problem = change_problem(current, target, change.joint)
        if problem is not None:
            self.refuse(src, request, problem, retry=False)
            return
        if change.op == "promote" and self.match_index.get(change.server, 0) < self.commit_index:
            self.refuse(src, request, f"learner {change.server} has not caught up yet (it holds up to index "
                                      f"{self.match_index.get(change.server, 0)}, {self.commit_index} are committed); "
                                      "retry once it has")
            return
        joint = change.joint and current.voters != target.voters
        step = Configuration(target.voters, target.learners, old_voters=current.voters) if joint else target
        self.pending_change = (src, request.req_id, target)
        self.append_configuration(step)

    def refuse(self: "RaftNode", src: str, request: Request, reason: str, *, retry: bool = True) -> None:
        self.send(src, Response(request.req_id, False, MembershipRefused(reason, retry)))

    def append_configuration(self: "RaftNode", configuration: Configuration) -> None:
        self.dynamic = True
        self.append_entry(configuration)
        for peer in self.peers:
            self.replicate(peer)
        self.advance_commit_index()

    def configuration_committed(self: "RaftNode") -> None:
        """After the commit index moved: finish a joint change, answer the administrator, step down if removed."""
        if self.role is not LEADER or (self.config_entries and self.config_entries[-1][0] > self.commit_index):
            return  # (a configuration folded into a snapshot is committed)
        current = self.configuration
        if current.joint:  # C_old,new is committed: now C_new (§6 of the paper)
            self.append_configuration(Configuration(current.voters, current.learners))
            return
        waiting = self.pending_change
        if waiting is not None:
            self.pending_change = None
            src, req_id, target = waiting
            ok = target == current
            self.send(src, Response(req_id, ok, current if ok else MembershipRefused(
                f"the configuration became {current.describe()} instead; retry")))
        if not current.is_voter(self.id):  # thesis §4.2.2: a leader removed from the cluster steps down
            self.step_down()

    def drop_membership_request(self: "RaftNode") -> None:
        """No longer leader: the administrator must retry with the next one."""
        waiting = getattr(self, "pending_change", None)
        if waiting is not None:
            self.pending_change = None
            self.send(waiting[0], Response(waiting[1], False, NotLeader(None)))
