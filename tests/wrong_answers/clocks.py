"""Right and plausible wrong answers to the T04 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers written
differently. tests/test_exercises.py and tests/test_grading_clocks.py run every one of them.
"""

from __future__ import annotations

from dsworkbook.clocks import HybridTimestamp, Order, naive_compare, naive_prune
from tests.wrong_answers import Answer

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


def ntp_floor_division(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) // 2, ((t3 - t0) - (t2 - t1)) // 2  # // floors: half a ms lost on odd sums


def ntp_offset_precedence(t0, t1, t2, t3):
    return t1 - t0 + (t2 - t3) / 2, ((t3 - t0) - (t2 - t1)) / 2  # precedence: only the second term is halved


def ntp_swapped_result(t0, t1, t2, t3):
    return ((t3 - t0) - (t2 - t1)) / 2, ((t1 - t0) + (t2 - t3)) / 2  # returns (bound, offset): the wrong order


def ntp_abs_offset(t0, t1, t2, t3):
    return abs((t1 - t0) + (t2 - t3)) / 2, ((t3 - t0) - (t2 - t1)) / 2  # abs(): loses which clock is ahead


def ntp_bound_adds_processing(t0, t1, t2, t3):
    return ((t1 - t0) + (t2 - t3)) / 2, ((t3 - t0) + (t2 - t1)) / 2  # adds the server's time instead of removing it


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


def lamport_tick_only_the_message(local, received):
    return max(local, received + 1)  # ticks the message's time only: equals local when the process is ahead


def lamport_strictly_greater_branch(local, received):
    if received > local:  # the tie received == local falls through without a tick
        return received + 1
    return local


def lamport_plus_two(local, received):
    return max(local, received) + 2  # later than both, but not the smallest such time (IR2 ticks by one)


def lamport_min(local, received):
    return min(local, received) + 1  # min instead of max: earlier than the send when the message is ahead


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


def compare_positional(a, b):
    xs, ys = list(a.values()), list(b.values())  # zips counters by position: keys in another order, or missing
    xs, ys = xs + [0] * (len(ys) - len(xs)), ys + [0] * (len(xs) - len(ys))
    less, more = any(x < y for x, y in zip(xs, ys)), any(x > y for x, y in zip(xs, ys))
    return "concurrent" if less and more else "before" if less else "after" if more else "equal"


def compare_strict_every_entry(a, b):
    nodes = set(a) | set(b)
    if all(a.get(n, 0) < b.get(n, 0) for n in nodes):  # strictly smaller everywhere: misses one-entry differences
        return "before"
    if all(a.get(n, 0) > b.get(n, 0) for n in nodes):
        return "after"
    return "equal" if all(a.get(n, 0) == b.get(n, 0) for n in nodes) else "concurrent"


def compare_first_difference(a, b):
    for n in sorted(set(a) | set(b)):  # decides on the first differing entry: never sees a later one going the other way
        if a.get(n, 0) != b.get(n, 0):
            return "before" if a.get(n, 0) < b.get(n, 0) else "after"
    return "equal"


def compare_directions_swapped(a, b):
    nodes = set(a) | set(b)
    less = any(a.get(n, 0) < b.get(n, 0) for n in nodes)
    more = any(a.get(n, 0) > b.get(n, 0) for n in nodes)
    return "concurrent" if less and more else "after" if less else "before" if more else "equal"  # labels swapped


def compare_key_sets_differ(a, b):
    if set(a) != set(b):
        return "concurrent"  # nodes only one side names: a missing entry is 0, not a sign of concurrency
    less = any(a[n] < b[n] for n in a)
    more = any(a[n] > b[n] for n in a)
    return "concurrent" if less and more else "before" if less else "after" if more else "equal"


# -- 04-predict-concurrent ----------------------------------------------------------------------------
# The pairs: (A2, D3), (D1, C3), (D3, B2), (C4, D3), (B4, A4); why is asked about (D1, C3).

