"""The checks of theme T01: the network model, the eight fallacies, reliable request-reply.

Theory of operation
-------------------
Each grader takes the learner's answer, runs it on many seeded cases and - where the idea is
about distributed behaviour - inside the simulator under loss, duplication, partitions or an
outage, and compares with a reference. The first wrong case raises
:class:`~dsworkbook.grading.core.WrongAnswer` with its input, the expected and the actual
result, and a hint; a right answer gets one line naming the seeds used. The cases are fixed
seeds with wide margins on every statistical test, so a correct answer never fails and the
same answer always gets the same verdict.

The two predictions are not compared with a constant: the grader runs the scenario the
question describes and derives the truth from what the run showed, then reports it.

Exercises (see each grader's docstring for the exact signature):

=======================  ==========  =============================================================
``01-backoff``           implement   ``backoff_delay(attempt, base, cap, rng) -> float``, full jitter
``01-dedup``             implement   ``class DedupCounter`` with ``handle(req_id, idem_key, amount)``
``01-partition-detect``  implement   ``reachability_groups(last_heard, now, timeout)``
``01-trace-stats``       implement   ``delivery_stats(messages)`` over ``trace.messages()``
``01-predict-retry``     predict     an int: the counter after a retried ``incr 1`` (no keys)
``01-predict-timeout``   predict     a letter: what a timeout tells the client
``01-drill-retry``       drill       a fixed ``NaiveRetryClient`` (three bugs)
=======================  ==========  =============================================================
"""

from __future__ import annotations

import inspect
import math
import random
from typing import Any, Callable, Iterable

from dsworkbook.errors import InvariantViolation, NodeError
from dsworkbook.grading.core import attempt, exercise, fail
from dsworkbook.reliability import CounterServer, RetryClient, RetryPolicy, attempts_by_op, run_request_reply
from dsworkbook.sim import Constant, Node, Request, Response, Simulation
from dsworkbook.sim.examples import Heartbeater
from dsworkbook.sim.stats import STATS_COLUMNS
from dsworkbook.sim.stats import delivery_stats as reference_delivery_stats

__all__ = ["grade_backoff", "grade_dedup", "grade_partition_detect", "grade_trace_stats", "grade_predict_retry",
           "grade_predict_timeout", "grade_drill_retry", "storm"]


def _run(sim: Simulation, *, until: float, max_events: int = 500_000, case: str) -> None:
    """Run ``sim``; learner code that raises inside a node becomes a clear grading error."""
    try:
        sim.run(until=until, max_events=max_events)
    except NodeError as exc:
        if isinstance(exc.cause, NotImplementedError):
            raise NotImplementedError from None  # a stub: check() reports "not attempted yet"
        fail(case=case, input=f"a simulation with seed={sim.seed}", expected="a run without errors",
             got=str(exc), hint="your code raised inside a node; the message names the handler and the time")


def _need_callable(answer: Any, what: str) -> None:
    if not callable(answer):
        fail(case="the answer itself", input=repr(answer), expected=what, got=type(answer).__name__,
             hint=f"pass the {what} itself (its name, without calling it)")


# =====================================================================================================
# 01-backoff
# =====================================================================================================

#: (attempt, base, cap): early attempts, the cap reached, base == cap, a fractional base.
_BACKOFF_CASES = [(0, 10.0, 1000.0), (1, 10.0, 1000.0), (3, 10.0, 1000.0), (5, 10.0, 1000.0), (6, 10.0, 1000.0),
                  (7, 10.0, 1000.0), (12, 10.0, 1000.0), (4, 1.0, 10.0), (2, 5.0, 5.0), (3, 0.5, 100.0)]
_DRAWS = 2000
STORM_SEEDS = (7, 8)
STORM_CLIENTS = 40


def _ceiling(attempt: int, base: float, cap: float) -> float:
    return min(cap, base * 2 ** attempt)


def _backoff_samples(fn: Callable[..., Any], case: tuple[int, float, float], seed: int) -> list[float]:
    attempt_no, base, cap = case
    rng = random.Random(seed)
    shown = f"backoff_delay({attempt_no}, {base:g}, {cap:g}, rng)"
    out = []
    for _ in range(_DRAWS):
        x = attempt(fn, attempt_no, base, cap, rng, input=shown, case=shown)
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            fail(case=shown, input=shown, expected="a finite number of ms", got=x, hint="return the delay as a float")
        out.append(float(x))
    return out


def _check_backoff_case(fn: Callable[..., Any], case: tuple[int, float, float], seed: int) -> None:
    attempt_no, base, cap = case
    top = _ceiling(attempt_no, base, cap)
    shown = f"{_DRAWS} draws of backoff_delay({attempt_no}, {base:g}, {cap:g}, random.Random({seed}))"
    xs = _backoff_samples(fn, case, seed)
    lo, hi = min(xs), max(xs)
    if lo < 0 or hi > top * (1 + 1e-9):
        fail(case=shown, input=shown, expected=f"every delay within [0, min(cap, base * 2**attempt)] = [0, {top:g}]",
             got=f"delays from {lo:g} to {hi:g}",
             hint=("the wait must never exceed the cap" if hi > cap else
                   "the ceiling is base * 2**attempt (attempt 0 -> base), capped at cap"))
    mean, below = sum(xs) / len(xs), sum(1 for x in xs if x < top / 2) / len(xs)
    quarters = [sum(1 for x in xs if q * top / 4 <= x < (q + 1) * top / 4) / len(xs) for q in (0, 3)]
    # 2000 uniform draws: each margin below is at least 5 standard deviations wide
    spread_ok = (lo < 0.1 * top and hi > 0.9 * top and 0.44 * top <= mean <= 0.56 * top and 0.43 <= below <= 0.57
                 and all(0.2 <= f <= 0.3 for f in quarters))
    if not spread_ok:
        fail(case=shown, input=shown, expected=f"uniform over [0, {top:g}]: min near 0, max near {top:g}, "
             f"mean near {top / 2:g}",
             got=f"min {lo:.4g}, max {hi:.4g}, mean {mean:.4g}, {below:.0%} below {top / 2:g}",
             hint=_spread_hint(lo, hi, top))


