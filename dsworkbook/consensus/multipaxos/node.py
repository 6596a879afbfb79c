"""The Multi-Paxos server: acceptor, replica, and leader when elected (Paxos Made Simple, §3).

Theory of operation
-------------------
Every server plays three parts, each with its own state:

* **acceptor** (durable): ``promised`` and, per slot, the last ``(ballot, value)`` accepted. It
  persists both before it replies, like the single-decree acceptor. A repeat of the ballot it
  promised (a duplicated :class:`MPrepare`) gets the same promise again.
* **replica** (durable log): ``log`` holds the decided value of every slot it learned, persisted
  as it learns it; slots are applied in order to the state machine (``applied`` is the last). A
  restarted replica re-applies its log. A replica behind the leader asks it to
  :class:`CatchUp`; the answer comes **from decided slots only** - a value an acceptor accepted
  may never have been chosen.
* **leader** (volatile, one ballot): a server that hears no leader for a randomized timeout
  campaigns with a **fresh ballot** - a round above every round it used or saw, persisted
  before its :class:`MPrepare` goes out, so no ballot is ever used twice, not even across a
  crash. With a majority of promises it re-proposes, per slot from its first unapplied one,
  the value of the highest-ballot acceptance (a no-op for a hole: :meth:`recover`), then gives
  each client command the next slot. A slot is chosen when a majority acknowledges *that
  value* in *that ballot* (:class:`MAccepted` names all three); the leader then learns it and
  tells the others with :class:`Decide`.

Two rules keep one value per slot:

* **A ballot never carries two values for one slot.** A leader that steps down forgets its
  ballot and its promises: leading again takes a new campaign with a new, higher ballot. (Kept,
  one late promise would make it leader again under the old ballot, and it could propose a
  different value for a slot it already proposed: both values then compete under one ballot.)
* **Phase 2 is retried until it succeeds.** On each heartbeat the leader re-sends the Accepts
  of its slots not yet chosen to the acceptors that have not acknowledged them, so a slot whose
  messages were lost is not a hole that every later slot waits behind forever; a hole no one
  accepted is filled with a no-op by the next leader's phase 1.

Four small methods hold what the broken variants of :mod:`.variants` change:
:meth:`~MultiPaxosNode.catch_up_from`, :meth:`~MultiPaxosNode.forget_ballot`,
:meth:`~MultiPaxosNode.counts` and :meth:`~MultiPaxosNode.refill`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from dsworkbook.consensus.multipaxos.messages import (ZERO, Ballot, CatchUp, Decide, Heartbeat, MAccept, MAccepted,
                                                      MNack, MPrepare, MPromise)
from dsworkbook.consensus.raft.messages import Command, NotLeader
from dsworkbook.consensus.raft_kv import KVStore
from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Request, Response

__all__ = ["MultiPaxosNode"]

ACCEPTED, DECIDED = "accepted/", "decided/"


class MultiPaxosNode(Node):
    """One Multi-Paxos server (see the module doc).

    ``members`` lists the servers; ``state_machine`` builds the replicated state machine (the
    key-value store of :mod:`~dsworkbook.consensus.raft_kv` by default). ``election_timeout``
    is the range (ms) of the randomized wait for a leader, ``heartbeat`` the leader's period;
    a catch-up answer carries at most ``catch_up_batch`` slots.
    """

    def __init__(self, node_id: str, *, members: Sequence[str], state_machine: Callable[[], Any] = KVStore,
                 election_timeout: tuple[float, float] = (150.0, 300.0), heartbeat: float = 50.0,
                 catch_up_batch: int = 50) -> None:
        super().__init__(node_id)
        self.members = tuple(members)
        if node_id not in self.members:
            raise ConfigError(f"members must include {node_id!r}, got {members!r}")
        low, high = election_timeout
        if not 0 < low <= high or heartbeat <= 0:
            raise ConfigError(f"need 0 < election_timeout[0] <= election_timeout[1] and heartbeat > 0, got "
                              f"election_timeout={election_timeout!r}, heartbeat={heartbeat!r}")
        if isinstance(catch_up_batch, bool) or not isinstance(catch_up_batch, int) or catch_up_batch < 1:
            raise ConfigError(f"catch_up_batch must be an int >= 1, got {catch_up_batch!r}")
        self.state_machine_factory = state_machine
        self.election_timeout, self.heartbeat_every = election_timeout, heartbeat
        self.catch_up_batch = catch_up_batch
        self.started = False

    @property
    def majority(self) -> int:
        return len(self.members) // 2 + 1

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(m for m in self.members if m != self.id)

    # -- start: rebuild from storage ---------------------------------------------------------------

    def on_start(self) -> None:
        stored = self.storage
        self.promised: Ballot = stored.get("promised", ZERO)
        self.accepted: dict[int, tuple[Ballot, Any]] = _slots(stored, ACCEPTED)
        self.round: int = stored.get("round", 0)
        self.log: dict[int, Any] = _slots(stored, DECIDED)
        self.seen: Ballot = self.promised  # the highest ballot heard of: a new ballot goes above it
        self.applied = 0
        self.state_machine = self.state_machine_factory()
        self.leader: str | None = None
        self.is_leader = False
        self.ballot: Ballot | None = None
        self.promises: dict[str, MPromise] = {}
        self.proposals: dict[int, Any] = {}
        self.votes: dict[int, set[str]] = {}
        self.fresh: set[int] = set()  # slots proposed since the last heartbeat (not re-sent yet)
        self.next_slot = 1
        self.pending: dict[tuple[str, int], tuple[str, int]] = {}
        self.started = True
        self.note(role="follower", ballot=str(self.promised), start=True)
        self.apply_ready()
        self.reset_timer()

    def reset_timer(self) -> None:
        self.set_timer("election", self.rng.uniform(*self.election_timeout))

    # -- phase 1: becoming leader --------------------------------------------------------------------

    def campaign(self) -> None:
        """Phase 1a with a fresh ballot, above every round used or seen, persisted before it is sent."""
        self.round = max(self.round, self.seen.round, self.promised.round) + 1
        self.persist(round=self.round)
        self.ballot = Ballot(self.round, self.id)
        self.promises, self.is_leader, self.proposals, self.votes = {}, False, {}, {}
        self.note(role="candidate", ballot=str(self.ballot))
        for m in self.members:
            self.send(m, MPrepare(self.ballot))
        self.reset_timer()

    def on_prepare(self, src: str, msg: MPrepare) -> None:
        if msg.ballot < self.promised:
            self.send(src, MNack(msg.ballot, self.promised))
            return
        if msg.ballot > self.promised:  # a repeat of the promised ballot is answered again, unchanged
            self.promised = msg.ballot
            self.persist(promised=msg.ballot)
        if self.ballot is not None and msg.ballot > self.ballot:
            self.step_down(None)
        elif src != self.id and not self.is_leader:
            self.reset_timer()  # give the candidate time to win
        mine = tuple((s, b, v) for s, (b, v) in sorted(self.accepted.items()))
        self.send(src, MPromise(msg.ballot, mine))

    def on_promise(self, src: str, msg: MPromise) -> None:
        if self.is_leader or self.ballot is None or msg.ballot != self.ballot:
            return
        self.promises[src] = msg
        if len(self.promises) >= self.majority:
            self.become_leader()

    def become_leader(self) -> None:
        """Re-propose every slot from the first unapplied one that is not decided here, then serve clients."""
        self.is_leader, self.leader = True, self.id
        self.note(role="leader", ballot=str(self.ballot))
        first = self.applied + 1
        values = self.recover(list(self.promises.values()), first)
        top = max([*values, *(s for s in self.log if s >= first), self.applied])
        self.proposals, self.votes, self.fresh = {}, {}, set()
        for slot in range(first, top + 1):
            if slot not in self.log:
                self.propose(slot, values.get(slot))
        self.next_slot = top + 1
        self.cancel_timer("election")
        self.send_heartbeats()

    @staticmethod
    def recover(promises: Sequence[MPromise], first: int) -> dict[int, Any]:
        """What a new leader must propose, slot by slot from ``first``: per slot, the value of the
        highest-ballot acceptance among the promises; a slot below the highest one that nobody
        accepted gets a no-op (None), so later slots are never stuck behind a hole."""
        best: dict[int, tuple[Ballot, Any]] = {}
        for p in promises:
            for slot, b, v in p.accepted:
                if slot >= first and (slot not in best or b > best[slot][0]):
                    best[slot] = (b, v)
        top = max(best, default=first - 1)
        return {slot: best[slot][1] if slot in best else None for slot in range(first, top + 1)}

    def step_down(self, leader: str | None) -> None:
        """Stop leading (or campaigning): answer waiting clients NotLeader and give up the ballot."""
        if self.is_leader:
            for src, req in self.pending.values():
                self.send(src, Response(req, False, NotLeader(None)))
            self.pending.clear()
        if self.ballot is not None:
            self.note(role="follower", ballot=str(self.promised))
        self.is_leader, self.leader = False, leader
        self.forget_ballot()
        self.cancel_timer("heartbeat")
        self.reset_timer()

    def forget_ballot(self) -> None:
        """A deposed leader keeps nothing of its ballot: leading again needs a new, higher one."""
        self.ballot, self.promises, self.proposals, self.votes, self.fresh = None, {}, {}, {}, set()

    # -- phase 2: one slot at a time ------------------------------------------------------------------

    def propose(self, slot: int, value: Any) -> None:
        self.proposals[slot] = value
        self.votes[slot] = set()
        self.fresh.add(slot)
        for m in self.members:
            self.send(m, MAccept(self.ballot, slot, value))

    def on_accept(self, src: str, msg: MAccept) -> None:
        if msg.ballot < self.promised:
            self.send(src, MNack(msg.ballot, self.promised))
            return
        self.promised = msg.ballot
        self.accepted[msg.slot] = (msg.ballot, msg.value)
        self.persist(**{"promised": msg.ballot, ACCEPTED + str(msg.slot): (msg.ballot, msg.value)})
        if self.ballot is not None and msg.ballot > self.ballot:
            self.step_down(src)
        elif src != self.id:
            self.leader = src
            self.reset_timer()
        self.send(src, MAccepted(msg.ballot, msg.slot, msg.value))

    def counts(self, msg: MAccepted) -> bool:
        """Does this acknowledgement count for the value proposed in its slot? Only if it names that value."""
        return msg.value == self.proposals[msg.slot]

    def on_accepted(self, src: str, msg: MAccepted) -> None:
        if not self.is_leader or msg.ballot != self.ballot or msg.slot not in self.proposals or not self.counts(msg):
            return
        votes = self.votes[msg.slot]
        votes.add(src)
        if len(votes) >= self.majority:
            value = self.proposals.pop(msg.slot)
            del self.votes[msg.slot]
            self.fresh.discard(msg.slot)
            self.learn(msg.slot, value)
            for m in self.others:
                self.send(m, Decide(msg.slot, value))

    def on_nack(self, src: str, msg: MNack) -> None:
        self.seen = max(self.seen, msg.promised)
        if self.ballot is not None and msg.ballot == self.ballot and msg.promised > self.ballot:
            self.step_down(None)

    def refill(self) -> None:
        """Phase 2 again for every slot proposed before the last heartbeat and not chosen yet."""
        for slot, value in self.proposals.items():
            if slot not in self.fresh:
                for m in self.members:
                    if m not in self.votes[slot]:
                        self.send(m, MAccept(self.ballot, slot, value))
        self.fresh = set()

    # -- learning, applying, catching up ----------------------------------------------------------------

    def learn(self, slot: int, value: Any) -> None:
        """``value`` is decided in ``slot``: persist it, note it, apply whatever is now in order."""
        if slot in self.log:
            return
        self.log[slot] = value
        self.persist(**{DECIDED + str(slot): value})
        self.note(decided=slot, value=value)
        self.apply_ready()

    def apply_ready(self) -> None:
        while self.applied + 1 in self.log:
            self.applied += 1
            command = self.log[self.applied]
            if command is None:
                continue
            out = self.state_machine.apply(command)
            waiting = self.pending.pop((command.client, command.seq), None)
            if waiting is not None and self.is_leader:
                self.send(waiting[0], Response(waiting[1], True, out))

    def send_heartbeats(self) -> None:
        for m in self.others:
            self.send(m, Heartbeat(self.ballot, self.applied))
        self.refill()
        self.set_timer("heartbeat", self.heartbeat_every)

    def on_heartbeat(self, src: str, msg: Heartbeat) -> None:
        self.seen = max(self.seen, msg.ballot)
        if msg.ballot < self.promised or (self.ballot is not None and msg.ballot < self.ballot):
            return  # a deposed leader, or one below the ballot this server campaigns with
        if self.ballot is not None and msg.ballot > self.ballot:
            self.step_down(src)
        self.leader = src
        self.reset_timer()
        if msg.decided_upto > self.applied:
            self.send(src, CatchUp(self.applied + 1))

    def catch_up_from(self, first: int) -> Iterable[tuple[int, Any]]:
        """The decided slots to send a replica that asks from ``first`` on: from the log, never from acceptances."""
        return ((s, self.log[s]) for s in range(first, first + self.catch_up_batch) if s in self.log)

    def on_catch_up(self, src: str, msg: CatchUp) -> None:
        for slot, value in self.catch_up_from(msg.first):
            self.send(src, Decide(slot, value))

    # -- clients ------------------------------------------------------------------------------------------

    def on_client_request(self, src: str, request: Request) -> None:
        if not self.started:
            return
        command = request.arg
        if not self.is_leader or not isinstance(command, Command):
            self.send(src, Response(request.req_id, False, NotLeader(self.leader)))
            return
        key = (command.client, command.seq)
        known = key in self.pending
        self.pending[key] = (src, request.req_id)  # answer the latest attempt
        if not known:
            self.propose(self.next_slot, command)
            self.next_slot += 1

    HANDLERS = {MPrepare: "on_prepare", MPromise: "on_promise", MAccept: "on_accept", MAccepted: "on_accepted",
                MNack: "on_nack", Heartbeat: "on_heartbeat", CatchUp: "on_catch_up"}

    def on_message(self, src: str, msg: Any) -> None:
        if not self.started:
            return
        if type(msg) is Decide:
            self.learn(msg.slot, msg.value)
            return
        name = self.HANDLERS.get(type(msg))
        if name is not None:
            getattr(self, name)(src, msg)

    def on_timer(self, name: Any) -> None:
        if name == "election" and not self.is_leader:
            self.campaign()
        elif name == "heartbeat" and self.is_leader:
            self.send_heartbeats()


def _slots(stored: Any, prefix: str) -> dict[int, Any]:
    """The per-slot entries persisted under ``prefix`` (``accepted/3``, ``decided/3``), by slot."""
    return {int(k[len(prefix):]): v for k, v in stored.items() if k.startswith(prefix)}
