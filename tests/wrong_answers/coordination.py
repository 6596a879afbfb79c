"""Right and plausible wrong answers to the T10 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_coordination.py run every one of them.
"""

from __future__ import annotations

import re
from typing import Any

# -- 10-watch-predecessor ----------------------------------------------------------------------------


def _seq(name):
    tail = name[-10:]
    return int(tail) if len(name) > 10 and tail.isdigit() else None


def watch_right(children, mine):
    me = _seq(mine)
    below = [c for c in children if _seq(c) is not None and _seq(c) < me]
    return max(below, key=_seq) if below else None


def watch_right_sorted(children, mine):
    order = sorted((c for c in children if _seq(c) is not None), key=_seq)
    i = order.index(mine)
    return order[i - 1] if i else None


def watch_by_name(children, mine):
    order = sorted(c for c in children if _seq(c) is not None)  # sorts the names as text: prefixes decide
    i = order.index(mine)
    return order[i - 1] if i else None


def watch_the_leader(children, mine):
    order = sorted((c for c in children if _seq(c) is not None), key=_seq)
    return None if order[0] == mine else order[0]  # everyone watches the lowest: the herd effect


def watch_successor(children, mine):
    order = sorted((c for c in children if _seq(c) is not None), key=_seq)
    i = order.index(mine)  # the notes' "watch the next" read as the next one up
    if i == 0:
        return None
    return order[i + 1] if i + 1 < len(order) else order[i - 1]


def watch_self_when_lowest(children, mine):
    order = sorted((c for c in children if _seq(c) is not None), key=_seq)
    i = order.index(mine)
    return order[i - 1] if i else mine  # the leader watches itself instead of returning None


def watch_given_order(children, mine):
    seqd = [c for c in children if _seq(c) is not None]
    i = seqd.index(mine)  # trusts get_children to list them in order
    if all(_seq(c) >= _seq(mine) for c in seqd):
        return None
    return seqd[i - 1] if i else seqd[-1]


def watch_six_digits(children, mine):
    def short(c):  # the notes' node-000001: only the last six digits count
        return int(c[-6:]) if c[-6:].isdigit() and len(c) > 10 else None
    below = [c for c in children if short(c) is not None and short(c) < short(mine)]
    return max(below, key=short) if below else None


def watch_lowest_below(children, mine):
    me = _seq(mine)
    below = [c for c in children if _seq(c) is not None and _seq(c) < me]
    return min(below, key=_seq) if below else None  # the smallest below, not the largest


def watch_number(children, mine):
    me = _seq(mine)
    below = [_seq(c) for c in children if _seq(c) is not None and _seq(c) < me]
    return max(below) if below else None  # the number instead of the name


def watch_all_names(children, mine):
    me = int(mine[-10:])
    below = [c for c in children if int(c[-10:]) < me]  # crashes on a child without a number
    return max(below, key=lambda c: int(c[-10:])) if below else None


def watch_trailing_digits(children, mine):
    def num(c):  # the digits after the last "_": wrong for prefixes like "lock-"
        m = re.search(r"_(\d+)$", c)
        return int(m.group(1)) if m else None
    me = num(mine)
    below = [c for c in children if num(c) is not None and num(c) < me]
    return max(below, key=num) if below else None


def watch_set_order(children, mine):
    me = _seq(mine)
    below = {c for c in children if _seq(c) is not None and _seq(c) < me}
    if not below:
        return None
    top = max(_seq(c) for c in below)
    near = {c for c in below if _seq(c) >= top - 1}  # "close enough": any of the two just below
    return next(iter(near))


RIGHT: dict[str, Any] = {
    "10-watch-predecessor": watch_right,
}

WRONG: dict[str, list[Any]] = {
    "10-watch-predecessor": [watch_by_name, watch_the_leader, watch_successor, watch_self_when_lowest,
                             watch_given_order, watch_six_digits, watch_lowest_below, watch_number, watch_all_names,
                             watch_trailing_digits, watch_set_order],
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "10-watch-predecessor": [watch_right_sorted],
}

# -- 10-design-heartbeat -----------------------------------------------------------------------------

