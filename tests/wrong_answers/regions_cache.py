"""Right and plausible wrong answers to the T14 cache exercises (14-versioned-cache, 14-single-flight).

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with a
comment naming its mistake; ``ALSO_RIGHT`` holds other correct answers. tests/test_exercises.py
and tests/test_grading_regions_cache.py run every one of them.
"""

from __future__ import annotations

# -- 14-versioned-cache --------------------------------------------------------------------------------------


def versioned_right(entries, op):
    kind, key = op[0], op[1]
    held = entries.get(key)
    if kind == "get":
        return None if held is None else held[0]
    if kind == "fill":
        _, _, value, version = op
        if held is not None and held[1] > version:
            return False
        entries[key] = (value, version)
        return True
    version = op[2]
    entries[key] = (None, version if held is None else max(version, held[1]))
    return None


def versioned_match(entries, op):
    """Also right: pattern matching, and an equal-version fill over a live entry kept as it is (same value)."""
    match op:
        case ("get", key):
            value = entries.get(key, (None, -1))[0]
            return value
        case ("fill", key, value, version):
            old = entries.get(key)
            if old is None or old[1] < version or (old[1] == version and old[0] is None):
                entries[key] = (value, version)
                return True
            return old[1] == version
        case ("delete", key, version):
            old = entries.get(key)
            entries[key] = (None, max(version, old[1]) if old else version)


def refuse_equal(entries, op):
    # refuses a fill of the same version (>=): the fresh fill after a delete is refused, the key stays uncached
    held = entries.get(op[1])
    if op[0] == "fill" and held is not None and held[1] >= op[3]:
        return False
    return versioned_right(entries, op)


def tombstones_ignored_by_fill(entries, op):
    # compares a fill only with live entries: a tombstone does not stop the old fill (the race stays)
    held = entries.get(op[1])
    if op[0] == "fill" and held is not None and held[0] is None:
        entries[op[1]] = (op[2], op[3])
        return True
    return versioned_right(entries, op)


def delete_removes(entries, op):
    # a delete removes the key instead of leaving a tombstone (the plain cache-aside delete)
    if op[0] == "delete":
        entries.pop(op[1], None)
        return None
    return versioned_right(entries, op)


def tombstone_takes_the_delete_version(entries, op):
    # the tombstone takes the delete's version even when the key held a greater one (a late delete lowers the bar)
    if op[0] == "delete":
        entries[op[1]] = (None, op[2])
        return None
    return versioned_right(entries, op)


def tombstone_takes_min(entries, op):
    # the tombstone keeps the smaller of the two versions
    if op[0] == "delete":
        held = entries.get(op[1])
        entries[op[1]] = (None, op[2] if held is None else min(op[2], held[1]))
        return None
    return versioned_right(entries, op)


def fill_always(entries, op):
    # no versions at all: every fill overwrites (the racy cache)
    if op[0] == "fill":
        entries[op[1]] = (op[2], op[3])
        return True
    return versioned_right(entries, op)


def fill_only_when_missing(entries, op):
    # memcached's "add": a fill never replaces a live entry, even an older one
    held = entries.get(op[1])
    if op[0] == "fill" and held is not None and held[0] is not None:
        return False
    return versioned_right(entries, op)


def delete_of_missing_key_ignored(entries, op):
    # a delete of a key the cache does not hold leaves nothing behind, so a later old fill is accepted
    if op[0] == "delete" and op[1] not in entries:
        return None
    return versioned_right(entries, op)


def late_delete_ignored(entries, op):
    # a delete older than the live entry leaves the entry in place
    held = entries.get(op[1])
    if op[0] == "delete" and held is not None and held[0] is not None and held[1] > op[2]:
        return None
    return versioned_right(entries, op)


def fill_returns_nothing(entries, op):
    # applies fills right but returns None instead of True/False
    result = versioned_right(entries, op)
    return None if op[0] == "fill" else result


def get_returns_the_pair(entries, op):
    # get returns (value, version) instead of the value
    if op[0] == "get":
        held = entries.get(op[1])
        return None if held is None or held[0] is None else held
    return versioned_right(entries, op)


def rebinds_instead_of_changing(entries, op):
    # builds a new dict instead of changing `entries`: the cache never sees the change
    entries = dict(entries)
    return versioned_right(entries, op)


def refuse_equal_only_over_tombstones(entries, op):
    # applies an equal version over a live entry but refuses it over a tombstone
    held = entries.get(op[1])
    if op[0] == "fill" and held is not None and held[0] is None and held[1] >= op[3]:
        return False
    return versioned_right(entries, op)


# -- 14-single-flight ----------------------------------------------------------------------------------------


def flight_right(requests, fetch_ms, ttl):
    done_at = {}
    out = []
    for t, key in requests:
        fill = done_at.get(key)
        fetch = fill is None or t >= fill + ttl
        out.append(fetch)
        if fetch:
            done_at[key] = t + fetch_ms
    return out


def flight_states(requests, fetch_ms, ttl):
    """Also right: explicit states (in flight, cached) per key."""
    inflight_until, cached_until = {}, {}
    out = []
    for t, key in requests:
        if key in inflight_until and t >= inflight_until[key]:
            cached_until[key] = inflight_until.pop(key) + ttl
        if key in inflight_until or t < cached_until.get(key, float("-inf")):
            out.append(False)
        else:
            inflight_until[key] = t + fetch_ms
            out.append(True)
    return out


