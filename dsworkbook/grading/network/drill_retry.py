"""Exercise ``01-drill-retry``: fix the three bugs of ``NaiveRetryClient``.

The answer is a subclass of :class:`dsworkbook.reliability.NaiveRetryClient` that overrides
``idempotency_key``, ``retry_delay`` and ``on_reply``. The check runs it, it does not read it:

* **the drill run** (two seeds): eight clients against a de-duplicating server through 15% loss,
  5% duplication and an outage - every op applied at most once and every ok increment exactly
  once (keys shared by the attempts of one op, and unique across ops and clients), error
  replies end the op ``fail`` with the server's message and are not retried, ok ops carry the
  value of the reply, at most ``max_attempts`` attempts;
* **an unreachable server** (adversarial, three seeds): every op makes exactly
  ``max_attempts`` attempts and ends ``unknown``; every wait lies within
  ``[0, min(cap, base * 2**retry)]``, the waits are jittered, and the largest wait of each retry
  number comes near its ceiling (so the ceiling doubles; a linear or a fixed ceiling fails);
* **replay**: the drill run gives the same trace in two worlds that differ in ``hash()`` salts, the
  global ``random`` and the clock (keys from ``hash()`` or delays from ``random`` fail).
"""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.grading.core import exercise, fail, same_everywhere
from dsworkbook.grading.network._common import _run
from dsworkbook.reliability import CounterServer, RetryPolicy, attempts_by_op
from dsworkbook.sim import Constant, Node, Request, Response, Simulation

__all__ = ["grade_drill_retry"]

DRILL_SEEDS = (71, 72)
DRILL_POLICY = RetryPolicy(timeout=30, max_attempts=8, base=10, cap=320)
DRILL_OPS = [("incr", 1)] * 3 + [("withdraw", 10**6)] + [("incr", 1)] * 2
DRILL_CLIENTS = 8


ISOLATED_SEEDS = (74, 75, 76)
ISOLATED_CLIENTS = 6


def _build(sim: Simulation, cls: type, name: str, **kwargs: Any) -> None:
    try:
        sim.add_node(name, cls, **kwargs)
    except TypeError as exc:
        fail(case="building the client", input="cls('c0', server=..., ops=..., policy=..., req_base=...)",
             expected="a client node", got=f"TypeError: {exc}",
             hint="subclass NaiveRetryClient and override its three methods")


def _drill_sim(cls: type, seed: int) -> Simulation:
    sim = Simulation(seed=seed, latency=(1, 10), loss=0.15, duplicate=0.05)
    sim.add_node("server", CounterServer, dedup=True)
    for i in range(DRILL_CLIENTS):
        _build(sim, cls, f"c{i}", server="server", ops=DRILL_OPS, policy=DRILL_POLICY, req_base=i * 100_000)
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


def _replies(sim: Simulation) -> dict[tuple[str, int], Response]:
    """(client, req_id) -> the first reply delivered to the client for that attempt."""
    out: dict[tuple[str, int], Response] = {}
    for r in sim.trace.of_kind("deliver"):
        if type(r.detail) is Response:
            out.setdefault((r.node, r.detail.req_id), r.detail)
    return out


def _check_outputs(sim: Simulation, attempts: dict, case: str) -> None:
    """An op that ended on a reply carries that reply's value; an error reply ends it ``fail``."""
    replies = _replies(sim)
    for op in sim.history:
        if op.outcome not in ("ok", "fail"):
            continue
        got = [replies[(op.process, rid)] for _, rid in attempts[op.index] if (op.process, rid) in replies]
        values = [(r.ok, r.value) for r in got]
        if (op.outcome == "ok", op.output) not in values:
            fail(case=case, input=f"op #{op.index} of {op.process}: {op.f} {op.input}, answered {values}",
                 expected=f"the op ends with the reply's outcome and value, e.g. {values[:1]}",
                 got=f"outcome {op.outcome!r}, value {op.output!r}",
                 hint="end the op with self.finish(outcome, value) using response.value, and 'fail' only "
                      "for an error reply (response.ok is False)")


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
                 hint="an error reply is the server's answer: end the op 'fail' at once (asking again gets the "
                      "same answer forever, and 'unknown' would hide a definite answer)")
        if len(sent) > DRILL_POLICY.max_attempts:
            fail(case=case, input=f"op #{op.index} of {op.process}",
                 expected=f"at most {DRILL_POLICY.max_attempts} attempts", got=f"{len(sent)} attempts",
                 hint="stop after policy.max_attempts and end the op 'unknown'")
    _check_outputs(sim, attempts, case)
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


def _isolated_sim(cls: type, seed: int) -> Simulation:
    """Clients whose every request is lost: the server is cut off from everyone for the whole run."""
    sim = Simulation(seed=seed, latency=Constant(5))
    sim.add_node("server", CounterServer, dedup=True)
    for i in range(ISOLATED_CLIENTS):
        _build(sim, cls, f"c{i}", server="server", ops=[("incr", 1)] * 2, policy=DRILL_POLICY, req_base=i * 100_000)
    sim.net.isolate("server")
    _run(sim, until=20_000, max_events=100_000, case=f"an unreachable server (seed={seed})")
    return sim


