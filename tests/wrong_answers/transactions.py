"""Right and plausible wrong answers to the T13 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_transactions.py run every one of them.
"""

from __future__ import annotations

import random as _random
from typing import Any

from dsworkbook.transactions.twophase import Aborted, Participant, Prepared
from tests.wrong_answers import Answer  # noqa: F401  (predictions use it)

# -- 13-drill-participant ------------------------------------------------------------------------------------


class NotesParticipant(Participant):
    """The notes' participant, as the exercise notebook shows it: votes, then logs; commits on a timeout."""

    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self.send(src, Prepared(txn, self.id))
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.set_timer(("uncertain", txn), self.query_every)

    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self._finish(txn, "committed")


class SafeRight(NotesParticipant):
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)

    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self._ask(txn)


class SafeOnePersist(NotesParticipant):
    """Right too: the record and the lock in one persist; asks by hand and re-arms the timer."""

    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        rec = dict(self.storage.get(f"txn/{txn}", {}), state="prepared", locked_at=self.now())
        self.persist(**{f"txn/{txn}": rec}, lock=txn)
        self.set_timer(("uncertain", txn), self.query_every)
        self.send(src, Prepared(txn, self.id))

    def on_timer(self, name):
        kind, txn = name
        if kind != "uncertain" or self.state(txn) != "prepared":
            return
        self._ask(txn)


class VoteBeforePersist(SafeRight):
    # the notes' order: the yes vote leaves before the prepared record - a crash between them forgets the vote
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self.send(src, Prepared(txn, self.id))
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.set_timer(("uncertain", txn), self.query_every)


class VoteBeforeLock(SafeRight):
    # logs the record, votes, then persists the lock: a crash after the vote loses the lock of a prepared txn
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.send(src, Prepared(txn, self.id))
        self.persist(lock=txn)
        self.set_timer(("uncertain", txn), self.query_every)


class CommitOnTimeout(SafeRight):
    # the notes' 3PC "timeout": an uncertain participant commits on its own (presumed commit)
    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self._finish(txn, "committed")


class AbortOnTimeout(SafeRight):
    # aborts on its own after voting yes: the coordinator may already have committed
    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self._finish(txn, "aborted")


class AsksWithOwnTimer(SafeRight):
    # asks on a timer of its own that nothing cancels: it keeps asking after it has committed or aborted
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)
        self.set_timer(("retry", txn), self.query_every)

    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self._ask(txn)
        elif kind == "retry":
            self._ask(txn)
            self.set_timer(("retry", txn), self.query_every)


class AsksAfterNoVote(SafeRight):
    # arms the timer after every vote, a no vote too, and asks whatever the state: asks about its own abort
    def _vote(self, src, txn):
        SafeRight._vote(self, src, txn)
        self.set_timer(("uncertain", txn), self.query_every)

    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain":
            self._ask(txn)


class AsksOnce(SafeRight):
    # asks once and never again: after a partition heals nobody answers a question that was lost
    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self.send(self.coordinator, __import__("dsworkbook").transactions.twophase.StatusQuery(txn, self.id))
            if self.cooperative:
                for o in self.others:
                    self.send(o, __import__("dsworkbook").transactions.twophase.StatusQuery(txn, self.id))


class AsksCoordinatorOnly(SafeRight):
    # keeps asking, but only the coordinator: when it is gone for good, cooperative termination never happens
    def on_timer(self, name):
        kind, txn = name
        if kind == "uncertain" and self.state(txn) == "prepared":
            self.send(self.coordinator, __import__("dsworkbook").transactions.twophase.StatusQuery(txn, self.id))
            self.set_timer(("uncertain", txn), self.query_every)


class NoTimer(SafeRight):
    # never arms the timer: waits for the coordinator forever
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))


class NoLock(SafeRight):
    # never takes the lock: votes yes for a second transaction while the first is still prepared
    def _vote(self, src, txn):
        if self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


class VolatileLock(SafeRight):
    # keeps the lock in memory: a restart forgets it while the prepared transaction still needs it
    held: Any = None

    def _vote(self, src, txn):
        if self.held is not None and self.state(self.held) == "prepared" or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.held = txn
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


class IgnoresNoProb(SafeRight):
    # always votes yes when free: a participant that cannot do the work must be able to vote no
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


class GlobalRandom(SafeRight):
    # draws its no vote from the global random module: the run differs from one process to the next
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or _random.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


class NoLockedAt(SafeRight):
    # logs "prepared" without locked_at: the log does not show the yes vote or when the lock was taken
    def _vote(self, src, txn):
        if self.storage.get("lock") is not None or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared")
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


