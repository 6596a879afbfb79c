"""Right and plausible wrong answers to the T12 exercises, for proving the checks discriminate.

``RIGHT[exercise_id]`` is a correct answer; ``WRONG[exercise_id]`` lists wrong ones, each with
a comment naming the mistake it makes; ``ALSO_RIGHT`` holds other correct answers.
tests/test_exercises.py and tests/test_grading_queues.py run every one of them.
"""

from __future__ import annotations

import math
import random as _random
from typing import Any

from dsworkbook.messaging.assignment import range_assign, round_robin_assign, sticky_assign
from tests.wrong_answers import Answer

RIGHT: dict[str, Any] = {}
ALSO_RIGHT: dict[str, list[Any]] = {}
WRONG: dict[str, list[Any]] = {}

# -- 12-drill-partitioner --------------------------------------------------------------------------------


def part_right(h, partitions):
    return (h & 0x7FFFFFFF) % partitions


def part_right_add(h, partitions):
    return (h + 2**31 if h < 0 else h) % partitions  # the same as clearing the sign bit


def part_abs(h, partitions):
    return abs(h) % partitions  # the notes' Math.abs: a different partition for every negative hash


def part_java(h, partitions):
    a = h if h == -(2**31) else abs(h)  # Java's Math.abs(MIN_VALUE) is MIN_VALUE
    return int(math.fmod(a, partitions))  # and Java's % keeps the dividend's sign: negative


def part_floor_mod(h, partitions):
    return h % partitions  # floorMod: never negative, but not Kafka's partition unless P is a power of two


def part_unsigned(h, partitions):
    return (h & 0xFFFFFFFF) % partitions  # unsigned 32-bit: keeps the sign bit as 2**31


def part_precedence(h, partitions):
    return h & 0x7FFFFFFF % partitions  # % binds tighter than &: h & (0x7fffffff % P)


def part_short_mask(h, partitions):
    return (h & 0x7FFFFFF) % partitions  # one f short: clears bits 27-30 too


def part_abs_min_zero(h, partitions):
    return 0 if h == -(2**31) else abs(h) % partitions  # patched MIN_VALUE only; abs still wrong elsewhere


def part_shift(h, partitions):
    return (h >> 1) % partitions  # drops the low bit instead of the sign bit


def part_minus_one(h, partitions):
    return (h & 0x7FFFFFFF) % max(1, partitions - 1)  # off by one in the partition count


def part_float(h, partitions):
    return float((h & 0x7FFFFFFF) % partitions)  # right number, but a float


def part_neg_mod(h, partitions):
    r = (h & 0x7FFFFFFF) % partitions
    return -r if h < 0 else r  # puts the sign back


RIGHT["12-drill-partitioner"] = part_right
ALSO_RIGHT["12-drill-partitioner"] = [part_right_add]
WRONG["12-drill-partitioner"] = [
    part_abs,           # the notes' Math.abs(h) % n
    part_java,          # Java semantics: negative for MIN_VALUE, and a negative remainder
    part_floor_mod,     # h % n (floorMod): right only for powers of two
    part_unsigned,      # h & 0xffffffff: the unsigned value, not toPositive
    part_precedence,    # & and % precedence
    part_short_mask,    # 0x7ffffff: a mask one f short
    part_abs_min_zero,  # only MIN_VALUE special-cased
    part_shift,         # h >> 1
    part_minus_one,     # % (n - 1)
    part_float,         # returns a float
    part_neg_mod,       # restores the sign
]

# -- 12-drill-offsets ------------------------------------------------------------------------------------


