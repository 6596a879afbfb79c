"""Right and plausible wrong answers to the T14 routing exercises (14-drill-route, 14-predict-failover).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming its mistake; ``ALSO_RIGHT`` holds other correct answers.
"""

from __future__ import annotations

from typing import Any

from tests.wrong_answers import Answer

RIGHT: dict[str, Any] = {}
WRONG: dict[str, list[Any]] = {}
ALSO_RIGHT: dict[str, list[Any]] = {}

# -- 14-drill-route -------------------------------------------------------------------------------------------


def route_right(policy, client, regions, u):
    if policy not in ("latency", "geolocation", "weighted", "failover"):
        raise ValueError(f"unknown policy {policy!r}")
    if policy == "failover":
        for r in regions[:2]:
            if r.healthy:
                return r.name
        return None
    if policy == "weighted" and any(r.weight < 0 for r in regions):
        raise ValueError("negative weight")
    healthy = [r for r in regions if r.healthy]
    if not healthy:
        return None
    if policy == "geolocation" and any(r.name == client.home for r in healthy):
        return client.home
    if policy in ("latency", "geolocation"):
        return min(healthy, key=lambda r: (client.rtt[r.name], r.name)).name
    total = sum(r.weight for r in healthy)
    if total == 0:
        raise ValueError("the healthy weights total 0")
    x, cum = u * total, 0
    for r in healthy:
        cum += r.weight
        if x < cum:
            return r.name
    return [r for r in healthy if r.weight > 0][-1].name


def route_right_sorted_then_bisect(policy, client, regions, u):
    """Also right: cumulative list and bisect_right (a value at cum[i] goes to the next region)."""
    import bisect

    if policy == "weighted":
        if any(r.weight < 0 for r in regions):
            raise ValueError("negative weight")
        healthy = [r for r in regions if r.healthy]
        if not healthy:
            return None
        cums, names, c = [], [], 0
        for r in healthy:
            if r.weight > 0:
                c += r.weight
                cums.append(c)
                names.append(r.name)
        if not cums:
            raise ValueError("zero total")
        return names[min(bisect.bisect_right(cums, u * c), len(names) - 1)]
    return route_right(policy, client, regions, u)


def _but(**changes):
    """route_right with some policies replaced."""
    def answer(policy, client, regions, u):
        if policy in changes:
            return changes[policy](client, regions, u)
        return route_right(policy, client, regions, u)
    return answer


def _geo_first_of_list(client, regions, u):
    # the seeds' fallback: regions[0] of the healthy ones when home is missing or unhealthy
    healthy = [r for r in regions if r.healthy]
    if not healthy:
        return None
    return next((r.name for r in healthy if r.name == client.home), healthy[0].name)


def _geo_nearest_ignoring_health(client, regions, u):
    # checks the home's health but falls back to the nearest region whether or not it is healthy
    if any(r.name == client.home and r.healthy for r in regions):
        return client.home
    if not any(r.healthy for r in regions):
        return None
    return min(regions, key=lambda r: (client.rtt[r.name], r.name)).name


def _geo_home_even_if_unhealthy(client, regions, u):
    # answers the home region whenever it is listed, healthy or not
    if any(r.name == client.home for r in regions) and any(r.healthy for r in regions):
        return client.home
    return route_right("latency", client, regions, u)


def _weighted_seed_subtract(client, regions, u):
    # the seeds' loop: subtract weights and stop at remainder <= 0 (u = 0 picks a zero weight; boundaries shift)
    healthy = [r for r in regions if r.healthy]
    if not healthy:
        return None
    if any(r.weight < 0 for r in regions):
        raise ValueError("negative")
    total = sum(r.weight for r in healthy)
    if total == 0:
        raise ValueError("zero")
    x = u * total
    for r in healthy:
        x -= r.weight
        if x <= 0:
            return r.name
    return healthy[0].name


def _weighted_closed_right(client, regions, u):
    # cum[i-1] < x <= cum[i]: boundaries go to the left region (and u = 0 to a leading zero weight)
    healthy = [r for r in regions if r.healthy]
    if any(r.weight < 0 for r in regions):
        raise ValueError("negative")
    if not healthy:
        return None
    total = sum(r.weight for r in healthy)
    if total == 0:
        raise ValueError("zero")
    x, cum = u * total, 0
    for r in healthy:
        cum += r.weight
        if x <= cum:
            return r.name
    return healthy[-1].name


def _weighted_zero_total_first(client, regions, u):
    # the seeds' fallback: a zero total answers the first healthy region instead of raising
    healthy = [r for r in regions if r.healthy]
    if healthy and sum(r.weight for r in healthy) == 0 and not any(r.weight < 0 for r in regions):
        return healthy[0].name
    return route_right("weighted", client, regions, u)


def _weighted_total_of_all(client, regions, u):
    # draws over every region's weight, then walks on to the next healthy one when an unhealthy one is hit
    if any(r.weight < 0 for r in regions):
        raise ValueError("negative")
    healthy = [r for r in regions if r.healthy]
    if not healthy:
        return None
    if sum(r.weight for r in healthy) == 0:
        raise ValueError("zero")
    total = sum(r.weight for r in regions)
    x, cum = u * total, 0
    for i, r in enumerate(regions):
        cum += r.weight
        if x < cum:
            for s in regions[i:] + regions[:i]:
                if s.healthy and s.weight > 0:
                    return s.name
    return [r for r in healthy if r.weight > 0][-1].name


