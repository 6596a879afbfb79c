"""Exercise ``06-design-commit-rule``: choose the leader's commit rule from the traces that break the others.

Theory of operation
-------------------
The learner has seen four candidate rules fail (:data:`~dsworkbook.consensus.raft.commit_rules.CANDIDATES`
on :data:`~dsworkbook.consensus.raft.commit_rules.TRIALS`) and writes the rule they would ship.
Several rules are right, so the check grades the three goals the statement sets, not one answer:

1. **safe** - it never commits an entry a later leader could overwrite. Every result must stay
   at or below the highest index that is safe to commit: Raft's (the highest index stored on a
   majority, if its entry is of the current term, §5.4.2) or an index stored on *every* server
   (the paper's own remark in §5.4.2). Checked on hand-made and seeded random cases, then by
   running the rule in Figure 8 (as drawn, and with no-ops) and in 5- and 7-server clusters
   under heavy faults, with the five safety properties checked from the trace;
2. **live with a minority down** - with two of five (or three of seven) servers down for good,
   every client command still commits;
3. **as fast as Raft** - whenever an entry of the current term is on a majority, it is committed
   at once: every result must be at least Raft's.

Random cases cover clusters of 1 to 7 servers and a few of thousands, match indexes in any order,
chains of lagging followers and terms crossing 9/10; some run twice in two worlds (no hidden
nondeterminism).
"""

from __future__ import annotations

from typing import Any, Callable

from dsworkbook.consensus.raft import majority_commit_index
from dsworkbook.consensus.raft.commit_rules import rule_node
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.raft._common import cluster_checks, minority_down_checks
from dsworkbook.grading.raft.commit_index import check_figure8, draw_case, show_case, term_at_of

CLUSTER_SEEDS = (13, 14)
SEVEN_SEEDS = (13,)
RANDOM_SEED, RANDOM_COUNT = 707, 400

#: (what it tests, matches, the leader's log terms, current term, commit index)
CASES: list[tuple[str, list[int], list[int], int, int]] = [
    ("Figure 8: an entry of term 2 on three of five servers, the leader in term 4", [2, 2, 2, 1, 1], [1, 2], 4, 1),
    ("Figure 8 with the leader's no-op: its own last entry is of term 4, the majority's is of term 2",
     [3, 3, 2, 2, 1], [1, 2, 4], 4, 1),
    ("an entry of the current term on three of five servers", [3, 3, 3, 1, 1], [1, 2, 4], 4, 1),
    ("four servers: two of them are not a majority", [4, 4, 2, 2], [3] * 4, 3, 0),
    ("one server down for good (match index 0): a majority still commits", [6, 6, 6, 6, 0], [2] * 6, 2, 0),
    ("an old entry on every server", [3, 3, 3], [1, 1, 2], 2, 0),
    ("nothing new anywhere", [2, 2, 2], [1, 1], 3, 2),
    ("the commit index is already past what the match indexes show (a new leader)", [3, 3, 1], [2, 2, 2, 2], 2, 4),
]


def safe_bound(matches: list[int], term_at: Callable[[int], int | None], current: int, commit: int) -> int:
    """The highest commit index that is safe here: Raft's, or the highest index stored on every server."""
    raft = majority_commit_index(matches, term_at, current, commit)
    return max(raft, min(matches))


def _hint(low: int, high: int, got: Any, commit: int) -> str:
    if not isinstance(got, int) or isinstance(got, bool):
        return "return an int: the new commit index"
    if got < commit:
        return "goal 3: the commit index never goes back - return commit_index when nothing new is committed"
    if got > high:
        return (f"goal 1: index {got} could still be overwritten by a later leader - an entry of an earlier term "
                "stored on a majority is not safe (Figure 8, rules (A) and (B)), and fewer than a majority never is "
                "(rule (D)); only an entry of current_term on a majority is, or one stored on every server")
    return (f"goal 3: an entry of current_term is on a majority here, so index {low} is committed at once; "
            "waiting for more servers (rule (C)) stalls with one of them down")


def _check_cases(fn: Callable[..., Any], worlds: int = 20) -> int:
    cases = list(CASES) + [(label, *drawn) for label, drawn in random_cases(RANDOM_SEED, RANDOM_COUNT, draw_case)]
    for k, (name, matches, terms, current, commit) in enumerate(cases):
        shown = show_case(matches, terms, current, commit)
        if len(shown) > 1500:
            shown = (f"commit_rule(<{len(matches)} match indexes: largest {sorted(matches)[-3:]}, smallest "
                     f"{sorted(matches)[:3]}>, term_at (a log of {len(terms)} entries, last terms {terms[-3:]}), "
                     f"current_term={current}, commit_index={commit})")
        else:
            shown = shown.replace("commit_index(", "commit_rule(", 1)
        if len(CASES) <= k < len(CASES) + worlds:
            got = same_everywhere(lambda m=matches, t=terms: fn(list(m), term_at_of(t), current, commit),
                                  input=shown, case=name)
        else:
            got = attempt(fn, list(matches), term_at_of(terms), current, commit, input=shown, case=name)
        term_at = term_at_of(terms)
        low = majority_commit_index(matches, term_at, current, commit)
        high = safe_bound(matches, term_at, current, commit)
        if isinstance(got, bool) or not isinstance(got, int) or not low <= got <= high:
            expected = str(low) if low == high else f"between {low} (Raft's rule) and {high} (stored on every server)"
            fail(case=name, input=shown, expected=expected, got=got, hint=_hint(low, high, got, commit))
    return len(cases)


@exercise("06-design-commit-rule", title="Design: pick the commit rule from the traces that break the others",
          theme="T06", concepts=("F03", "F04"), kind="design")
def grade_design_commit_rule(commit_rule: Any) -> str:
    """A function ``commit_rule(matches, term_at, current_term, commit_index) -> int`` meeting three goals.

    (1) safe: never above the highest safely committable index (Raft's, or one stored on every
    server), and safe in Figure 8 (as drawn and with no-ops) and in 5- and 7-server clusters under
    heavy faults; (2) live with a minority down for good; (3) as fast as Raft: never below
    ``majority_commit_index``. Any rule meeting all three passes.
    """
    if not callable(commit_rule):
        fail(case="the answer itself", input=repr(commit_rule), expected="a function", got=type(commit_rule).__name__,
             hint="pass the function itself")
    n = _check_cases(commit_rule)
    check_figure8(commit_rule, "goal 1: a committed entry was lost - count replicas only for an entry of the current "
                               "term (the entry at the index you commit), or for one stored on every server")
    cls = rule_node(commit_rule)
    minority_down_checks(cls, "goal 2: a majority of the servers is up, so the leader must commit with them alone - "
                              "do not wait for every server")
    hint = "goal 1 or 2 broke in a cluster under faults: a safety property broke, or commits stopped"
    answered, _ = cluster_checks(cls, CLUSTER_SEEDS, hint=hint)
    answered7, _ = cluster_checks(cls, SEVEN_SEEDS, hint=hint, servers=7)
    return (f"{n} cases within the safe range and as fast as Raft; Figure 8 (with and without no-ops) safe; every "
            f"command committed with two of five and three of seven servers down; in the faulty clusters (5 servers: "
            f"seeds {CLUSTER_SEEDS}; 7 servers: seed {SEVEN_SEEDS[0]}) {answered + answered7} commands committed, all "
            "five safety properties held")


__all__ = ["grade_design_commit_rule", "safe_bound", "CASES"]
