"""Two-phase commit on the simulator: a coordinator and participants with write-ahead logs.

Theory of operation
-------------------
The protocol is the one Gray & Lamport specify as TwoPhase ("Consensus on Transaction Commit",
2006, section 3, and :mod:`~dsworkbook.transactions.model`): the coordinator (their *TM*) sends
:class:`Prepare`; each participant (an *RM*) votes yes with :class:`Prepared` or no with
:class:`Aborted`; the coordinator decides :class:`Commit` when every participant is prepared
and :class:`Abort` otherwise (a no vote, or no vote before ``vote_timeout``).

**Write-ahead log.** Every node writes its log record with ``persist`` *before* the message the
record justifies, in the same handler, so a crash can fall between them but never reverse them:

* a participant persists ``prepared`` before it sends its yes vote - once it said yes it must be
  able to commit after a crash;
* the coordinator persists the decision before it sends Commit or Abort - once any participant
  may have learned it, a restarted coordinator must tell the same decision to the others.

**Recovery** from the log: a restarted coordinator that finds a decision resends it until every
participant acknowledged (:class:`Ack`); one that began a transaction but logged no decision
aborts it (no participant can have committed: Commit is only sent after the decision record).
A restarted participant that never voted aborts; one that is prepared stays prepared - it still
holds its lock - and asks.

**Termination.** A prepared participant is *uncertain*: it may neither commit nor abort on its
own. Every ``query_every`` ms it sends :class:`StatusQuery` to the coordinator and, with
``cooperative=True``, to the other participants (cooperative termination): another participant
that knows the outcome tells it, and one that has not voted yet aborts and says so - it may,
since in TCommit an RM that is not prepared can still abort. When the coordinator is down and
every participant voted yes, nobody knows the outcome and every participant holds its lock until
the coordinator is repaired - the blocking Gray & Lamport point out in section 3 - which
:func:`lock_hold_vs_downtime` measures.

**Locks.** Each participant guards one resource. It takes the lock when it votes yes and
releases it when it learns the outcome; a Prepare for another transaction while the lock is
held gets a no vote (no waiting, so no deadlock). ``lock_held`` gives the held intervals.

**Broken variants** (classic bugs, switched by the ``bug`` argument, caught by the ``commit``
campaign): ``no_wal`` - the coordinator sends Commit without logging the decision, so a crash in
the middle of the sends makes the restarted coordinator abort what some participants committed;
``vote_before_persist`` - a participant sends its yes vote before logging it, so a crash between
the two restarts it as never-voted and it aborts a transaction the coordinator may commit;
``presumed_commit_on_timeout`` - an uncertain participant commits on its own after a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, Node, Simulation

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Prepare", "Prepared", "Aborted", "Commit", "Abort", "Ack", "StatusQuery", "Outcome",
           "TWO_PC_BUGS", "Coordinator", "Participant", "ProtocolError", "check_participants",
           "participant_states", "atomicity_violation", "lock_held", "commit_sim", "lock_hold_vs_downtime"]

TWO_PC_BUGS = ("no_wal", "vote_before_persist", "presumed_commit_on_timeout")


# --- messages (Gray & Lamport's names) ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Prepare:
    txn: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """The yes vote of ``rm`` for ``txn``."""
    txn: str
    rm: str


@dataclass(frozen=True, slots=True)
class Aborted:
    """The no vote of ``rm`` (or its answer to a query: it aborted)."""
    txn: str
    rm: str


@dataclass(frozen=True, slots=True)
class Commit:
    txn: str


@dataclass(frozen=True, slots=True)
class Abort:
    txn: str


@dataclass(frozen=True, slots=True)
class Ack:
    txn: str
    rm: str


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """An uncertain participant asks for the outcome of ``txn``."""
    txn: str
    rm: str


@dataclass(frozen=True, slots=True)
class Outcome:
    txn: str
    decision: str  # "commit" | "abort"


class ProtocolError(ConfigError):
    """A message the protocol forbids, e.g. a second, different vote from the same participant."""


def check_participants(participants: Sequence[str], txns: Sequence[str] = ("t1",)) -> tuple[str, ...]:
    """Validate a transaction's participant list (non-empty, distinct ids)."""
    parts = tuple(participants) if not isinstance(participants, str) else (participants,)
    if not parts:
        raise ConfigError("a transaction needs at least one participant: pass participants=['rm1', ...]")
    if len(set(parts)) != len(parts) or not all(isinstance(p, str) and p for p in parts):
        raise ConfigError(f"participants must be distinct non-empty node ids, got {list(participants)!r}")
    if not txns or len(set(txns)) != len(txns):
        raise ConfigError(f"txns must be a non-empty list of distinct transaction ids, got {list(txns)!r}")
    return parts


