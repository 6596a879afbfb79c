"""Routing policies (dsworkbook.regions.routing), one test per rule of the module's docstring.

The rules are modelled on the Amazon Route 53 Developer Guide's latency, geolocation, weighted
and failover routing; the seeds' router is the foil (first-of-list fallbacks, zero weights chosen).
"""

from __future__ import annotations

import math
import random

import pytest

from dsworkbook.errors import ConfigError
from dsworkbook.regions.routing import (Client, Endpoint, HealthStatus, choose, client_of, endpoints, route,
                                        route_table)
from dsworkbook.regions.world import world

E = Endpoint
DUBLIN = Client("eu-west-1", {"us-east-1": 89.0, "eu-west-1": 8.0, "eu-central-1": 28.0, "ap-northeast-1": 220.0})


# -- latency -------------------------------------------------------------------------------------------


def test_latency_picks_the_healthy_region_with_the_smallest_rtt():
    regions = [E("us-east-1"), E("eu-west-1", healthy=False), E("eu-central-1")]
    assert choose("latency", DUBLIN, regions) == "eu-central-1"


def test_latency_breaks_ties_by_region_name_not_list_order():
    client = Client("x", {"b": 10.0, "a": 10.0, "c": 5.0})
    assert choose("latency", client, [E("b"), E("a"), E("c", healthy=False)]) == "a"


# -- geolocation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("regions, want", [
    # home healthy: home, even when another region is nearer
    ([E("us-east-1"), E("eu-west-1")], "eu-west-1"),
    # home unhealthy: the nearest healthy, not the first of the list (the seeds' regions[0])
    ([E("us-east-1"), E("eu-west-1", healthy=False), E("eu-central-1")], "eu-central-1"),
    # home absent: the nearest healthy
    ([E("ap-northeast-1"), E("us-east-1")], "us-east-1"),
    # nothing healthy: no answer
    ([E("eu-west-1", healthy=False)], None),
])
def test_geolocation_falls_back_to_the_nearest_healthy_region(regions, want):
    assert choose("geolocation", DUBLIN, regions) == want


def test_geolocation_home_wins_even_when_another_region_is_nearer():
    client = Client("far", {"far": 100.0, "near": 1.0})
    assert choose("geolocation", client, [E("near"), E("far")]) == "far"


# -- weighted -----------------------------------------------------------------------------------------------


W = [E("a", weight=1), E("b", weight=0), E("c", weight=2), E("d", weight=1)]  # cum 1, 1, 3, 4 of total 4


@pytest.mark.parametrize("u, want", [
    (0.0, "a"), (0.2499, "a"),                   # [0, 1)
    (0.25, "c"),                                 # b has weight 0: the boundary goes to c, never b
    (0.74, "c"), (0.75, "d"),                    # half-open: cum[i-1] <= u * total < cum[i]
    (math.nextafter(1.0, 0.0), "d"),             # just below 1: the last region of positive weight
])
def test_weighted_maps_u_onto_cumulative_healthy_weights_half_open(u, want):
    assert choose("weighted", DUBLIN, W, u) == want


def test_a_zero_weight_region_first_in_the_list_is_not_chosen_at_u_zero():
    assert choose("weighted", DUBLIN, [E("z", weight=0), E("a", weight=3)], 0.0) == "a"


def test_weighted_leaves_out_unhealthy_regions_from_the_total():
    regions = [E("a", weight=1), E("b", healthy=False, weight=100), E("c", weight=1)]
    assert choose("weighted", DUBLIN, regions, 0.5) == "c"


def test_weighted_frequencies_follow_the_weights():
    rng = random.Random(3)
    picks = [choose("weighted", DUBLIN, W, rng.random()) for _ in range(20_000)]
    assert picks.count("b") == 0
    for name, share in (("a", 0.25), ("c", 0.5), ("d", 0.25)):
        assert abs(picks.count(name) / len(picks) - share) < 0.02


