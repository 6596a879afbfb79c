"""The exhaustive search of Gray & Lamport's TwoPhase specification, with a crash, and of 3PC."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.transactions.model import (TLC_STATE_COUNTS, ThreePhaseModel, TwoPhaseModel, explore,
                                           tc_consistent)


# --- TLC's state counts for TwoPhase ---------------------------------------------------------------------

@pytest.mark.parametrize("rms", [3, 5])
def test_twophase_distinct_states_match_tlc(rms):
    result = explore(TwoPhaseModel(rms))
    assert result.states == TLC_STATE_COUNTS[rms] == {3: 288, 5: 8832}[rms]
    assert result.seconds < 5  # 5 RMs stays fast


def test_invariant_checked_on_every_state():
    seen = []

    def counting(rm):
        seen.append(rm)
        return tc_consistent(rm)

    result = explore(TwoPhaseModel(3), invariant=counting)
    assert len(seen) == result.states == 288
    assert result.invariant_holds and result.violation is None


def test_a_broken_model_is_caught_with_its_shortest_path():
    class CommitWithoutVotes(TwoPhaseModel):  # TMCommit without tmPrepared = RM: the TM ignores the votes
        def next(self, s):
            yield from super().next(s)
            rm, tm, tp, pm, dm, pc, am, ta = s
            if tm == 0 and tp != self.all:
                yield "TMCommit", (rm, 1, tp, pm, dm | 1, pc, am, ta)

    result = explore(CommitWithoutVotes(3))
    assert not result.invariant_holds
    path = result.violation
    assert len(path) == 3 and "TMCommit" in path and path[-1].startswith("RMRcvCommitMsg")


# --- blocking ---------------------------------------------------------------------------------------------

def test_twophase_without_crash_never_blocks():
    assert explore(TwoPhaseModel(3)).blocked == 0


def test_coordinator_crash_blocks_a_prepared_rm():
    result = explore(TwoPhaseModel(3, crash=True))
    assert result.invariant_holds
    assert result.blocked_path == ("TMCrash", "RMPrepare(rm1)")
    assert result.example_blocked == {"rmState": ["prepared", "working", "working"], "tmState": "crashed",
                                      "decision_sent": []}
    assert (result.states, result.blocked) == (352, 56)


def test_cooperative_termination_blocks_only_when_every_rm_is_prepared():
    result = explore(TwoPhaseModel(3, crash=True, cooperative=True))
    assert result.blocked_path == ("TMCrash", "RMPrepare(rm1)", "RMPrepare(rm2)", "RMPrepare(rm3)")
    assert result.example_blocked["rmState"] == ["prepared"] * 3
    assert (result.states, result.blocked) == (406, 8)


# --- 3PC ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rms, states", [(3, 894), (5, 26886)])
def test_three_phase_with_termination_never_blocks_and_stays_consistent(rms, states):
    result = explore(ThreePhaseModel(rms))
    assert result.states == states
    assert result.invariant_holds
    assert result.blocked == 0 and result.blocked_path is None


def test_three_phase_without_the_termination_rule_blocks():
    result = explore(ThreePhaseModel(3, termination=False))
    assert result.blocked > 0 and result.blocked_path == ("TMCrash", "RMPrepare(rm1)")


@pytest.mark.parametrize("kwargs", [{"rms": 0}, {"rms": 9}, {"rms": True}, {"rms": 3, "cooperative": True}])
def test_bad_model_parameters(kwargs):
    with pytest.raises(ConfigError):
        TwoPhaseModel(**kwargs)