def _check_bug(bug: str | None) -> None:
    if bug is not None and bug not in TWO_PC_BUGS:
        raise ConfigError(f"unknown 2PC bug {bug!r}; choose one of {list(TWO_PC_BUGS)} or None")


class Coordinator(Node):
    """The transaction manager: runs ``txns`` one after another (``gap`` ms apart) over ``participants``."""

    def __init__(self, node_id: str, *, participants: Sequence[str], txns: Sequence[str] = ("t1",),
                 start_at: float = 1.0, gap: float = 200.0, vote_timeout: float = 60.0,
                 resend_every: float = 50.0, bug: str | None = None) -> None:
        super().__init__(node_id)
        self.participants = check_participants(participants, txns)
        _check_bug(bug)
        self.txns, self.start_at, self.gap = tuple(txns), start_at, gap
        self.vote_timeout, self.resend_every, self.bug = vote_timeout, resend_every, bug
        self.votes: dict[str, set[str]] = {}  # volatile: lost in a crash (then the txn aborts)
        self.acks: dict[str, set[str]] = {}
        self.decided: dict[str, str] = {}  # decisions sent, also the ones a buggy node did not log

    def log(self, txn: str) -> dict[str, Any]:
        return self.storage.get(f"txn/{txn}", {})

    def on_start(self) -> None:
        for i, txn in enumerate(self.txns):
            rec = self.log(txn)
            if "decision" in rec:
                self.decided[txn] = rec["decision"]
                self.acks[txn] = set()
                self._send_decision(txn)
            elif rec.get("begun"):
                self._decide(txn, "abort")  # began, no decision logged: nobody can have committed
            else:
                self.set_timer(("begin", txn), max(0.0, self.start_at + i * self.gap - self.now()))

    def on_timer(self, name: Any) -> None:
        kind, txn = name
        if kind == "begin":
            self.persist(**{f"txn/{txn}": {"begun": True}})
            self.votes[txn] = set()
            for p in self.participants:
                self.send(p, Prepare(txn))
            self.set_timer(("votes", txn), self.vote_timeout)
        elif kind == "votes" and txn not in self.decided:
            self._decide(txn, "abort")
        elif kind == "resend" and txn in self.decided:
            self._send_decision(txn)

    def on_message(self, src: str, msg: Any) -> None:
        txn = msg.txn
        if isinstance(msg, Prepared):
            if txn in self.decided or txn not in self.votes:
                return  # late or duplicate vote: the decision (resent until acked) answers it
            self.votes[txn].add(msg.rm)
            if self.votes[txn] == set(self.participants):
                self._decide(txn, "commit")
        elif isinstance(msg, Aborted):
            if txn not in self.decided and txn in self.votes:
                if msg.rm in self.votes[txn]:
                    raise ProtocolError(f"participant {msg.rm!r} voted yes and then no on {txn!r}: a vote is final")
                self._decide(txn, "abort")
        elif isinstance(msg, StatusQuery):
            decision = self.decided.get(txn)
            if decision is not None:
                self.send(src, Outcome(txn, decision))
        elif isinstance(msg, Ack):
            if txn in self.acks:
                self.acks[txn].add(msg.rm)
                if self.acks[txn] == set(self.participants):
                    self.cancel_timer(("resend", txn))

    def _decide(self, txn: str, decision: str) -> None:
        if self.bug != "no_wal" or decision == "abort":
            self.persist(**{f"txn/{txn}": {"begun": True, "decision": decision}})  # the decision record first
        self.note(txn=txn, decision=decision)
        self.decided[txn] = decision
        self.acks[txn] = set()
        self.cancel_timer(("votes", txn))
        self._send_decision(txn)

    def _send_decision(self, txn: str) -> None:
        msg = Commit(txn) if self.decided[txn] == "commit" else Abort(txn)
        for p in self.participants:
            if p not in self.acks.get(txn, ()):
                self.send(p, msg)
        self.set_timer(("resend", txn), self.resend_every)


