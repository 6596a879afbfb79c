"""Exercise ``12-drill-partitioner``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.messaging.log import murmur2, partition_for

RANDOM_SEED = 12
MIN_INT, MAX_INT = -(1 << 31), (1 << 31) - 1


def reference(h: int, partitions: int) -> int:
    """Kafka's ``toPositive(h) % partitions``: clear the sign bit, then take the remainder."""
    return (h & 0x7FFFFFFF) % partitions


HINTS = {
    "range": "a partition number is from 0 to partitions - 1; Java's Math.abs(Integer.MIN_VALUE) is still "
             "negative, and a remainder in Java keeps the sign of the dividend",
    "mask": "Kafka does not take the absolute value: it clears the sign bit (h & 0x7fffffff) and takes the "
            "remainder of that, so a negative hash h maps as h + 2**31 would",
    "pow2": "with a partition count that is not a power of two, h % partitions and abs(h) % partitions differ "
            "from (h & 0x7fffffff) % partitions for a negative h",
    "type": "return an int (the partition number), not a bool or a float",
}

#: (case, (h, partitions), hint key)
HAND: list[tuple[str, tuple[int, int], str]] = [
    ("h = Integer.MIN_VALUE, 6 partitions", (MIN_INT, 6), "range"),
    ("h = Integer.MIN_VALUE, 8 partitions", (MIN_INT, 8), "range"),
    ("h = Integer.MIN_VALUE, 1 partition", (MIN_INT, 1), "range"),
    ("h = -1, 6 partitions", (-1, 6), "mask"),
    ("h = -1, 5 partitions", (-1, 5), "mask"),
    ("h = -7, 3 partitions", (-7, 3), "mask"),
    ("h = 2**31 - 1 (Integer.MAX_VALUE), 6 partitions", (MAX_INT, 6), "mask"),
    ("h = 0, 4 partitions", (0, 4), "mask"),
    ("h = 12345, 7 partitions", (12345, 7), "mask"),
    ("h = -123456789, 10 partitions", (-123456789, 10), "pow2"),
    ("h = -123456789, 3000 partitions", (-123456789, 3000), "pow2"),
    ("h = -2147483000, 4096 partitions", (-2147483000, 4096), "pow2"),
    ("h = MIN_VALUE + 1, 12 partitions", (MIN_INT + 1, 12), "mask"),
]

KEYS = ("alice", "bob", "order-17", "user:42", "", "k" * 40, "日本", "0", "carol", "acct-9931")


def _draw(rng: random.Random) -> tuple[int, int]:
    h = rng.choice((rng.randint(MIN_INT, MAX_INT), rng.randint(MIN_INT, -1), rng.randint(MIN_INT, MIN_INT + 50),
                    rng.randint(MAX_INT - 50, MAX_INT), rng.randint(-1000, 1000)))
    p = rng.choice((1, 2, 3, 5, 6, 7, 10, 12, 16, 24, 50, 64, 100, 999, 1000, 4096, 5000, rng.randint(1, 10_000)))
    return h, p


def _same(got: Any, expected: int) -> bool:
    return isinstance(got, int) and not isinstance(got, bool) and got == expected


def _key(got: Any, h: int, partitions: int) -> str:
    if not isinstance(got, int) or isinstance(got, bool):
        return "type"
    if not 0 <= got < partitions:
        return "range"
    if h < 0 and partitions & (partitions - 1):
        return "pow2"
    return "mask"


@exercise("12-drill-partitioner", title="Drill: a partitioner that never goes negative", theme="T12",
          concepts=("Q11",), kind="drill", reference="dsworkbook.messaging.log.partition_for")
def grade_drill_partitioner(to_partition: Any) -> str:
    """A function ``to_partition(h, partitions)``: the partition Kafka's default partitioner picks
    for a record whose key hashes (murmur2) to the signed 32-bit int ``h`` -
    ``(h & 0x7fffffff) % partitions``.

    Checked on hand-made boundaries (Integer.MIN_VALUE, -1, MAX_VALUE, one partition, partition
    counts that are and are not powers of two, thousands of partitions), 2,000 random hashes,
    real keys against :func:`~dsworkbook.messaging.log.partition_for`, and in two worlds.
    """
    need_callable(to_partition, "function to_partition(h, partitions)", allow_class=False)
    for case, (h, p), key in HAND:
        shown = f"to_partition({h}, {p})"
        got = attempt(to_partition, h, p, input=shown, case=case)
        expected = reference(h, p)
        if not _same(got, expected):
            found = _key(got, h, p)
            fail(case=case, input=shown, expected=expected, got=got,
                 hint=HINTS[found])
    cases = list(random_cases(RANDOM_SEED, 2000, _draw))
    for case, (h, p) in cases:
        shown = f"to_partition({h}, {p})"
        got = attempt(to_partition, h, p, input=shown, case=case)
        expected = reference(h, p)
        if not _same(got, expected):
            fail(case=case, input=shown, expected=expected, got=got, hint=HINTS[_key(got, h, p)])
    for key in KEYS:
        for p in (3, 6, 10):
            h = murmur2(key.encode())
            shown = f"to_partition(murmur2({key!r}.encode()) = {h}, {p})"
            got = attempt(to_partition, h, p, input=shown, case=f"the key {key!r}")
            expected = partition_for(key, p)
            if not _same(got, expected):
                fail(case=f"the key {key!r}, {p} partitions", input=shown, expected=expected, got=got,
                     hint=HINTS[_key(got, h, p)])
    same_everywhere(to_partition, -123456789, 10, input="to_partition(-123456789, 10)", case="a negative hash")
    return (f"right on {len(HAND)} boundary cases (MIN_VALUE, -1, MAX_VALUE, 1 and 4,096 partitions), "
            f"{len(cases)} random hashes and {len(KEYS) * 3} real keys; the same in two worlds")