RIGHT["10-design-heartbeat"] = {"interval": 100, "timeout": 250}
ALSO_RIGHT["10-design-heartbeat"] = [{"interval": 125, "timeout": 290}, {"interval": 100.0, "timeout": 275.0}]
WRONG["10-design-heartbeat"] = [
    {"interval": 100, "timeout": 200},    # two heartbeat periods: the tail makes several false suspicions a minute
    {"interval": 100, "timeout": 400},    # safe from false suspicions, but crashes are seen too late
    {"interval": 50, "timeout": 150},     # more heartbeats than the cost goal allows
    {"interval": 150, "timeout": 150},    # the notes' Raft: heartbeat 150 ms against a timeout of 150 ms
    {"interval": 150, "timeout": 300},    # a longer period pushes the timeout past the detection goal
    {"interval": 200, "timeout": 400},    # "timeout = 2 x interval" on a longer period: detection too slow
    {"interval": 100, "timeout": 130},    # interval plus twice the median delay: the tail is ignored
    {"interval": "100", "timeout": "250"},  # numbers as text
    {"interval": 100},                    # no timeout
    (100, 250),                           # a tuple, not the dict asked for
    {"interval": 100, "timeout": -1},     # a negative timeout
    {"interval": 0.1, "timeout": 0.25},   # seconds instead of milliseconds: 10,000 heartbeats a second
    {"interval": 1000, "timeout": 3000},  # one heartbeat a second: cheap, and far too slow to detect
]

# -- 10-phi -------------------------------------------------------------------------------------------

import math  # noqa: E402
from statistics import NormalDist  # noqa: E402


def _mean_std(xs, min_std):
    m = sum(xs) / len(xs)
    return m, max(math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs)), min_std)


