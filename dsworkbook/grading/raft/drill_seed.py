"""Exercise ``06-drill-seed-raft``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.consensus.fuzzing import raft_progress, raft_run
from dsworkbook.consensus.raft.drills import SeedRaft
from dsworkbook.consensus.raft.harness import RaftHarness, entries
from dsworkbook.consensus.raft.scenarios import figure8
from dsworkbook.consensus.raft_invariants import check_safety
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.grading.raft._common import cluster_checks, run_in_cluster
from dsworkbook.sim import Crash, FaultSchedule

CLUSTER_SEEDS = (12, 13)


def _node(cls: type, members: int, *, term: int = 3, log: tuple[int, ...] = ()) -> Any:
    ids = tuple(f"n{i}" for i in range(1, members + 1))
    return attempt(RaftHarness, "n1", ids, term=term, log=entries(*log), node_class=cls, input="a fresh server",
                   case="building a server").node


def _check_votes(cls: type) -> None:
    for n in range(1, 10):
        got = attempt(_node(cls, n).votes_needed, input=f"a cluster of {n}", case="votes_needed")
        if got != n // 2 + 1:
            fail(case=f"votes_needed() in a cluster of {n} servers", input=f"members = n1..n{n}", expected=n // 2 + 1,
                 got=got, hint="a majority of the full cluster, the candidate's own vote included: more than half, "
                 "i.e. n // 2 + 1 (with 5 servers, 3 - not 4: then two crashes would stop every election)")


REPLICATED = [([5, 4, 3, 2, 1], 3), ([9, 9, 1], 9), ([4, 4, 2, 2], 2), ([7], 7), ([6, 6, 6, 1, 1, 1], 1),
              ([3, 1, 2, 5, 4], 3), ([2, 2, 0, 0, 0], 0)]


def _check_replicated(cls: type) -> None:
    for matches, want in REPLICATED:
        node = _node(cls, len(matches))
        got = attempt(node.replicated_index, list(matches), input=f"replicated_index({matches})",
                      case="replicated_index")
        if got != want:
            fail(case=f"replicated_index({matches})", input=f"match indexes of {len(matches)} servers, the leader's "
                 "included", expected=want, got=got,
                 hint="sorted largest first, the entry at position len(matches) // 2 is stored on a majority; "
                      "one position earlier is stored on one server too few")


def _check_may_commit(cls: type) -> None:
    cases = [((1, 2), 4, 0, 2, False, "an entry of term 2 while the leader is in term 4 (Figure 8)"),
             ((1, 2, 4), 4, 0, 3, True, "an entry of the current term"),
             ((4, 4, 4), 4, 3, 2, False, "an index already committed"),
             ((4, 4), 4, 0, 0, False, "index 0: nothing")]
    for log, term, commit, index, want, name in cases:
        node = _node(cls, 3, term=term, log=log)
        node.commit_index = commit
        got = attempt(node.may_commit, index, input=f"may_commit({index})", case=name)
        if bool(got) != want:
            fail(case=f"may_commit({index}): {name}", input=f"leader of term {term}, log terms {list(log)}, "
                 f"commit_index {commit}", expected=want, got=got,
                 hint="commit by counting only a new index (above commit_index) whose entry is of the current term")


def _check_two_down(cls: type) -> None:
    case = "a run with n4 and n5 crashed for good at t=0"
    schedule = FaultSchedule([Crash(0.0, "n4"), Crash(0.0, "n5")])

    def run() -> Any:
        sim = raft_run(21, schedule, node_class=cls)
        return sim

    sim = run_in_cluster(run, case)
    if not raft_progress(sim):
        fail(case=case, input="5 servers, two of them down the whole time (a repair restarts them only at the end)",
             expected="every client command committed", got=f"{sim.history.counts()['ok']} of {len(sim.history)}",
             hint="three of five servers are a majority: they must be able to elect a leader and commit")


@exercise("06-drill-seed-raft", title="Drill: fix the seed notes' Raft counting", theme="T06", concepts=("F01", "F03"),
          kind="drill")
def grade_drill_seed_raft(FixedRaft: Any) -> str:
    """A subclass of ``dw.consensus.raft.drills.SeedRaft`` with its three methods fixed.

    ``votes_needed(self)`` (votes that win an election), ``replicated_index(self, matches)`` (the
    highest index stored on a majority, given one match index per server) and
    ``may_commit(self, index)`` (may the leader count it as committed?). Checked one method at a
    time on hand-made cases, then in runs that expose each bug: two of five servers down for
    good, Figure 8, and a 5-server cluster under heavy faults on two seeds.
    """
    if not (inspect.isclass(FixedRaft) and issubclass(FixedRaft, SeedRaft)):
        fail(case="the answer itself", input=repr(FixedRaft), expected="a subclass of SeedRaft",
             got=type(FixedRaft).__name__, hint="write class FixedRaft(SeedRaft) and override the three methods")
    _check_votes(FixedRaft)
    _check_replicated(FixedRaft)
    _check_may_commit(FixedRaft)
    _check_two_down(FixedRaft)
    report = check_safety(run_in_cluster(lambda: figure8(node_class=FixedRaft), "the Figure 8 scenario"))
    if not report.ok:
        fail(case="the Figure 8 scenario", input="figure8(node_class=FixedRaft)", expected="safe",
             got=report.violations[0].describe(), hint="may_commit: current-term entries only")
    answered, leaders = cluster_checks(FixedRaft, CLUSTER_SEEDS, hint="a safety property broke: check the two counts")
    return (f"votes_needed, replicated_index and may_commit right; three of five servers elect and commit; Figure 8 "
            f"safe; in the cluster (seeds {CLUSTER_SEEDS}) {answered} commands committed under {leaders} leaders")
