"""Exercise ``06-lease-expiry``: may a leader still answer a read from its lease? (thesis §6.4.1, F10)

Theory of operation
-------------------
The rule is the one :mod:`dsworkbook.consensus.raft.reads` keeps: a heartbeat round that a
majority acknowledged gives the leader a lease from the round's *send time*, for
``RaftConfig.lease_length`` = minimum election timeout / (1 + drift bound), measured on the
leader's own monotonic clock (timers: they run at the clock's rate and ignore jumps). The lease
holds while ``now < sent_at + lease_length`` - strictly: the library's lease timer fires at that
instant, before a read arriving at the same time. :func:`lease_holds` is that rule as a
function; the grader compares the learner's function with it

* on hand-made cases with pointed hints: the exact end of the lease (exact binary arithmetic, so
  every correct way to write the comparison agrees), a hair before and after it, a drift bound
  of 0, a bound close to 1, a lease measured from the acknowledgement instead of the send;
* on seeded random cases over the whole domain (timeouts 1-10,000 ms, bounds in [0, 1), times
  from 0 to 10^7 ms, ``now`` before, inside and after the lease), some run twice in two worlds;
* inside the campaign's ``clock`` family (:func:`~dsworkbook.consensus.fuzzing.clock_schedule`:
  a pair cut off, their clocks stepped back, clients moved to their side, drifting clocks):
  every server of a 5-server key-value cluster decides its lease with the learner's function,
  fed the round's send time and the present on a monotonic reading of its own clock
  (:class:`LeaseRuleNode`). The clients' history must stay linearizable, the five safety
  properties must hold, and leases must actually have served reads (the *sometimes* half).
"""

from __future__ import annotations

import random
from typing import Any, Callable

from dsworkbook.consensus.fuzzing import clock_schedule, raft_problem, raft_progress, raft_run
from dsworkbook.consensus.raft import RaftNode
from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.raft._common import run_in_cluster

__all__ = ["grade_lease_expiry", "lease_holds", "lease_rule_node", "LeaseRuleNode", "CASES", "CLUSTER_SEEDS"]

RANDOM_SEED, RANDOM_COUNT, WORLDS = 615, 500, 20
CLUSTER_SEEDS = (13, 21, 29)  # seeds of the clock family (seed % 4 == 1)


def lease_holds(sent_at: float, now: float, election_timeout_min: float, drift_bound: float) -> bool:
    """The reference: the lease of a round sent at ``sent_at`` still holds at ``now`` (leader's clock, ms)."""
    return now < sent_at + election_timeout_min / (1.0 + drift_bound)


#: (what it tests, (sent_at, now, election_timeout_min, drift_bound), hint)
CASES: list[tuple[str, tuple[float, float, float, float], str]] = [
    ("just after the round was sent", (1000.0, 1001.0, 150.0, 0.5), "a fresh lease holds"),
    ("well inside the lease", (0.0, 60.0, 150.0, 0.25), "60 ms after the send, a lease of 150 / 1.25 = 120 ms holds"),
    ("exactly at the end of the lease", (40.0, 140.0, 150.0, 0.5),
     "the lease lasts 150 / 1.5 = 100 ms from the send: at 140 it has just ended - the comparison is strict"),
    ("a hair before the end", (40.0, 139.9990234375, 150.0, 0.5), "at 139.999 the lease of 100 ms still holds"),
    ("after the minimum election timeout divided by (1 + bound), before the timeout itself",
     (0.0, 130.0, 150.0, 0.25),
     "the lease is shorter than the election timeout: 150 / 1.25 = 120 ms, so at 130 it no longer holds - the "
     "followers' clocks may run faster by the drift bound"),
    ("divide, do not subtract the bound from the timeout", (0.0, 116.0, 150.0, 0.25),
     "divide the timeout by (1 + drift_bound): 150 / 1.25 = 120 ms (not 150 * (1 - 0.25) = 112.5): at 116 the "
     "lease holds"),
    ("no drift at all: the lease lasts the whole minimum timeout", (500.0, 649.5, 150.0, 0.0),
     "with a drift bound of 0 the lease lasts the minimum election timeout, 150 ms"),
    ("no drift, exactly at the end", (500.0, 650.0, 150.0, 0.0), "the comparison is strict: at 650 it has ended"),
    ("a large bound", (0.0, 60.0, 150.0, 0.875), "150 / 1.875 = 80 ms: at 60 it holds"),
    ("a large bound, past its end", (0.0, 81.0, 150.0, 0.875), "150 / 1.875 = 80 ms: at 81 it has ended"),
    ("the time of sending, not of the acknowledgement", (1000.0, 1110.0, 150.0, 0.5),
     "the lease starts when the round was sent (1000), not when a majority answered: 100 ms later it has ended"),
    ("read at the very instant the round was sent", (250.0, 250.0, 50.0, 0.25), "a lease holds at its start"),
    ("a large clock value", (9_999_000.0, 9_999_039.5, 50.0, 0.25), "50 / 1.25 = 40 ms: at +39.5 ms it holds"),
    ("a large clock value, past the end", (9_999_000.0, 9_999_040.5, 50.0, 0.25),
     "50 / 1.25 = 40 ms: at +40.5 ms it has ended"),
]