def _spread_hint(lo: float, hi: float, top: float) -> str:
    if hi - lo < 1e-9 * max(top, 1):
        return "every delay is the same: without jitter, clients that failed together retry together"
    if hi <= 0.9 * top:
        return "the delays never reach the ceiling: the ceiling doubles with each attempt (base * 2**attempt)"
    if lo >= 0.1 * top:
        return "full jitter draws from the whole range [0, ceiling], not just its upper part"
    return "draw the delay uniformly from [0, ceiling], e.g. rng.uniform(0, ceiling)"


def _check_backoff_rng(fn: Callable[..., Any]) -> None:
    calls = [(a, 10.0, 1000.0) for a in range(8)] * 3
    shown = "the same calls with random.Random(5) twice, then with random.Random(6)"

    def run(seed: int) -> list[Any]:
        rng = random.Random(seed)
        return [attempt(fn, *c, rng, input=f"backoff_delay{c[:3]}", case=shown) for c in calls]

    first, again, other = run(5), run(5), run(6)
    if first != again:
        fail(case=shown, input=shown, expected="the same delays for the same rng seed", got="different delays",
             hint="draw every random number from the rng argument (rng.uniform, rng.random), never from the global "
                  "random module: the simulation's seed must decide every delay")
    if first == other:
        fail(case=shown, input=shown, expected="different delays for a differently seeded rng", got="the same delays",
             hint="the delays do not depend on rng: draw them from the rng argument")


def storm(seed: int, backoff: Callable[..., Any] | None = None, jitter: str = "full", clients: int = STORM_CLIENTS):
    """A retry storm: ``clients`` clients send at t=0 while the server is down until t=500 ms."""
    policy = RetryPolicy(timeout=20, max_attempts=12, base=10, cap=1000, jitter=jitter)
    return run_request_reply(seed, clients=clients, ops=1, policy=policy, dedup=True, latency=Constant(5),
                             outage=(0, 500), backoff=backoff, window=10.0)


def _check_backoff_storm(fn: Callable[..., Any]) -> tuple[list[int], int]:
    peaks = []
    for seed in STORM_SEEDS:
        try:
            r = storm(seed, backoff=fn)
        except NodeError as exc:
            fail(case=f"the retry storm (seed={seed})", input="40 clients, server down 0-500 ms", expected="a run",
                 got=str(exc), hint="your function raised inside the simulation")
        limit = STORM_CLIENTS // 3
        if r.peak_load > limit or r.ok != r.ops:
            fail(case=f"the retry storm (seed={seed})", input=f"{STORM_CLIENTS} clients send at t=0, server down "
                 "0-500 ms, timeout 20 ms, base 10 ms, cap 1000 ms", expected=f"at most {limit} requests reaching "
                 f"the server in any 10 ms, and every op ok", got=f"peak {r.peak_load}, {r.ok}/{r.ops} ok",
                 hint="clients that failed together must spread their retries out: that is what jitter is for")
        peaks.append(r.peak_load)
    return peaks, storm(STORM_SEEDS[0], jitter="none").peak_load


@exercise("01-backoff", title="Capped exponential backoff with full jitter", theme="T01", concepts=("N04",))
def grade_backoff(backoff_delay: Callable[..., Any]) -> str:
    """``backoff_delay(attempt, base, cap, rng) -> float``.

    The wait in ms before retry number ``attempt`` (0 before the first retry), drawn uniformly
    from ``[0, min(cap, base * 2**attempt)]`` with ``rng`` (a ``random.Random``). Checked on 10
    (attempt, base, cap) cases x 2000 draws (range, cap, spread), for reproducibility from the
    rng, and in a retry storm in the simulator (40 clients, server down for 500 ms).
    """
    _need_callable(backoff_delay, "function backoff_delay(attempt, base, cap, rng)")
    for i, case in enumerate(_BACKOFF_CASES):
        _check_backoff_case(backoff_delay, case, 100 + i)
    _check_backoff_rng(backoff_delay)
    peaks, no_jitter = _check_backoff_storm(backoff_delay)
    return (f"full jitter within [0, min(cap, base*2**attempt)] on {len(_BACKOFF_CASES)} cases x {_DRAWS} draws, "
            f"reproducible from rng; retry storm (seeds {STORM_SEEDS}): peak {max(peaks)} requests per 10 ms "
            f"vs {no_jitter} without jitter")


# =====================================================================================================
# 01-dedup
# =====================================================================================================


class _ReferenceDedup:
    """The reference: apply a key once, remember the value it produced, answer repeats with it."""

    def __init__(self) -> None:
        self.value = 0
        self.results: dict[str, int] = {}

    def handle(self, req_id: int, idem_key: str, amount: int) -> int:
        if idem_key not in self.results:
            self.value += amount
            self.results[idem_key] = self.value
        return self.results[idem_key]


