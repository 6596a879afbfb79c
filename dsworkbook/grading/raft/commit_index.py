"""Exercise ``06-commit-index``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence

from dsworkbook.consensus.raft import RaftNode, majority_commit_index
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import cluster_checks, run_in_cluster

CLUSTER_SEEDS = (9, 10, 11)

#: (what it tests, matches, terms of the leader's log (index 1..), current term, commit index)
CASES: list[tuple[str, list[int], list[int], int, int]] = [
    ("three servers, all caught up", [5, 5, 5], [2] * 5, 2, 0),
    ("five servers at different points: the third highest is on a majority", [5, 4, 3, 2, 1], [2] * 5, 2, 0),
    ("only the leader and one follower have the new entries", [5, 5, 1, 1, 1], [1, 2, 2, 2, 2], 2, 0),
    ("Figure 8: an old-term entry on a majority is not committed by counting", [2, 2, 2, 1, 1], [1, 2], 4, 1),
    ("a current-term entry on a majority commits the older ones with it", [3, 3, 3, 1, 1], [1, 2, 4], 4, 1),
    ("four servers: a majority is three", [4, 4, 2, 2], [3] * 4, 3, 0),
    ("six servers: a majority is four", [9, 8, 7, 6, 5, 4], [1] * 9, 1, 0),
    ("one server alone is a majority", [7], [3] * 7, 3, 2),
    ("never move the commit index back", [3, 3, 1], [2, 2, 2, 2], 2, 4),
    ("nothing new on a majority", [6, 2, 2], [1] * 6, 1, 2),
]


def _term_at(terms: Sequence[int]) -> Callable[[int], int | None]:
    return lambda i: 0 if i == 0 else (terms[i - 1] if 0 < i <= len(terms) else None)


def _reference(matches: list[int], terms: list[int], current: int, commit: int) -> int:
    return majority_commit_index(matches, _term_at(terms), current, commit)


def _hint(matches: list[int], terms: list[int], current: int, commit: int, got: Any) -> str:
    ranked = sorted(matches, reverse=True)
    top = ranked[len(ranked) // 2]
    if isinstance(got, int) and got < commit:
        return "the commit index never goes back: return commit_index when nothing new is committed"
    if isinstance(got, int) and got > top:
        return (f"index {got} is stored on fewer than a majority of {len(matches)}: sort the match indexes (largest "
                f"first) and take the one at position {len(matches) // 2}")
    if isinstance(got, int) and got == top and top > commit and _term_at(terms)(top) != current:
        return ("that entry is from an earlier term: only entries of the current term are committed by counting "
                "(§5.4.2, Figure 8)")
    return "the highest index stored on a majority, if its entry is from the current term; else commit_index"


def _check_table(fn: Callable[..., Any]) -> int:
    rng = random.Random(606)
    cases = list(CASES)
    for i in range(150):
        n = rng.randint(1, 7)
        length = rng.randint(1, 8)
        terms = sorted(rng.randint(1, 4) for _ in range(length))
        matches = [length] + [rng.randint(0, length) for _ in range(n - 1)]
        cases.append((f"random case {i} (seed 606)", matches, terms, rng.randint(terms[-1], terms[-1] + 1),
                      rng.randint(0, length)))
    for name, matches, terms, current, commit in cases:
        shown = f"commit_index({matches}, term_at (log terms {terms}), current_term={current}, commit_index={commit})"
        got = attempt(fn, list(matches), _term_at(terms), current, commit, input=shown, case=name)
        expected = _reference(matches, terms, current, commit)
        if got != expected or isinstance(got, bool):
            fail(case=name, input=shown, expected=expected, got=got, hint=_hint(matches, terms, current, commit, got))
    return len(cases)


def _node_class(fn: Callable[..., int]) -> type[RaftNode]:
    class WithYourRule(RaftNode):
        def advance_commit_index(self) -> None:
            matches = [self.log.last_index, *(self.match_index[p] for p in self.peers)]
            new = fn(matches, self.log.term_at, self.current_term, self.commit_index)
            if new > self.commit_index:
                self.commit_to(new)

    return WithYourRule


@exercise("06-commit-index", title="Advancing the leader's commit index", theme="T06", concepts=("F03",))
def grade_commit_index(commit_index: Any) -> str:
    """A function ``commit_index(matches, term_at, current_term, commit_index) -> int``.

    ``matches`` holds one match index per server of the cluster, the leader's own last index
    included; ``term_at(i)`` is the term of the leader's entry ``i``. Return the highest index
    stored on a majority if its entry is from ``current_term`` (§5.4.2), else the unchanged
    ``commit_index``; never less than ``commit_index``. Checked on 10 hand-made and 150 random
    cases, then as the commit rule of every leader in the Figure 8 scenario and in a 5-server
    cluster under heavy faults on three seeds.
    """
    if not callable(commit_index):
        fail(case="the answer itself", input=repr(commit_index), expected="a function", got=type(commit_index).__name__,
             hint="pass the function itself")
    n = _check_table(commit_index)
    cls = _node_class(commit_index)
    report = check_safety(run_in_cluster(lambda: figure8(node_class=cls), "the Figure 8 scenario"))
    if not report.ok:
        fail(case="the Figure 8 scenario", input="dw.consensus.raft.scenarios.figure8 with your commit rule",
             expected="no committed entry ever lost", got=report.violations[0].describe(),
             hint="count replicas only for entries of the current term")
    answered, _ = cluster_checks(cls, CLUSTER_SEEDS,
                                 hint="a safety property broke with your commit rule in the cluster")
    return (f"{n} cases right; Figure 8 stays safe with your rule; in the cluster (seeds {CLUSTER_SEEDS}) your leaders "
            f"committed {answered} commands and all five safety properties held")