class LockedBySameTxnOnly(SafeRight):
    # compares the lock with the wrong thing: votes no only when the lock is held by this very transaction
    def _vote(self, src, txn):
        if self.storage.get("lock") == txn or self.rng.random() < self.no_prob:
            self._finish(txn, "aborted")
            self.send(src, Aborted(txn, self.id))
            return
        self._log(txn, "prepared", locked_at=self.now())
        self.persist(lock=txn)
        self.send(src, Prepared(txn, self.id))
        self.set_timer(("uncertain", txn), self.query_every)


RIGHT: dict[str, Any] = {
    "13-drill-participant": SafeRight,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "13-drill-participant": [SafeOnePersist],
}

WRONG: dict[str, list[Any]] = {
    "13-drill-participant": [
        NotesParticipant,     # the notes as they are: vote before the log, commit on a timeout
        VoteBeforePersist,    # the yes vote before the prepared record
        VoteBeforeLock,       # the yes vote before the lock is durable
        CommitOnTimeout,      # decides commit alone when the coordinator is silent
        AbortOnTimeout,       # decides abort alone after voting yes
        AsksOnce,             # asks once, never again
        AsksCoordinatorOnly,  # no cooperative termination
        NoTimer,              # never asks at all
        NoLock,               # no lock: two prepared transactions at once
        VolatileLock,         # a lock in memory, lost in a restart
        IgnoresNoProb,        # never votes no
        GlobalRandom,         # the global random module instead of self.rng
        NoLockedAt,           # the prepared record lacks locked_at
        LockedBySameTxnOnly,  # compares the lock with its own transaction
        AsksWithOwnTimer,     # keeps asking after the outcome is known
        AsksAfterNoVote,      # asks about a transaction it voted no on
    ],
}

# -- 13-design-flow ------------------------------------------------------------------------------------------

RIGHT["13-design-flow"] = {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "saga-campaign"),
                           "order-event": ("outbox", "outbox-campaign")}
