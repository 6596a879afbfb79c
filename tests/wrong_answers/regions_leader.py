"""Right and plausible wrong answers to the T14 single-leader exercises (14-read-router, 14-design-placement).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_regions_leader.py run every one of them.
"""

from __future__ import annotations

import dsworkbook as dw
from dsworkbook.regions.world import rtt

# -- 14-read-router ------------------------------------------------------------------------------------------


def _followers(replicas):
    return [r for r in replicas if not r.leader]


def _leader(replicas):
    return next((r for r in replicas if r.leader), None)


def route_read(session, replicas, client_region):
    need = max(session.last_write, session.last_read)
    fresh = [r for r in replicas if not r.leader and r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: (dw.regions.rtt(client_region, r.region), r.name)).name
    for r in replicas:
        if r.leader and r.healthy:
            return r.name
    return None


def route_read_sorted(session, replicas, client_region):
    """Right too: sort the followers by (distance, name) and take the first fresh one."""
    need = max(session)
    order = sorted(_followers(replicas), key=lambda r: (rtt(client_region, r.region), r.name))
    for r in order:
        if r.healthy and r.applied >= need:
            return r.name
    lead = _leader(replicas)
    return lead.name if lead is not None and lead.healthy else None


def _pick(fresh, region):
    return min(fresh, key=lambda r: (rtt(region, r.region), r.name)).name


def strict_position(session, replicas, client_region):
    # applied > need: a follower exactly at the session's position is wrongly taken for stale
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied > need]
    if fresh:
        return _pick(fresh, client_region)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def only_last_write(session, replicas, client_region):
    # read-your-writes only: forgets the last read position, so reads can go back in time
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= session.last_write]
    if fresh:
        return _pick(fresh, client_region)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def only_last_read(session, replicas, client_region):
    # monotonic reads only: forgets the session's own last write
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= session.last_read]
    if fresh:
        return _pick(fresh, client_region)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def min_of_positions(session, replicas, client_region):
    # min instead of max: fresh enough for one of the two guarantees only
    need = min(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        return _pick(fresh, client_region)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def leader_among_candidates(session, replicas, client_region):
    # the leader competes on distance with the followers: a near leader takes reads a fresh follower should serve
    need = max(session.last_write, session.last_read)
    fresh = [r for r in replicas if r.healthy and (r.leader or r.applied >= need)]
    return _pick(fresh, client_region) if fresh else None


def ignores_health(session, replicas, client_region):
    # routes to a crashed follower when it is the nearest fresh one
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.applied >= need]
    if fresh:
        return _pick(fresh, client_region)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def leader_even_if_unhealthy(session, replicas, client_region):
    # falls back to the leader without looking at its health (never None)
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    return _pick(fresh, client_region) if fresh else _leader(replicas).name


def first_in_list_on_ties(session, replicas, client_region):
    # ties in distance go to the first listed, not the smaller name
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: rtt(client_region, r.region)).name
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def freshest_not_nearest(session, replicas, client_region):
    # takes the most up-to-date follower instead of the nearest fresh-enough one
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: (-r.applied, r.name)).name
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def only_the_nearest_follower(session, replicas, client_region):
    # looks at the nearest healthy follower only: if it is stale, goes to the leader instead of the next nearest
    up = [r for r in _followers(replicas) if r.healthy]
    lead = _leader(replicas)
    if up:
        near = min(up, key=lambda r: (rtt(client_region, r.region), r.name))
        if near.applied >= max(session.last_write, session.last_read):
            return near.name
    return lead.name if lead.healthy else None


def freshest_follower_fallback(session, replicas, client_region):
    # with no fresh follower, reads the most up-to-date follower rather than the leader
    need = max(session.last_write, session.last_read)
    up = [r for r in _followers(replicas) if r.healthy]
    fresh = [r for r in up if r.applied >= need]
    if fresh:
        return _pick(fresh, client_region)
    if up:
        return max(up, key=lambda r: (r.applied, r.name)).name
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def distance_from_the_leader(session, replicas, client_region):
    # measures distance from the leader's region, not from the client
    need = max(session.last_write, session.last_read)
    lead = _leader(replicas)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        return _pick(fresh, lead.region)
    return lead.name if lead.healthy else None


def ties_by_larger_name(session, replicas, client_region):
    # ties broken toward the larger name
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        best = min(rtt(client_region, r.region) for r in fresh)
        return max(r.name for r in fresh if rtt(client_region, r.region) == best)
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def ties_by_set_order(session, replicas, client_region):
    # collects the fresh names in a set and takes the nearest: ties fall to the set's order, which moves
    # with the string hash from one Python process to the next
    need = max(session.last_write, session.last_read)
    regions = {r.name: r.region for r in _followers(replicas) if r.healthy and r.applied >= need}
    names = set(regions)
    if names:
        return min(names, key=lambda n: rtt(client_region, regions[n]))
    lead = _leader(replicas)
    return lead.name if lead.healthy else None


