"""Exercise ``14-drill-route``: the seeds' multi-region router, with its fallbacks and weights fixed.

The learner writes ``route(policy, client, regions, u)`` with the rules of
:func:`dsworkbook.regions.routing.choose`; the check compares it with that reference on hand
cases (one per bug of the seeds' router), the weighted boundaries, ties, bad input, and seeded
random worlds of the ten regions; then once more in two worlds.
"""

from __future__ import annotations

import math
import random
from typing import Any, Callable

from dsworkbook.errors import ConfigError
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.regions.routing import POLICIES, Client, Endpoint, choose
from dsworkbook.regions.world import LOCATIONS, REGION_NAMES, world

SEED = 14
RANDOM = 600
RAISES = "raises ValueError"

HINT_GEO = ("geolocation: when the home region is missing or unhealthy, answer the healthy region with the smallest "
            "client.rtt (ties by name) - not the first region of the list")
HINT_ZERO = ("weighted: a region of weight 0 is never chosen - region i is chosen when cum[i-1] <= u * total < "
             "cum[i], so u = 0 goes to the first region of positive weight")
HINT_HALF = ("weighted: the rule is half-open, cum[i-1] <= u * total < cum[i]; a value exactly at cum[i] belongs to "
             "the next region of positive weight")
HINT_TOTAL = "weighted: when the healthy regions' weights total 0, raise ValueError instead of picking a region"
HINT_NEG = "weighted: a negative weight anywhere in the list is an error: raise ValueError"
HINT_HEALTHY = "only healthy regions count - in the total of the weights and as candidates"
HINT_TIE = "latency (and the geolocation fallback): equal client.rtt values are broken by region name, not list order"
HINT_POLICY = "an unknown policy is an error: raise ValueError (the seeds' router silently answered the first region)"
HINT_NONE = "when no region the policy may use is healthy, return None"
HINT_FAILOVER = ("failover: the first region of the list is the primary, the second the secondary; answer the primary "
                 "while healthy, else the secondary while healthy, else None - never a third region")
HINT_LATENCY = "latency: the healthy region with the smallest client.rtt"
HINT_ORDER = "weighted: accumulate the healthy weights in list order"
HINT_GENERAL = "compare with the rules of the statement, policy by policy"

CLIENT_D = Client("eu-west-1", {"us-east-1": 89.0, "eu-west-1": 8.0, "eu-central-1": 28.0, "ap-northeast-1": 220.0,
                                "sa-east-1": 199.0})
CLIENT_W = Client("e", {"a": 40.0, "b": 30.0, "c": 20.0, "d": 50.0, "z": 10.0})
E = Endpoint
W4 = [E("a", weight=1), E("b", weight=0), E("c", weight=2), E("d", weight=1)]
TIE = Client("x", {"b": 10.0, "a": 10.0, "c": 30.0})

