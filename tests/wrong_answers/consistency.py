"""Right and plausible wrong answers to the T03 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake it makes; ``ALSO_RIGHT`` other correct answers.
"""

from __future__ import annotations

import random
import time
from typing import Any

from dsworkbook.checkers.replicas import dominates, naive_resolve
from dsworkbook.clocks.vector import VectorTimestamp
from dsworkbook.storage.naive import naive_merge
from dsworkbook.storage.stores.eventual import merge_siblings
from dsworkbook.storage.stores.session import VectorSession
from tests.wrong_answers import Answer

_OUT = {"ok": "ok", "fail": "fail", "info": "unknown"}

# -- 03-pair-events ---------------------------------------------------------------------------------


def _pairer(*, outcome=None, output=None, order="invoke", match="process", drop_open=False):
    """Build a pairing function; each keyword swaps in one mistake."""
    outcome = outcome or _OUT

    def pair(events):
        open_ops, rows, done = {}, [], []
        for ev in events:
            if ev["type"] == "invoke":
                v = ev.get("value")
                v = tuple(v) if isinstance(v, list) else v
                key = ev["process"] if match == "process" else (ev["f"], v) if match == "value" else ev["f"]
                open_ops.setdefault(key, []).append(len(rows))
                rows.append([ev["process"], ev["f"], v, v, "unknown"])
                continue
            if match == "process":
                key = ev["process"]
            elif match == "value":
                v = ev.get("value")
                key = (ev["f"], tuple(v) if isinstance(v, list) else v)
                if key not in open_ops or not open_ops[key]:
                    key = next(k for k, q in open_ops.items() if q and k[0] == ev["f"])
            else:
                key = ev["f"]
            i = open_ops[key].pop(0)
            done.append(i)
            row = rows[i]
            row[4] = outcome[ev["type"]]
            row[3] = (output or _right_output)(ev, row)
        if drop_open:
            rows = [r for i, r in enumerate(rows) if i in done]
        elif order == "completion":
            rows = [rows[i] for i in done] + [r for i, r in enumerate(rows) if i not in done]
        return [tuple(r) for r in rows]
    return pair


def _right_output(ev, row):
    if ev["type"] == "ok" and "value" in ev:
        v = ev["value"]
        return tuple(v) if isinstance(v, list) else v
    return row[2]


def pair_right(events):
    open_ops, rows = {}, []
    for ev in events:
        if ev["type"] == "invoke":
            value = ev.get("value")
            value = tuple(value) if isinstance(value, list) else value
            open_ops[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], value, value, "unknown"])
        else:
            row = rows[open_ops.pop(ev["process"])]
            row[4] = {"ok": "ok", "fail": "fail", "info": "unknown"}[ev["type"]]
            if ev["type"] == "ok" and "value" in ev:
                row[3] = tuple(ev["value"]) if isinstance(ev["value"], list) else ev["value"]
    return [tuple(r) for r in rows]


def pair_with_dict_of_lists(events):
    ops = {}  # another right answer: operations keyed by invoke position, lists kept as lists
    current = {}
    for i, ev in enumerate(events):
        if ev["type"] == "invoke":
            current[ev["process"]] = i
            ops[i] = [ev["process"], ev["f"], ev.get("value"), ev.get("value"), "unknown"]
        else:
            op = ops[current.pop(ev["process"])]
            op[4] = "unknown" if ev["type"] == "info" else ev["type"]
            if ev["type"] == "ok":
                op[3] = ev.get("value", op[3])
    return [tuple(ops[i]) for i in sorted(ops)]


pair_info_is_fail = _pairer(outcome={"ok": "ok", "fail": "fail", "info": "fail"})  # a timeout is not a failure
pair_info_output_none = _pairer(output=lambda ev, row: ev.get("value") if ev["type"] == "ok" else
                                (None if ev["type"] == "info" else row[2]))  # info drops the invoke's value
pair_fail_output_from_completion = _pairer(output=lambda ev, row: ev.get("value", row[2]) if ev["type"] != "info"
                                           else row[2])  # reads a fail completion's error as the output
