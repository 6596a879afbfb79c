"""Right and plausible wrong answers to the T02 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_quorums.py run every one of them.
"""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.storage.ap import resolve_lww
from dsworkbook.storage.common import Refused
from dsworkbook.storage.cp import Tag
from dsworkbook.storage.merkle import merkle_diff
from dsworkbook.storage.naive import NaiveQuorumReplica
from dsworkbook.storage.quorum import stale_reads
from tests.wrong_answers import Answer

# -- 02-drill-quorum ------------------------------------------------------------------------------------


class QuorumRight(NaiveQuorumReplica):
    def quorum_size(self, n):
        return n // 2 + 1

    def write_done(self, op):
        return len(op.acks) >= self.quorum_size(len(self.replicas))

    def latest(self, replies):
        return max(replies.values(), key=lambda tv: tv[0])

    def next_tag(self, seen):
        return Tag(max(seen.counter, self.counter) + 1, self.id)


class QuorumFloatMajority(QuorumRight):
    def quorum_size(self, n):
        return math.ceil(n * 0.51)  # the seeds' "51 %": one replica too many from n = 51 on


class QuorumCountsSends(QuorumRight):
    def write_done(self, op):
        return len(op.sent) >= self.quorum_size(len(self.replicas))  # sent is not stored


class QuorumFirstReply(QuorumRight):
    def latest(self, replies):
        return next(iter(replies.values()))  # the first answer (its own copy), not the newest


class QuorumOwnCounter(QuorumRight):
    def next_tag(self, seen):
        return Tag(self.counter + 1, self.id)  # ignores the tags the quorum reported


