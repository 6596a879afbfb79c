"""Exercise ``06-config-quorum``: the commit index under a configuration - learners, a leader that is not a voter,
and joint consensus's two majorities (thesis §4.1, §4.2.1, §4.2.2; the paper, §6; F08).

Theory of operation
-------------------
The learner writes ``commit_index(voters, old_voters, match, leader, last_index)``: the highest
index stored on a majority of ``voters`` and - while the configuration is joint (``old_voters``
is not None) - on a majority of ``old_voters`` too. ``match`` holds the followers' match indexes
(learners and servers that have left included: they count for nothing); the leader's own log
reaches ``last_index`` and counts only if the leader is a voter (a leader being removed manages
the cluster without counting itself, thesis §4.2.2); a voter missing from ``match`` holds
nothing. The reference is :meth:`~dsworkbook.consensus.raft.membership.Configuration.agreed`
on the same values (:func:`reference_commit_index`); the term rule of §5.4.2 is the caller's
business here, as it is in the library (``may_commit``).

The check compares the two on hand-made cases with pointed hints (:data:`CASES`), then on
seeded random cases over the whole domain (:func:`draw_case`: 1 to 9 voters, even and odd,
joint and not, old and new sets overlapping or disjoint, learners and departed servers in
``match``, the leader a voter or not, voters missing from ``match``), the first few in two
worlds (no hidden nondeterminism). Then the function becomes the commit rule of every server
(:func:`config_rule_node`, overriding ``quorum_commit_index``) in the campaign's membership
runs (:data:`CLUSTER_RUNS`: single-server and joint changes under faults, the membership race
among them), with the safety properties checked and every command required to commit - a
wrong rule is normally caught by the table first; the runs show that it matters.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Mapping

from dsworkbook.consensus.fuzzing import raft_progress
from dsworkbook.consensus.fuzzing.raft import campaign_schedule, family_of, raft_run
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.consensus.raft.membership import Configuration
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.grading.raft._common import run_in_cluster

__all__ = ["grade_config_quorum", "reference_commit_index", "config_rule_node", "check_table", "cluster_runs",
           "draw_case", "show_case", "CASES", "CLUSTER_RUNS"]

RANDOM_SEED, RANDOM_COUNT, WORLDS = 608, 500, 20
#: (membership mode, seed) of the cluster runs: seeds 2 and 6 are of the "membership race" family; in joint 4 and 16
#: a rule that lets one majority commit during C_old,new loses a committed entry; in single 5 a rule that leaves
#: out the leader's own log stalls (not every command is answered)
CLUSTER_RUNS = (("single", 2), ("single", 5), ("single", 6), ("joint", 4), ("joint", 16))


def reference_commit_index(voters: frozenset[str], old_voters: frozenset[str] | None, match: Mapping[str, int],
                           leader: str, last_index: int) -> int:
    """The library's rule: :meth:`Configuration.agreed` over the followers' matches and the leader's last index."""
    return Configuration(frozenset(voters), frozenset(), None if old_voters is None else frozenset(old_voters)
                         ).agreed({**match, leader: last_index})


def _f(*ids: str) -> frozenset[str]:
    return frozenset(ids)