#: Hand-written sequences of handle(req_id, idem_key, amount) calls, each with what it tests.
_DEDUP_UNITS = [
    ("one op", [(1, "a", 5)]),
    ("a retry: new req_id, same key", [(1, "a", 5), (2, "a", 5)]),
    ("a network duplicate: same req_id, same key", [(1, "a", 2), (1, "a", 2)]),
    ("two ops with the same amount", [(1, "a", 3), (2, "b", 3)]),
    ("a retry after another op changed the value", [(1, "a", 1), (2, "b", 10), (3, "a", 1)]),
    ("retries of two ops, interleaved", [(1, "a", 1), (2, "b", 2), (3, "b", 2), (4, "a", 1), (5, "c", 4), (6, "b", 2)]),
]


def _random_sequence(rng: random.Random, length: int) -> list[tuple[int, str, int]]:
    calls: list[tuple[int, str, int]] = []
    amounts: dict[str, int] = {}
    for req_id in range(1, length + 1):
        r = rng.random()
        if calls and r < 0.15:
            calls.append(calls[-1])  # the network duplicated the last request
            continue
        key = rng.choice(list(amounts)) if amounts and r < 0.5 else f"k{len(amounts)}"
        amounts.setdefault(key, rng.randint(1, 9))
        calls.append((req_id, key, amounts[key]))
    return calls


def _new_counter(cls: Any, case: str) -> Any:
    counter = attempt(cls, input="DedupCounter()", case=case)
    if not callable(getattr(counter, "handle", None)):
        fail(case=case, input="DedupCounter()", expected="an object with a method handle(req_id, idem_key, amount)",
             got=type(counter).__name__, hint="define `def handle(self, req_id, idem_key, amount):` in the class")
    return counter


def _dedup_hint(calls: list[tuple[int, str, int]], i: int, current: int, got: Any) -> str:
    """Name the likely mistake; ``current`` is the reference counter's value before call ``i``."""
    req_id, key, amount = calls[i]
    earlier = [c for c in calls[:i] if c[1] == key]
    if not earlier:
        return "a new key must be applied: add the amount and return the new value"
    if got == current:
        return ("a repeat must get the value its key produced the first time (keep it in the table), not the "
                "counter's current value")
    if got == current + amount:
        what = "the network delivered this request twice" if all(c[0] == req_id for c in earlier) else \
            "this is a retry: a new req_id but the same idem_key"
        return f"{what}; a key seen before must not be applied again (key the table on idem_key)"
    return "apply each idem_key once, remember the value it produced, and return that value for every repeat"


def _check_dedup_sequence(cls: Any, name: str, calls: list[tuple[int, str, int]]) -> None:
    mine, ref = _new_counter(cls, name), _ReferenceDedup()
    for i, call in enumerate(calls):
        shown = f"calls {calls[: i + 1]} on a new DedupCounter (the last one is checked)"
        got = attempt(mine.handle, *call, input=shown, case=name)
        current, expected = ref.value, ref.handle(*call)
        if got != expected or isinstance(got, bool):
            fail(case=f"{name}, call {i + 1}: handle{call}", input=shown, expected=expected, got=got,
                 hint=_dedup_hint(calls, i, current, got))


class _DedupServer(Node):
    """A server node that hands every incr request to the learner's counter object."""

    def __init__(self, node_id: str, *, counter_class: Callable[[], Any]) -> None:
        super().__init__(node_id)
        self.counter_class = counter_class

    def on_start(self) -> None:
        self.counter = self.counter_class()
        self.calls: list[tuple[int, str, int]] = []
        self.answers: list[Any] = []

    def on_client_request(self, src: str, request: Request) -> None:
        call = (request.req_id, request.idem_key, request.arg)
        self.calls.append(call)
        value = self.counter.handle(*call)
        self.answers.append(value)
        self.reply(src, request, value)


DEDUP_SEEDS = (31, 32, 33)


def _dedup_sim(cls: Any, seed: int) -> tuple[Simulation, _DedupServer]:
    sim = Simulation(seed=seed, latency=(1, 10), loss=0.2, duplicate=0.15)
    server = sim.add_node("server", _DedupServer, counter_class=cls)
    wl = random.Random(seed)
    amounts = [wl.randint(1, 9) for _ in range(5 * 6)]
    policy = RetryPolicy(timeout=25, max_attempts=12, base=5, cap=100)
    for c in range(5):
        sim.add_node(f"c{c}", RetryClient, server="server", ops=[("incr", a) for a in amounts[c * 6:(c + 1) * 6]],
                     policy=policy, req_base=c * 1000)
    _run(sim, until=20_000, case=f"the simulated counter service (seed={seed})")
    return sim, server  # type: ignore[return-value]


def _check_dedup_in_sim(cls: Any, seed: int) -> tuple[int, int]:
    sim, server = _dedup_sim(cls, seed)
    ref = _ReferenceDedup()
    case = f"the simulated counter service (seed={seed}: 5 clients x 6 incr, loss 20%, duplication 15%)"
    for i, (call, got) in enumerate(zip(server.calls, server.answers)):
        current, expected = ref.value, ref.handle(*call)
        if got != expected:
            fail(case=case, input=f"the server's calls so far: {server.calls[max(0, i - 6): i + 1]} (last checked)",
                 expected=expected, got=got, hint=_dedup_hint(server.calls, i, current, got))
    total = sum(op.input for op in sim.history if op.outcome == "ok")
    final = attempt(server.counter.handle, 0, "final-read", 0, input="handle(0, 'final-read', 0)", case=case)
    if sim.history.counts()["ok"] != len(sim.history) or final != total:
        fail(case=case, input="every client's increments, each applied once", expected=f"counter = {total}",
             got=f"counter = {final}", hint="every logical operation must be applied exactly once")
    return len(server.calls), len(server.calls) - len({c[1] for c in server.calls})


