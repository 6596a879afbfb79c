"""Exercise ``13-anomaly-classifier``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.transactions.isolation import MVStore
from dsworkbook.transactions.isolation_model import (LEVELS, Abort, Commit, Count, Insert, Read,
                                                      SerializationFailure, Write)

NAMES = ("dirty read", "non-repeatable read", "lost update", "write skew", "phantom")
History = list[tuple[Any, Any]]


def _w(txn: str, key: str, value: int) -> Write:
    return Write(txn, key, lambda v, c=value: c, str(value))


# -- the reference, written from the statement's rules ------------------------------------------------------


def anomalies(initial: dict[str, int], history: History) -> set[str]:
    """The anomalies of Berenson et al. 1995 (P1, P2, P3, P4, A5B) as the exercise states them."""
    found: set[str] = set()
    committed = dict(initial)
    pending: dict[str, dict[str, int]] = {}
    ended: dict[str, str] = {}
    for i, (step, value) in enumerate(history):
        t = step.txn
        if isinstance(step, (Write, Insert)):
            pending.setdefault(t, {})[step.key] = value
        elif isinstance(step, Commit):
            committed.update(pending.pop(t, {}))
            ended[t] = "commit"
        elif isinstance(step, Abort):
            pending.pop(t, None)
            ended[t] = "abort"
        elif isinstance(step, Read):
            for u, writes in pending.items():
                if u != t and step.key in writes and value == writes[step.key] and value != committed.get(step.key):
                    found.add("dirty read")
    txns = {s.txn for s, _ in history}
    commits = {s.txn for s, _ in history if isinstance(s, Commit)}
    for t in txns:
        mine = [(i, s, v) for i, (s, v) in enumerate(history) if s.txn == t]
        for kind, name, same in ((Read, "non-repeatable read", lambda a, b: a.key == b.key),
                                 (Count, "phantom", lambda a, b: True)):
            segment: dict[Any, Any] = {}
            for _i, s, v in mine:
                if isinstance(s, (Write, Insert)):
                    if kind is Count:
                        segment.clear()
                    else:
                        segment.pop(s.key, None)
                elif isinstance(s, kind):
                    slot = s.key if kind is Read else "*"
                    if slot in segment and segment[slot] != v:
                        found.add(name)
                    segment.setdefault(slot, v)
    for t in txns:
        for u in txns - {t}:
            reads_t = [(i, s.key) for i, (s, _v) in enumerate(history) if s.txn == t and isinstance(s, Read)]
            writes_t = [(i, s.key) for i, (s, _v) in enumerate(history) if s.txn == t and isinstance(s, Write)]
            writes_u = [(i, s.key) for i, (s, _v) in enumerate(history) if s.txn == u and isinstance(s, Write)]
            if t in commits and u in commits:
                for ri, x in reads_t:
                    for ui, ux in writes_u:
                        if ux == x and ui > ri and any(k == x and ti > ui for ti, k in writes_t):
                            found.add("lost update")
                reads_u = [(i, s.key) for i, (s, _v) in enumerate(history) if s.txn == u and isinstance(s, Read)]
                for ri, x in reads_t:          # T read x before U wrote x ...
                    if not any(k == x and ui > ri for ui, k in writes_u):
                        continue
                    for rj, y in reads_u:      # ... and U read y before T wrote y, x != y
                        if y != x and any(k == y and ti > rj for ti, k in writes_t):
                            found.add("write skew")
    return found


# -- histories -----------------------------------------------------------------------------------------------


def _program(rng: random.Random, t: str) -> list[tuple[str, str]]:
    ops = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choices(("read", "write", "count", "insert"), (5, 4, 1, 1))[0]
        key = rng.choice("xy") if kind != "insert" else rng.choice(("z", "w"))
        ops.append((kind, key))
    ops.append(("abort" if rng.random() < 0.2 else "commit", ""))
    return ops


def mv_history(rng: random.Random) -> tuple[dict[str, int], History, str]:
    """A random interleaving of two random programs, run on the multi-version store at a random level."""
    level = rng.choice(LEVELS)
    initial = {"x": rng.choice((0, 50, 50, 100)), "y": rng.choice((0, 50, 50))}
    progs = {"T1": _program(rng, "T1"), "T2": _program(rng, "T2")}
    order = ["T1"] * len(progs["T1"]) + ["T2"] * len(progs["T2"])
    rng.shuffle(order)
    store = MVStore()
    store.reset(initial)
    for t in progs:
        store.begin(t, level)
    history: History = []
    seen: dict[str, dict[str, int | None]] = {"T1": {}, "T2": {}}
    done: set[str] = set()
    parked: dict[str, list[Any]] = {}

    def end(t: str, step: Any) -> None:
        done.add(t)
        history.append((step, None))
        other = "T2" if t == "T1" else "T1"
        if other in parked:
            waiting = parked.pop(other)
            try:
                store.resume(other)
                history.append(waiting[0])
            except SerializationFailure:
                done.add(other)
                history.append((Abort(other), None))
                return
            for later in waiting[1:]:
                run(other, later)

    def make(t: str, kind: str, key: str) -> tuple[Any, Any]:
        if kind == "read":
            return Read(t, key, key), None
        if kind == "count":
            return Count(t, "n"), None
        if kind == "insert":
            return Insert(t, key, rng.choice((0, 5))), None
        if kind == "write":
            base = seen[t].get(key)
            value = rng.choice((base + 10 if isinstance(base, int) else 10, 0, 50, 60))
            return _w(t, key, value), value
        return (Commit(t) if kind == "commit" else Abort(t)), None

    def run(t: str, op: tuple[str, str]) -> None:
        if t in done:
            return
        if t in parked:
            parked[t].append(op)
            return
        step, value = make(t, *op)
        if isinstance(step, Insert):
            value = step.value
        try:
            out = store.start(t, step, value)
        except SerializationFailure:
            done.add(t)
            history.append((Abort(t), None))
            other = "T2" if t == "T1" else "T1"
            if other in parked:  # the failed one held locks the other waited for
                waiting = parked.pop(other)
                store.resume(other)
                history.append(waiting[0])
                for later in waiting[1:]:
                    run(other, later)
            return
        if out.blocked:
            other = "T2" if t == "T1" else "T1"
            if other in parked:  # both wait: a deadlock; this one gives up
                store.txns[t].pending = None
                store.start(t, Abort(t), None)
                end(t, Abort(t))
                return
            parked[t] = [(step, value)]
            return
        if isinstance(step, (Read, Count)):
            value = out.value
            if isinstance(step, Read):
                seen[t][step.key] = value
        if isinstance(step, (Commit, Abort)):
            end(t, step)
        else:
            history.append((step, value))

    cursor = {"T1": 0, "T2": 0}
    for t in order:
        op = progs[t][cursor[t]]
        cursor[t] += 1
        run(t, op)
    return initial, history, level


def raw_history(rng: random.Random) -> tuple[dict[str, int], History, str]:
    """Any interleaving with any values: the rules hold for every history, not only a store's."""
    initial = {"x": rng.choice((0, 50)), "y": rng.choice((0, 50))}
    history: History = []
    live = ["T1", "T2"]
    latest: dict[str, int | None] = dict(initial)
    counts = {"T1": rng.randint(1, 6), "T2": rng.randint(1, 6)}
    while live:
        t = rng.choice(live)
        if counts[t] == 0:
            history.append((Abort(t) if rng.random() < 0.25 else Commit(t), None))
            live.remove(t)
            continue
        counts[t] -= 1
        kind = rng.choices(("read", "write", "count", "insert"), (5, 4, 1, 1))[0]
        value = rng.choice((0, 50, 60))
        if kind == "read":
            key = rng.choice("xy")
            seen = rng.choice((latest.get(key), latest.get(key), initial[key], None, 60))
            history.append((Read(t, key, "v"), seen))
        elif kind == "write":
            key = rng.choice("xy")
            latest[key] = value
            history.append((_w(t, key, value), value))
        elif kind == "count":
            history.append((Count(t, "n"), rng.randint(1, 3)))
        else:
            history.append((Insert(t, "z", value), value))
    return initial, history, "any"


