"""Exercise ``14-versioned-cache``: the apply step of a cache with versioned entries and tombstones.

The learner writes ``apply(entries, op)`` with the rules of
:func:`dsworkbook.regions.cache.apply_versioned`: ``entries`` maps key -> ``(value, version)``,
``(None, version)`` being a tombstone; ``("get", key)`` returns a live entry's value or None;
``("fill", key, value, version)`` is refused (False) when the key holds a *greater* version,
otherwise applied (True); ``("delete", key, version)`` leaves a tombstone whose version is the
greater of the two (its return value is not checked). The check runs hand cases (the race,
equal versions, a first fill, a delete of a missing key, a late delete), random op sequences
against the reference (results and ``entries`` after every op), then the library's invalidation
race - the golden scenario and ten seeds of random load - with the learner's rule inside the cache.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, in_simulation, need_callable, random_cases, same_everywhere
from dsworkbook.regions.cache import apply_versioned
from dsworkbook.regions.cache_races import invalidation_race, race_frequency

HINT_OLDER = "a fill is refused only when the key holds a greater version (a live entry's or a tombstone's)"
HINT_EQUAL = ("a fill whose version equals the version the key holds is applied: a fill that read the very version a "
              "delete announced is fresh")
HINT_TOMB = "a delete leaves a tombstone (None, version) in entries; it does not remove the key"
HINT_MAX = "a delete's tombstone keeps the greater of its version and the version the key held"
HINT_GET = "get returns a live entry's value, and None for a missing key or a tombstone; it changes nothing"
HINT_RETURN = "fill returns True when it is applied and False when it is refused"
HINT_RACE = ("in the race a reader's fill of the old version arrives after the writer's delete of the new one: the "
             "tombstone must refuse it")

Op = tuple


def _ops_hint(op: Op, want: Any, got: Any, want_entries: dict, got_entries: dict, before: dict) -> str:
    kind = op[0]
    if kind == "get":
        return HINT_GET
    if kind == "delete":
        if op[1] not in got_entries or got_entries.get(op[1], (0,))[0] is not None:
            return HINT_TOMB
        return HINT_MAX
    held = before.get(op[1])
    if held is not None and held[1] == op[3]:
        return HINT_EQUAL
    if want != got and want_entries == got_entries:
        return HINT_RETURN
    if held is not None and held[0] is None and want is False:
        return HINT_RACE
    return HINT_OLDER


def _norm(entries: Any) -> Any:
    if not isinstance(entries, dict):
        return entries
    return {k: tuple(v) if isinstance(v, list) else v for k, v in entries.items()}


def _run(fn: Callable[..., Any], start: dict, ops: list[Op]) -> list[tuple[Any, dict]]:
    """Each op's result and a copy of ``entries`` after it (fn mutates one dict, as the cache does)."""
    entries = dict(start)
    out = []
    for op in ops:
        result = fn(entries, op)
        out.append((None if op[0] == "delete" else result, _norm(dict(entries))))
    return out


def _check(fn: Callable[..., Any], case: str, start: dict, ops: list[Op]) -> None:
    want = _run(apply_versioned, start, ops)
    got = same_everywhere(_run, fn, dict(start), list(ops), input={"entries": start, "ops": ops}, case=case)
    before = dict(start)
    for i, (op, (w_res, w_ent), (g_res, g_ent)) in enumerate(zip(ops, want, got)):
        if w_res != g_res or w_ent != g_ent:
            fail(case=f"{case}, op {i + 1} of {len(ops)}", input={"entries before": before, "op": op},
                 expected={"result": w_res, "entries after": w_ent}, got={"result": g_res, "entries after": g_ent},
                 hint=_ops_hint(op, w_res, g_res, w_ent, g_ent, before))
        before = w_ent