ALSO_RIGHT["13-design-flow"] = [
    {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "lock-hold"),
     "order-event": ("outbox", "dual-write-campaign")},
]
WRONG["13-design-flow"] = [
    # a saga for the ledger: its first step is visible before a later one fails and it is undone
    {"ledger": ("saga", "saga-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # an outbox for the ledger: the credit shows up after the debit committed, and nothing undoes it
    {"ledger": ("outbox", "outbox-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # 2PC for the trip: partners offer no prepare, and locks are held for as long as the coordinator is down
    {"ledger": ("2pc", "commit-campaign"), "trip": ("2pc", "commit-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # an outbox for the trip: nothing compensates the flight when the hotel fails
    {"ledger": ("2pc", "commit-campaign"), "trip": ("outbox", "outbox-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # 2PC for the event: the broker is no participant; publishing after the commit is a dual write
    {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("2pc", "commit-campaign")},
    # a saga for the event: a step that publishes after its commit is still a dual write
    {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("saga", "saga-campaign")},
    # the right mechanism defended with another mechanism's experiment
    {"ledger": ("2pc", "saga-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # lock-hold shows 2PC's weakness; it cannot defend 2PC for the ledger
    {"ledger": ("2pc", "lock-hold"), "trip": ("saga", "saga-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # the trip defended with the outbox experiment
    {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "outbox-campaign"), "order-event": ("outbox", "outbox-campaign")},
    # a flow left out
    {"ledger": ("2pc", "commit-campaign"), "trip": ("saga", "saga-campaign")},
    # the mechanism alone, without an experiment
    {"ledger": "2pc", "trip": "saga", "order-event": "outbox"},
    # a list instead of a (mechanism, experiment) pair, and a misspelt mechanism
    {"ledger": ("2PC", "commit-campaign"), "trip": ("saga", "saga-campaign"), "order-event": ("outbox", "outbox-campaign")},
]

# -- 13-compensation-plan ------------------------------------------------------------------------------------


def _latest(log):
    latest = {}
    for step, event in log:
        latest[step] = event
    return latest


def plan_right(steps, log):
    latest = _latest(log)
    return [s for s in reversed(steps) if latest.get(s) in ("done", "unknown")]


def plan_right_loop(steps, log):
    out = []
    for i in range(len(steps) - 1, -1, -1):
        events = [e for s, e in log if s == steps[i]]
        if events and events[-1] in {"done", "unknown"}:
            out.append(steps[i])
    return out


def plan_forward(steps, log):  # compensates in forward order (the seed notes' arrow read left to right)
    latest = _latest(log)
    return [s for s in steps if latest.get(s) in ("done", "unknown")]


def plan_reverse_log(steps, log):  # reverse order of the log, not of the steps
    latest, out = _latest(log), []
    for s, _e in reversed(log):
        if latest.get(s) in ("done", "unknown") and s not in out:
            out.append(s)
    return out


def plan_skips_unknown(steps, log):  # a timed-out step is treated as never run
    latest = _latest(log)
    return [s for s in reversed(steps) if latest.get(s) == "done"]


def plan_includes_failed(steps, log):  # compensates the failed step too
    latest = _latest(log)
    return [s for s in reversed(steps) if latest.get(s) in ("done", "unknown", "failed")]


def plan_recompensates(steps, log):  # ignores "compensated": any step ever done is undone again
    events = {}
    for s, e in log:
        events.setdefault(s, set()).add(e)
    return [s for s in reversed(steps) if events.get(s, set()) & {"done", "unknown"}]


def plan_duplicates(steps, log):  # one compensation per done record: duplicates refund twice
    out = []
    for s in reversed(steps):
        events = [e for t, e in log if t == s]
        if events and events[-1] in ("done", "unknown"):
            out += [s] * max(1, events.count("done"))
    return out


def plan_first_event(steps, log):  # the first record decides, not the latest
    first = {}
    for s, e in log:
        first.setdefault(s, e)
    return [s for s in reversed(steps) if first.get(s) in ("done", "unknown")]


def plan_sorted(steps, log):  # reverse alphabetical order of the names
    latest = _latest(log)
    return sorted((s for s in steps if latest.get(s) in ("done", "unknown")), reverse=True)


def plan_set(steps, log):  # a set: order follows hash() of the names
    latest = _latest(log)
    return list({s for s in steps if latest.get(s) in ("done", "unknown")})


def plan_before_failure(steps, log):  # every step listed before the first failed one, whatever the log says
    latest = _latest(log)
    failed = [i for i, s in enumerate(steps) if latest.get(s) == "failed"]
    end = failed[0] if failed else len(steps)
    return list(reversed(steps[:end]))


RIGHT["13-compensation-plan"] = plan_right
ALSO_RIGHT["13-compensation-plan"] = [plan_right_loop]
WRONG["13-compensation-plan"] = [
    plan_forward,          # forward order
    plan_reverse_log,      # reverse log order, not reverse step order
    plan_skips_unknown,    # a timed-out step may have run: it must be compensated
    plan_includes_failed,  # a failed step did nothing
    plan_recompensates,    # compensates an already compensated step again
    plan_duplicates,       # one compensation per duplicate record
    plan_first_event,      # the first record decides instead of the latest
    plan_sorted,           # orders by name
    plan_set,              # order from hash() of strings
    plan_before_failure,   # derives the plan from the step list, not from the log
]

# -- 13-twophase-next ----------------------------------------------------------------------------------------

from dsworkbook.transactions.model import (ABORTED, COMMITTED, CRASHED, DONE, INIT, PREPARED,  # noqa: E402
                                           WORKING, TwoPhaseModel, _set)


def _tp_next(self, s, bug=None):
    rm, tm, tp, pm, dm, pc, am, ta = s
    tm_may_act = tm != DONE if bug == "tm_acts_after_crash" else tm == INIT
    if tm_may_act:
        for i in range(self.n):
            if pm >> i & 1 and (bug == "rcv_prepared_repeat" or not tp >> i & 1):
                yield f"TMRcvPrepared(rm{i + 1})", (rm, tm, tp | 1 << i, pm, dm, pc, am, ta)
        if tp == self.all or bug == "commit_without_all" and tp:
            yield "TMCommit", (rm, DONE, tp, pm, dm | 1, pc, am, ta)
        if bug != "no_tmabort" and not (bug == "abort_only_if_not_all" and tp == self.all):
            yield "TMAbort", (rm, DONE, tp, pm, dm | 2, pc, am, ta)
    if (self.crash or bug == "crash_ignores_flag") and (tm == INIT or bug == "crash_after_decision" and tm == DONE):
        yield "TMCrash", (rm, CRASHED, tp, pm, dm, pc, am, ta)
    for i, r in enumerate(rm):
        if r == WORKING:
            yield f"RMPrepare(rm{i + 1})", (_set(rm, i, PREPARED), tm, tp,
                                            pm if bug == "prepare_no_msg" else pm | 1 << i, dm, pc, am, ta)
        if r == WORKING or bug == "prepared_can_abort" and r == PREPARED:
            yield f"RMChooseToAbort(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
        if dm & 1 and (bug != "rcv_commit_only_prepared" or r == PREPARED):
            yield f"RMRcvCommitMsg(rm{i + 1})", (_set(rm, i, COMMITTED), tm, tp, pm, dm, pc, am, ta)
        if dm & 2:
            yield f"RMRcvAbortMsg(rm{i + 1})", (_set(rm, i, ABORTED), tm, tp, pm, dm, pc, am, ta)
        if self.cooperative and (tm == CRASHED or bug == "learn_without_crash") and \
                (r == PREPARED or bug == "learn_from_working" and r == WORKING):
            for outcome in (COMMITTED, ABORTED):
                if outcome in rm or bug == "learn_any_outcome":
                    yield f"RMLearn(rm{i + 1})", (_set(rm, i, outcome), tm, tp, pm, dm, pc, am, ta)


def _tp(bug):
    class Wrong(TwoPhaseModel):
        def next(self, s):
            return _tp_next(self, s, bug)
    Wrong.__name__ = Wrong.__qualname__ = f"TwoPhase_{bug}"
    return Wrong


class TwoPhaseRight(TwoPhaseModel):
    def next(self, s):
        return _tp_next(self, s)


class TwoPhaseRightList(TwoPhaseModel):
    def next(self, s):  # a list, in another order
        return sorted(_tp_next(self, s), reverse=True)


RIGHT["13-twophase-next"] = TwoPhaseRight
ALSO_RIGHT["13-twophase-next"] = [TwoPhaseRightList]
WRONG["13-twophase-next"] = [
    _tp("commit_without_all"),        # TMCommit before every RM is in tmPrepared
    _tp("no_tmabort"),                # the TM never aborts on its own
    _tp("abort_only_if_not_all"),     # the TM may not abort once all are prepared (it may)
    _tp("crash_after_decision"),      # TMCrash after the decision too (not modelled: invisible to RMs)
    _tp("crash_ignores_flag"),        # TMCrash without crash=True
    _tp("prepared_can_abort"),        # a prepared RM aborts on its own
    _tp("rcv_commit_only_prepared"),  # only prepared RMs take the Commit message
    _tp("learn_without_crash"),       # cooperative termination while the TM is alive
    _tp("learn_from_working"),        # a working RM copies an outcome
    _tp("learn_any_outcome"),         # an RM learns an outcome nobody has
    _tp("prepare_no_msg"),            # RMPrepare does not put Prepared(rm) into msgs
    _tp("rcv_prepared_repeat"),       # TMRcvPrepared for an RM already in tmPrepared
    _tp("tm_acts_after_crash"),       # the crashed TM still commits or aborts
]

# -- 13-predict-isolation ------------------------------------------------------------------------------------

_ISO = {"READ UNCOMMITTED": True, "READ COMMITTED": True, "REPEATABLE READ": False, "SERIALIZABLE": False}
RIGHT["13-predict-isolation"] = Answer(_ISO, why="b")
ALSO_RIGHT["13-predict-isolation"] = [Answer(dict(_ISO), why="(B)")]
WRONG["13-predict-isolation"] = [
    Answer(dict(_ISO, **{"REPEATABLE READ": True}), why="a"),          # only SERIALIZABLE prevents it
    Answer(dict(_ISO, **{"READ COMMITTED": False}), why="b"),          # READ COMMITTED thought to be one snapshot
    Answer({k: False for k in _ISO}, why="c"),                         # T1's read waits for T2's lock
    Answer({k: True for k in _ISO}, why="a"),                          # every level shows it
    Answer(dict(_ISO, **{"SERIALIZABLE": True}), why="b"),             # SERIALIZABLE thought not to cover reads
    Answer(dict(_ISO), why="a"),                                       # the right table, the wrong reason
    Answer(dict(_ISO), why="c"),                                       # the right table, locks as the reason
    Answer(dict(_ISO), why="d"),                                       # the right table, aborts as the reason
    Answer({"READ COMMITTED": True, "REPEATABLE READ": False, "SERIALIZABLE": False}, why="b"),  # a level left out
    Answer(dict(_ISO, **{"READ UNCOMMITTED": "yes"}), why="b"),        # not a bool
    Answer(dict(_ISO), why="e"),                                       # no such reason
]

# -- 13-drill-saga-undo --------------------------------------------------------------------------------------

from dsworkbook.transactions.saga import SagaService  # noqa: E402


class NotesSagaService(SagaService):
    """The notes' service, as the exercise notebook shows it: every Do and every Undo is applied."""

    def apply_do(self, msg, also=None):
        ok = self.rng.random() >= self.fail_prob
        rec = self.record(msg.key)
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok

    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now(), net=rec.get("net", 0) - 1)}, **(also or {}))
        return True


class KeyedRight(NotesSagaService):
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        if "undo" in rec:
            self.persist(**{f"op/{msg.key}": dict(rec, do="refused")}, **(also(False) if also else {}))
            return False
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok

    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            return False
        net = rec.get("net", 0) - (1 if rec.get("do") == "ok" else 0)
        self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now(), net=net)}, **(also or {}))
        return True


class KeyedRightBuilt(NotesSagaService):
    """Right too: the record built afresh, the owed records merged first."""

    def apply_do(self, msg, also=None):
        key = f"op/{msg.key}"
        old = dict(self.storage.get(key, {}))
        if old.get("do") is not None:
            return old["do"] == "ok"
        if old.get("undo") is not None:
            ok, outcome, net = False, "refused", old.get("net", 0)
        else:
            ok = self.rng.random() >= self.fail_prob
            outcome, net = ("ok", 1) if ok else ("failed", 0)
        writes = dict(also(ok)) if also is not None else {}
        old.update(do=outcome, net=net)
        writes[key] = old
        self.persist(**writes)
        return ok

    def apply_undo(self, msg, also=None):
        key = f"op/{msg.key}"
        old = dict(self.storage.get(key, {}))
        if old.get("undo") is not None:
            return False
        old["undo"] = self.now()
        old["net"] = 0
        writes = dict(also or {})
        writes[key] = old
        self.persist(**writes)
        return True


class DoKeyedOnly(KeyedRight):
    # the Do is deduplicated but the compensation is not: a duplicated Undo refunds twice
    def apply_undo(self, msg, also=None):
        return NotesSagaService.apply_undo(self, msg, also)


class UndoKeyedOnly(KeyedRight):
    # the compensation is deduplicated but the step is not: a duplicated Do charges twice
    def apply_do(self, msg, also=None):
        return NotesSagaService.apply_do(self, msg, also)


class LateDoApplied(KeyedRight):
    # an Undo recorded before its Do does not stop the late Do: applied after it was undone
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok


class EarlyUndoIgnored(KeyedRight):
    # an Undo for a step not seen yet does nothing and records nothing: the late Do then applies
    def apply_undo(self, msg, also=None):
        if "do" not in self.record(msg.key):
            return False
        return super().apply_undo(msg, also)


class RefundsFailedStep(KeyedRight):
    # the compensation of a step that failed (or was refused) still refunds: net -1
    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            return False
        self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now(), net=rec.get("net", 0) - 1)}, **(also or {}))
        return True


class DedupInMemory(NotesSagaService):
    # the keys seen are kept in an attribute, lost in a crash: the retry after a restart applies again
    def _seen(self):
        if not hasattr(self, "_keys"):
            self._keys = {}
        return self._keys

    def apply_do(self, msg, also=None):
        seen = self._seen()
        if ("do", msg.key) in seen:
            return seen[("do", msg.key)]
        if ("undo", msg.key) in seen:
            seen[("do", msg.key)] = False
            return False
        ok = super().apply_do(msg, also)
        seen[("do", msg.key)] = ok
        return ok

    def apply_undo(self, msg, also=None):
        seen = self._seen()
        if ("undo", msg.key) in seen:
            return False
        seen[("undo", msg.key)] = True
        rec = self.record(msg.key)
        net = rec.get("net", 0) - (1 if rec.get("do") == "ok" else 0)
        self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now(), net=net)}, **(also or {}))
        return True