@pytest.mark.parametrize("regions, u, match", [
    ([E("a", weight=0), E("b", weight=0)], 0.3, "total 0"),            # all zero
    ([E("a", weight=0), E("b", healthy=False, weight=5)], 0.3, "total 0"),  # the healthy ones all zero
    ([E("a", weight=-1), E("b", weight=3)], 0.3, "weights are >= 0"),  # negative
    ([E("a", weight=float("nan"))], 0.3, "finite"),
    ([E("a")], 1.0, r"\[0, 1\)"),                                       # u out of range
    ([E("a")], -0.1, r"\[0, 1\)"),
])
def test_bad_weights_or_u_are_config_errors(regions, u, match):
    with pytest.raises(ConfigError, match=match):
        choose("weighted", DUBLIN, regions, u)


def test_weighted_with_no_healthy_region_is_no_answer():
    assert choose("weighted", DUBLIN, [E("a", healthy=False)], 0.5) is None


# -- failover -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("health, want", [
    ((True, True, True), "p"), ((False, True, True), "s"),
    ((False, False, True), None),   # a third region is never a failover target
    ((True, False, False), "p"),
])
def test_failover_is_primary_while_healthy_else_secondary(health, want):
    regions = [E(n, healthy=h) for n, h in zip("psx", health)]
    assert choose("failover", DUBLIN, regions) == want


# -- every policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["latency", "geolocation", "weighted", "failover"])
def test_no_healthy_region_at_all_is_no_answer(policy):
    assert choose(policy, DUBLIN, [E("eu-west-1", healthy=False), E("us-east-1", healthy=False)], 0.5) is None
    assert choose(policy, DUBLIN, [], 0.5) is None


@pytest.mark.parametrize("policy, regions, client, match", [
    ("nearest", [E("a")], DUBLIN, "unknown routing policy"),
    ("latency", [E("a"), E("a")], DUBLIN, "listed twice"),
    ("latency", [E("mars")], DUBLIN, "no round-trip time"),
])
def test_bad_input_is_a_config_error(policy, regions, client, match):
    with pytest.raises(ConfigError, match=match):
        choose(policy, client, regions)


# -- on a world -------------------------------------------------------------------------------------------------


def test_route_uses_the_worlds_client_rtts():
    w = world("us-east-1", "eu-west-1", "ap-northeast-1")
    assert client_of(w, "berlin").rtt["eu-west-1"] == 10.0 + 20.0
    assert route(w, "latency", "berlin") == "eu-west-1"
    assert route(w, "geolocation", "berlin", endpoints(w, down=["eu-west-1"])) == "us-east-1"


def test_route_weighted_needs_u_or_a_seeded_rng_and_is_reproducible():
    w = world("us-east-1", "eu-west-1")
    with pytest.raises(ConfigError, match="rng"):
        route(w, "weighted", "dublin")
    assert route_table(w, "weighted", seed=4) == route_table(w, "weighted", seed=4)
    assert set(route_table(w, "weighted", endpoints(w, weights={"us-east-1": 0}), seed=4).values()) == {"eu-west-1"}


def test_route_rejects_unknown_locations_and_regions():
    w = world("us-east-1", "eu-west-1")
    with pytest.raises(ConfigError, match="unknown location"):
        route(w, "latency", "atlantis")
    with pytest.raises(ConfigError, match="unknown region"):
        endpoints(w, down=["ap-northeast-1"])


# -- health status --------------------------------------------------------------------------------------------


def test_a_region_is_marked_unhealthy_after_threshold_consecutive_failures_and_back_after_as_many_successes():
    h = HealthStatus(3)
    flips = [h.observe(ok) for ok in (False, False, True, False, False, False, True, True, False, True, True, True)]
    assert flips == [False, False, False, False, False, True, False, False, False, False, False, True]
    assert h.healthy


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_a_threshold_below_one_or_not_whole_is_a_config_error(bad):
    with pytest.raises(ConfigError):
        HealthStatus(bad)
