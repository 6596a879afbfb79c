"""Exercise ``14-read-router``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, in_simulation, need_callable, random_cases, same_everywhere
from dsworkbook.regions.leader_lag import follower_reads
from dsworkbook.regions.leader_reads import ReplicaView, Session, route_read
from dsworkbook.regions.world import REGION_NAMES, rtt

HINT_FORM = "return the name of one of the replicas (a string), or None when no replica may serve the read"
HINT_EQUAL = ("a follower whose applied position equals max(last_write, last_read) is fresh enough: compare with "
              ">=, not >")
HINT_WRITE = ("a follower that has not applied the session's last write (applied < last_write) would hide the "
              "session's own write: it is not fresh enough")
HINT_READ = ("a follower that has applied less than the session's last read (applied < last_read) would take the "
             "session back in time: it is not fresh enough")
HINT_STALE = "fresh enough means healthy and applied >= max(last_write, last_read)"
HINT_HEALTH = "skip replicas that are not healthy, followers and leader alike"
HINT_LEADER = "read from a follower whenever one is fresh enough; the leader only when none is"
HINT_FALLBACK = "when no follower is fresh enough, read from the leader (it has every acknowledged write)"
HINT_NONE = "when no follower is fresh enough and the leader is not healthy, return None"
HINT_NEAR = "among the fresh-enough followers take the nearest: the smallest dw.regions.rtt(client_region, region)"
HINT_TIE = "ties in round-trip time go to the smaller name in string order (\"r10\" < \"r9\")"


def _need(session: Session) -> int:
    return max(session.last_write, session.last_read)


def _hint(session: Session, replicas: list[ReplicaView], region: str, got: Any, want: str | None) -> str:
    by_name = {r.name: r for r in replicas}
    if got is not None and got not in by_name:
        return HINT_FORM
    need = _need(session)
    if got is None:
        return HINT_FALLBACK if want is not None and by_name[want].leader else HINT_STALE
    g = by_name[got]
    w = by_name[want] if want is not None else None
    if not g.healthy:
        return HINT_NONE if want is None and g.leader else HINT_HEALTH
    if w is not None and not w.leader and w.applied == need and got == route_read(Session(need + 1, 0), replicas,
                                                                                    region):
        return HINT_EQUAL  # what a strict comparison would choose
    if g.leader:
        return HINT_LEADER
    if g.applied < need:
        why = HINT_READ if g.applied >= session.last_write else HINT_WRITE if g.applied >= session.last_read \
            else HINT_STALE
        return why + ("; " + HINT_FALLBACK if w is not None and w.leader else "")
    if w is None or w.leader:  # pragma: no cover - a fresh healthy follower is never worse than the leader
        return HINT_LEADER
    if rtt(region, g.region) != rtt(region, w.region):
        return HINT_NEAR
    return HINT_TIE


def _show(session: Session, replicas: list[ReplicaView], region: str) -> dict[str, Any]:
    return {"session": session, "replicas": replicas, "client_region": region}


def _check(fn: Callable[..., Any], case: str, session: Session, replicas: list[ReplicaView], region: str) -> None:
    want = route_read(session, replicas, region)

    def call(session: Session, replicas: list[ReplicaView], region: str) -> Any:
        # names are salted per world (an answer must not lean on the order of a set of them); regions stay
        # plain strings so they can be looked up in the round-trip table
        plain = [r._replace(region=str.__str__(r.region)) for r in replicas]
        out = fn(session, plain, str.__str__(region))
        return str.__str__(out) if isinstance(out, str) else out

    shown = _show(session, replicas, region)
    got = same_everywhere(call, session, list(replicas), region, input=shown, case=case, salt_text=True)
    if got is not None and not isinstance(got, str):
        fail(case=case, input=shown, expected=want, got=got, hint=HINT_FORM)
    if got != want:
        fail(case=case, input=shown, expected=want, got=got, hint=_hint(session, replicas, region, got, want))


V = ReplicaView
S = Session
LEAD = V("lead", "us-east-1", 50, True, True)
HAND: list[tuple[str, Session, list[ReplicaView], str]] = [
    ("a new session: the nearest follower", S(0, 0),
     [LEAD, V("dub", "eu-west-1", 2, True), V("tok", "ap-northeast-1", 3, True)], "eu-west-1"),
    ("a new session and a follower that has applied nothing yet", S(0, 0),
     [LEAD, V("dub", "eu-west-1", 0, True), V("fra", "eu-central-1", 1, True)], "eu-west-1"),
    ("a follower exactly at the session's last write", S(7, 2),
     [LEAD, V("dub", "eu-west-1", 7, True), V("fra", "eu-central-1", 9, True)], "eu-west-1"),
    ("a follower exactly at the session's last read", S(2, 7),
     [LEAD, V("dub", "eu-west-1", 7, True)], "eu-west-1"),
    ("the nearest follower is behind the session's write", S(8, 3),
     [LEAD, V("dub", "eu-west-1", 5, True), V("fra", "eu-central-1", 9, True)], "eu-west-1"),
    ("the nearest follower is behind what the session read", S(3, 8),
     [LEAD, V("dub", "eu-west-1", 5, True), V("fra", "eu-central-1", 9, True)], "eu-west-1"),
    ("the nearest fresh follower is not healthy", S(4, 4),
     [LEAD, V("dub", "eu-west-1", 9, False), V("fra", "eu-central-1", 9, True)], "eu-west-1"),
    ("the leader is nearer than the only fresh follower", S(6, 0),
     [LEAD, V("ore", "us-west-2", 8, True), V("nyc", "us-east-1", 2, True)], "us-east-1"),
    ("no follower is fresh enough", S(9, 4),
     [V("dub", "eu-west-1", 8, True), LEAD, V("tok", "ap-northeast-1", 3, True)], "eu-west-1"),
    ("no follower is fresh enough and the leader is not healthy", S(9, 4),
     [V("dub", "eu-west-1", 8, True), LEAD._replace(healthy=False)], "eu-west-1"),
    ("the leader is not healthy but a follower is fresh", S(3, 3),
     [LEAD._replace(healthy=False), V("tok", "ap-northeast-1", 3, True)], "eu-west-1"),
    ("no followers at all", S(0, 0), [LEAD], "ap-southeast-2"),
    ("two fresh followers in one region (names r10 and r9)", S(1, 1),
     [LEAD, V("r9", "eu-west-1", 4, True), V("r10", "eu-west-1", 4, True)], "eu-west-1"),
    ("a fresher follower farther away", S(2, 0),
     [LEAD, V("dub", "eu-west-1", 2, True), V("fra", "eu-central-1", 40, True)], "eu-west-1"),
    ("the listed order is not the order of distance", S(0, 0),
     [V("syd", "ap-southeast-2", 5, True), V("sgp", "ap-southeast-1", 5, True), LEAD, V("tok", "ap-northeast-1", 5, True)],
     "ap-northeast-2"),
    ("the leader's reported position is behind the session's (a stale view): the leader still", S(6, 0),
     [LEAD._replace(applied=5), V("dub", "eu-west-1", 4, True)], "eu-west-1"),
    ("only unhealthy followers", S(0, 0),
     [V("dub", "eu-west-1", 9, False), LEAD, V("fra", "eu-central-1", 9, False)], "eu-west-1"),
]


def draw(rng: random.Random) -> tuple[Session, list[ReplicaView], str]:
    regions = rng.sample(REGION_NAMES, rng.randint(1, 4))
    names = rng.sample([f"r{i}" for i in range(1, 13)] + ["a", "b", "eu-2", "eu-10"], rng.randint(0, 7))
    top = rng.choice((3, 10, 40))
    followers = [V(n, rng.choice(regions), rng.randint(0, top), rng.random() < 0.8) for n in names]
    last_write, last_read = rng.randint(0, top) * (rng.random() < 0.8), rng.randint(0, top) * (rng.random() < 0.7)
    applied = max([last_write, last_read] + [f.applied for f in followers])
    leader = V("leader", rng.choice(REGION_NAMES), applied, rng.random() < 0.85, True)
    if rng.random() < 0.2:  # the view of the leader's position is stale: it leads whatever the number says
        leader = leader._replace(applied=rng.randint(0, applied))
    replicas = followers + [leader]
    rng.shuffle(replicas)
    return S(last_write, last_read), replicas, rng.choice(REGION_NAMES)


SCENARIO_SEEDS = (1, 2)


def _scenario(fn: Callable[..., Any]) -> str:
    """The library's follower-read run with the answer as the read router: no session anomaly."""
    reads = 0
    for seed in SCENARIO_SEEDS:
        where = f"the follower-read run, seed {seed}"
        with in_simulation(case=where, input="clients in us-east-1 and eu-west-1 write and read keys a and b; "
                                             "followers us-east-1b (slow), us-east-1c, eu-west-1"):
            _, found = follower_reads(seed, router=fn)
        for verdict in (found.ryw, found.mr):
            if verdict.ok is False:
                fail(case=where, input="reads routed by your function", expected=f"no {verdict.level} violation",
                     got=verdict.reason, hint=HINT_STALE)
        reads += found.reads
    return f"{reads} reads in {len(SCENARIO_SEEDS)} follower-read runs with no read-your-writes or monotonic-read violation"


@exercise("14-read-router", title="A read router for read-your-writes and monotonic reads", theme="T14",
          concepts=("G04",), reference="dsworkbook.regions.leader_reads.route_read")
def grade_read_router(fn: Any) -> str:
    """``fn(session, replicas, client_region)``: the replica a session's read goes to, or None.

    A follower is fresh enough when healthy and ``applied >= max(last_write, last_read)``; the
    nearest fresh-enough follower by ``rtt(client_region, region)`` wins, ties by the smaller name;
    with none, the leader if healthy, else None. Hand cases (boundaries, ties, health, the
    leader's place), 500 random cases over the ten regions in two worlds with salted names, then
    the library's follower-read run with the answer as its router, judged by the session checkers.
    """
    need_callable(fn, "function route_read(session, replicas, client_region)")
    for case, session, replicas, region in HAND:
        _check(fn, case, session, replicas, region)
    for case, (session, replicas, region) in random_cases(14, 500, draw):
        _check(fn, case, session, replicas, region)
    ran = _scenario(fn)
    return f"{len(HAND)} hand cases and 500 random cases as the reference routes them; {ran}"