class RedrawsFailure(KeyedRight):
    # a repeat of a failed step is tried again: the retry may succeed after the saga moved on
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if rec.get("do") == "ok":
            return True
        if "undo" in rec:
            if rec.get("do") != "refused":
                self.persist(**{f"op/{msg.key}": dict(rec, do="refused")}, **(also(False) if also else {}))
            return False
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok


class KeyByStep(KeyedRight):
    # the record is keyed by the step index, not the idempotency key: two sagas share one record
    def record(self, key):
        return self.storage.get(f"op/{key.split(':')[-1]}", {})

    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.step}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok


class RefusedAnsweredDone(KeyedRight):
    # a refused late step is answered as applied (only "failed" counts as a failure)
    def apply_do(self, msg, also=None):
        super().apply_do(msg, also)
        return self.record(msg.key).get("do") != "failed"


class UndoAlwaysTrue(KeyedRight):
    # apply_undo says it compensated now on every copy of the Undo
    def apply_undo(self, msg, also=None):
        super().apply_undo(msg, also)
        return True


class DropsAlso(KeyedRight):
    # the choreography's owed event is not written with the record: the next service never hears of it
    def apply_do(self, msg, also=None):
        return super().apply_do(msg, None)

    def apply_undo(self, msg, also=None):
        return super().apply_undo(msg, None)