def show(initial: dict[str, int], history: History) -> str:
    parts = []
    for step, value in history:
        name = type(step).__name__
        key = getattr(step, "key", "")
        parts.append(f"{step.txn} {name}" + (f" {key}" if key else "") + (f" -> {value}" if isinstance(step, (Read, Count))
                                                                          else f" = {value}" if value is not None else ""))
    return f"initial {initial}; " + "; ".join(parts)


# -- hand cases ------------------------------------------------------------------------------------------------

R, C, A = Read, Commit, Abort
HAND: list[tuple[str, dict[str, int], History]] = [
    ("the dirty read: T2 reads what T1 wrote, T1 aborts", {"x": 0},
     [(_w("T1", "x", 10), 10), (R("T2", "x", "x"), 10), (A("T1"), None), (C("T2"), None)]),
    ("a dirty read of a write that then commits", {"x": 0},
     [(_w("T1", "x", 10), 10), (R("T2", "x", "x"), 10), (C("T1"), None), (C("T2"), None)]),
    ("a read during another's write that returns the committed value", {"x": 0},
     [(_w("T1", "x", 10), 10), (R("T2", "x", "x"), 0), (C("T1"), None), (C("T2"), None)]),
    ("an uncommitted write equal to the committed value, read", {"x": 50},
     [(_w("T1", "x", 50), 50), (R("T2", "x", "x"), 50), (A("T1"), None), (C("T2"), None)]),
    ("a read of the other's value after it committed", {"x": 0},
     [(_w("T1", "x", 10), 10), (C("T1"), None), (R("T2", "x", "x"), 10), (C("T2"), None)]),
    ("a read after the writer aborted", {"x": 0},
     [(_w("T1", "x", 10), 10), (A("T1"), None), (R("T2", "x", "x"), 0), (C("T2"), None)]),
    ("the non-repeatable read", {"x": 10},
     [(R("T1", "x", "a"), 10), (_w("T2", "x", 20), 20), (C("T2"), None), (R("T1", "x", "b"), 20), (C("T1"), None)]),
    ("a second read of one's own write", {"x": 10},
     [(R("T1", "x", "a"), 10), (_w("T1", "x", 30), 30), (R("T1", "x", "b"), 30), (C("T1"), None), (C("T2"), None)]),
    ("three reads: first and last equal, the middle one differs", {"x": 10},
     [(R("T1", "x", "a"), 10), (R("T1", "x", "b"), 20), (R("T1", "x", "c"), 10), (C("T1"), None), (C("T2"), None)]),
    ("reads of two different keys that differ", {"x": 10, "y": 20},
     [(R("T1", "x", "a"), 10), (R("T1", "y", "b"), 20), (C("T1"), None), (C("T2"), None)]),
    ("the lost update", {"x": 100},
     [(R("T1", "x", "x"), 100), (R("T2", "x", "x"), 100), (_w("T1", "x", 110), 110), (C("T1"), None),
      (_w("T2", "x", 120), 120), (C("T2"), None)]),
    ("the lost update, but the overwritten writer aborted", {"x": 100},
     [(R("T1", "x", "x"), 100), (R("T2", "x", "x"), 100), (_w("T1", "x", 110), 110), (A("T1"), None),
      (_w("T2", "x", 120), 120), (C("T2"), None)]),
    ("the lost update, the last writer aborted", {"x": 100},
     [(R("T1", "x", "x"), 100), (R("T2", "x", "x"), 100), (_w("T1", "x", 110), 110), (C("T1"), None),
      (_w("T2", "x", 120), 120), (A("T2"), None)]),
    ("a read after the other's write, then a write: no lost update", {"x": 100},
     [(_w("T1", "x", 110), 110), (C("T1"), None), (R("T2", "x", "x"), 110), (_w("T2", "x", 130), 130),
      (C("T2"), None)]),
    ("T1's write before T2 commits (no locks here), both committed", {"x": 100},
     [(R("T1", "x", "x"), 100), (_w("T2", "x", 120), 120), (_w("T1", "x", 110), 110), (C("T1"), None),
      (C("T2"), None)]),
    ("the write skew", {"x": 1, "y": 1},
     [(R("T1", "x", "x"), 1), (R("T1", "y", "y"), 1), (R("T2", "x", "x"), 1), (R("T2", "y", "y"), 1),
      (_w("T1", "x", 0), 0), (_w("T2", "y", 0), 0), (C("T1"), None), (C("T2"), None)]),
    ("a write skew whose second transaction aborts", {"x": 1, "y": 1},
     [(R("T1", "x", "x"), 1), (R("T1", "y", "y"), 1), (R("T2", "x", "x"), 1), (R("T2", "y", "y"), 1),
      (_w("T1", "x", 0), 0), (_w("T2", "y", 0), 0), (C("T1"), None), (A("T2"), None)]),
    ("each reads a key, then writes the key the other read, but one read comes after the other's write",
     {"x": 1, "y": 1},
     [(R("T1", "y", "y"), 1), (_w("T1", "x", 0), 0), (C("T1"), None), (R("T2", "x", "x"), 0),
      (_w("T2", "y", 0), 0), (C("T2"), None)]),
    ("the phantom", {"x": 1, "y": 1},
     [(Count("T1", "a"), 2), (Insert("T2", "z", 5), 5), (C("T2"), None), (Count("T1", "b"), 3), (C("T1"), None)]),
    ("two counts around one's own insert", {"x": 1},
     [(Count("T1", "a"), 1), (Insert("T1", "z", 5), 5), (Count("T1", "b"), 2), (C("T1"), None), (C("T2"), None)]),
    ("two counts around one's own write", {"x": 1},
     [(Count("T1", "a"), 1), (_w("T1", "y", 5), 5), (Count("T1", "b"), 2), (C("T1"), None), (C("T2"), None)]),
    ("a count and a read of the same number", {"x": 1},
     [(Count("T1", "a"), 1), (R("T1", "x", "x"), 1), (C("T1"), None), (C("T2"), None)]),
    ("nothing but commits", {"x": 1}, [(C("T1"), None), (C("T2"), None)]),
    ("a read, one's own insert of that key, a read", {"x": 10},
     [(R("T1", "x", "a"), 10), (Insert("T1", "x", 99), 99), (R("T1", "x", "b"), 99), (C("T1"), None),
      (C("T2"), None)]),
    ("read x, the other writes x, then one's own insert of x: an insert is not a write for P4", {"x": 10},
     [(R("T1", "x", "x"), 10), (_w("T2", "x", 5), 5), (Insert("T1", "x", 7), 7), (C("T1"), None),
      (C("T2"), None)]),
]