pair_missing_value_is_none = _pairer(output=lambda ev, row: ev.get("value") if ev["type"] == "ok"
                                     else row[2])  # an ok completion without a value gets None, not the invoke's
pair_drops_open = _pairer(drop_open=True)  # forgets invokes that never completed (they may have happened)
pair_by_f = _pairer(match="f")  # pairs a completion with the oldest open op of the same f, not the same process
pair_by_value = _pairer(match="value")  # pairs by (f, value): two processes writing the same value get swapped
pair_in_completion_order = _pairer(order="completion")  # lists operations as they completed, not as invoked
pair_outcome_info_word = _pairer(outcome={"ok": "ok", "fail": "fail", "info": "info"})  # "info", not "unknown"


def pair_open_as_fail(events):
    rows = pair_right(events)  # an invoke never completed is called a failure: it may still happen
    done, open_ops = [], {}
    for ev in events:
        if ev["type"] == "invoke":
            open_ops[ev["process"]] = len(done)
            done.append(False)
        else:
            done[open_ops.pop(ev["process"])] = True
    return [r if d else (*r[:4], "fail") for r, d in zip(rows, done)]


# -- 03-linearize-by-hand ------------------------------------------------------------------------------
# The history: #0 A: w 1, #1 B: w 2 ?, #2 C: r ? (unknown), #3 A: r 1, #4 C: w 3 !, #5 A: r 2

LINEARIZE_WRONG = [
    Answer([0, 1, 3, 5], why="c"),     # real time read as "invoke order": w 2 before r 1, which then reads 2
    Answer([0, 3, 5], why="c"),        # leaves out w 2 ?, so r 2 reads a value nobody wrote
    Answer([0, 3, 4, 1, 5], why="c"),  # lists the failed w 3 !: it did not happen
    Answer([0, 3, 1], why="c"),        # leaves out the ok read r 2
    Answer([3, 0, 1, 5], why="c"),     # r 1 before any write
    Answer([0, 3, 1, 5], why="a"),     # right order, but "a timed-out write did not happen"
    Answer([0, 3, 1, 5], why="b"),     # right order, but "it took effect before its client gave up"
    Answer([0, 3, 1, 5], why="d"),     # right order, but "it takes effect when sent"
    Answer([0, 2, 3, 1, 5, 5], why="c"),  # lists r 2 twice
    Answer(["#0", "#3", "#1", "#5"], why="c"),  # labels instead of indices
]

# -- 03-predict-linearizable ----------------------------------------------------------------------------

_P = {"timed-out write": True, "refused write": False, "the same value twice": True, "crossed reads": False}
PREDICT_WRONG = [
    Answer({**_P, "timed-out write": False}, why="a"),    # a timeout read as a failure
    Answer({**_P, "refused write": True}, why="a"),       # a refused write read as "may have happened"
    Answer({**_P, "the same value twice": False}, why="a"),  # a repeated value read as "going back"
    Answer({**_P, "crossed reads": True}, why="a"),       # each process saw the other's write: fine for causal only
    Answer({k: True for k in _P}, why="a"),               # everything is linearizable
    Answer(_P, why="b"),                                  # right verdicts, reason "neither happened"
    Answer(_P, why="c"),                                  # right verdicts, reason "both may have happened"
    Answer(_P, why="d"),                                  # right verdicts, reason "took effect before giving up"
    Answer({**_P, "timed-out write": "yes"}, why="a"),    # not a bool
]

# -- 03-strongest ----------------------------------------------------------------------------------------

_S = {"late landing": "linearizable", "refused in between": "sequential", "crossed flags": "causal",
      "own older write": "monotonic reads"}
STRONGEST_WRONG = [
    Answer({**_S, "late landing": "monotonic reads"}, why="b"),  # the timed-out write read as done before r 1
    Answer({**_S, "late landing": "none"}, why="a"),              # the timed-out write read as never happened
    Answer({**_S, "refused in between": "monotonic reads"}, why="c"),  # the refused write counted as B's own
    Answer({**_S, "refused in between": "linearizable"}, why="c"),     # B's r x=1 is stale in real time
    Answer({**_S, "crossed flags": "sequential"}, why="c"),       # no single order explains both nil reads
    Answer({**_S, "own older write": "read-your-writes"}, why="c"),  # A read 1 after writing 2
    Answer({**_S, "own older write": "eventual"}, why="c"),       # not a level name
    Answer(_S, why="a"),                                          # right levels, wrong reason
    Answer(_S, why="b"),                                          # right levels, wrong reason
]

