"""Exercise ``01-drill-retry``: see its grader's docstring for what the learner writes."""

from __future__ import annotations

import inspect
from typing import Any

from dsworkbook.grading.core import exercise, fail
from dsworkbook.reliability import CounterServer, RetryPolicy, attempts_by_op
from dsworkbook.sim import Node, Request, Response, Simulation

from dsworkbook.grading.network._common import _run

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