def _weighted_negative_as_zero(client, regions, u):
    # negative weights clamped to 0 instead of rejected
    import dataclasses

    return route_right("weighted", client, [dataclasses.replace(r, weight=max(r.weight, 0)) for r in regions], u)


def _weighted_by_weight_desc(client, regions, u):
    # accumulates the heaviest regions first instead of in list order
    return route_right("weighted", client, sorted(regions, key=lambda r: -r.weight), u)


def _latency_list_order_ties(client, regions, u):
    # the seeds' strict `<` scan: ties go to the first in the list, not to the name that sorts first
    best, low = None, float("inf")
    for r in regions:
        if r.healthy and client.rtt[r.name] < low:
            best, low = r.name, client.rtt[r.name]
    return best


def _latency_ignores_health(client, regions, u):
    # forgets to filter unhealthy regions
    if not any(r.healthy for r in regions):
        return None
    return min(regions, key=lambda r: (client.rtt[r.name], r.name)).name


def _failover_any_healthy(client, regions, u):
    # fails over down the whole list: a third region is answered when primary and secondary are down
    return next((r.name for r in regions if r.healthy), None)


def route_unknown_policy_first(policy, client, regions, u):
    # the seeds' default branch: an unknown policy answers the first healthy region
    if policy not in ("latency", "geolocation", "weighted", "failover"):
        return next((r.name for r in regions if r.healthy), None)
    return route_right(policy, client, regions, u)


def route_raises_when_none(policy, client, regions, u):
    # no healthy region raises (like the seeds' route) instead of returning None
    result = route_right(policy, client, regions, u)
    if result is None:
        raise ValueError("No healthy regions available")
    return result


def route_global_random(policy, client, regions, u):
    # ignores u and draws from the global random module, as the seeds' Math.random()
    import random

    return route_right(policy, client, regions, random.random() if policy == "weighted" else u)


RIGHT["14-drill-route"] = route_right
ALSO_RIGHT["14-drill-route"] = [route_right_sorted_then_bisect]
WRONG["14-drill-route"] = [
    _but(geolocation=_geo_first_of_list),            # the seeds' regions[0] fallback
    _but(geolocation=_geo_nearest_ignoring_health),  # fallback to the nearest even when it is down
    _but(geolocation=_geo_home_even_if_unhealthy),   # home answered while unhealthy
    _but(weighted=_weighted_seed_subtract),          # the seeds' `remainder <= 0` loop
    _but(weighted=_weighted_closed_right),           # x <= cum[i]: boundaries on the wrong side
    _but(weighted=_weighted_zero_total_first),       # the seeds' zero total answered with the first region
    _but(weighted=_weighted_total_of_all),           # unhealthy weights left in the total
    _but(weighted=_weighted_negative_as_zero),       # negative weights accepted as 0
    _but(weighted=_weighted_by_weight_desc),         # heaviest first, not list order
    _but(latency=_latency_list_order_ties),          # ties by list order
    _but(latency=_latency_ignores_health),           # unhealthy regions considered
    _but(failover=_failover_any_healthy),            # fails over to a third region
    route_unknown_policy_first,                      # unknown policy silently answered
    route_raises_when_none,                          # no healthy region raises instead of None
    route_global_random,                             # u ignored, global random used
]

# -- 14-predict-failover ------------------------------------------------------------------------------------

_ORDER = ["Y", "X", "W", "Z"]
RIGHT["14-predict-failover"] = Answer(list(_ORDER), why="a")
ALSO_RIGHT["14-predict-failover"] = [Answer(tuple(_ORDER), why=" (A) ")]
WRONG["14-predict-failover"] = [
    Answer(["W", "Y", "X", "Z"], why="b"),  # by interval x threshold alone: detection dominates
    Answer(["X", "Y", "Z", "W"], why="c"),  # by TTL alone: a short TTL is enough
    Answer(["X", "Y", "W", "Z"], why="c"),  # the shortest TTL first, the rest right
    Answer(["Y", "W", "X", "Z"], why="a"),  # W's one-probe detection thought to beat X's short TTL
    Answer(["Y", "X", "Z", "W"], why="a"),  # W's long TTL thought to outweigh Z's five slow probes
    Answer(["Z", "W", "X", "Y"], why="a"),  # the order reversed (slowest first)
    Answer(list(_ORDER), why="b"),          # the right order, detection alone as the reason
    Answer(list(_ORDER), why="c"),          # the right order, the TTL alone as the reason
    Answer(list(_ORDER), why="d"),          # the right order, "clients switch at once" as the reason
    Answer(["Y", "X", "W"], why="a"),       # a configuration left out
    Answer(["Y", "Y", "W", "Z"], why="a"),  # a name twice
    Answer({"Y": 1, "X": 2, "W": 3, "Z": 4}, why="a"),  # ranks in a dict, not a list
    Answer(list(_ORDER), why="e"),          # not one of the listed reasons
]