PREDICT_RELATIONS = ["before", "concurrent", "after", "concurrent", "concurrent"]
PREDICT_RIGHT = Answer(PREDICT_RELATIONS, why="c")
# reads Lamport times as happens-before (equal times as concurrent), and says so
PREDICT_BY_LAMPORT = Answer(["before", "before", "after", "concurrent", "after"], why="a")
# different processes taken to mean concurrent
PREDICT_ALL_CONCURRENT = Answer(["concurrent"] * 5, why="d")
# reads the pair (D3, B2) the wrong way round
PREDICT_DIRECTION_SWAPPED = Answer(["before", "concurrent", "before", "concurrent", "concurrent"], why="c")
# only a direct message orders events: no transitivity through B and C
PREDICT_NO_TRANSITIVITY = Answer(["concurrent", "concurrent", "concurrent", "concurrent", "concurrent"], why="c")
# a message from D1 to C taken to order D1 before every event on C
PREDICT_MESSAGE_ORDERS = Answer(["before", "before", "after", "concurrent", "concurrent"], why="b")
# B4 taken to come after A4 because A4 sends to B (but B receives it only after B4)
PREDICT_SEND_ORDERS_RECEIVER = Answer(["before", "concurrent", "after", "concurrent", "after"], why="c")
# the right relations, for the wrong reason: a smaller Lamport time
PREDICT_RIGHT_BUT_LAMPORT_WHY = Answer(PREDICT_RELATIONS, why="a")
# the right relations, for the wrong reason: different processes
PREDICT_RIGHT_BUT_PROCESSES_WHY = Answer(PREDICT_RELATIONS, why="d")
# the right relations, for the reason of a wrong relation: the message
PREDICT_RIGHT_BUT_MESSAGE_WHY = Answer(PREDICT_RELATIONS, why="b")
# the four relations of an older version of the puzzle: the wrong number of words
PREDICT_FOUR_WORDS = Answer(["before", "concurrent", "after", "concurrent"], why="c")


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


def siblings_dedupe_by_value(stored, incoming):
    by_value = {}
    for s in list(stored) + list(incoming):  # one sibling per value: concurrent writes of equal values collapse
        if s.value not in by_value or by_value[s.value].version < s.version:
            by_value[s.value] = s
    return [s for s in by_value.values() if not any(s.version < o.version for o in by_value.values())]


def siblings_cross_only(stored, incoming):
    # compares stored with incoming, but never incoming with incoming: an older version in the same batch survives
    kept = [s for s in stored if not any(s.version < i.version for i in incoming)]
    for i in incoming:
        if not any(i.version < s.version for s in stored) and all(i.version != k.version for k in kept):
            kept.append(i)
    return kept


def siblings_keep_duplicates(stored, incoming):
    everything = list(stored) + list(incoming)
    return [s for s in everything if not any(s.version < o.version for o in everything)]  # copies pile up


def siblings_only_the_maximum(stored, incoming):
    everything = list(stored) + list(incoming)
    # keeps a version only if it is at or above all others: with concurrent versions nothing survives
    out = [s for s in everything if all(s.version >= o.version for o in everything)]
    return out[:1]


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