#: (what it tests, voters, old voters, match, leader, last index, hint)
CASES: list[tuple[str, frozenset, Any, dict, str, int, str]] = [
    ("three voters, the leader among them", _f("n1", "n2", "n3"), None, {"n2": 5, "n3": 2}, "n1", 7,
     "sort the voters' indexes (the leader's own is last_index), largest first, and take the one at position "
     "len(voters) // 2"),
    ("a single voter: the leader alone is a majority", _f("n1"), None, {}, "n1", 4,
     "with one voter, the leader's last_index is on a majority (of one)"),
    ("four voters: a tie is not a majority", _f("n1", "n2", "n3", "n4"), None, {"n2": 6, "n3": 3, "n4": 3}, "n1", 6,
     "two of four is half, not a majority: an index must be on three of four voters"),
    ("a learner far ahead counts for nothing", _f("n1", "n2", "n3"), None, {"n2": 1, "n3": 1, "n6": 9}, "n1", 9,
     "learners (servers in match that are not voters) count in no majority: look only at the voters"),
    ("a departed server still in match counts for nothing", _f("n1", "n2", "n3"), None,
     {"n2": 2, "n3": 2, "n4": 8, "n5": 8}, "n1", 8,
     "servers outside the configuration count for nothing, however far their match index"),
    ("a voter missing from match holds nothing", _f("n1", "n2", "n3", "n7"), None, {"n2": 5, "n3": 1}, "n1", 5,
     "a voter missing from match holds index 0 - it is still a voter, and the majority is still of all the "
     "voters"),
    ("the leader is not a voter: it does not count itself", _f("n2", "n3"), None, {"n2": 4, "n3": 1}, "n1", 9,
     "a leader that is not among the voters (it is being removed) does not count itself (thesis §4.2.2)"),
    ("the leader is not a voter and the only voter is a follower", _f("n2"), None, {"n2": 4, "n3": 9}, "n1", 9,
     "only the voters count: here a majority of one voter, n2"),
    ("no voters: nothing can be on a majority", frozenset(), None, {"n2": 5}, "n1", 5,
     "with no voters there is no majority: return 0"),
    ("joint: the new voters have it, the old ones do not", _f("n1", "n4", "n5"), _f("n1", "n2", "n3"),
     {"n2": 1, "n3": 1, "n4": 6, "n5": 6}, "n1", 6,
     "while joint, an index needs a majority of the new voters AND a majority of the old voters: the lower of the "
     "two (§6 of the paper)"),
    ("joint: the old voters have it, the new ones do not", _f("n1", "n4", "n5"), _f("n1", "n2", "n3"),
     {"n2": 6, "n3": 6, "n4": 1, "n5": 1}, "n1", 6,
     "while joint, an index needs a majority of both the old and the new voters: the lower of the two"),
    ("joint, disjoint sets: a majority of the union is not enough", _f("n4", "n5", "n6"), _f("n1", "n2", "n3"),
     {"n2": 8, "n3": 8, "n4": 8, "n5": 2, "n6": 2}, "n1", 8,
     "four of six servers is a majority of the union, but only one of the new voters: take each majority "
     "separately"),
    ("joint, the same voters old and new", _f("n1", "n2", "n3"), _f("n1", "n2", "n3"), {"n2": 4, "n3": 2}, "n1", 5,
     "with the same set twice, both majorities are the same"),
    ("joint: four old voters, three new", _f("n1", "n2", "n5"), _f("n1", "n2", "n3", "n4"),
     {"n2": 7, "n3": 2, "n4": 2, "n5": 7}, "n1", 7,
     "each majority over its own set, at its own position: three of the four old voters (position 4 // 2), two of "
     "the three new (position 3 // 2)"),
    ("joint: an empty old set has no majority", _f("n1", "n2"), frozenset(), {"n2": 3}, "n1", 3,
     "while joint, a majority of the old voters is needed too: of an empty set there is none, so return 0"),
]


def show_case(voters: frozenset, old: frozenset | None, match: Mapping[str, int], leader: str, last: int) -> str:
    def s(ids: Any) -> str:
        return "None" if ids is None else "{" + ", ".join(repr(i) for i in sorted(ids)) + "}"

    return f"commit_index(voters={s(voters)}, old_voters={s(old)}, match={dict(sorted(match.items()))}, " \
           f"leader={leader!r}, last_index={last})"


def draw_case(rng: random.Random) -> tuple[frozenset, frozenset | None, dict, str, int]:
    """A random (voters, old voters, match, leader, last index) over the whole domain (see the module doc)."""
    pool = [f"n{i}" for i in range(1, 13)]
    voters = frozenset(rng.sample(pool, rng.randint(1, 9)))
    old: frozenset | None = None
    if rng.random() < 0.45:
        shape = rng.random()
        if shape < 0.3:    # disjoint
            rest = [p for p in pool if p not in voters] or pool
            old = frozenset(rng.sample(rest, rng.randint(1, min(9, len(rest)))))
        elif shape < 0.4:  # the same
            old = voters
        else:              # overlapping
            old = frozenset(rng.sample(pool, rng.randint(1, 9)))
    members = voters | (old or frozenset())
    leader = rng.choice(sorted(members)) if rng.random() < 0.8 else rng.choice(pool)
    last = rng.randint(0, 20)
    match = {}
    for s in pool:
        if s == leader:
            continue
        if s in members and rng.random() < 0.9:
            match[s] = rng.choice((0, last, rng.randint(0, last), rng.randint(0, last)))
        elif s not in members and rng.random() < 0.35:  # learners and departed servers, often far ahead
            match[s] = rng.choice((last, rng.randint(0, last)))
    return voters, old, match, leader, last


def _call(fn: Callable[..., Any], case: str, voters: frozenset, old: frozenset | None, match: dict, leader: str,
          last: int, twice: bool) -> Any:
    shown = show_case(voters, old, match, leader, last)
    if twice:
        return same_everywhere(lambda: fn(frozenset(voters), old if old is None else frozenset(old), dict(match),
                                          leader, last), input=shown, case=case)
    return attempt(fn, frozenset(voters), old if old is None else frozenset(old), dict(match), leader, last,
                   input=shown, case=case)


