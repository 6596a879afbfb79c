"""Exercise ``03-design-session``: a session rule that keeps read-your-writes and monotonic reads when
clients go to any replica - see the grader's docstring.

The grader does not compare the rule with a reference: several rules are right (a merged vector,
separate read and write vectors, ...). It runs the rule in the simulator - clients that pick a
replica at random for every operation, replicas far apart, partitions that cut replicas and
clients off - and checks what the rule is for: the recorded history keeps read-your-writes and
monotonic reads (the workbook's checkers), and no replica that had applied everything the
session had seen was turned away (availability).
"""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.checkers.history import from_sim_history
from dsworkbook.checkers.models import check_monotonic_reads, check_read_your_writes
from dsworkbook.grading.core import exercise, fail, in_simulation, same_everywhere
from dsworkbook.sim import Simulation
from dsworkbook.storage.stores.session import PARTITIONS, SessionClient, session_run

#: (seed, partition schedule, replicas, clients)
SCENARIOS: tuple[tuple[int, str, int, int], ...] = tuple(
    (seed, schedule, 3, 4) for seed in range(1, 9) for schedule in PARTITIONS) + (
    (11, "two partitions", 5, 6), (12, "one replica cut off", 5, 6), (13, "none", 5, 6))
METHODS = ("start", "admit", "advance")


def _rule(answer: Any) -> Any:
    """A fresh rule: the answer itself, or an instance when it is a class."""
    return answer() if inspect.isclass(answer) else answer


def _describe(seed: int, schedule: str, replicas: int, clients: int) -> str:
    parts = PARTITIONS[schedule]
    cuts = "; ".join(f"from t={a:g} to t={b:g} ms replicas {[f'n{i % replicas + 1}' for i in reps]} and clients "
                     f"{[f'c{i % clients + 1}' for i in cls]} are cut off from the rest" for a, b, reps, cls in parts)
    return (f"seed {seed}: {replicas} replicas 15-60 ms apart, {clients} clients that send every operation to a "
            f"replica picked at random; {cuts or 'no partition'}")


def _run(answer: Any, seed: int, schedule: str, replicas: int, clients: int) -> Simulation:
    case = _describe(seed, schedule, replicas, clients)
    with in_simulation(case=case, input=case,
                       hint="your rule raised inside a replica or a client; the message names the node and the time"):
        return session_run(seed, _rule(answer), partitions=schedule, replicas=replicas, clients=clients)


def _summary(answer: Any, seed: int, schedule: str, replicas: int, clients: int) -> tuple[Any, ...]:
    sim = session_run(seed, _rule(answer), partitions=schedule, replicas=replicas, clients=clients)
    return tuple((op.process, op.f, op.key, op.input, op.output, op.outcome) for op in sim.history)


@exercise("03-design-session", title="Design: a session token for clients that go to any replica", theme="T03",
          concepts=("M03", "M04"), kind="design", reference="dsworkbook.storage.stores.session.VectorSession")
def grade_design_session(rule: Any) -> str:
    """A session rule: a class (or object) with ``start()``, ``admit(token, op, replica, vector)`` and
    ``advance(token, op, replica, vector)`` (see :mod:`dsworkbook.storage.stores.session`).

    Run by :func:`~dsworkbook.storage.stores.session.session_run` on 27 scenarios (3 and 5
    replicas; no partition, one replica cut off, two partitions), with one fresh rule object per
    run shared by every node. Goals: every history keeps read-your-writes and monotonic reads
    (:func:`~dsworkbook.checkers.check_read_your_writes`, :func:`~dsworkbook.checkers.check_monotonic_reads`),
    no replica whose vector covered everything the session had received was refused, and the
    rule gives the same run in two worlds (no ``hash()``, global ``random`` or clock).
    """
    missing = [m for m in METHODS if not callable(getattr(rule, m, None))]
    if missing:
        fail(case="the answer itself", input=repr(rule), expected="a class with start, admit and advance",
             got=f"no method {', '.join(missing)}", hint="define start(self), admit(self, token, op, replica, "
                                                         "vector) and advance(self, token, op, replica, vector)")
    served = total = 0
    for seed, schedule, replicas, clients in SCENARIOS:
        case = _describe(seed, schedule, replicas, clients)
        sim = _run(rule, seed, schedule, replicas, clients)
        h = from_sim_history(sim.history)
        for check, goal, hint in (
                (check_read_your_writes, "read-your-writes",
                 "a replica served a session without having applied every write the session made: the token must "
                 "record the session's writes (advance after a write), admit must check it before reads AND "
                 "writes (a write made where a value the session already read is missing is ordered before it), "
                 "and covering means >= in every entry"),
                (check_monotonic_reads, "monotonic reads",
                 "a replica served a session without having applied a write whose value the session had already "
                 "read: the token must record what the session read too (advance after a read), and admit must "
                 "compare every entry")):
            r = check(h, "kv")
            if r.ok is not True:
                shown = "\n".join(str(op) for op in (r.counterexample or []))
                fail(case=case, input=case, expected=f"{goal} holds", got=f"{r.verdict}: {r.reason}\n{shown}",
                     hint=hint)
        for c in sim.node_ids:
            node = sim.node(c)
            if isinstance(node, SessionClient) and node.needless:
                x = node.needless[0]
                fail(case=case, input=case, expected="no replica that covers the session is refused",
                     got=f"at t={x.time:g} {x.replica} refused {x.client}'s {x.op} of {x.key!r}: the replica had "
                         f"applied {x.vector}, and everything the session had received was {x.covering}",
                     hint="admit refused a replica that had applied every write the session had seen: that "
                          "replica could have served it safely (availability). Do not pin a session to one replica, "
                          "and compare with >= (covering), not > or ==")
        counts = h.counts()
        served += counts["ok"]
        total += len(h)
    seed, schedule, replicas, clients = SCENARIOS[2]
    same_everywhere(_summary, rule, seed, schedule, replicas, clients, input=_describe(*SCENARIOS[2]),
                    case=_describe(*SCENARIOS[2]))
    return (f"{len(SCENARIOS)} runs with clients that go to any replica, under partitions: read-your-writes and "
            f"monotonic reads held, no covering replica was refused, {served} of {total} operations served")