class NetNotDecremented(KeyedRight):
    # the compensation is recorded but the step's effect stays: net 1 after an Undo
    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            return False
        self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now())}, **(also or {}))
        return True


class GlobalRandomSaga(KeyedRight):
    # the step's failure drawn from the global random module, not self.rng
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        if "undo" in rec:
            self.persist(**{f"op/{msg.key}": dict(rec, do="refused")}, **(also(False) if also else {}))
            return False
        ok = _random.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok


class PersistAfterAnswerUndo(KeyedRight):
    # the Undo's key is checked against the record, but a refused late Do is not recorded: a second copy is applied
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            return rec["do"] == "ok"
        if "undo" in rec and not rec.get("blocked_once"):
            self.persist(**{f"op/{msg.key}": dict(rec, blocked_once=True)}, **(also(False) if also else {}))
            return False
        ok = self.rng.random() >= self.fail_prob
        self.persist(**{f"op/{msg.key}": dict(rec, do="ok" if ok else "failed", net=rec.get("net", 0) + ok)},
                     **(also(ok) if also else {}))
        return ok


class RefusedRecordedFailed(KeyedRight):
    # a late Do after its Undo recorded as "failed", not "refused"
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec and "do" not in rec:
            self.persist(**{f"op/{msg.key}": dict(rec, do="failed")}, **(also(False) if also else {}))
            return False
        return KeyedRight.apply_do(self, msg, also)


