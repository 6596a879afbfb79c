"""Right and plausible wrong answers to the T03 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake it makes; ``ALSO_RIGHT`` other correct answers.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.checkers.replicas import dominates, naive_resolve
from dsworkbook.storage.naive import naive_merge
from dsworkbook.storage.stores.eventual import merge_siblings

# -- 03-pair-events ---------------------------------------------------------------------------------


def pair_right(events):
    open_ops, rows = {}, []
    for ev in events:
        if ev["type"] == "invoke":
            open_ops[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], ev["value"], ev["value"], "unknown"])
        else:
            row = rows[open_ops.pop(ev["process"])]
            row[4] = {"ok": "ok", "fail": "fail", "info": "unknown"}[ev["type"]]
            if ev["type"] == "ok":
                row[3] = ev["value"]
    return [tuple(r) for r in rows]


def pair_info_is_fail(events):
    open_ops, rows = {}, []  # info read as "it failed": a timeout does not mean the op did not happen
    for ev in events:
        if ev["type"] == "invoke":
            open_ops[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], ev["value"], ev["value"], "unknown"])
        else:
            row = rows[open_ops.pop(ev["process"])]
            row[4] = {"ok": "ok", "fail": "fail", "info": "fail"}[ev["type"]]
            if ev["type"] == "ok":
                row[3] = ev["value"]
    return [tuple(r) for r in rows]


def pair_info_output_none(events):
    open_ops, rows = {}, []  # an info completion drops the value: Jepsen keeps the invoke's value
    for ev in events:
        if ev["type"] == "invoke":
            open_ops[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], ev["value"], ev["value"], "unknown"])
        else:
            row = rows[open_ops.pop(ev["process"])]
            row[4] = {"ok": "ok", "fail": "fail", "info": "unknown"}[ev["type"]]
            row[3] = ev["value"] if ev["type"] == "ok" else None
    return [tuple(r) for r in rows]


def pair_drops_open(events):
    completed = []  # forgets the invokes that never completed (they may have happened)
    open_ops, rows = {}, []
    for ev in events:
        if ev["type"] == "invoke":
            open_ops[ev["process"]] = len(rows)
            rows.append([ev["process"], ev["f"], ev["value"], ev["value"], "unknown"])
        else:
            i = open_ops.pop(ev["process"])
            completed.append(i)
            rows[i][4] = {"ok": "ok", "fail": "fail", "info": "unknown"}[ev["type"]]
            if ev["type"] == "ok":
                rows[i][3] = ev["value"]
    return [tuple(r) for i, r in enumerate(rows) if i in completed]


def pair_by_f(events):
    open_ops, rows = {}, []  # pairs a completion with the oldest open op of the same f, not the same process
    for ev in events:
        if ev["type"] == "invoke":
            open_ops.setdefault(ev["f"], []).append(len(rows))
            rows.append([ev["process"], ev["f"], ev["value"], ev["value"], "unknown"])
        else:
            row = rows[open_ops[ev["f"]].pop(0)]
            row[4] = {"ok": "ok", "fail": "fail", "info": "unknown"}[ev["type"]]
            if ev["type"] == "ok":
                row[3] = ev["value"]
    return [tuple(r) for r in rows]


def pair_in_completion_order(events):
    rows = pair_right(events)  # lists operations as they completed, not in invoke order
    order = []
    for ev in events:
        if ev["type"] != "invoke":
            order.append(ev["process"])
    return sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else len(order))


# -- 03-ryw-check -----------------------------------------------------------------------------------


def ryw_right(session):
    known, seen_since, latest, bad = set(), set(), None, []
    for i, (f, v) in enumerate(session):
        if f == "write":
            if latest is not None:
                known.add(latest)
            known |= seen_since
            seen_since, latest = set(), v
        elif latest is not None and (v is None or v in known):
            bad.append(i)
        else:
            seen_since.add(v)
    return bad


def ryw_only_initial(session):
    wrote, bad = False, []  # only notices the initial value coming back
    for i, (f, v) in enumerate(session):
        if f == "write":
            wrote = True
        elif wrote and v is None:
            bad.append(i)
    return bad


def ryw_must_equal_latest(session):
    latest, bad = None, []  # too strict: any value but the latest own write is flagged, even newer ones
    for i, (f, v) in enumerate(session):
        if f == "write":
            latest = v
        elif latest is not None and v != latest:
            bad.append(i)
    return bad


def ryw_own_writes_only(session):
    mine, latest, bad = [], None, []  # forgets the values the session had read before its write
    for i, (f, v) in enumerate(session):
        if f == "write":
            if latest is not None:
                mine.append(latest)
            latest = v
        elif latest is not None and (v is None or v in mine):
            bad.append(i)
    return bad


# -- 03-monotonic-reads -----------------------------------------------------------------------------


def mr_right(values):
    first = {}
    for i, v in enumerate(values):
        if i and v != values[i - 1]:
            prev = values[i - 1]
            if (v is None and prev is not None) or (v in first and first[v] < first[prev]):
                return i
        first.setdefault(v, i)
    return None


def mr_sorted(values):
    names = [-1 if v is None else int(v[1:]) for v in values]  # assumes versions grow with their names
    return next((i for i in range(1, len(names)) if names[i] < names[i - 1]), None)


def mr_only_initial(values):
    return next((i for i in range(1, len(values)) if values[i] is None and values[i - 1] is not None),
                None)  # only the initial value counts as going back


def mr_abab(values):
    return next((i for i in range(2, len(values)) if values[i] == values[i - 2] != values[i - 1]),
                None)  # only an immediate A, B, A flip is noticed


def mr_initial_anywhere(values):
    return next((i for i in range(1, len(values)) if values[i] is None),
                None)  # any initial value after the first read, even the initial value read twice in a row


# -- 03-drill-resolver ------------------------------------------------------------------------------


def resolve_right(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return max(latest, key=lambda v: (sum(c for _, c in v.clock), v.node))


def resolve_also_right(versions):
    latest = [v for v in versions if not any(dominates(o, v) for o in versions)]
    return min(latest, key=lambda v: str(v.value))  # any rule that depends only on the versions themselves


def resolve_first_undominated(versions):
    return next(v for v in versions if not any(dominates(o, v) for o in versions))  # depends on the list order


def resolve_max_counter(versions):
    return max(versions, key=lambda v: (max(c for _, c in v.clock), v.node))  # the largest single counter


def resolve_last(versions):
    return versions[-1]  # "the last one I received"


# -- the tables -------------------------------------------------------------------------------------

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


RIGHT: dict[str, Any] = {
    "03-drill-eventual": merge_right,
    "03-pair-events": pair_right,
    "03-linearize-by-hand": [0, 2, 1, 3],
    "03-predict-linearizable": {"stale read": False, "concurrent writes": True, "late timeout": True,
                                "opposite orders": False},
    "03-strongest": {"stale read": "sequential", "opposite orders": "causal", "lost own write": "monotonic reads"},
    "03-ryw-check": ryw_right,
    "03-monotonic-reads": mr_right,
    "03-drill-resolver": resolve_right,
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "03-drill-eventual": [merge_siblings],
    "03-drill-resolver": [resolve_also_right],
}

WRONG: dict[str, list[Any]] = {
    "03-drill-eventual": [naive_merge, merge_latest_clock, merge_union, merge_own_counter],
    "03-pair-events": [pair_info_is_fail, pair_info_output_none, pair_drops_open, pair_by_f,
                       pair_in_completion_order],
    "03-linearize-by-hand": [
        [0, 1, 2, 3],  # invoke order: w 1, w 2, then r 1 reads an overwritten value
        [1, 0, 3, 2],  # w 2, w 1, then r 2 is illegal
        [2, 0, 1, 3],  # r 1 before any write
        [0, 2, 1],     # leaves an operation out
    ],
    "03-predict-linearizable": [
        {"stale read": True, "concurrent writes": True, "late timeout": True, "opposite orders": True},  # all yes
        {"stale read": False, "concurrent writes": True, "late timeout": False,  # a timeout read as a failure
         "opposite orders": False},
        {"stale read": False, "concurrent writes": True, "late timeout": True,  # the seed notes' claim
         "opposite orders": True},
    ],
    "03-strongest": [
        {"stale read": "sequential", "opposite orders": "sequential",  # the seed notes' claim
         "lost own write": "monotonic reads"},
        {"stale read": "linearizable", "opposite orders": "causal",  # a stale read is not linearizable
         "lost own write": "monotonic reads"},
        {"stale read": "sequential", "opposite orders": "causal",  # the session lost its own write
         "lost own write": "read-your-writes"},
        {"stale read": "sequential", "opposite orders": "eventual",  # not a level name
         "lost own write": "monotonic reads"},
    ],
    "03-ryw-check": [ryw_only_initial, ryw_must_equal_latest, ryw_own_writes_only],
    "03-monotonic-reads": [mr_sorted, mr_only_initial, mr_abab, mr_initial_anywhere],
    "03-drill-resolver": [naive_resolve, resolve_first_undominated, resolve_max_counter, resolve_last],
}