_BOUNDS = (0.0, 0.0, 0.05, 0.1, 0.125, 0.2, 0.25, 0.5, 0.75, 0.9, 0.99)


def draw_case(rng: random.Random) -> tuple[float, float, float, float]:
    """(sent_at, now, election_timeout_min, drift_bound) over the whole domain."""
    low = rng.choice((rng.uniform(1, 50), rng.uniform(50, 500), rng.uniform(500, 10_000), 150.0, 50.0))
    bound = rng.choice((*_BOUNDS, rng.random() * 0.999))
    sent = rng.choice((0.0, rng.uniform(0, 1000), rng.uniform(0, 1e7)))
    length = low / (1.0 + bound)
    pick = rng.random()
    if pick < 0.3:
        now = sent + rng.uniform(0, length) * 0.98  # inside
    elif pick < 0.6:
        now = sent + length + rng.uniform(0.02, 1.0) * length  # after the lease, before or after the timeout
    elif pick < 0.8:
        now = sent + rng.uniform(length * 1.02, max(length * 1.03, low * 0.999))  # past the lease, within the timeout
    else:
        now = sent + rng.uniform(0, 3 * low)
    return round(sent, 3), round(now, 3), round(low, 3), round(bound, 4)


def _hint(args: tuple[float, float, float, float], got: Any) -> str:
    sent, now, low, bound = args
    if not isinstance(got, bool):
        return "return True or False"
    length = low / (1.0 + bound)
    if got and sent + length <= now < sent + low:
        return ("the followers' clocks may run faster than the leader's by the drift bound: the lease lasts the "
                f"minimum election timeout divided by (1 + drift_bound) = {length:g} ms, not {low:g}")
    return f"the lease holds while now < sent_at + election_timeout_min / (1 + drift_bound) = {sent + length:g}"


def check_table(fn: Callable[..., Any]) -> int:
    cases = [(name, args, hint) for name, args, hint in CASES]
    cases += [(label, drawn, "") for label, drawn in random_cases(RANDOM_SEED, RANDOM_COUNT, draw_case)]
    for k, (name, args, hint) in enumerate(cases):
        shown = "lease_holds(sent_at={}, now={}, election_timeout_min={}, drift_bound={})".format(*args)
        if len(CASES) <= k < len(CASES) + WORLDS:
            got = same_everywhere(fn, *args, input=shown, case=name)
        else:
            got = attempt(fn, *args, input=shown, case=name)
        want = lease_holds(*args)
        if got is not want and not (isinstance(got, bool) and got == want):
            fail(case=name, input=shown, expected=want, got=got, hint=hint or _hint(args, got))
    return len(cases)