@exercise("01-dedup", title="Server-side de-duplication with idempotency keys", theme="T01", concepts=("N04",))
def grade_dedup(DedupCounter: Any) -> str:
    """``class DedupCounter`` with ``handle(self, req_id, idem_key, amount) -> int``.

    ``DedupCounter()`` starts at 0. ``handle`` adds ``amount`` the first time it sees
    ``idem_key`` and returns the counter value that produced; for a key it has seen before
    (a retry: new ``req_id``; or a network duplicate: same ``req_id``) it changes nothing and
    returns that same original value. Checked on hand-written and 40 seeded call sequences, then
    as the server of 5 retrying clients under 20% loss and 15% duplication.
    """
    if not inspect.isclass(DedupCounter):
        _need_callable(DedupCounter, "class DedupCounter")
    _check_independent_instances(DedupCounter)
    for name, calls in _DEDUP_UNITS:
        _check_dedup_sequence(DedupCounter, name, calls)
    rng = random.Random(2024)
    for i in range(40):
        sequence = _random_sequence(rng, rng.randint(5, 30))
        _check_dedup_sequence(DedupCounter, f"random sequence {i} (seed 2024)", sequence)
    requests = repeats = 0
    for seed in DEDUP_SEEDS:
        c, r = _check_dedup_in_sim(DedupCounter, seed)
        requests, repeats = requests + c, repeats + r
    return (f"{len(_DEDUP_UNITS) + 40} call sequences right; in the simulator (seeds {DEDUP_SEEDS}) "
            f"{requests} requests "
            f"reached the server, {repeats} of them retries or duplicates, and every op was applied exactly once")


def _check_independent_instances(cls: Any) -> None:
    case = "two separate DedupCounter objects"
    first, second = _new_counter(cls, case), _new_counter(cls, case)
    attempt(first.handle, 1, "a", 5, input="first.handle(1, 'a', 5)", case=case)
    got = attempt(second.handle, 1, "a", 7, input="second.handle(1, 'a', 7)", case=case)
    if got != 7:
        fail(case=case, input="first.handle(1, 'a', 5); second.handle(1, 'a', 7)", expected=7, got=got,
             hint="each DedupCounter needs its own value and table: create them in __init__ (self.x = ...), "
                  "not as class attributes")


# =====================================================================================================
# 01-partition-detect
# =====================================================================================================


def _reference_groups(last_heard: dict[str, dict[str, float]], now: float, timeout: float) -> list[set[str]]:
    import networkx as nx

    def hears(a: str, b: str) -> bool:
        t = last_heard.get(a, {}).get(b)
        return t is not None and now - t <= timeout

    g = nx.Graph()
    g.add_nodes_from(last_heard)
    g.add_edges_from((a, b) for a in last_heard for b in last_heard[a] if a != b and b in last_heard
                     and hears(a, b) and hears(b, a))
    return [set(c) for c in nx.connected_components(g)]


_PARTITION_UNITS = [
    ("everyone hears everyone", {"a": {"b": 95.0, "c": 96.0}, "b": {"a": 97.0, "c": 90.0},
                                 "c": {"a": 91.0, "b": 99.0}}, 100.0, 30.0),
    ("a one-way link: b hears a, a does not hear b", {"a": {}, "b": {"a": 95.0}}, 100.0, 30.0),
    ("a stale heartbeat", {"a": {"b": 20.0}, "b": {"a": 98.0}}, 100.0, 30.0),
    ("a chain: a-b and b-c, not a-c", {"a": {"b": 99.0}, "b": {"a": 99.0, "c": 98.0}, "c": {"b": 97.0}}, 100.0, 30.0),
    ("one node alone", {"a": {}}, 5.0, 30.0),
]

PARTITION_SEEDS = tuple(range(41, 49))


def _heartbeat_tables(seed: int) -> list[tuple[str, dict[str, dict[str, float]], float]]:
    """Snapshots of a heartbeat cluster's tables while partitions and one-way cuts come and go."""
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(rng.randint(4, 7))]
    sim = Simulation(seed=seed, latency=(1, 10), loss=0.05)
    sim.add_nodes(nodes, Heartbeater, every=10.0)
    snaps: list[tuple[str, dict[str, dict[str, float]], float]] = []

    def snap(label: str) -> None:
        table = {n: dict(sim.node(n).last_heard) for n in nodes}
        snaps.append((f"seed {seed}, t={sim.now:g}: {label}", table, sim.now))

    sim.run(until=100)
    snap("healthy")
    groups, cut = _cut_in_two(sim, nodes, rng)
    for until in (115, 140, 200):
        sim.run(until=until)
        snap(cut)
    sim.net.heal()
    sim.net.partition(groups[0])
    sim.run(until=260)
    snap(f"partition {sorted(groups[0])} | rest, after the cuts healed")
    return snaps


def _cut_in_two(sim: Simulation, nodes: list[str], rng: random.Random) -> tuple[list[list[str]], str]:
    """Cut the nodes into two random groups both ways, then let one or two links leak in one direction."""
    shuffled = nodes[:]
    rng.shuffle(shuffled)
    k = rng.randint(1, len(nodes) - 1)
    groups = [shuffled[:k], shuffled[k:]]
    for a in groups[0]:
        for b in groups[1]:
            sim.net.cut(a, b, both=True)
    leaks = []
    for _ in range(rng.randint(1, 2)):
        a, b = rng.choice(groups[0]), rng.choice(groups[1])
        src, dst = (a, b) if rng.random() < 0.5 else (b, a)
        sim.net.restore(src, dst)
        leaks.append(f"{src}->{dst}")
    return groups, f"{sorted(groups[0])} cut from {sorted(groups[1])}, except one way {', '.join(leaks)}"