# -- 03-ryw-check -----------------------------------------------------------------------------------


def ryw_right(session):
    known, seen_since, latest, bad = set(), set(), None, []
    for i, (f, value, outcome) in enumerate(session):
        if outcome != "ok":
            continue
        if f == "write":
            if latest is not None:
                known.add(latest)
            known |= seen_since
            seen_since, latest = set(), value
        elif latest is not None and (value is None or value in known):
            bad.append(i)
        else:
            seen_since.add(value)
    return bad


def _ryw(*, count_write=lambda o: o == "ok", skip_read=lambda o: o != "ok", since_too=False,
         initial=lambda v: v is None, only_own=False, only_last=False, compact=False):
    """Build a read-your-writes check; each keyword swaps in one mistake."""
    def check(session):
        known, seen_since, latest, bad = [], [], None, []
        ok_pos = 0
        for i, (f, value, outcome) in enumerate(session):
            if f == "write":
                if not count_write(outcome):
                    continue
                if latest is not None:
                    known = [latest] if only_last else known + [latest]
                if not only_own:
                    known += seen_since
                seen_since, latest = [], value
            elif skip_read(outcome):
                continue
            elif latest is not None and (initial(value) or value in known or (since_too and value in seen_since)):
                bad.append(ok_pos if compact else i)
            else:
                seen_since.append(value)
            if outcome == "ok":
                ok_pos += 1
        return bad
    return check


ryw_unknown_write_counts = _ryw(count_write=lambda o: o != "fail")  # an unknown write may land later: not "own"
ryw_failed_write_counts = _ryw(count_write=lambda o: True)  # a failed write did not happen
ryw_unknown_read_is_initial = _ryw(skip_read=lambda o: o == "fail")  # a timed-out read returned nothing, not None
ryw_falsy_is_initial = _ryw(initial=lambda v: not v)  # 0 is a value, not the initial value
ryw_own_writes_only = _ryw(only_own=True)  # forgets the values the session read before its write
ryw_only_last_write = _ryw(only_last=True)  # forgets writes before the previous one
ryw_reads_since_count = _ryw(since_too=True)  # a value read again after the write is flagged: it may be newer
ryw_positions_of_ok_ops = _ryw(compact=True)  # positions counted among ok operations, not in the whole list


def ryw_only_initial(session):
    wrote, bad = False, []  # only notices the initial value coming back
    for i, (f, v, o) in enumerate(session):
        if o != "ok":
            continue
        if f == "write":
            wrote = True
        elif wrote and v is None:
            bad.append(i)
    return bad


def ryw_must_equal_latest(session):
    latest, bad = None, []  # too strict: any value but the latest own write is flagged, even newer ones
    for i, (f, v, o) in enumerate(session):
        if o != "ok":
            continue
        if f == "write":
            latest = v
        elif latest is not None and v != latest:
            bad.append(i)
    return bad


# -- 03-monotonic-reads -----------------------------------------------------------------------------


def mr_right(reads):
    first, prev = {}, None
    for i, (v, outcome) in enumerate(reads):
        if outcome != "ok":
            continue
        if prev is not None and v != prev[0]:
            if (v is None and prev[0] is not None) or (v in first and first[v] < first[prev[0]]):
                return i
        first.setdefault(v, i)
        prev = (v,)
    return None


def _mr(*, skip=lambda o: o != "ok", initial=lambda v: v is None, last=False, compact=False):
    """Build a monotonic-reads check; each keyword swaps in one mistake."""
    def check(reads):
        seen, prev, k, found = {}, None, -1, None
        for i, (v, outcome) in enumerate(reads):
            if skip(outcome):
                continue
            k += 1
            if prev is not None and v != prev:
                if (initial(v) and not initial(prev)) or (v in seen and seen[v] < seen[prev]):
                    found = k if compact else i
                    if not last:
                        return found
            seen.setdefault(v, i)
            prev = v
        return found
    return check


