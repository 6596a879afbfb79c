"""Exercise ``12-sticky-assign``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.messaging.assignment import min_moves, sticky_assign

RANDOM_SEED = 77

HINTS = {
    "form": "return a dict with one key per consumer of `consumers` (an empty list for one that gets nothing), "
            "each value a list of (topic, number) partitions",
    "cover": "every partition of `partitions` goes to exactly one consumer, and nothing else: a partition that "
             "no longer exists, or that a consumer which left had, must not be kept as it was",
    "balance": "balance first: every consumer gets floor(P / C) or floor(P / C) + 1 partitions, even when that "
               "takes partitions away from their previous owner",
    "moves": "keep every previous assignment that balance allows: a consumer keeps up to its quota of what it "
             "had, and only the consumers that had the most keep the + 1 slots - move nothing else",
}


def _p(x: Any) -> Any:
    return tuple(x) if isinstance(x, (list, tuple)) else x


def _fmt(parts: list, consumers: list, previous: dict) -> str:
    return f"sticky(partitions={parts}, consumers={consumers}, previous={previous})"


def judge(got: Any, parts: list, consumers: list, previous: dict) -> tuple[str, str] | None:
    """``(hint key, what is wrong)`` when ``got`` is not a right answer, else None."""
    if not isinstance(got, dict) or set(got) != set(consumers):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        return "form", f"keys {keys}, not the consumers {sorted(consumers)}"
    seen: dict[Any, str] = {}
    for c, ps in got.items():
        if not isinstance(ps, (list, tuple)):
            return "form", f"{c!r} maps to a {type(ps).__name__}, not a list"
        for p in ps:
            p = _p(p)
            if p in seen:
                return "cover", f"partition {p} is given to both {seen[p]!r} and {c!r}"
            seen[p] = c
    want = {_p(p) for p in parts}
    if set(seen) != want:
        extra, missing = sorted(set(seen) - want), sorted(want - set(seen))
        return "cover", f"partitions assigned but not in the topic: {extra}; partitions never assigned: {missing}"
    sizes = {c: len(ps) for c, ps in got.items()}
    if max(sizes.values()) - min(sizes.values()) > 1:
        return "balance", f"sizes {dict(sorted(sizes.items()))} differ by more than one"
    moved = sum(1 for c, ps in previous.items() for p in ps if _p(p) in seen and seen[_p(p)] != c)
    need = min_moves(previous, parts, consumers)
    if moved != need:
        return "moves", f"{moved} partition(s) changed owner where {need} had to"
    return None


#: hand cases: (case, partitions, consumers, previous)
def _t(topic: str, n: int) -> list[tuple[str, int]]:
    return [(topic, i) for i in range(n)]


HAND: list[tuple[str, list, list, dict]] = [
    ("a first assignment, no previous", _t("orders", 5), ["c1", "c2"], {}),
    ("c3 joins c1 and c2 (6 partitions)", _t("orders", 6), ["c1", "c2", "c3"],
     {"c1": _t("orders", 6)[:3], "c2": _t("orders", 6)[3:]}),
    ("c2 leaves (7 partitions)", _t("orders", 7), ["c1", "c3"],
     {"c1": _t("orders", 7)[:3], "c2": _t("orders", 7)[3:5], "c3": _t("orders", 7)[5:]}),
    ("one consumer had everything; two join", _t("t", 7), ["c1", "c2", "c3"], {"c1": _t("t", 7)}),
    ("who keeps the + 1 slot: the one that had more", _t("t", 5), ["a", "b"],
     {"a": [("t", 0), ("t", 1), ("t", 2)], "b": [("t", 3)], "x": [("t", 4)]}),
    ("more consumers than partitions", _t("t", 2), ["c1", "c2", "c3", "c4"], {"c4": [("t", 1)]}),
    ("two topics, consumers c9 and c10", _t("a", 3) + _t("b", 4), ["c9", "c10", "c11"],
     {"c9": _t("a", 3), "c10": _t("b", 4)}),
    ("a partition that no longer exists in previous", _t("t", 3), ["c1", "c2"],
     {"c1": [("t", 0), ("t", 5)], "c2": [("t", 1), ("t", 2)]}),
    ("3,000 partitions, 7 consumers, one joins", _t("big", 3000), [f"c{i}" for i in range(1, 8)],
     {f"c{i}": _t("big", 3000)[(i - 1) * 500:i * 500] for i in range(1, 7)}),
]


def _draw(rng: random.Random) -> tuple[list, list, dict]:
    topics = rng.sample(("orders", "payments", "clicks", "t"), rng.randint(1, 3))
    parts = [(t, i) for t in topics for i in range(rng.choice((1, 2, 3, 4, 6, 7, 10, 12)))]
    pool = [f"c{i}" for i in range(1, 13)]
    before = rng.sample(pool, rng.randint(0, 6))
    consumers = rng.sample(pool, rng.randint(1, 8))
    old_parts = parts + [(topics[0], 100 + i) for i in range(rng.randint(0, 2))]
    previous: dict[str, list] = {c: [] for c in before}
    if before:
        how = rng.choice(("sticky", "random"))
        if how == "sticky":
            previous = {c: list(ps) for c, ps in sticky_assign(old_parts, before).items()}
        else:
            for p in old_parts:
                if rng.random() < 0.85:
                    previous[rng.choice(before)].append(p)
    rng.shuffle(parts)
    return parts, consumers, previous


def _check(sticky: Any, parts: list, consumers: list, previous: dict, case: str) -> Any:
    shown = _fmt(parts, consumers, previous) if len(parts) < 60 else (
        f"sticky(partitions={len(parts)} partitions {parts[0]}..{parts[-1]}, consumers={consumers}, previous="
        f"{ {c: len(ps) for c, ps in previous.items()} } (partition counts))")
    got = attempt(sticky, list(parts), list(consumers), {c: list(ps) for c, ps in previous.items()},
                  input=shown, case=case)
    wrong = judge(got, parts, consumers, previous)
    if wrong:
        key, what = wrong
        fail(case=case, input=shown, expected="every partition once, sizes within one, the fewest moves "
             f"({min_moves(previous, parts, consumers)})", got=f"{what}: {got}" if len(parts) < 60 else what,
             hint=HINTS[key])
    return got


@exercise("12-sticky-assign", title="The sticky assignor", theme="T12", concepts=("Q11",),
          reference="dsworkbook.messaging.assignment.sticky_assign")
def grade_sticky_assign(sticky: Any) -> str:
    """A function ``sticky(partitions, consumers, previous)`` -> ``{consumer: [partitions]}``: each
    partition to exactly one consumer, sizes balanced within one, and - among balanced
    assignments - as few partitions as possible moved from their previous owner
    (:func:`~dsworkbook.messaging.assignment.min_moves`).

    Graded by properties, not against one answer: hand cases (joins, leaves, the + 1 slots,
    more consumers than partitions, c9 vs c10, a vanished partition, 3,000 partitions) and 500
    random ones (up to three topics, consumers that left, unbalanced previous assignments, in
    any order); run in two worlds with salted strings.
    """
    need_callable(sticky, "function sticky(partitions, consumers, previous)", allow_class=False)
    for case, parts, consumers, previous in HAND:
        _check(sticky, parts, consumers, previous, case)
    cases = list(random_cases(RANDOM_SEED, 500, _draw))
    for case, (parts, consumers, previous) in cases:
        _check(sticky, parts, consumers, previous, case)
    case, (parts, consumers, previous) = cases[3]
    same_everywhere(lambda p, c, v: sorted((str(k), sorted((str(t), n) for t, n in map(_p, x)))
                                           for k, x in sticky(p, c, v).items()),
                    parts, consumers, previous, input=_fmt(parts, consumers, previous),
                    case=f"{case}, in two worlds", salt_text=True)
    return (f"balanced within one with the fewest moves on {len(HAND)} hand-made cases (joins, leaves, 3,000 "
            f"partitions) and {len(cases)} random ones; the same in two worlds")