def _general_hint(voters: frozenset, old: frozenset | None, got: Any) -> str:
    if not isinstance(got, int) or isinstance(got, bool):
        return "return an int: the highest index stored on a quorum"
    if old is not None:
        return ("while joint, compute the index a majority of the voters stores and the one a majority of the old "
                "voters stores, each over its own set, and return the lower")
    return ("only the voters count (the leader only if it is one; a voter missing from match holds 0): sort their "
            "indexes, largest first, and take the one at position len(voters) // 2")


def check_table(fn: Callable[..., Any]) -> int:
    """Hand-made cases (pointed hints), then random ones; the first :data:`WORLDS` random ones in two worlds."""
    for name, voters, old, match, leader, last, hint in CASES:
        got = _call(fn, name, voters, old, match, leader, last, twice=False)
        expected = reference_commit_index(voters, old, match, leader, last)
        if got != expected or isinstance(got, bool):
            fail(case=name, input=show_case(voters, old, match, leader, last), expected=expected, got=got, hint=hint)
    drawn = list(random_cases(RANDOM_SEED, RANDOM_COUNT, draw_case))
    for k, (label, (voters, old, match, leader, last)) in enumerate(drawn):
        got = _call(fn, label, voters, old, match, leader, last, twice=k < WORLDS)
        expected = reference_commit_index(voters, old, match, leader, last)
        if got != expected or isinstance(got, bool):
            fail(case=label, input=show_case(voters, old, match, leader, last), expected=expected, got=got,
                 hint=_general_hint(voters, old, got))
    return len(CASES) + len(drawn)


def config_rule_node(fn: Callable[..., Any]) -> type[RaftNode]:
    """A RaftNode whose leaders commit by ``fn`` once the cluster has configuration entries."""

    class ConfigRuleNode(RaftNode):
        def quorum_commit_index(self) -> int:
            c = self.configuration
            return fn(c.voters, c.old_voters, dict(self.match_index), self.id, self.log.last_index)

    return ConfigRuleNode


def _run(node_class: type[RaftNode], mode: str, seed: int) -> Any:
    """:func:`campaign_run` for ``seed`` with ``node_class`` as every server (the seeds are of no stale-tail family)."""
    options = {"membership": mode}
    race = family_of(seed, options=options) == "membership race"
    return raft_run(seed, campaign_schedule(seed, options=options), options=options, node_class=node_class,
                    nemesis=race)


def cluster_runs(fn: Callable[..., Any]) -> tuple[int, int]:
    """The membership campaign's runs (:data:`CLUSTER_RUNS`) with ``fn`` as the commit rule: safe and live, or fail.

    Returns (commands answered, membership changes committed) over all runs.
    """
    cls = config_rule_node(fn)
    answered = changes = 0
    for mode, seed in CLUSTER_RUNS:
        options = {"membership": mode}
        case = f"the membership campaign ({mode}), seed {seed} ({family_of(seed, options=options)} family)"
        shown = (f"5 servers and 2 spares, two administrators changing the configuration ({mode}) under the "
                 f"campaign's faults (seed {seed}), your commit_index as every leader's commit rule")
        sim = run_in_cluster(lambda: _run(cls, mode, seed), case)
        report = check_safety(sim)
        if not report.ok:
            fail(case=case, input=shown, expected="all the safety properties hold",
                 got=report.violations[0].describe(),
                 hint="a leader committed an entry that was not on a quorum of its configuration")
        if not raft_progress(sim):
            fail(case=case, input=shown, expected="every client command and membership change committed",
                 got=f"{sim.history.counts()['ok']} of {len(sim.history)} commands answered",
                 hint="an index stored on a quorum of the configuration must be committed")
        answered += sim.history.counts()["ok"]
        changes += sum(1 for n in sim.node_ids if n.startswith("admin")
                       for rec in sim.node(n).log if rec["outcome"] == "committed")
    return answered, changes


@exercise("06-config-quorum", title="The commit index of a configuration: learners, removals, joint consensus",
          theme="T06", concepts=("F08",), reference="dsworkbook.consensus.raft.membership.Configuration.agreed")
def grade_config_quorum(commit_index: Any) -> str:
    """A function ``commit_index(voters, old_voters, match, leader, last_index) -> int`` (see the module doc)."""
    need_callable(commit_index, "function commit_index(voters, old_voters, match, leader, last_index)",
                  allow_class=False)
    n = check_table(commit_index)
    answered, changes = cluster_runs(commit_index)
    runs = ", ".join(f"{mode} seed {seed}" for mode, seed in CLUSTER_RUNS)
    return (f"{n} cases right ({len(CASES)} hand-made, {RANDOM_COUNT} random, seed {RANDOM_SEED}); as every leader's "
            f"commit rule in the membership campaign ({runs}) {answered} commands and {changes} membership changes "
            "committed and the safety properties held")
