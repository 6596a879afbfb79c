"""Exercise ``04-drill-pruning``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Mapping

from dsworkbook.clocks.pruning import Entry, prune, pruning_experiment
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.clocks._common import need_callable

PRUNING_SEEDS = (81, 82)
_HINT = ("drop the entries whose last update is oldest (Entry.updated), keeping `limit` of them; a counter says how "
         "often a node wrote, not when")

#: (entries, limit, what it tests)
EDGE_CASES = [
    ({"hot": Entry(480, 10.0), "quiet": Entry(3, 990.0), "me": Entry(12, 1000.0)}, 2,
     "quiet updated a moment ago (counter 3); hot has been silent since t=10 (counter 480)"),
    ({"a": Entry(1, 1.0), "b": Entry(2, 2.0)}, 2, "within the limit nothing is dropped"),
    ({"a": Entry(5, 5.0), "b": Entry(5, 6.0), "c": Entry(5, 7.0), "d": Entry(5, 8.0)}, 2,
     "equal counters: only the update times can decide"),
    ({"a": Entry(9, 1.0), "b": Entry(8, 2.0), "c": Entry(7, 3.0), "d": Entry(6, 4.0), "e": Entry(1, 5.0)}, 3,
     "the most recent updates have the smallest counters here"),
    ({"a": Entry(1, 3.0), "b": Entry(1, 3.0), "c": Entry(1, 1.0)}, 1, "a tie on time keeps the smaller node id"),
    ({"x": Entry(2, 4.0)}, 1, "one entry, limit 1"),
]


def _show(entries: Mapping[str, Entry]) -> dict[str, tuple[int, float]]:
    return {n: (e.counter, e.updated) for n, e in sorted(entries.items())}


def _check(fn: Any, entries: dict, limit: int, case: str, why: str = "") -> None:
    shown = (_show(entries), limit)
    got = attempt(fn, dict(entries), limit, input=shown, case=case)
    if not isinstance(got, Mapping) or not all(n in entries and got[n] == entries[n] for n in got):
        fail(case=case, input=shown, expected="a dict: a subset of the entries, unchanged", got=got,
             hint="return the entries you keep, as they were (node -> Entry)")
    want = prune(entries, limit)
    if set(got) != set(want):
        fail(case=case, input=shown, expected=f"keep {sorted(want)}", got=f"kept {sorted(got)}",
             hint=(why + ". " if why else "") + _HINT)


def _random_cases(rng: random.Random, n: int) -> list[tuple[dict, int]]:
    out = []
    for _ in range(n):
        names = [f"n{i}" for i in range(rng.randint(1, 9))]
        times = rng.sample(range(1000), len(names))
        entries = {name: Entry(rng.randint(1, 500), float(t)) for name, t in zip(names, times)}
        out.append((entries, rng.randint(1, 6)))
    return out


@exercise("04-drill-pruning", title="Drill: prune a vector clock by time, not by counter", theme="T04",
          concepts=("C04",), kind="drill")
def grade_drill_pruning(prune_entries: Any) -> str:
    """A function ``prune_entries(entries, limit) -> dict`` - ``NaivePrunedClock``'s rule fixed.

    ``entries`` maps node -> ``dw.clocks.Entry(counter, updated)``. Keep at most ``limit``
    entries: the most recently updated ones (Dynamo §4.4), a tie on ``updated`` keeping the
    smaller node id; nothing is dropped within the limit; kept entries are unchanged. Checked on
    6 edge cases and 300 random clocks, then as the rule of pruned clocks on random causal
    histories: the ordering mistakes per size limit must match Dynamo's rule exactly.
    """
    need_callable(prune_entries, "function prune_entries(entries, limit)")
    for entries, limit, why in EDGE_CASES:
        _check(prune_entries, entries, limit, why, why)
    cases = _random_cases(random.Random(808), 300)
    for i, (entries, limit) in enumerate(cases):
        _check(prune_entries, entries, limit, f"random clock {i}")
    conflicts = orders = 0
    for seed in PRUNING_SEEDS:
        got = attempt(pruning_experiment, seed, rule=prune_entries, input=f"seed={seed}",
                      case=f"pruned clocks on a random history (seed={seed})")
        for g, w in zip(got, pruning_experiment(seed)):
            if g != w:
                fail(case=f"pruned clocks on a random history (seed={seed}, limit {w['limit']})",
                     input="every pair of events", expected={k: w[k] for k in ("false conflict", "false order")},
                     got={k: g[k] for k in ("false conflict", "false order")}, hint=_HINT)
            conflicts += w["false conflict"]
            orders += w["false order"]
    return (f"{len(EDGE_CASES)} edge cases, {len(cases)} random clocks and pruned histories (seeds {PRUNING_SEEDS}) "
            f"behave as Dynamo's rule: pruning turned {conflicts} ordered pairs into false conflicts and made "
            f"{orders} concurrent pairs look ordered")
