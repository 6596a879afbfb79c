"""The safety checker catches each of Raft's five properties breaking, and stays quiet on correct runs.

Each *always* check is shown to fail on a hand-made trace that breaks exactly that property
(a checker that cannot fail proves nothing), and to pass on correct runs.
"""

from __future__ import annotations

import pytest

from dsworkbook.consensus.fuzzing import raft_run, raft_schedule
from dsworkbook.consensus.raft import Entry
from dsworkbook.consensus.raft_invariants import PROPERTIES, assert_safe, check_safety, first_violation
from dsworkbook.errors import InvariantViolation
from dsworkbook.sim import Trace


def trace(*notes: tuple[float, str, dict]) -> Trace:
    t = Trace()
    for time, node, fields in notes:
        t.add(time, "note", node, None, None, fields)
    return t


def start(node: str, term: int = 0) -> tuple[float, str, dict]:
    return (0.0, node, {"role": "follower", "term": term, "start": True})


E1, E2, E3 = Entry(1, "a"), Entry(1, "b"), Entry(2, "c")
FIVE = ["n1", "n2", "n3", "n4", "n5"]


def test_five_properties_are_named_as_in_figure_3():
    assert PROPERTIES == ("election safety", "leader append-only", "log matching", "leader completeness",
                          "state machine safety")


def test_two_leaders_in_one_term_break_election_safety():
    report = check_safety(trace(start("n1"), start("n2"), (10, "n1", {"role": "leader", "term": 2}),
                                (20, "n2", {"role": "leader", "term": 2})))
    assert [v.property for v in report.violations] == ["election safety"]
    assert report.violations[0].nodes == ("n1", "n2") and report.violations[0].terms == (2,)


def test_two_leaders_in_different_terms_are_fine():
    assert check_safety(trace(start("n1"), start("n2"), (10, "n1", {"role": "leader", "term": 2}),
                              (20, "n2", {"role": "leader", "term": 3}))).ok


def test_a_second_vote_in_one_term_breaks_election_safety_and_a_repeated_one_does_not():
    same = trace((1, "n3", {"vote": "n1", "term": 4}), (2, "n3", {"vote": "n1", "term": 4}))
    other = trace((1, "n3", {"vote": "n1", "term": 4}), (2, "n3", {"vote": "n2", "term": 4}))
    assert check_safety(same).ok
    report = check_safety(other)
    assert report.violations[0].property == "election safety" and "voted for n1 and then for n2" in report.violations[0].message


def test_a_leader_that_replaces_its_own_entries_breaks_leader_append_only():
    report = check_safety(trace(start("n1"), (1, "n1", {"role": "leader", "term": 1}),
                                (2, "n1", {"log": 1, "entries": (E1, E2)}), (3, "n1", {"log": 2, "entries": (E3,)})))
    assert [v.property for v in report.violations] == ["leader append-only"]


def test_the_same_index_and_term_over_different_prefixes_breaks_log_matching():
    other_prefix = Entry(3, "z")  # index 1 differs (different terms: allowed); index 2 is term 2 on both
    report = check_safety(trace(start("n1"), start("n2"), (1, "n1", {"log": 1, "entries": (E1, E3)}),
                                (2, "n2", {"log": 1, "entries": (other_prefix, E3)})))
    assert [v.property for v in report.violations] == ["log matching"]
    assert "index 2" in report.violations[0].message


def test_a_leader_elected_without_a_committed_entry_breaks_leader_completeness():
    notes = [start(n) for n in FIVE] + [
        (1, "n1", {"role": "leader", "term": 1}),
        *[(2, n, {"log": 1, "entries": (E1,)}) for n in ("n1", "n2", "n3")],
        (3, "n1", {"commit": 1, "term": 1}),
        (4, "n4", {"role": "leader", "term": 2}),
    ]
    props = {v.property for v in check_safety(trace(*notes)).violations}
    assert "leader completeness" in props


def test_a_server_without_a_committed_entry_that_could_win_is_flagged_at_once():
    notes = [start(n) for n in FIVE] + [
        *[(1, n, {"log": 1, "entries": (E1,)}) for n in ("n1", "n2", "n3")],
        (2, "n5", {"log": 1, "entries": (E3,)}),  # a later term at index 1: n5 out-votes the others
        (3, "n1", {"commit": 1, "term": 3}),
    ]
    report = check_safety(trace(*notes))
    assert report.violations[0].property == "leader completeness" and "n5 lacks it and could win" in report.violations[0].message
    assert report.violations[0].time == 3


def test_different_entries_applied_at_one_index_break_state_machine_safety():
    report = check_safety(trace(start("n1"), start("n2"), (1, "n1", {"log": 1, "entries": (E1,)}),
                                (1, "n2", {"log": 1, "entries": (E3,)}), (2, "n1", {"commit": 1, "term": 1}),
                                (3, "n2", {"commit": 1, "term": 2})))
    assert "state machine safety" in {v.property for v in report.violations}


def test_a_restarted_server_applies_from_the_start_again_without_a_false_alarm():
    notes = [start("n1"), (1, "n1", {"log": 1, "entries": (E1, E2)}), (2, "n1", {"commit": 2, "term": 1}),
             (3, "n1", {"role": "follower", "term": 1, "start": True}), (4, "n1", {"commit": 2, "term": 1})]
    report = check_safety(trace(*notes))
    assert report.ok and report.applied == 4 and report.commits == 2


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_raft_under_heavy_faults_breaks_nothing(seed):
    sim = raft_run(seed, raft_schedule(seed))
    report = assert_safe(sim)
    assert report.commits > 100 and len(report.leaders) > 5  # the *sometimes* half: things did happen
    assert first_violation(sim) is None and all(report.status().values())


def test_assert_safe_names_the_seed():
    sim = raft_run(0, raft_schedule(0), variant="vote_without_log_check")
    with pytest.raises(InvariantViolation, match=r"seed=0"):
        assert_safe(sim)
