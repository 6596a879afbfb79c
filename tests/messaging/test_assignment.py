"""Assignment strategies (pure) and the group protocol on the simulator (Q11)."""

import random

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.messaging.assignment import (assignment, min_moves, moves, owners, range_assign, round_robin_assign,
                                             sticky_assign)
from dsworkbook.messaging.groups import COORDINATOR, exclusive_ownership, group_sim, rebalance_demo

TWO_TOPICS = [("a", i) for i in range(7)] + [("b", i) for i in range(5)]


def test_range_gives_consecutive_ranges_per_topic_extra_to_the_first_consumers():
    got = range_assign(TWO_TOPICS, ["z", "x", "y"])
    assert got["x"] == [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)]
    assert got["z"] == [("a", 5), ("a", 6), ("b", 4)]
    sizes = sorted(len(v) for v in got.values())
    assert sizes[-1] - sizes[0] == 2  # range can be unbalanced across topics


def _random_cases(seed, n=300):
    rng = random.Random(seed)
    for _ in range(n):
        consumers = rng.sample([f"c{i}" for i in range(8)], rng.randint(1, 6))
        yield [p for p in TWO_TOPICS if rng.random() < 0.9], consumers


@pytest.mark.parametrize("fn", [round_robin_assign, sticky_assign])
def test_round_robin_and_sticky_are_balanced_within_one_and_assign_every_partition_once(fn):
    prev = None
    for parts, consumers in _random_cases(1):
        got = fn(parts, consumers, prev)
        sizes = [len(v) for v in got.values()]
        assert max(sizes) - min(sizes) <= 1
        assert sorted(owners(got)) == sorted(parts)
        prev = got


def test_sticky_moves_the_minimum_a_balanced_assignment_allows():
    prev = None
    total_sticky = total_rr = 0
    rr_prev = None
    for parts, consumers in _random_cases(2):
        if prev is None:
            prev = rr_prev = sticky_assign(parts, consumers)
            continue
        got = sticky_assign(parts, consumers, prev)
        assert moves(prev, got) == min_moves(prev, parts, consumers)
        rr = round_robin_assign(parts, consumers)
        total_sticky += moves(prev, got)
        total_rr += moves(rr_prev, rr)
        prev, rr_prev = got, rr
    assert total_sticky < total_rr


def test_sticky_join_takes_only_from_the_overloaded_and_crash_moves_only_the_dead_ones_partitions():
    parts = list(range(6))
    before = sticky_assign(parts, ["c1", "c2"])
    joined = sticky_assign(parts, ["c1", "c2", "c3"], before)
    assert moves(before, joined) == 2 and len(joined["c3"]) == 2
    crashed = sticky_assign(parts, ["c1", "c3"], joined)
    assert moves(joined, crashed) == 2  # exactly c2's two partitions
    assert set(joined["c1"]) <= set(crashed["c1"]) and set(joined["c3"]) <= set(crashed["c3"])


def test_bad_strategy_and_empty_group_are_refused():
    with pytest.raises(ConfigError, match="unknown assignment strategy"):
        assignment("cooperative", [0], ["c"])
    with pytest.raises(ConfigError, match="at least one consumer"):
        assignment("range", [0, 1], [])


# the protocol on the simulator
@pytest.mark.parametrize("strategy, moved", [("range", [0, 3, 3, 2, 3]), ("round-robin", [0, 3, 4, 4, 4]),
                                             ("sticky", [0, 3, 2, 2, 2])])
def test_joins_and_a_session_timeout_start_generations_and_sticky_moves_least(strategy, moved):
    gens = rebalance_demo(strategy)
    assert [g["why"] for g in gens] == ["m1 joined", "m2 joined", "m3 joined", "session of m2 expired", "m4 joined"]
    assert [g["moved"] for g in gens] == moved


def test_members_hold_the_current_generations_partitions_and_no_partition_has_two_owners():
    sim = group_sim(3, members=3, partitions=7)
    sim.run(until=300)
    sim.crash("m3")
    sim.run(until=700)
    assert exclusive_ownership(sim) is None
    gc = sim.node(COORDINATOR)
    assert gc.generations[-1]["members"] == ["m1", "m2"]
    held = {m: sim.node(m).owned for m in ("m1", "m2")}
    assert all(sim.node(m).generation == gc.generation for m in held)
    assert sorted(p for ps in held.values() for p in ps) == [("t", p) for p in range(7)]


def test_a_paused_member_rejoins_after_its_session_expired():
    sim = group_sim(4, members=2, partitions=4)
    sim.run(until=200)
    sim.pause("m2", 300)
    sim.run(until=1000)
    gens = sim.node(COORDINATOR).generations
    assert any("expired" in g["why"] for g in gens) and gens[-1]["members"] == ["m1", "m2"]
    assert exclusive_ownership(sim) is None


def test_same_seed_same_trace():
    def records(seed):
        sim = group_sim(seed, partitions=5)
        sim.run(until=400)
        return list(sim.trace.records)
    assert records(9) == records(9)