def prune_tie_keeps_larger_id(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    newest = sorted(entries, key=lambda n: (entries[n].updated, n), reverse=True)[:limit]  # ties keep the larger id
    return {n: entries[n] for n in newest}


def prune_numeric_tiebreak(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    # ties by the number in the id (n9 before n10), not by the id as the statement says
    newest = sorted(entries, key=lambda n: (-entries[n].updated, int(n.lstrip("abcdefghijklmnopqrstuvwxyz") or 0), n))
    return {n: entries[n] for n in newest[:limit]}


def prune_drops_one(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    oldest = min(entries, key=lambda n: (entries[n].updated, n))  # drops only the single oldest, however far over
    return {n: e for n, e in entries.items() if n != oldest}


def prune_threshold_keeps_ties(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    cutoff = sorted((e.updated for e in entries.values()), reverse=True)[limit - 1]
    return {n: e for n, e in entries.items() if e.updated >= cutoff}  # every entry tied at the cut is kept


def prune_hash_tiebreak(entries, limit):
    if len(entries) <= limit:
        return dict(entries)
    newest = sorted(entries, key=lambda n: (-entries[n].updated, hash(n)))[:limit]  # hash(): differs per process
    return {n: entries[n] for n in newest}


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


def hlc_resets_on_equal_pt(state, pt, msg):
    if msg is None:
        if pt >= state.l:  # >= instead of >: an equal physical time restarts c, repeating a timestamp
            return pt, 0
        return state.l, state.c + 1
    return hlc_right(state, pt, msg)


def hlc_message_branch_first(state, pt, msg):
    if msg is None:
        l = max(state.l, pt)
        return l, (state.c + 1 if l == state.l else 0)
    l = max(state.l, msg.l, pt)
    if l == msg.l:  # checked before the three-way tie: c may fall back below the node's own c
        return l, msg.c + 1
    if l == state.l:
        return l, state.c + 1
    return l, 0


def hlc_receive_max_c_always(state, pt, msg):
    if msg is None:
        l = max(state.l, pt)
        return l, (state.c + 1 if l == state.l else 0)
    l = max(state.l, msg.l, pt)
    if l in (state.l, msg.l):
        return l, max(state.c, msg.c) + 1  # takes the message's c even when the message's l is smaller
    return l, 0


def hlc_receive_ignores_pt(state, pt, msg):
    if msg is None:
        l = max(state.l, pt)
        return l, (state.c + 1 if l == state.l else 0)
    l = max(state.l, msg.l)  # forgets the physical clock on a receive: l falls behind pt
    if l == state.l == msg.l:
        return l, max(state.c, msg.c) + 1
    return l, (state.c + 1 if l == state.l else msg.c + 1)


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


def commit_wait_slightly_short(now):
    return now.latest, 0.98 * (now.latest - now.earliest)  # 2% short: wrong when the clocks sit at the edge


def commit_earliest_with_full_wait(now):
    return now.earliest, now.latest - now.earliest  # waits, but s may lie before the transaction really began


def commit_swapped_result(now):
    return now.latest - now.earliest, now.latest  # returns (wait, s): the wrong order


# -- 04-design-clock-sync --------------------------------------------------------------------------------
# drift 200 ppm, a poll's round trip at most 2 ms, a poll at most every 5000 ms, mean commit latency <= 13 ms:
# eps >= 1 + 0.0002 * poll_every, poll_every >= 5000, 2 * eps + 2.2 <= 13

DESIGN_RIGHT = {"poll_every": 10_000, "eps": 3.0}
DESIGN_ALSO_RIGHT = [{"poll_every": 5000, "eps": 2.0},      # the load budget exactly, the smallest safe eps
                     {"poll_every": 20_000, "eps": 5.0},    # exactly at the drift bound
                     {"poll_every": 15_000.0, "eps": 5.4},  # exactly at the latency budget
                     {"poll_every": 8000, "eps": 4}]        # safe with room to spare
DESIGN_WRONG = [
    {"poll_every": 30_000, "eps": 7.0},    # Spanner's own numbers: safe, but 2 x 7 + 2.2 ms breaks the latency budget
    {"poll_every": 30_000, "eps": 5.0},    # the drift over 30 s alone is 6 ms: the clocks outrun eps
    {"poll_every": 10_000, "eps": 2.0},    # covers the drift (2 ms) but forgets the poll's own error (1 ms)
    {"poll_every": 5000, "eps": 1.0},      # covers the poll's error but forgets the drift between polls
    {"poll_every": 1000, "eps": 1.5},      # safe and fast, but polls five times more often than the masters allow
    {"poll_every": 10, "eps": 3.0},        # poll_every in seconds, not ms: a hundred polls a second
    {"poll_every": 10_000, "eps": 0.003},  # eps in seconds, not ms
    {"poll_every": 20_000, "eps": 3.0},    # drift halved (as if only one of two clocks drifted): 1 + 2, not 1 + 4
    {"poll_every": 10_000, "eps": 2.9},    # just under the bound: 1 + 0.0002 x 10,000 = 3
    {"poll_every": 10_000, "eps": 1.002},  # 200 ppm read as 0.0002 ms per second
    {"poll_every": 5000, "eps": 0},        # "NTP makes the clocks exact": no uncertainty at all
    {"poll": 10_000, "eps": 3.0},          # the wrong key name
    (10_000, 3.0),                         # a pair instead of the dict the statement asks for
]


RIGHT = {
    "04-ntp-offset": ntp_right,
    "04-lamport-receive": lamport_right,
    "04-drill-vc-compare": compare_right,
    "04-predict-concurrent": PREDICT_RIGHT,
    "04-siblings": siblings_right,
    "04-drill-pruning": prune_right,
    "04-hlc-update": hlc_right,
    "04-commit-wait": commit_right,
    "04-design-clock-sync": DESIGN_RIGHT,
}

WRONG = {
    "04-ntp-offset": [ntp_one_way, ntp_sign_flipped, ntp_full_round_trip, ntp_ignores_processing,
                      ntp_offset_ignores_t2, ntp_second_term_flipped, ntp_zero_bound, ntp_floor_division,
                      ntp_offset_precedence, ntp_swapped_result, ntp_abs_offset, ntp_bound_adds_processing],
    "04-lamport-receive": [lamport_no_increment, lamport_local_only, lamport_message_only, lamport_max_after_tick,
                           lamport_sum, lamport_tick_only_the_message, lamport_strictly_greater_branch,
                           lamport_plus_two, lamport_min],
    "04-drill-vc-compare": [naive_compare, compare_own_keys_only, compare_equal_is_concurrent,
                            compare_le_before_equality, compare_missing_key_error, compare_by_sum,
                            compare_equal_by_dict, compare_positional, compare_strict_every_entry,
                            compare_first_difference, compare_directions_swapped, compare_key_sets_differ],
    "04-predict-concurrent": [PREDICT_BY_LAMPORT, PREDICT_ALL_CONCURRENT, PREDICT_DIRECTION_SWAPPED,
                              PREDICT_NO_TRANSITIVITY, PREDICT_MESSAGE_ORDERS, PREDICT_SEND_ORDERS_RECEIVER,
                              PREDICT_RIGHT_BUT_LAMPORT_WHY, PREDICT_RIGHT_BUT_PROCESSES_WHY,
                              PREDICT_RIGHT_BUT_MESSAGE_WHY, PREDICT_FOUR_WORDS],
    "04-siblings": [siblings_lww_own_counter, siblings_overwrite, siblings_drops_equal, siblings_keep_all,
                    siblings_only_incoming_supersedes, siblings_by_sum, siblings_dedupe_by_value,
                    siblings_cross_only, siblings_keep_duplicates, siblings_only_the_maximum],
    "04-drill-pruning": [prune_naive, prune_by_counter, prune_oldest_kept, prune_off_by_one, prune_by_name,
                         prune_tie_keeps_larger_id, prune_numeric_tiebreak, prune_drops_one,
                         prune_threshold_keeps_ties, prune_hash_tiebreak],
    "04-hlc-update": [hlc_never_reset, hlc_ignores_message, hlc_physical_only, hlc_tie_ignores_msg_c,
                      hlc_receive_no_max_with_own, hlc_resets_on_equal_pt, hlc_message_branch_first,
                      hlc_receive_max_c_always, hlc_receive_ignores_pt],
    "04-commit-wait": [commit_no_wait, commit_half_wait, commit_earliest_no_wait, commit_local_time,
                       commit_wait_too_long, commit_wait_slightly_short, commit_earliest_with_full_wait,
                       commit_swapped_result],
    "04-design-clock-sync": DESIGN_WRONG,
}

ALSO_RIGHT = {
    "04-ntp-offset": [ntp_right_midpoints],
    "04-lamport-receive": [lamport_right_branches],
    "04-drill-vc-compare": [compare_right_enum],
    "04-predict-concurrent": [Answer(("Before", "concurrent", "AFTER ", "concurrent", " concurrent"), why="(C)")],
    "04-siblings": [siblings_right_dict],
    "04-drill-pruning": [prune_right],
    "04-hlc-update": [hlc_right_timestamp],
    "04-commit-wait": [commit_right_padded],
    "04-design-clock-sync": DESIGN_ALSO_RIGHT,
}

__all__ = ["RIGHT", "WRONG", "ALSO_RIGHT", "HybridTimestamp"]