class UndoMarkedTrue(KeyedRight):
    # records undo=True instead of the time of the first Undo
    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            return False
        net = rec.get("net", 0) - (1 if rec.get("do") == "ok" else 0)
        self.persist(**{f"op/{msg.key}": dict(rec, undo=True, net=net)}, **(also or {}))
        return True


class UndoReplacesRecord(KeyedRight):
    # the compensation writes a fresh record: the step's "do" is forgotten
    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            return False
        net = rec.get("net", 0) - (1 if rec.get("do") == "ok" else 0)
        self.persist(**{f"op/{msg.key}": {"undo": self.now(), "net": net}}, **(also or {}))
        return True


class RewritesOnRepeat(KeyedRight):
    # answers a repeated Do from the record but writes the record again
    def apply_do(self, msg, also=None):
        rec = self.record(msg.key)
        if "do" in rec:
            self.persist(**{f"op/{msg.key}": dict(rec)})
            return rec["do"] == "ok"
        return KeyedRight.apply_do(self, msg, also)


class UndoTimeOfLastCopy(KeyedRight):
    # a repeated Undo moves the recorded undo time to the latest copy (net unchanged)
    def apply_undo(self, msg, also=None):
        rec = self.record(msg.key)
        if "undo" in rec:
            self.persist(**{f"op/{msg.key}": dict(rec, undo=self.now())})
            return False
        return KeyedRight.apply_undo(self, msg, also)


RIGHT["13-drill-saga-undo"] = KeyedRight
ALSO_RIGHT["13-drill-saga-undo"] = [KeyedRightBuilt, SagaService]
WRONG["13-drill-saga-undo"] = [
    NotesSagaService,        # the notes as they are: every Do and every Undo applied, no key
    DoKeyedOnly,             # a duplicated Undo refunds twice
    UndoKeyedOnly,           # a duplicated Do charges twice
    LateDoApplied,           # a Do that arrives after its Undo is applied
    EarlyUndoIgnored,        # an Undo before its Do is not recorded, so the late Do applies
    RefundsFailedStep,       # the compensation of a failed step refunds anyway
    DedupInMemory,           # the keys seen live in memory: a crash forgets them
    RedrawsFailure,          # a failed step is tried again on a repeat
    KeyByStep,               # one record per step index: two sagas collide
    RefusedAnsweredDone,     # a refused step answered Done
    UndoAlwaysTrue,          # every copy of the Undo reported as compensated now
    DropsAlso,               # the choreography's owed event never written
    NetNotDecremented,       # compensation recorded, effect not undone
    GlobalRandomSaga,        # the global random module
    PersistAfterAnswerUndo,  # the late Do refused once, the next copy applied
    RefusedRecordedFailed,   # a refused late step recorded as "failed"
    UndoMarkedTrue,          # undo recorded as True, not its time
    UndoReplacesRecord,      # the compensation's record drops the step's "do"
    RewritesOnRepeat,        # a repeat answered from the record but written again
    UndoTimeOfLastCopy,      # each copy of the Undo rewrites its time
]

