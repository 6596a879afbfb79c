"""The log-compaction check of T06 (F07), ``06-install-snapshot``, discriminates, and its cases say what §7 says.

tests/test_exercises.py proves the right answers pass and every listed wrong answer fails; here:
kind, concepts and reference; a stub is reported as not attempted and a class without the
method is refused; the hand-made cases, run on the library's own server, end where Figure 13's
rule says; and the cluster runs inside the check catch a bad install on their own while a right
one installs snapshots there (always/sometimes).
"""

from __future__ import annotations

import pytest

from dsworkbook import grading
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.grading import NotAttempted, WrongAnswer
from dsworkbook.grading.core import _world
from dsworkbook.grading.raft import install_snapshot
from tests.wrong_answers.raft_snapshots import ALSO_RIGHT, RIGHT, WRONG

ID = "06-install-snapshot"


def test_the_exercise_is_registered_with_its_theme_kind_concept_and_reference():
    ex = grading.get(ID)
    assert (ex.theme, ex.kind, ex.concepts, ex.parts) == ("T06", "implement", ("F07",), ())
    assert ex.reference == ("dsworkbook.consensus.raft.snapshots.SnapshotMixin.handle_install_snapshot",
                            "dsworkbook.consensus.raft.log.RaftLog.install")
    assert set(RIGHT) == set(WRONG) == set(ALSO_RIGHT) == {ID}
    assert len(WRONG[ID]) >= 10 and len({w.__name__ for w in WRONG[ID]}) == len(WRONG[ID])


class _Stub(RaftNode):
    def handle_install_snapshot(self, src, msg):
        raise NotImplementedError


def test_an_untouched_exercise_is_not_attempted():
    with pytest.raises(NotAttempted):
        grading.check(ID, _Stub)


@pytest.mark.parametrize("answer", [RaftNode, lambda src, msg: None, "MyRaft"])
def test_an_answer_that_is_not_a_subclass_defining_the_handler_is_refused(answer):
    with pytest.raises(WrongAnswer, match="the answer itself"):
        grading.check(ID, answer)


def _case(name):
    return next(c for c in install_snapshot.CASES if c[0] == name)


def _after(name):
    """The library's server after the hand-made case ``name``: (base, base term, kept terms, commit, state size)."""
    _, follower, requests, _ = _case(name)
    h = install_snapshot._setup(RaftNode, follower, name)
    for msg in requests:
        h.deliver("n1", msg)
    n = h.node
    return (n.log.base_index, n.log.base_term, [e.term for e in n.log.entries], n.commit_index,
            len(n.state_machine.applied))


@pytest.mark.parametrize("name, expected", [
    # §7: "If the follower has an existing log entry with the same index and term as the snapshot's last
    # included entry, it retains log entries following it"
    ("the log holds the last included entry: keep the suffix", (5, 3, [3, 3], 5, 5)),
    ("a matching suffix after a compacted prefix", (6, 3, [3, 4], 6, 6)),
    ("the snapshot ends exactly at the log's last entry", (5, 3, [], 5, 5)),
    # "... Otherwise, the follower discards its entire log"
    ("the entry at the last included index is of another term", (5, 3, [], 5, 5)),
    ("a snapshot covering the whole log", (8, 4, [], 8, 8)),
    ("a snapshot into an empty log", (5, 3, [], 5, 5)),
    # the library's extras: a snapshot the commit index covers changes nothing; an older term is refused
    ("a stale snapshot: below the commit index", (0, 0, [1, 1, 2, 2, 3, 3], 5, 5)),
    ("a snapshot equal to the commit index", (0, 0, [1, 1, 2, 2, 3, 3], 5, 5)),
    ("a log compacted past the snapshot", (6, 3, [3], 6, 6)),
    ("an older term", (0, 0, [1, 1, 2], 1, 1)),
    ("an older snapshot after a newer one", (7, 3, [], 7, 7)),
])
def test_the_hand_made_cases_end_where_figure_13_says(name, expected):
    assert _after(name) == expected


def test_the_random_cases_cover_the_whole_domain():
    import random

    drawn = [install_snapshot._draw(random.Random(s)) for s in range(300)]
    kinds = set()
    for (role, term, terms, base, commit), requests in drawn:
        for m in requests:
            i = m.last_included_index
            kinds.add("older term" if m.term < term else "covered" if i <= commit else
                      "past the end" if i > len(terms) else
                      "match" if terms[i - 1] == m.last_included_term else "conflict")
        kinds.add(role)
        kinds.add("compacted" if base else "no snapshot")
        kinds.add("empty log" if not terms else "entries")
    assert kinds >= {"older term", "covered", "past the end", "match", "conflict", "follower", "candidate",
                     "compacted", "no snapshot", "empty log", "entries"}


def test_the_cluster_runs_install_snapshots_with_a_right_answer_and_catch_bad_ones_on_their_own():
    right = install_snapshot._graded(RIGHT[ID])
    with _world(0):
        installed, answered = install_snapshot.cluster_checks(right)
    assert installed > 0 and answered == 5 * 30 * len(install_snapshot.CLUSTER_RUNS)  # sometimes: snapshots used
    bad = {w.__name__: w for w in WRONG[ID]}
    for name, broke in (("KeepSuffixAnyTerm", "log matching"), ("NoRestore", "linearizability")):
        with _world(0), pytest.raises(WrongAnswer, match=broke):  # always: a bad install is caught
            install_snapshot.cluster_checks(install_snapshot._graded(bad[name]))
