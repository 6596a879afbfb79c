"""L04 and Z02: the lock recipe and its herd-effect twin, the pause past expiry with and without fencing, recipes."""

from __future__ import annotations

import pytest

from dsworkbook.coordination import LockClient, coordination_sim, herd_effect, pause_past_expiry
from dsworkbook.coordination.recipes import (BarrierMember, Candidate, ConfigWatcher, ConfigWriter, GroupMember,
                                             GroupObserver)
from dsworkbook.errors import ConfigError


def test_with_the_predecessor_watch_each_release_wakes_one_waiter_and_the_herd_wakes_them_all():
    rows = {(r.waiters, r.mode): r for r in herd_effect((5, 10))}
    for n in (5, 10):
        assert rows[n, "predecessor"].max_per_release == 1
        assert rows[n, "predecessor"].notifications == n - 1
        assert rows[n, "herd"].max_per_release == n - 1
        assert rows[n, "herd"].notifications >= n * (n - 1) // 2


def test_the_paused_holder_still_believes_it_holds_and_only_fencing_stops_its_stale_write():
    unfenced, fenced = pause_past_expiry(fenced=False), pause_past_expiry(fenced=True)
    for outcome in (unfenced, fenced):
        assert outcome.both_believed_holding
    assert unfenced.stale_write_accepted and not unfenced.rejected
    assert not fenced.stale_write_accepted
    assert [(w.writer, w.token) for w in fenced.rejected] == [("c1", fenced.accepted[0].token)]


def test_the_pause_must_outlast_the_session_to_show_anything():
    with pytest.raises(ConfigError, match="must exceed the session timeout"):
        pause_past_expiry(fenced=True, pause=50.0)


@pytest.mark.parametrize("kwargs, match", [({"mode": "queue"}, "lock mode"), ({"rounds": -1}, "rounds"),
                                           ({"lock": "locks"}, "start with '/'")])
def test_a_lock_client_refuses_bad_settings(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        LockClient("c", **kwargs)


def test_configuration_readers_see_the_latest_value_through_one_shot_watches():
    sim = coordination_sim(2)
    sim.add_node("w", ConfigWriter, values=("a", "b", "c"))
    sim.add_node("r", ConfigWatcher)
    sim.add_node("lazy", ConfigWatcher, rearm=False)
    sim.run(until=400)
    assert sim.node("w").done
    assert sim.node("r").seen[-1] == (3, "c")
    assert len(sim.node("lazy").seen) <= 2  # it stopped hearing after its one watch fired


def test_group_membership_drops_a_member_whose_session_dies():
    sim = coordination_sim(3)
    for m in ("m0", "m1", "m2"):
        sim.add_node(m, GroupMember)
    sim.add_node("obs", GroupObserver)
    sim.run(until=150)
    assert sim.node("obs").views[-1] == ("m0", "m1", "m2")
    sim.crash("m1")
    sim.run(until=500)
    assert sim.node("obs").views[-1] == ("m0", "m2")


def test_leader_election_has_one_leader_and_the_next_takes_over_when_it_dies():
    sim = coordination_sim(4)
    ids = ["e0", "e1", "e2"]
    for e in ids:
        sim.add_node(e, Candidate)
    sim.run(until=200)
    leaders = [e for e in ids if sim.node(e).is_leader]
    assert len(leaders) == 1
    sim.crash(leaders[0])
    sim.run(until=600)
    assert len([e for e in ids if e != leaders[0] and sim.node(e).is_leader]) == 1


def test_the_barrier_opens_only_when_all_have_arrived():
    sim = coordination_sim(5)
    sim.add_node("b0", BarrierMember, size=3)
    sim.add_node("b1", BarrierMember, size=3)
    sim.run(until=200)
    assert not sim.node("b0").passed and not sim.node("b1").passed
    sim.add_node("b2", BarrierMember, size=3)
    sim.run(until=400)
    assert all(sim.node(b).passed for b in ("b0", "b1", "b2"))
    with pytest.raises(ConfigError, match="size"):
        BarrierMember("x", size=0)
