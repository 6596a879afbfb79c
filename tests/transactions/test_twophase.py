"""Two-phase commit on the simulator: the write-ahead log, recovery, blocking, termination."""

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.sim import DOWN, Crash, FaultSchedule, Restart
from dsworkbook.transactions.commit_campaign import commit_run, commit_violation, fuzz_commit
from dsworkbook.transactions.twophase import (Coordinator, Participant, Prepare, Prepared, Aborted, Commit,
                                              ProtocolError, atomicity_violation, commit_sim, lock_held,
                                              lock_hold_vs_downtime, participant_states)

RMS = ["rm1", "rm2", "rm3"]


def _states(sim, txn="t1"):
    return participant_states(sim, RMS, txn)


# --- the protocol, fault-free --------------------------------------------------------------------------

def test_all_yes_votes_commit_everywhere_and_release_the_locks():
    sim = commit_sim(1)
    sim.run(until=1000)
    assert set(_states(sim).values()) == {"committed"}
    assert all(h is not None and 0 < h < 40 for h in lock_held(sim, RMS, "t1").values())
    assert all(sim.storage(p)["lock"] is None for p in RMS)


def test_one_no_vote_aborts_everywhere():
    sim = commit_sim(3, txns=6, no_prob=0.3)
    sim.run(until=3000)
    outcomes = [set(_states(sim, f"t{i}").values()) for i in range(1, 7)]
    assert {"committed"} in outcomes and {"aborted"} in outcomes  # both happened
    assert atomicity_violation(sim, RMS, [f"t{i}" for i in range(1, 7)]) is None


def test_the_log_record_is_written_before_the_message_it_justifies():
    rm = Participant("rm1", coordinator="tm")
    rm.on_message("tm", Prepare("t1"))
    kinds = [type(e).__name__ for e in rm.take_effects()]
    assert kinds.index("Persist") < kinds.index("Send")
    tm = Coordinator("tm", participants=["rm1"])
    tm.on_timer(("begin", "t1"))
    tm.take_effects()
    tm.on_message("rm1", Prepared("t1", "rm1"))
    effects = tm.take_effects()
    persist = next(i for i, e in enumerate(effects) if type(e).__name__ == "Persist")
    send = next(i for i, e in enumerate(effects) if type(e).__name__ == "Send")
    assert persist < send and effects[persist].values["txn/t1"]["decision"] == "commit"
    assert effects[send].msg == Commit("t1")


# --- recovery from the logs -----------------------------------------------------------------------------

def test_coordinator_crash_after_the_decision_record_resends_it_on_restart():
    sim = commit_sim(2)
    sim.run(until=1.5)
    sim.crash_within("tm", 1)  # keeps only the Persist of the handler that decides: no Commit sent
    while sim.status("tm") != DOWN and sim.step():
        pass
    assert sim.storage("tm")["txn/t1"]["decision"] == "commit"
    assert set(_states(sim).values()) == {"prepared"}
    sim.at(sim.now + 100, sim.restart, "tm")
    sim.run(until=sim.now + 500)
    assert set(_states(sim).values()) == {"committed"}


def test_participant_crash_after_its_prepared_record_asks_and_commits():
    sim = commit_sim(4)
    FaultSchedule([Crash(0.5, "rm2", after=2), Restart(300, "rm2")]).apply_to(sim)  # persisted, never voted
    sim.run(until=1000)
    assert set(_states(sim).values()) == {"aborted"}  # the coordinator timed out on the missing vote
    assert lock_held(sim, RMS, "t1")["rm2"] > 290  # rm2 held its lock while down, until it asked


def test_participant_that_restarts_without_a_vote_aborts():
    sim = commit_sim(4)
    FaultSchedule([Crash(0.5, "rm2", after=0), Restart(30, "rm2")]).apply_to(sim)
    sim.run(until=1000)
    assert set(_states(sim).values()) == {"aborted"}


def test_atomicity_under_random_crashes_seeded():
    report = fuzz_commit(range(60), variant="correct")
    assert report.violations == []
    assert report.progress >= 50  # sometimes: nobody left uncertain, something committed
    assert fuzz_commit(range(60), variant="correct", mix="both").violations == []  # partitions too


# --- blocking ---------------------------------------------------------------------------------------------

def test_coordinator_down_after_every_yes_vote_blocks_the_participants():
    sim = commit_sim(5, cooperative=True)
    sim.run(until=1.5)
    sim.crash_within("tm", 0)
    sim.run(until=3000)  # never restarted
    assert set(_states(sim).values()) == {"prepared"}  # uncertain, even asking each other
    assert all(sim.storage(p)["lock"] == "t1" for p in RMS)


def test_lock_held_grows_with_coordinator_downtime():
    df = lock_hold_vs_downtime([0, 250, 500, 1000, 2000], seed=3)
    assert list(df.columns) == ["downtime_ms", "mean_lock_held_ms", "max_lock_held_ms", "outcome"]
    held = list(df["mean_lock_held_ms"])
    assert held == sorted(held) and held[-1] - held[0] >= 1900
    assert set(df["outcome"]) == {"aborted"}
    assert df.equals(lock_hold_vs_downtime([0, 250, 500, 1000, 2000], seed=3))  # deterministic


def test_cooperative_termination_learns_from_a_participant_that_has_not_voted():
    sim = commit_sim(6, cooperative=True)
    sim.net.partition(["rm3"])  # rm3 never gets Prepare
    sim.run(until=1.5)
    sim.crash_within("tm", 0)  # the coordinator's next effects (its vote timeout's Abort) are lost
    sim.run(until=200)
    sim.net.heal()
    sim.run(until=800)
    assert set(_states(sim).values()) == {"aborted"}  # rm3 aborted when asked, and told the others


# --- bad input ----------------------------------------------------------------------------------------------

def test_no_participants_is_a_config_error():
    with pytest.raises(ConfigError, match="at least one participant"):
        Coordinator("tm", participants=[])
    with pytest.raises(ConfigError, match="at least one participant"):
        commit_sim(0, participants=0)


def test_a_participant_that_votes_yes_then_no_is_rejected():
    tm = Coordinator("tm", participants=["rm1", "rm2"])
    tm.on_timer(("begin", "t1"))
    tm.on_message("rm1", Prepared("t1", "rm1"))
    tm.on_message("rm1", Prepared("t1", "rm1"))  # a duplicate of the same vote is harmless
    with pytest.raises(ProtocolError, match="voted yes and then no"):
        tm.on_message("rm1", Aborted("t1", "rm1"))


def test_unknown_bug_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown 2PC bug"):
        commit_sim(0, bug="lazy")


def test_same_seed_same_run():
    a = commit_run(11, FaultSchedule.random(11, ["tm"] + RMS, duration=1200, faults=4, kinds=("crash",)))
    b = commit_run(11, FaultSchedule.random(11, ["tm"] + RMS, duration=1200, faults=4, kinds=("crash",)))
    assert [dict(a.storage(n)) for n in a.node_ids] == [dict(b.storage(n)) for n in b.node_ids]
    assert commit_violation(a) is None
