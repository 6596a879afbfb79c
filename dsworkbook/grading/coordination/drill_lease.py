"""Exercise ``10-drill-lease-drift``: the notes' lease that trusts its own clock for the whole term (a drill).

Theory of operation
-------------------
The source notes' lock with a time-to-live computes ``expiry = now + ttl`` on the holder's own
wall clock and lets the holder act until that clock reaches it. With leases (Gray & Cheriton,
SOSP 1989, section 2) that is safe only if the holder's clock runs no slower than the grantor's:
a holder whose clock runs slow counts the term out after the grantor has handed it to someone
else. A second mistake often rides along: timing the term from the holder's receipt of the grant,
while the grantor started it when the request arrived - a round trip of extra belief.

The learner writes ``stop_at(sent_at, received_at, lease, drift_bound)``: the latest moment, on
the holder's own clock, at which it may still act as leader, given that its clock runs at least
``1 - drift_bound`` as fast as the store's. The grader checks it two ways:

* **the rule**: hand cases and 400 seeded random ones (leases from 1 ms to an hour, bounds from
  0 to 0.5, round trips from 0 to longer than the lease) against
  ``sent_at + lease * (1 - drift_bound)`` to a relative 1e-9 - the latest *safe* moment, so an
  over-cautious answer fails too; then 20 cases in two worlds (an answer reading the clock fails);
* **the run**: three candidates and a lease store (:class:`~dsworkbook.coordination.election.LeaseStore`),
  with the candidates' clocks running ``drift_bound`` slow, renewals late (at 0.9 of the lease)
  and GC pauses, on several seeds: never two believed leaders at once, and someone leads most of
  the time (an answer that gives up its lease at once would be safe and useless).
"""

from __future__ import annotations

import math
import random
from typing import Any

from dsworkbook.coordination.election import LeaseCandidate, LeaseGrant, LeaseStore, LeaseWatch, _pauses
from dsworkbook.grading.core import (attempt, exercise, fail, in_simulation, need_callable, random_cases,
                                     same_everywhere)
from dsworkbook.sim import Simulation

RANDOM_SEED = 1013
RANDOM_COUNT = 400
RUN_SEEDS = (1, 2, 3, 4, 5, 6)
REL = 1e-9


def reference(sent_at: float, received_at: float, lease: float, drift_bound: float) -> float:
    return sent_at + lease * (1.0 - drift_bound)


HAND: list[tuple[tuple[float, float, float, float], str]] = [
    ((0.0, 0.0, 1000.0, 0.0), "no drift, no delay: the whole term"),
    ((100.0, 140.0, 1000.0, 0.0), "a 40 ms round trip: the term runs from the request, not the grant"),
    ((100.0, 100.0, 1000.0, 0.1), "a 10% drift bound"),
    ((5000.0, 5600.0, 1000.0, 0.05), "a grant that came back 600 ms late"),
    ((0.0, 1200.0, 1000.0, 0.0), "a grant that came back after its term: nothing left"),
    ((250.5, 251.0, 30_000.0, 0.001), "a long lease, a small bound"),
    ((0.0, 3.0, 1.0, 0.5), "a 1 ms lease, the largest bound"),
]


def _hint(args: tuple[float, float, float, float], want: float, got: Any) -> str:
    sent, received, lease, bound = args
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        if math.isclose(got, sent + lease):
            return ("your clock may run slow by up to drift_bound: a full lease on it can end after the store has "
                    "given the lease to someone else - stop at lease * (1 - drift_bound) after sent_at")
        if math.isclose(got, received + lease * (1 - bound)) or math.isclose(got, received + lease):
            return ("time the term from sent_at: the store started it when the request reached it, which is before "
                    "the grant came back to you")
    return ("the latest safe moment is sent_at plus the part of the lease your clock is sure to count before the "
            "store's does: lease * (1 - drift_bound); no earlier, or you give up leadership for nothing")


def _draw(rng: random.Random) -> tuple[float, float, float, float]:
    lease = rng.choice((1.0, 10.0, 1000.0, 15_000.0, 3_600_000.0)) * rng.uniform(0.5, 2)
    bound = rng.choice((0.0, 0.001, 0.01, 0.1, 0.5, rng.uniform(0, 0.5)))
    sent = rng.choice((0.0, rng.uniform(0, 1e6), rng.uniform(0, 10)))
    rtt = rng.choice((0.0, rng.uniform(0, 20), lease * rng.uniform(0, 1.5)))
    return round(sent, 3), round(sent + rtt, 3), round(lease, 3), round(bound, 4)


