"""Raft's five safety properties (Figure 3 of the paper), checked from a run's trace.

Theory of operation
-------------------
A Raft node reports its state changes as trace notes (see
:mod:`dsworkbook.consensus.raft.node`): ``role``/``term``, ``vote``, ``log``/``entries`` (its log
from some index on), ``commit`` and ``applied``. :func:`check_safety` replays those notes in
order, rebuilding every server's log and commit index *from the trace alone* - never from the
nodes' own objects - and checks, at every step:

=====================  =====================================================================
election safety        at most one leader is elected in a term (§5.2); supporting it, a
                       server votes for at most one candidate per term - counted from its
                       ``vote`` notes and from the granted RequestVoteReplies it sent, so a
                       vote that left before it was noted (a torn handler) counts too
leader append-only     a leader never overwrites or deletes entries in its log (§5.3)
log matching           two logs with an entry of the same index and term are identical up to
                       it (§5.3); checked with a hash of each prefix, across all servers and
                       all times (an (index, term) pair names one prefix forever)
leader completeness    an entry committed in a term is in the log of every leader of a higher
                       term (§5.4); checked against each leader's log as it was elected, and
                       also the moment it is put at risk: a server that lacks the latest
                       committed entry but whose log is at least as up-to-date as a majority's
                       could win the next election and overwrite it (Figure 8). In correct Raft
                       that never happens: the majority holding the committing current-term
                       entry refuses every such server (the argument of §5.4.3)
state machine safety   no two servers apply different entries at the same index (§5.4.3)
=====================  =====================================================================

The result is a :class:`SafetyReport`: what was checked (leaders, commits, applied entries) and
the :class:`SafetyViolation`\\ s, each in plain words - which property, which servers, which terms
and indexes, when. :func:`assert_safe` raises :class:`~dsworkbook.errors.InvariantViolation` with
the seed. A crash resets a server's volatile state (its commit index) but not its log; the
``start`` note of a restart carries the log the server recovered from storage, which replaces
the checker's copy - a crash that tore a handler between a write and its note (or, in a broken
variant, between a reply and its write) leaves the two apart until then.

Log compaction (§7 of the paper): a server that installs a snapshot, or restarts from one, no
longer holds the entries it covers, and its notes say only the last included index and term
(``snapshot=(index, term)``). Only committed entries go into a snapshot, so the checker
rebuilds that prefix from the entries it has seen committed - after checking the claim: the
entry committed at the last included index must be of the snapshot's term, and nothing past
the highest committed index may be in a snapshot (else **state machine safety** breaks: the
snapshot's state is not the committed prefix's). Every property is then checked on whole logs
as before. A server compacting its own log (``compact=(index, term)``) keeps its copy here; the
checker only verifies that it compacted applied entries, with the term its log holds there.

Membership changes (:mod:`~dsworkbook.consensus.raft.membership`): a configuration is a log
entry, so the checker reads each server's configuration from the log it rebuilt - the latest
one, committed or not, as the server does (thesis §4.1); a server whose log holds none uses the
bootstrap configuration, every server that started without ``joining``. The properties are
unchanged; only the early warning of **leader completeness** counts a majority *of the
configuration the would-be candidate holds* (both majorities while it is joint), among its
voters - a server that is not a voter in its own configuration never campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from dsworkbook.consensus.raft.log import at_least_as_up_to_date
from dsworkbook.consensus.raft.membership import Configuration
from dsworkbook.consensus.raft.messages import Entry, RequestVoteReply
from dsworkbook.errors import InvariantViolation
from dsworkbook.sim import Simulation, Trace

__all__ = ["PROPERTIES", "SafetyViolation", "SafetyReport", "check_safety", "assert_safe", "first_violation"]

PROPERTIES = ("election safety", "leader append-only", "log matching", "leader completeness",
              "state machine safety")


@dataclass(frozen=True)
class SafetyViolation:
    """One broken property: its name, when, which servers and terms, and what happened in words."""

    property: str
    time: float
    nodes: tuple[str, ...]
    terms: tuple[int, ...]
    message: str

    def describe(self) -> str:
        return f"{self.property} broken at t={self.time:.1f}: {self.message}"


@dataclass
class SafetyReport:
    """What :func:`check_safety` found. ``ok`` is True when no property broke."""

    leaders: dict[int, str] = field(default_factory=dict)
    commits: int = 0    # distinct committed indexes
    applied: int = 0    # applications checked, over all servers
    violations: list[SafetyViolation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def status(self) -> dict[str, bool]:
        """property -> held (True) or broke (False)."""
        broken = {v.property for v in self.violations}
        return {p: p not in broken for p in PROPERTIES}

    def summary(self) -> str:
        if self.ok:
            return (f"all five safety properties held: {len(self.leaders)} terms with a leader, "
                    f"{self.commits} entries committed, {self.applied} applications checked")
        more = len(self.violations) - 1
        return self.violations[0].describe() + (f" (and {more} more)" if more else "")


def _hash(prefix: int, entry: Any) -> int:
    try:
        return hash((prefix, entry.term, entry.command))
    except TypeError:  # an unhashable command: its text will do
        return hash((prefix, entry.term, repr(entry.command)))


class _Server:
    __slots__ = ("log", "hashes", "role", "term", "commit", "applied", "configs")

    def __init__(self) -> None:
        self.log: list[Any] = []
        self.hashes: list[int] = []
        self.role, self.term, self.commit, self.applied = "follower", 0, 0, 0
        self.configs: list[tuple[int, Configuration]] = []   # (index, configuration) entries of the log

    def reread_configs(self, first: int) -> bool:
        """The log changed from ``first`` on; True if it holds any configuration entry now."""
        configs = self.configs
        while configs and configs[-1][0] >= first:
            configs.pop()
        for i in range(first, len(self.log) + 1):
            if type(self.log[i - 1].command) is Configuration:
                configs.append((i, self.log[i - 1].command))
        return bool(configs)


class _Checker:
    def __init__(self, limit: int) -> None:
        self.servers: dict[str, _Server] = {}
        self.report = SafetyReport()
        self.limit = limit
        self.votes: dict[tuple[str, int], str] = {}
        self.first_seen: dict[tuple[int, int], tuple[int, str, float]] = {}
        self.applied: dict[int, tuple[Any, str, float]] = {}
        self.committed: dict[int, tuple[int, int, str, float, Any]] = {}   # index -> (hash, term, node, t, entry)
        self.elected: list[tuple[int, str, float, list[int]]] = []
        self.top = 0                                    # the highest committed index
        self.warned: set[tuple[str, int]] = set()
        self.dynamic = False                            # a configuration entry or a joining server was seen
        self.bootstrap: set[str] = set()                # servers that started without joining

    def server(self, node: str) -> _Server:
        s = self.servers.get(node)
        if s is None:
            s = self.servers[node] = _Server()
        return s

    def violate(self, prop: str, t: float, nodes: Iterable[str], terms: Iterable[int], message: str) -> None:
        if len(self.report.violations) < self.limit:
            self.report.violations.append(SafetyViolation(prop, t, tuple(nodes), tuple(terms), message))

    # -- notes ----------------------------------------------------------------------------------

    def note(self, t: float, node: str, d: dict) -> None:
        s = self.server(node)
        if "role" in d:
            self.role(t, node, s, d)
        if "snapshot" in d:
            self.snapshot(t, node, s, *d["snapshot"])
        if "compact" in d:
            self.compact(t, node, s, *d["compact"])
        if "vote" in d:
            self.vote(t, node, d["vote"], d["term"])
        if "log" in d:
            self.log(t, node, s, d["log"], d["entries"])
        if "commit" in d:
            self.commit(t, node, s, d["commit"], d["term"])
        if self.top and ("log" in d or "commit" in d):
            self.at_risk(t)

    def role(self, t: float, node: str, s: _Server, d: dict) -> None:
        if d.get("start"):
            s.commit = s.applied = 0
            if d.get("joining"):
                self.dynamic = True
            else:
                self.bootstrap.add(node)
        s.role, s.term = d["role"], d["term"]
        if s.role != "leader":
            return
        other = self.report.leaders.get(s.term)
        if other is not None and other != node:
            self.violate("election safety", t, (other, node), (s.term,),
                         f"{other} and {node} were both elected leader of term {s.term}")
        self.report.leaders.setdefault(s.term, node)
        self.elected.append((s.term, node, t, list(s.hashes)))

    def vote(self, t: float, node: str, candidate: str, term: int) -> None:
        earlier = self.votes.setdefault((node, term), candidate)
        if earlier != candidate:
            self.violate("election safety", t, (node, earlier, candidate), (term,),
                         f"{node} voted for {earlier} and then for {candidate} in term {term} "
                         "(a server may grant one vote per term)")

    def log(self, t: float, node: str, s: _Server, first: int, entries: tuple) -> None:
        if s.role == "leader" and first <= len(s.log):
            self.violate("leader append-only", t, (node,), (s.term,),
                         f"{node}, leader of term {s.term}, replaced its entries from index {first} "
                         f"(it had {len(s.log)})")
        del s.log[first - 1:], s.hashes[first - 1:]
        prefix = s.hashes[-1] if s.hashes else 0
        for k, entry in enumerate(entries):
            index = first + k
            prefix = _hash(prefix, entry)
            s.log.append(entry)
            s.hashes.append(prefix)
            seen = self.first_seen.setdefault((index, entry.term), (prefix, node, t))
            if seen[0] != prefix:
                self.violate("log matching", t, (seen[1], node), (entry.term,),
                             f"{seen[1]} and {node} both hold an entry of term {entry.term} at index {index}, "
                             "but their logs before it differ")
                self.first_seen[(index, entry.term)] = (prefix, node, t)
        if s.reread_configs(first):
            self.dynamic = True

    def snapshot(self, t: float, node: str, s: _Server, index: int, term: int) -> None:
        """``node`` now holds a snapshot through (``index``, ``term``): its log's prefix is the committed one."""
        known = self.committed.get(index)
        if known is None or known[4].term != term:
            what = (f"no entry was committed at index {index} (the highest is {self.top})" if known is None else
                    f"the entry committed at index {index} is of term {known[4].term}")
            self.violate("state machine safety", t, (node,), (term,),
                         f"{node} holds a snapshot through index {index} of term {term}, but {what}: its state is not "
                         "the committed log's")
        prefix = 0
        for i in range(1, index + 1):
            c = self.committed.get(i)
            if c is not None and (i < index or c[4].term == term):
                entry, prefix = c[4], c[0]
            else:  # not the committed prefix (reported above): a placeholder that matches no other log
                entry = Entry(term, ("snapshot", node, index, i))
                prefix = _hash(prefix, entry)
            if i <= len(s.log):
                s.log[i - 1], s.hashes[i - 1] = entry, prefix
            else:
                s.log.append(entry)
                s.hashes.append(prefix)
        s.commit = s.applied = max(s.commit, index)
        if s.reread_configs(1):
            self.dynamic = True

    def compact(self, t: float, node: str, s: _Server, index: int, term: int) -> None:
        """``node`` snapshotted its own log through (``index``, ``term``): only applied entries may go."""
        if index > s.applied or index > len(s.log) or s.log[index - 1].term != term:
            self.violate("state machine safety", t, (node,), (term,),
                         f"{node} compacted its log through index {index} (term {term}) having applied only up to "
                         f"{s.applied}")

    def commit(self, t: float, node: str, s: _Server, index: int, term: int) -> None:
        if index > len(s.log):
            self.violate("state machine safety", t, (node,), (term,),
                         f"{node} committed index {index} but its log has only {len(s.log)} entries")
            index = len(s.log)
        for i in range(s.commit + 1, index + 1):
            self.committed_entry(t, node, i, s, term)
        for i in range(s.applied + 1, index + 1):
            self.apply(t, node, i, s.log[i - 1], term)
        s.commit = s.applied = max(s.commit, index)

    def committed_entry(self, t: float, node: str, i: int, s: _Server, term: int) -> None:
        known = self.committed.get(i)
        if known is None or (known[0] == s.hashes[i - 1] and term < known[1]):
            self.committed[i] = (s.hashes[i - 1], term, node, t, s.log[i - 1])
        self.top = max(self.top, i)

    def apply(self, t: float, node: str, i: int, entry: Any, term: int) -> None:
        self.report.applied += 1
        seen = self.applied.setdefault(i, (entry, node, t))
        if seen[0] != entry:
            self.violate("state machine safety", t, (seen[1], node), (seen[0].term, entry.term),
                         f"{seen[1]} applied an entry of term {seen[0].term} at index {i} (t={seen[2]:.1f}) but "
                         f"{node} applied a different one, of term {entry.term}")

    def at_risk(self, t: float) -> None:
        """A server without the latest committed entry must not be electable (see the module doc)."""
        if self.dynamic:
            self.at_risk_configured(t)
            return
        h, term, who, when, entry = self.committed[self.top]
        servers = self.servers
        majority = len(servers) // 2 + 1
        for name, s in servers.items():
            if len(s.hashes) >= self.top and s.hashes[self.top - 1] == h:
                continue
            last = s.log[-1].term if s.log else 0
            voters = [v for v, o in servers.items()
                      if at_least_as_up_to_date(last, len(s.log), o.log[-1].term if o.log else 0, len(o.log))]
            if len(voters) >= majority and (name, self.top) not in self.warned:
                self.warned.add((name, self.top))
                self.violate("leader completeness", t, (who, name), (term,),
                             f"index {self.top} (an entry of term {entry.term}) was committed by {who} in term {term} "
                             f"(t={when:.1f}), yet {name} lacks it and could win the next election: its log is at "
                             f"least as up-to-date as those of {', '.join(sorted(voters))}, a majority")

    def at_risk_configured(self, t: float) -> None:
        """:meth:`at_risk` with membership changes: a quorum of the would-be candidate's own configuration."""
        h, term, who, when, entry = self.committed[self.top]
        servers = self.servers
        bootstrap = Configuration(frozenset(self.bootstrap))
        for name, s in servers.items():
            if len(s.hashes) >= self.top and s.hashes[self.top - 1] == h:
                continue
            config = s.configs[-1][1] if s.configs else (bootstrap if name in self.bootstrap else None)
            if config is None or not config.is_voter(name):
                continue  # it never campaigns
            last = s.log[-1].term if s.log else 0
            electors = config.voters | (config.old_voters or frozenset())
            voters = [v for v in sorted(electors)
                      if v not in servers or at_least_as_up_to_date(
                          last, len(s.log), servers[v].log[-1].term if servers[v].log else 0, len(servers[v].log))]
            if config.is_quorum(voters) and (name, self.top) not in self.warned:
                self.warned.add((name, self.top))
                self.violate("leader completeness", t, (who, name), (term,),
                             f"index {self.top} (an entry of term {entry.term}) was committed by {who} in term {term} "
                             f"(t={when:.1f}), yet {name} lacks it and could win the next election: its log is at "
                             f"least as up-to-date as those of {', '.join(voters)}, a quorum of its configuration "
                             f"({config.describe()})")

    # -- at the end --------------------------------------------------------------------------------

    def leader_completeness(self) -> None:
        for term, node, t, hashes in self.elected:
            for i, (h, commit_term, who, when, entry) in sorted(self.committed.items()):
                if commit_term < term and (len(hashes) < i or hashes[i - 1] != h):
                    self.violate("leader completeness", t, (who, node), (commit_term, term),
                                 f"index {i} (an entry of term {entry.term}) was committed by {who} in term "
                                 f"{commit_term} (t={when:.1f}), yet {node} was elected leader of term {term} "
                                 "without it")
                    break


def check_safety(source: Simulation | Trace, *, limit: int = 20) -> SafetyReport:
    """Check the five safety properties on a run (see the module docstring); keeps ``limit`` violations."""
    trace = source.trace if isinstance(source, Simulation) else source
    checker = _Checker(limit)
    for t, kind, node, peer, _mid, detail in trace.records:
        if kind == "note":
            checker.note(t, node, detail)
        elif kind == "send" and type(detail) is RequestVoteReply and detail.vote_granted:
            checker.vote(t, node, peer, detail.term)  # a vote as the candidate sees it, noted or not
    checker.leader_completeness()
    checker.report.commits = len(checker.committed)
    checker.report.violations.sort(key=lambda v: v.time)
    return checker.report


def first_violation(sim: Simulation) -> str | None:
    """None when the run is safe, else one line: the earliest broken property, in plain words."""
    report = check_safety(sim, limit=5)
    return None if report.ok else report.violations[0].describe()


def assert_safe(sim: Simulation) -> SafetyReport:
    """Raise :class:`InvariantViolation` (with the seed) if any property broke; return the report."""
    report = check_safety(sim)
    if not report.ok:
        raise InvariantViolation(report.summary(), seed=sim.seed)
    return report
