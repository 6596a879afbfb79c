"""Three-phase commit: non-blocking under crash-stop, unsafe under a partition."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import FaultSchedule, Partition
from dsworkbook.transactions.commit_campaign import commit_run, commit_schedule, commit_violation
from dsworkbook.transactions.threephase import Participant3, three_pc_sim
from dsworkbook.transactions.twophase import commit_sim, participant_states

RMS = ["rm1", "rm2", "rm3"]


def _coordinator_steps(make):
    """(time, effects) of each coordinator handler with effects in a fault-free run."""
    sim = make()
    sim.run(until=1000)
    steps: dict[float, int] = {}
    for rec in sim.trace.records:
        if rec[2] == "tm" and rec[1] in ("send", "persist", "note"):
            steps[rec[0]] = steps.get(rec[0], 0) + 1
    return sorted(steps.items())


def _crash_tm_at_every_step(make, until):
    """For every coordinator handler and every prefix of its effects: crash-stop there, run on."""
    results = []
    for t, effects in _coordinator_steps(make):
        for kept in range(effects + 1):
            sim = make()
            sim.run(until=t - 1e-6)
            sim.crash_within("tm", kept)  # never restarted: crash-stop
            sim.run(until=until)
            results.append(((t, kept), participant_states(sim, RMS, "t1")))
    return results


def test_three_pc_decides_everywhere_whatever_step_the_coordinator_crashes_at():
    results = _crash_tm_at_every_step(lambda: three_pc_sim(3), until=2000)
    assert len(results) >= 10
    outcomes = set()
    for where, states in results:
        values = set(states.values())
        assert len(values) == 1 and values <= {"committed", "aborted", "working"}, (where, states)
        outcomes |= values
    assert {"committed", "aborted"} <= outcomes  # some crashes come after the point of commit


def test_two_pc_blocks_on_some_of_the_same_crashes():
    results = _crash_tm_at_every_step(lambda: commit_sim(3, cooperative=True), until=2000)
    assert any(set(states.values()) == {"prepared"} for _, states in results)


def test_partition_counterexample_one_side_commits_the_other_aborts():
    # found by `dsworkbook fuzz commit --variant 3pc` (seed 16), shrunk to one fault: rm1 is cut off
    # after its yes vote reached the coordinator and before PreCommit reached it
    shrunk = FaultSchedule([Partition(21.3, (("rm1",),))])
    sim = commit_run(16, shrunk, variant="3pc")
    assert commit_violation(sim) == "t1: committed at ['rm2', 'rm3'] but aborted at ['rm1']"
    assert commit_violation(commit_run(16, FaultSchedule(), variant="3pc")) is None  # the fault is the cause
    assert commit_violation(commit_run(16, shrunk, variant="correct")) is None  # 2PC stays safe (it waits)
    full = commit_schedule(16, variant="3pc")
    assert len(full) > 1 and commit_violation(commit_run(16, full, variant="3pc")) is not None


def test_participant_must_be_listed():
    with pytest.raises(ConfigError, match="must be in the participants"):
        Participant3("rm9", participants=RMS)
    with pytest.raises(ConfigError, match="at least one participant"):
        three_pc_sim(0, participants=0)
