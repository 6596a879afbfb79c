"""Exercise ``04-drill-pruning``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Mapping

from dsworkbook.clocks.pruning import Entry, prune, pruning_experiment
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.clocks._common import need_callable

PRUNING_SEEDS = (81, 82)
RANDOM_SEED, RANDOM_COUNT = 808, 500
_HINT = ("keep the `limit` entries whose last update is newest (Entry.updated) and drop the rest; on equal update "
         "times keep the node id that comes first in string order (\"n10\" < \"n9\"); a counter says how often a "
         "node wrote, not when")

#: (entries, limit, what it tests)
EDGE_CASES = [
    ({"hot": Entry(480, 10.0), "quiet": Entry(3, 990.0), "me": Entry(12, 1000.0)}, 2,
     "quiet updated a moment ago (counter 3); hot has been silent since t=10 (counter 480)"),
    ({"a": Entry(1, 1.0), "b": Entry(2, 2.0)}, 2, "within the limit nothing is dropped"),
    ({"a": Entry(1, 1.0), "b": Entry(2, 2.0)}, 5, "far within the limit nothing is dropped"),
    ({"a": Entry(1, 1.0), "b": Entry(2, 2.0), "c": Entry(3, 3.0)}, 2, "one over the limit: the oldest goes"),
    ({"a": Entry(5, 5.0), "b": Entry(5, 6.0), "c": Entry(5, 7.0), "d": Entry(5, 8.0)}, 2,
     "equal counters: only the update times can decide"),
    ({"a": Entry(9, 1.0), "b": Entry(8, 2.0), "c": Entry(7, 3.0), "d": Entry(6, 4.0), "e": Entry(1, 5.0)}, 3,
     "the most recent updates have the smallest counters here"),
    ({"a": Entry(1, 3.0), "b": Entry(1, 3.0), "c": Entry(1, 1.0)}, 1, "a tie on time keeps the smaller node id"),
    ({"n9": Entry(4, 7.0), "n10": Entry(2, 7.0), "n1": Entry(1, 2.0)}, 1,
     "a tie on time between n9 and n10: \"n10\" comes first in string order"),
    ({"a": Entry(2, 9.0), "b": Entry(7, 5.0), "c": Entry(3, 5.0), "d": Entry(1, 5.0), "e": Entry(9, 1.0)}, 2,
     "three entries tie at the cut: keep exactly the limit, the tie decided by node id"),
    ({"x": Entry(2, 4.0)}, 1, "one entry, limit 1"),
    ({f"n{i}": Entry(i, float(i)) for i in range(8)}, 3, "five over the limit: drop all five oldest, not just one"),
]


def _show(entries: Mapping[str, Entry]) -> dict[str, tuple[int, float]]:
    return {n: (e.counter, e.updated) for n, e in sorted(entries.items())}


def _check(fn: Any, entries: dict, limit: int, case: str, why: str = "") -> None:
    shown = {"entries (node: (counter, updated))": _show(entries), "limit": limit}
    got = attempt(fn, dict(entries), limit, input=shown, case=case)
    if not isinstance(got, Mapping) or not all(n in entries and got[n] == entries[n] for n in got):
        fail(case=case, input=shown, expected="a dict: a subset of the entries, unchanged", got=got,
             hint="return the entries you keep, as they were (node -> Entry)")
    if len(got) > limit:
        fail(case=case, input=shown, expected=f"at most {limit} entries", got=f"{len(got)} entries: {sorted(got)}",
             hint=(why + ". " if why else "") + _HINT)
    want = prune(entries, limit)
    if set(got) != set(want):
        fail(case=case, input=shown, expected=f"keep {sorted(want)}", got=f"kept {sorted(got)}",
             hint=(why + ". " if why else "") + _HINT)


def _draw(rng: random.Random) -> tuple[dict, int]:
    """A clock over the limit or not: ids n0..n14 (so n1, n10, n9 meet), update times that often tie."""
    names = rng.sample([f"n{i}" for i in range(15)], rng.randint(1, 12))
    times = rng.choice([(1.0, 2.0), (5.0, 5.0), tuple(float(t) for t in range(10)), None])
    entries = {n: Entry(rng.randint(1, 500), rng.choice(times) if times else rng.uniform(0, 1000)) for n in names}
    limit = rng.choice([1, 2, 3, max(1, len(names) - 1), len(names), len(names) + 1, rng.randint(1, 6)])
    return entries, limit


def _big(rng: random.Random) -> list[tuple[dict, int, str]]:
    entries = {f"n{i}": Entry(rng.randint(1, 10**6), float(rng.randint(0, 400))) for i in range(3000)}
    return [(entries, 10, "3,000 entries (update times often tie), limit 10"),
            (entries, 2999, "3,000 entries, limit 2,999: drop exactly one"),
            (entries, 3000, "3,000 entries, limit 3,000: drop nothing")]


def _same_on_ties(fn: Any) -> None:
    """A tie-heavy clock run in two worlds: the choice must not rest on hash(), random or the clock."""
    entries = {f"n{i}": Entry(i + 1, 5.0) for i in range(12)}
    same_everywhere(lambda: sorted(dict(fn(dict(entries), 4))), case="twelve entries all updated at t=5, limit 4",
                    input={"entries (node: (counter, updated))": _show(entries), "limit": 4})


@exercise("04-drill-pruning", title="Drill: prune a vector clock by time, not by counter", theme="T04",
          concepts=("C04",), kind="drill", reference="dsworkbook.clocks.pruning.prune")
def grade_drill_pruning(prune_entries: Any) -> str:
    """A function ``prune_entries(entries, limit) -> dict`` - ``NaivePrunedClock``'s rule fixed.

    ``entries`` maps node -> ``dw.clocks.Entry(counter, updated)``. Keep at most ``limit``
    entries: the most recently updated ones (Dynamo §4.4), a tie on ``updated`` keeping the
    node id that comes first in string order; nothing is dropped within the limit; kept
    entries are unchanged. Checked on 11 edge cases (ties at the cut, n9 against n10, far over
    the limit), 500 random clocks, clocks of 3,000 entries and a tie-heavy clock run twice in
    different worlds, then as the rule of pruned clocks on random causal histories: the
    ordering mistakes per size limit must match Dynamo's rule exactly.
    """
    need_callable(prune_entries, "function prune_entries(entries, limit)")
    for entries, limit, why in EDGE_CASES:
        _check(prune_entries, entries, limit, why, why)
    for case, (entries, limit) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _check(prune_entries, entries, limit, case)
    big = _big(random.Random(RANDOM_SEED + 1))
    for entries, limit, why in big:
        _check(prune_entries, entries, limit, why)
    _same_on_ties(prune_entries)
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
    return (f"{len(EDGE_CASES)} edge cases, {RANDOM_COUNT} random clocks (seed {RANDOM_SEED}), {len(big)} clocks of "
            f"3,000 entries, a tie-heavy clock in two worlds, and pruned histories (seeds {PRUNING_SEEDS}) behave as "
            f"Dynamo's rule: pruning turned {conflicts} ordered pairs into false conflicts and made {orders} concurrent "
            f"pairs look ordered")
