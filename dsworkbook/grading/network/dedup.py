"""Exercise ``01-dedup``: server-side de-duplication with idempotency keys.

The answer is a class ``DedupCounter`` with ``handle(req_id, idem_key, amount) -> int``. The
check replays call sequences against it and against the reference (apply a key once, remember
the value it produced, answer every repeat with that value), call by call:

* hand cases with pointed hints (a retry, a network duplicate, two ops with the same amount, a
  repeat with another amount, interleaved retries);
* 60 random sequences over the whole domain (seeded), and three long ones of 3,000 calls whose
  retries come back after thousands of other keys (a table that forgets old keys fails);
* one sequence run in two worlds that differ in ``hash()`` salts, the global ``random`` and the
  clock (an answer whose result depends on them fails);
* two separate objects must not share a table;
* the class as the server of five retrying clients in the simulator, under loss and duplication:
  every logical operation applied exactly once.
"""

from __future__ import annotations

import inspect
import random
from typing import Any, Callable

from dsworkbook.grading.core import attempt, exercise, fail, random_cases, same_everywhere
from dsworkbook.grading.network._common import _need_callable, _run
from dsworkbook.reliability import RetryClient, RetryPolicy
from dsworkbook.sim import Node, Request, Simulation

__all__ = ["grade_dedup"]


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
    ("a repeated key with another amount: the key alone decides", [(1, "a", 4), (2, "a", 9)]),
    ("a retry of the first op after ten others", [(i, f"k{i}", i) for i in range(1, 12)] + [(12, "k1", 1)]),
    ("keys that look alike", [(1, "c9/1", 2), (2, "c1/91", 3), (3, "c9/1", 2), (4, "c91/", 5), (5, "c1/91", 3)]),
]


def _random_sequence(rng: random.Random, length: int) -> list[tuple[int, str, int]]:
    """Calls with new keys, retries of earlier keys (new req_id), network duplicates (the same call
    again) and, rarely, a repeated key with another amount (a buggy client: the key alone decides)."""
    calls: list[tuple[int, str, int]] = []
    amounts: dict[str, int] = {}
    for req_id in range(1, length + 1):
        r = rng.random()
        if calls and r < 0.15:
            calls.append(rng.choice(calls[-3:]))  # the network duplicated a recent request
            continue
        key = rng.choice(list(amounts)) if amounts and r < 0.5 else f"k{len(amounts)}"
        amounts.setdefault(key, rng.randint(1, 9))
        amount = rng.randint(1, 9) if key in amounts and rng.random() < 0.05 else amounts[key]
        calls.append((req_id, key, amount))
    return calls


def _long_sequence(rng: random.Random, length: int) -> list[tuple[int, str, int]]:
    """``length`` calls; a quarter are retries of keys first seen long before (hundreds to thousands of calls)."""
    calls: list[tuple[int, str, int]] = []
    first: list[tuple[str, int]] = []
    for req_id in range(1, length + 1):
        if len(first) > 1200 and rng.random() < 0.25:
            key, amount = first[rng.randrange(0, len(first) - 1000)]  # at least 1,000 keys ago
        else:
            key, amount = f"c{rng.randint(0, 40)}/{len(first)}", rng.randint(1, 9)
            first.append((key, amount))
        calls.append((req_id, key, amount))
    return calls


def _draw_sequence(rng: random.Random) -> list[tuple[int, str, int]]:
    return _random_sequence(rng, rng.choice([1, 2, 3, rng.randint(4, 20), rng.randint(20, 80)]))


def _run_sequence(cls: Any, calls: list[tuple[int, str, int]]) -> list[Any]:
    counter = cls()
    return [counter.handle(*call) for call in calls]


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


def _shown(calls: list[tuple[int, str, int]], i: int) -> str:
    """The calls up to ``i`` whole when short; else the calls that matter: the key's earlier ones, and the last few."""
    if i < 40:
        return f"calls {calls[: i + 1]} on a new DedupCounter (the last one is checked)"
    key = calls[i][1]
    earlier = [(j + 1, c) for j, c in enumerate(calls[:i]) if c[1] == key]
    told = (f"its key {key!r} was first seen in call {earlier[0][0]}: {earlier[0][1]}" if earlier
            else f"its key {key!r} was never seen before")
    return (f"call {i + 1} of a sequence on a new DedupCounter: {calls[i]}; {told}; "
            f"the {min(i, 10)} calls just before it: {calls[max(0, i - 10): i]}")


def _check_dedup_sequence(cls: Any, name: str, calls: list[tuple[int, str, int]]) -> None:
    mine, ref = _new_counter(cls, name), _ReferenceDedup()
    for i, call in enumerate(calls):
        shown = _shown(calls, i)
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


@exercise("01-dedup", title="Server-side de-duplication with idempotency keys", theme="T01", concepts=("N04",),
          reference="dsworkbook.reliability.CounterServer._serve")
def grade_dedup(DedupCounter: Any) -> str:
    """``class DedupCounter`` with ``handle(self, req_id, idem_key, amount) -> int``.

    ``DedupCounter()`` starts at 0. ``handle`` adds ``amount`` the first time it sees
    ``idem_key`` and returns the counter value that produced; for a key it has seen before
    (a retry: new ``req_id``; or a network duplicate: same ``req_id``) it changes nothing and
    returns that same original value, whatever its ``amount``. See the module docstring for
    what is checked.
    """
    if not inspect.isclass(DedupCounter):
        _need_callable(DedupCounter, "class DedupCounter")
    _check_independent_instances(DedupCounter)
    for name, calls in _DEDUP_UNITS:
        _check_dedup_sequence(DedupCounter, name, calls)
    for label, sequence in random_cases(2024, 60, _draw_sequence):
        _check_dedup_sequence(DedupCounter, label, sequence)
    for label, sequence in random_cases(2025, 3, lambda rng: _long_sequence(rng, 3000)):
        _check_dedup_sequence(DedupCounter, f"long {label}", sequence)
    worlds = _random_sequence(random.Random(2026), 60)
    same_everywhere(_run_sequence, DedupCounter, worlds, input=f"calls {worlds} on a new DedupCounter",
                    case="one sequence of 60 calls")
    requests = repeats = 0
    for seed in DEDUP_SEEDS:
        c, r = _check_dedup_in_sim(DedupCounter, seed)
        requests, repeats = requests + c, repeats + r
    return (f"{len(_DEDUP_UNITS) + 63} call sequences right (3 of 3,000 calls); in the simulator (seeds {DEDUP_SEEDS}) "
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