# -- 13-predict-commit-runs ----------------------------------------------------------------------------------

_RUNS = {"2PC, coordinator crash": "blocked", "3PC, coordinator crash": "aborted", "2PC, partition": "committed",
         "3PC, partition": "split"}
RIGHT["13-predict-commit-runs"] = Answer(_RUNS, why="a")
ALSO_RIGHT["13-predict-commit-runs"] = [Answer(dict(_RUNS), why=" (A) ")]
WRONG["13-predict-commit-runs"] = [
    Answer(dict(_RUNS, **{"3PC, coordinator crash": "committed"}), why="a"),  # every vote was yes, so 3PC commits
    Answer(dict(_RUNS, **{"2PC, coordinator crash": "aborted"}), why="c"),    # cooperative termination aborts
    Answer(dict(_RUNS, **{"2PC, coordinator crash": "committed"}), why="a"),  # a timeout commits (the notes' fix)
    Answer(dict(_RUNS, **{"2PC, partition": "split"}), why="d"),              # the notes: 2PC is split by partitions
    Answer(dict(_RUNS, **{"2PC, partition": "blocked"}), why="a"),            # forgets that the partition heals
    Answer(dict(_RUNS, **{"3PC, partition": "committed"}), why="a"),          # 3PC thought safe under partitions
    Answer(dict(_RUNS, **{"3PC, partition": "blocked"}), why="a"),            # 3PC thought to wait like 2PC
    Answer(dict(_RUNS, **{"3PC, coordinator crash": "blocked"}), why="c"),    # both crash runs thought blocked
    Answer(dict(_RUNS), why="b"),                                             # the right ends, the wrong reason
    Answer(dict(_RUNS), why="c"),                                             # the right ends, cooperation as reason
    Answer(dict(_RUNS), why="d"),                                             # the right ends, timeouts as reason
    Answer({k: v for k, v in _RUNS.items() if k != "2PC, partition"}, why="a"),  # a run left out
    Answer(dict(_RUNS, **{"3PC, partition": "inconsistent"}), why="a"),       # not one of the four words
]

# -- 13-anomaly-classifier -----------------------------------------------------------------------------------

from dsworkbook.grading.transactions.anomaly_classifier import anomalies as _anomalies  # noqa: E402
from dsworkbook.transactions.isolation_model import Abort as _Abort, Commit as _Commit, Count as _Count  # noqa: E402
from dsworkbook.transactions.isolation_model import Insert as _Insert, Read as _Read, Write as _Write  # noqa: E402


def anomalies_right(initial, history):
    return _anomalies(initial, history)


def anomalies_right_list(initial, history):
    return sorted(_anomalies(initial, history))  # a list is accepted too


def _but(name, flagged):
    """The reference with ``name`` decided by ``flagged(initial, history)`` instead."""
    def answer(initial, history):
        found = _anomalies(initial, history) - {name}
        return found | ({name} if flagged(initial, history) else set())
    return answer


def _dirty_syntactic(initial, history):
    # any read of a key another transaction has written and not ended - whatever the read returned
    pending = {}
    for step, _v in history:
        if isinstance(step, _Write | _Insert):
            pending.setdefault(step.txn, set()).add(step.key)
        elif isinstance(step, _Commit | _Abort):
            pending.pop(step.txn, None)
        elif isinstance(step, _Read) and any(u != step.txn and step.key in ks for u, ks in pending.items()):
            return True
    return False


def _dirty_abort_only(initial, history):
    # only a read of a value whose writer later aborted (A1) counts
    aborted = {s.txn for s, _ in history if isinstance(s, _Abort)}
    kept = [(s, v) for s, v in history if not isinstance(s, _Abort)]
    return "dirty read" in _anomalies(initial, history) and bool(aborted) and bool(kept)


def _dirty_any_value(initial, history):
    # the value matches the other's pending write; equal to the committed value or not
    pending = {}
    for step, v in history:
        if isinstance(step, _Write | _Insert):
            pending.setdefault(step.txn, {})[step.key] = v
        elif isinstance(step, _Commit | _Abort):
            pending.pop(step.txn, None)
        elif isinstance(step, _Read) and any(u != step.txn and ks.get(step.key, object()) == v
                                             for u, ks in pending.items()):
            return True
    return False


def _dirty_ever_written(initial, history):
    # a read of any value the other ever wrote, even after it committed or aborted
    written = {}
    for step, v in history:
        if isinstance(step, _Write | _Insert):
            written.setdefault(step.txn, {})[step.key] = v
        elif isinstance(step, _Read) and any(u != step.txn and ks.get(step.key, object()) == v
                                             and v != initial.get(step.key) for u, ks in written.items()):
            return True
    return False