def _normalise_groups(got: Any) -> list[frozenset[str]] | None:
    try:
        groups = [frozenset(g) for g in got]
    except TypeError:
        return None
    if isinstance(got, (str, dict)) or any(isinstance(g, str) for g in got):
        return None
    return groups


def _check_groups(fn: Callable[..., Any], case: str, table: dict, now: float, timeout: float) -> None:
    shown = f"last_heard={table}, now={now:g}, timeout={timeout:g}"
    got = attempt(fn, table, now, timeout, input=shown, case=case)
    expected = sorted((sorted(g) for g in _reference_groups(table, now, timeout)))
    groups = _normalise_groups(got)
    if groups is None:
        fail(case=case, input=shown, expected=f"a list of sets, e.g. {[set(g) for g in expected]}", got=got,
             hint="return a list of sets of node ids, one set per group")
    if sorted(sorted(g) for g in groups) != expected or sum(len(g) for g in groups) != len(table):
        fail(case=case, input=shown, expected=expected, got=sorted(sorted(g) for g in groups),
             hint=_groups_hint(table, now, timeout, groups))


def _variant_groups(table: dict, now: float, timeout: float, *, both: bool, use_now: bool) -> list[list[str]]:
    """The groups under a rule that differs from the spec (for the hint): one-way links, or no timeout."""
    def hears(a: str, b: str) -> bool:
        t = table.get(a, {}).get(b)
        return t is not None and (not use_now or now - t <= timeout)

    parent = {n: n for n in table}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    for a in table:
        for b in table:
            if a < b and ((hears(a, b) and hears(b, a)) if both else (hears(a, b) or hears(b, a))):
                parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for n in table:
        groups.setdefault(root(n), []).append(n)
    return sorted(sorted(g) for g in groups.values())


def _groups_hint(table: dict, now: float, timeout: float, groups: list[frozenset[str]]) -> str:
    got = sorted(sorted(g) for g in groups)
    if sum(len(g) for g in groups) != len(table) or set().union(*groups) != set(table):
        return "every node of last_heard belongs to exactly one group (a node that hears nobody is a group of one)"
    one_way = got == _variant_groups(table, now, timeout, both=False, use_now=True)
    has_stale = any(now - t > timeout for row in table.values() for t in row.values())
    stale = has_stale and got in (_variant_groups(table, now, timeout, both=True, use_now=False),
                                  _variant_groups(table, now, timeout, both=False, use_now=False))
    if one_way and stale:
        return ("a pair is linked only when each heard the other within the timeout: a one-way link is not "
                "enough, and a heartbeat older than `timeout` does not count")
    if one_way:
        return "a heard b but b did not hear a: a one-way link does not put them in one group (both must hear)"
    if stale:
        return "a heartbeat older than `timeout` (now - last_heard[a][b] > timeout) does not count: use now"
    return "groups are the connected components of the 'hear each other both ways' graph (chains count)"


@exercise("01-partition-detect", title="Reachability groups from heartbeat tables", theme="T01", concepts=("N02",))
def grade_partition_detect(reachability_groups: Callable[..., Any]) -> str:
    """``reachability_groups(last_heard, now, timeout) -> list[set[str]]``.

    ``last_heard[a][b]`` is the local time at which node ``a`` last heard from ``b`` (absent if
    never); every node is a key of ``last_heard``. ``a`` *hears* ``b`` when ``now -
    last_heard[a][b] <= timeout``. Two nodes are linked when each hears the other; the groups
    are the connected components of that graph (a node linked to nobody is a group of one), in
    any order. Checked on hand-written tables and on tables of a heartbeat cluster in the
    simulator under seeded partitions and one-way cuts.
    """
    _need_callable(reachability_groups, "function reachability_groups(last_heard, now, timeout)")
    for name, table, now, timeout in _PARTITION_UNITS:
        _check_groups(reachability_groups, name, table, now, timeout)
    count = 0
    for seed in PARTITION_SEEDS:
        for label, table, now in _heartbeat_tables(seed):
            _check_groups(reachability_groups, label, table, now, 30.0)
            count += 1
    return (f"right on {len(_PARTITION_UNITS)} hand-written tables and {count} heartbeat tables from the "
            f"simulator (seeds {PARTITION_SEEDS[0]}-{PARTITION_SEEDS[-1]}, partitions and one-way cuts)")


# =====================================================================================================
# 01-trace-stats
# =====================================================================================================

TRACE_SEEDS = (51, 52, 53)


def _traces() -> Iterable[tuple[str, Any]]:
    """Seeded traces with loss and duplication (one stopped with messages in flight), and a cut link."""
    for seed in TRACE_SEEDS:
        r = run_request_reply(seed, clients=3, ops=8, loss=0.2, duplicate=0.25, dedup=True)
        yield f"request-reply trace, seed={seed}, loss 20%, duplication 25%", r.sim.trace.messages()
    sim = Simulation(seed=54, latency=(1, 30), loss=0.1, duplicate=0.3)
    sim.add_nodes(["a", "b", "c"], Heartbeater, every=10.0)
    sim.net.cut("a", "c")  # nothing from a ever reaches c: no latency to measure on that link
    sim.run(until=137)  # stops with messages in flight
    yield "heartbeat trace, seed=54, a->c cut, stopped mid-flight", sim.trace.messages()


