"""The world of regions: the cited table, custom worlds, client RTTs and wiring a simulation."""

from __future__ import annotations

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions import REGION_NAMES, RTT_MS, World, rtt, world
from dsworkbook.sim import Simulation
from dsworkbook.sim.node import Node


def test_the_table_is_symmetric_zero_on_the_diagonal_and_covers_every_pair():
    assert len(REGION_NAMES) == 10
    for a in REGION_NAMES:
        assert RTT_MS[(a, a)] == 0
        for b in REGION_NAMES:
            assert RTT_MS[(a, b)] == RTT_MS[(b, a)]


@pytest.mark.parametrize("a, b, low, high", [
    ("us-east-1", "us-west-1", 60, 80),        # across a continent
    ("eu-west-1", "eu-central-1", 10, 30),     # neighbours
    ("us-east-1", "eu-west-1", 70, 90),        # across the Atlantic
    ("eu-central-1", "ap-southeast-1", 300, 340),  # far apart
])
def test_measured_round_trips_have_the_expected_shape(a, b, low, high):
    assert low <= rtt(a, b) <= high


def test_nearest_region_and_client_round_trips():
    w = world("us-east-1", "eu-west-1", "ap-northeast-1")
    assert w.nearest("us-east-1") == "eu-west-1"
    assert w.client_rtt("tokyo", "ap-northeast-1") == 8.0
    assert w.client_rtt("tokyo", "us-east-1") == 8.0 + 145.0
    assert w.client_rtt("seattle", "us-east-1") == 8.0 + 88.0  # homed outside the world: via us-west-2


def test_custom_worlds_fill_in_the_reverse_direction_and_the_diagonal():
    w = World.custom({("a", "b"): 40, ("b", "c"): 10, ("a", "c"): 45})
    assert w.rtt("b", "a") == 40 and w.rtt("c", "c") == 0 and w.one_way("a", "c") == 22.5


@pytest.mark.parametrize("make, words", [
    (lambda: world("us-east-1", "mars-1"), "unknown region 'mars-1'"),
    (lambda: World.custom({("a", "b"): -5}), ">= 0 ms"),
    (lambda: World(("a", "b"), {}, {}), "no round-trip time between 'a' and 'b'"),
    (lambda: World(("a", "a"), {}, {}), "distinct"),
    (lambda: World((), {}, {}), "at least one region"),
    (lambda: world("us-east-1", jitter=1.5), "jitter"),
])
def test_bad_worlds_are_refused_with_what_to_fix(make, words):
    with pytest.raises(ConfigError, match=words):
        make()


class _Echo(Node):
    def on_message(self, src, msg):
        if msg == "ping":
            self.send(src, "pong")


def test_wiring_gives_each_link_half_the_round_trip_with_jitter_and_fast_links_inside_a_region():
    w = world("us-east-1", "eu-west-1")
    sim = Simulation(seed=4)
    for n in ("a1", "a2", "b1"):
        sim.add_node(n, _Echo)
    w.wire(sim, {"a1": "us-east-1", "a2": "us-east-1", "b1": "eu-west-1"})
    cross = sim.net.link("a1", "b1").latency
    inside = sim.net.link("a1", "a2").latency
    assert 40.5 * 0.95 <= cross.mean <= 40.5 * 1.05 and inside.mean < 2
    with pytest.raises(ConfigError, match=r"in no region"):
        w.wire(sim, {"a1": "us-east-1"})
