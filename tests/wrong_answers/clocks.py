"""Right and plausible wrong answers to the T04 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers written
differently. tests/test_exercises.py and tests/test_grading_clocks.py run every one of them.
"""

from __future__ import annotations

from dsworkbook.clocks import HybridTimestamp, Order, naive_compare, naive_prune

# -- 04-ntp-offset -----------------------------------------------------------------------------------


def ntp_right(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, ((t3 - t0) - (t2 - t1)) / 2


def ntp_right_midpoints(t0, t1, t2, t3):
    # also right: the server's midpoint minus the client's midpoint, half the time on the wire
    return (t1 + t2) / 2 - (t0 + t3) / 2, (t3 - t0 - t2 + t1) / 2


def ntp_one_way(t0, t1, t2, t3):
    return t1 - t0, ((t3 - t0) - (t2 - t1)) / 2  # one-way difference: includes the whole request delay


def ntp_sign_flipped(t0, t1, t2, t3):
    return ((t0 - t1) + (t3 - t2)) / 2, ((t3 - t0) - (t2 - t1)) / 2  # client minus server: the wrong sign


def ntp_full_round_trip(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, (t3 - t0) - (t2 - t1)  # the bound is half the round trip, not all of it


def ntp_ignores_processing(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, (t3 - t0) / 2  # counts the server's holding time as network delay


def ntp_offset_ignores_t2(t0, t1, t2, t3):
    return t1 - (t0 + t3) / 2, ((t3 - t0) - (t2 - t1)) / 2  # Cristian without t2: wrong when the server holds it


def ntp_second_term_flipped(t0, t1, t2, t3):
    return ((t1 - t0) + (t3 - t2)) / 2, ((t3 - t0) - (t2 - t1)) / 2  # (t3 - t2) instead of (t2 - t3)


def ntp_zero_bound(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, 0.0  # claims the estimate is exact


# -- 04-lamport-receive ------------------------------------------------------------------------------


def lamport_right(local, received):
    return max(local, received) + 1


def lamport_right_branches(local, received):
    # also right: the same rule written with a branch
    if received > local:
        return received + 1
    return local + 1


def lamport_no_increment(local, received):
    return max(local, received)  # the receive gets the send's time: not after it


def lamport_local_only(local, received):
    return local + 1  # ignores the message: a receive can get a smaller time than its send


def lamport_message_only(local, received):
    return received + 1  # ignores the process's own past: time can go backwards on a process


def lamport_max_after_tick(local, received):
    return max(local + 1, received)  # ticks before the max: equal to the send's time when the message is ahead


def lamport_sum(local, received):
    return local + received  # adds them: grows too fast, and equals received when local is 0


# -- 04-drill-vc-compare --------------------------------------------------------------------------------


def compare_right(a, b):
    nodes = set(a) | set(b)
    less = any(a.get(n, 0) < b.get(n, 0) for n in nodes)
    more = any(a.get(n, 0) > b.get(n, 0) for n in nodes)
    if less and more:
        return "concurrent"
    if less:
        return "before"
    return "after" if more else "equal"


def compare_right_enum(a, b):
    # also right: the library's vector type, answering with the Order enum
    from dsworkbook.clocks import VectorTimestamp

    return VectorTimestamp(a).compare(b)


def compare_own_keys_only(a, b):
    less = any(a[n] < b.get(n, 0) for n in a)  # only a's nodes: misses what b alone has seen
    more = any(a[n] > b.get(n, 0) for n in a)
    if less and more:
        return "concurrent"
    if less:
        return "before"
    return "after" if more else "equal"


def compare_equal_is_concurrent(a, b):
    nodes = set(a) | set(b)
    le = all(a.get(n, 0) <= b.get(n, 0) for n in nodes)
    ge = all(a.get(n, 0) >= b.get(n, 0) for n in nodes)
    before, after = le and not ge, ge and not le
    return "before" if before else "after" if after else "concurrent"  # neither before nor after: equal too


def compare_le_before_equality(a, b):
    nodes = set(a) | set(b)
    if all(a.get(n, 0) <= b.get(n, 0) for n in nodes):
        return "before"  # checks <= first: equal clocks come out "before"
    if all(a.get(n, 0) >= b.get(n, 0) for n in nodes):
        return "after"
    return "concurrent"


def compare_missing_key_error(a, b):
    nodes = set(a) | set(b)
    less = any(a[n] < b[n] for n in nodes)  # KeyError when one side lacks a node: a missing entry is 0
    more = any(a[n] > b[n] for n in nodes)
    return "concurrent" if less and more else "before" if less else "after" if more else "equal"


def compare_by_sum(a, b):
    sa, sb = sum(a.values()), sum(b.values())  # totals: a bigger sum is not a later event
    return "before" if sa < sb else "after" if sa > sb else "equal"


def compare_equal_by_dict(a, b):
    if a == b:  # {"A": 0} and {} are equal clocks but unequal dicts
        return "equal"
    nodes = set(a) | set(b)
    less = any(a.get(n, 0) < b.get(n, 0) for n in nodes)
    more = any(a.get(n, 0) > b.get(n, 0) for n in nodes)
    return "concurrent" if less == more else "before" if less else "after"


# -- 04-predict-concurrent ----------------------------------------------------------------------------

PREDICT_RIGHT = ["concurrent", "before", "after", "concurrent"]
PREDICT_BY_LAMPORT = ["before", "before", "after", "after"]  # reads Lamport times as happens-before
PREDICT_ALL_CONCURRENT = ["concurrent"] * 4  # different processes are not always concurrent
PREDICT_DIRECTION_SWAPPED = ["concurrent", "before", "before", "concurrent"]  # A4 is after C2, not before
PREDICT_NO_TRANSITIVITY = ["concurrent", "concurrent", "after", "concurrent"]  # A2 reaches C3 through B


# -- 04-siblings -------------------------------------------------------------------------------------------


def siblings_right(stored, incoming):
    everything = list(stored) + list(incoming)
    keep = []
    for s in everything:
        if any(s.version < o.version for o in everything):
            continue
        if any(k.version == s.version for k in keep):
            continue
        keep.append(s)
    return keep


def siblings_right_dict(stored, incoming):
    # also right: one entry per version, then the maximal ones
    by_version = {}
    for s in list(stored) + list(incoming):
        by_version.setdefault(s.version, s)
    return [s for v, s in by_version.items() if not any(v.compare(w) is Order.BEFORE for w in by_version)]


def siblings_lww_own_counter(stored, incoming):
    everything = list(stored) + list(incoming)
    # the interview notes' resolver: the largest counter of the writer's own entry wins
    return [max(everything, key=lambda s: max(s.version.values(), default=0))]


def siblings_overwrite(stored, incoming):
    return list(incoming)  # the newest arrival always wins: anti-entropy can undo writes


def siblings_drops_equal(stored, incoming):
    everything = list(stored) + list(incoming)
    # <= instead of <: a version arriving twice dominates itself and both copies go
    return [s for s in everything if not any(s is not o and s.version <= o.version for o in everything)]


def siblings_keep_all(stored, incoming):
    out = list(stored)
    for s in incoming:
        if all(s.version != o.version for o in out):
            out.append(s)
    return out  # never drops a superseded version: siblings pile up


def siblings_only_incoming_supersedes(stored, incoming):
    # drops stored versions the incoming ones dominate, but keeps an incoming version that is older
    kept = [s for s in stored if not any(s.version < i.version for i in incoming)]
    return kept + [i for i in incoming if all(i.version != k.version for k in kept)]


def siblings_by_sum(stored, incoming):
    everything = list(stored) + list(incoming)
    best = max(sum(s.version.values()) for s in everything)
    out = []
    for s in everything:  # a larger total is not a later version
        if sum(s.version.values()) == best and all(s.version != o.version for o in out):
            out.append(s)
    return out


# -- 04-drill-pruning -----------------------------------------------------------------------------------


def prune_right(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    newest = sorted(entries, key=lambda n: (-entries[n].updated, n))[:limit]
    return {n: entries[n] for n in newest}


def prune_naive(entries, limit):
    return naive_prune(entries, limit)  # the seed's rule: counters compared as if they were times


def prune_by_counter(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    busiest = sorted(entries, key=lambda n: (-entries[n].counter, n))[:limit]  # keeps the busiest, not the newest
    return {n: entries[n] for n in busiest}


def prune_oldest_kept(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    oldest = sorted(entries, key=lambda n: (entries[n].updated, n))[:limit]  # the sort runs the wrong way
    return {n: entries[n] for n in oldest}


def prune_off_by_one(entries, limit):
    if len(entries) < limit:
        return dict(entries)
    newest = sorted(entries, key=lambda n: (-entries[n].updated, n))[:limit - 1]  # keeps one too few
    return {n: entries[n] for n in newest}


def prune_by_name(entries, limit):
    return {n: entries[n] for n in sorted(entries)[:limit]}  # drops whatever sorts last by name


# -- 04-hlc-update -----------------------------------------------------------------------------------------


def hlc_right(state, pt, msg):
    l_old, c_old = state.l, state.c
    if msg is None:
        l = max(l_old, pt)
        return l, (c_old + 1 if l == l_old else 0)
    l = max(l_old, msg.l, pt)
    if l == l_old == msg.l:
        c = max(c_old, msg.c) + 1
    elif l == l_old:
        c = c_old + 1
    elif l == msg.l:
        c = msg.c + 1
    else:
        c = 0
    return l, c


def hlc_right_timestamp(state, pt, msg):
    # also right: the library's rule, returning a HybridTimestamp
    from dsworkbook.clocks import hlc_update

    return hlc_update(state, pt, msg)


def hlc_never_reset(state, pt, msg):
    l = max(state.l, pt, msg.l if msg else state.l)
    c = max(state.c, msg.c if msg else 0) + 1  # c never restarts at 0 when the physical clock moves on
    return l, c


def hlc_ignores_message(state, pt, msg):
    l = max(state.l, pt)  # a receive treated like a send: happens-before is lost
    return l, (state.c + 1 if l == state.l else 0)


def hlc_physical_only(state, pt, msg):
    return pt, 0  # plain physical time: goes backwards with skew


def hlc_tie_ignores_msg_c(state, pt, msg):
    if msg is None:
        l = max(state.l, pt)
        return l, (state.c + 1 if l == state.l else 0)
    l = max(state.l, msg.l, pt)
    if l == state.l:
        return l, state.c + 1  # on a tie with the message's l, forgets c_m: may not exceed the sender's
    if l == msg.l:
        return l, msg.c + 1
    return l, 0


def hlc_receive_no_max_with_own(state, pt, msg):
    if msg is None:
        l = max(state.l, pt)
        return l, (state.c + 1 if l == state.l else 0)
    l = max(msg.l, pt)  # forgets its own l: can go backwards
    return l, (msg.c + 1 if l == msg.l else 0)


# -- 04-commit-wait --------------------------------------------------------------------------------------


def commit_right(now):
    return now.latest, now.latest - now.earliest


def commit_right_padded(now):
    # also right: a hair more wait than strictly needed (well within 5% of the latency)
    return now.latest, (now.latest - now.earliest) * 1.001


def commit_no_wait(now):
    return now.latest, 0.0  # no commit wait: a leader ahead of true time acks a future timestamp


def commit_half_wait(now):
    return now.latest, (now.latest - now.earliest) / 2  # waits eps, not 2 eps


def commit_earliest_no_wait(now):
    return now.earliest, 0.0  # a timestamp that may precede the transaction's real start


def commit_local_time(now):
    mid = (now.earliest + now.latest) / 2
    return mid, mid - now.earliest  # the local clock as timestamp: the Start rule is broken


def commit_wait_too_long(now):
    return now.latest, 3 * (now.latest - now.earliest)  # safe, but waits three times longer than needed


RIGHT = {
    "04-ntp-offset": ntp_right,
    "04-lamport-receive": lamport_right,
    "04-drill-vc-compare": compare_right,
    "04-predict-concurrent": PREDICT_RIGHT,
    "04-siblings": siblings_right,
    "04-drill-pruning": prune_right,
    "04-hlc-update": hlc_right,
    "04-commit-wait": commit_right,
}

WRONG = {
    "04-ntp-offset": [ntp_one_way, ntp_sign_flipped, ntp_full_round_trip, ntp_ignores_processing,
                      ntp_offset_ignores_t2, ntp_second_term_flipped, ntp_zero_bound],
    "04-lamport-receive": [lamport_no_increment, lamport_local_only, lamport_message_only, lamport_max_after_tick,
                           lamport_sum],
    "04-drill-vc-compare": [naive_compare, compare_own_keys_only, compare_equal_is_concurrent,
                            compare_le_before_equality, compare_missing_key_error, compare_by_sum,
                            compare_equal_by_dict],
    "04-predict-concurrent": [PREDICT_BY_LAMPORT, PREDICT_ALL_CONCURRENT, PREDICT_DIRECTION_SWAPPED,
                              PREDICT_NO_TRANSITIVITY],
    "04-siblings": [siblings_lww_own_counter, siblings_overwrite, siblings_drops_equal, siblings_keep_all,
                    siblings_only_incoming_supersedes, siblings_by_sum],
    "04-drill-pruning": [prune_naive, prune_by_counter, prune_oldest_kept, prune_off_by_one, prune_by_name],
    "04-hlc-update": [hlc_never_reset, hlc_ignores_message, hlc_physical_only, hlc_tie_ignores_msg_c,
                      hlc_receive_no_max_with_own],
    "04-commit-wait": [commit_no_wait, commit_half_wait, commit_earliest_no_wait, commit_local_time,
                       commit_wait_too_long],
}

ALSO_RIGHT = {
    "04-ntp-offset": [ntp_right_midpoints],
    "04-lamport-receive": [lamport_right_branches],
    "04-drill-vc-compare": [compare_right_enum],
    "04-predict-concurrent": [("Concurrent", "before", "AFTER ", "concurrent")],
    "04-siblings": [siblings_right_dict],
    "04-drill-pruning": [prune_right],
    "04-hlc-update": [hlc_right_timestamp],
    "04-commit-wait": [commit_right_padded],
}

__all__ = ["RIGHT", "WRONG", "ALSO_RIGHT", "HybridTimestamp"]
