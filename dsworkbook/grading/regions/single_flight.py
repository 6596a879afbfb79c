"""Exercise ``14-single-flight``: which requests of a timeline fetch from the store, with coalescing.

The learner writes ``fetches(requests, fetch_ms, ttl)`` with the rules of
:func:`dsworkbook.regions.cache.single_flight`: ``requests`` is a list of ``(time, key)`` in time
order (ties in list order) on a cold cache; a request is a hit while ``time < fill + ttl`` (the
fill happens when the fetch completes, ``start + fetch_ms``), waits while a fetch of its key is in
flight (``time < start + fetch_ms``), and otherwise starts a fetch. The answer is a list of bools,
one per request (True: it fetched). The check runs hand cases at every boundary (a request exactly
at a fetch's completion, exactly at expiry, a burst at one instant), 500 random timelines with
integer times (so ties and boundaries are frequent) and 100 with fractional ones, then the
library's thundering herd: the arrivals the cache saw in that run, replayed through the answer,
must cost the store as many reads as through the reference.
"""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.grading.core import exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.regions.cache import single_flight
from dsworkbook.regions.cache_races import thundering_herd

HINT_FORM = "return a list of True/False, one per request, in the order of `requests`"
HINT_WAIT = ("a request that arrives while a fetch of its key is in flight (time < start + fetch_ms) waits for it: "
             "it does not fetch")
HINT_DONE = ("at exactly start + fetch_ms the fetch has completed and filled the key: a request then is a hit, "
             "it does not fetch")
HINT_EXPIRY = "the key expires at exactly fill + ttl, where fill = start + fetch_ms: a request at that time fetches"
HINT_FILL = "the TTL counts from the fill (the moment the fetch completes), not from the request that started it"
HINT_KEYS = "each key has its own fetch and its own expiry"
HINT_COLD = "the cache starts cold: the first request for a key fetches"


def _hint(requests: list, fetch_ms: float, ttl: float, want: list, got: list) -> str:
    i = next(j for j, (a, b) in enumerate(zip(want, got)) if a != b)
    t, key = requests[i]
    start = None
    for j in range(i):
        if want[j] and requests[j][1] == key:
            start = requests[j][0]
    if start is None and want[i] and not any(k == key for _, k in requests[:i]):
        return HINT_COLD
    if start is None:
        return HINT_KEYS if any(k != key for _, k in requests[:i]) else HINT_WAIT
    fill = start + fetch_ms
    if t == fill:
        return HINT_DONE
    if t == fill + ttl:
        return HINT_EXPIRY
    if t < fill:
        return HINT_WAIT
    if start + ttl <= t < fill + ttl or t == start + ttl:
        return HINT_FILL
    return HINT_EXPIRY


def _check(fn: Callable[..., Any], case: str, requests: list, fetch_ms: float, ttl: float) -> int:
    want = single_flight(requests, fetch_ms, ttl)
    shown = {"requests": requests, "fetch_ms": fetch_ms, "ttl": ttl}
    got = same_everywhere(lambda r, f, t: _fresh(fn(list(r), f, t)), requests, fetch_ms, ttl, input=shown, case=case,
                          salt_text=True)
    if not isinstance(got, list) or len(got) != len(want) or not all(isinstance(g, bool) for g in got):
        fail(case=case, input=shown, expected=want, got=got, hint=HINT_FORM)
    if got != want:
        fail(case=case, input=shown, expected=want, got=got, hint=_hint(requests, fetch_ms, ttl, want, got))
    return sum(want)


def _fresh(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


HAND: list[tuple[str, list, float, float]] = [
    ("a burst of five at one instant on a cold cache", [(0, "hot")] * 5, 10, 100),
    ("requests while the fetch is in flight, then exactly at its completion",
     [(0, "hot"), (3, "hot"), (9.5, "hot"), (10, "hot"), (11, "hot")], 10, 100),
    ("a request exactly at expiry (fill + ttl)", [(0, "hot"), (110, "hot"), (111, "hot")], 10, 100),
    ("a request just before expiry", [(0, "hot"), (109, "hot")], 10, 100),
    ("the TTL counts from the fill, not the start", [(0, "hot"), (100, "hot"), (105, "hot")], 10, 100),
    ("two keys", [(0, "a"), (1, "b"), (2, "a"), (12, "b"), (13, "a")], 10, 100),
    ("an empty timeline", [], 10, 100),
    ("a fetch longer than the TTL", [(0, "k"), (30, "k"), (50, "k"), (54, "k"), (55, "k"), (56, "k")], 50, 5),
    ("one request", [(7, "k")], 1, 1),
    ("expiry and a second herd", [(0, "k"), (1, "k"), (15, "k"), (15, "k"), (20, "k"), (24, "k"), (25, "k")], 5, 10),
]


def draw_int(rng: random.Random) -> tuple[list, int, int]:
    keys = rng.sample(["hot", "a", "b", "c"], rng.randint(1, 3))
    fetch_ms, ttl = rng.randint(1, 12), rng.randint(1, 20)
    times = sorted(rng.randint(0, 60) for _ in range(rng.randint(0, 25)))
    return [(t, rng.choice(keys)) for t in times], fetch_ms, ttl


def draw_float(rng: random.Random) -> tuple[list, float, float]:
    keys = rng.sample(["hot", "a", "b"], rng.randint(1, 3))
    fetch_ms, ttl = round(rng.uniform(0.5, 20), 2), round(rng.uniform(0.5, 40), 2)
    times = sorted(round(rng.uniform(0, 100), 1) for _ in range(rng.randint(1, 30)))
    return [(t, rng.choice(keys)) for t in times], fetch_ms, ttl


@exercise("14-single-flight", title="Coalescing a thundering herd", theme="T14", concepts=("G03",),
          reference="dsworkbook.regions.cache.single_flight")
def grade_single_flight(fn: Any) -> str:
    """``fn(requests, fetch_ms, ttl)``: see the module docstring for the rules checked."""
    need_callable(fn, "function fetches(requests, fetch_ms, ttl)")
    for case, requests, fetch_ms, ttl in HAND:
        _check(fn, case, requests, fetch_ms, ttl)
    for case, (requests, fetch_ms, ttl) in random_cases(141, 500, draw_int):
        _check(fn, case, requests, fetch_ms, ttl)
    for case, (requests, fetch_ms, ttl) in random_cases(142, 100, draw_float):
        _check(fn, case, requests, fetch_ms, ttl)
    herd = thundering_herd(False)
    fetch_ms = round(herd.fetch_ms)
    timeline = [(round(t, 1), k) for t, k in herd.arrivals]
    case = (f"the thundering herd: {len(timeline)} reads of one hot key at the cache from {40} app servers, "
            f"fetch_ms={fetch_ms}, ttl={herd.ttl:g}")
    want = sum(single_flight(timeline, fetch_ms, herd.ttl))
    got = same_everywhere(lambda r, f, t: _fresh(fn(list(r), f, t)), timeline, fetch_ms, herd.ttl,
                          input="the herd's timeline", case=case)
    reads = sum(1 for g in got if g is True) if isinstance(got, list) else got
    if reads != want:
        fail(case=case, input={"first requests": timeline[:8], "fetch_ms": fetch_ms, "ttl": herd.ttl},
             expected=f"{want} store reads (one per expiry)", got=f"{reads} store reads", hint=HINT_WAIT)
    return (f"{len(HAND)} hand cases and 600 random timelines match; the herd's {len(timeline)} reads cost the store "
            f"{want} reads (without coalescing that run made {herd.store_reads})")