class NotesGroup:
    """The notes as they are: offsets keyed by partition only, read from the committed offset, offset + 1."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.committed = {}

    def poll(self, topic, partition, max_records):
        return self.cluster.log(topic, partition).read(self.committed.get(partition, 0), max_records)

    def commit(self, topic, partition, offset):
        self.committed[partition] = offset + 1

    def committed_offset(self, topic, partition):
        return self.committed.get(partition)

    def restart(self):
        pass


class GroupRight:
    def __init__(self, cluster):
        self.cluster = cluster
        self.committed = {}
        self.position = {}

    def poll(self, topic, partition, max_records):
        tp = (topic, partition)
        start = self.position.get(tp, self.committed.get(tp, 0))
        out = self.cluster.log(topic, partition).read(start, max_records)
        self.position[tp] = start + len(out)
        return out

    def commit(self, topic, partition, offset):
        tp = (topic, partition)
        if tp not in self.committed or offset > self.committed[tp]:
            self.committed[tp] = offset

    def committed_offset(self, topic, partition):
        return self.committed.get((topic, partition))

    def restart(self):
        self.position = {}


class GroupRightMax(GroupRight):
    def commit(self, topic, partition, offset):
        tp = (topic, partition)
        self.committed[tp] = max(offset, self.committed.get(tp, -1))  # the same rule, written with max


class GroupByPartition(GroupRight):
    def poll(self, topic, partition, max_records):
        start = self.position.get(partition, self.committed.get(partition, 0))  # keyed by partition only
        out = self.cluster.log(topic, partition).read(start, max_records)
        self.position[partition] = start + len(out)
        return out

    def commit(self, topic, partition, offset):
        if partition not in self.committed or offset > self.committed[partition]:
            self.committed[partition] = offset

    def committed_offset(self, topic, partition):
        return self.committed.get(partition)


class GroupNoPosition(GroupRight):
    def poll(self, topic, partition, max_records):  # reads from the committed offset: re-reads until committed
        return self.cluster.log(topic, partition).read(self.committed.get((topic, partition), 0), max_records)


class GroupBackwards(GroupRight):
    def commit(self, topic, partition, offset):
        self.committed[(topic, partition)] = offset  # a late, older commit moves the group back


class GroupPlusOne(GroupRight):
    def commit(self, topic, partition, offset):
        super().commit(topic, partition, offset + 1)  # the notes' offset + 1


class GroupCommitMoves(GroupRight):
    def commit(self, topic, partition, offset):
        super().commit(topic, partition, offset)
        self.position[(topic, partition)] = offset  # commit also moves the position


class GroupRestartForgetsAll(GroupRight):
    def restart(self):
        self.position = {}
        self.committed = {}  # a crash does not lose committed offsets


class GroupRestartKeeps(GroupRight):
    def restart(self):
        pass  # positions survive the crash


class GroupFirstZeroLost(GroupRight):
    def commit(self, topic, partition, offset):
        if offset > self.committed.get((topic, partition), 0):  # a first commit of 0 is never recorded
            self.committed[(topic, partition)] = offset


class GroupMaxPlusOne(GroupRight):
    def poll(self, topic, partition, max_records):
        return super().poll(topic, partition, max_records + 1)  # one record more than asked


class GroupNoneIsZero(GroupRight):
    def committed_offset(self, topic, partition):
        return self.committed.get((topic, partition), 0)  # 0 before any commit, not None


class GroupCommitAtLeastPosition(GroupRight):
    def commit(self, topic, partition, offset):
        tp = (topic, partition)
        if offset >= self.position.get(tp, 0):  # compares with the position, not the committed offset
            self.committed[tp] = offset


class GroupOvershoot(GroupRight):
    def poll(self, topic, partition, max_records):
        tp = (topic, partition)
        start = self.position.get(tp, self.committed.get(tp, 0))
        out = self.cluster.log(topic, partition).read(start, max_records)
        self.position[tp] = start + max_records  # moves by what was asked, not by what came back
        return out


class GroupEagerRestart(GroupRight):
    def restart(self):
        self.position = dict(self.committed)  # copies committed offsets now: misses commits before the next poll


class GroupMaxStart(GroupRight):
    def poll(self, topic, partition, max_records):
        tp = (topic, partition)
        start = max(self.position.get(tp, 0), self.committed.get(tp, 0))  # a commit ahead of the position skips records
        out = self.cluster.log(topic, partition).read(start, max_records)
        self.position[tp] = start + len(out)
        return out


RIGHT["12-drill-offsets"] = GroupRight
ALSO_RIGHT["12-drill-offsets"] = [GroupRightMax]
WRONG["12-drill-offsets"] = [
    NotesGroup,                  # the notes: partition-only keys, no position, offset + 1
    GroupByPartition,            # keys by partition only
    GroupNoPosition,             # poll reads from the committed offset
    GroupBackwards,              # commits can move back
    GroupPlusOne,                # offset + 1
    GroupCommitMoves,            # commit moves the position
    GroupRestartForgetsAll,      # restart loses committed offsets
    GroupRestartKeeps,           # restart keeps positions
    GroupFirstZeroLost,          # a first commit of 0 is dropped
    GroupMaxPlusOne,             # max_records + 1
    GroupNoneIsZero,             # committed_offset is 0 before any commit
    GroupCommitAtLeastPosition,  # monotonic against the position instead of the committed offset
    GroupOvershoot,              # position += max_records
    GroupEagerRestart,           # restart copies committed offsets into positions at once
    GroupMaxStart,               # poll starts at max(position, committed)
]

# -- 12-drill-dedup --------------------------------------------------------------------------------------


def _credit(t, record):
    key = ("balance", record.account)
    t.put(key, t.get(key, 0) + record.amount)


class DedupRight:
    def __init__(self, db):
        self.db = db

    def handle(self, record):
        with self.db.transaction() as t:
            if t.get(("seen", record.msg_id)):
                return
            _credit(t, record)
            t.put(("seen", record.msg_id), True)


class DedupRightOutsideRead:
    def __init__(self, db):
        self.db = db

    def handle(self, record):
        if self.db.get(("seen", record.msg_id)):  # a committed read first: one consumer, so still right
            return
        with self.db.transaction() as t:
            _credit(t, record)
            t.put(("seen", record.msg_id), True)


class DedupNotes:
    def __init__(self, db):
        self.db = db

    def handle(self, record):  # the notes: process, then commit, no de-dup at all
        with self.db.transaction() as t:
            _credit(t, record)


class DedupMemory:
    def __init__(self, db):
        self.db, self.seen = db, set()

    def handle(self, record):  # de-dup table in the process's memory: a crash forgets it
        if record.msg_id in self.seen:
            return
        with self.db.transaction() as t:
            _credit(t, record)
        self.seen.add(record.msg_id)


class DedupClassSet:
    seen: set = set()

    def __init__(self, db):
        self.db = db

    def handle(self, record):  # survives "crashes" in one process, but it is not in the database
        if record.msg_id in DedupClassSet.seen:
            return
        with self.db.transaction() as t:
            _credit(t, record)
        DedupClassSet.seen.add(record.msg_id)


class DedupByOffset(DedupRight):
    def handle(self, record):  # keyed by offset: a producer retry comes back at a new offset
        with self.db.transaction() as t:
            if t.get(("seen", record.offset)):
                return
            _credit(t, record)
            t.put(("seen", record.offset), True)


class DedupMarkAfter(DedupRight):
    def handle(self, record):  # two transactions: a crash between them applies the effect again
        if self.db.get(("seen", record.msg_id)):
            return
        with self.db.transaction() as t:
            _credit(t, record)
        with self.db.transaction() as t:
            t.put(("seen", record.msg_id), True)


class DedupMarkBefore(DedupRight):
    def handle(self, record):  # mark first, in its own transaction: a crash between them loses the effect
        if self.db.get(("seen", record.msg_id)):
            return
        with self.db.transaction() as t:
            t.put(("seen", record.msg_id), True)
        with self.db.transaction() as t:
            _credit(t, record)


class DedupByContent(DedupRight):
    def handle(self, record):  # keyed by (account, amount): two different payments look the same
        key = ("seen", record.account, record.amount)
        with self.db.transaction() as t:
            if t.get(key):
                return
            _credit(t, record)
            t.put(key, True)


class DedupHighWater(DedupRight):
    def handle(self, record):  # the highest id seen, compared as strings: "m10" < "m9", and retries reorder
        with self.db.transaction() as t:
            last = t.get("last")
            if last is not None and record.msg_id <= last:
                return
            _credit(t, record)
            t.put("last", record.msg_id)


class DedupLastOnly(DedupRight):
    def handle(self, record):  # remembers only the previous message: a retry after another gets in
        with self.db.transaction() as t:
            if t.get("last") == record.msg_id:
                return
            _credit(t, record)
            t.put("last", record.msg_id)


class DedupSwallow(DedupRight):
    def handle(self, record):  # the de-dup mark is only written when the credit is new to the account
        with self.db.transaction() as t:
            if t.get(("seen", record.msg_id)):
                return
            if t.get(("balance", record.account), 0) == 0:
                t.put(("seen", record.msg_id), True)
            _credit(t, record)


class DedupOffsetHighWater(DedupRight):
    def handle(self, record):  # the sink's offset alone (offset-only): retried copies at new offsets pass
        with self.db.transaction() as t:
            if record.offset < t.get("offset", 0):
                return
            _credit(t, record)
            t.put("offset", record.offset + 1)


class DedupHashKey(DedupRight):
    def handle(self, record):  # hash() of a string differs in the restarted process: the mark is not found
        key = ("seen", hash(record.msg_id))
        with self.db.transaction() as t:
            if t.get(key):
                return
            _credit(t, record)
            t.put(key, True)


RIGHT["12-drill-dedup"] = DedupRight
ALSO_RIGHT["12-drill-dedup"] = [DedupRightOutsideRead]
WRONG["12-drill-dedup"] = [
    DedupNotes,            # no de-dup
    DedupMemory,           # de-dup in process memory
    DedupClassSet,         # de-dup in a class-level set
    DedupByOffset,         # keyed by offset
    DedupMarkAfter,        # mark in a second transaction after the effect
    DedupMarkBefore,       # mark in a transaction before the effect
    DedupByContent,        # keyed by (account, amount)
    DedupHighWater,        # highest msg id, string order
    DedupLastOnly,         # only the last id
    DedupSwallow,          # the mark is written only sometimes
    DedupOffsetHighWater,  # offset high-water mark only
    DedupHashKey,          # keyed by hash(msg_id), which changes from process to process
]

# -- 12-sticky-assign ------------------------------------------------------------------------------------


def _norm(p):
    return tuple(p)


def sticky_right(partitions, consumers, previous):
    return sticky_assign(partitions, consumers, previous)


def sticky_right_own(partitions, consumers, previous):
    parts = sorted(map(_norm, partitions))
    cons = sorted(consumers)
    floor, extra = divmod(len(parts), len(cons))
    alive = set(parts)
    had = {c: sorted(_norm(p) for p in previous.get(c, ()) if _norm(p) in alive) for c in cons}
    order = sorted(cons, key=lambda c: (-len(had[c]), c))
    quota = {c: floor + (1 if i < extra else 0) for i, c in enumerate(order)}
    out = {c: had[c][:quota[c]] for c in cons}
    taken = {p for ps in out.values() for p in ps}
    for p in parts:
        if p not in taken:
            c = min((c for c in cons if len(out[c]) < quota[c]), key=lambda c: (len(out[c]), c))
            out[c].append(p)
    return out


def sticky_round_robin(partitions, consumers, previous):
    return round_robin_assign(partitions, consumers)  # balanced, but ignores the previous assignment


def sticky_range(partitions, consumers, previous):
    return range_assign(partitions, consumers)  # range: neither sticky nor balanced across topics


def sticky_keep_all(partitions, consumers, previous):
    out = {c: [tuple(p) for p in previous.get(c, ()) if tuple(p) in set(map(tuple, partitions))] for c in consumers}
    taken = {p for ps in out.values() for p in ps}
    for p in sorted(map(tuple, partitions)):
        if p not in taken:
            out[min(consumers, key=lambda c: (len(out[c]), c))].append(p)
    return out  # keeps everything it had: unbalanced after a join


def sticky_floor_only(partitions, consumers, previous):
    parts = sorted(map(tuple, partitions))
    cons = sorted(consumers)
    floor = len(parts) // len(cons)
    out = {c: sorted(tuple(p) for p in previous.get(c, ()) if tuple(p) in set(parts))[:floor] for c in cons}
    taken = {p for ps in out.values() for p in ps}
    for p in parts:
        if p not in taken:
            out[min(cons, key=lambda c: (len(out[c]), c))].append(p)
    return out  # keeps only floor each: moves partitions that could have stayed in a + 1 slot


def sticky_wrong_ceil(partitions, consumers, previous):
    parts = sorted(map(tuple, partitions))
    cons = sorted(consumers)
    floor, extra = divmod(len(parts), len(cons))
    ceil = floor + (1 if extra else 0)
    out = {c: sorted(tuple(p) for p in previous.get(c, ()) if tuple(p) in set(parts))[:ceil] for c in cons}
    taken = {p for ps in out.values() for p in ps}
    for p in parts:
        if p not in taken:
            out[min(cons, key=lambda c: (len(out[c]), c))].append(p)
    return out  # everyone keeps up to ceil: too many + 1 slots, sizes can differ by two


def sticky_slots_by_name(partitions, consumers, previous):
    parts = sorted(map(tuple, partitions))
    cons = sorted(consumers)
    floor, extra = divmod(len(parts), len(cons))
    quota = {c: floor + (1 if i < extra else 0) for i, c in enumerate(cons)}  # + 1 slots by name, not by history
    out = {c: sorted(tuple(p) for p in previous.get(c, ()) if tuple(p) in set(parts))[:quota[c]] for c in cons}
    taken = {p for ps in out.values() for p in ps}
    for p in parts:
        if p not in taken:
            out[min((c for c in cons if len(out[c]) < quota[c]), key=lambda c: (len(out[c]), c))].append(p)
    return out


def sticky_keeps_gone(partitions, consumers, previous):
    out = sticky_assign(partitions, consumers, previous)
    for c, ps in previous.items():
        if c in out:
            out[c] = out[c] + [tuple(p) for p in ps if tuple(p) not in set(map(tuple, partitions))]
    return out  # keeps partitions that no longer exist


def sticky_drops_empty(partitions, consumers, previous):
    out = sticky_assign(partitions, consumers, previous)
    return {c: ps for c, ps in out.items() if ps}  # leaves out consumers with nothing


def sticky_includes_departed(partitions, consumers, previous):
    out = sticky_assign(partitions, consumers, previous)
    for c in previous:
        out.setdefault(c, [])  # lists consumers that left
    return out


def sticky_hash_ties(partitions, consumers, previous):
    cons = sorted(consumers, key=hash)  # tie-break by hash(): differs from one process to the next
    parts = sorted(map(tuple, partitions))
    out = {c: [] for c in cons}
    for i, p in enumerate(parts):
        out[cons[i % len(cons)]].append(p)
    return out


def sticky_random(partitions, consumers, previous):
    cons = list(consumers)
    _random.shuffle(cons)  # the global random module
    return sticky_assign(partitions, cons, previous) if len(cons) < 3 else round_robin_assign(partitions, cons)


RIGHT["12-sticky-assign"] = sticky_right_own
ALSO_RIGHT["12-sticky-assign"] = [sticky_right]
WRONG["12-sticky-assign"] = [
    sticky_round_robin,        # ignores previous
    sticky_range,              # range assignor
    sticky_keep_all,           # never takes partitions away: unbalanced
    sticky_floor_only,         # keeps floor only: extra moves
    sticky_wrong_ceil,         # too many + 1 slots
    sticky_slots_by_name,      # + 1 slots by name, not to the previous biggest owners
    sticky_keeps_gone,         # keeps vanished partitions
    sticky_drops_empty,        # drops consumers with no partitions
    sticky_includes_departed,  # lists departed consumers
    sticky_hash_ties,          # hash() tie-break
    sticky_random,             # global random
]

# -- 12-predict-delivery ---------------------------------------------------------------------------------

_DELIVERY = {"at-most-once, consumer crash": "lost", "at-least-once, consumer crash": "duplicated",
             "effectively-once, consumer crash": "exactly once",
             "de-dup table in consumer memory, consumer crash": "duplicated", "acks=1, leader crash": "lost",
             "acks=all, leader crash": "exactly once"}


RIGHT["12-predict-delivery"] = Answer(_DELIVERY, why="a")
ALSO_RIGHT["12-predict-delivery"] = [Answer(_DELIVERY, why=" (A) ")]
WRONG["12-predict-delivery"] = [
    Answer({**_DELIVERY, "at-most-once, consumer crash": "duplicated"}, why="a"),  # swaps the two orders
    Answer({**_DELIVERY, "at-least-once, consumer crash": "lost"}, why="a"),  # the other half of the swap
    Answer({**_DELIVERY, "de-dup table in consumer memory, consumer crash": "exactly once"},
           why="a"),  # thinks memory survives the crash
    Answer({**_DELIVERY, "acks=1, leader crash": "exactly once"}, why="a"),  # acks=1 is enough
    Answer({**_DELIVERY, "acks=all, leader crash": "lost"}, why="a"),  # acks=all loses on failover too
    Answer({**_DELIVERY, "effectively-once, consumer crash": "duplicated"}, why="a"),  # exactly-once is impossible
    Answer(_DELIVERY, why="b"),  # blames the consumer's commit order
    Answer(_DELIVERY, why="c"),  # thinks b1 led again
    Answer(_DELIVERY, why="d"),  # thinks the producer gave up
    Answer(_DELIVERY, why="e"),  # thinks nothing was lost
    Answer({k: v for k, v in _DELIVERY.items() if k != "acks=all, leader crash"}, why="a"),  # a key missing
    Answer({**_DELIVERY, "acks=1, leader crash": "Lost"}, why="a"),  # not one of the outcomes' spelling
]

# -- 12-predict-sqs --------------------------------------------------------------------------------------

_SQS = {"B receives at t=5 s": ["credit-1"], "B receives at t=25 s": [], "B receives at t=41 s": ["debit-1"],
        "receive count B sees at t=41 s": 2}

RIGHT["12-predict-sqs"] = Answer(_SQS, why="a")
ALSO_RIGHT["12-predict-sqs"] = [Answer(dict(_SQS), why="(a)")]
WRONG["12-predict-sqs"] = [
    Answer({**_SQS, "B receives at t=5 s": ["debit-2"]}, why="a"),  # FIFO groups do not block
    Answer({**_SQS, "B receives at t=5 s": []}, why="a"),  # thinks the whole queue blocks while A works
    Answer({**_SQS, "B receives at t=25 s": ["debit-1"]}, why="a"),  # forgets the extension
    Answer({**_SQS, "B receives at t=25 s": ["debit-2"]}, why="a"),  # debit-2 overtakes debit-1
    Answer({**_SQS, "B receives at t=41 s": ["debit-2"]}, why="a"),  # the crashed consumer's message is skipped
    Answer({**_SQS, "B receives at t=41 s": []}, why="a"),  # thinks the extension still holds at t=41 s
    Answer({**_SQS, "receive count B sees at t=41 s": 1}, why="a"),  # counts only deliveries to B
    Answer({**_SQS, "receive count B sees at t=41 s": 3}, why="a"),  # counts the extension as a receive
    Answer(_SQS, why="b"),  # the whole queue is not blocked (B got credit-1 at t=5 s)
    Answer(_SQS, why="c"),  # no consumer affinity in FIFO queues
    Answer(_SQS, why="d"),  # different de-dup ids
    Answer({**_SQS, "receive count B sees at t=41 s": True}, why="a"),  # a bool, not a count
]

# -- 12-design-delivery ----------------------------------------------------------------------------------

_GOOD = {"brokers": 3, "min_insync": 2, "acks": "all", "mode": "effectively-once", "idempotent": True}

RIGHT["12-design-delivery"] = dict(_GOOD)
ALSO_RIGHT["12-design-delivery"] = [
    {**_GOOD, "idempotent": False},  # the de-dup table by message id absorbs the plain producer's retries
    {**_GOOD, "mode": "offset-only"},  # with an idempotent producer no retry lands at a new offset
]
WRONG["12-design-delivery"] = [
    {**_GOOD, "min_insync": 1},  # acks=all waits for an ISR of one
    {**_GOOD, "min_insync": 3},  # one broker down stops every write
    {**_GOOD, "brokers": 2, "min_insync": 1},  # two brokers cannot have both durability and availability
    {**_GOOD, "brokers": 2, "min_insync": 2},  # one down stops writes
    {**_GOOD, "brokers": 4, "min_insync": 2},  # meets the goals, but not the fewest brokers
    {**_GOOD, "brokers": 4, "min_insync": 3},  # the same, one broker more than needed
    {**_GOOD, "acks": 1},  # the leader acknowledges alone
    {**_GOOD, "acks": 0},  # nobody acknowledges
    {**_GOOD, "mode": "at-least-once"},  # duplicates after a crash
    {**_GOOD, "mode": "at-most-once"},  # loses after a crash
    {**_GOOD, "mode": "volatile-dedup"},  # de-dup table forgotten in the crash
    {**_GOOD, "mode": "offset-only", "idempotent": False},  # retried records at new offsets pass the offset check
    {**_GOOD, "brokers": 1, "min_insync": 1},  # a single broker
    {**_GOOD, "acks": "-1"},  # a string, not one of the acks values
]