_STATS_HINTS = {
    "sent": "count distinct msg_id values: a duplicated message was sent once and copied by the network",
    "delivered": "count only copies whose outcome is 'delivered' (dropped and in-flight copies did not arrive)",
    "lost": "a message is lost when none of its copies was delivered: sent minus messages delivered at least once",
    "duplicates": "duplicates are deliveries beyond the first of each message (sum over msg_id of copies - 1)",
    "p50": "the median latency of delivered copies only (NaN when none); use Series.quantile(0.5)",
    "p99": "the 99th percentile latency of delivered copies only (NaN when none); use Series.quantile(0.99)",
}


def _plain(x: Any) -> Any:
    """A numpy scalar as the Python number it holds (so messages read 9, not np.int64(9))."""
    return x.item() if hasattr(x, "item") and not isinstance(x, (list, tuple)) else x


def _same(a: Any, b: Any) -> bool:
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isclose(fa, fb, rel_tol=1e-9, abs_tol=1e-9)


def _check_stats(fn: Callable[..., Any], case: str, messages: Any) -> None:
    import pandas as pd

    expected = reference_delivery_stats(messages)
    got = attempt(fn, messages.copy(), input=f"trace.messages() of the {case}", case=case)
    shown = f"trace.messages() of the {case} ({len(messages)} rows)"
    if not isinstance(got, pd.DataFrame):
        fail(case=case, input=shown, expected="a pandas DataFrame", got=type(got).__name__,
             hint="return a DataFrame with one row per (src, dst) link and a final ('all', 'all') row")
    missing = [c for c in STATS_COLUMNS if c not in got.columns]
    rows = {(tuple(i) if isinstance(i, (tuple, list)) else i): row for i, row in got.iterrows()}
    want = list(expected.index)
    if missing or sorted(map(str, rows)) != sorted(map(str, want)):
        fail(case=case, input=shown, expected=f"columns {STATS_COLUMNS}, index {want}",
             got=f"columns {list(got.columns)}, index {list(rows)}",
             hint="index by (src, dst) (a MultiIndex named src, dst) and add a row ('all', 'all') over every link")
    for link in want:
        for col in STATS_COLUMNS:
            e, g = _plain(expected.loc[link, col]), _plain(rows[link][col])
            if not _same(e, g):
                fail(case=f"{case}, link {link[0]}->{link[1]}, column {col!r}", input=shown, expected=e, got=g,
                     hint=_STATS_HINTS[col])


@exercise("01-trace-stats", title="Delivery statistics from a trace", theme="T01", concepts=("N05",))
def grade_trace_stats(delivery_stats: Callable[..., Any]) -> str:
    """``delivery_stats(messages: pd.DataFrame) -> pd.DataFrame``.

    ``messages`` is ``sim.trace.messages()`` (one row per message copy). Return one row per
    directed link, indexed by a MultiIndex ``(src, dst)``, plus a last row ``('all', 'all')``,
    with the columns ``sent, delivered, lost, duplicates, p50, p99`` exactly as
    ``dsworkbook.sim.stats.delivery_stats`` documents them. Checked on seeded traces with loss,
    duplication, a cut link and messages still in flight.
    """
    _need_callable(delivery_stats, "function delivery_stats(messages)")
    cases = list(_traces())
    for case, messages in cases:
        _check_stats(delivery_stats, case, messages)
    rows = sum(len(m) for _, m in cases)
    return (f"matches the reference on {len(cases)} traces ({rows} message copies; seeds {TRACE_SEEDS} and 54) "
            "with loss, duplication, a cut link and messages in flight")


# =====================================================================================================
# 01-predict-retry
# =====================================================================================================

PREDICT_SEED = 61


def lost_reply_run(seed: int = PREDICT_SEED) -> Simulation:
    """``incr 1`` without idempotency keys; the first reply is lost (server->client cut until t=30)."""
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer)
    sim.add_node("client", RetryClient, server="server", ops=[("incr", 1)],
                 policy=RetryPolicy(timeout=50, max_attempts=3, base=10, idempotency=False))
    sim.net.cut("server", "client")
    sim.at(30, sim.net.restore, "server", "client")
    sim.run(until=1000)
    return sim


def _int_answer(answer: Any, question: str) -> int:
    if isinstance(answer, bool) or not isinstance(answer, int):
        fail(case="the form of the answer", input=question, expected="an int, e.g. 3", got=answer,
             hint="answer with a whole number (no quotes)")
    return answer


@exercise("01-predict-retry", title="Predict: a retry without an idempotency key", theme="T01",
          concepts=("N03", "N04"), kind="predict")
def grade_predict_retry(answer: Any) -> str:
    """An int: the counter's value after the scenario.

    A client sends ``incr 1`` to a counter (starting at 0) with no idempotency keys. The request
    arrives and is applied, but the reply is lost; after its timeout the client sends it again
    and gets a reply. The grader runs exactly this in the simulator and reads the counter.
    """
    question = "a counter at 0; incr 1 applied, reply lost, retried after the timeout, reply received"
    sim = lost_reply_run()
    truth = sim.storage("server")["value"]
    applied = [r.time for r in sim.trace.of_kind("note") if r.node == "server" and "applied" in r.detail]
    dropped = [r.time for r in sim.trace.of_kind("drop") if r.node == "client"]
    sends = [r for r in sim.trace.of_kind("send") if r.node == "client"]
    op = sim.history[0]
    if not (applied and dropped and applied[0] <= dropped[0] and len(sends) == 2 and op.outcome == "ok"):
        raise InvariantViolation("the lost-reply scenario no longer plays out as the question says", seed=sim.seed)
    got = _int_answer(answer, question)
    story = (f"the run (seed={sim.seed}) applied the increment at t={applied[0]:.1f}, dropped the reply at "
             f"t={dropped[0]:.1f}, and applied the retry at t={applied[-1]:.1f}")
    if got != truth:
        fail(case=f"the scenario, run with seed={sim.seed}", input=question, expected=truth, got=got,
             hint=f"{story}: without an idempotency key the server cannot tell a retry from a new request")
    return (f"{story}; the client was told '{op.outcome} {op.output}' for ONE logical increment: "
            f"the counter holds {truth}")