def _check_isolated(cls: type) -> int:
    p = DRILL_POLICY
    by_retry: dict[int, list[float]] = {}
    first_op: dict[int, list[float]] = {}
    for seed in ISOLATED_SEEDS:
        sim = _isolated_sim(cls, seed)
        attempts, _ = attempts_by_op(sim)
        first_op[seed] = [t for t, _ in attempts[sim.history[0].index]] if len(sim.history) else []
        case = (f"an unreachable server (seed={seed}: {ISOLATED_CLIENTS} clients x 2 incr, every request lost, "
                f"timeout {p.timeout:g} ms, max_attempts {p.max_attempts}, base {p.base:g} ms, cap {p.cap:g} ms)")
        for op in sim.history:
            sends = [t for t, _ in attempts[op.index]]
            if len(sends) != p.max_attempts or op.outcome != "unknown":
                fail(case=case, input=f"op #{op.index} of {op.process}: {op.f} {op.input}",
                     expected=f"{p.max_attempts} attempts, then the op ends 'unknown'",
                     got=f"{len(sends)} attempts, outcome {op.outcome}",
                     hint="keep retrying until policy.max_attempts, with finite waits; a timeout is not a failure")
            for retry, (a, b) in enumerate(zip(sends, sends[1:])):
                wait, ceiling = round(b - a - p.timeout, 9), min(p.cap, p.base * 2 ** retry)
                if not 0 <= wait <= ceiling + 1e-6:
                    fail(case=case, input=f"op #{op.index} of {op.process}, the wait before retry {retry}",
                         expected=f"a wait within [0, min(cap, base * 2**retry)] = [0, {ceiling:g}] ms",
                         got=f"{wait:g} ms", hint="the wait is at most min(cap, base * 2**retry): "
                         + ("never more than the cap" if wait > p.cap else "the ceiling starts at base and doubles"))
                by_retry.setdefault(retry, []).append(wait)
    if len({tuple(v) for v in first_op.values()}) < len(first_op):
        fail(case=f"an unreachable server, seeds {ISOLATED_SEEDS}", input="the attempts of c0's first op on each seed",
             expected="different waits on different seeds", got=f"the same send times: {next(iter(first_op.values()))}",
             hint="the waits ignore the simulation's seed: draw them from self.rng, not from a generator of your own")
    for retry, waits in sorted(by_retry.items()):
        ceiling = min(p.cap, p.base * 2 ** retry)
        if len(set(waits)) < len(waits) / 2:
            fail(case=f"an unreachable server, seeds {ISOLATED_SEEDS}", input=f"{len(waits)} waits before retry {retry}",
                 expected="mostly different waits (jitter)", got=f"{len(set(waits))} distinct: {sorted(set(waits))[:8]}",
                 hint="clients that failed together retry together without jitter: draw the wait from self.rng")
        if max(waits) < 0.6 * ceiling:
            fail(case=f"an unreachable server, seeds {ISOLATED_SEEDS}", input=f"{len(waits)} waits before retry {retry}",
                 expected=f"waits spread up to the ceiling min(cap, base * 2**retry) = {ceiling:g} ms",
                 got=f"the largest was {max(waits):.3g} ms",
                 hint="the ceiling must double with each retry (base * 2**retry), up to the cap")
    return sum(len(w) for w in by_retry.values())


def _digest(cls: type, seed: int) -> str:
    return _drill_sim(cls, seed).trace.digest()


@exercise("01-drill-retry", title="Drill: fix the naive retrying client", theme="T01", concepts=("N04",), kind="drill",
          reference=("dsworkbook.reliability.RetryClient.idempotency_key",
                     "dsworkbook.reliability.RetryClient.retry_delay",
                     "dsworkbook.reliability.RetryClient.on_reply"))
def grade_drill_retry(FixedRetryClient: Any) -> str:
    """A class: ``dw.reliability.NaiveRetryClient`` with its three bugs fixed.

    Subclass ``NaiveRetryClient`` and override ``idempotency_key(self, index, attempt)`` (one key
    per logical op), ``retry_delay(self, retry)`` (capped exponential backoff with jitter, drawn
    from ``self.rng``; ``self.policy`` has ``base`` and ``cap``) and ``on_reply(self, response)``
    (``self.finish("ok"/"fail", response.value)``; never resend on an error). See the module
    docstring for what is checked.
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
    waits = _check_isolated(FixedRetryClient)
    same_everywhere(_digest, FixedRetryClient, DRILL_SEEDS[0], input=f"the drill run with seed={DRILL_SEEDS[0]}",
                    case=f"the drill run (seed={DRILL_SEEDS[0]})")
    return (f"seeds {DRILL_SEEDS}: every op applied at most once and each ok increment exactly once ({ok} ok, "
            f"{unknown} unknown), errors end 'fail' and are not retried, ops carry their reply's value, attempts <= "
            f"{DRILL_POLICY.max_attempts}, {len(set(delays))} distinct first-retry delays; against an unreachable "
            f"server (seeds {ISOLATED_SEEDS}) {waits} waits within min(cap, base*2**retry), jittered, reaching each "
            "ceiling; the same trace in two worlds")
