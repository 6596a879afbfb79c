"""Exercise ``15-spot-the-pitfall``: name the classic bug in short snippets, and what it breaks (I03).

Theory of operation
-------------------
:data:`SNIPPETS` holds short pieces of code written for this exercise, each with exactly one of
the classic bugs the workbook's drills and fuzz campaigns teach (a "majority" of ``n // 2``, a
retry that mints a new idempotency key per attempt, a lease timed on the holder's own clock, a
release that does not check the owner, a tie kept by whoever merges, an offset committed before
the effect, a yes vote sent before it is logged, a sign bug in a partitioner, a vector-clock
comparison that calls equal clocks "before"). :func:`draw` picks :data:`SHOWN` of them with a
seeded generator (:data:`SEED` for the graded set); :func:`show` prints them.

The learner answers two dicts keyed by snippet name: the letter of the pitfall
(:data:`PITFALLS`) and, as ``why``, the letter of what it breaks (:data:`CONSEQUENCES`).

The truth of ``why`` is not a constant: at check time each snippet's code - the very text the
learner reads, compiled with :func:`exec` - runs in a small demonstration next to the correct
rule, and the property it broke is read off the run (:func:`demonstrate`). A snippet whose
demonstration shows nothing wrong is a bug in this module and raises
:class:`~dsworkbook.errors.InvariantViolation`. The pitfall letter is the bug the snippet was
written to hold; the demonstration checks that the snippet really behaves that way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable

from dsworkbook.errors import ConfigError, InvariantViolation
from dsworkbook.grading.core import exercise, fail, need_choice

__all__ = ["PITFALLS", "CONSEQUENCES", "SNIPPETS", "Snippet", "SEED", "SHOWN", "draw", "show", "demonstrate",
           "check_spot_the_pitfall"]

#: The pitfalls a snippet may hold, by letter (each one a drill or a broken campaign variant).
PITFALLS: dict[str, str] = {
    "a": "a 'majority' that is not one: n // 2 acknowledgements (02-drill-quorum, fuzz locks loose_majority)",
    "b": "a retry that is not idempotent: a new idempotency key on every attempt (01-drill-retry)",
    "c": "a lease counted on the holder's own clock from when the grant arrived, no drift margin "
         "(10-drill-lease-drift, fuzz lease validity-from-reply)",
    "d": "a release that does not check who holds the lock (09-drill-release, fuzz locks no_owner_check)",
    "e": "a tie broken by something replicas disagree on (05-drill-lww, 14-drill-lww-merge)",
    "f": "the consumer's offset committed before the effect is applied (12-drill-offsets, fuzz queue at-most-once)",
    "g": "a yes vote sent before it is written to disk (13-drill-participant, fuzz commit vote-before-persist)",
    "h": "a hash mapped to a partition with a sign bug (12-drill-partitioner)",
    "i": "a vector-clock comparison that gets equal clocks wrong (04-drill-vc-compare)",
}

#: What a pitfall breaks, by letter: the ``why`` of each snippet.
CONSEQUENCES: dict[str, str] = {
    "p": "two clients hold the lock (or the lease) at the same time",
    "q": "a message or a request is applied twice, or never",
    "r": "replicas (or the participants of one transaction) end up with different outcomes for good",
    "s": "a read can miss an acknowledged write",
    "t": "a wrong answer on part of the input domain (an order or an index), with no fault at all",
}


@dataclass(frozen=True)
class Snippet:
    """One snippet: its name, its code (what the learner reads and what runs) and its pitfall letter."""

    name: str
    code: str
    pitfall: str
    #: runs the snippet's function next to the correct rule; returns the consequence letter observed
    demo: Callable[[Callable[..., Any]], str | None]
    #: the name of the function the code defines
    function: str


def _compile(snippet: Snippet) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(compile(snippet.code, f"<snippet {snippet.name}>", "exec"), namespace)  # the shown text is what runs
    return namespace[snippet.function]


# -- demonstrations: each returns the consequence its run shows, or None -----------------------------------------


def _demo_quorum(write_ok: Callable[[int, int], bool]) -> str | None:
    """Smallest accepted write and read sets: with n = 4 they can be disjoint, so a read misses the write."""
    for n in range(1, 10):
        k = next(k for k in range(n + 1) if write_ok(k, n))
        writers, readers = set(range(k)), set(range(n - k, n))
        if not writers & readers:
            return "s"
    return None


class _LossyServer:
    """Applies an op once per idempotency key; the reply to the first attempt is lost."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.keys: set[str] = set()
        self.calls = 0

    def apply(self, key: str, op: str) -> bool:
        self.calls += 1
        if key not in self.keys:
            self.keys.add(key)
            self.applied.append(op)
        return self.calls > 1  # the first reply never arrives


def _demo_retry(send: Callable[..., Any]) -> str | None:
    server = _LossyServer()
    send(server, "add 10 to account 7")
    return "q" if len(server.applied) > 1 else None