class LeaseRuleNode(RaftNode):
    """A server whose lease is decided by ``self.rule(sent_at, now, election_timeout_min, drift_bound)``.

    ``now`` and ``sent_at`` are read on the server's monotonic clock (``Node.monotonic()``): its
    rate (drift) counts, its jumps do not - the clock the library's lease timers run on.
    """

    rule: Callable[..., Any] = staticmethod(lease_holds)
    lease_reads_served = 0

    def start_round(self) -> None:
        self.round += 1
        if self.leases:
            self.round_wall[self.round] = self.monotonic()

    def lease_valid(self) -> bool:
        if self.lease_forfeit or self.lease_round <= self.lease_expired or self.lease_round not in self.round_wall:
            return False
        args = (self.round_wall[self.lease_round], self.monotonic(), self.config.election_timeout[0],
                self.config.clock_drift_bound)
        ok = attempt(type(self).rule, *args, input="lease_holds(sent_at={}, now={}, election_timeout_min={}, "
                                                   "drift_bound={})".format(*args), case="inside a cluster")
        if ok:
            type(self).lease_reads_served += 1
        return bool(ok)


def lease_rule_node(fn: Callable[..., Any]) -> type[LeaseRuleNode]:
    """A :class:`LeaseRuleNode` class deciding with ``fn`` (a fresh class: it counts its own lease reads)."""
    return type("LearnerLeaseNode", (LeaseRuleNode,), {"rule": staticmethod(fn), "lease_reads_served": 0})


def cluster_check(fn: Callable[..., Any], seeds: tuple[int, ...] = CLUSTER_SEEDS) -> tuple[int, int]:
    """The clock family with ``fn`` deciding every lease; (reads served by lease, operations answered)."""
    cls = lease_rule_node(fn)
    answered = 0
    for seed in seeds:
        case = f"the clock family, seed {seed}: 5 servers, lease reads decided by your function"
        sim = run_in_cluster(lambda: raft_run(seed, clock_schedule(seed), node_class=cls,
                                              options={"read_mode": "lease"}), case)
        problem = raft_problem(sim)
        if problem is not None:
            fail(case=case, input="a pair of servers cut off with their clocks stepped back 500-1000 ms, clients "
                 "moved to their side, clocks drifting by up to 4% (election timeouts 50-100 ms, drift bound 0.2)",
                 expected="a linearizable history and the five safety properties", got=problem.message,
                 hint="a leader answered from its lease after another leader could have been elected: the lease "
                      "must end at sent_at + election_timeout_min / (1 + drift_bound)")
        if not raft_progress(sim):
            fail(case=case, input="the clock family", expected="every client command answered by the end",
                 got=f"{sim.history.counts()['ok']} of {len(sim.history)} answered",
                 hint="return True or False for every call")
        answered += sim.history.counts()["ok"]
    if cls.lease_reads_served == 0:
        fail(case="the clock family", input=f"seeds {seeds}", expected="some reads answered from a lease",
             got="none", hint="a fresh lease holds: return True while now < sent_at + election_timeout_min / "
                             "(1 + drift_bound)")
    return cls.lease_reads_served, answered


@exercise("06-lease-expiry", title="When does a read lease end?", theme="T06", concepts=("F10",),
          reference="dsworkbook.grading.raft.lease_expiry.lease_holds", seconds=20.0)
def grade_lease_expiry(lease_holds: Any) -> str:
    """A function ``lease_holds(sent_at, now, election_timeout_min, drift_bound) -> bool``.

    Compared with the rule of :mod:`dsworkbook.consensus.raft.reads` on hand-made and random
    cases, then deciding every lease of a 5-server cluster in the campaign's clock family.
    """
    if not callable(lease_holds):
        fail(case="the answer itself", input=repr(lease_holds), expected="a function",
             got=type(lease_holds).__name__, hint="pass the function itself")
    n = check_table(lease_holds)
    served, answered = cluster_check(lease_holds)
    return (f"{n} cases right; in the clock family (seeds {', '.join(map(str, CLUSTER_SEEDS))}) your rule served "
            f"{served} reads from leases, {answered} operations answered, the history linearizable")