mr_unknown_read_is_initial = _mr(skip=lambda o: False)  # a read that returned nothing compared as a read of None
mr_falsy_is_initial = _mr(initial=lambda v: not v)  # 0 is a value, not the initial value
mr_last_regression = _mr(last=True)  # reports the last regression, not the first
mr_position_among_ok = _mr(compact=True)  # counts positions among ok reads only


def mr_sorted(reads):
    names = [(0, "") if v is None else (1, str(v)) for v, o in reads if o == "ok"]  # assumes values grow
    idx = [i for i, (_, o) in enumerate(reads) if o == "ok"]
    return next((idx[i] for i in range(1, len(names)) if names[i] < names[i - 1]), None)


def mr_only_initial(reads):
    ok = [(i, v) for i, (v, o) in enumerate(reads) if o == "ok"]  # only the initial value counts as going back
    return next((ok[k][0] for k in range(1, len(ok)) if ok[k][1] is None and ok[k - 1][1] is not None), None)


def mr_abab(reads):
    ok = [(i, v) for i, (v, o) in enumerate(reads) if o == "ok"]  # only an immediate A, B, A flip is noticed
    return next((ok[k][0] for k in range(2, len(ok)) if ok[k][1] == ok[k - 2][1] != ok[k - 1][1]), None)


def mr_any_repeat(reads):
    ok = [(i, v) for i, (v, o) in enumerate(reads) if o == "ok"]  # any earlier value again, even right after itself
    seen = set()
    for k, (i, v) in enumerate(ok):
        if v in seen and ok[k - 1][1] != v:
            return i
        seen.add(v)
    return None


# -- 03-drill-resolver ------------------------------------------------------------------------------