#: (case, policy, client, regions, u, hint): one per bug of the seeds' router, then boundaries and ties
HAND: tuple[tuple[str, str, Client, list[Endpoint], float, str], ...] = (
    ("geolocation, home unhealthy, a far region first in the list", "geolocation", CLIENT_D,
     [E("ap-northeast-1"), E("eu-west-1", healthy=False), E("eu-central-1")], 0.0, HINT_GEO),
    ("geolocation, home absent", "geolocation", CLIENT_D, [E("sa-east-1"), E("us-east-1")], 0.0, HINT_GEO),
    ("geolocation, home healthy though another region is listed first", "geolocation", CLIENT_D,
     [E("eu-central-1"), E("eu-west-1")], 0.0, HINT_GEO),
    ("geolocation, home unhealthy, the nearest also unhealthy", "geolocation", CLIENT_D,
     [E("ap-northeast-1"), E("eu-west-1", healthy=False), E("eu-central-1", healthy=False), E("us-east-1")], 0.0,
     HINT_GEO),
    ("weighted, u = 0 with a zero weight first", "weighted", CLIENT_W, [E("z", weight=0), E("a", weight=3)], 0.0,
     HINT_ZERO),
    ("weighted, u at the boundary into a zero weight", "weighted", CLIENT_W, W4, 0.25, HINT_ZERO),
    ("weighted, u exactly at a boundary", "weighted", CLIENT_W, W4, 0.75, HINT_HALF),
    ("weighted, u = 0", "weighted", CLIENT_W, W4, 0.0, HINT_HALF),
    ("weighted, u just below 1", "weighted", CLIENT_W, W4, math.nextafter(1.0, 0.0), HINT_HALF),
    ("weighted, u just below 1 with a zero weight last", "weighted", CLIENT_W,
     [E("a", weight=1), E("b", weight=1), E("z", weight=0)], math.nextafter(1.0, 0.0), HINT_ZERO),
    ("weighted, every weight 0", "weighted", CLIENT_W, [E("a", weight=0), E("b", weight=0)], 0.5, HINT_TOTAL),
    ("weighted, the healthy weights total 0", "weighted", CLIENT_W,
     [E("a", weight=0), E("b", healthy=False, weight=4)], 0.5, HINT_TOTAL),
    ("weighted, a negative weight", "weighted", CLIENT_W, [E("a", weight=2), E("b", weight=-1), E("c", weight=2)],
     0.1, HINT_NEG),
    ("weighted, an unhealthy region with a large weight", "weighted", CLIENT_W,
     [E("a", weight=1), E("b", healthy=False, weight=6), E("c", weight=1)], 0.2, HINT_HEALTHY),
    ("weighted, weights not in sorted order", "weighted", CLIENT_W,
     [E("c", weight=1), E("a", weight=5), E("b", weight=2)], 0.1, HINT_ORDER),
    ("latency, a tie", "latency", TIE, [E("b"), E("a"), E("c")], 0.0, HINT_TIE),
    ("latency, the nearest region unhealthy", "latency", CLIENT_D,
     [E("eu-west-1", healthy=False), E("us-east-1"), E("eu-central-1")], 0.0, HINT_HEALTHY),
    ("geolocation fallback, a tie", "geolocation", Client("x", {"b": 10.0, "a": 10.0, "x": 1.0, "c": 30.0}),
     [E("c"), E("b"), E("x", healthy=False), E("a")], 0.0, HINT_TIE),
    ("an unknown policy", "nearest", CLIENT_D, [E("eu-west-1")], 0.0, HINT_POLICY),
    ("an unknown policy, nothing healthy", "round-robin", CLIENT_D, [E("eu-west-1", healthy=False)], 0.0,
     HINT_POLICY),
    ("latency, nothing healthy", "latency", CLIENT_D, [E("eu-west-1", healthy=False)], 0.0, HINT_NONE),
    ("geolocation, an empty list", "geolocation", CLIENT_D, [], 0.0, HINT_NONE),
    ("weighted, nothing healthy", "weighted", CLIENT_W, [E("a", healthy=False, weight=2)], 0.5, HINT_NONE),
    ("failover, primary healthy", "failover", CLIENT_D, [E("us-east-1"), E("eu-west-1")], 0.0, HINT_FAILOVER),
    ("failover, primary down", "failover", CLIENT_D, [E("us-east-1", healthy=False), E("eu-west-1")], 0.0,
     HINT_FAILOVER),
    ("failover, primary and secondary down, a third healthy", "failover", CLIENT_D,
     [E("us-east-1", healthy=False), E("eu-west-1", healthy=False), E("eu-central-1")], 0.0, HINT_FAILOVER),
    ("failover, only a primary, down", "failover", CLIENT_D, [E("us-east-1", healthy=False)], 0.0, HINT_FAILOVER),
)


def reference(policy: str, client: Client, regions: list[Endpoint], u: float) -> Any:
    try:
        return choose(policy, client, regions, u)
    except ConfigError:
        return RAISES


def outcome(fn: Callable[..., Any], policy: str, client: Client, regions: list[Endpoint], u: float) -> Any:
    """The answer's result, or RAISES when it raised ValueError (any other exception is a crash)."""
    try:
        return fn(policy, client, list(regions), u)
    except ValueError:
        return RAISES


def show(policy: str, client: Client, regions: list[Endpoint], u: float) -> str:
    eps = ", ".join(f"Endpoint({e.name!r}, healthy={e.healthy}, weight={e.weight:g})" for e in regions)
    rtts = ", ".join(f"{k!r}: {v:g}" for k, v in client.rtt.items())
    return f"route({policy!r}, Client(home={client.home!r}, rtt={{{rtts}}}), [{eps}], u={u!r})"