def _check_rule(fn: Any) -> None:
    cases = [(what, args) for args, what in HAND] + list(random_cases(RANDOM_SEED, RANDOM_COUNT, _draw))
    for label, args in cases:
        shown = dict(zip(("sent_at", "received_at", "lease", "drift_bound"), args))
        got = attempt(fn, *args, input=shown, case=label)
        want = reference(*args)
        ok = (not isinstance(got, bool) and isinstance(got, (int, float)) and math.isfinite(got)
              and abs(got - want) <= REL * max(1.0, abs(want)))
        if not ok:
            fail(case=label, input=shown, expected=want, got=got, hint=_hint(args, want, got))
    for label, args in random_cases(RANDOM_SEED + 1, 20, _draw):
        same_everywhere(fn, *args, input=dict(zip(("sent_at", "received_at", "lease", "drift_bound"), args)),
                        case=label)


def _candidate_class(fn: Any) -> type:
    class Learner(LeaseCandidate):
        """A lease candidate whose stop time is the learner's ``stop_at``."""

        def on_message(self, src: str, msg: Any) -> None:
            if isinstance(msg, LeaseGrant) and msg.req in self.sent:
                start = self.sent.pop(msg.req)
                end = fn(start, self.now(), self.lease, self.margin)
                if end > self.now():
                    if not self.leading():
                        self.note(leads=True)
                    self.until = end
                    self.set_timer("renew", max(0.0, start + self.renew_fraction * self.lease - self.now()))
                return
            super().on_message(src, msg)

    return Learner


def run(fn: Any, seed: int, *, drift: float = 0.1, lease: float = 1000.0, duration: float = 20_000.0) -> LeaseWatch:
    """Three candidates whose clocks run ``drift`` slow, renewing late, with GC pauses; returns the watch."""
    sim = Simulation(seed, latency=(1, 10))
    sim.add_node("s", LeaseStore, lease=lease)
    names = ["l1", "l2", "l3"]
    cls = _candidate_class(fn)
    for c in names:
        sim.add_node(c, cls, store="s", lease=lease, renew_fraction=0.9, drift_bound=drift)
        sim.set_drift(c, -drift)
    watch = LeaseWatch(sim, names)
    _pauses(seed, names, duration, every=1000.0, longest=400.0).apply_to(sim)
    sim.run(until=duration)
    return watch


def _check_runs(fn: Any) -> None:
    for seed in RUN_SEEDS:
        case = (f"three candidates, clocks 10% slow, drift_bound 0.1, renewal at 0.9 of a 1000 ms lease, GC pauses "
                f"(seed {seed}, 20 s)")
        with in_simulation(case=case, input="stop_at inside LeaseCandidate"):
            watch = run(fn, seed)
        if watch.overlap > 0:
            fail(case=case, input="stop_at inside a lease candidate", expected="never two believed leaders",
                 got=f"two candidates believed they led for {watch.overlap:g} ms, first at t={watch.first_overlap:g}",
                 hint="a slow clock counts the term out late: stop acting lease * (1 - drift_bound) after sent_at")
        if watch.led < 0.9 * 20_000.0:
            fail(case=case, input="stop_at inside a lease candidate", expected="someone leads most of the 20 s",
                 got=f"a leader existed for {watch.led:g} ms of 20,000",
                 hint="safe is not enough: keep acting until the latest safe moment, sent_at + lease * (1 - drift_bound)")


@exercise("10-drill-lease-drift", title="Drill: a lease that trusts its own clock", theme="T10", concepts=("Z03",),
          kind="drill", reference="dsworkbook.coordination.election.LeaseCandidate.on_message")
def grade_drill_lease(fn: Any) -> str:
    """``stop_at(sent_at, received_at, lease, drift_bound)``: the latest safe moment on the holder's clock."""
    need_callable(fn, "function stop_at(sent_at, received_at, lease, drift_bound)")
    _check_rule(fn)
    _check_runs(fn)
    return (f"{len(HAND)} hand cases and {RANDOM_COUNT} random ones (seed {RANDOM_SEED}) give the latest safe moment, "
            f"and on seeds {RUN_SEEDS[0]}-{RUN_SEEDS[-1]} no two candidates ever believed they led")


__all__ = ["grade_drill_lease", "reference", "run"]