def returns_the_replica(session, replicas, client_region):
    # returns the replica itself instead of its name
    need = max(session.last_write, session.last_read)
    fresh = [r for r in _followers(replicas) if r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: (rtt(client_region, r.region), r.name))
    lead = _leader(replicas)
    return lead if lead.healthy else None


def leader_needs_fresh_position(session, replicas, client_region):
    # falls back to the leader only when its reported position covers the session: None for a stale view
    need = max(session.last_write, session.last_read)
    fresh = [r for r in replicas if not r.leader and r.healthy and r.applied >= need]
    if fresh:
        return min(fresh, key=lambda r: (rtt(client_region, r.region), r.name)).name
    return next((r.name for r in replicas if r.leader and r.healthy and r.applied >= need), None)


# -- 14-design-placement -------------------------------------------------------------------------------------

PLACEMENT = {"leader": "us-east-1", "followers": [("eu-west-1", "sync"), ("ap-northeast-1", "async")],
             "reads": "nearest", "timeout": 300}


def _with(**changes):
    return {**PLACEMENT, **changes}


RIGHT = {
    "14-read-router": route_read,
    "14-design-placement": PLACEMENT,
}

ALSO_RIGHT = {
    "14-read-router": [route_read_sorted],
    "14-design-placement": [
        # both followers semi-synchronous: the leader waits for the nearer (Dublin) one
        _with(followers=[("eu-west-1", "semi-sync"), ("ap-northeast-1", "semi-sync")]),
        # a sync follower in us-west-1 (a shorter round trip still), async ones for the reads
        _with(followers=[("us-west-1", "sync"), ("eu-west-1", "async"), ("ap-northeast-1", "async")]),
        # another timeout in the safe range
        _with(timeout=600),
    ],
}

WRONG = {
    "14-read-router": [
        strict_position,              # > instead of >=
        only_last_write,              # forgets the last read (monotonic reads)
        only_last_read,               # forgets the last write (read-your-writes)
        min_of_positions,             # min(last_write, last_read)
        leader_among_candidates,      # the leader competes on distance
        ignores_health,               # routes to an unhealthy follower
        leader_even_if_unhealthy,     # never None
        first_in_list_on_ties,        # ties by list order
        freshest_not_nearest,         # the freshest instead of the nearest
        only_the_nearest_follower,    # gives up after the nearest follower
        freshest_follower_fallback,   # a stale follower instead of the leader
        distance_from_the_leader,     # distance from the wrong place
        ties_by_larger_name,          # ties the wrong way
        ties_by_set_order,            # ties by the order of a set of strings
        returns_the_replica,          # the replica, not its name
        leader_needs_fresh_position,  # the leader only when its reported position covers the session
    ],
    "14-design-placement": [
        # every follower asynchronous: the leader's region takes the last writes with it
        _with(followers=[("eu-west-1", "async"), ("ap-northeast-1", "async")]),
        # synchronous to the farthest region: durable, but New York waits for Tokyo
        _with(followers=[("eu-west-1", "async"), ("ap-northeast-1", "sync")]),
        # synchronous to every follower: the slowest round trip on every write
        _with(followers=[("eu-west-1", "sync"), ("ap-northeast-1", "sync")]),
        # semi-synchronous on the far follower only: the wait is the far round trip
        _with(followers=[("eu-west-1", "async"), ("ap-northeast-1", "semi-sync")]),
        # the leader far from the main user base
        _with(leader="eu-west-1", followers=[("us-east-1", "semi-sync"), ("ap-northeast-1", "semi-sync")]),
        # the leader in a region with no users
        _with(leader="us-west-1", followers=[("us-east-1", "semi-sync"), ("eu-west-1", "semi-sync"),
                                             ("ap-northeast-1", "async")]),
        # the sync follower in the leader's own region: no copy in a second region when it fails
        _with(followers=[("us-east-1", "sync"), ("eu-west-1", "async"), ("ap-northeast-1", "async")]),
        # a timeout of two heartbeats: one lost heartbeat is a false failover on some seeds
        _with(timeout=100),
        # every read at the leader: Dublin and Tokyo read across an ocean
        _with(reads="leader"),
        # no replica in Tokyo
        _with(followers=[("eu-west-1", "sync")]),
        # a timeout just above the heartbeat interval: one lost heartbeat fails over
        _with(timeout=60),
        # a timeout below two heartbeat intervals
        _with(timeout=90),
        # a timeout so long that writes do not resume in time
        _with(timeout=3000),
    ],
}