def no_coalescing(requests, fetch_ms, ttl):
    # every miss fetches: requests that arrive during a fetch go to the store too (the herd)
    filled = {}
    out = []
    for t, key in requests:
        hit = any(f <= t < f + ttl for f in filled.get(key, []))
        out.append(not hit)
        if not hit:
            filled.setdefault(key, []).append(t + fetch_ms)
    return out


def expiry_inclusive(requests, fetch_ms, ttl):
    # still a hit at exactly fill + ttl (<= instead of <)
    done_at, out = {}, []
    for t, key in requests:
        fill = done_at.get(key)
        fetch = fill is None or t > fill + ttl
        out.append(fetch)
        if fetch:
            done_at[key] = t + fetch_ms
    return out


def ttl_from_request(requests, fetch_ms, ttl):
    # counts the TTL from the request that started the fetch, not from the fill
    started, out = {}, []
    for t, key in requests:
        s = started.get(key)
        fetch = s is None or (t >= s + fetch_ms and t >= s + ttl)
        out.append(fetch)
        if fetch:
            started[key] = t
    return out


def ignores_keys(requests, fetch_ms, ttl):
    # one fetch for everything: a fetch of one key serves the others
    return flight_right([(t, "*") for t, _ in requests], fetch_ms, ttl)


def fetches_at_completion(requests, fetch_ms, ttl):
    # at exactly start + fetch_ms the key is not filled yet and not in flight either: fetches again
    done_at, out = {}, []
    for t, key in requests:
        fill = done_at.get(key)
        fetch = fill is None or t == fill or t >= fill + ttl
        out.append(fetch)
        if fetch:
            done_at[key] = t + fetch_ms
    return out


def warm_start(requests, fetch_ms, ttl):
    # treats the cache as filled at time 0: the first requests before ttl are hits
    done_at, out = {}, []
    for t, key in requests:
        fill = done_at.get(key, 0)
        fetch = t >= fill + ttl
        out.append(fetch)
        if fetch:
            done_at[key] = t + fetch_ms
    return out


def first_fill_only(requests, fetch_ms, ttl):
    # remembers only the first fetch of a key: after the first expiry every request fetches
    done_at, out = {}, []
    for t, key in requests:
        fill = done_at.get(key)
        fetch = fill is None or t >= fill + ttl
        out.append(fetch)
        if fetch:
            done_at.setdefault(key, t + fetch_ms)
    return out


def ties_all_fetch(requests, fetch_ms, ttl):
    # a request at the same instant as the one that started the fetch fetches too (waits only if start < t)
    started, out = {}, []
    for t, key in requests:
        s = started.get(key)
        fetch = s is None or t == s or t >= s + fetch_ms + ttl
        out.append(fetch)
        if fetch and s != t:
            started[key] = t
    return out


def sorted_by_key(requests, fetch_ms, ttl):
    # answers in the order of the requests sorted by key, not in the order given
    order = sorted(range(len(requests)), key=lambda i: (requests[i][1], i))
    flags = flight_right(requests, fetch_ms, ttl)
    return [flags[i] for i in order]


def indexes(requests, fetch_ms, ttl):
    # returns the positions of the fetching requests instead of one bool per request
    return [i for i, f in enumerate(flight_right(requests, fetch_ms, ttl)) if f]


def waits_past_completion(requests, fetch_ms, ttl):
    # a fetch completes only after fetch_ms + ttl: confuses the flight with the TTL
    done_at, out = {}, []
    for t, key in requests:
        fill = done_at.get(key)
        fetch = fill is None or t >= fill + ttl + fetch_ms
        out.append(fetch)
        if fetch:
            done_at[key] = t + fetch_ms
    return out


RIGHT = {
    "14-versioned-cache": versioned_right,
    "14-single-flight": flight_right,
}

ALSO_RIGHT = {
    "14-versioned-cache": [versioned_match],
    "14-single-flight": [flight_states],
}

WRONG = {
    "14-versioned-cache": [
        refuse_equal,                      # >= instead of >: the fresh fill after a delete is refused
        tombstones_ignored_by_fill,        # tombstones do not stop a fill: the race stays
        delete_removes,                    # no tombstone at all
        tombstone_takes_the_delete_version,  # a late delete lowers the bar
        tombstone_takes_min,               # min instead of max
        fill_always,                       # no version check
        fill_only_when_missing,            # memcached add: an older live entry is never replaced
        delete_of_missing_key_ignored,     # no tombstone for a key the cache did not hold
        late_delete_ignored,               # an older delete leaves the live entry
        fill_returns_nothing,              # right state, wrong result
        get_returns_the_pair,              # get returns (value, version)
        rebinds_instead_of_changing,       # does not change `entries`
        refuse_equal_only_over_tombstones,  # equal version refused over a tombstone only
    ],
    "14-single-flight": [
        no_coalescing,           # the herd: misses during a fetch fetch too
        expiry_inclusive,        # hit at exactly fill + ttl
        ttl_from_request,        # TTL from the start, not the fill
        ignores_keys,            # one fetch for all keys
        fetches_at_completion,   # at exactly the completion it fetches again
        warm_start,              # the cold cache treated as filled at 0
        first_fill_only,         # only the first fetch remembered
        ties_all_fetch,          # simultaneous requests all fetch
        sorted_by_key,           # wrong order
        indexes,                 # wrong form
        waits_past_completion,   # waits fetch_ms + ttl after the fill
    ],
}
