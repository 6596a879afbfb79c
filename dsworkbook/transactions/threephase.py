"""Three-phase commit on the simulator: a precommit phase and a termination protocol among participants.

Theory of operation
-------------------
Skeen ("Nonblocking Commit Protocols", SIGMOD 1981) shows that 2PC blocks because a participant
can be uncertain while another has already committed, and removes that state combination with
a *buffer* phase between the votes and the commit. Here (names as in 2PC, plus two):

1. the coordinator sends :class:`~dsworkbook.transactions.twophase.Prepare`; participants vote
   (``Prepared`` / ``Aborted``), logging ``prepared`` before a yes vote;
2. on every yes, the coordinator logs ``precommit`` and sends :class:`PreCommit`; a participant
   logs ``precommitted`` (a *committable* state) and answers :class:`PreCommitted`;
3. once every participant answered - or after ``ack_timeout``, counting the silent ones as
   crashed - the coordinator logs ``commit`` and sends ``Commit``.

**Termination** (a backup coordinator applies a rule built on Skeen's committable states when
the coordinator is silent): an
undecided participant that hears nothing for ``timeout`` ms reports its state
(:class:`StateReport`) to its *backup*: the first participant, in list order, that it does not
suspect. It suspects a backup that stayed silent for a whole ``timeout``. The backup asks every
participant (:class:`StateRequest`), waits ``collect`` ms, and decides on the states it has:

* someone committed -> commit; someone aborted -> abort;
* someone (itself included) precommitted -> the coordinator may have committed: precommit the
  others, then commit;
* everyone uncertain (prepared) -> nobody can have committed: abort.

Under crash-stop with bounded delays (here 1-10 ms; ``timeout`` 100 ms), suspicion is accurate,
so there is one backup at a time and the outcome is the same everywhere: 3PC does not block
(:func:`three_pc_sim` with the coordinator crashed at any step; the model check in
:mod:`~dsworkbook.transactions.model` says the same for every interleaving).

**What it gives up.** Under a network partition a silent node is not a crashed one. A side
that holds a precommitted participant commits while a side with only uncertain participants
elects its own backup and aborts - both by the rule. The ``commit`` campaign's ``3pc`` variant
finds such a run under partitions and shrinks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import Node, Simulation
from dsworkbook.transactions.twophase import (Abort, Aborted, Ack, Commit, Prepare, Prepared, check_participants)

__all__ = ["PreCommit", "PreCommitted", "StateRequest", "StateReport", "Coordinator3", "Participant3",
           "three_pc_sim"]


@dataclass(frozen=True, slots=True)
class PreCommit:
    txn: str


@dataclass(frozen=True, slots=True)
class PreCommitted:
    txn: str
    rm: str


@dataclass(frozen=True, slots=True)
class StateRequest:
    """A backup coordinator asks for a participant's state of ``txn``."""
    txn: str


@dataclass(frozen=True, slots=True)
class StateReport:
    txn: str
    rm: str
    state: str


UNDECIDED = ("prepared", "precommitted")