def _nonrepeatable_own_writes(initial, history):
    # two different reads of a key, even when the transaction wrote the key in between
    first = {}
    for step, v in history:
        if isinstance(step, _Read):
            k = (step.txn, step.key)
            if k in first and first[k] != v:
                return True
            first.setdefault(k, v)
    return False


def _nonrepeatable_first_last(initial, history):
    # compares only the first and the last read of a key
    reads = {}
    for step, v in history:
        if isinstance(step, _Read):
            reads.setdefault((step.txn, step.key), []).append(v)
        elif isinstance(step, _Write):
            reads.pop((step.txn, step.key), None)
    return any(len(vs) > 1 and vs[0] != vs[-1] for vs in reads.values())


def _phantom_own_inserts(initial, history):
    # two different counts, even around the transaction's own insert
    counts = {}
    for step, v in history:
        if isinstance(step, _Count):
            if step.txn in counts and counts[step.txn] != v:
                return True
            counts.setdefault(step.txn, v)
    return False


def _lost_no_commit_needed(initial, history):
    # r_T[x] .. w_U[x] .. w_T[x] without asking who committed
    for i, (a, _) in enumerate(history):
        if not isinstance(a, _Read):
            continue
        for j in range(i + 1, len(history)):
            b = history[j][0]
            if isinstance(b, _Write) and b.txn != a.txn and b.key == a.key:
                if any(isinstance(c, _Write) and c.txn == a.txn and c.key == a.key for c, _ in history[j + 1:]):
                    return True
    return False


def _lost_any_order(initial, history):
    # both read x and both wrote x and both committed, in any order
    commits = {s.txn for s, _ in history if isinstance(s, _Commit)}
    for key in "xyzw":
        rw = [t for t in ("T1", "T2") if any(isinstance(s, _Read) and s.txn == t and s.key == key for s, _ in history)
              and any(isinstance(s, _Write) and s.txn == t and s.key == key for s, _ in history)]
        if len(rw) == 2 and set(rw) <= commits:
            return True
    return False


def _skew_same_key(initial, history):
    # write skew allowing x == y: counts every lost update too
    found = "write skew" in _anomalies(initial, history)
    return found or "lost update" in _anomalies(initial, history)


def _skew_no_commit(initial, history):
    # write skew without asking that both committed
    done = [(s, v) for s, v in history if not isinstance(s, _Abort)]
    done += [(_Commit(t), None) for t in ("T1", "T2")]
    return "write skew" in _anomalies(initial, done)


def anomalies_count_as_read(initial, history):
    # a Count treated as a Read of a key named "*": count changes reported as non-repeatable reads
    moved = [(_Read(s.txn, "*", "n"), v) if isinstance(s, _Count) else (s, v) for s, v in history]
    return _anomalies(initial, moved) - {"phantom"} | ({"non-repeatable read"} if "phantom" in
                                                       _anomalies(initial, history) else set())


def anomalies_misspelt(initial, history):
    # "lost-update" and "non repeatable read": not the statement's names
    names = {"lost update": "lost-update", "non-repeatable read": "non repeatable read"}
    return {names.get(n, n) for n in _anomalies(initial, history)}


RIGHT["13-anomaly-classifier"] = anomalies_right
ALSO_RIGHT["13-anomaly-classifier"] = [anomalies_right_list]
WRONG["13-anomaly-classifier"] = [
    _but("dirty read", _dirty_syntactic),            # P1 read as "a read during the other's write", any value
    _but("dirty read", _dirty_abort_only),           # only A1: the writer must abort
    _but("dirty read", _dirty_any_value),            # an uncommitted write equal to the committed value counted
    _but("dirty read", _dirty_ever_written),         # values of writers that already ended counted
    _but("non-repeatable read", _nonrepeatable_own_writes),  # a change by one's own write counted
    _but("non-repeatable read", _nonrepeatable_first_last),  # only the first and the last read compared
    _but("phantom", _phantom_own_inserts),           # a count changed by one's own insert counted
    _but("lost update", _lost_no_commit_needed),     # a lost update without both commits
    _but("lost update", _lost_any_order),            # both read and wrote x, order ignored
    _but("write skew", _skew_same_key),              # x == y allowed: a lost update is a write skew too
    _but("write skew", _skew_no_commit),             # an aborted transaction's write skew counted
    anomalies_count_as_read,                         # a phantom reported as a non-repeatable read
    anomalies_misspelt,                              # names spelt otherwise
]