class Participant(Node):
    """A resource manager guarding one resource; votes no with probability ``no_prob`` (its own rng)."""

    def __init__(self, node_id: str, *, coordinator: str = "tm", others: Sequence[str] = (),
                 no_prob: float = 0.0, query_every: float = 100.0, cooperative: bool = False,
                 bug: str | None = None) -> None:
        super().__init__(node_id)
        _check_bug(bug)
        if not 0.0 <= no_prob <= 1.0:
            raise ConfigError(f"no_prob must be a probability in [0, 1], got {no_prob!r}")
        self.coordinator, self.others = coordinator, tuple(o for o in others if o != node_id)
        self.no_prob, self.query_every, self.cooperative, self.bug = no_prob, query_every, cooperative, bug

    def state(self, txn: str) -> str:
        return self.storage.get(f"txn/{txn}", {}).get("state", "working")

    def _log(self, txn: str, state: str, **extra: Any) -> None:
        rec = dict(self.storage.get(f"txn/{txn}", {}), state=state, **extra)
        self.persist(**{f"txn/{txn}": rec})

    def on_start(self) -> None:
        for key, rec in list(self.storage.items()):
            if key.startswith("txn/"):
                txn = key[4:]
                if rec["state"] == "prepared":
                    self._ask(txn)  # still holding the lock: ask for the outcome
                elif rec["state"] == "working":
                    self._finish(txn, "aborted")

    def on_message(self, src: str, msg: Any) -> None:
        txn, state = msg.txn, self.state(msg.txn)
        if isinstance(msg, Prepare):
            if state == "prepared":
                self.send(src, Prepared(txn, self.id))  # the Prepare came twice: same vote
            elif state == "aborted":
                self.send(src, Aborted(txn, self.id))
            elif state == "working":
                self._vote(src, txn)
        elif isinstance(msg, (Commit, Abort, Outcome)):
            decision = "commit" if isinstance(msg, Commit) or getattr(msg, "decision", "") == "commit" else "abort"
            if state in ("working", "prepared"):
                if decision == "commit" and state == "working":
                    # no prepared record: its work was lost (a crash) or it never voted yes; it cannot commit
                    self._log(txn, "aborted", conflict="commit")
                    return
                self._finish(txn, "committed" if decision == "commit" else "aborted")
            elif state != ("committed" if decision == "commit" else "aborted"):
                self._log(txn, state, conflict=decision)  # told the other outcome: the run is broken
            if not isinstance(msg, Outcome):
                self.send(src, Ack(txn, self.id))
        elif isinstance(msg, StatusQuery):
            if state in ("committed", "aborted"):
                self.send(src, Outcome(txn, "commit" if state == "committed" else "abort"))
            elif state == "working":  # not voted yet: it may still abort, and does
                self._finish(txn, "aborted")
                self.send(src, Outcome(txn, "abort"))

    def _vote(self, src: str, txn: str) -> None:
        locked_by = self.storage.get("lock")
        if locked_by is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        if self.bug == "vote_before_persist":
            self.send(src, Prepared(txn, self.id))
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        if self.bug != "vote_before_persist":
            self.send(src, Prepared(txn, self.id))  # the yes vote only after its log record
        self.set_timer(("uncertain", txn), self.query_every)

    def on_timer(self, name: Any) -> None:
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            if self.bug == "presumed_commit_on_timeout":
                self._finish(txn, "committed")
            else:
                self._ask(txn)

    def _ask(self, txn: str) -> None:
        self.send(self.coordinator, StatusQuery(txn, self.id))
        if self.cooperative:
            for o in self.others:
                self.send(o, StatusQuery(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)

    def _finish(self, txn: str, state: str) -> None:
        extra = {"released_at": self.now()} if self.state(txn) == "prepared" else {}
        self._log(txn, state, **extra)
        if self.storage.get("lock") == txn:
            self.persist(lock=None)
        self.cancel_timer(("uncertain", txn))
        self.note(txn=txn, state=state)


# --- running and checking ---------------------------------------------------------------------------

def participant_states(sim: Simulation, participants: Sequence[str], txn: str) -> dict[str, str]:
    """Each participant's durable state for ``txn``."""
    out = {}
    for p in participants:
        rec = sim.storage(p).get(f"txn/{txn}", {})
        out[p] = rec if isinstance(rec, str) else rec.get("state", "working")  # 3PC logs the bare state
    return out


def atomicity_violation(sim: Simulation, participants: Sequence[str], txns: Sequence[str]) -> str | None:
    """TCConsistent on the run: no transaction committed at one participant and aborted at another,
    no participant told both outcomes, and no commit without every participant's logged yes vote."""
    for txn in txns:
        states = participant_states(sim, participants, txn)
        committed = sorted(p for p, s in states.items() if s == "committed")
        aborted = sorted(p for p, s in states.items() if s == "aborted")
        if committed and aborted:
            return f"{txn}: committed at {committed} but aborted at {aborted}"
        for p in participants:
            rec = sim.storage(p).get(f"txn/{txn}", {})
            if "conflict" in rec:
                return f"{txn}: {p} {rec['state']} but was later told {rec['conflict']}"
        if committed and any("locked_at" not in sim.storage(p).get(f"txn/{txn}", {}) for p in participants):
            return f"{txn}: committed at {committed} without a logged yes vote from every participant"
    return None


def lock_held(sim: Simulation, participants: Sequence[str], txn: str) -> dict[str, float | None]:
    """How long each participant held its lock for ``txn`` (ms; None: never prepared or still held)."""
    out: dict[str, float | None] = {}
    for p in participants:
        rec = sim.storage(p).get(f"txn/{txn}", {})
        out[p] = rec["released_at"] - rec["locked_at"] if "locked_at" in rec and "released_at" in rec else None
    return out


def commit_sim(seed: int, *, participants: int = 3, txns: int = 1, no_prob: float = 0.0,
               cooperative: bool = False, bug: str | None = None, latency: tuple[float, float] = (1.0, 10.0),
               trace: bool = True) -> Simulation:
    """A simulation with coordinator ``tm`` and participants ``rm1..rmN`` (not yet run)."""
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        raise ConfigError(f"a transaction needs at least one participant, got participants={participants!r}")
    names = [f"rm{i}" for i in range(1, participants + 1)]
    sim = Simulation(seed, latency=latency, trace=trace)
    sim.add_node("tm", Coordinator, participants=names, txns=[f"t{i}" for i in range(1, txns + 1)],
                 bug=bug if bug == "no_wal" else None)
    for n in names:
        sim.add_node(n, Participant, coordinator="tm", others=names, no_prob=no_prob, cooperative=cooperative,
                     bug=bug if bug != "no_wal" else None)
    return sim


def lock_hold_vs_downtime(downtimes: Sequence[float] = tuple(range(0, 2001, 250)), *, seed: int = 0,
                          participants: int = 3, cooperative: bool = True) -> "pd.DataFrame":
    """Lock-held time against coordinator downtime, in the blocking case (a pandas DataFrame).

    For each downtime the coordinator crashes in the handler of the last yes vote, before its
    decision record (so every participant is prepared and nobody knows the outcome), and restarts
    ``downtime`` ms later; it then aborts (no decision logged). Columns: ``downtime_ms``,
    ``mean_lock_held_ms``, ``max_lock_held_ms``, ``outcome``. Cooperative termination does not help:
    every participant is uncertain.
    """
    import pandas as pd

    rows = []
    for downtime in downtimes:
        if isinstance(downtime, bool) or not isinstance(downtime, (int, float)) or downtime < 0:
            raise ConfigError(f"downtimes must be numbers of ms >= 0, got {downtime!r}")
        sim = commit_sim(seed, participants=participants, cooperative=cooperative, trace=False)
        names = [f"rm{i}" for i in range(1, participants + 1)]
        sim.run(until=1.5)  # the coordinator has sent Prepare; its next handler with effects is the last vote
        sim.crash_within("tm", 0)
        while sim.status("tm") != DOWN and sim.step():
            pass
        sim.at(sim.now + downtime, sim.restart, "tm")
        sim.run(until=sim.now + downtime + 1000)
        held = [h for h in lock_held(sim, names, "t1").values() if h is not None]
        states = set(participant_states(sim, names, "t1").values())
        rows.append({"downtime_ms": float(downtime), "mean_lock_held_ms": sum(held) / len(held) if held else None,
                     "max_lock_held_ms": max(held) if held else None,
                     "outcome": states.pop() if len(states) == 1 else "mixed"})
    return pd.DataFrame(rows)
