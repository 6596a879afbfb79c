"""Exercise ``12-drill-offsets``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.grading.core import attempt, exercise, fail, need_callable, random_cases, same_everywhere
from dsworkbook.messaging.log import LogCluster

RANDOM_SEED = 1212
TOPICS = ("orders", "payments")
PARTITIONS = 3


class Reference:
    """A position per (topic, partition) apart from the committed offset; commits only move forward."""

    def __init__(self, cluster: LogCluster) -> None:
        self.cluster = cluster
        self.committed: dict[tuple[str, int], int] = {}
        self.position: dict[tuple[str, int], int] = {}

    def poll(self, topic: str, partition: int, max_records: int) -> list:
        tp = (topic, partition)
        start = self.position.get(tp, self.committed.get(tp, 0))
        out = self.cluster.log(topic, partition).read(start, max_records)
        self.position[tp] = start + len(out)
        return out

    def commit(self, topic: str, partition: int, offset: int) -> None:
        tp = (topic, partition)
        if tp not in self.committed or offset > self.committed[tp]:
            self.committed[tp] = offset

    def committed_offset(self, topic: str, partition: int) -> int | None:
        return self.committed.get((topic, partition))

    def restart(self) -> None:
        self.position.clear()


HINTS = {
    "key": "keep offsets per (topic, partition): partition 0 of one topic is not partition 0 of another",
    "position": "poll reads from the consumer's position, which moves past what poll returned whether or not "
                "anything was committed; only a restart goes back to the committed offset",
    "restart": "after restart() the position is gone: poll resumes at the committed offset of that "
               "(topic, partition), or at 0 when nothing was committed",
    "forward": "a commit only moves the committed offset forward: a commit at or below it (a late, older commit) "
               "changes nothing",
    "convention": "commit(topic, partition, offset) records offset itself - the next record to read, Kafka's "
                  "convention - not offset + 1",
    "first": "the first commit of a (topic, partition) is recorded whatever its offset, 0 included; before any "
             "commit committed_offset returns None",
    "commit_moves": "commit does not move the position: the next poll goes on from where the last poll stopped",
    "max": "poll returns at most max_records records, the next ones in offset order",
}

Op = tuple  # ("append", t, p, n) | ("poll", t, p, k) | ("commit", t, p, off) | ("restart",) | ("committed", t, p)


def _cluster() -> LogCluster:
    c = LogCluster()
    for t in TOPICS:
        c.create_topic(t, PARTITIONS)
    return c


def _show(op: Op) -> str:
    if op[0] == "append":
        return f"(append {op[3]} record(s) to {op[1]}/{op[2]})"
    if op[0] == "restart":
        return "restart()"
    if op[0] == "poll":
        return f"poll({op[1]!r}, {op[2]}, {op[3]})"
    if op[0] == "commit":
        return f"commit({op[1]!r}, {op[2]}, {op[3]})"
    return f"committed_offset({op[1]!r}, {op[2]})"


def _apply(group: Any, cluster: LogCluster, op: Op, counter: list[int]) -> Any:
    if op[0] == "append":
        log = cluster.log(op[1], op[2])
        for _ in range(op[3]):
            counter[0] += 1
            log.append(f"k{counter[0]}", f"{op[1]}-{op[2]}-v{log.log_end}")
        return None
    if op[0] == "restart":
        return group.restart()
    if op[0] == "poll":
        return group.poll(op[1], op[2], op[3])
    if op[0] == "commit":
        return group.commit(op[1], op[2], op[3])
    return group.committed_offset(op[1], op[2])


def _offsets(records: Any) -> Any:
    try:
        return [r.offset for r in records]
    except (TypeError, AttributeError):
        return records


#: hand-made sequences: (case, ops, hint key for the first wrong step)
HAND: list[tuple[str, list[Op], str]] = [
    ("two topics, the same partition number",
     [("append", "orders", 0, 5), ("append", "payments", 0, 5), ("poll", "orders", 0, 3),
      ("commit", "orders", 0, 3), ("committed", "payments", 0), ("restart",), ("poll", "payments", 0, 10)], "key"),
    ("poll twice without a commit",
     [("append", "orders", 1, 6), ("poll", "orders", 1, 2), ("poll", "orders", 1, 2), ("poll", "orders", 1, 10)],
     "position"),
    ("commit the next record to read",
     [("append", "orders", 2, 6), ("poll", "orders", 2, 3), ("commit", "orders", 2, 3), ("committed", "orders", 2),
      ("restart",), ("poll", "orders", 2, 10)], "convention"),
    ("a late, older commit",
     [("append", "payments", 1, 8), ("poll", "payments", 1, 6), ("commit", "payments", 1, 6),
      ("commit", "payments", 1, 2), ("committed", "payments", 1), ("restart",), ("poll", "payments", 1, 10)],
     "forward"),
    ("the first commit is 0",
     [("append", "orders", 0, 3), ("committed", "orders", 0), ("commit", "orders", 0, 0),
      ("committed", "orders", 0)], "first"),
    ("a commit behind the position",
     [("append", "payments", 2, 7), ("poll", "payments", 2, 5), ("commit", "payments", 2, 2),
      ("poll", "payments", 2, 10)], "commit_moves"),
    ("a restart without a commit",
     [("append", "orders", 1, 4), ("poll", "orders", 1, 4), ("restart",), ("poll", "orders", 1, 10)], "restart"),
    ("an empty poll after a restart, then a commit ahead of the position",
     [("append", "orders", 2, 3), ("commit", "orders", 2, 3), ("restart",), ("poll", "orders", 2, 10),
      ("append", "orders", 2, 2), ("commit", "orders", 2, 5), ("poll", "orders", 2, 10)], "position"),
    ("at most max_records",
     [("append", "orders", 0, 9), ("poll", "orders", 0, 2), ("poll", "orders", 0, 1), ("poll", "orders", 0, 100),
      ("poll", "orders", 0, 5), ("append", "orders", 0, 2), ("poll", "orders", 0, 5)], "max"),
]


def _draw(rng: random.Random) -> list[Op]:
    ops: list[Op] = []
    ends = {(t, p): 0 for t in TOPICS for p in range(PARTITIONS)}
    tps = sorted(ends)
    for _ in range(rng.randint(5, 30)):
        t, p = rng.choice(tps)
        kind = rng.choices(("append", "poll", "commit", "restart", "committed"), (3, 4, 4, 1, 2))[0]
        if kind == "append" or not ends[(t, p)] and kind in ("poll", "commit"):
            n = rng.randint(1, 6)
            ends[(t, p)] += n
            ops.append(("append", t, p, n))
        elif kind == "poll":
            ops.append(("poll", t, p, rng.choice((1, 2, 3, 5, 100))))
        elif kind == "commit":
            ops.append(("commit", t, p, rng.randint(0, ends[(t, p)])))
        elif kind == "restart":
            ops.append(("restart",))
        else:
            ops.append(("committed", t, p))
    return ops


def _hint(op: Op, history: list[Op], got: Any, expected: Any) -> str:
    if op[0] == "poll":
        if isinstance(got, list) and len(got) > op[3]:
            return HINTS["max"]
        before = history[:-1]
        if ("restart",) in before:
            last = len(before) - 1 - before[::-1].index(("restart",))
            if not any(o[0] == "poll" and o[1:3] == op[1:3] for o in before[last + 1:]):
                return HINTS["restart"]
        return HINTS["position"]
    if op[0] == "committed":
        return HINTS["first"] if expected in (None, 0) or got is None else HINTS["forward"]
    return HINTS["position"]


def run_ops(cls: Any, ops: list[Op], case: str, key: str | None = None) -> list[Any]:
    """Run ``ops`` on the answer and the reference, failing at the first step where they differ."""
    c1, c2 = _cluster(), _cluster()
    n1, n2 = [0], [0]
    group = attempt(cls, c1, input="FixedGroup(cluster)", case=case)
    ref = Reference(c2)
    done: list[Op] = []
    results = []
    for op in ops:
        done.append(op)
        shown = "\n".join(_show(o) for o in done)
        got = attempt(_apply, group, c1, op, n1, input=shown, case=case)
        expected = _apply(ref, c2, op, n2)
        if op[0] == "poll":
            got, expected = _offsets(got), _offsets(expected)
            label = "offsets of the records returned by the last poll"
        elif op[0] == "committed":
            label = "what the last committed_offset returned"
        else:
            continue
        if got != expected:
            fail(case=case, input=shown, expected=f"{label}: {expected}", got=f"{label}: {got}",
                 hint=HINTS[key] if key else _hint(op, done, got, expected))
        results.append(got)
    return results


@exercise("12-drill-offsets", title="Drill: a consumer's position and its committed offsets", theme="T12",
          concepts=("Q11",), kind="drill",
          reference=("dsworkbook.messaging.log.ConsumerGroup.poll", "dsworkbook.messaging.log.ConsumerGroup.commit",
                     "dsworkbook.messaging.log.ConsumerGroup.restart"))
def grade_drill_offsets(FixedGroup: Any) -> str:
    """A class ``FixedGroup(cluster)`` with ``poll(topic, partition, max_records)``,
    ``commit(topic, partition, offset)``, ``committed_offset(topic, partition)`` and
    ``restart()``: a position per (topic, partition) that poll advances, committed offsets keyed
    by (topic, partition) that only move forward, and a restart that forgets positions.

    Checked on hand-made sequences (two topics with the same partition number, two polls without
    a commit, the commit convention, a late older commit, a first commit of 0, a commit behind
    the position, a restart, max_records) and 400 random sequences over two topics of three
    partitions, comparing every poll and committed_offset with the reference; and in two worlds.
    """
    need_callable(FixedGroup, "class FixedGroup")
    for case, ops, key in HAND:
        run_ops(FixedGroup, ops, case, key)
    cases = list(random_cases(RANDOM_SEED, 400, _draw))
    for case, ops in cases:
        run_ops(FixedGroup, ops, case)
    case, ops = cases[7]
    same_everywhere(lambda: run_ops(FixedGroup, ops, case), input="\n".join(_show(o) for o in ops),
                    case=f"{case}, in two worlds")
    return (f"right on {len(HAND)} hand-made sequences (two topics, a late older commit, a restart) and "
            f"{len(cases)} random ones; the same in two worlds")
