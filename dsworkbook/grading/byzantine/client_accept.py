"""Exercise ``08-client-accept``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.consensus.pbft.crypto import Keyring
from dsworkbook.consensus.pbft.messages import Reply, Signed
from dsworkbook.grading.byzantine.common import forge, keyring, show_all, tamper
from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere

RANDOM_SEED = 84
Query = tuple[str, int, int]  # client, timestamp, f


def _rule(replies: list[Signed], keys: Keyring, client: str, timestamp: int, f: int, *, verify: bool = True,
          distinct: bool = True, match_ts: bool = True, match_client: bool = True, need: int | None = None
          ) -> tuple[bool, Any]:
    """The client's rule (Castro and Liskov §4.1) with each condition switchable (for hints)."""
    need = f + 1 if need is None else need
    voters: dict[str, list[str]] = {}
    for s in replies:
        r = s.body
        if type(r) is not Reply or (verify and not keys.verify(s)) or (match_ts and r.timestamp != timestamp) \
                or (match_client and r.client != client):
            continue
        key = repr(r.result)
        voters.setdefault(key, []).append(r.replica)
        if len(set(voters[key]) if distinct else voters[key]) >= need:
            return True, r.result
    return False, None


def reference(replies: list[Signed], keys: Keyring, client: str, timestamp: int, f: int) -> tuple[bool, Any]:
    """(True, result) once f+1 distinct replicas sent a verified reply with one result, in arrival order."""
    return _rule(replies, keys, client, timestamp, f)


RELAXED: list[tuple[dict[str, Any], str]] = [
    ({"need": 1}, "a single reply proves nothing: a traitor can answer first, and with anything - wait for f+1 "
                  "matching replies"),
    ({"distinct": False}, "count replicas, not replies: a replica that re-sent its reply (or a replay) is one vote"),
    ({"verify": False}, "drop every reply whose signature does not verify (keys.verify): a traitor can put an "
                        "honest replica's name on a reply"),
    ({"match_ts": False}, "count only replies with this request's timestamp: an old request's replies answer "
                          "another operation"),
    ({"match_client": False}, "count only replies addressed to this client"),
]
GENERIC = ("accept a result as soon as f+1 distinct replicas sent verified replies with this client, this "
           "timestamp and that same result - f+1 is enough (one of them is honest) and more would stall the "
           "client when f replicas are silent")


def hint_for(got: Any, replies: list[Signed], keys: Keyring, query: Query) -> str:
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], bool)):
        return "return a pair (accepted, result): (True, the result) or (False, None)"
    for relax, hint in RELAXED:
        if _rule(replies, keys, *query, **relax) == got:
            return hint
    f = query[2]
    for need, what in ((2 * f + 1, "2f+1"), (f, "f"), (f + 2, "f+2")):
        if _rule(replies, keys, *query, need=need) == got:
            return f"f+1 matching replies are enough, not {what}: " + GENERIC
    return GENERIC


def _draw(rng: random.Random) -> tuple[list[Signed], Query]:
    keys = keyring()
    f = rng.choice((1, 1, 1, 2, 2, 3, 5, 30))
    n = 3 * f + 1
    client = rng.choice(("c1", "c2"))
    other = "c2" if client == "c1" else "c1"
    ts = rng.randrange(1, 12)
    replicas = [f"r{i}" for i in range(n)]
    traitors = set(rng.sample(replicas, rng.randrange(0, f + 1)))
    truth = rng.choice((None, 0, 1, "v1", ("ok", 3), "x-7"))
    lie = rng.choice((("lie", "r?"), "v2", 2, None if truth is not None else "n"))
    out: list[Signed] = []
    arrive = rng.sample(replicas, rng.randrange(0, n + 1))
    for r in arrive:
        if r in traitors:
            out.append(keys.sign(r, Reply(0, ts, client, r, lie)))
        else:
            out.append(keys.sign(r, Reply(rng.choice((0, 0, 1)), ts, client, r, truth)))
    for _ in range(rng.choice((0, 1, 2, 4, 8))):
        kind = rng.randrange(7)
        r = rng.choice(replicas)
        t = rng.choice(sorted(traitors)) if traitors else r
        if kind == 0 and out:
            out.append(rng.choice(out))  # a duplicate or a replay of a reply that arrived
        elif kind == 1:
            out.append(keys.sign(t, Reply(0, ts, client, t, lie)) if traitors else keys.sign(r, Reply(0, ts, client, r,
                                                                                                        truth)))
        elif kind == 2:
            out.append(forge(keys, t, Reply(0, ts, client, r if r != t else next(x for x in replicas if x != t), lie)))
        elif kind == 3:
            honest = keys.sign(r, Reply(0, ts, client, r, ("tampered", r)))
            out.append(tamper(honest, Reply(0, ts, client, r, lie)))
        elif kind == 4:
            old = ts - rng.randrange(1, 3)
            out.append(keys.sign(r, Reply(0, old, client, r, ("old", old)) if r not in traitors else
                                 Reply(0, old, client, r, lie)))
        elif kind == 5:
            out.append(keys.sign(r, Reply(0, ts, other, r, lie if r in traitors else ("for", other))))
        else:
            out.append(keys.sign(t, Reply(0, ts, client, t, lie)))
    if rng.random() < 0.6:
        liars = [s for s in out if s.body.replica in traitors or not keys.verify(s)]
        rest = [s for s in out if s not in liars]
        rng.shuffle(rest)
        out = liars + rest  # the traitors answer first
    else:
        rng.shuffle(out)
    return out, (client, ts, f)


