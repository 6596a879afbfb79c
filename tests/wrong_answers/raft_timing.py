"""Right and plausible wrong answers to the timing design exercise of T06 (``06-design-timing``).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming the mistake; ``ALSO_RIGHT`` holds other correct answers the check must accept.
The deployments: one-zone (links 1-5 ms, broadcast time about 7 ms), three-zones (5-20 ms, about
28 ms), three-regions (20-60 ms, about 90 ms); see dsworkbook/grading/raft/design_timing.py.
"""

from __future__ import annotations

from typing import Any

from dsworkbook.consensus.raft import RaftConfig


def _c(heartbeat: float, low: float, high: float, **more: Any) -> dict[str, Any]:
    return {"heartbeat": heartbeat, "election_timeout": (low, high), **more}


ZONE, ZONES, REGIONS = _c(5, 20, 40), _c(10, 40, 80), _c(40, 200, 400)

RIGHT: dict[str, Any] = {
    "06-design-timing": {"one-zone": ZONE, "three-zones": ZONES, "three-regions": REGIONS},
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "06-design-timing": [
        # other ranges inside each window, PreVote on in one, and a RaftConfig given directly
        {"one-zone": _c(4, 15, 30), "three-zones": _c(15, 40, 80, prevote=True),
         "three-regions": RaftConfig(heartbeat=30.0, election_timeout=(160.0, 320.0))},
        # spreads of 1.5 instead of 2
        {"one-zone": _c(8, 30, 45), "three-zones": _c(20, 60, 90), "three-regions": _c(60, 250, 375)},
    ],
}

WRONG: dict[str, list[Any]] = {
    "06-design-timing": [
        # the regions' timeout below their broadcast time: candidates time out before a vote comes back
        {"one-zone": ZONE, "three-zones": ZONES, "three-regions": _c(10, 40, 80)},
        # the heartbeat equal to the lowest timeout (boundary): followers time out between heartbeats
        {"one-zone": ZONE, "three-zones": _c(50, 50, 100), "three-regions": REGIONS},
        # the heartbeat above the timeout
        {"one-zone": _c(20, 10, 20), "three-zones": ZONES, "three-regions": REGIONS},
        # no spread in one zone: the two survivors of a crash split the votes again and again
        {"one-zone": _c(5, 20, 20), "three-zones": ZONES, "three-regions": REGIONS},
        # no spread across regions
        {"one-zone": ZONE, "three-zones": ZONES, "three-regions": _c(40, 200, 200)},
        # a token spread (10 %) across regions: still within a broadcast time, still split votes
        {"one-zone": ZONE, "three-zones": ZONES, "three-regions": _c(40, 200, 220)},
        # the textbook 150-300 ms in one zone: safe, but each failover misses the 150 ms budget
        {"one-zone": _c(50, 150, 300), "three-zones": ZONES, "three-regions": REGIONS},
        # far too long across regions: the failover budget and the availability go with it
        {"one-zone": ZONE, "three-zones": ZONES, "three-regions": _c(150, 700, 1400)},
        # the one-zone answer copied to every deployment: below the broadcast time of the others
        {"one-zone": ZONE, "three-zones": ZONE, "three-regions": ZONE},
        # the regions' answer copied to every deployment: too slow a failover in one zone
        {"one-zone": REGIONS, "three-zones": REGIONS, "three-regions": REGIONS},
        # the middle answer copied everywhere: below the regions' broadcast time
        {"one-zone": ZONES, "three-zones": ZONES, "three-regions": ZONES},
        # exactly the regions' broadcast time (not above it: strict)
        {"one-zone": ZONE, "three-zones": ZONES, "three-regions": _c(20, 89.5, 179)},
        # seconds instead of milliseconds
        {"one-zone": _c(0.005, 0.02, 0.04), "three-zones": _c(0.01, 0.05, 0.1), "three-regions": _c(0.04, 0.2, 0.4)},
        # the range written (high, low)
        {"one-zone": ZONE, "three-zones": _c(10, 100, 50), "three-regions": REGIONS},
        # a deployment left out
        {"one-zone": ZONE, "three-zones": ZONES},
        # the range alone, without a heartbeat
        {"one-zone": (20, 40), "three-zones": (50, 100), "three-regions": (200, 400)},
    ],
}