def _demo_lease(still_mine: Callable[[float, float, float], bool]) -> str | None:
    """The store grants at true time 0 for 100 ms; the grant arrives at true time 5; the holder's clock runs
    at 0.9 of true speed. At true time 101 the store hands the lock to another client."""
    ttl, arrived, rate = 100.0, 5.0, 0.9
    for true_now in (101.0, 104.0, 108.0):
        if still_mine(arrived * rate, true_now * rate, ttl):
            return "p"
    return None


def _demo_release(release: Callable[[dict, str, str, float], None]) -> str | None:
    """A holds until 100 and pauses; B takes the lock at 120; A wakes and releases; C takes it: B and C hold."""
    table: dict[str, tuple[str, float]] = {"job": ("A", 100.0)}
    table["job"] = ("B", 220.0)  # A's key expired at 100, B acquired at 120
    release(table, "job", "A", 130.0)
    if "job" not in table:  # C finds it free at 131 while B still believes it holds until 220
        return "p"
    return None


def _demo_merge(merge: Callable[[tuple, tuple], tuple]) -> str | None:
    """Two replicas write at the same timestamp, then exchange states once each way."""
    a, b = (900, "A", "from A"), (900, "B", "from B")
    a2, b2 = merge(a, b), merge(b, a)
    return "r" if a2 != b2 else None


class _Crash(Exception):
    pass


def _demo_consume(consume: Callable[..., None]) -> str | None:
    """The process crashes right after its first call to the consumer; the record is not applied again."""
    committed: list[int] = []
    applied: list[int] = []

    class Consumer:
        def commit(self, offset: int) -> None:
            committed.append(offset)
            raise _Crash

    class Db:
        def apply(self, record: Any) -> None:
            applied.append(record.offset)
            raise _Crash

    class Record:
        offset, amount = 41, 10

    try:
        consume(Consumer(), Db(), Record())
    except _Crash:
        pass
    if committed and not applied:  # restart resumes at the committed offset: record 41 is never applied
        return "q"
    return None


def _demo_vote(on_prepare: Callable[..., None]) -> str | None:
    """The participant crashes after its first effect; on restart, with no record of a yes, it aborts alone."""
    sent: list[tuple] = []
    disk: list[tuple] = []

    class Participant:
        def __init__(self) -> None:
            self.disk = _CrashAfterFirst(disk)

        def send(self, dest: str, msg: tuple) -> None:
            sent.append(msg)
            raise _Crash

    try:
        on_prepare(Participant(), "t1")
    except _Crash:
        pass
    coordinator = "commit" if ("yes", "t1") in sent else "abort"
    participant = "prepared" if ("prepared", "t1") in disk else "abort"
    if coordinator == "commit" and participant == "abort":
        return "r"
    return None


class _CrashAfterFirst(list):
    def __init__(self, target: list) -> None:
        super().__init__()
        self.target = target

    def append(self, item: Any) -> None:
        self.target.append(item)
        raise _Crash


def _demo_partition(partition: Callable[[int, int], int]) -> str | None:
    """Compared with Kafka's rule (h & 0x7fffffff) % n on signed 32-bit hashes, negative ones included."""
    for h in (-1, -5, -(2 ** 31), 7, 2 ** 31 - 1):
        for n in (3, 4, 12):
            if partition(h, n) != (h & 0x7FFFFFFF) % n:
                return "t"
    return None


def _demo_before(before: Callable[[dict, dict], bool]) -> str | None:
    """Equal clocks did not happen before each other; nor does a clock happen before itself."""
    for a, b in (({"n1": 2, "n2": 1}, {"n1": 2, "n2": 1}), ({}, {}), ({"n1": 1}, {"n1": 1, "n2": 0})):
        if before(a, b):
            return "t"
    return None