HAND: list[tuple[str, dict, list[Op]]] = [
    ("the race: the reader's old fill lands after the writer's delete", {},
     [("get", "k"), ("delete", "k", 1), ("fill", "k", "k.0", 0), ("get", "k"), ("fill", "k", "k.1", 1), ("get", "k")]),
    ("the first fill of a key", {}, [("fill", "k", "k.3", 3), ("get", "k")]),
    ("a fill of the version a tombstone holds", {"k": (None, 2)}, [("fill", "k", "k.2", 2), ("get", "k")]),
    ("a fill of the version a live entry holds", {"k": ("k.2", 2)}, [("fill", "k", "k.2", 2), ("get", "k")]),
    ("an older fill over a live entry", {"k": ("k.5", 5)}, [("fill", "k", "k.4", 4), ("get", "k")]),
    ("a newer fill over a live entry", {"k": ("k.5", 5)}, [("fill", "k", "k.6", 6), ("get", "k")]),
    ("a delete of a missing key", {}, [("delete", "k", 4), ("get", "k"), ("fill", "k", "k.3", 3)]),
    ("a late delete carrying an older version", {"k": ("k.5", 5)},
     [("delete", "k", 3), ("get", "k"), ("fill", "k", "k.4", 4), ("fill", "k", "k.5", 5)]),
    ("a second delete with an older version", {}, [("delete", "k", 7), ("delete", "k", 2), ("fill", "k", "k.6", 6)]),
    ("version 0 (the initial value) on a cold cache", {}, [("fill", "k", "k.0", 0), ("delete", "k", 0),
                                                          ("fill", "k", "k.0", 0), ("get", "k")]),
    ("a get of a missing key", {"a": ("a.1", 1)}, [("get", "b"), ("get", "a")]),
    ("two keys do not mix", {}, [("delete", "a", 5), ("fill", "b", "b.1", 1), ("get", "b"), ("get", "a")]),
]


def draw(rng: random.Random) -> tuple[dict, list[Op]]:
    keys = rng.sample(["a", "b", "c", "user:1", "user:2"], rng.randint(1, 3))
    top = rng.choice([2, 4, 8])
    start: dict = {}
    for k in keys:
        if rng.random() < 0.4:
            v = rng.randint(0, top)
            start[k] = (None if rng.random() < 0.4 else f"{k}.{v}", v)
    ops: list[Op] = []
    for _ in range(rng.randint(1, 14)):
        k, v, r = rng.choice(keys), rng.randint(0, top), rng.random()
        if r < 0.45:
            ops.append(("fill", k, f"{k}.{v}", v))
        elif r < 0.75:
            ops.append(("delete", k, v))
        else:
            ops.append(("get", k))
    return start, ops


def _race(fn: Callable[..., Any]) -> int:
    scenario = "the library's invalidation race with your apply inside the cache"
    with in_simulation(case=scenario, input="dw.regions.invalidation_race(versioned=True, rule=apply)"):
        golden = invalidation_race(True, rule=fn)
    want = invalidation_race(True)
    if golden.race_hits or [r[4] for r in golden.reads] != [r[4] for r in want.reads]:
        fail(case=scenario, input="reader r misses, reads version 0; writer w writes version 1 and deletes; "
                                  "r's fill of version 0 reaches the cache after the delete; w then reads every 100 ms",
             expected={"stale hits": 0, "versions read": [r[4] for r in want.reads]},
             got={"stale hits": golden.race_hits, "versions read": [r[4] for r in golden.reads]}, hint=HINT_RACE)
    with in_simulation(case="random load from three regions", input="race_frequency(versioned=True, rule=apply)"):
        table = race_frequency(True, rule=fn)
    if int(table.race_hits.sum()):
        bad = table[table.race_hits > 0].iloc[0]
        fail(case=f"random load from three regions, seed {int(bad.seed)}",
             input="3 apps in us-east-1, eu-west-1, us-west-2 on 5 keys, 30% writes",
             expected="no hit older than a delete the cache had already applied",
             got=f"{int(bad.race_hits)} such stale hits", hint=HINT_RACE)
    return len(table)


@exercise("14-versioned-cache", title="A cache that refuses stale fills", theme="T14", concepts=("G03",),
          reference="dsworkbook.regions.cache.apply_versioned")
def grade_versioned_cache(fn: Any) -> str:
    """``fn(entries, op)``: see the module docstring for the rules checked."""
    need_callable(fn, "function apply(entries, op)")
    for case, start, ops in HAND:
        _check(fn, case, start, ops)
    for case, (start, ops) in random_cases(14, 400, draw):
        _check(fn, case, start, ops)
    seeds = _race(fn)
    return (f"{len(HAND)} hand cases and 400 random op sequences match; inside the cache the race leaves no stale "
            f"hit (the golden scenario and {seeds} seeds of random load)")