# =====================================================================================================
# 01-predict-timeout
# =====================================================================================================

TIMEOUT_CHOICES = {"a": "the request was lost", "b": "the server crashed", "c": "the reply was lost",
                   "d": "the server is slow", "e": "any of these: the client cannot tell"}


def _timeout_scenario(letter: str, seed: int) -> tuple[tuple, int]:
    """Run one cause of a timeout; return what the client observed, and how often the server applied it."""
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer, service_time=200.0 if letter == "d" else 0.0)
    sim.add_node("client", RetryClient, server="server", ops=[("incr", 1)],
                 policy=RetryPolicy(timeout=50, max_attempts=1))
    if letter == "a":
        sim.net.cut("client", "server")
    elif letter == "b":
        sim.at(0, sim.crash, "server")
    elif letter == "c":
        sim.net.cut("server", "client")
    sim.run(until=1000)
    end = sim.history[0].complete_time
    seen = tuple((r.time, r.kind, r.detail if r.kind != "send" else "request")
                 for r in sim.trace if r.node == "client" and r.time <= end and r.kind in
                 ("send", "deliver", "timer", "complete"))
    applied = sum(1 for r in sim.trace.of_kind("note") if r.node == "server" and "applied" in r.detail)
    return seen, applied


@exercise("01-predict-timeout", title="Predict: what a timeout tells you", theme="T01", concepts=("N03",),
          kind="predict")
def grade_predict_timeout(answer: Any) -> str:
    """A letter: "A client's request timed out. What do you know?"

    (a) the request was lost (b) the server crashed (c) the reply was lost (d) the server is
    slow (e) any of these: the client cannot tell. The grader runs the four causes in the
    simulator and compares what the client observed in each.
    """
    seed = 62
    runs = {letter: _timeout_scenario(letter, seed) for letter in "abcd"}
    if len({seen for seen, _ in runs.values()}) != 1:
        raise InvariantViolation("the four causes of a timeout no longer look alike to the client", seed=seed)
    truth = "e"  # the client's observations were identical in all four runs (checked just above)
    text = answer.strip().strip("().").lower() if isinstance(answer, str) else None
    if text not in TIMEOUT_CHOICES:
        fail(case="the form of the answer", input="choices a-e", expected="one letter, e.g. 'a'", got=answer,
             hint="answer with the letter of your choice as a string")
    applied = [TIMEOUT_CHOICES[k] for k, (_, n) in runs.items() if n]
    if text != truth:
        fail(case=f"four runs with seed={seed}", input="A client's request timed out. What do you know?",
             expected=f"({truth}) {TIMEOUT_CHOICES[truth]}", got=f"({text}) {TIMEOUT_CHOICES[text]}",
             hint=f"the client saw exactly the same thing in all four runs (a request, silence, its timeout), yet "
                  f"the server applied the request in some ({', '.join(applied)}) and not in others")
    return (f"in 4 runs (seed={seed}: lost request, crashed server, lost reply, slow server) the "
            f"client saw the same request-silence-timeout; the server applied it in {len(applied)} of them "
            f"({', '.join(applied)}), so the op is 'unknown'")


# =====================================================================================================
# 01-drill-retry
# =====================================================================================================

DRILL_SEEDS = (71, 72)
DRILL_POLICY = RetryPolicy(timeout=30, max_attempts=8, base=10, cap=320)
DRILL_OPS = [("incr", 1)] * 3 + [("withdraw", 10**6)] + [("incr", 1)] * 2
DRILL_CLIENTS = 8


def _drill_sim(cls: type, seed: int) -> Simulation:
    sim = Simulation(seed=seed, latency=(1, 10), loss=0.15, duplicate=0.05)
    sim.add_node("server", CounterServer, dedup=True)
    for i in range(DRILL_CLIENTS):
        try:
            sim.add_node(f"c{i}", cls, server="server", ops=DRILL_OPS, policy=DRILL_POLICY, req_base=i * 100_000)
        except TypeError as exc:
            fail(case="building the client", input="cls('c0', server=..., ops=..., policy=..., req_base=...)",
                 expected="a client node", got=f"TypeError: {exc}",
                 hint="subclass dw.reliability.NaiveRetryClient and override its three methods")
    sim.at(20, sim.crash, "server")
    sim.at(200, sim.restart, "server")
    _run(sim, until=4000, max_events=400_000, case=f"the drill run (seed={seed})")
    return sim


def _drill_facts(sim: Simulation) -> tuple[dict, dict, dict]:
    attempts, owner = attempts_by_op(sim)
    applied = {i: 0 for i in attempts}
    errors: dict[int, float] = {}
    for r in sim.trace:
        if r.kind == "note" and r.node == "server" and "applied" in r.detail:
            idx = owner.get((r.detail["client"], r.detail["applied"]))
            if idx is not None:
                applied[idx] += 1
        elif r.kind == "deliver" and type(r.detail) is Response and not r.detail.ok:
            idx = owner.get((r.node, r.detail.req_id))
            if idx is not None:
                errors.setdefault(idx, r.time)
    return attempts, applied, errors


