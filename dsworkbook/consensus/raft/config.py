"""How a Raft cluster is tuned, and the known-broken variants a learner can switch on.

Theory of operation
-------------------
:class:`RaftConfig` holds every knob in one frozen record that each node of a cluster shares:
the randomized election timeout (§5.2), the heartbeat period, batching (``max_batch`` entries
per AppendEntries) and pipelining (up to ``max_inflight`` AppendEntries in flight per
follower instead of one), how the leader backs off ``next_index`` after a refusal
(``backoff``, one of :data:`BACKOFFS`), whether a new leader appends a no-op (§8), and a
``variant``.

Beyond the paper's core (Ongaro's thesis, "Consensus: Bridging Theory and Practice", 2014), each
off by default so that the default cluster is exactly the paper's: ``prevote`` (§9.6: ask
whether an election could be won before bumping the term), ``check_quorum`` (§6.2: a leader
that has not heard from a majority within an election timeout steps down) and ``read_mode``
(one of :data:`READ_MODES`, §6.4: how a leader answers a read-only request). Lease reads assume
that no server's clock runs more than ``clock_drift_bound`` faster than another's. Log
compaction (§7 of the paper, thesis ch. 5) is ``snapshot_every``: None (the default) never
snapshots; N makes every server snapshot its state machine once N applied entries have piled
up after its last snapshot, and the leader send its snapshot (InstallSnapshot) to a follower
whose next entry it no longer holds (:mod:`~dsworkbook.consensus.raft.snapshots`).

A variant is a deliberately broken Raft, each a classic mistake, for "break it" experiments:
the fuzzer (:mod:`dsworkbook.consensus.fuzzing`) must find each one and say which safety
property broke. :data:`VARIANTS` maps each name to the rule of the paper it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsworkbook.errors import ConfigError

__all__ = ["RaftConfig", "VARIANTS", "BACKOFFS", "READ_MODES", "SNAPSHOT_VARIANT_EVERY"]

#: name -> where the rule comes from and what the leader does after a refused AppendEntries.
#: Back-off decides only how fast a follower's log is repaired, never what it ends up holding:
#: the consistency check alone keeps the logs safe (§5.3), so every choice is safe.
BACKOFFS: dict[str, str] = {
    "one": "§5.3: 'After a rejection, the leader decrements nextIndex and retries' - one entry back per "
           "round trip",
    "length": "one entry back per round trip, but a follower whose log ends before prev_log_index is skipped "
              "to just past its last index in one step (the follower's reply carries its last index; etcd's "
              "raft does the same; not in the paper). The default",
    "term": "§5.3, the optimisation at the end of the section: the follower returns the term of the conflicting "
            "entry and the first index it stores for that term, and the leader skips that whole term - one "
            "round trip per conflicting term instead of one per entry",
}

#: name -> what it gets wrong (and the sentence of the paper it breaks).
VARIANTS: dict[str, str] = {
    "correct": "Raft as in Figure 2 of the paper",
    "forget_voted_for": "votedFor is not persisted, so a node that crashes and restarts can vote twice in "
                        "one term (Figure 2: currentTerm, votedFor and log[] are persistent state)",
    "vote_without_log_check": "votes are granted without comparing logs, so a candidate missing committed "
                              "entries can win (§5.4.1: vote only for a log at least as up-to-date)",
    "commit_old_term_by_count": "a leader commits entries of earlier terms once a majority stores them "
                                "(§5.4.2 and Figure 8: only current-term entries are committed by counting)",
    "stale_read_leader": "a leader answers a get from its own state machine at once, with no log entry and no "
                         "round of heartbeats, so a leader deposed without knowing it (cut off with a minority) "
                         "returns values that were overwritten since (§8: a leader must check that it has not "
                         "been deposed before answering a read-only request)",
    "reply_before_persist": "a server sends its vote or its acknowledgement of new entries before it writes them "
                            "to disk, so a crash between the two makes it forget a vote it gave and vote again, or "
                            "lose entries it acknowledged (Figure 2: persistent state is 'updated on stable "
                            "storage before responding to RPCs')",
    "lease_read_clock_drift": "lease reads (read_mode 'lease') timed on the leader's wall clock for a whole minimum "
                             "election timeout: no allowance for clock drift, and a clock stepped back stretches "
                             "the lease, so a leader deposed meanwhile answers reads from its stale state "
                             "(thesis §6.4.1: a lease is only safe under a bound on clock drift)",
    "commit_to_own_last_index": "a follower raises its commit index to min(leaderCommit, its own last index) "
                                "instead of the last new entry, committing a stale tail the leader never vouched "
                                "for (Figure 2, AppendEntries rule 5: min(leaderCommit, index of last new entry))",
    "snapshot_without_sessions": "log compaction on (every {n} applied entries unless snapshot_every says "
                                 "otherwise), but a snapshot holds the key-value data without the client-session "
                                 "table, so a server restored from it forgets which commands it applied: a "
                                 "retried or duplicated command that reaches the log again is applied twice (§8 "
                                 "of the paper: the state machine tracks the latest serial number it executed for "
                                 "each client and does not execute a command again; a snapshot that leaves that "
                                 "table out forgets it)",
    "change_before_term_commit": "a leader starts a single-server membership change before it has committed an "
                                 "entry of its own term: a change it commits under the new voters can coexist with "
                                 "an uncommitted change of an earlier leader under the old ones, two configurations "
                                 "without a shared majority, and a committed entry can be overwritten (the rule "
                                 "Ongaro added to thesis §4.1's single-server changes on the raft-dev list in 2015: "
                                 "a leader may not append a new configuration until an entry of its term is "
                                 "committed)",
}

#: the variants that only make sense with log compaction: they switch it on (every this many entries)
SNAPSHOT_VARIANT_EVERY = 4
VARIANTS["snapshot_without_sessions"] = VARIANTS["snapshot_without_sessions"].format(n=SNAPSHOT_VARIANT_EVERY)


#: name -> how a leader answers a read-only request (a get) of the key-value store.
READ_MODES: dict[str, str] = {
    "log": "the read is a log entry like any command, answered once committed and applied (§8 of the paper). "
           "The default",
    "read_index": "thesis §6.4: record the commit index as the read index, confirm leadership with a round of "
                  "heartbeats to a majority, wait until the state machine has applied the read index, answer "
                  "locally - no log entry, one round trip",
    "lease": "thesis §6.4.1: answer locally, with no round trip, while a lease holds; the lease starts when a "
             "heartbeat round that a majority acknowledged was sent and lasts the minimum election timeout "
             "divided by (1 + clock_drift_bound), timed by the leader's timers (immune to clock jumps); followers "
             "ignore votes for a minimum election timeout after hearing from the leader. Falls back to read_index "
             "when the lease has lapsed",
}


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be a number of ms > 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class RaftConfig:
    """Timeouts (ms), replication options and the variant of every node of a cluster.

    ``election_timeout`` is the (low, high) range a follower draws its timeout from (§5.2:
    randomized so that split votes are rare); keep ``heartbeat`` well below ``low``.
    """

    election_timeout: tuple[float, float] = (150.0, 300.0)
    heartbeat: float = 50.0
    max_batch: int = 1
    pipeline: bool = False
    max_inflight: int = 8
    noop_on_election: bool = True
    variant: str = "correct"
    backoff: str = "length"
    prevote: bool = False
    check_quorum: bool = False
    read_mode: str = "log"
    clock_drift_bound: float = 0.2
    snapshot_every: int | None = None

    def __post_init__(self) -> None:
        try:
            low, high = self.election_timeout
        except (TypeError, ValueError):
            raise ConfigError(f"election_timeout must be a (low, high) pair of ms, "
                              f"got {self.election_timeout!r}") from None
        low, high = _positive("election_timeout low", low), _positive("election_timeout high", high)
        if high < low:
            raise ConfigError(f"election_timeout must be (low, high) with low <= high, got {self.election_timeout!r}")
        object.__setattr__(self, "election_timeout", (low, high))
        if _positive("heartbeat", self.heartbeat) >= low:
            raise ConfigError(f"heartbeat ({self.heartbeat} ms) must be shorter than the lowest election timeout "
                              f"({low} ms), or followers start elections while the leader is healthy (§5.6)")
        for name in ("max_batch", "max_inflight"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {v!r}")
        if self.variant not in VARIANTS:
            raise ConfigError(f"unknown variant {self.variant!r}; choose one of {list(VARIANTS)}")
        if self.backoff not in BACKOFFS:
            raise ConfigError(f"unknown backoff {self.backoff!r}; choose one of {list(BACKOFFS)} (see BACKOFFS)")
        for name in ("prevote", "check_quorum"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.read_mode not in READ_MODES:
            raise ConfigError(f"unknown read_mode {self.read_mode!r}; choose one of {list(READ_MODES)} "
                              "(see READ_MODES)")
        bound = self.clock_drift_bound
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not 0 <= bound < 1:
            raise ConfigError(f"clock_drift_bound must be a fraction in [0, 1) (0.2: a clock may run 20% faster than "
                              f"another), got {bound!r}")
        every = self.snapshot_every
        if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ConfigError(f"snapshot_every must be None (no log compaction) or an int >= 1 (snapshot once that "
                              f"many applied entries follow the last snapshot), got {every!r}")

    @property
    def broken(self) -> bool:
        return self.variant != "correct"

    @property
    def snapshot_interval(self) -> int | None:
        """Applied entries after the last snapshot that trigger the next one (None: no compaction).

        ``snapshot_every``, or :data:`SNAPSHOT_VARIANT_EVERY` for a snapshot variant left without one.
        """
        if self.snapshot_every is None and self.variant == "snapshot_without_sessions":
            return SNAPSHOT_VARIANT_EVERY
        return self.snapshot_every

    @property
    def lease_reads(self) -> bool:
        """Does a leader answer reads under a lease (``read_mode="lease"`` or the broken lease variant)?"""
        return self.read_mode == "lease" or self.variant == "lease_read_clock_drift"

    @property
    def local_reads(self) -> bool:
        """Are reads answered without a log entry (ReadIndex or a lease)?"""
        return self.read_mode != "log" or self.variant == "lease_read_clock_drift"

    @property
    def vote_guard(self) -> bool:
        """Do servers ignore votes for a minimum election timeout after hearing from a leader?

        Thesis §4.2.3 (disruptive servers); PreVote (§9.6) refuses a pre-vote on the same ground, and a
        lease (§6.4.1) is safe only because no majority can elect a new leader before it ends.
        """
        return self.prevote or self.lease_reads

    @property
    def lease_length(self) -> float:
        """How long (ms, on the leader's timers) a lease lasts from the send time of its heartbeat round.

        The minimum election timeout divided by ``1 + clock_drift_bound``: the followers that
        acknowledged the round ignore votes for a minimum election timeout on their own clocks,
        which may run up to that much faster than the leader's (thesis §6.4.1).
        """
        return self.election_timeout[0] / (1.0 + self.clock_drift_bound)
