"""Linearizable reads without a log entry: ReadIndex and leases (thesis §6.4, §6.4.1).

Theory of operation
-------------------
In the paper's core a read is a log entry like a write (§8 of the paper): correct, but it costs
a round of replication and a disk write. Ongaro's thesis (2014) §6.4 serves a read from the
leader's state machine instead, once the leader has made sure it still leads. ``RaftConfig``'s
``read_mode`` picks the path (:data:`~dsworkbook.consensus.raft.config.READ_MODES`):

* ``"log"`` - the default, the paper's path;
* ``"read_index"`` - (1) the leader must have committed an entry of its own term (the no-op of
  §8), else the read goes through the log; (2) it records its commit index as the *read
  index*; (3) it starts a heartbeat **round** and waits until a majority, itself included, has
  answered an AppendEntries of that round or a later one - no leader of a higher term can have
  existed when the read arrived, or one of them would have answered with its higher term;
  (4) it waits until it has applied the read index; (5) it answers from its state machine;
* ``"lease"`` - §6.4.1: a round acknowledged by a majority gives the leader a *lease* from the
  round's send time for ``RaftConfig.lease_length`` = minimum election timeout / (1 + drift
  bound). The followers that answered ignore votes for a minimum election timeout
  (:mod:`~dsworkbook.consensus.raft.prevote`), so no other leader can be elected before the
  lease ends unless a clock runs faster than the bound. Within the lease the leader answers at
  once, with no message; outside it, it falls back to ReadIndex. The lease is timed by a timer
  per round, which runs at the clock's rate but ignores clock jumps (see
  :mod:`dsworkbook.sim.clock`).

The ``lease_read_clock_drift`` variant times the lease on the leader's wall clock (``now()``)
for a whole minimum election timeout: a clock stepped back, or running slow, stretches it past
the followers' guard, and a deposed leader answers from a stale state machine - the kind of
read the linearizability checker catches.

Rounds: every heartbeat (and every ReadIndex request) starts a new round; every AppendEntries
carries the current round and every reply echoes it. A reply is evidence only if its term is
the leader's term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsworkbook.consensus.raft.messages import Command, NotLeader
from dsworkbook.sim import Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from dsworkbook.consensus.raft.node import RaftNode

__all__ = ["ReadMixin"]


class ReadMixin:
    """The read half of :class:`~dsworkbook.consensus.raft.node.RaftNode` (ReadIndex and leases)."""

    def reset_reads(self: "RaftNode") -> None:
        """On becoming leader: no lease and no read until a round of this term is acknowledged."""
        self.acked_round = {p: 0 for p in self.peers}
        self.lease_round = self.lease_expired = self.round
        self.lease_forfeit = False
        self.round_wall: dict[int, float] = {}
        self.reads: list[tuple[int, int, str, int, Command]] = []

    def start_round(self: "RaftNode") -> None:
        """A new heartbeat round: messages sent from now on carry it; a lease may start at its send time."""
        self.round += 1
        if self.leases:
            if self.config.variant == "lease_read_clock_drift":
                self.round_wall[self.round] = self.now()
            else:
                self.set_timer(("lease", self.round), self.config.lease_length)

    def confirmed_round(self: "RaftNode") -> int:
        """The highest round a majority (this leader included) has answered."""
        if self.dynamic:
            return self.configuration.agreed({**self.acked_round, self.id: self.round})
        rounds = sorted([self.round, *self.acked_round.values()], reverse=True)
        return rounds[self.votes_needed() - 1]

    def lease_valid(self: "RaftNode") -> bool:
        """Does a lease hold now (see the module doc)?"""
        if self.lease_forfeit or self.lease_round <= self.lease_expired:
            return False
        if self.config.variant == "lease_read_clock_drift":  # the broken variant: the wall clock, no margin
            return self.now() < self.round_wall[self.lease_round] + self.config.election_timeout[0]
        return True

    def lease_timer(self: "RaftNode", k: int) -> None:
        """The lease of round ``k`` has run out (timers of all rounds have one length, so they end in order)."""
        self.lease_expired = max(self.lease_expired, k)

    def give_up_lease(self: "RaftNode") -> None:
        """No more lease in this term: a TimeoutNow was sent, and its election ignores the followers' guard."""
        self.lease_forfeit = True

    def serve_read(self: "RaftNode", src: str, request: Request, command: Command) -> bool:
        """Answer a read by lease or ReadIndex; False sends it down the log (not a read, or no entry of this term
        committed yet)."""
        query = getattr(self.state_machine, "query", None)
        if query is None or command.op not in getattr(self.state_machine, "READS", ()):
            return False
        if self.log.term_at(self.commit_index) != self.current_term:
            return False  # step 1: the commit index may lag behind entries an earlier leader committed
        if self.leases and self.lease_valid():
            self.send(src, Response(request.req_id, True, query(command)))
            return True
        self.reads.append((self.round + 1, self.commit_index, src, request.req_id, command))
        self.start_round()
        for peer in self.peers:
            self.replicate(peer, force=True)
        self.serve_reads()  # a cluster of one confirms on its own
        return True

    def round_acknowledged(self: "RaftNode", src: str, round_: int) -> None:
        """An AppendEntries reply of this term from ``src`` answered round ``round_``."""
        if round_ > self.acked_round.get(src, 0):
            self.acked_round[src] = round_
            if self.reads or self.leases:
                self.serve_reads()

    def serve_reads(self: "RaftNode") -> None:
        """Answer the waiting reads whose round is confirmed and whose read index is applied; extend the lease."""
        confirmed = self.confirmed_round()
        if confirmed > self.lease_round:
            self.lease_round = confirmed
            for old in [k for k in self.round_wall if k < confirmed]:
                del self.round_wall[old]
        if not self.reads:
            return
        waiting = []
        for read in self.reads:
            needed, index, src, req_id, command = read
            if needed <= confirmed and index <= self.last_applied:
                self.send(src, Response(req_id, True, self.state_machine.query(command)))
            else:
                waiting.append(read)
        self.reads = waiting

    def drop_reads(self: "RaftNode") -> None:
        """No longer leader: the waiting reads must be retried elsewhere."""
        for _needed, _index, src, req_id, _command in getattr(self, "reads", ()):
            self.send(src, Response(req_id, False, NotLeader(None)))
        self.reads = []

    def read_timer(self: "RaftNode", name: Any) -> bool:
        """Handle a ``("lease", k)`` timer; True if ``name`` was one."""
        if type(name) is tuple and name[0] == "lease":
            self.lease_timer(name[1])
            return True
        return False