SNIPPETS: tuple[Snippet, ...] = (
    Snippet("quorum", "def write_ok(acks, n):\n    # enough replicas stored it\n    return acks >= n // 2\n",
            "a", _demo_quorum, "write_ok"),
    Snippet("retry",
            "def send_with_retries(server, op, attempts=3):\n"
            "    for attempt in range(attempts):\n"
            "        key = f\"{op}#{attempt}\"\n"
            "        if server.apply(key, op):\n"
            "            return True\n"
            "    return False\n", "b", _demo_retry, "send_with_retries"),
    Snippet("lease",
            "def still_mine(reply_arrived_local, now_local, ttl):\n"
            "    # the grant said: yours for ttl ms\n"
            "    return now_local < reply_arrived_local + ttl\n", "c", _demo_lease, "still_mine"),
    Snippet("release",
            "def release(table, resource, client, now):\n"
            "    table.pop(resource, None)\n", "d", _demo_release, "release"),
    Snippet("merge",
            "def merge(mine, theirs):\n"
            "    # a write is (timestamp, replica, value)\n"
            "    return theirs if theirs[0] > mine[0] else mine\n", "e", _demo_merge, "merge"),
    Snippet("consume",
            "def consume(consumer, db, record):\n"
            "    consumer.commit(record.offset + 1)\n"
            "    db.apply(record)\n", "f", _demo_consume, "consume"),
    Snippet("vote",
            "def on_prepare(self, txn):\n"
            "    self.send(\"coordinator\", (\"yes\", txn))\n"
            "    self.disk.append((\"prepared\", txn))\n", "g", _demo_vote, "on_prepare"),
    Snippet("partition",
            "def partition(h, n):\n"
            "    # h: the key's signed 32-bit murmur2 hash; the partition must be the one Kafka's Java producer picks\n"
            "    return abs(h) % n\n", "h", _demo_partition, "partition"),
    Snippet("before",
            "def happened_before(a, b):\n"
            "    return all(a[node] <= b.get(node, 0) for node in a)\n", "i", _demo_before, "happened_before"),
)

_BY_NAME = {s.name: s for s in SNIPPETS}
#: The seed of the graded selection, and how many snippets it shows.
SEED = 16
SHOWN = 6


def draw(seed: int = SEED, count: int = SHOWN) -> list[Snippet]:
    """``count`` snippets chosen by ``seed`` (same seed, same snippets, same order)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= len(SNIPPETS):
        raise ConfigError(f"count must be an int from 1 to {len(SNIPPETS)}, got {count!r}")
    return random.Random(seed).sample(list(SNIPPETS), count)


def show(seed: int = SEED, count: int = SHOWN) -> str:
    """The text of :func:`draw`'s snippets, the lettered pitfalls and the consequences (also printed)."""
    lines = [f"Snippets drawn with seed {seed}:", ""]
    for s in draw(seed, count):
        lines += [f"--- {s.name} ---", s.code]
    lines += ["Pitfalls:"] + [f"  ({k}) {v}" for k, v in PITFALLS.items()]
    lines += ["What it breaks (why):"] + [f"  ({k}) {v}" for k, v in CONSEQUENCES.items()]
    text = "\n".join(lines)
    print(text)
    return text


def demonstrate(name: str) -> str:
    """Run snippet ``name`` in its demonstration; the letter of what it broke (never a stored constant)."""
    if name not in _BY_NAME:
        raise ConfigError(f"no snippet {name!r}; the snippets are {', '.join(_BY_NAME)}")
    snippet = _BY_NAME[name]
    seen = snippet.demo(_compile(snippet))
    if seen is None:
        raise InvariantViolation(f"snippet {name!r} broke nothing in its demonstration; "
                                 "the snippet or its demonstration is wrong")
    return seen


def _need_table(answer: Any, names: list[str], what: str, options: dict[str, str]) -> dict[str, str]:
    if not isinstance(answer, dict) or set(answer) != set(names):
        fail(case=f"the form of `{what}`", input=f"snippets {names}",
             expected="a dict with exactly these snippet names as keys, each a letter", got=answer,
             hint="copy the snippet names the cell printed and put one letter after each")
    return {name: need_choice(answer[name], options, what=f"{what}[{name!r}]") for name in names}


@exercise("15-spot-the-pitfall", title="Spot the pitfall", theme="T15", concepts=("I03",), kind="predict",
          parts=("why",), seconds=10.0)
def check_spot_the_pitfall(answer: Any, why: Any) -> str:
    """``answer``: snippet name -> pitfall letter; ``why``: snippet name -> consequence letter.

    Both are checked snippet by snippet in the order drawn; the consequence's truth comes from
    running the snippet (:func:`demonstrate`).
    """
    names = [s.name for s in draw()]
    pitfalls = _need_table(answer, names, "answer", PITFALLS)
    reasons = _need_table(why, names, "why", CONSEQUENCES)
    for name in names:
        truth = _BY_NAME[name].pitfall
        if pitfalls[name] != truth:
            fail(case=f"snippet {name}", input=f"the snippet {name!r} as printed", expected=f"({truth})",
                 got=f"({pitfalls[name]})",
                 hint="read the one line that decides (the comparison, the order of two calls, the time it "
                      "counts from) and ask which fault makes it wrong")
    for name in names:
        seen = demonstrate(name)
        if reasons[name] != seen:
            fail(case=f"why, snippet {name}", input=f"the snippet {name!r} run with a fault where it matters",
                 expected=f"({seen}) {CONSEQUENCES[seen]}", got=f"({reasons[name]}) {CONSEQUENCES[reasons[name]]}",
                 hint="follow the bug to what a client or a replica would observe, not to the line itself")
    return (f"{len(names)} snippets (seed {SEED}): every pitfall named, and what each breaks matches its run "
            f"({len(names)} demonstrations)")
