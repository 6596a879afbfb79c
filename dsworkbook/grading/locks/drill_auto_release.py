"""Exercise ``09-drill-auto-release``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.grading.core import exercise, fail, in_simulation, same_everywhere
from dsworkbook.locks.campaign import locks_schedule
from dsworkbook.locks.client import LockClient, holding_periods, overlapping_holders
from dsworkbook.locks.fencing import Storage, stale_writes
from dsworkbook.locks.redlock import RedlockClient
from dsworkbook.locks.server import LockServer
from dsworkbook.sim import Simulation

TTL = 100.0
ONE_SERVER_SEEDS = tuple(range(40, 52))
REDLOCK_SEEDS = tuple(range(60, 66))
HINT_SAFE = ("the timer of round r fired while the client held the lock of a later round and freed it: on_timer "
             "must release only the acquisition it was armed for (compare name[1] with self.round), or leave "
             "expiry to the server")
HINT_LIVE = ("every other timer (\"next\", \"retry\", \"attempt\", \"token\", \"work\") must still reach "
             "LockClient.on_timer: call super().on_timer(name) for them")


def need_client_class(answer: Any) -> None:
    if not (inspect.isclass(answer) and issubclass(answer, LockClient)):
        fail(case="the answer itself", input=repr(answer), expected="a subclass of dw.locks.LockClient",
             got=type(answer).__name__, hint="write class FixedClient(dw.locks.LockClient) with a method on_timer")
    if "on_timer" not in vars(answer) and not any("on_timer" in vars(c) for c in answer.__mro__[1:]
                                                   if c is not LockClient and issubclass(c, LockClient)):
        fail(case="the answer itself", input=answer.__name__, expected="a class that defines on_timer",
             got=f"{answer.__name__} does not define on_timer", hint="define `def on_timer(self, name)` in your class")


def _redlock(cls: type) -> type:
    if cls is LockClient:
        return RedlockClient
    return type(cls.__name__, (cls, RedlockClient), {})


def build(cls: type, seed: int, *, servers: int = 1, clients: list[dict] | None = None,
          faults: bool = False) -> Simulation:
    """Lock servers, a storage and clients of class ``cls`` that arm the auto-release timer."""
    sim = Simulation(seed, latency=(1.0, 10.0), trace=True)
    names = [f"s{i}" for i in range(1, servers + 1)]
    for s in names:
        sim.add_node(s, LockServer, restart_delay=1.1 * TTL)
    sim.add_node("store", Storage)
    clients = clients or [dict(start_at=10.0 * i) for i in range(3)]
    for i, extra in enumerate(clients, start=1):
        kwargs = {"storage": "store", "ttl": TTL, "rounds": 4, "auto_release": True, **extra}
        if servers == 1:
            sim.add_node(f"c{i}", cls, server="s1", **kwargs)
        else:
            sim.add_node(f"c{i}", _redlock(cls), servers=names, **kwargs)
    if faults:
        locks_schedule(seed, variant="auto_release", servers=servers).apply_to(sim)
    return sim


def _run(sim: Simulation, until: float, case: str) -> Simulation:
    with in_simulation(case=case, input=f"seed {sim.seed}",
                       hint="your code raised inside a client; the message names the node, the handler and the time"):
        sim.run(until=until)
    return sim


def _summary(sim: Simulation) -> dict[str, Any]:
    store = sim.node("store")
    return {"two holders": [(a, b, round(t, 1)) for a, b, t in overlapping_holders(sim)],
            "stale writes": stale_writes(store.accepted),
            "writes per client": {c: sum(w.writer == c for w in store.accepted)
                                  for c in sim.node_ids if c.startswith("c")}}


def _check(sim: Simulation, case: str, *, beliefs: bool, min_writes: int) -> dict[str, Any]:
    got = _summary(sim)
    if got["stale writes"] or (beliefs and got["two holders"]):
        fail(case=case, input=f"seed {sim.seed}, clients {list(got['writes per client'])}, auto-release timers on",
             expected="no two clients holding the lock at once, no stale write accepted", got=got, hint=HINT_SAFE)
    short = {c: n for c, n in got["writes per client"].items() if n < min_writes}
    if short:
        fail(case=case, input=f"seed {sim.seed}, 4 rounds per client", expected=f"every client wrote at least "
             f"{min_writes} time(s)", got=got, hint=HINT_LIVE)
    return got


def _adversarial(cls: type) -> Simulation:
    """c1's first round ends early; its second round still works when the first round's timer fires."""
    sim = build(cls, 5, clients=[dict(start_at=0.0, rounds=2, work=(60.0, 60.0), think=(0.0, 0.0), ttl=150.0),
                                 dict(start_at=120.0, rounds=1, work=(40.0, 40.0))])
    return _run(sim, 1200.0, "c1 holds its second round when its first round's timer fires")


@exercise("09-drill-auto-release", title="Drill: the auto-release timer that frees the wrong lock", theme="T09",
          concepts=("L01",), kind="drill", reference="dsworkbook.locks.client.LockClient.on_timer")
def grade_drill_auto_release(FixedClient: Any) -> str:
    """A subclass of :class:`~dsworkbook.locks.client.LockClient` whose ``on_timer`` handles the
    ``("auto_release", round)`` timer without freeing a later acquisition, and passes every other
    timer to ``LockClient.on_timer``.

    Run, with the timers armed (``auto_release=True``): a hand-driven scenario in which the
    first round's timer fires during the second round while another client waits; 12 seeds of
    three clients doing four rounds on one lock server (no two holders at once, no stale write,
    every client writes at least twice); 6 seeds on five Redlock servers under lock-server
    crashes with the delayed restart (no stale write, every client writes); and one run in two
    worlds.
    """
    need_client_class(FixedClient)
    sim = _adversarial(FixedClient)
    got = _summary(sim)
    c1 = [p for p in holding_periods(sim) if p[0] == "c1"]
    if got["two holders"] or got["stale writes"]:
        fail(case="c1 holds its second round when its first round's timer fires (seed 5)",
             input="c1: two rounds, 60 ms of work each, ttl 150 ms; c2 starts at t=120",
             expected="c2 gets the lock only after c1 released its second round", got=got, hint=HINT_SAFE)
    if len(c1) < 2 or got["writes per client"].get("c2", 0) < 1:
        fail(case="c1 holds its second round when its first round's timer fires (seed 5)",
             input="c1: two rounds, 60 ms of work each, ttl 150 ms; c2 starts at t=120",
             expected="c1 holds twice and writes twice, then c2 writes", got=got, hint=HINT_LIVE)
    writes = 0
    for seed in ONE_SERVER_SEEDS:
        case = f"seed {seed}: three clients, four rounds each, one lock server, no faults"
        writes += sum(_check(_run(build(FixedClient, seed), 2100.0, case), case, beliefs=True,
                             min_writes=2)["writes per client"].values())
    for seed in REDLOCK_SEEDS:
        case = f"seed {seed}: three clients on five Redlock servers, lock servers crash and restart late"
        writes += sum(_check(_run(build(FixedClient, seed, servers=5, faults=True), 2100.0, case), case,
                             beliefs=False, min_writes=1)["writes per client"].values())

    def world() -> dict[str, Any]:
        return _summary(_run(build(FixedClient, ONE_SERVER_SEEDS[0]), 2100.0, "a run in two worlds"))

    same_everywhere(world, input=f"seed {ONE_SERVER_SEEDS[0]}: the whole run's summary", case="a run in two worlds")
    return (f"the late timer freed nothing in the hand-made scenario; seeds {ONE_SERVER_SEEDS[0]}-{ONE_SERVER_SEEDS[-1]} "
            f"(one server) and {REDLOCK_SEEDS[0]}-{REDLOCK_SEEDS[-1]} (Redlock under crashes): no two holders, no stale "
            f"write, {writes} writes accepted; the same in two worlds")