HINTS = {
    "dirty read": "dirty read: a Read returned the value another transaction last wrote to that key while that "
                  "transaction had not yet committed or aborted, and the value differs from the key's committed "
                  "value at that moment",
    "non-repeatable read": "non-repeatable read: two Reads of one key by one transaction returned different values "
                           "with no Write or Insert of that key by the same transaction between them",
    "phantom": "phantom: two Counts by one transaction returned different numbers with no Write or Insert by the "
               "same transaction between them",
    "lost update": "lost update: T read x, then U wrote x, then T wrote x - in that order in the history - and both "
                   "T and U committed",
    "write skew": "write skew: keys x != y, T read x before U wrote x, U read y before T wrote y, and both committed",
}


def _form(got: Any, case: str, input: Any) -> set[str]:
    if not isinstance(got, (set, frozenset, list, tuple)) or not all(isinstance(g, str) for g in got):
        fail(case=case, input=input, expected="a set of anomaly names", got=got,
             hint=f"return a set of names among {list(NAMES)}")
    unknown = [g for g in got if g not in NAMES]
    if unknown:
        fail(case=case, input=input, expected=f"names among {list(NAMES)}", got=sorted(got),
             hint="spell each name exactly as the statement does")
    return set(got)


def compare(fn: Any, case: str, initial: dict[str, int], history: History, level: str = "") -> None:
    input = show(initial, history) + (f" (run at {level})" if level and level != "any" else "")
    want = anomalies(initial, history)
    got = _form(same_everywhere(fn, dict(initial), list(history), input=input, case=case), case, input)
    if got != want:
        wrong = sorted(got ^ want)
        fail(case=case, input=input, expected=sorted(want), got=sorted(got), hint=HINTS[wrong[0]])


