"""Exercise ``06-drill-seed-raft``: fix the three counting rules of the seed notes' Raft (a pitfall drill).

Theory of operation
-------------------
The learner's ``SeedRaft`` subclass must fix ``votes_needed``, ``replicated_index`` and
``may_commit``. Each method is compared with the right rule on its own - hand-made cases, then
seeded random ones (clusters of 1 to 15 servers and some of thousands, even and odd; match
indexes in any order, ties, chains; logs whose terms cross 9/10; every position of the commit
index) - and then the whole class runs where each bug shows: two of five (and three of seven)
servers down for good (a count that is one too high stops every election), Figure 8 as drawn
and with no-ops (commit by counting), and 5- and 7-server clusters under heavy faults (one
replica too few), plus one run twice in two worlds.
"""

from __future__ import annotations

import inspect
import random
from typing import Any

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft import server_ids
from dsworkbook.consensus.raft.drills import SeedRaft
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.raft._common import cluster_checks, minority_down_checks, run_in_cluster, same_run_everywhere

CLUSTER_SEEDS = (12, 13)
SEVEN_SEEDS = (14,)
RANDOM_SEED = 505


def _node(cls: type, members: int, *, term: int = 3, log: tuple[int, ...] = (), case: str = "building a server") -> Any:
    ids = tuple(server_ids(members))
    return attempt(RaftHarness, "n1", ids, term=term, log=entries(*log), node_class=cls,
                   input=f"a server of a {members}-server cluster", case=case).node


def _check_votes(cls: type) -> None:
    sizes = list(range(1, 16)) + [100, 1001, 2000]
    for n in sizes:
        got = attempt(_node(cls, n).votes_needed, input=f"a cluster of {n}", case=f"votes_needed() with {n} servers")
        if got != n // 2 + 1 or isinstance(got, bool):
            fail(case=f"votes_needed() in a cluster of {n} servers", input=f"len(self.members) == {n}",
                 expected=n // 2 + 1, got=got,
                 hint="a majority of the full cluster, the candidate's own vote included: more than half, i.e. "
                      "len(self.members) // 2 + 1 (with 5 servers 3, not 4: then two crashes would stop every "
                      "election; with 4 servers 3, not 2: two halves could each elect a leader)")


REPLICATED = [([5, 4, 3, 2, 1], 3), ([9, 9, 1], 9), ([4, 4, 2, 2], 2), ([7], 7), ([6, 6, 6, 1, 1, 1], 1),
              ([3, 1, 2, 5, 4], 3), ([2, 2, 0, 0, 0], 0), ([1, 2], 1), ([0, 5, 5, 0, 5, 0, 5], 5)]


