"""Exercise ``06-commit-index``: the leader's commit rule (§5.3, §5.4.2, Figure 8).

Theory of operation
-------------------
The learner's ``commit_index(matches, term_at, current_term, commit_index)`` is compared with
:func:`~dsworkbook.consensus.raft.majority_commit_index` on hand-made cases (even and odd
clusters, Figure 8's old-term entry, an index already committed) and on seeded random ones
over the whole domain: clusters of 1 to 7 servers and a few of thousands, match indexes in any
order (the leader's own first, last or in the middle), chains of lagging followers, logs whose
terms cross 9/10 and 99/100, commit indexes anywhere. Then it becomes the commit rule of every
leader in Figure 8 (as the paper draws it, and with the new leader's no-op) and in a 5- and a
7-server cluster under heavy faults; and some cases are run twice in two worlds (no hidden
nondeterminism).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

from dsworkbook.consensus.raft import majority_commit_index
from dsworkbook.consensus.raft.commit_rules import rule_node
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.raft._common import cluster_checks, run_in_cluster

CLUSTER_SEEDS = (9, 10, 11)
SEVEN_SEEDS = (12,)
RANDOM_SEED, RANDOM_COUNT = 606, 400

#: (what it tests, matches, terms of the leader's log (index 1..), current term, commit index)
CASES: list[tuple[str, list[int], list[int], int, int]] = [
    ("three servers, all caught up", [5, 5, 5], [2] * 5, 2, 0),
    ("five servers at different points: the third highest is on a majority", [5, 4, 3, 2, 1], [2] * 5, 2, 0),
    ("the same five in another order", [2, 5, 1, 3, 4], [2] * 5, 2, 0),
    ("only the leader and one follower have the new entries", [5, 5, 1, 1, 1], [1, 2, 2, 2, 2], 2, 0),
    ("Figure 8: an old-term entry on a majority is not committed by counting", [2, 2, 2, 1, 1], [1, 2], 4, 1),
    ("Figure 8 with the leader's no-op: its last entry is of the current term, the majority's is not",
     [3, 3, 2, 2, 1], [1, 2, 4], 4, 1),
    ("a current-term entry on a majority commits the older ones with it", [3, 3, 3, 1, 1], [1, 2, 4], 4, 1),
    ("four servers: a majority is three", [4, 4, 2, 2], [3] * 4, 3, 0),
    ("six servers: a majority is four", [9, 8, 7, 6, 5, 4], [1] * 9, 1, 0),
    ("one server alone is a majority", [7], [3] * 7, 3, 2),
    ("never move the commit index back", [3, 3, 1], [2, 2, 2, 2], 2, 4),
    ("nothing new on a majority", [6, 2, 2], [1] * 6, 1, 2),
    ("terms with more digits: entry 3 is of term 10, the current term", [3, 3, 3, 1, 0], [9, 9, 10], 10, 0),
    ("a chain of lagging followers, seven servers", [10, 9, 8, 7, 6, 5, 4], [5] * 10, 5, 0),
]


def term_at_of(terms: Sequence[int]) -> Callable[[int], int | None]:
    """``term_at`` for a leader whose log holds entries of these terms (0 for index 0, None past the end)."""
    return lambda i: 0 if i == 0 else (terms[i - 1] if 0 < i <= len(terms) else None)


def _reference(matches: list[int], terms: list[int], current: int, commit: int) -> int:
    return majority_commit_index(matches, term_at_of(terms), current, commit)


def _hint(matches: list[int], terms: list[int], current: int, commit: int, got: Any) -> str:
    ranked = sorted(matches, reverse=True)
    top = ranked[len(ranked) // 2]
    if not isinstance(got, int) or isinstance(got, bool):
        return "return an int: the new commit index"
    if got < commit:
        return "the commit index never goes back: return commit_index when nothing new is committed"
    if got > top:
        return (f"index {got} is stored on fewer than a majority of {len(matches)} servers: sort the match indexes "
                f"(largest first) and take the one at position {len(matches) // 2}")
    if got == top and top > commit and term_at_of(terms)(top) != current:
        return ("that entry is from an earlier term: only an entry of current_term is committed by counting - look "
                "at the term of that entry, not of the leader's last one (§5.4.2, Figure 8)")
    if got < top:
        return ("a majority stores a later entry: take the highest index stored on a majority (sort the match "
                "indexes, largest first, and take the one at position len(matches) // 2), whatever the order of "
                "matches")
    return "the highest index stored on a majority, if its entry is from current_term; else commit_index"


_TERM_STEPS = (1, 2, 3, 4, 8, 9, 10, 11, 98, 99, 100)


def draw_case(rng: random.Random) -> tuple[list[int], list[int], int, int]:
    """A random (matches, the leader's log terms, current term, commit index) over the whole domain."""
    pick = rng.random()
    n = rng.randint(1, 7) if pick < 0.9 else rng.choice((1001, 2000, 3001))
    length = rng.randint(1, 12) if n < 100 else rng.randint(1, 5000)
    base = rng.choice(_TERM_STEPS)
    terms = sorted(rng.choice((base, base + 1, base + 2)) for _ in range(length))
    current = rng.choice((terms[-1], terms[-1] + 1, terms[-1] + 1, terms[-1] + 9))
    if rng.random() < 0.25:  # a chain: each follower a little behind the one before it
        step = rng.randint(0, 2)
        followers = [max(0, length - step * (k + 1)) for k in range(n - 1)]
    else:
        followers = [rng.choice((0, rng.randint(0, length), length)) for _ in range(n - 1)]
    matches = [length] + followers
    rng.shuffle(matches)  # the leader's own anywhere
    majority = sorted(matches, reverse=True)[n // 2]
    commit = rng.choice((0, rng.randint(0, length), majority, rng.randint(majority, length)))
    return matches, terms, current, commit


def show_case(matches: list[int], terms: list[int], current: int, commit: int) -> str:
    return (f"commit_index({matches}, term_at (the leader's log terms, index 1 on: {terms}), current_term={current}, "
            f"commit_index={commit})")


def check_rule_table(fn: Callable[..., Any], *, worlds: int = 20) -> int:
    """Hand-made then random cases; the first ``worlds`` random ones also run twice in two worlds."""
    cases = [(name, m, t, c, ci) for name, m, t, c, ci in CASES]
    cases += [(label, *drawn) for label, drawn in random_cases(RANDOM_SEED, RANDOM_COUNT, draw_case)]
    for k, (name, matches, terms, current, commit) in enumerate(cases):
        shown = show_case(matches, terms, current, commit)
        if len(shown) > 1500:
            shown = (f"commit_index(<{len(matches)} match indexes: largest {sorted(matches)[-3:]}, smallest "
                     f"{sorted(matches)[:3]}>, term_at (a log of {len(terms)} entries, last terms {terms[-3:]}), "
                     f"current_term={current}, commit_index={commit})")
        if len(CASES) <= k < len(CASES) + worlds:
            got = same_everywhere(lambda m=matches, t=terms: fn(list(m), term_at_of(t), current, commit),
                                  input=shown, case=name)
        else:
            got = attempt(fn, list(matches), term_at_of(terms), current, commit, input=shown, case=name)
        expected = _reference(matches, terms, current, commit)
        if got != expected or isinstance(got, bool):
            fail(case=name, input=shown, expected=expected, got=got, hint=_hint(matches, terms, current, commit, got))
    return len(cases)


def check_figure8(fn: Callable[..., Any], hint: str) -> None:
    cls = rule_node(fn)
    for noop, label in ((False, "as the paper draws it"), (True, "with the new leader's no-op")):
        case = f"the Figure 8 scenario, {label}"
        report = check_safety(run_in_cluster(lambda: figure8(noop=noop, node_class=cls), case))
        if not report.ok:
            fail(case=case, input=f"dw.consensus.raft.scenarios.figure8(noop={noop}) with your commit rule",
                 expected="no committed entry ever lost", got=report.violations[0].describe(), hint=hint)


@exercise("06-commit-index", title="Advancing the leader's commit index", theme="T06", concepts=("F03",),
          reference="dsworkbook.consensus.raft.replication.majority_commit_index")
def grade_commit_index(commit_index: Any) -> str:
    """A function ``commit_index(matches, term_at, current_term, commit_index) -> int``.

    ``matches`` holds one match index per server of the cluster, the leader's own last index
    included, in any order; ``term_at(i)`` is the term of the leader's entry ``i``. Return the
    highest index stored on a majority if its entry is from ``current_term`` (§5.4.2), else the
    unchanged ``commit_index``; never less than ``commit_index``. Checked on hand-made and random
    cases against the reference, then as the commit rule of every leader in Figure 8 (with and
    without no-ops) and in 5- and 7-server clusters under heavy faults.
    """
    if not callable(commit_index):
        fail(case="the answer itself", input=repr(commit_index), expected="a function", got=type(commit_index).__name__,
             hint="pass the function itself")
    n = check_rule_table(commit_index)
    check_figure8(commit_index, "count replicas only for an entry of the current term - the entry at the index you "
                                "commit, not the leader's last one")
    cls = rule_node(commit_index)
    hint = "a safety property broke, or commits stopped, with your commit rule in the cluster"
    answered, _ = cluster_checks(cls, CLUSTER_SEEDS, hint=hint)
    answered7, _ = cluster_checks(cls, SEVEN_SEEDS, hint=hint, servers=7)
    return (f"{n} cases right; Figure 8 (with and without no-ops) stays safe with your rule; in the clusters "
            f"(5 servers: seeds {CLUSTER_SEEDS}; 7 servers: seed {SEVEN_SEEDS[0]}) your leaders committed "
            f"{answered + answered7} commands and all five safety properties held")


__all__ = ["grade_commit_index", "term_at_of", "check_rule_table", "check_figure8", "draw_case", "show_case", "CASES"]