def _draw(rng: random.Random) -> tuple[str, Client, list[Endpoint], float]:
    """A random world: up to six of the ten regions, a client at a real location, random health and weights."""
    w = world()
    loc = rng.choice(sorted(LOCATIONS))
    names = rng.sample(REGION_NAMES, rng.randint(0, 6))
    rtt = {r: w.client_rtt(loc, r) for r in REGION_NAMES}
    if names and rng.random() < 0.2:  # a tie on purpose
        a, b = rng.sample(REGION_NAMES, 2)
        rtt[b] = rtt[a]
    client = Client(LOCATIONS[loc][0], rtt)
    weights = [rng.choice((0, 0, 1, 2, 3, 5, 10, 255)) for _ in names]
    if names and rng.random() < 0.05:
        weights[rng.randrange(len(names))] = -1
    regions = [Endpoint(n, rng.random() < 0.75, w_) for n, w_ in zip(names, weights)]
    policy = "closest" if rng.random() < 0.03 else rng.choice(POLICIES + ("geolocation", "weighted", "weighted"))
    healthy_total = sum(e.weight for e in regions if e.healthy and e.weight > 0)
    r = rng.random()
    if healthy_total and r < 0.3:  # exactly at a cumulative boundary
        cum, at = 0, []
        for e in regions:
            if e.healthy and e.weight > 0:
                cum += e.weight
                at.append(cum)
        u = rng.choice([0] + at[:-1]) / healthy_total
    elif r < 0.35:
        u = math.nextafter(1.0, 0.0)
    elif r < 0.4:
        u = 0.0
    else:
        u = rng.random()
    return policy, client, regions, u


def _hint_for(policy: str, client: Client, regions: list[Endpoint], want: Any, got: Any) -> str:
    if policy not in POLICIES:
        return HINT_POLICY
    if want is None:
        return HINT_NONE
    if want == RAISES:
        return HINT_NEG if any(e.weight < 0 for e in regions) else HINT_TOTAL
    if policy == "failover":
        return HINT_FAILOVER
    if policy == "weighted":
        zero = {e.name for e in regions if e.weight == 0}
        if got in zero:
            return HINT_ZERO
        if any(not e.healthy for e in regions):
            return HINT_HEALTHY + "; " + HINT_HALF
        return HINT_HALF
    byname = {e.name: e for e in regions}
    if isinstance(got, str) and got in byname and not byname[got].healthy:
        return HINT_HEALTHY
    if isinstance(got, str) and got in client.rtt and want in client.rtt and client.rtt[got] == client.rtt[want]:
        return HINT_TIE
    return HINT_GEO if policy == "geolocation" else HINT_LATENCY


def compare(fn: Callable[..., Any], case: str, policy: str, client: Client, regions: list[Endpoint], u: float,
            hint: str | None = None) -> None:
    want = reference(policy, client, regions, u)
    got = attempt(outcome, fn, policy, client, regions, u, input=show(policy, client, regions, u), case=case)
    if got != want:
        fail(case=case, input=show(policy, client, regions, u), expected=want, got=got,
             hint=hint or _hint_for(policy, client, regions, want, got))


@exercise("14-drill-route", title="Drill: the seeds' router with the right fallbacks and weights", theme="T14",
          concepts=("G01",), kind="drill", reference="dsworkbook.regions.routing.choose")
def grade_drill_route(route: Any) -> str:
    """``route(policy, client, regions, u)``: the region the policy answers, None when nothing it may use is
    healthy, ValueError for an unknown policy, a negative weight or healthy weights totalling 0.

    Hand cases: one per bug of the seeds' router (first-of-list geolocation fallback, zero
    weights chosen at u = 0 or through the fallback, a zero total answered, an unknown policy
    answered), the half-open boundaries u = cum[i] / total, u = 0 and u just below 1, ties by
    name, failover's primary and secondary; then 600 seeded random worlds (a third at a
    boundary); then a batch in two worlds.
    """
    need_callable(route, "function route(policy, client, regions, u)", allow_class=False)
    for case, policy, client, regions, u, hint in HAND:
        compare(route, case, policy, client, regions, u, hint)
    cases = list(random_cases(SEED, RANDOM, _draw))
    for case, (policy, client, regions, u) in cases:
        compare(route, case, policy, client, regions, u)
    batch = [c for _label, c in cases[:60]]
    same_everywhere(lambda: [outcome(route, *c) for c in batch], input=f"the first 60 random cases (seed {SEED})",
                    case="60 random cases in two worlds")
    return (f"{len(HAND)} hand cases (the seeds' fallbacks, zero weights, boundaries, ties, failover, bad input) and "
            f"{RANDOM} random worlds (seed {SEED}) agree with the rules; the same in two worlds")