def _keys_of(sim: Simulation, op_index: int, attempts: dict) -> list[Any]:
    ids = {rid for _, rid in attempts[op_index]}
    op = sim.history[op_index]
    return [r.detail.idem_key for r in sim.trace.of_kind("send") if r.node == op.process and
            type(r.detail) is Request and r.detail.req_id in ids]


def _check_drill_run(sim: Simulation) -> list[float]:
    attempts, applied, errors = _drill_facts(sim)
    case = f"the drill run (seed={sim.seed}: {DRILL_CLIENTS} clients, loss 15%, server down 20-200 ms)"
    for op in sim.history:
        n, what = applied[op.index], f"op #{op.index} of {op.process}: {op.f} {op.input}"
        if n > 1 or (op.outcome == "ok" and op.f == "incr" and n != 1):
            hint = ("every attempt of one operation must carry the same idempotency key, or the server applies a "
                    "retry as a new operation") if n > 1 else (
                    "it ended ok but was never applied: the server answered it from another operation's entry, so "
                    "keys must also be unique to the operation (include the client's id and the op's index)")
            fail(case=case, input=what, expected="applied exactly once", got=f"applied {n} times; the attempts "
                 f"carried idem_keys {_keys_of(sim, op.index, attempts)}", hint=hint)
    for op in sim.history:
        sent = [t for t, _ in attempts[op.index]]
        if op.index in errors and (op.outcome != "fail" or any(t > errors[op.index] for t in sent)):
            fail(case=case, input=f"op #{op.index} of {op.process}: {op.f} {op.input}, answered with an error",
                 expected="no more attempts, and the op ends 'fail'", got=f"{len(sent)} attempts, outcome {op.outcome}",
                 hint="an error reply is the server's answer: asking again gets the same answer forever")
        if len(sent) > DRILL_POLICY.max_attempts:
            fail(case=case, input=f"op #{op.index} of {op.process}",
                 expected=f"at most {DRILL_POLICY.max_attempts} attempts", got=f"{len(sent)} attempts",
                 hint="stop after policy.max_attempts and end the op 'unknown'")
    return _first_retry_delays(attempts)


def _first_retry_delays(attempts: dict) -> list[float]:
    out = []
    for sends in attempts.values():
        if len(sends) >= 2 and sends[1][0] - sends[0][0] >= DRILL_POLICY.timeout:
            out.append(round(sends[1][0] - sends[0][0] - DRILL_POLICY.timeout, 6))
    return out


def _check_drill_progress(sim: Simulation) -> tuple[int, int]:
    ops = list(sim.history)
    incr_ok = sum(1 for op in ops if op.f == "incr" and op.outcome == "ok")
    want = DRILL_CLIENTS * len(DRILL_OPS)
    incr_ops = DRILL_CLIENTS * sum(1 for f, _ in DRILL_OPS if f == "incr")
    if len(ops) != want or incr_ok < 0.75 * incr_ops:
        fail(case=f"the drill run (seed={sim.seed})", input=f"{DRILL_CLIENTS} clients x {len(DRILL_OPS)} ops",
             expected=f"all {want} ops started, at least 75% of the increments ok",
             got=f"{len(ops)} ops started, {incr_ok} increments ok",
             hint="a client must finish each op (ok, fail or unknown) before the next one starts")
    return incr_ok, sum(1 for op in ops if op.outcome == "unknown")


@exercise("01-drill-retry", title="Drill: fix the naive retrying client", theme="T01", concepts=("N04",), kind="drill")
def grade_drill_retry(FixedRetryClient: Any) -> str:
    """A class: ``dw.reliability.NaiveRetryClient`` with its three bugs fixed.

    Subclass ``NaiveRetryClient`` and override ``idempotency_key(self, index, attempt)`` (one key
    per logical op), ``retry_delay(self, retry)`` (capped exponential backoff with jitter, drawn
    from ``self.rng``; ``self.policy`` has ``base`` and ``cap``) and ``on_reply(self, response)``
    (``self.finish("ok"/"fail", response.value)``; never resend on an error). Graded by running
    8 such clients against a dedup server under 15% loss and an outage: every op applied
    exactly once, at most ``max_attempts`` attempts, error replies not retried, retry delays
    jittered.
    """
    if not (inspect.isclass(FixedRetryClient) and issubclass(FixedRetryClient, Node)):
        fail(case="the answer itself", input=repr(FixedRetryClient), expected="a Node subclass (a client class)",
             got=type(FixedRetryClient).__name__, hint="write class FixedRetryClient(dw.reliability.NaiveRetryClient)")
    delays: list[float] = []
    ok = unknown = 0
    for seed in DRILL_SEEDS:
        sim = _drill_sim(FixedRetryClient, seed)
        delays += _check_drill_run(sim)
        a, b = _check_drill_progress(sim)
        ok, unknown = ok + a, unknown + b
    if len(delays) < 8 or len(set(delays)) < len(delays) / 2:
        fail(case=f"first-retry delays over seeds {DRILL_SEEDS}", input=f"{len(delays)} ops that retried",
             expected="mostly different delays (jitter)", got=f"{len(set(delays))} distinct: {sorted(set(delays))[:8]}",
             hint="clients that failed together retry together without jitter: draw the delay from self.rng")
    return (f"seeds {DRILL_SEEDS}: every op applied at most once and each ok increment exactly once ({ok} ok, "
            f"{unknown} unknown), errors not retried, attempts <= {DRILL_POLICY.max_attempts}, "
            f"{len(set(delays))} distinct first-retry delays")