class Coordinator3(Node):
    """The 3PC coordinator; ``txns`` one after another, ``gap`` ms apart."""

    def __init__(self, node_id: str, *, participants: Sequence[str], txns: Sequence[str] = ("t1",),
                 start_at: float = 1.0, gap: float = 300.0, vote_timeout: float = 60.0,
                 ack_timeout: float = 40.0, resend_every: float = 50.0) -> None:
        super().__init__(node_id)
        self.participants = check_participants(participants, txns)
        self.txns, self.start_at, self.gap = tuple(txns), start_at, gap
        self.vote_timeout, self.ack_timeout, self.resend_every = vote_timeout, ack_timeout, resend_every
        self.votes: dict[str, set[str]] = {}
        self.acks: dict[str, set[str]] = {}

    def phase(self, txn: str) -> str | None:
        return self.storage.get(f"txn/{txn}")

    def on_start(self) -> None:
        for i, txn in enumerate(self.txns):
            phase = self.phase(txn)
            if phase in ("commit", "abort"):
                self.acks[txn] = set()
                self._send_decision(txn, phase)
            elif phase is None:
                self.set_timer(("begin", txn), max(0.0, self.start_at + i * self.gap - self.now()))
            # begun or precommit without a decision: the participants' termination protocol decides

    def on_timer(self, name: Any) -> None:
        kind, txn = name
        phase = self.phase(txn)
        if kind == "begin":
            self.persist(**{f"txn/{txn}": "begun"})
            self.votes[txn] = set()
            for p in self.participants:
                self.send(p, Prepare(txn))
            self.set_timer(("votes", txn), self.vote_timeout)
        elif kind == "votes" and phase == "begun" and txn in self.votes:
            self._decide(txn, "abort")
        elif kind == "acks" and phase == "precommit" and txn in self.acks:
            self._decide(txn, "commit")  # the silent participants are taken as crashed
        elif kind == "resend" and phase in ("commit", "abort"):
            self._send_decision(txn, phase)

    def on_message(self, src: str, msg: Any) -> None:
        txn = msg.txn
        phase = self.phase(txn)
        if isinstance(msg, Prepared) and phase == "begun" and txn in self.votes:
            self.votes[txn].add(msg.rm)
            if self.votes[txn] == set(self.participants):
                self.persist(**{f"txn/{txn}": "precommit"})
                self.cancel_timer(("votes", txn))
                self.acks[txn] = set()
                for p in self.participants:
                    self.send(p, PreCommit(txn))
                self.set_timer(("acks", txn), self.ack_timeout)
        elif isinstance(msg, Aborted) and phase == "begun" and txn in self.votes:
            self._decide(txn, "abort")
        elif isinstance(msg, PreCommitted) and phase == "precommit" and txn in self.acks:
            self.acks[txn].add(msg.rm)
            if self.acks[txn] == set(self.participants):
                self._decide(txn, "commit")
        elif isinstance(msg, Ack) and txn in self.acks and phase in ("commit", "abort"):
            self.acks[txn].add(msg.rm)
            if self.acks[txn] == set(self.participants):
                self.cancel_timer(("resend", txn))

    def _decide(self, txn: str, decision: str) -> None:
        self.persist(**{f"txn/{txn}": decision})
        self.note(txn=txn, decision=decision)
        self.cancel_timer(("votes", txn))
        self.cancel_timer(("acks", txn))
        self.acks[txn] = set()
        self._send_decision(txn, decision)

    def _send_decision(self, txn: str, decision: str) -> None:
        # (storage shows this handler's persist only after the handler: pass the decision along)
        msg = Commit(txn) if decision == "commit" else Abort(txn)
        for p in self.participants:
            if p not in self.acks.get(txn, ()):
                self.send(p, msg)
        self.set_timer(("resend", txn), self.resend_every)


