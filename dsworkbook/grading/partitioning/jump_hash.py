"""Exercise ``11-jump-hash``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.partitioning.alternatives import jump_hash as reference

RANDOM_SEED = 1111
MAX64 = (1 << 64) - 1

HINTS = {
    "range": "the bucket must be an int in [0, buckets): return b, the last bucket the key jumped to, not j",
    "one": "with one bucket every key is in bucket 0",
    "lcg": "step the generator as key = (key * 2862933555777941757 + 1) mod 2**64 - keep key within 64 bits "
           "(Python ints never overflow: mask with & (2**64 - 1))",
    "jump": "the next jump is j = floor((b + 1) * 2**31 / ((key >> 33) + 1)): the top 31 bits of the 64-bit "
            "key, plus one",
    "loop": "loop while j < buckets; b is the answer",
}

#: (case, (key, buckets), hint key)
HAND: list[tuple[str, tuple[int, int], str]] = [
    ("one bucket", (0x0123456789ABCDEF, 1), "one"),
    ("one bucket, key 2**64 - 1", (MAX64, 1), "one"),
    ("key 0, two buckets", (0, 2), "jump"),
    ("key 0, 1,000 buckets", (0, 1000), "jump"),
    ("key 2**64 - 1, 1,000 buckets", (MAX64, 1000), "lcg"),
    ("key 2**63, 17 buckets", (1 << 63, 17), "lcg"),
    ("key 1, 1,000,000 buckets", (1, 1_000_000), "jump"),
    ("a key, 2**31 buckets", (0xDEADBEEFCAFEF00D, 1 << 31), "jump"),
    ("key 2**64 - 1, 1,000,000 buckets", (MAX64, 1_000_000), "lcg"),
    ("a key, 10 buckets", (0x9E3779B97F4A7C15, 10), "jump"),
]


def _draw(rng: random.Random) -> tuple[int, int]:
    key = rng.choice((rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(rng.randint(1, 63)),
                      MAX64 - rng.getrandbits(20)))
    buckets = rng.choice((rng.randint(1, 12), rng.randint(1, 1000), int(10 ** rng.uniform(0, 6)),
                          1_000_000 - rng.randint(0, 5)))
    return key, max(1, buckets)


def _key(got: Any, key: int, buckets: int) -> str:
    if isinstance(got, bool) or not isinstance(got, int) or not 0 <= got < buckets:
        return "range"
    return "one" if buckets == 1 else "jump"


def _is(got: Any, expected: int) -> bool:
    return isinstance(got, int) and not isinstance(got, bool) and got == expected


@exercise("11-jump-hash", title="Jump consistent hash", theme="T11", concepts=("H04",),
          reference="dsworkbook.partitioning.alternatives.jump_hash", seconds=5.0)
def grade_jump_hash(jump_hash: Any) -> str:
    """A function ``jump_hash(key, buckets)``: Lamping & Veach's bucket in ``[0, buckets)`` of a
    64-bit ``key``.

    Checked against the library on hand-made boundaries (one bucket, key 0, key 2**64 - 1,
    10**6 and 2**31 buckets) and 600 random cases (64-bit keys, small and large keys, bucket
    counts from 1 to 10**6), then on the monotonicity law (as the bucket count grows from n to
    n + 1 a key stays or moves to bucket n) for 60 keys over 1..300 buckets, and in two worlds.
    """
    need_callable(jump_hash, "function jump_hash(key, buckets)", allow_class=False)
    for case, (key, buckets), hint in HAND:
        shown = f"jump_hash({key}, {buckets})"
        got = attempt(jump_hash, key, buckets, input=shown, case=case)
        expected = reference(key, buckets)
        if not _is(got, expected):
            found = _key(got, key, buckets)
            fail(case=case, input=shown, expected=expected, got=got, hint=HINTS["range" if found == "range" else hint])
    cases = list(random_cases(RANDOM_SEED, 600, _draw))
    for case, (key, buckets) in cases:
        shown = f"jump_hash({key}, {buckets})"
        got = attempt(jump_hash, key, buckets, input=shown, case=case)
        expected = reference(key, buckets)
        if not _is(got, expected):
            fail(case=case, input=shown, expected=expected, got=got, hint=HINTS[_key(got, key, buckets)])
    rng = random.Random(RANDOM_SEED + 1)
    for k in range(60):
        key = rng.getrandbits(64)
        previous = attempt(jump_hash, key, 1, input=f"jump_hash({key}, 1)", case="monotonicity")
        for n in range(2, 301):
            got = attempt(jump_hash, key, n, input=f"jump_hash({key}, {n})", case="monotonicity")
            if got not in (previous, n - 1) or not _is(got, reference(key, n)):
                fail(case=f"monotonicity, key {k + 1} of 60", input=f"jump_hash({key}, {n - 1}) then jump_hash({key}, {n})",
                     expected=f"{previous} (stay) or {n - 1} (move to the new bucket); the reference gives "
                              f"{reference(key, n)}",
                     got=got, hint="going from n - 1 to n buckets a key either stays or jumps to the new bucket "
                                   "n - 1: " + HINTS["jump"])
            previous = got
    key, buckets = HAND[9][1]
    same_everywhere(jump_hash, key, buckets, input=f"jump_hash({key}, {buckets})", case="a key, run in two worlds")
    return (f"right on {len(HAND)} boundary cases (one bucket, keys 0 and 2**64 - 1, 2**31 buckets) and "
            f"{len(cases)} random ones; keys stay or move to the new bucket as buckets grow to 300; the same in two worlds")