def phi_right(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_right_pstdev(intervals, elapsed, min_std):
    import statistics
    m, s = statistics.fmean(intervals), max(statistics.pstdev(intervals), min_std)
    try:
        return -math.log10(0.5 * math.erfc((elapsed - m) / s / math.sqrt(2)))
    except ValueError:  # log10(0): the tail underflowed
        return math.inf


def phi_sample_std(intervals, elapsed, min_std):
    m = sum(intervals) / len(intervals)
    s = max(math.sqrt(sum((x - m) ** 2 for x in intervals) / (len(intervals) - 1)), min_std)  # n - 1
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_no_floor(intervals, elapsed, min_std):
    m, _ = _mean_std(intervals, 0.0)  # forgets min_std: equal intervals divide by 0
    s = math.sqrt(sum((x - m) ** 2 for x in intervals) / len(intervals))
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_floor_added(intervals, elapsed, min_std):
    m, _ = _mean_std(intervals, 0.0)
    s = math.sqrt(sum((x - m) ** 2 for x in intervals) / len(intervals)) + min_std  # adds the floor
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_floor_as_cap(intervals, elapsed, min_std):
    m, _ = _mean_std(intervals, 0.0)
    s = min(math.sqrt(sum((x - m) ** 2 for x in intervals) / len(intervals)) or min_std, min_std)  # min for max
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_exponential(intervals, elapsed, min_std):
    m = sum(intervals) / len(intervals)
    return elapsed / m / math.log(10)  # Cassandra's exponential model, not the normal one asked for


def phi_natural_log(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log(tail)  # ln, not log10


def phi_cdf(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    cdf = 0.5 * math.erfc(-(elapsed - m) / (s * math.sqrt(2)))
    return math.inf if cdf == 0 else -math.log10(cdf)  # P(earlier), not P(later)


def phi_one_minus_cdf(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    tail = 1 - NormalDist(m, s).cdf(elapsed)  # rounds to 0 about 8 deviations out
    return math.inf if tail <= 0 else -math.log10(tail)


def phi_no_sqrt2(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    tail = 0.5 * math.erfc((elapsed - m) / s)  # erfc needs z / sqrt(2)
    return math.inf if tail == 0 else -math.log10(tail)


def phi_variance(intervals, elapsed, min_std):
    m = sum(intervals) / len(intervals)
    var = max(sum((x - m) ** 2 for x in intervals) / len(intervals), min_std)  # the variance used as a deviation
    tail = 0.5 * math.erfc((elapsed - m) / (var * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_zero_below_mean(intervals, elapsed, min_std):
    m, s = _mean_std(intervals, min_std)
    if elapsed <= m:
        return 0.0  # "not late yet": but phi is log10(2) at the mean and above 0 below it
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


def phi_median(intervals, elapsed, min_std):
    xs = sorted(intervals)
    m = xs[len(xs) // 2]  # the median as the centre
    s = max(math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs)), min_std)
    tail = 0.5 * math.erfc((elapsed - m) / (s * math.sqrt(2)))
    return math.inf if tail == 0 else -math.log10(tail)


RIGHT["10-phi"] = phi_right
ALSO_RIGHT["10-phi"] = [phi_right_pstdev]
WRONG["10-phi"] = [phi_sample_std, phi_no_floor, phi_floor_added, phi_floor_as_cap, phi_exponential, phi_natural_log,
                   phi_cdf, phi_one_minus_cdf, phi_no_sqrt2, phi_variance, phi_zero_below_mean, phi_median]

# -- 10-predict-bully ---------------------------------------------------------------------------------

from tests.wrong_answers import Answer  # noqa: E402

_BULLY = {"split": {"b10", "b8"}, "b10 down": {"b9", "b8"}, "healed": {"b9"}, "b10 back": {"b10"}}


def _bully(**change):
    return {**_BULLY, **{k.replace("_", " "): v for k, v in change.items()}}


RIGHT["10-predict-bully"] = Answer(_BULLY, why="a")
ALSO_RIGHT["10-predict-bully"] = [Answer({k: sorted(v) for k, v in _BULLY.items()}, why="(A)")]
WRONG["10-predict-bully"] = [
    Answer(_bully(split={"b9", "b8"}, b10_back={"b9"}), why="c"),    # ids ranked as text: b9 above b10
    Answer(_bully(split={"b8"}, b10_down={"b8"}), why="b"),          # bully as if it needed a majority
    Answer(_bully(healed={"b9", "b8"}, b10_back={"b10", "b8"}), why="d"),  # two coordinators forever
    Answer(_BULLY, why="b"),                                         # right sets, the majority reason
    Answer(_BULLY, why="c"),                                         # right sets, the text-ranking reason
    Answer(_bully(split={"b10"}), why="a"),                          # the partition goes unnoticed
    Answer(_bully(b10_back={"b9"}), why="a"),                        # a restarted higher member does not take over
    Answer(_bully(healed={"b9", "b8"}), why="a"),                    # the heal leaves both coordinators
    Answer(_bully(b10_down={"b8"}), why="a"),                        # the side that lost b10 follows no one
    Answer({k: ",".join(sorted(v)) for k, v in _BULLY.items()}, why="a"),  # strings, not sets
    Answer(_BULLY, why="e"),                                         # no such reason
    Answer({"split": {"b10", "b8"}, "healed": {"b9"}}, why="a"),     # phases missing
]

# -- 10-predict-suspicions ----------------------------------------------------------------------------

_SUSP = {"calm/150": "none", "calm/200": "none", "calm/300": "none",
         "tail/150": "many", "tail/200": "some", "tail/300": "none"}


def _susp(**change):
    return {**_SUSP, **{k.replace("_", "/"): v for k, v in change.items()}}


RIGHT["10-predict-suspicions"] = Answer(_SUSP, why="b")
ALSO_RIGHT["10-predict-suspicions"] = [Answer({k: v.upper() for k, v in _SUSP.items()}, why=" B ")]
WRONG["10-predict-suspicions"] = [
    Answer({k: "none" for k in _SUSP}, why="c"),                           # any timeout above the round trip is safe
    Answer(_susp(tail_150="none", tail_200="none"), why="a"),              # same median, same behaviour
    Answer(_susp(calm_150="many", calm_200="some"), why="a"),              # the tail's counts given to both networks
    Answer(_susp(tail_150="none", tail_300="many"), why="d"),              # a longer timeout suspects more
    Answer(_SUSP, why="a"),                                                # right buckets, the median reason
    Answer(_SUSP, why="d"),                                                # right buckets, a reason the run refutes
    Answer(_susp(tail_200="many"), why="b"),                               # 200 ms still leaves dozens
    Answer(_susp(tail_300="some"), why="b"),                               # 300 ms still leaves a few
    Answer(_susp(tail_150="some"), why="b"),                               # 150 ms on the tail: only a few
    Answer(_susp(calm_150="some"), why="b"),                               # 50 ms of slack is too little on calm
    Answer({k: (0 if v == "none" else 5) for k, v in _SUSP.items()}, why="b"),  # numbers, not buckets
    Answer({k: v for k, v in _SUSP.items() if k.startswith("tail")}, why="b"),  # the calm network left out
]

# -- 10-drill-lease-drift -----------------------------------------------------------------------------


def stop_right(sent_at, received_at, lease, drift_bound):
    return sent_at + lease * (1 - drift_bound)


def stop_right_margin(sent_at, received_at, lease, drift_bound):
    margin = lease * drift_bound
    return sent_at + lease - margin


def stop_full_term(sent_at, received_at, lease, drift_bound):
    return sent_at + lease  # the notes' TTL: the whole term on the holder's own clock


def stop_from_receipt(sent_at, received_at, lease, drift_bound):
    return received_at + lease * (1 - drift_bound)  # the term began at the store, before the grant came back


def stop_from_receipt_full(sent_at, received_at, lease, drift_bound):
    return received_at + lease  # both mistakes at once


def stop_divided(sent_at, received_at, lease, drift_bound):
    return sent_at + lease / (1 + drift_bound)  # right to first order only: a slow clock still overstays


def stop_minus_bound(sent_at, received_at, lease, drift_bound):
    return sent_at + lease - drift_bound  # subtracts the rate as if it were milliseconds


def stop_plus_drift(sent_at, received_at, lease, drift_bound):
    return sent_at + lease * (1 + drift_bound)  # the margin added instead of taken away


def stop_tiny(sent_at, received_at, lease, drift_bound):
    return sent_at + lease * drift_bound  # keeps only the margin: safe, and leads almost never


def stop_double_margin(sent_at, received_at, lease, drift_bound):
    return sent_at + lease * (1 - 2 * drift_bound)  # counts the store's clock as drifting too: gives up time


def stop_minus_round_trip(sent_at, received_at, lease, drift_bound):
    return sent_at + lease * (1 - drift_bound) - (received_at - sent_at)  # the round trip taken off twice


def stop_whole_ms(sent_at, received_at, lease, drift_bound):
    return int(sent_at) + int(lease * (1 - drift_bound))  # the notes' int(time.time()): truncates


def stop_wall_clock(sent_at, received_at, lease, drift_bound):
    import time
    return time.monotonic() * 0 + sent_at + lease * (1 - drift_bound) + (time.time() % 1) * 1e-3  # reads the clock


RIGHT["10-drill-lease-drift"] = stop_right
ALSO_RIGHT["10-drill-lease-drift"] = [stop_right_margin]
WRONG["10-drill-lease-drift"] = [stop_full_term, stop_from_receipt, stop_from_receipt_full, stop_divided,
                                 stop_minus_bound, stop_plus_drift, stop_tiny, stop_double_margin,
                                 stop_minus_round_trip, stop_whole_ms, stop_wall_clock]

# -- 10-drill-seed-timers -----------------------------------------------------------------------------

import random as _random  # noqa: E402
import time as _time  # noqa: E402


def timeout_right(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return rng.uniform(low, 2 * low)


def timeout_right_wide(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return low * (1.2 + 1.5 * rng.random())


def timeout_seed(rng, heartbeat, max_delay):
    return rng.randint(int(heartbeat), int(2 * heartbeat))  # the notes: randint(150, 300) with a 150 ms heartbeat


def timeout_global_random(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return _random.uniform(low, 2 * low)  # the global random: a run cannot be replayed


def timeout_constant(rng, heartbeat, max_delay):
    return 2 * (heartbeat + max_delay)  # safe, but every follower times out together: split votes


_DRAWN: dict = {}


def timeout_drawn_once(rng, heartbeat, max_delay):
    key = (heartbeat, max_delay)  # the notes draw once, in __init__, and keep it
    if key not in _DRAWN:
        _DRAWN[key] = rng.uniform(heartbeat + max_delay, 2 * (heartbeat + max_delay))
    return _DRAWN[key]


def timeout_narrow(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return rng.uniform(low, low + 0.1 * low)  # too narrow a range: followers collide


def timeout_slow(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return rng.uniform(5 * low, 10 * low)  # safe and spread, but a dead leader goes unnoticed for long


def timeout_no_delay(rng, heartbeat, max_delay):
    return rng.uniform(heartbeat, 2 * heartbeat)  # forgets that heartbeats arrive late


def timeout_clock(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return low * (1 + (_time.time() * 1000 % 1000) / 1000)  # jitter from the wall clock


def timeout_half_delay(rng, heartbeat, max_delay):
    low = heartbeat + max_delay / 2  # counts half the delay, as if it were a round trip split in two
    return rng.uniform(low, 2 * low)


def timeout_up_to_double_heartbeat(rng, heartbeat, max_delay):
    return rng.uniform(heartbeat + max_delay, 2 * heartbeat)  # the top fixed at twice the heartbeat


def timeout_gauss(rng, heartbeat, max_delay):
    low = heartbeat + max_delay
    return rng.gauss(1.5 * low, 0.25 * low)  # unbounded below: sometimes shorter than a heartbeat


RIGHT["10-drill-seed-timers"] = timeout_right
ALSO_RIGHT["10-drill-seed-timers"] = [timeout_right_wide]
WRONG["10-drill-seed-timers"] = [timeout_seed, timeout_global_random, timeout_constant, timeout_drawn_once,
                                 timeout_narrow, timeout_slow, timeout_no_delay, timeout_clock, timeout_half_delay,
                                 timeout_up_to_double_heartbeat, timeout_gauss]

# -- 10-sequential-create -----------------------------------------------------------------------------

from dsworkbook.coordination.znodes import (NoChildrenForEphemerals, NodeExists, NoNode,  # noqa: E402
                                            check_path, parent_of)


def _created(tree, path, sequential, *, number=None, ephemeral_check=True, exists_check=True, parent=parent_of,
             width=10):
    check_path(path)
    if path == "/":
        raise NodeExists("the root always exists")
    par = parent(path)
    st = tree.exists(par)
    if st is None:
        raise NoNode(par)
    if ephemeral_check and st.ephemeral_owner:
        raise NoChildrenForEphemerals(par)
    if sequential:
        n = st.cversion if number is None else number(tree, par, path, st)
        path = f"{path}{n:0{width}d}" if width else f"{path}{n}"
    if exists_check and tree.exists(path) is not None:
        raise NodeExists(path)
    return path


def created_right(tree, path, sequential):
    return _created(tree, path, sequential)


def created_right_rsplit(tree, path, sequential):
    check_path(path)
    head = path.rsplit("/", 1)[0] or "/"
    st = tree.exists(head)
    if st is None:
        raise NoNode(head)
    if st.ephemeral_owner != 0:
        raise NoChildrenForEphemerals(head)
    name = path + "%010d" % st.cversion if sequential else path
    if tree.exists(name):
        raise NodeExists(name)
    return name


def created_count_children(tree, path, sequential):
    return _created(tree, path, sequential, number=lambda t, par, p, st: len(t.get_children(par)))  # count now


def created_one_plus_max(tree, path, sequential):
    def nxt(t, par, p, st):  # rebuilt from the children: the newest number is reused after a delete
        prefix = p.rsplit("/", 1)[1]
        seqs = [int(c[-10:]) for c in t.get_children(par) if c.startswith(prefix) and c[-10:].isdigit()]
        return 1 + max(seqs, default=-1)
    return _created(tree, path, sequential, number=nxt)


def created_plus_one(tree, path, sequential):
    return _created(tree, path, sequential, number=lambda t, par, p, st: st.cversion + 1)  # counts from 1


def created_six_digits(tree, path, sequential):
    return _created(tree, path, sequential, width=6)  # the notes' node-000001


def created_no_padding(tree, path, sequential):
    return _created(tree, path, sequential, width=0)  # n_7 instead of n_0000000007


def created_no_ephemeral_check(tree, path, sequential):
    return _created(tree, path, sequential, ephemeral_check=False)  # ephemerals cannot have children


def created_no_parent_check(tree, path, sequential):
    st = tree.exists(parent_of(path))  # assumes the parent exists
    return f"{path}{st.cversion:010d}" if sequential else path


def created_no_exists_check(tree, path, sequential):
    return _created(tree, path, sequential, exists_check=False)  # a plain duplicate is refused


def created_per_prefix(tree, path, sequential):
    def nxt(t, par, p, st):  # one counter per prefix, as if the name owned it
        prefix = p.rsplit("/", 1)[1]
        return sum(1 for c in t.get_children(par) if c.startswith(prefix))
    return _created(tree, path, sequential, number=nxt)


def created_empty_parent(tree, path, sequential):
    return _created(tree, path, sequential, parent=lambda p: p.rsplit("/", 1)[0])  # "" for a top-level znode


def created_num_children(tree, path, sequential):
    return _created(tree, path, sequential, number=lambda t, par, p, st: st.num_children)  # children now, not changes


RIGHT["10-sequential-create"] = created_right
ALSO_RIGHT["10-sequential-create"] = [created_right_rsplit]
WRONG["10-sequential-create"] = [created_count_children, created_one_plus_max, created_plus_one, created_six_digits,
                                 created_no_padding, created_no_ephemeral_check, created_no_parent_check,
                                 created_no_exists_check, created_per_prefix, created_empty_parent,
                                 created_num_children]