class QuorumHalf(QuorumRight):
    def quorum_size(self, n):
        return max(1, n // 2)  # half is not a majority: two halves need not meet


class QuorumNewestByValue(QuorumRight):
    def latest(self, replies):
        return max(replies.values(), key=lambda tv: (tv[1] is not None, tv[1]))  # the biggest value, not tag


class QuorumReusedTag(QuorumRight):
    def next_tag(self, seen):
        return Tag(seen.counter, self.id)  # the same counter as the value it overwrites: ties break on id


class QuorumCeilHalf(QuorumRight):
    def quorum_size(self, n):
        return (n + 1) // 2  # ceil(n / 2): for even n that is half, and two halves need not meet


class QuorumAllAcks(QuorumRight):
    def write_done(self, op):
        return len(op.acks) >= len(self.replicas)  # waits for every replica: one replica down blocks all writes


class QuorumMoreThanQuorum(QuorumRight):
    def write_done(self, op):
        return len(op.acks) > self.quorum_size(len(self.replicas))  # > instead of >=: two down block writes


class QuorumCountsQueryReplies(QuorumRight):
    def write_done(self, op):
        return len(op.replies) >= self.quorum_size(len(self.replicas))  # the query phase's replies, not acks


class QuorumSeenOnly(QuorumRight):
    def next_tag(self, seen):
        return Tag(seen.counter + 1, self.id)  # forgets self.counter: two writes through one replica share a tag


class QuorumCounterOnly(QuorumRight):
    def latest(self, replies):
        return max(replies.values(), key=lambda tv: tv[0].counter)  # equal counters: the writer must break the tie


class QuorumNumericWriter(QuorumRight):
    def latest(self, replies):
        # compares writer ids as numbers (n10 > n9) while replicas order Tags as strings (n9 > n10)
        return max(replies.values(), key=lambda tv: (tv[0].counter, int(tv[0].writer[1:] or 0)))


class QuorumRandomTie(QuorumRight):
    def latest(self, replies):
        best = max(tv[0].counter for tv in replies.values())
        return random.choice([tv for tv in replies.values() if tv[0].counter == best])  # a random pick among ties


class QuorumSkipsEmpty(QuorumRight):
    def latest(self, replies):
        # ignores replicas that hold nothing: crashes when nobody wrote the key yet
        return max((tv for tv in replies.values() if tv[1] is not None), key=lambda tv: tv[0])


class QuorumSeenWriter(QuorumRight):
    def next_tag(self, seen):
        return Tag(max(seen.counter, self.counter) + 1, seen.writer or self.id)  # borrows the old writer's id


# -- 02-cp-outcome ----------------------------------------------------------------------------------------


def outcome_right(f, reply):
    if reply is None:
        return "unknown", None
    if reply.ok:
        return "ok", reply.value if f == "read" else None
    if isinstance(reply.value, Refused) and not reply.value.maybe_applied:
        return "fail", None
    return "unknown", None


def outcome_refusal_is_failure(f, reply):
    if reply is None:
        return "unknown", None
    if reply.ok:
        return "ok", reply.value if f == "read" else None
    return "fail", None  # a write refused after some replicas stored it may still be read later


def outcome_timeout_is_failure(f, reply):
    if reply is None:
        return "fail", None  # a timeout is not a failure: the write may have been applied
    return outcome_right(f, reply)


def outcome_everything_unknown(f, reply):
    if reply is not None and reply.ok:
        return "ok", reply.value if f == "read" else None
    return "unknown", None  # safe but useless: a refusal that changed nothing is a 'fail'


def outcome_flag_backwards(f, reply):
    if reply is not None and not reply.ok and isinstance(reply.value, Refused):
        return ("fail", None) if reply.value.maybe_applied else ("unknown", None)  # reads the flag backwards
    return outcome_right(f, reply)


def outcome_write_echoes_reply(f, reply):
    if reply is not None and reply.ok:
        return "ok", reply.value  # an ok write's output is None, whatever its reply carries
    return outcome_right(f, reply)


def outcome_falsy_is_none(f, reply):
    if reply is not None and reply.ok and f == "read":
        return "ok", reply.value or None  # 0 and "" are values, not "nothing"
    return outcome_right(f, reply)


def outcome_read_timeout_fails(f, reply):
    if reply is None and f == "read":
        return "fail", None  # "a read changes nothing" - but a timeout is never recorded as a failure
    return outcome_right(f, reply)


def outcome_reason_text(f, reply):
    if reply is not None and not reply.ok:
        # guesses from the reason's words instead of reading maybe_applied
        return ("unknown", None) if "propagate" in str(reply.value.reason) else ("fail", None)
    return outcome_right(f, reply)


def outcome_fail_carries_error(f, reply):
    outcome, output = outcome_right(f, reply)
    if outcome == "fail":
        return "fail", reply.value  # a refusal has no output: the error belongs in the log, not the history
    return outcome, output


def outcome_response_as_output(f, reply):
    if reply is not None and reply.ok and f == "read":
        return "ok", reply  # the whole Response, not the value it carries
    return outcome_right(f, reply)


# -- 02-read-repair ----------------------------------------------------------------------------------------


def repair_right(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present, key=lambda v: v.stamp)
    return newest, [r for r, v in replies.items() if v is None or v.stamp < newest.stamp]


def repair_skips_missing(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present)
    return newest, [r for r, v in replies.items() if v is not None and v < newest]  # a replica with None is stale too


def repair_by_clock_only(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present, key=lambda v: v.stamp.time)  # equal clocks: the replica id must break the tie
    return newest, [r for r, v in replies.items() if v != newest]


def repair_everyone(replies):
    newest, _ = resolve_lww(replies)
    return newest, sorted(replies)  # repairs replicas that already hold the newest version


def repair_first_reply(replies):
    first = next(iter(replies.values()))  # whatever answered first, maybe a stale replica
    return first, [r for r, v in replies.items() if v != first]


def repair_by_value(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present, key=lambda v: v.value)  # the biggest value, not the newest stamp
    return newest, [r for r, v in replies.items() if v is None or v.stamp < newest.stamp]


def repair_time_then_counter(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    newest = max(present, key=lambda v: (v.stamp.time, v.stamp.n))  # skips the replica id in the tie-break
    return newest, [r for r, v in replies.items() if v is None or v.stamp < newest.stamp]


def repair_numeric_replica(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    # replica ids compared as numbers (n10 > n9); stamps compare them as strings (n9 > n10)
    newest = max(present, key=lambda v: (v.stamp.time, int(v.stamp.replica[1:]), v.stamp.n))
    return newest, [r for r, v in replies.items() if v is None or v != newest]


def repair_only_missing(replies):
    newest, _ = resolve_lww(replies)
    return newest, [r for r, v in replies.items() if v is None]  # replicas holding an OLDER version need it too


def repair_clock_strictly_older(replies):
    newest, _ = resolve_lww(replies)
    if newest is None:
        return None, []
    # equal clocks with another replica id are a different write: they need the repair as well
    return newest, [r for r, v in replies.items() if v is None or v.stamp.time < newest.stamp.time]


def repair_crashes_on_nobody(replies):
    newest = max(v for v in replies.values() if v is not None)  # nobody has the key: max() of nothing
    return newest, [r for r, v in replies.items() if v is None or v.stamp < newest.stamp]


def repair_random_tie(replies):
    present = [v for v in replies.values() if v is not None]
    if not present:
        return None, []
    best = max(v.stamp.time for v in present)
    newest = random.choice([v for v in present if v.stamp.time == best])  # a random winner among equal clocks
    return newest, [r for r, v in replies.items() if v != newest]


# -- 02-merkle-diff -----------------------------------------------------------------------------------------


def merkle_right(a, b):
    frontier, compared = [0], 0
    for level in range(a.depth + 1):
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return set(differ), compared
        frontier = [c for i in differ for c in (2 * i, 2 * i + 1)]


def merkle_recursive(a, b):
    # also right: a depth-first walk compares the same pairs
    found, count = set(), 0

    def walk(level, i):
        nonlocal count
        count += 1
        if a.hash(level, i) == b.hash(level, i):
            return
        if level == a.depth:
            found.add(i)
        else:
            walk(level + 1, 2 * i)
            walk(level + 1, 2 * i + 1)

    walk(0, 0)
    return found, count


def merkle_all_leaves(a, b):
    leaves = a.levels[a.depth]
    return {i for i in range(len(leaves)) if a.hash(a.depth, i) != b.hash(a.depth, i)}, len(leaves)  # no descent


def merkle_left_child_only(a, b):
    frontier, compared = [0], 0
    for level in range(a.depth + 1):
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return set(differ), compared
        frontier = [2 * i for i in differ]  # forgets the right child


def merkle_stops_at_root(a, b):
    return ({0} if a.root != b.root else set()), 1  # the root says "something differs", not where


def merkle_heap_children(a, b):
    frontier, compared = [0], 0
    for level in range(a.depth + 1):
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return set(differ), compared
        # array-heap children 2i+1, 2i+2; the tree's are 2i, 2i+1 on the next level
        frontier = [c for i in differ for c in (2 * i + 1, 2 * i + 2) if c < len(a.levels[level + 1])]


def merkle_one_level_short(a, b):
    frontier, compared = [0], 0
    for level in range(a.depth):  # stops one level above the leaves
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth - 1 or a.depth == 0:
            return set(differ), compared
        frontier = [c for i in differ for c in (2 * i, 2 * i + 1)]
    return ({0} if a.root != b.root else set()), 1


def merkle_counts_differences(a, b):
    frontier, found, differing = [0], set(), 0
    for level in range(a.depth + 1):
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        differing += len(differ)  # counts the pairs that differed, not the pairs compared
        if level == a.depth:
            return set(differ), max(1, differing)
        frontier = [c for i in differ for c in (2 * i, 2 * i + 1)]


def merkle_whole_levels(a, b):
    compared, differ = 0, []
    for level in range(a.depth + 1):
        nodes = range(len(a.levels[level]))  # compares every node of every level: no pruning
        compared += len(nodes)
        differ = [i for i in nodes if a.hash(level, i) != b.hash(level, i)]
    return set(differ), compared


def merkle_skips_empty(a, b):
    frontier, compared = [0], 0
    for level in range(a.depth + 1):
        compared += len(frontier)
        # treats a node that is empty on one side as "nothing to compare": misses keys only b has
        differ = [i for i in frontier if a.hash(level, i) and a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return set(differ), compared
        frontier = [c for i in differ for c in (2 * i, 2 * i + 1)]


def merkle_descends_always(a, b):
    frontier, compared, differ = [0], 0, []
    for level in range(a.depth + 1):
        compared += len(frontier)
        differ = [i for i in frontier if a.hash(level, i) != b.hash(level, i)]
        if level == a.depth:
            return set(differ), compared
        # descends into the first child even when its parent matched: right buckets, too many comparisons
        frontier = sorted({c for i in differ for c in (2 * i, 2 * i + 1)} | {2 * frontier[0]})


def merkle_library(a, b):
    d = merkle_diff(a, b)
    return set(d.buckets), d.compared


# -- 02-stale-reads ------------------------------------------------------------------------------------------


def stale_right(history):
    ops = list(history)
    out = set()
    for r in ops:
        if r.f != "read" or r.outcome != "ok":
            continue
        if r.output is None:
            end = float("-inf")
        else:
            src = [w for w in ops if w.f == "write" and w.key == r.key and w.input == r.output]
            end = src[0].complete_time if src and src[0].outcome == "ok" else float("inf")
        if any(w.f == "write" and w.key == r.key and w.outcome == "ok" and w.invoke_time > end
               and w.complete_time < r.invoke_time for w in ops):
            out.add(r.index)
    return out


def stale_last_completed(history):
    out = set()
    for r in history:
        if r.f != "read" or r.outcome != "ok":
            continue
        done = [w for w in history if w.f == "write" and w.key == r.key and w.outcome == "ok"
                and w.complete_time < r.invoke_time]
        if done and r.output != max(done, key=lambda w: w.complete_time).input:
            out.add(r.index)  # concurrent writes may complete in either order: not necessarily stale
    return out


def stale_counts_unknown(history):
    ops = list(history)
    out = set()
    for r in ops:
        if r.f != "read" or r.outcome != "ok":
            continue
        src = [w for w in ops if w.f == "write" and w.key == r.key and w.input == r.output]
        end = src[0].complete_time if src else float("-inf")
        if any(w.f == "write" and w.key == r.key and w.outcome != "fail" and w.invoke_time > end
               and w.complete_time < r.invoke_time for w in ops):
            out.add(r.index)  # a write that timed out (unknown) may never have happened
    return out


def stale_any_key(history):
    ops = list(history)
    out = set()
    for r in ops:
        if r.f == "read" and r.outcome == "ok" and r.output is None and any(
                w.f == "write" and w.outcome == "ok" and w.complete_time < r.invoke_time for w in ops):
            out.add(r.index)  # writes to other keys do not make a read stale; and only initial values are checked
    return out


def _stale_variant(history, *, end_of=None, newer=None, counts=None, read_ok=True, value_of=None):
    """The reference with one rule swapped for a wrong one (each wrong answer below names its rule)."""
    ops = list(history)
    value_of = value_of or (lambda w: w.input)
    out = set()
    for r in ops:
        if r.f != "read" or (read_ok and r.outcome != "ok"):
            continue
        src = [w for w in ops if w.f == "write" and w.key == r.key and value_of(w) == r.output]
        if r.output is None:
            end = float("-inf")
        elif end_of is not None:
            end = end_of(src)
        else:
            end = src[0].complete_time if src and src[0].outcome == "ok" else float("inf")
        counted = counts or (lambda w: w.outcome == "ok")
        is_newer = newer or (lambda w, end, r: w.invoke_time > end and w.complete_time < r.invoke_time)
        if any(w.f == "write" and w.key == r.key and counted(w) and w.complete_time is not None and is_newer(w, end, r)
               for w in ops):
            out.add(r.index)
    return out


def stale_lenient_boundaries(history):
    # <= instead of <: a write that completed exactly when the read began, or began exactly when the
    # value's write completed, overlaps it in real time
    return _stale_variant(history, newer=lambda w, end, r: w.invoke_time >= end and w.complete_time <= r.invoke_time)


def stale_unknown_source_completed(history):
    # treats the completion of a timed-out (unknown) write as the moment its value was written
    return _stale_variant(history, end_of=lambda src: src[0].complete_time if src and src[0].outcome != "fail"
                          and src[0].complete_time is not None else float("inf"))


def stale_failed_reads_too(history):
    return _stale_variant(history, read_ok=False)  # a read that failed returned nothing: it cannot be stale


def stale_never_initial(history):
    return {i for i in stale_right(history) if history[i].output is not None}  # a read of None can be stale too


def stale_read_completion(history):
    # compares with the read's completion instead of its invoke: a write concurrent with the read counts
    return _stale_variant(history, newer=lambda w, end, r: w.invoke_time > end and w.complete_time < r.complete_time)


def stale_newer_completed_after(history):
    # "completed after the value's write completed": a concurrent write may legitimately come first
    return _stale_variant(history, newer=lambda w, end, r: w.complete_time > end and w.complete_time < r.invoke_time)


def stale_matches_output(history):
    # identifies a write by its completion's output, not its input (an ok write's output is None)
    return _stale_variant(history, value_of=lambda w: w.output)


def stale_fail_source_counts(history):
    # reads a refused write's value as if it had been written when the refusal came back
    return _stale_variant(history, end_of=lambda src: src[0].complete_time if src and src[0].complete_time
                          is not None else float("inf"))


# -- 02-predict-stale, 02-predict-pacelc, 02-design-quorum ---------------------------------------------------

STALE_TRUTH = {"N=4 W=2 R=3": False, "N=6 W=3 R=3": True, "N=7 W=1 R=7": False, "N=20 W=11 R=10": False,
               "N=3 W=2 R=2, n1's clock 300 ms ahead": True}


def _stale(**changes):
    return dict(STALE_TRUTH, **changes)


RIGHT: dict[str, Any] = {
    "02-drill-quorum": QuorumRight,
    "02-cp-outcome": outcome_right,
    "02-read-repair": repair_right,
    "02-merkle-diff": merkle_right,
    "02-stale-reads": stale_right,
    "02-predict-stale": Answer(STALE_TRUTH, why="b"),
    "02-predict-pacelc": Answer(["W=1", "W=4", "CP", "W=5"], why="a"),
    "02-design-quorum": {"N": 5, "R": 3, "W": 3, "repair": {"anti-entropy"}},
}

WRONG: dict[str, list[Any]] = {
    "02-drill-quorum": [QuorumFloatMajority, QuorumCountsSends, QuorumFirstReply, QuorumOwnCounter, QuorumHalf,
                        QuorumNewestByValue, QuorumReusedTag, NaiveQuorumReplica, QuorumCeilHalf, QuorumAllAcks,
                        QuorumMoreThanQuorum, QuorumCountsQueryReplies, QuorumSeenOnly, QuorumCounterOnly,
                        QuorumNumericWriter, QuorumRandomTie, QuorumSkipsEmpty, QuorumSeenWriter],
    "02-cp-outcome": [outcome_refusal_is_failure, outcome_timeout_is_failure, outcome_everything_unknown,
                      outcome_flag_backwards, outcome_write_echoes_reply, outcome_falsy_is_none,
                      outcome_read_timeout_fails, outcome_reason_text, outcome_fail_carries_error,
                      outcome_response_as_output],
    "02-read-repair": [repair_skips_missing, repair_by_clock_only, repair_everyone, repair_first_reply,
                       repair_by_value, repair_time_then_counter, repair_numeric_replica, repair_only_missing,
                       repair_clock_strictly_older, repair_crashes_on_nobody, repair_random_tie],
    "02-merkle-diff": [merkle_all_leaves, merkle_left_child_only, merkle_stops_at_root, merkle_heap_children,
                       merkle_one_level_short, merkle_counts_differences, merkle_whole_levels, merkle_skips_empty,
                       merkle_descends_always],
    "02-stale-reads": [stale_last_completed, stale_counts_unknown, stale_any_key, stale_lenient_boundaries,
                       stale_unknown_source_completed, stale_failed_reads_too, stale_never_initial,
                       stale_read_completion, stale_newer_completed_after, stale_matches_output,
                       stale_fail_source_counts],
    "02-predict-stale": [
        Answer(_stale(**{"N=6 W=3 R=3": False}), why="b"),  # R + W = N is not > N: the quorums can miss
        Answer(_stale(**{"N=4 W=2 R=3": True}), why="b"),  # 3 + 2 > 4: every read quorum meets the write
        Answer(_stale(**{"N=7 W=1 R=7": True}), why="b"),  # read-all meets any write, even W = 1
        Answer(_stale(**{"N=20 W=11 R=10": True}), why="b"),  # 21 > 20: the overlap is one replica, enough
        Answer(_stale(**{"N=3 W=2 R=2, n1's clock 300 ms ahead": False}), why="b"),  # "R + W > N is never stale"
        Answer(STALE_TRUTH, why="a"),  # the quorums did meet: the reason is the clock
        Answer(STALE_TRUTH, why="c"),  # x = 2 was acknowledged by every replica
        Answer(STALE_TRUTH, why="d"),  # no read repair ran before the read
        Answer(_stale(**{"N=3 W=2 R=2, n1's clock 300 ms ahead": False}), why="e"),  # quorums met, clocks did not
        Answer({k: True for k in STALE_TRUTH}, why="b"),  # "quorums are only eventually consistent"
        Answer({k: (v if "clock" not in k else False) for k, v in STALE_TRUTH.items()}, why="a"),
        Answer(dict(list(STALE_TRUTH.items())[:4]), why="b"),  # a key left out
        Answer({k: int(v) for k, v in STALE_TRUTH.items()}, why="b"),  # 1 and 0 are not True and False
    ],
    "02-predict-pacelc": [
        Answer(["W=1", "CP", "W=4", "W=5"], why="e"),  # CP waits for 3 acks, but twice: two round trips to one
        Answer(["W=1", "CP", "W=4", "W=5"], why="a"),  # the order contradicts its own reason
        Answer(["W=1", "W=4", "W=5", "CP"], why="c"),  # "CP is slowest": not with a far replica to wait for
        Answer(["W=1", "W=4", "CP", "W=5"], why="b"),  # W=1, 4, 5 send the same messages, yet differ most
        Answer(["W=1", "W=4", "CP", "W=5"], why="c"),  # the order is right, the reason is not
        Answer(["W=1", "W=4", "CP", "W=5"], why="d"),  # the far replica slows only the writes that wait for it
        Answer(["W=1", "W=4", "CP", "W=5"], why="e"),  # CP waits for fewer acks than W=4 yet is slower
        Answer(["CP", "W=5", "W=4", "W=1"], why="a"),  # slowest first
        Answer(["W=5", "W=4", "W=1", "CP"], why="b"),  # "fewest messages first"
        Answer(["W=1", "W=4", "CP"], why="a"),  # a setting left out
        Answer(["AP", "quorum", "CP", "W=5"], why="a"),  # the names of another table
        Answer(["W=1", "W=4", "CP", "W=5"], why="f"),  # not one of the reasons offered
    ],
    "02-design-quorum": [
        {"N": 3, "R": 2, "W": 2, "repair": {"anti-entropy"}},  # with n1, n2 cut off one replica cannot make 2
        {"N": 4, "R": 2, "W": 3, "repair": {"anti-entropy"}},  # two replicas left: W = 3 cannot be met
        {"N": 5, "R": 2, "W": 3, "repair": {"anti-entropy"}},  # R + W = N: a read can miss the write
        {"N": 5, "R": 3, "W": 3, "repair": {"hinted handoff"}},  # the hints die with the coordinator
        {"N": 5, "R": 3, "W": 3, "repair": {"read repair"}},  # nobody reads: nothing is repaired
        {"N": 5, "R": 3, "W": 3, "repair": set()},  # no repair at all
        {"N": 5, "R": 1, "W": 5, "repair": {"anti-entropy"}},  # write-all: one replica down blocks writes
        {"N": 5, "R": 5, "W": 1, "repair": {"anti-entropy"}},  # read-all: one replica down blocks reads
        {"N": 5, "R": 4, "W": 2, "repair": {"anti-entropy"}},  # R = 4 of the 3 left by the partition
        {"N": 6, "R": 4, "W": 3, "repair": {"anti-entropy"}},  # meets every SLO, but 5 replicas suffice
        {"N": 7, "R": 4, "W": 4, "repair": {"anti-entropy", "read repair"}},  # not the cheapest either
        {"N": 5, "R": 3, "W": 3, "repair": {"merkle trees"}},  # not one of the mechanisms offered
    ],
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "02-read-repair": [resolve_lww],
    "02-merkle-diff": [merkle_recursive, merkle_library],
    "02-stale-reads": [lambda history: {s.read.index for s in stale_reads(history)}],
    "02-design-quorum": [{"N": 5, "R": 3, "W": 3, "repair": {"anti-entropy", "hinted handoff", "read repair"}},
                         {"N": 5, "R": 3, "W": 3, "repair": ["anti-entropy", "read repair"]},
                         {"N": 5, "R": 3, "W": 3, "repair": "anti-entropy"}],
}