def _replicated(matches: list[int]) -> int:
    return sorted(matches, reverse=True)[len(matches) // 2]


def _draw_matches(rng: random.Random) -> list[int]:
    n = rng.randint(1, 9) if rng.random() < 0.9 else rng.choice((1000, 1001, 2000))
    top = rng.choice((3, 10, 100, 5000))
    if rng.random() < 0.3:
        values = [max(0, top - rng.randint(0, 2) * k) for k in range(n)]  # a chain
    else:
        values = [rng.choice((0, top, rng.randint(0, top))) for _ in range(n)]
    rng.shuffle(values)
    return values


def _check_replicated(cls: type) -> None:
    cases = [(f"replicated_index({m})", m) for m, _ in REPLICATED]
    cases += [(label, m) for label, m in random_cases(RANDOM_SEED, 300, _draw_matches)]
    nodes: dict[int, Any] = {}
    for name, matches in cases:
        n = len(matches)
        node = nodes.get(n) or nodes.setdefault(n, _node(cls, n))
        shown = f"replicated_index({matches})" if n <= 50 else \
            f"replicated_index(<{n} match indexes, largest {sorted(matches)[-3:]}, smallest {sorted(matches)[:3]}>)"
        got = attempt(node.replicated_index, list(matches), input=shown, case=name)
        want = _replicated(matches)
        if got != want:
            fail(case=name, input=shown + f" (match indexes of {n} servers, the leader's included, in any order)",
                 expected=want, got=got,
                 hint="sort the match indexes largest first: the one at position len(matches) // 2 is stored on a "
                      "majority (that server and every one before it); one position earlier is one server too few")


def _check_may_commit(cls: type) -> None:
    cases = [((1, 2), 4, 0, 2, "an entry of term 2 while the leader is in term 4 (Figure 8)"),
             ((1, 2, 4), 4, 0, 3, "an entry of the current term"),
             ((1, 2, 4), 4, 1, 2, "an earlier-term entry while the leader's last entry is of its term"),
             ((4, 4, 4), 4, 3, 2, "an index already committed"),
             ((4, 4, 4), 4, 2, 2, "the index that is already the commit index"),
             ((4, 4), 4, 0, 0, "index 0: nothing"),
             ((9, 9, 10), 10, 0, 3, "terms with more digits: an entry of term 10 in term 10"),
             ((9, 9, 10), 10, 0, 2, "terms with more digits: an entry of term 9 in term 10")]
    rng = random.Random(RANDOM_SEED + 1)
    for k in range(200):
        base = rng.choice((1, 2, 8, 9, 10, 99))
        log = tuple(sorted(rng.choice((base, base + 1, base + 2)) for _ in range(rng.randint(1, 8))))
        term = rng.choice((log[-1], log[-1] + 1))
        commit = rng.randint(0, len(log))
        label = f"random case {k + 1} of 200 (seed {RANDOM_SEED + 1})"
        cases.append((log, term, commit, rng.randint(0, len(log)), label))
    for log, term, commit, index, name in cases:
        node = _node(cls, 3, term=term, log=log, case=name)
        node.commit_index = commit
        want = index > commit and log[index - 1] == term if index > 0 else False
        shown = f"a leader of term {term}, log terms {list(log)}, commit_index {commit}: may_commit({index})"
        got = attempt(node.may_commit, index, input=shown, case=name)
        if not isinstance(got, bool) and got not in (0, 1):
            fail(case=name, input=shown, expected=want, got=got, hint="return True or False")
        if bool(got) != want:
            fail(case=f"may_commit({index}): {name}", input=shown, expected=want, got=got,
                 hint="commit by counting only a new index (above self.commit_index) whose own entry is of the "
                      "current term: self.log.term_at(index) == self.current_term (not the term of the last entry)")


def _figure8_with(cls: type) -> None:
    for noop, label in ((False, "as the paper draws it"), (True, "with the new leader's no-op")):
        case = f"the Figure 8 scenario, {label}"
        report = check_safety(run_in_cluster(lambda: figure8(noop=noop, node_class=cls), case))
        if not report.ok:
            fail(case=case, input=f"figure8(noop={noop}, node_class=FixedRaft)", expected="no committed entry lost",
                 got=report.violations[0].describe(),
                 hint="may_commit: an entry of the current term only - the term of the entry at that index")


@exercise("06-drill-seed-raft", title="Drill: fix the seed notes' Raft counting", theme="T06", concepts=("F01", "F03"),
          kind="drill",
          reference=("dsworkbook.consensus.raft.node.RaftNode.votes_needed",
                     "dsworkbook.consensus.raft.replication.ReplicationMixin.replicated_index",
                     "dsworkbook.consensus.raft.replication.ReplicationMixin.may_commit"))
def grade_drill_seed_raft(FixedRaft: Any) -> str:
    """A subclass of ``dw.consensus.raft.drills.SeedRaft`` with its three methods fixed.

    ``votes_needed(self)`` (votes that win an election), ``replicated_index(self, matches)`` (the
    highest index stored on a majority, given one match index per server, in any order) and
    ``may_commit(self, index)`` (may the leader count it as committed?). Checked one method at a
    time on hand-made and random cases, then in runs that expose each bug: a minority down for
    good, Figure 8 (with and without no-ops), and 5- and 7-server clusters under heavy faults.
    """
    if not (inspect.isclass(FixedRaft) and issubclass(FixedRaft, SeedRaft)):
        fail(case="the answer itself", input=repr(FixedRaft), expected="a subclass of SeedRaft",
             got=type(FixedRaft).__name__, hint="write class FixedRaft(SeedRaft) and override the three methods")
    _check_votes(FixedRaft)
    _check_replicated(FixedRaft)
    _check_may_commit(FixedRaft)
    minority_down_checks(FixedRaft, "a majority of the servers is up: they must be able to elect a leader and commit "
                                    "(votes_needed)")
    _figure8_with(FixedRaft)
    hint = "a safety property broke, or commits stopped: check the two counts and the current-term rule"
    answered, leaders = cluster_checks(FixedRaft, CLUSTER_SEEDS, hint=hint)
    answered7, leaders7 = cluster_checks(FixedRaft, SEVEN_SEEDS, hint=hint, servers=7)
    seed = CLUSTER_SEEDS[0]
    same_run_everywhere(lambda: raft_run(seed, raft_schedule(seed), node_class=FixedRaft),
                        f"the 5-server cluster run with seed {seed}")
    return (f"votes_needed, replicated_index and may_commit right on hand-made and random cases; a majority elects "
            f"and commits with a minority down; Figure 8 (with and without no-ops) safe; in the clusters (5 servers: "
            f"seeds {CLUSTER_SEEDS}; 7 servers: seed {SEVEN_SEEDS[0]}) {answered + answered7} commands committed under "
            f"{leaders + leaders7} leaders")


__all__ = ["grade_drill_seed_raft"]
