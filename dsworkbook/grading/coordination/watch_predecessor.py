"""Exercise ``10-watch-predecessor``: whom a candidate of the election recipe watches.

Theory of operation
-------------------
In the leader-election (and lock) recipe of "ZooKeeper Recipes and Solutions", every candidate
creates an ephemeral *sequential* child of the election znode, lists the children, and leads
if its own number is the lowest; otherwise it watches only the child whose number comes just
before its own (no herd effect). The learner's ``whom_to_watch(children, mine)`` returns None
(I lead) or that predecessor's name.

The rule turns on the **sequence number** - the last ten digits of a name - never on the whole
name: names may carry different prefixes (the recipe's guid-protected names, ``x-<guid>-n_``),
so sorting the names as text puts them in the wrong order. The grader compares the answer with
the rule on hand cases (each with a pointed hint), then on seeded random cases over the whole
domain - counters from 0 to 9,999,999,999, which cross 6/7 and 9/10 significant digits; gaps;
children in any order, my own first, last or in the middle; children without a sequence
number, to be ignored; up to 3,000 children - and finally runs some cases in two worlds with
salted strings, so an answer that leans on the iteration order of a set fails.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

from dsworkbook.coordination.znodes import SEQUENCE_DIGITS
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 1010
RANDOM_COUNT = 400


def _seq(name: str) -> int | None:
    tail = name[-SEQUENCE_DIGITS:]
    return int(tail) if len(name) > SEQUENCE_DIGITS and tail.isdigit() else None


def reference(children: Sequence[str], mine: str) -> str | None:
    """The predecessor of ``mine`` by sequence number, or None when ``mine`` is the lowest."""
    me = _seq(mine)
    below = [(s, c) for c in children if (s := _seq(c)) is not None and s < me]
    return max(below)[1] if below else None


def _name(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:0{SEQUENCE_DIGITS}d}"


#: (children, mine, what the case is about)
HAND: list[tuple[list[str], str, str]] = [
    (["n_0000000000", "n_0000000001", "n_0000000002"], "n_0000000000", "my znode is the lowest: I lead"),
    (["n_0000000000", "n_0000000001", "n_0000000002"], "n_0000000002", "the last candidate"),
    (["n_0000000002", "n_0000000000", "n_0000000001"], "n_0000000001", "children listed in no order"),
    (["n_0000000004", "n_0000000009", "n_0000000017"], "n_0000000017", "gaps: numbers freed by candidates that left"),
    (["n_0000000003", "n_0000000005", "n_0000000007"], "n_0000000005", "the one just below, not the one just above"),
    (["n_0000000001", "n_0000000002", "n_0000000003", "n_0000000004"], "n_0000000004",
     "the one just below, not the lowest"),
    (["x-b7-n_0000000005", "x-a3-n_0000000007", "x-c9-n_0000000006"], "x-a3-n_0000000007",
     "guid-protected names: the prefixes differ, the numbers decide"),
    (["x-f0-n_0000000001", "x-00-n_0000000002"], "x-00-n_0000000002",
     "the lower prefix as text holds the higher number"),
    (["n_0000999999", "n_0001000000", "n_0001000001"], "n_0001000000", "counters past six digits"),
    (["n_0999999999", "n_1000000000", "n_1000000002"], "n_1000000002", "counters of ten significant digits"),
    (["readme", "n_0000000003", "n_0000000001", "owner"], "n_0000000003",
     "children without a sequence number are not candidates"),
    (["owner", "n_0000000008"], "n_0000000008", "alone among non-candidates: I lead"),
    (["n_0000000012"], "n_0000000012", "the only candidate"),
]


def _hint(children: Sequence[str], mine: str, want: str | None, got: Any) -> str:
    seqs = {c: _seq(c) for c in children}
    lowest = min((c for c in children if seqs[c] is not None), key=lambda c: seqs[c])
    if want is None:
        return ("your znode has the lowest sequence number, so you lead: return None (there is no one to watch)")
    if got is None:
        return ("the expected child has a lower sequence number than yours, so you do not lead: compare the last ten digits "
                "of each name as integers (not the names as text, whose prefixes differ) and watch the child just "
                "below yours")
    if got == lowest and want != lowest:
        return ("watching the lowest znode wakes every candidate when the leader goes (the herd effect): watch only "
                "the child with the highest sequence number below yours")
    if isinstance(got, str) and got in seqs and seqs[got] is not None and seqs[got] > seqs[mine]:
        return "watch the child just *below* yours (a smaller number): the one above you will never lead before you"
    if got == mine:
        return "never watch your own znode: return None when you are the lowest, else the child just below yours"
    if got not in seqs:
        return "return one of the names in `children` (the whole name, prefix and number), or None"
    return ("compare the sequence numbers - the last ten digits of each name, as integers - not the names as text "
            "(prefixes differ), and skip children that have no sequence number")


def _draw(rng: random.Random) -> tuple[list[str], str]:
    n = rng.choice((1, 2, 3, 4, 5, 8, 13, 30)) if rng.random() < 0.9 else rng.choice((500, 1000, 3000))
    scale = rng.choice((10, 1000, 999_990, 10**9, 10**10 - 1))
    lo = max(0, scale - rng.randint(0, 3 * n + 10)) if rng.random() < 0.5 else 0
    pool = range(lo, min(10**10, lo + max(n * rng.choice((1, 2, 5)), n) + rng.randint(0, 20)))
    seqs = rng.sample(pool, n) if len(pool) >= n else list(pool)
    guid = rng.random() < 0.4
    names = []
    for s in seqs:
        prefix = f"x-{rng.getrandbits(16):04x}-n_" if guid else rng.choice(("n_", "n_", "lock-", "job-"))
        names.append(_name(prefix if guid else (prefix if rng.random() < 0.2 else "n_"), s))
    rng.shuffle(names)
    if rng.random() < 0.25:
        for extra in rng.sample(("readme", "owner", "config", "n_", "leader"), rng.randint(1, 2)):
            names.insert(rng.randint(0, len(names)), extra)
    mine = rng.choice([c for c in names if _seq(c) is not None])
    return names, mine


def _shown(children: Sequence[str], mine: str) -> Any:
    if len(children) <= 40:
        return {"children": list(children), "mine": mine}
    sorted_seq = sorted(c for c in children if _seq(c) is not None)
    return {"children": f"<{len(children)} names, e.g. {list(children[:4])}>", "mine": mine,
            "lowest": min(sorted_seq, key=_seq)}


def _one(fn: Callable[..., Any], children: list[str], mine: str, case: str) -> None:
    shown = _shown(children, mine)
    got = attempt(fn, list(children), mine, input=shown, case=case)
    want = reference(children, mine)
    if got != want or (want is not None and not isinstance(got, str)):
        fail(case=case, input=shown, expected=want, got=got, hint=_hint(children, mine, want, got))


@exercise("10-watch-predecessor", title="Whom a candidate watches in the election recipe", theme="T10",
          concepts=("Z02",), reference="dsworkbook.coordination.lock.LockClient._children")
def grade_watch_predecessor(fn: Any) -> str:
    """``whom_to_watch(children, mine)``: None if ``mine`` has the lowest number, else its predecessor's name."""
    need_callable(fn, "function whom_to_watch(children, mine)")
    for children, mine, what in HAND:
        _one(fn, children, mine, what)
    for label, (children, mine) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _one(fn, children, mine, label)
    for label, (children, mine) in random_cases(RANDOM_SEED + 1, 30, _draw):
        same_everywhere(fn, list(children), mine, input=_shown(children, mine), case=label, salt_text=True)
    return (f"{len(HAND)} hand cases and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}: up to 3,000 children, "
            "mixed prefixes, ten-digit counters) agree with the recipe, and 30 give the same answer in two worlds")


__all__ = ["grade_watch_predecessor", "reference", "HAND"]