def _hand() -> list[tuple[str, list[Signed], Query]]:
    k = keyring()

    def rep(r: str, result: Any, ts: int = 3, client: str = "c1") -> Signed:
        return k.sign(r, Reply(0, ts, client, r, result))

    q = ("c1", 3, 1)
    return [
        ("a traitor answers first, then two honest replicas", [rep("r2", "lie"), rep("r0", 7), rep("r1", 7)], q),
        ("one honest reply, sent twice", [rep("r0", 7), rep("r0", 7)], q),
        ("a traitor's reply twice", [rep("r3", "lie"), rep("r3", "lie"), rep("r0", 7)], q),
        ("two matching replies: f+1 = 2 is enough", [rep("r1", 7), rep("r3", 7)], q),
        ("one reply", [rep("r1", 7)], q),
        ("no reply", [], q),
        ("a reply forged in r1's name", [rep("r0", "lie"), forge(k, "r0", Reply(0, 3, "c1", "r1", "lie")), rep("r2", 7)],
         q),
        ("an honest reply with its result changed", [rep("r2", "lie"),
                                                    tamper(rep("r1", 7), Reply(0, 3, "c1", "r1", "lie")), rep("r3", 7)],
         q),
        ("replies to the previous request (timestamp 2)", [rep("r0", 5, ts=2), rep("r1", 5, ts=2), rep("r2", 7)], q),
        ("replies addressed to c2", [rep("r0", 5, client="c2"), rep("r1", 5, client="c2"), rep("r2", 7)], q),
        ("the result is None (a get of a missing key)", [rep("r0", None), rep("r2", None)], q),
        ("f = 2: three matching among five", [rep("r4", "lie"), rep("r5", "lie"), rep("r0", 1), rep("r1", 1),
                                              rep("r6", 1)], ("c1", 3, 2)),
        ("f = 2: two matching are not enough", [rep("r0", 1), rep("r1", 1), rep("r4", "lie")], ("c1", 3, 2)),
        ("equal results built separately", [rep("r0", ("ok", 3)), rep("r1", tuple(["ok", 3]))], q),
        ("equal large numbers built separately", [rep("r2", 10**20), rep("r3", int("1" + "0" * 20))], q),
        ("replies to a later request (timestamp 4)", [rep("r0", 7, ts=4), rep("r1", 7, ts=4), rep("r2", 7)], q),
        ("two results each reach f+1: the first to get there wins",
         [rep("r2", "x"), rep("r0", 7), rep("r1", 7), rep("r3", "x")], q),
    ]


@exercise("08-client-accept", title="A client that accepts only what an honest replica said", theme="T08",
          concepts=("B01", "B04"), reference="dsworkbook.consensus.pbft.client.Client.on_message")
def grade_client_accept(accepted_result: Any) -> str:
    """A function ``accepted_result(replies, keys, client, timestamp, f)``: scanning the signed
    replies in arrival order, ``(True, result)`` as soon as f+1 distinct replicas sent verified
    replies to ``client`` with ``timestamp`` and that same result; ``(False, None)`` if none does.

    Checked on hand-made arrivals (a traitor first, a reply twice, exactly f+1, a forged and a
    tampered reply, an old timestamp, another client, a None result) and 500 random arrivals with
    up to f traitors answering first, f from 1 to 30, and in two worlds.
    """
    need_callable(accepted_result, "function accepted_result(replies, keys, client, timestamp, f)", allow_class=False)
    keys = keyring()
    hand = _hand()
    cases = hand + [(c, r, q) for c, (r, q) in random_cases(RANDOM_SEED, 500, _draw)]
    for case, replies, query in cases:
        client, ts, f = query
        shown = f"client={client!r}, timestamp={ts}, f={f}; replies in arrival order:\n" + show_all(replies, keys)
        got = attempt(accepted_result, list(replies), keys, *query, input=shown, case=case)
        expected = reference(replies, keys, *query)
        if not (isinstance(got, tuple) and len(got) == 2 and got[0] is expected[0] and repr(got[1]) == repr(expected[1])):
            fail(case=case, input=shown, expected=expected, got=got, hint=hint_for(got, replies, keys, query))
    case, replies, query = hand[0]
    same_everywhere(accepted_result, list(replies), keys, *query, input=show_all(replies, keys),
                    case=f"{case}, in two worlds")
    return (f"right on {len(hand)} hand-made arrivals (a traitor first, duplicates, forged and tampered replies, "
            "old timestamps, another client) and 500 random ones; the same in two worlds")