class Participant3(Node):
    """A 3PC participant that runs the termination rule as a backup when the coordinator is silent."""

    def __init__(self, node_id: str, *, participants: Sequence[str], no_prob: float = 0.0,
                 timeout: float = 100.0, collect: float = 30.0) -> None:
        super().__init__(node_id)
        self.participants = check_participants(participants)
        if node_id not in self.participants:
            raise ConfigError(f"participant {node_id!r} must be in the participants list {list(participants)}")
        if not 0.0 <= no_prob <= 1.0:
            raise ConfigError(f"no_prob must be a probability in [0, 1], got {no_prob!r}")
        self.no_prob, self.timeout, self.collect = no_prob, timeout, collect
        self.suspected: set[str] = set()
        self.heard: set[str] = set()
        self.reports: dict[str, dict[str, str]] = {}  # txn -> rm -> state, while this node is a backup
        self.phase2: dict[str, set[str]] = {}  # txn -> participants that answered the backup's PreCommit

    def state(self, txn: str) -> str:
        return self.storage.get(f"txn/{txn}", "working")

    def _set(self, txn: str, state: str) -> None:
        self.persist(**{f"txn/{txn}": state})
        self.note(txn=txn, state=state)

    def backup(self) -> str:
        return next(p for p in self.participants if p not in self.suspected or p == self.id)

    def on_start(self) -> None:
        for key, state in list(self.storage.items()):
            if key.startswith("txn/") and state in UNDECIDED:
                self.set_timer(("timeout", key[4:]), self.timeout)

    def on_message(self, src: str, msg: Any) -> None:
        self.heard.add(src)
        self.suspected.discard(src)  # it spoke, so it is up and reachable
        txn, state = msg.txn, self.state(msg.txn)
        if isinstance(msg, Prepare):
            if state == "working":
                if self.rng.random() < self.no_prob:
                    self._set(txn, "aborted")
                    self.send(src, Aborted(txn, self.id))
                else:
                    self._set(txn, "prepared")  # logged before the yes vote
                    self.send(src, Prepared(txn, self.id))
                    self.set_timer(("timeout", txn), self.timeout)
            elif state == "prepared":
                self.send(src, Prepared(txn, self.id))
        elif isinstance(msg, PreCommit):
            if state == "prepared":
                self._set(txn, "precommitted")
                state = "precommitted"
            if state == "precommitted":
                self.send(src, PreCommitted(txn, self.id))
                self.set_timer(("timeout", txn), self.timeout)
        elif isinstance(msg, (Commit, Abort)):
            self._learn(txn, "committed" if isinstance(msg, Commit) else "aborted")
            self.send(src, Ack(txn, self.id))
        elif isinstance(msg, StateRequest):
            self._answer(src, txn)
        elif isinstance(msg, StateReport):
            if txn in self.reports:
                self.reports[txn][msg.rm] = msg.state
            elif state in UNDECIDED and self.backup() == self.id:
                self._start_round(txn)
            elif state not in UNDECIDED:
                self._answer(src, txn)  # decided: tell it (undecided and not the backup: stay silent)
        elif isinstance(msg, PreCommitted) and txn in self.phase2:
            self.phase2[txn].add(msg.rm)

    def _answer(self, src: str, txn: str) -> None:
        state = self.state(txn)
        if state == "committed":
            self.send(src, Commit(txn))
        elif state == "aborted":
            self.send(src, Abort(txn))
        else:
            self.send(src, StateReport(txn, self.id, state))

    def _learn(self, txn: str, outcome: str) -> None:
        state = self.state(txn)
        if state in ("working", *UNDECIDED):
            self._set(txn, outcome)
            self.cancel_timer(("timeout", txn))
        elif state != outcome:
            self.persist(**{f"conflict/{txn}": outcome})  # told the other outcome: the run is broken

    def on_timer(self, name: Any) -> None:
        kind, txn = name
        state = self.state(txn)
        if kind == "timeout" and state in UNDECIDED:
            b = self.backup()
            if b != self.id and b not in self.heard:
                self.suspected.add(b)
                b = self.backup()
            self.heard.clear()
            if b == self.id:
                self._start_round(txn)
            else:
                self.send(b, StateReport(txn, self.id, state))
            self.set_timer(("timeout", txn), self.timeout)
        elif kind == "collect" and txn in self.reports:
            self._terminate(txn, self.reports.pop(txn))
        elif kind == "precommit" and txn in self.phase2:
            self.phase2.pop(txn)
            self._broadcast_decision(txn, "committed")

    def _start_round(self, txn: str) -> None:
        if txn in self.reports or txn in self.phase2:
            return
        self.reports[txn] = {self.id: self.state(txn)}
        for p in self.participants:
            if p != self.id:
                self.send(p, StateRequest(txn))
        self.set_timer(("collect", txn), self.collect)

    def _terminate(self, txn: str, reports: dict[str, str]) -> None:
        states = set(reports.values()) | {self.state(txn)}
        if self.state(txn) not in UNDECIDED:
            return
        if "committed" in states:
            self._broadcast_decision(txn, "committed")
        elif "aborted" in states or "working" in states:
            self._broadcast_decision(txn, "aborted")
        elif "precommitted" in states:  # committable somewhere: precommit everyone, then commit
            if self.state(txn) == "prepared":
                self._set(txn, "precommitted")
            self.phase2[txn] = set()
            for p in self.participants:
                if p != self.id:
                    self.send(p, PreCommit(txn))
            self.set_timer(("precommit", txn), self.collect)
        else:
            self._broadcast_decision(txn, "aborted")  # all uncertain: nobody can have committed

    def _broadcast_decision(self, txn: str, outcome: str) -> None:
        self._learn(txn, outcome)
        msg = Commit(txn) if outcome == "committed" else Abort(txn)
        for p in self.participants:
            if p != self.id:
                self.send(p, msg)


def three_pc_sim(seed: int, *, participants: int = 3, txns: int = 1, no_prob: float = 0.0,
                 latency: tuple[float, float] = (1.0, 10.0), trace: bool = True) -> Simulation:
    """A simulation with 3PC coordinator ``tm`` and participants ``rm1..rmN`` (not yet run)."""
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        raise ConfigError(f"a transaction needs at least one participant, got participants={participants!r}")
    names = [f"rm{i}" for i in range(1, participants + 1)]
    sim = Simulation(seed, latency=latency, trace=trace)
    sim.add_node("tm", Coordinator3, participants=names, txns=[f"t{i}" for i in range(1, txns + 1)])
    for n in names:
        sim.add_node(n, Participant3, participants=names, no_prob=no_prob)
    return sim
