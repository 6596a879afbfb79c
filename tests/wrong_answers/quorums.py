"""Right and plausible wrong answers to the T02 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_quorums.py run every one of them.
"""

from __future__ import annotations

import math
from typing import Any

from dsworkbook.storage.ap import resolve_lww
from dsworkbook.storage.common import Refused
from dsworkbook.storage.cp import Tag
from dsworkbook.storage.merkle import merkle_diff
from dsworkbook.storage.naive import NaiveQuorumReplica

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


RIGHT: dict[str, Any] = {
    "02-drill-quorum": QuorumRight,
    "02-cp-outcome": outcome_right,
    "02-read-repair": repair_right,
    "02-merkle-diff": merkle_right,
    "02-stale-reads": stale_right,
    "02-predict-stale": {"N=5 W=3 R=2": True, "N=5 W=3 R=3": False, "N=3 W=1 R=3": False, "N=3 W=2 R=1": True},
    "02-predict-pacelc": ["AP", "quorum", "CP"],
}

WRONG: dict[str, list[Any]] = {
    "02-drill-quorum": [QuorumFloatMajority, QuorumCountsSends, QuorumFirstReply, QuorumOwnCounter, QuorumHalf,
                        QuorumNewestByValue, QuorumReusedTag, NaiveQuorumReplica],
    "02-cp-outcome": [outcome_refusal_is_failure, outcome_timeout_is_failure, outcome_everything_unknown,
                      outcome_flag_backwards],
    "02-read-repair": [repair_skips_missing, repair_by_clock_only, repair_everyone, repair_first_reply],
    "02-merkle-diff": [merkle_all_leaves, merkle_left_child_only, merkle_stops_at_root],
    "02-stale-reads": [stale_last_completed, stale_counts_unknown, stale_any_key],
    "02-predict-stale": [
        {"N=5 W=3 R=2": False, "N=5 W=3 R=3": False, "N=3 W=1 R=3": False, "N=3 W=2 R=1": True},  # 2+3 = 5 is not > 5
        # write-one-read-all: a read of all replicas meets any write
        {"N=5 W=3 R=2": True, "N=5 W=3 R=3": False, "N=3 W=1 R=3": True, "N=3 W=2 R=1": True},
        {"N=5 W=3 R=2": True, "N=5 W=3 R=3": True, "N=3 W=1 R=3": True, "N=3 W=2 R=1": True},  # "quorums are eventual"
    ],
    "02-predict-pacelc": [["CP", "quorum", "AP"], ["AP", "CP", "quorum"], ["quorum", "AP", "CP"]],
}

ALSO_RIGHT: dict[str, list[Any]] = {
    "02-read-repair": [resolve_lww],
    "02-merkle-diff": [merkle_recursive, merkle_library],
}