def resolve_right(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return max(latest, key=lambda v: (sum(c for _, c in v.clock), v.node))


def resolve_also_right(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return min(latest, key=lambda v: (str(v.value), sorted(v.clock)))  # any rule on the versions themselves


def resolve_first_undominated(versions):
    return next(v for v in versions if not any(dominates(o, v) for o in versions))  # depends on the list order


def resolve_max_counter(versions):
    return max(versions, key=lambda v: (max(c for _, c in v.clock), v.node))  # the largest single counter


def resolve_last(versions):
    return versions[-1]  # "the last one I received"


def resolve_zip_clocks(versions):
    def dom(a, b):  # compares clocks entry by entry by position: misreads reordered clocks and zero entries
        return a.clock != b.clock and len(a.clock) >= len(b.clock) and all(
            x[1] >= y[1] for x, y in zip(a.clock, b.clock))
    latest = [v for v in versions if not any(dom(o, v) for o in versions)]
    return max(latest, key=lambda v: (sum(c for _, c in v.clock), v.node))


def resolve_by_value(versions):
    latest = {v.value: v for v in versions}  # keeps one version per value: the older 'cart' may win
    cands = list(latest.values())
    top = [v for v in cands if not any(dominates(o, v) for o in cands)]
    return max(top, key=lambda v: (sum(c for _, c in v.clock), v.node))


def resolve_hash_tiebreak(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return max(latest, key=lambda v: hash(v.value))  # hash() of a string differs from process to process


def resolve_set_order(versions):
    latest = {v for v in versions if not any(dominates(o, v) for o in versions)}
    return next(iter(latest))  # a set's order follows string hashes: differs from process to process


def resolve_random(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return random.choice(latest)  # replicas flip coins: they never agree


def resolve_sum_only(versions):
    return max(versions, key=lambda v: sum(c for _, c in v.clock))  # ties between concurrent sums: list order wins


# -- 03-drill-eventual ----------------------------------------------------------------------------------------


def merge_right(mine, theirs):
    pool = {s.vector: s for s in [*mine, *theirs]}
    return tuple(s for s in pool.values() if not any(s.vector < o.vector for o in pool.values()))


def merge_latest_clock(mine, theirs):
    both = [*mine, *theirs]
    return (max(both, key=lambda s: s.stamp),) if both else ()  # wall clocks: drops concurrent siblings


def merge_union(mine, theirs):
    return tuple({*mine, *theirs})  # keeps versions that were overwritten


def merge_own_counter(mine, theirs):
    both = [*mine, *theirs]
    if not both:
        return ()
    best = max(both, key=lambda s: s.vector[s.stamp[1]])
    return (best,)  # compares each version's own counter: numbers of different replicas


def merge_concat(mine, theirs):
    keep = [s for s in [*mine, *theirs] if not any(s.vector < o.vector for o in [*mine, *theirs])]
    return tuple(keep)  # drops the overwritten but keeps both copies of a shared sibling: grows with every gossip


def merge_by_value(mine, theirs):
    pool = {s.value: s for s in [*mine, *theirs]}  # one sibling per value: concurrent writes of "x" collapse
    return tuple(s for s in pool.values() if not any(s.vector < o.vector for o in pool.values()))


def merge_le(mine, theirs):
    pool = list(dict.fromkeys([*mine, *theirs]))  # <= instead of <: a sibling "overwrites" itself and vanishes
    return tuple(s for s in pool if not any(s.vector <= o.vector for o in pool))


def merge_le_not_itself(mine, theirs):
    pool = [*mine, *theirs]  # <= against every *other object*: a copy of the same version drops both
    out = []
    for s in pool:
        if not any(s is not o and s.vector <= o.vector for o in pool) and s not in out:
            out.append(s)
    return tuple(out)


def merge_only_theirs_checked(mine, theirs):
    keep_mine = [s for s in mine if not any(s.vector < o.vector for o in theirs)]  # theirs never pruned
    return tuple(dict.fromkeys([*keep_mine, *theirs]))


def merge_mine_wins(mine, theirs):
    return tuple(mine) if mine else tuple(theirs)  # "my replica knows best": drops their concurrent writes


# -- 03-design-session ---------------------------------------------------------------------------------


class SessionRight:
    """The token is every vector the session received, merged; a replica must cover it."""

    def start(self):
        return VectorTimestamp()

    def admit(self, token, op, replica, vector):
        return token <= vector

    def advance(self, token, op, replica, vector):
        return token.merge(vector)


class SessionTwoVectors:
    """Terry et al.'s read-set and write-set as two vectors; every op needs both covered."""

    def start(self):
        return (VectorTimestamp(), VectorTimestamp())

    def admit(self, token, op, replica, vector):
        reads, writes = token
        return reads <= vector and writes <= vector

    def advance(self, token, op, replica, vector):
        reads, writes = token
        return (reads.merge(vector), writes) if op == "read" else (reads, writes.merge(vector))


class SessionDict:
    """A plain dict token, compared entry by entry (a missing entry is 0)."""

    def start(self):
        return {}

    def admit(self, token, op, replica, vector):
        return all(vector[node] >= counter for node, counter in token.items())

    def advance(self, token, op, replica, vector):
        return {n: max(token.get(n, 0), vector[n]) for n in set(token) | set(vector)}


class SessionReplace(VectorSession):
    """Keeps only the last vector: right here, because admit makes every reply cover the token."""

    def advance(self, token, op, replica, vector):
        return vector


class SessionNoRule(VectorSession):
    def admit(self, token, op, replica, vector):
        return True  # any replica serves: a client routed elsewhere misses its own write


class SessionWritesOnly(VectorSession):
    def advance(self, token, op, replica, vector):
        return token.merge(vector) if op == "write" else token  # read-your-writes only: reads can go back


class SessionReadsOnly(VectorSession):
    def advance(self, token, op, replica, vector):
        return token.merge(vector) if op == "read" else token  # forgets its own writes


class SessionReadsChecked(VectorSession):
    def admit(self, token, op, replica, vector):
        return op == "write" or token <= vector  # writes anywhere: a write at a stale replica is ordered too early


class SessionStrict(VectorSession):
    def admit(self, token, op, replica, vector):
        return not token or token < vector  # strictly newer: refuses a replica that has exactly what it needs


class SessionSticky:
    def start(self):
        return None

    def admit(self, token, op, replica, vector):
        return token is None or token == replica  # pinned to its first replica: unavailable when cut off from it

    def advance(self, token, op, replica, vector):
        return replica if token is None else token


class SessionSum:
    def start(self):
        return 0

    def admit(self, token, op, replica, vector):
        return sum(vector.values()) >= token  # a bigger total is not a superset of writes

    def advance(self, token, op, replica, vector):
        return max(token, sum(vector.values()))


class SessionOwnEntry(VectorSession):
    def admit(self, token, op, replica, vector):
        return vector[replica] >= token[replica]  # checks only the serving replica's own counter


class SessionClock:
    def start(self):
        return 0.0

    def admit(self, token, op, replica, vector):
        return True

    def advance(self, token, op, replica, vector):
        return time.time()  # a wall-clock token says nothing about what a replica applied


class SessionShared(VectorSession):
    """Keeps what *every* session saw on the rule object: one client's writes hold back the others."""

    def start(self):
        self.seen = getattr(self, "seen", VectorTimestamp())
        return None

    def admit(self, token, op, replica, vector):
        return self.seen <= vector

    def advance(self, token, op, replica, vector):
        self.seen = self.seen.merge(vector)
        return None


class SessionCoin(VectorSession):
    def admit(self, token, op, replica, vector):
        return token <= vector or random.random() < 0.5  # lets a stale replica serve now and then


RIGHT: dict[str, Any] = {
    "03-pair-events": pair_right,
    "03-linearize-by-hand": Answer([0, 3, 1, 5], why="c"),
    "03-predict-linearizable": Answer(dict(_P), why="a"),
    "03-strongest": Answer(dict(_S), why="c"),
    "03-ryw-check": ryw_right,
    "03-monotonic-reads": mr_right,
    "03-drill-resolver": resolve_right,
    "03-drill-eventual": merge_right,
    "03-design-session": SessionRight,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "03-pair-events": [pair_with_dict_of_lists],
    "03-linearize-by-hand": [Answer([0, 2, 3, 1, 5], why="c"), Answer([0, 3, 2, 1, 5], why="(c)")],
    "03-drill-resolver": [resolve_also_right],
    "03-drill-eventual": [merge_siblings],
    "03-design-session": [SessionTwoVectors, SessionDict, SessionReplace, VectorSession()],
}

WRONG: dict[str, list[Any]] = {
    "03-pair-events": [pair_info_is_fail, pair_info_output_none, pair_fail_output_from_completion,
                       pair_missing_value_is_none, pair_drops_open, pair_by_f, pair_by_value,
                       pair_in_completion_order, pair_outcome_info_word, pair_open_as_fail],
    "03-linearize-by-hand": LINEARIZE_WRONG,
    "03-predict-linearizable": PREDICT_WRONG,
    "03-strongest": STRONGEST_WRONG,
    "03-ryw-check": [ryw_only_initial, ryw_must_equal_latest, ryw_own_writes_only, ryw_unknown_write_counts,
                     ryw_failed_write_counts, ryw_unknown_read_is_initial, ryw_falsy_is_initial, ryw_only_last_write,
                     ryw_reads_since_count, ryw_positions_of_ok_ops],
    "03-monotonic-reads": [mr_sorted, mr_only_initial, mr_abab, mr_any_repeat, mr_unknown_read_is_initial,
                           mr_falsy_is_initial, mr_last_regression, mr_position_among_ok],
    "03-drill-resolver": [naive_resolve, resolve_first_undominated, resolve_max_counter, resolve_last,
                          resolve_zip_clocks, resolve_by_value, resolve_hash_tiebreak, resolve_set_order,
                          resolve_random, resolve_sum_only],
    "03-drill-eventual": [naive_merge, merge_latest_clock, merge_union, merge_own_counter, merge_concat,
                          merge_by_value, merge_le, merge_le_not_itself, merge_only_theirs_checked,
                          merge_mine_wins],
    "03-design-session": [SessionNoRule, SessionWritesOnly, SessionReadsOnly, SessionReadsChecked, SessionStrict,
                          SessionSticky, SessionSum, SessionOwnEntry, SessionClock, SessionShared, SessionCoin],
}
