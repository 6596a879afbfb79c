"""Exercise ``04-lamport-receive``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import random
from typing import Any

from dsworkbook.clocks.lamport import lamport_receive
from dsworkbook.clocks.run import clock_run
from dsworkbook.grading.core import attempt, exercise, fail, random_cases
from dsworkbook.grading.clocks._common import guarded, need_callable
from dsworkbook.sim import Crash, FaultSchedule, Heal, Partition, Restart

LAMPORT_SEEDS = (51, 52, 53)
RANDOM_SEED, RANDOM_COUNT = 505, 500
#: (local, received): zeros, ties, each side ahead by one and by a lot, numbers far beyond 64 bits
CASES = [(0, 0), (0, 5), (5, 0), (3, 3), (7, 2), (2, 7), (10, 11), (11, 10), (100, 1), (1, 100),
         (41, 41), (2**63 - 1, 2**63 - 1), (10**30, 10**30 + 1), (10**30 + 1, 10**30)]
_HINT = ("the receive happens after the send (time received) and after this process's last event (time local): "
         "the smallest whole number later than both")


def _faults(seed: int) -> FaultSchedule:
    return FaultSchedule([Partition(30.0 + seed % 7, (("A",),)), Heal(70.0), Crash(90.0, "B"), Restart(110.0, "B")])


def _draw(rng: random.Random) -> tuple[int, int]:
    top = rng.choice([3, 50, 10**6, 10**18])
    local = rng.randint(0, top)
    received = rng.choice([local, local + 1, max(local - 1, 0), rng.randint(0, top)])
    return (local, received) if rng.random() < 0.5 else (received, local)


def _one(rule: Any, local: int, received: int, case: str) -> None:
    got = attempt(rule, local, received, input={"local": local, "received": received}, case=case)
    want = lamport_receive(local, received)
    if got != want or isinstance(got, bool) or not isinstance(got, int):
        fail(case=case, input={"local": local, "received": received}, expected=want, got=got,
             hint=_HINT if isinstance(got, int) else "return a whole number (an int): a Lamport time counts events")


def _check_units(rule: Any) -> int:
    for local, received in CASES:
        _one(rule, local, received, f"local={local}, received={received}")
    for case, (local, received) in random_cases(RANDOM_SEED, RANDOM_COUNT, _draw):
        _one(rule, local, received, case)
    return len(CASES) + RANDOM_COUNT


def _check_runs(rule: Any) -> tuple[int, int, int]:
    events = pairs = ordered = 0
    for seed in LAMPORT_SEEDS:
        case = f"a simulated run (seed={seed}: 4 nodes, 10% loss, reordering, a partition, a crash and restart)"
        kwargs = dict(nodes=("A", "B", "C", "D"), events=25, loss=0.1, reorder=0.2, faults=_faults(seed))
        run = guarded(lambda: clock_run(seed, lamport_rule=rule, **kwargs), case=case, input=f"seed={seed}")
        ref = clock_run(seed, **kwargs)
        for e, s in run.stamps.items():
            if s.lamport != ref.stamps[e].lamport:
                fail(case=case, input=f"event {e} ({s.kind} on {s.node})", expected=ref.stamps[e].lamport,
                     got=s.lamport, hint=_HINT)
        check = run.lamport_check()
        if check["violations"]:
            a, b, la, lb = check["violations"][0]
            fail(case=case, input=f"{a} happens before {b}", expected="L(a) < L(b)", got=f"L({a})={la}, L({b})={lb}",
                 hint=_HINT)
        events += check["events"]
        pairs += check["concurrent_pairs"]
        ordered += check["concurrent_but_ordered"]
    return events, pairs, ordered


@exercise("04-lamport-receive", title="The Lamport clock's receive rule", theme="T04", concepts=("C02",),
          reference="dsworkbook.clocks.lamport.lamport_receive")
def grade_lamport_receive(lamport_receive_rule: Any) -> str:
    """A function ``lamport_receive(local, received) -> int``: the receiving process's new Lamport time.

    ``local`` is the process's clock before the receive, ``received`` the time carried by the
    message; the answer is the smallest time later than both (Lamport 1978, IR2). Checked on
    14 cases (zeros, ties, each side ahead, numbers beyond 64 bits) and 500 random ones, then
    plugged into simulated nodes (every receive uses it) under loss, reordering, a partition
    and a crash: every event's time must match Lamport's rule, and the clock condition
    (a -> b implies L(a) < L(b)) must hold on every edge.
    """
    need_callable(lamport_receive_rule, "function lamport_receive(local, received)")
    units = _check_units(lamport_receive_rule)
    events, pairs, ordered = _check_runs(lamport_receive_rule)
    return (f"{units} cases (random ones: seed {RANDOM_SEED}) and {events} simulated events (seeds {LAMPORT_SEEDS}, "
            f"faults): the clock condition holds; {ordered} of {pairs} concurrent pairs still got different times "
            f"(the converse does not hold)")