@exercise("13-anomaly-classifier", title="Name the anomalies a two-transaction history exhibits",
          theme="T13", concepts=("X05",), kind="implement", reference="dsworkbook.grading.transactions.anomaly_classifier.anomalies")
def grade_anomaly_classifier(anomalies_of: Any) -> str:
    """``anomalies_of(initial, history)`` -> the set of anomaly names the history exhibits, by the
    statement's rules (Berenson et al. 1995's P1, P2, P3, P4 and A5B read on the values each step
    returned or wrote).

    Compared with the grader's reference on hand cases (the five canonical scenarios; aborted
    writers; reads of one's own writes; an uncommitted write equal to the committed value; three
    reads; counts around one's own insert; orders that just miss each pattern), on 300 random
    interleavings of random programs run on the multi-version store at each level (blocked steps
    resumed, 40001 failures and deadlocks as aborts), and on 300 random histories with any
    values; every call runs in two worlds.
    """
    need_callable(anomalies_of, "function anomalies(initial, history)", allow_class=False)
    for name, initial, history in HAND:
        compare(anomalies_of, name, initial, history)
    kinds = set()
    for case, (initial, history, level) in random_cases(13, 300, mv_history):
        kinds |= anomalies(initial, history)
        compare(anomalies_of, case, initial, history, level)
    for case, (initial, history, level) in random_cases(31, 300, raw_history):
        compare(anomalies_of, case, initial, history, level)
    return (f"{len(HAND)} hand cases, 300 store-run and 300 arbitrary random histories agree with the rules "
            f"(the store's runs showed {len(kinds)} of the 5 anomalies); the same in two worlds")
